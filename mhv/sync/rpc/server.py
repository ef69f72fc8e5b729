"""The JSON-RPC socket: newline-delimited JSON on a Unix socket (0600, in a 0700 folder).

One server per ``MHV_HOME``: a lock file next to the socket (``mhv.pid``, held with ``flock`` for
the server's life and holding its pid) decides. Whoever holds the lock owns the socket path, so a
socket file found there is a crashed server's and is replaced; a second server is refused with the
pid of the first. Every byte a client sends is hostile: a line is capped (the connection is closed
after one error line), connections are capped, a client that stops reading is held back by the
socket's own flow control (and its event subscription is dropped when its queue overflows).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhv.sync.errors import ServerRunningError, SocketPathTooLongError, SyncError
from mhv.sync.rpc.jsonrpc import INVALID_REQUEST, SERVER_ERROR, Dispatcher, RpcError, Session, encode

if TYPE_CHECKING:
    from mhv.sync.context import SyncContext

log = logging.getLogger("mhv.sync.rpc")
MAX_LINE = 1 << 20  # 1 MiB per JSON text
MAX_CONNECTIONS = 64
_MAX_UNIX_PATH = 107  # sun_path is 108 bytes on Linux (104 on macOS) including the NUL


class _Lock:
    """``mhv.pid`` next to the socket, flock'ed for the life of the server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, socket_path: Path) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ServerRunningError(
                f"another mhv server (pid {holder}) is already serving {socket_path}",
                f"stop it first (kill {holder}), or give this one another MHV_HOME",
                pid=holder,
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        # Not unlinked: a process waiting on the old inode could then lock a file nobody else sees.
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise SyncError(
            f"{folder} is not a folder owned by this user",
            "remove it (or point MHV_HOME elsewhere); the socket must live in a private folder",
        )
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(folder, 0o700)


class RpcServer:
    def __init__(self, ctx: SyncContext | None, dispatcher: Dispatcher, path: Path, *,
                 max_line: int = MAX_LINE, max_connections: int = MAX_CONNECTIONS) -> None:  # fmt: skip
        self.ctx = ctx
        self.dispatcher = dispatcher
        self.path = path
        self.max_line = max_line
        self.max_connections = max_connections
        self._lock = _Lock(path.with_suffix(".pid"))
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None
        self._clients: set[asyncio.Task[Any]] = set()
        self._busy: set[asyncio.Task[Any]] = set()  # connections in the middle of a request
        self._closing = False
        self.sessions: set[Session] = set()

    async def start(self) -> None:
        if len(os.fsencode(self.path)) > _MAX_UNIX_PATH:
            raise SocketPathTooLongError(
                f"the socket path {self.path} is {len(os.fsencode(self.path))} bytes; Unix sockets allow {_MAX_UNIX_PATH}",
                "set MHV_HOME to a shorter folder",
            )
        _prepare_folder(self.path.parent)
        self._lock.acquire(self.path)
        try:
            with contextlib.suppress(FileNotFoundError):
                st = os.lstat(self.path)
                if not stat.S_ISSOCK(st.st_mode):
                    raise SyncError(f"{self.path} exists and is not a socket", "move it away and start again")
                os.unlink(self.path)  # we hold the lock: this is a crashed server's socket
            self._server = await asyncio.start_unix_server(
                self._client, path=str(self.path), limit=self.max_line
            )
            os.chmod(self.path, 0o600)
            self._inode = os.lstat(self.path).st_ino
        except BaseException:
            self._lock.release()
            raise
        log.info("JSON-RPC listening on %s", self.path)

    async def close(self, grace: float = 10.0) -> None:
        """Stop accepting, let requests in hand finish (up to ``grace`` seconds) and answer them, end
        every connection, remove the socket file and release the lock."""
        if self._server is None:
            return
        server, self._server = self._server, None
        self._closing = True
        server.close()
        for task in list(self._clients - self._busy):
            task.cancel()  # idle: waiting for a line
        if self._busy:
            await asyncio.wait(list(self._busy), timeout=grace)
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)
        with contextlib.suppress(FileNotFoundError):
            if os.lstat(self.path).st_ino == self._inode:
                os.unlink(self.path)
        self._lock.release()

    async def __aenter__(self) -> RpcServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one connection ---------------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._clients) >= self.max_connections:
            busy = RpcError(SERVER_ERROR, "too many connections",
                            {"code": "MHV-705", "hint": f"at most {self.max_connections} clients at once; retry later"})  # fmt: skip
            with contextlib.suppress(Exception):
                writer.write(encode({"jsonrpc": "2.0", "error": busy.to_dict(), "id": None}).encode() + b"\n")
                await asyncio.wait_for(writer.drain(), 1)
            writer.close()
            return
        self._clients.add(task)
        lock = asyncio.Lock()
        open_ = True

        async def send(text: str) -> None:
            nonlocal open_
            if not open_:
                return
            async with lock:
                try:
                    writer.write(text.encode("ascii") + b"\n")
                    await writer.drain()
                except (ConnectionError, OSError):
                    open_ = False

        session = Session(send)
        session.state["server"] = self
        self.sessions.add(session)
        try:
            while open_ and not self._closing:
                last = False
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError as end:
                    line, last = end.partial, True
                except asyncio.LimitOverrunError:
                    too_long = RpcError(INVALID_REQUEST, data={"code": "MHV-703", "hint":
                                        f"a JSON text must fit in {self.max_line} bytes on one line"})  # fmt: skip
                    await send(encode({"jsonrpc": "2.0", "error": too_long.to_dict(), "id": None}))
                    break
                except (ConnectionError, OSError):
                    break
                if line.strip(b" \t\r\n"):
                    self._busy.add(task)
                    try:
                        response = await self.dispatcher.handle_line(line, session)
                        if response is not None:
                            await send(response)
                    finally:
                        self._busy.discard(task)
                    if not self._closing:
                        for fn in session.take_after():
                            fn()
                if last:
                    break
        except asyncio.CancelledError:
            pass
        finally:
            self.sessions.discard(session)
            closer = session.state.pop("close", None)
            if closer is not None:
                closer()
            open_ = False
            with contextlib.suppress(Exception):
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 1)
            self._clients.discard(task)


async def start_unix_server(ctx: SyncContext | None, path: Path | str | None = None, *,
                            dispatcher: Dispatcher | None = None, max_line: int = MAX_LINE,
                            max_connections: int = MAX_CONNECTIONS) -> RpcServer:  # fmt: skip
    """Serve JSON-RPC on ``path`` (default ``ctx.socket_path``) with mhv's methods (or ``dispatcher``).
    ``await server.close()`` removes the socket."""
    if dispatcher is None:
        from mhv.sync.rpc.methods import mhv_dispatcher

        if ctx is None:
            raise TypeError("start_unix_server needs a SyncContext or a dispatcher")

        dispatcher = mhv_dispatcher(ctx)
    if path is None:
        if ctx is None:
            raise TypeError("start_unix_server needs a SyncContext or a path")
        path = ctx.socket_path
    server = RpcServer(ctx, dispatcher, Path(path),
                       max_line=max_line, max_connections=max_connections)  # fmt: skip
    await server.start()
    return server
