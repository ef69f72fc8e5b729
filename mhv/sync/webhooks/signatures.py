"""Who sent a webhook: GitHub's HMAC-SHA256 signature, GitLab's secret token or its Standard Webhooks
signature. Every comparison is constant-time; none of them trusts a header it did not verify."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from mhv.sync.webhooks.errors import BadRequestError, NotConfiguredError, SignatureError

GITHUB_HINT = (
    "set the webhook's secret in MHV_GITHUB_SECRET (or github_secret under [service] in config.toml) "
    "and restart `mhv serve`; see docs/sync.md"
)
GITLAB_HINT = (
    "set the webhook's secret token (or its whsec_ signing token) in MHV_GITLAB_TOKEN (or gitlab_token "
    "under [service] in config.toml) and restart `mhv serve`; see docs/sync.md"
)


def github_signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_github(secret: str | None, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise unless ``X-Hub-Signature-256`` is the HMAC of the raw body with the configured secret."""
    if not secret:
        raise NotConfiguredError("GitHub webhooks are not configured: no secret is set", GITHUB_HINT)
    given = headers.get("x-hub-signature-256")
    if not given:
        raise SignatureError(
            "the request has no X-Hub-Signature-256 header: unsigned deliveries are refused",
            "give the GitHub webhook a secret (Settings > Webhooks) equal to MHV_GITHUB_SECRET",
        )
    if not hmac.compare_digest(github_signature(secret, body).encode(), given.strip().encode()):
        raise SignatureError(
            "the X-Hub-Signature-256 signature does not match the body",
            "the webhook's secret must equal MHV_GITHUB_SECRET; the body must reach mhv unchanged",
        )


def check_gitlab(secret: str | None, body: bytes, headers: Mapping[str, str]) -> None:
    """GitLab: a ``whsec_`` secret means Standard Webhooks signing (``webhook-id``,
    ``webhook-timestamp`` within 5 minutes, ``webhook-signature``); any other secret is the plain
    ``X-Gitlab-Token``."""
    if not secret:
        raise NotConfiguredError("GitLab webhooks are not configured: no token is set", GITLAB_HINT)
    if secret.startswith("whsec_"):
        _check_standard(secret, body, headers)
        return
    given = headers.get("x-gitlab-token")
    if not given:
        raise SignatureError(
            "the request has no X-Gitlab-Token header",
            "give the GitLab webhook a secret token equal to MHV_GITLAB_TOKEN",
        )
    if not hmac.compare_digest(secret.encode(), given.encode()):
        raise SignatureError(
            "the X-Gitlab-Token does not match", "the webhook's secret token must equal MHV_GITLAB_TOKEN"
        )


def _check_standard(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    missing = [h for h in wanted if not headers.get(h)]
    if missing:
        raise SignatureError(
            f"the request lacks the Standard Webhooks header(s) {', '.join(missing)}",
            "turn on the webhook's signing token in GitLab, or set MHV_GITLAB_TOKEN to the plain secret token",
        )
    try:
        hook = Webhook(secret)
    except Exception as exc:  # a whsec_ secret that is not base64
        raise NotConfiguredError(
            f"MHV_GITLAB_TOKEN is not a valid signing token ({exc})", GITLAB_HINT
        ) from exc
    try:
        hook.verify(body, {h: headers[h] for h in wanted}, json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureError(
            f"the Standard Webhooks signature was refused: {exc}",
            "check the signing token, and that this machine's clock is right (5 minutes' tolerance)",
        ) from exc
    except (ValueError, OverflowError) as exc:
        raise BadRequestError(
            f"bad Standard Webhooks headers: {exc}", "send webhook-timestamp in Unix seconds"
        ) from exc
