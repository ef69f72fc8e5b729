"""Recurrence: RFC 5545 RRULEs (python-dateutil), evaluated in local time so 09:00 stays 09:00."""

from __future__ import annotations

from datetime import datetime, tzinfo


def next_occurrence(rule: str, anchor: datetime, *, after: datetime, tz: tzinfo) -> datetime | None:
    """The first occurrence of ``rule`` (anchored at ``anchor``) strictly after ``after``, in UTC."""
    from datetime import UTC

    from dateutil.rrule import rrulestr

    local_anchor = anchor.astimezone(tz).replace(tzinfo=None)
    local_after = after.astimezone(tz).replace(tzinfo=None)
    rr = rrulestr("RRULE:" + rule.removeprefix("RRULE:"), dtstart=local_anchor)
    nxt = rr.after(local_after, inc=False)  # type: ignore[union-attr]
    if nxt is None:
        return None
    return nxt.replace(tzinfo=tz).astimezone(UTC)
