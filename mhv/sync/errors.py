"""Errors of the sync service (MHV-7xx). MHV-701..709: the JSON-RPC socket; MHV-710 and up: HTTP."""

from __future__ import annotations

from mhv.errors import MhvError


class SyncError(MhvError):
    code = "MHV-700"
    exit_code = 6


class SocketPathTooLongError(SyncError):
    code = "MHV-701"


class ServerRunningError(SyncError):
    """Another live server holds this MHV_HOME's socket (its pid is in the message)."""

    code = "MHV-702"
    exit_code = 5


class SubscriberTooSlow(Exception):
    """A subscription's bounded queue overflowed: resume with ``since=last_seq``."""

    def __init__(self, last_seq: int) -> None:
        super().__init__(f"subscriber fell too far behind; resume with since={last_seq}")
        self.last_seq = last_seq
