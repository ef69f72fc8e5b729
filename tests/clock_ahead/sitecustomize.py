"""Loaded only by `tests/clock_ahead/run` (through PYTHONPATH), which runs the whole suite with the
wall clock moved ahead by libfaketime, to find tests that read today's date (issue 13).

libfaketime with a moved wall clock and a real monotonic clock (FAKETIME_DONT_FAKE_MONOTONIC=1, so
threading's timed waits keep working) makes `clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)` fail
with EINVAL (libfaketime 0.9.10 shifts the absolute deadline by the fake offset). Python's
`time.sleep` uses exactly that call; here it sleeps in `select` instead, whose timeout is relative.
Nothing else is changed.
"""

from __future__ import annotations

import os
import select
import time

if "libfaketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
