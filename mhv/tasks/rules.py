"""The field rules, as plain functions: Pydantic validators call them, and so does the fast path that
creates a simple task without importing Pydantic (a one-shot `mhv tc` must beat `task add`).

Each function returns the cleaned value or raises ValueError with the message a person sees.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

TAG_RE = re.compile(r"^[^\s#@,\"']{1,64}$")
REPO_RE = re.compile(r"^[^\s@#,\"']{1,200}$")
PRIORITY_WORDS = {"h": "high", "m": "medium", "l": "low", "p1": "critical", "p2": "high", "p3": "medium",
                  "p4": "low", "urgent": "critical"}  # fmt: skip
PRIORITIES = ("critical", "high", "medium", "low")


def clean_title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("the title is empty")
    if len(value) > 200:
        raise ValueError(f"the title is {len(value)} characters; the limit is 200")
    return value


def clean_tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [t for t in re.split(r"[,\s]+", value) if t]
    out: list[str] = []
    for raw in value:
        tag = str(raw).strip().lstrip("#").lower()
        if not TAG_RE.match(tag):
            raise ValueError(f"invalid tag {raw!r}: tags are 1-64 characters without spaces, quotes, #, @ or commas")
        if tag not in out:
            out.append(tag)
    return out


def priority_word(value: Any) -> Any:
    if isinstance(value, str):
        v = value.strip().lower()
        return PRIORITY_WORDS.get(v, v)
    return value


def clean_repo(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lstrip("@")
    if not value:
        return None
    if not REPO_RE.match(value):
        raise ValueError(f"invalid repository name {value!r}: no spaces, @, # or commas")
    return value


def as_aware(value: datetime | date | None, tz: Any) -> tuple[datetime | None, bool]:
    """A date becomes local midnight (all day); a naive datetime is local time; returns (utc, all_day)."""
    if value is None:
        return None, False
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value.astimezone(UTC), False
    return datetime.combine(value, time(0, 0), tzinfo=tz).astimezone(UTC), True


def clean_rrule(value: str | None) -> str | None:
    """An RFC 5545 RRULE without the ``RRULE:`` prefix, checked by dateutil; empty means none."""
    if not value:
        return None
    value = value.strip().removeprefix("RRULE:")
    from dateutil.rrule import rrulestr

    try:
        rrulestr("RRULE:" + value, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid recurrence rule {value!r} ({exc}); e.g. FREQ=WEEKLY;BYDAY=FR") from exc
    return value
