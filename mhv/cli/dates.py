"""Dates typed into command options (``--due``, ``--due-before``): ISO forms and everyday words."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from mhv.errors import ValidationError

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_IN = re.compile(r"^in\s+(\d+)\s*(d|day|days|w|wk|week|weeks)$")


def parse_when(text: str, now: datetime, tz: tzinfo) -> date | datetime:
    """A date (whole day) or an aware datetime for ``text``; raises a ValidationError with examples."""
    raw = text.strip()
    value = raw.lower()
    today = now.astimezone(tz).date()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        if re.fullmatch(r"\d{8}t\d{6}z", value):
            return datetime.strptime(raw.upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=__import__("datetime").UTC)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[t ]\d{1,2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|z)?", value):
            parsed = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    except ValueError:
        pass
    if value in ("today", "eod"):
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    if value == "yesterday":
        return today - timedelta(days=1)
    if value == "tonight":
        return datetime.combine(today, time(20, 0), tzinfo=tz)
    if value in ("eow", "end of week"):
        return today + timedelta(days=6 - today.weekday())
    if value in ("eom", "end of month"):
        first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first_next - timedelta(days=1)
    if value in ("eoy", "end of year"):
        return date(today.year, 12, 31)
    if value[:3] in WEEKDAYS and (len(value) == 3 or value.rstrip("s").endswith("day")):
        delta = (WEEKDAYS.index(value[:3]) - today.weekday()) % 7 or 7
        return today + timedelta(days=delta)
    m = _IN.match(value)
    if m:
        n = int(m.group(1))
        return today + timedelta(days=n * (7 if m.group(2).startswith("w") else 1))
    raise ValidationError(
        f"cannot read {raw!r} as a date",
        "use YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, tomorrow, a weekday, eow, eom or 'in 3 days'",
    )
