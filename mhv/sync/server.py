"""`mhv serve`: one asyncio process with Starlette on uvicorn (webhooks, ``/ws``, health) and the
JSON-RPC Unix socket, sharing one :class:`~mhv.sync.context.SyncContext` (store, task thread, bus).

The lifespan starts the event bus and the Unix socket server and stops them (removing the socket)
when uvicorn shuts down on SIGTERM/SIGINT, after in-flight requests finish. Every request gets one
log line: method, path, status, milliseconds and the delivery id when there is one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from mhv.sync.signals import accept_stop_signals
from mhv.sync.webhooks.errors import ServeRefusedError

if TYPE_CHECKING:
    from mhv.config.model import ServiceConfig
    from mhv.sync.context import SyncContext

log = logging.getLogger("mhv.serve")
DELIVERY_HEADERS = (b"x-github-delivery", b"idempotency-key", b"webhook-id", b"x-gitlab-event-uuid")
Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


# ------------------------------------------------------------------ refusing unsafe starts
def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, service: ServiceConfig) -> None:
    """A non-loopback address needs the WebSocket token and a forge secret: refuse to start without."""
    if is_loopback(host):
        return
    missing = []
    if not service.secret("ws_token"):
        missing.append("MHV_WS_TOKEN")
    if not (service.secret("github_secret") or service.secret("gitlab_token")):
        missing.append("MHV_GITHUB_SECRET or MHV_GITLAB_TOKEN")
    if missing:
        raise ServeRefusedError(
            f"refusing to listen on {host}, a non-loopback address, without {' and '.join(missing)}",
            "set those secrets (environment or [service] in config.toml), or listen on 127.0.0.1 "
            "behind a reverse proxy; see docs/sync.md",
        )


# ------------------------------------------------------------------ the app
class RequestLog:
    """One line per request: ``METHOD PATH STATUS MS [delivery=ID]`` (pure ASGI: no body buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [101 if scope["type"] == "websocket" else 500]
        accepted = [False]

        async def sending(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status[0] = message["status"]
            elif kind == "websocket.accept":
                accepted[0] = True
            elif kind == "websocket.close" and not accepted[0]:
                status[0] = 403  # refused during the handshake
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - start) * 1000
            delivery = next(
                (v.decode("latin-1") for k, v in scope.get("headers", ()) if k in DELIVERY_HEADERS), None
            )
            path = scope.get("path", "")
            method = scope.get("method", "WS") if scope["type"] == "http" else "WS"
            extra = f" delivery={delivery[:200]}" if delivery else ""
            log.info("%s %s %s %.1fms%s", method, path, status[0], ms, extra)


def create_app(ctx: SyncContext, *, rpc: bool = True, banner: str | None = None) -> Any:
    """The ASGI app of `mhv serve` on ``ctx``; its lifespan starts ``ctx.bus`` and (``rpc``) the
    JSON-RPC Unix socket server, and closes both (and ``ctx``) at shutdown."""
    from mhv.sync import ws
    from mhv.sync.webhooks import http

    async def healthz(request: Request) -> JSONResponse:
        from mhv import __version__

        return JSONResponse({"ok": True, "version": __version__})

    async def readyz(request: Request) -> JSONResponse:
        try:
            revision = await asyncio.wait_for(asyncio.to_thread(_revision, ctx), timeout=5)
        except Exception as exc:
            return JSONResponse({"ok": False, "database": f"unreachable: {exc}"[:500]}, status_code=503)
        from mhv.store.schema import HEAD

        ok = revision == HEAD
        body = {
            "ok": ok,
            "database": "reachable",
            "schema": revision,
            "expected": HEAD,
            "bus": ctx.bus.started,
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctx.bus.start()
        server = None
        if rpc:
            from mhv.sync.rpc import start_unix_server

            server = await start_unix_server(ctx)
        if banner:
            log.info("%s", banner)
        try:
            yield
        finally:
            log.info("mhv serve: shutting down")
            if server is not None:
                await server.close()
            await ctx.bus.stop()
            await asyncio.to_thread(ctx.close)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        code = getattr(exc, "status_code", 404)
        return JSONResponse({"error": {"code": "MHV-759", "message": f"{request.method} {request.url.path}: "
                             f"{'no such endpoint' if code == 404 else 'method not allowed'}",
                             "hint": "see docs/protocol.md for the endpoints"}}, status_code=code)  # fmt: skip

    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": {"code": "MHV-758", "message": "internal error", "hint": "see the server log"}},
                            status_code=500)  # fmt: skip

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/webhooks/github", http.github, methods=["POST"]),
            Route("/webhooks/gitlab", http.gitlab, methods=["POST"]),
            WebSocketRoute("/ws", ws.endpoint),
        ],
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found, 500: crashed},
    )
    app.state.ctx = ctx
    app.state.frames = ws._Frames()
    return RequestLog(app)


def _revision(ctx: SyncContext) -> str | None:
    with ctx.store.read() as conn:
        value = conn.scalar("SELECT version_num FROM alembic_version")
    return None if value is None else str(value)


# ------------------------------------------------------------------ running
def bind(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so port 0 works and the real port can be printed."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ServeRefusedError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                                "choose another --port, or stop what is using it") from exc  # fmt: skip
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("mhv")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def serve(host: str, port: int, *, url: str | None = None) -> None:
    """Run until SIGTERM/SIGINT (uvicorn's handlers: finish in-flight requests, then the lifespan's
    shutdown closes the socket server and the store)."""
    import uvicorn

    from mhv.config.load import load_config
    from mhv.sync.context import SyncContext

    config = load_config().config
    check_exposure(host, config.service)
    sock = bind(host, port)
    setup_logging()
    ctx = SyncContext.open(url, config=config)
    real = sock.getsockname()
    shown = f"[{real[0]}]" if sock.family == socket.AF_INET6 else real[0]
    app = create_app(
        ctx, banner=f"mhv serve: listening on http://{shown}:{real[1]} (socket {ctx.socket_path})"
    )
    # websockets' sans-I/O protocol; no per-message compression: one event to 1,000 clients would be
    # compressed 1,000 times.
    options = {"lifespan": "on", "access_log": False, "log_level": "warning", "ws": "websockets-sansio",
               "ws_per_message_deflate": False, "timeout_graceful_shutdown": 10, "ws_max_size": 1 << 20}  # fmt: skip
    server = uvicorn.Server(uvicorn.Config(app, **options))  # type: ignore[arg-type]
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it to the handler found at start: make
    # that one a clean exit (status 0) instead of death by signal.
    accept_stop_signals()
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        ctx.close()


def _exit_cleanly(signum: int, frame: Any) -> None:
    log.info("mhv serve: stopped")
    raise SystemExit(0)
