"""The one-shot CLI's client of the sync service (docs/protocol.md): one JSON-RPC request on
``$MHV_HOME/run/mhv.sock``, one line back. Standard library only, so a command that goes through the
service imports neither the store nor the parser.

`Unavailable` means "no service answered, and nothing was done": the caller runs the command
directly. That covers no socket file, a refused connection (a stale socket left by a crashed
server), a connect timeout, a connection closed before the request was sent, and any answer that is
not an mhv error (an older server without the method, invalid params, an internal error: the server
writes every action in one transaction, so nothing half-done is left). An mhv error (-32000) is
raised as the same `MhvError` the direct path raises, with its exit code. ``MHV_NO_SERVICE=1``
always takes the direct path.
"""

from __future__ import annotations

import os
from typing import Any

from mhv.cli import thin
from mhv.cli.thin import actor, socket_path
from mhv.errors import MhvError

__all__ = ["Unavailable", "actor", "call", "error_from", "lost_error", "socket_path"]


class Unavailable(Exception):
    """No service answered and nothing was done: run the command directly."""


def error_from(data: Any, message: str) -> MhvError:
    """The `MhvError` an mhv error (-32000) from the service stands for: the class with its code."""
    code = data.get("code") if isinstance(data, dict) else None
    hint = data.get("hint", "") if isinstance(data, dict) else ""
    details = data.get("details") if isinstance(data, dict) else None
    cls: type[MhvError] = MhvError
    stack = list(MhvError.__subclasses__())
    while stack:
        sub = stack.pop()
        if sub.__dict__.get("code") == code:
            cls = sub
            break
        stack.extend(sub.__subclasses__())
    err = cls(message, hint or "", code=code if isinstance(code, str) else None,
              **(details if isinstance(details, dict) else {}))  # fmt: skip
    return err


def call(method: str, params: dict[str, Any], *, write: bool) -> Any:
    """Send one request and return its result. ``write``: once the request is sent, a lost answer is
    an error (the change may have been made), not a reason to run it again directly."""
    if os.environ.get("MHV_NO_SERVICE"):
        raise Unavailable("MHV_NO_SERVICE is set")
    if method in thin.declined:
        raise Unavailable("the service declined this command a moment ago (mhv/cli/thin.py)")
    kind, value = thin.exchange(method, params)
    if kind == "result":
        return value
    if kind == "error":
        raise error_from(*value)
    if kind == "unavailable":
        raise Unavailable(value)
    if not write:
        raise Unavailable(value)
    raise lost_error(value)


def lost_error(why: str) -> MhvError:
    """A write whose answer was lost after the request was sent."""
    return MhvError(
        f"{why}; the change may or may not have been made",
        "check with `mhv tl --all` (and `mhv undo` to take it back) before trying again",
        code="MHV-708",
    )
