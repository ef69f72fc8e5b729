"""A JSON-RPC 2.0 dispatcher, exactly per the specification (https://www.jsonrpc.org/specification):
requests, notifications (never answered, not even with an error), batches (answered as an array of
the non-notification responses; an empty batch is one Invalid Request), and the error codes
-32700 / -32600 / -32601 / -32602 / -32603. mhv's own errors (`MhvError`) are server errors
(-32000) with ``data: {"code": "MHV-…", "hint": …}``.

Transport-free: the socket server feeds it lines and writes back what it returns. Every byte is
hostile: anything that is not valid JSON (not UTF-8, ``NaN``, nesting past the parser's depth, a
number too long to read) is a Parse error; no input makes it raise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from mhv.errors import MhvError

log = logging.getLogger("mhv.sync.rpc")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000
MESSAGES = {
    PARSE_ERROR: "Parse error",
    INVALID_REQUEST: "Invalid Request",
    METHOD_NOT_FOUND: "Method not found",
    INVALID_PARAMS: "Invalid params",
    INTERNAL_ERROR: "Internal error",
}
MAX_BATCH = 1000


class RpcError(Exception):
    """An error response: ``code``, ``message`` and optional ``data``."""

    def __init__(self, code: int, message: str | None = None, data: Any = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, "Server error")
        self.data = data
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


class InvalidParams(RpcError):
    def __init__(self, *problems: str) -> None:
        super().__init__(INVALID_PARAMS, data={"problems": list(problems)} if problems else None)


def mhv_error_data(err: MhvError) -> dict[str, Any]:
    data: dict[str, Any] = {"code": err.code, "hint": err.hint}
    if err.details:
        data["details"] = err.details
    return data


class Session:
    """One connection's state, given to every handler: who the client is, how to send it
    notifications, and what to do once the current response has been written."""

    def __init__(self, send: Callable[[str], Awaitable[None]] | None = None) -> None:
        self._send = send
        self.client = "anonymous"
        self.state: dict[str, Any] = {}
        self._after: list[Callable[[], None]] = []

    @property
    def actor(self) -> str:
        return f"rpc:{self.client}"

    async def notify(self, method: str, params: Any) -> None:
        """Send a notification (a request without ``id``) to the client."""
        await self.send_raw(encode({"jsonrpc": "2.0", "method": method, "params": params}))

    async def send_raw(self, text: str) -> None:
        if self._send is not None:
            await self._send(text)

    def after_response(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the response now being built has been sent (e.g. start streaming events
        only after the subscribe result, so the client sees the result first)."""
        self._after.append(fn)

    def take_after(self) -> list[Callable[[], None]]:
        out, self._after = self._after, []
        return out


Handler = Callable[[Any, Session], Awaitable[Any]]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode(line: bytes | str) -> Any:
    """Strict JSON: raises `RpcError(PARSE_ERROR)` for anything that is not a JSON text."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError):
        raise RpcError(PARSE_ERROR) from None


def encode(obj: Any) -> str:
    """One line of ASCII JSON (no raw newline can appear in it)."""
    return json.dumps(obj, ensure_ascii=True, default=str, allow_nan=False)


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool))


def _error(err: RpcError, rid: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": err.to_dict(), "id": rid}


class Dispatcher:
    """Method name -> async handler ``(params, session) -> result``. ``params`` is what the request
    held (a list, a dict, or ``None`` when absent); a handler raises `RpcError` / `InvalidParams` /
    `MhvError` to answer with an error."""

    def __init__(self, *, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self.methods: dict[str, Handler] = {}

    def register(self, name: str, handler: Handler) -> None:
        self.methods[name] = handler

    def method(self, name: str) -> Callable[[Handler], Handler]:
        def wrap(fn: Handler) -> Handler:
            self.register(name, fn)
            return fn

        return wrap

    async def handle_line(self, line: bytes | str, session: Session) -> str | None:
        """One line in, the response line out (without the newline), or ``None`` for nothing."""
        try:
            message = decode(line)
        except RpcError as err:
            return encode(_error(err, None))
        return await self.handle_message(message, session)

    async def handle_message(self, message: Any, session: Session) -> str | None:
        if isinstance(message, list):
            if not message:
                return encode(_error(RpcError(INVALID_REQUEST), None))
            if len(message) > self.max_batch:
                too_big = RpcError(INVALID_REQUEST, data={"code": "MHV-704", "hint":
                                   f"send at most {self.max_batch} calls in one batch"})  # fmt: skip
                return encode(_error(too_big, None))
            parts = [part for item in message if (part := await self._one(item, session)) is not None]
            return "[" + ", ".join(parts) + "]" if parts else None
        return await self._one(message, session)

    async def _one(self, request: Any, session: Session) -> str | None:
        if not isinstance(request, dict):
            return encode(_error(RpcError(INVALID_REQUEST), None))
        rid = request.get("id")
        id_ok = _valid_id(rid)
        params = request.get("params")
        if (
            request.get("jsonrpc") != "2.0"
            or not isinstance(request.get("method"), str)
            or ("params" in request and not isinstance(params, (list, dict)))
            or not id_ok
        ):
            return encode(_error(RpcError(INVALID_REQUEST), rid if id_ok else None))
        notification = "id" not in request
        handler = self.methods.get(request["method"])
        try:
            if handler is None:
                raise RpcError(METHOD_NOT_FOUND)
            result = await handler(params, session)
            response: dict[str, Any] = {"jsonrpc": "2.0", "result": result, "id": rid}
        except RpcError as err:
            response = _error(err, rid)
        except MhvError as err:
            response = _error(RpcError(SERVER_ERROR, err.message, mhv_error_data(err)), rid)
        except Exception:
            log.exception("JSON-RPC method %r failed", request["method"])
            response = _error(RpcError(INTERNAL_ERROR), rid)
        if notification:
            return None
        try:
            return encode(response)
        except (TypeError, ValueError, RecursionError):
            log.exception("JSON-RPC method %r returned something that is not JSON", request["method"])
            return encode(_error(RpcError(INTERNAL_ERROR), rid))
