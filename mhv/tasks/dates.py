"""Dates typed into command options (``--due``, ``--due-before``).

Exact machine forms (ISO 8601, Taskwarrior's ``20261205T170000Z``) are read here; every word form
("fri", "next friday", "eom", "in 3 days", "tomorrow 5pm") goes through the quick-add parser, so
options and quick-add lines understand dates the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

from mhv.errors import ValidationError

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{1,2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|z)?")


def parse_when(text: str, now: datetime, tz: tzinfo) -> date | datetime:
    """A date (whole day) or an aware datetime for ``text``; raises a ValidationError with examples."""
    raw = text.strip()
    value = raw.lower()
    try:
        if re.fullmatch(r"\d{8}t\d{6}z", value):
            return datetime.strptime(raw.upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if _ISO_DATETIME.fullmatch(value):
            parsed = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    except ValueError:
        pass
    from mhv.nlp import parse

    understood = parse(raw, now=now.astimezone(tz))
    if understood.due_date is not None and not understood.title:
        if understood.due_time is None:
            return understood.due_date
        return datetime.combine(understood.due_date, understood.due_time, tzinfo=tz)
    raise ValidationError(
        f"cannot read {raw!r} as a date",
        "use YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, tomorrow 5pm, fri, next friday, eow, eom or 'in 3 days'",
    )
