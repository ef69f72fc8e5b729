"""Reading forge JSON defensively: every field a forge sends is checked for its type before use."""

from __future__ import annotations

from typing import Any

from mhv.sync.webhooks.errors import WebhookError


class PayloadError(WebhookError):
    """A verified delivery whose JSON lacks what its event needs: refused, nothing stored."""

    code = "MHV-756"
    status = 422


def obj(data: Any, key: str, where: str = "payload") -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise PayloadError(f"the {where} has no object {key!r}", "send the forge's payload unchanged")
    return value


def opt_obj(data: Any, key: str) -> dict[str, Any] | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def text(data: Any, key: str, default: str | None = None) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, str):
        return value
    return default


def number(data: Any, key: str, where: str = "payload") -> int:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**12:
        raise PayloadError(
            f"the {where} has no positive integer {key!r}", "send the forge's payload unchanged"
        )
    return value


def items(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def names(values: list[Any], key: str) -> list[str]:
    return [v[key] for v in values if isinstance(v, dict) and isinstance(v.get(key), str)]
