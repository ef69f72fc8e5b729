"""The webhook endpoints: ``POST /webhooks/github`` and ``POST /webhooks/gitlab``.

Order of checks (every byte is hostile): the forge is configured (else 503 with how to set it), the
headers it always sends are there (400), the body is JSON-typed (415) and at most 25 MB (413), the
signature or token is right (401), the body is a JSON object (400), the event can be read (422).
Only then is anything stored: the delivery is applied and recorded in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mhv.errors import MhvError
from mhv.sync.webhooks.deliveries import Delivery, Result, ingest, operations
from mhv.sync.webhooks.errors import BadRequestError, TooLargeError, UnsupportedMediaError, WebhookError
from mhv.sync.webhooks.signatures import check_github, check_gitlab

if TYPE_CHECKING:
    from mhv.sync.context import SyncContext

MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
log = logging.getLogger("mhv.serve")

# Event headers kept with a delivery (for replay and `mhv webhooks list`); never a token or signature.
KEPT_HEADERS = ("x-github-event", "x-github-delivery", "x-github-hook-id", "x-gitlab-event", "x-gitlab-event-uuid",
                "x-gitlab-instance", "idempotency-key", "webhook-id", "webhook-timestamp", "user-agent")  # fmt: skip


def error_response(exc: MhvError, status: int | None = None) -> JSONResponse:
    code: int = status or int(getattr(exc, "status", 400))
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}, status_code=code
    )


def _delivery_id(value: str | None, header: str) -> str:
    if not value:
        raise BadRequestError(f"the request has no {header} header", "send the forge's request unchanged")
    value = value.strip()
    if not 0 < len(value) <= 200 or not value.isprintable():
        raise BadRequestError(
            f"{header} must be 1-200 printable characters", "send the forge's request unchanged"
        )
    return value


def _event(value: str | None, header: str) -> str:
    if not value or not value.strip():
        raise BadRequestError(f"the request has no {header} header", "send the forge's request unchanged")
    value = value.strip()
    if len(value) > 100 or not value.isprintable():
        raise BadRequestError(
            f"{header} must be at most 100 printable characters", "send the forge's request unchanged"
        )
    return value


async def read_body(request: Request) -> bytes:
    """The raw body, refused past MAX_BODY (by Content-Length first, then while it streams)."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaError(
            f"the body is {ctype or 'untyped'}, not application/json",
            "set the webhook's content type to application/json",
        )
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise BadRequestError("Content-Length is not a number", "send a valid HTTP request")
        if int(length) > MAX_BODY:
            raise TooLargeError(
                f"the body is {int(length)} bytes; the limit is {MAX_BODY}", "send a smaller payload"
            )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLargeError(f"the body is over {MAX_BODY} bytes", "send a smaller payload")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> tuple[dict[str, Any], str]:
    try:
        text = body.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequestError(
            f"the body is not JSON: {exc}", "send the forge's JSON payload unchanged"
        ) from exc
    if not isinstance(data, dict):
        raise BadRequestError("the body is JSON but not an object", "send the forge's JSON payload unchanged")
    return data, text


def _kept(headers: Mapping[str, str]) -> dict[str, str]:
    return {h: headers[h][:300] for h in KEPT_HEADERS if h in headers}


def result_response(result: Result) -> JSONResponse:
    status = {"applied": 200, "duplicate": 200, "ignored": 202, "failed": 422}[result.outcome]
    return JSONResponse(result.to_json(), status_code=status)


async def _deliver(ctx: SyncContext, actor: str, delivery: Delivery) -> JSONResponse:
    ops = operations(delivery)  # PayloadError (422) before anything is stored
    result = await ctx.run(actor, lambda service: ingest(service, delivery, ops))
    return result_response(result)


async def github(request: Request) -> JSONResponse:
    ctx: SyncContext = request.app.state.ctx
    try:
        secret = ctx.config.service.secret("github_secret")
        if not secret:
            check_github(secret, b"", request.headers)  # raises NotConfiguredError (503) with the hint
        event = _event(request.headers.get("x-github-event"), "X-GitHub-Event")
        delivery_id = _delivery_id(request.headers.get("x-github-delivery"), "X-GitHub-Delivery")
        body = await read_body(request)
        check_github(secret, body, request.headers)
        payload, text = parse_json(body)
        delivery = Delivery("github", delivery_id, event, payload, text, _kept(request.headers))
        if event == "ping":
            result = await ctx.run("github", lambda s: ingest(s, delivery, "ping: the webhook reaches mhv"))
            return JSONResponse({**result.to_json(), "ping": "pong"}, status_code=200)
        return await _deliver(ctx, "github", delivery)
    except WebhookError as exc:
        return error_response(exc)


async def gitlab(request: Request) -> JSONResponse:
    ctx: SyncContext = request.app.state.ctx
    try:
        secret = ctx.config.service.secret("gitlab_token")
        if not secret:
            check_gitlab(secret, b"", request.headers)
        event = _event(request.headers.get("x-gitlab-event"), "X-Gitlab-Event")
        headers = request.headers
        raw_id = (
            headers.get("idempotency-key") or headers.get("webhook-id") or headers.get("x-gitlab-event-uuid")
        )
        delivery_id = _delivery_id(raw_id, "Idempotency-Key, webhook-id or X-Gitlab-Event-UUID")
        body = await read_body(request)
        check_gitlab(secret, body, headers)
        payload, text = parse_json(body)
        delivery = Delivery("gitlab", delivery_id, event, payload, text, _kept(headers))
        return await _deliver(ctx, "gitlab", delivery)
    except WebhookError as exc:
        return error_response(exc)
