"""Errors a webhook request can get: each an MhvError with the HTTP status it answers with.

Codes MHV-75x (the sync service's HTTP side; MHV-70x-74x are the JSON-RPC side's)."""

from __future__ import annotations

from mhv.errors import MhvError


class WebhookError(MhvError):
    """A rejected request: nothing was stored. ``status`` is the HTTP answer."""

    code = "MHV-750"
    status = 400


class BadRequestError(WebhookError):
    code = "MHV-751"
    status = 400


class SignatureError(WebhookError):
    code = "MHV-752"
    status = 401


class NotConfiguredError(WebhookError):
    code = "MHV-753"
    status = 503


class TooLargeError(WebhookError):
    code = "MHV-754"
    status = 413


class UnsupportedMediaError(WebhookError):
    code = "MHV-755"
    status = 415


class ServeRefusedError(MhvError):
    """`mhv serve` will not start as asked (a public address without secrets, a bad port)."""

    code = "MHV-760"
    exit_code = 2


class DeliveryNotFoundError(MhvError):
    code = "MHV-761"
    exit_code = 3
