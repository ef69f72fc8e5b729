"""Run a real program (Taskwarrior, `mhv serve`) with its clock pinned, through libfaketime itself.

Debian's `faketime` wrapper names a POSIX semaphore after its own pid and creates it exclusively; a
wrapper that is killed (a server stopped with SIGTERM, a timeout) leaves the semaphore behind, and a
later wrapper that gets the same pid fails with "sem_open: File exists" (CI run of 4 December). The
library needs no wrapper: LD_PRELOAD it with FAKETIME="@DAY" and the clock starts at DAY and ticks.
"""

from __future__ import annotations

import glob
import os
import shutil

LIBRARY_GLOBS = (
    "/usr/lib/*/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
)


def library() -> str | None:
    """The path of libfaketime, or None when it is not installed (apt-get install faketime)."""
    for pattern in LIBRARY_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def available() -> bool:
    return library() is not None and shutil.which("faketime") is not None


def faked_env(day: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) with the clock starting at `day` ("2026-11-24 12:00:00").

    A leading "@" is accepted, as `faketime -f` takes it. The monotonic clock stays real, so
    timeouts and asyncio in the faked program behave.
    """
    lib = library()
    if lib is None:
        raise RuntimeError("libfaketime is not installed: apt-get install faketime")
    base = dict(os.environ if env is None else env)
    # One clock per program: a libfaketime already preloaded (the suite itself run under
    # `faketime '+400 days'`, to find tests that read today's date) would fake this one again.
    others = [p for p in base.get("LD_PRELOAD", "").replace(":", " ").split() if "libfaketime" not in p]
    preload = " ".join([lib, *others])
    base.pop("FAKETIME_SHARED", None)
    return base | {
        "LD_PRELOAD": preload,
        "FAKETIME": "@" + day.lstrip("@"),
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
