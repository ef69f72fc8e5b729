"""Make sure the stop signals reach the service.

A parent may start us with SIGTERM/SIGINT blocked or ignored (Swift's Foundation `Process` on Linux
hands its children almost every signal blocked; so do some supervisors and `nohup`-style wrappers).
Python's handlers then never run and the service cannot be stopped short of SIGKILL, which leaves
the socket file behind. Both entry points call `accept_stop_signals()` before they install their
handlers.
"""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def accept_stop_signals() -> None:
    """Unblock SIGTERM and SIGINT in this thread (new threads inherit it) and undo an inherited ignore."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL if sig == signal.SIGTERM else signal.default_int_handler)
