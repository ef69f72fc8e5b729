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

import json
import os
import socket
from typing import Any

from mhv.errors import MhvError

CONNECT_TIMEOUT = 0.25  # a Unix socket connects at once or not at all; this only bounds a stuck server
REPLY_TIMEOUT = 120.0


class Unavailable(Exception):
    """No service answered and nothing was done: run the command directly."""


def socket_path() -> str:
    home = os.environ.get("MHV_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "run", "mhv.sock")
    from mhv import paths

    return str(paths.run_dir() / "mhv.sock")


def actor() -> str:
    """The actor the direct path records (TaskService's default), so history reads the same."""
    return os.environ.get("MHV_ACTOR") or os.environ.get("USER") or "mhv"


def _error(data: Any, message: str) -> MhvError:
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
    path = socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        try:
            sock.connect(path)
        except OSError as exc:  # FileNotFoundError, ConnectionRefusedError, timeout, path too long
            raise Unavailable(str(exc)) from None
        request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            sock.sendall(json.dumps(request).encode() + b"\n")
        except OSError as exc:
            raise Unavailable(str(exc)) from None
        sock.settimeout(REPLY_TIMEOUT)
        line = _read_line(sock, write=write)
    finally:
        sock.close()
    try:
        reply = json.loads(line)
    except ValueError:
        return _lost("the service sent an unreadable answer", write)
    if not isinstance(reply, dict) or reply.get("id") != 1:
        return _lost("the service sent an answer to another request", write)
    error = reply.get("error")
    if error is None:
        return reply.get("result")
    if isinstance(error, dict) and error.get("code") == -32000:
        raise _error(error.get("data"), str(error.get("message", "")))
    raise Unavailable(f"the service refused the request: {error}")


def _read_line(sock: socket.socket, *, write: bool) -> bytes:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except OSError as exc:
            return _lost(f"the service stopped answering ({exc})", write)
        if not chunk:
            return _lost("the service closed the connection before answering", write)
        end = chunk.find(b"\n")
        if end >= 0:
            chunks.append(chunk[:end])
            return b"".join(chunks)
        chunks.append(chunk)


def _lost(why: str, write: bool) -> Any:
    if not write:
        raise Unavailable(why)
    raise MhvError(
        f"{why}; the change may or may not have been made",
        "check with `mhv tl --all` (and `mhv undo` to take it back) before trying again",
        code="MHV-708",
    )
