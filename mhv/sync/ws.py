"""``GET /ws?since=SEQ``: every event of the log, in ``seq`` order, as JSON text frames.

The token (``Authorization: Bearer TOKEN`` or ``?token=TOKEN``) and ``since`` are checked before the
upgrade: a bad request gets an HTTP answer (401/400/503), never a WebSocket. Then the backlog after
``since`` (none given: from now on), then live events, from ``ctx.bus``. Each client has a bounded
queue in the bus; one that falls behind is closed with code 4000 and the reason
``resume with since=N`` (N = the last seq it was sent), so it reconnects without a gap or a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

if TYPE_CHECKING:
    from mhv.sync.context import SyncContext

CLOSE_RESUME = 4000  # "you fell behind: reconnect with since=<seq in the reason>"
CLOSE_GOING_AWAY = 1001
QUEUE_SIZE = 10_000


class _Frames:
    """The JSON text of recent events, encoded once however many clients get them."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.cache: OrderedDict[int, str] = OrderedDict()

    def text(self, event: dict[str, Any]) -> str:
        seq = event.get("seq")
        if not isinstance(seq, int):
            return json.dumps(event, default=str)
        out = self.cache.get(seq)
        if out is None:
            out = json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str)
            self.cache[seq] = out
            if len(self.cache) > self.size:
                self.cache.popitem(last=False)
        return out


def _token(ws: WebSocket) -> str | None:
    auth = ws.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return ws.query_params.get("token")


async def _deny(ws: WebSocket, status: int, code: str, message: str, hint: str) -> None:
    response = JSONResponse({"error": {"code": code, "message": message, "hint": hint}}, status_code=status)
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(response)
    else:  # the server cannot answer in HTTP: refuse the handshake (the client sees 403)
        await ws.close(code=1008)


async def endpoint(ws: WebSocket) -> None:
    ctx: SyncContext = ws.app.state.ctx
    frames: _Frames = ws.app.state.frames
    wanted = ctx.config.service.secret("ws_token")
    if not wanted:
        await _deny(ws, 503, "MHV-770", "the WebSocket stream is not configured: no token is set",
                    "set MHV_WS_TOKEN (or ws_token under [service] in config.toml) and restart `mhv serve`")  # fmt: skip
        return
    given = _token(ws)
    if not given or not hmac.compare_digest(given.encode(), wanted.encode()):
        await _deny(ws, 401, "MHV-771", "a bad or missing token",
                    "send Authorization: Bearer <MHV_WS_TOKEN> or ?token=<MHV_WS_TOKEN>")  # fmt: skip
        return
    raw_since = ws.query_params.get("since")
    since: int | None = None
    if raw_since is not None:
        if not raw_since.isdigit() or len(raw_since) > 18:
            await _deny(ws, 400, "MHV-772", f"since={raw_since[:40]!r} is not a sequence number",
                        "give since=N with N the last seq you received (0 for the whole log)")  # fmt: skip
            return
        since = int(raw_since)
    sub = ctx.bus.subscribe(since, maxsize=QUEUE_SIZE)
    try:
        await sub.ready()  # "from now" is fixed before the client hears it is connected
        await ws.accept()
    except BaseException:
        sub.close()
        raise
    left = asyncio.Event()
    reader = asyncio.create_task(_drain(ws, sub, left))
    try:
        await _send_events(ws, sub, frames, left)
    finally:
        sub.close()
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader


async def _drain(ws: WebSocket, sub: Any, left: asyncio.Event) -> None:
    """Read (and drop) what the client sends; when it leaves, end its subscription (which ends the
    sending loop) — no per-event race between reading and sending."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
    left.set()
    sub.close()


async def _send_events(ws: WebSocket, sub: Any, frames: _Frames, left: asyncio.Event) -> None:
    from mhv.sync.errors import SubscriberTooSlow

    last = None
    try:
        async for event in sub:
            await ws.send_text(frames.text(event))
            last = event.get("seq", last)
    except SubscriberTooSlow as exc:
        await _close(ws, CLOSE_RESUME, f"resume with since={exc.last_seq}")
        return
    except (WebSocketDisconnect, RuntimeError, OSError):
        return
    if not left.is_set():  # the bus stopped: the server is shutting down
        await _close(
            ws, CLOSE_GOING_AWAY, f"server stopping; resume with since={last if last is not None else ''}"
        )


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    if ws.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await ws.close(code=code, reason=reason[:120])
