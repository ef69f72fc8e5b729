"""Recurrence: `every other friday`, `every month on the 1st`, `weekly`, `recur:2w` -> an RFC 5545
RRULE string without the `RRULE:` prefix (`FREQ=WEEKLY;BYDAY=FR;INTERVAL=2`)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from mhv.nlp.context import Ctx, Hit
from mhv.nlp.dates import NUMBER_WORDS, WEEKDAYS, at_boundary, is_int, low

_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1,
}  # fmt: skip
_MONTHDAY_RE = re.compile(r"^(\d{1,2})(st|nd|rd|th)$", re.ASCII)
_FREQ_WORDS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_ADVERBS = {
    "daily": ("DAILY", 1), "weekly": ("WEEKLY", 1), "monthly": ("MONTHLY", 1), "yearly": ("YEARLY", 1),
    "annually": ("YEARLY", 1), "quarterly": ("MONTHLY", 3), "fortnightly": ("WEEKLY", 2),
    "biweekly": ("WEEKLY", 2), "weekdays": ("WEEKDAYS", 1),
}  # fmt: skip
_FOLLOWERS = frozenset({"on", "at", "from", "until", "starting", "by", "due", "and", "in", "for"})


def rrule(freq: str, interval: int = 1, byday: str | None = None, bymonthday: int | None = None) -> str:
    parts = [f"FREQ={freq}"]
    if byday:
        parts.append(f"BYDAY={byday}")
    if bymonthday is not None:
        parts.append(f"BYMONTHDAY={bymonthday}")
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    return ";".join(parts)


def _weekday_list(ctx: Ctx, k: int) -> tuple[list[str], int] | None:
    """`monday`, `mon and thu`, `mon, wed, fri` -> (["MO", ...], next index)."""
    w = low(ctx, k).removesuffix("s") if low(ctx, k).endswith("days") else low(ctx, k)
    if w not in WEEKDAYS:
        return None
    days = [_BYDAY[WEEKDAYS[w]]]
    j = k + 1
    while low(ctx, j) in (",", "and", "&"):
        nxt = low(ctx, j + 1)
        nxt = nxt.removesuffix("s") if nxt.endswith("days") else nxt
        if nxt not in WEEKDAYS:
            break
        days.append(_BYDAY[WEEKDAYS[nxt]])
        j += 2
    return sorted(set(days), key=_BYDAY.index), j


_DAY_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}


def _on_the(ctx: Ctx, k: int) -> tuple[int, int] | None:
    """`on the 1st` / `on the 15th` / `on the last` after a monthly rule -> (day of month, next index)."""
    j = k
    if low(ctx, j) == "on":
        j += 1
    if low(ctx, j) == "the":
        j += 1
    w = low(ctx, j)
    if j == k:
        return None
    if w in _DAY_WORDS and low(ctx, j + 1) not in WEEKDAYS:
        return _DAY_WORDS[w], j + 1 + (low(ctx, j + 1) == "day")
    m = _MONTHDAY_RE.match(w)
    if m is None or not 1 <= int(m.group(1)) <= 31:
        return None
    return int(m.group(1)), j + 1


def match_recurrence(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    if w in ("every", "each"):
        return _match_every(ctx, i)
    if w in _ADVERBS:
        nxt = low(ctx, i + 1)
        if not at_boundary(ctx, i + 1) and nxt not in _FOLLOWERS:
            return None  # "daily standup", "weekly report": an adjective in the title
        freq, interval = _ADVERBS[w]
        conf = 0.55 if w == "biweekly" else 0.9
        alts: list[tuple[str, Any]] = [("twice a week", "FREQ=WEEKLY;BYDAY=MO,TH")] if w == "biweekly" else []
        if freq == "WEEKDAYS":
            return Hit("recurrence", i, i + 1, rrule("WEEKLY", byday="MO,TU,WE,TH,FR"), 0.85)
        j = i + 1
        if freq == "WEEKLY" and low(ctx, j) == "on":
            days = _weekday_list(ctx, j + 1)
            if days is not None:
                return Hit("recurrence", i, days[1], rrule(freq, interval, ",".join(days[0])), conf, alts)
        if freq == "MONTHLY":
            on = _on_the(ctx, j)
            if on is not None:
                return Hit("recurrence", i, on[1], rrule(freq, interval, bymonthday=on[0]), conf)
        return Hit("recurrence", i, j, rrule(freq, interval), conf, alts)
    return None


def _match_every(ctx: Ctx, i: int) -> Hit | None:
    k = i + 1
    interval = 1
    w = low(ctx, k)
    if w == "other":
        interval, k = 2, k + 1
    elif (is_int(w) and len(w) <= 4) or (w in NUMBER_WORDS and w not in ("a", "an", "few", "couple")):
        interval = int(w) if is_int(w) else NUMBER_WORDS[w]
        if not 1 <= interval <= 1000:
            return None
        k += 1
    w = low(ctx, k)
    base = w[:-1] if w.endswith("s") and w[:-1] in _FREQ_WORDS and interval > 1 else w
    if base in _FREQ_WORDS:
        freq = _FREQ_WORDS[base]
        j = k + 1
        if freq == "MONTHLY":
            on = _on_the(ctx, j)
            if on is not None:
                return Hit("recurrence", i, on[1], rrule(freq, interval, bymonthday=on[0]), 0.95)
        if freq == "WEEKLY" and low(ctx, j) == "on":
            days = _weekday_list(ctx, j + 1)
            if days is not None:
                return Hit("recurrence", i, days[1], rrule(freq, interval, ",".join(days[0])), 0.95)
        return Hit("recurrence", i, j, rrule(freq, interval), 0.95)
    if w in ("weekday", "weekdays", "workday", "workdays") and interval == 1:
        return Hit("recurrence", i, k + 1, rrule("WEEKLY", byday="MO,TU,WE,TH,FR"), 0.95)
    if w in ("weekend", "weekends") and interval == 1:
        return Hit("recurrence", i, k + 1, rrule("WEEKLY", byday="SA,SU"), 0.93)
    if w in ("morning", "evening", "night") and interval == 1:
        return Hit("recurrence", i, k + 1, rrule("DAILY"), 0.85)
    days = _weekday_list(ctx, k)
    if days is not None:
        return Hit("recurrence", i, days[1], rrule("WEEKLY", interval, ",".join(days[0])), 0.95)
    if interval == 1 and w in _ORDINALS and low(ctx, k + 1) in WEEKDAYS:
        n = _ORDINALS[w]
        j = k + 2
        if low(ctx, j) == "of" and low(ctx, j + 1) in ("the", "every", "each") and low(ctx, j + 2) == "month":
            j += 3
        return Hit(
            "recurrence", i, j, rrule("MONTHLY", byday=f"{n}{_BYDAY[WEEKDAYS[low(ctx, k + 1)]]}"), 0.92
        )
    m = _MONTHDAY_RE.match(w)
    if m is not None and interval == 1 and 1 <= int(m.group(1)) <= 31:
        j = k + 1
        if low(ctx, j) == "of" and low(ctx, j + 1) in ("the", "every", "each") and low(ctx, j + 2) == "month":
            j += 3
        return Hit("recurrence", i, j, rrule("MONTHLY", bymonthday=int(m.group(1))), 0.9)
    return None


def recurrence_from_value(value: str) -> str | None:
    """Taskwarrior `recur:` values: daily, weekly, weekdays, 2w, 3d, monthly, yearly, biweekly."""
    v = value.lower()
    if v in _ADVERBS:
        freq, interval = _ADVERBS[v]
        if freq == "WEEKDAYS":
            return rrule("WEEKLY", byday="MO,TU,WE,TH,FR")
        return rrule(freq, interval)
    m = re.match(r"^([0-9]*)(d|days?|w|wks?|weeks?|mo|months?|y|yrs?|years?|q)$", v)
    if m is None:
        return None
    n = int(m.group(1) or 1)
    unit = m.group(2)[0] if not m.group(2).startswith("mo") else "mo"
    if n < 1:
        return None
    if unit == "q":
        return rrule("MONTHLY", 3 * n)
    return rrule({"d": "DAILY", "w": "WEEKLY", "mo": "MONTHLY", "y": "YEARLY"}[unit], n)


def first_occurrence(rule: str, now: datetime, at: time | None = None) -> datetime | None:
    """The first time ``rule`` fires at or after ``now`` (local, naive), at ``at`` or midnight.

    A rule that could fire today counts today only when its time is still to come ("every day at
    5pm" typed at 9am is due today at 17:00; typed at 6pm, tomorrow). dateutil is imported here, not
    at module import, to keep ``import mhv.nlp`` cheap.
    """
    from dateutil.rrule import rrulestr

    local = now.replace(tzinfo=None)
    start = datetime.combine(local.date(), at or time(0, 0))
    try:
        rr = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError):
        return None
    threshold = local if at is not None else datetime.combine(local.date(), time(0, 0))
    result = rr.after(threshold, inc=True)
    return result if isinstance(result, datetime) else None


_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
_NTH = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}


def describe_rrule(rule: str) -> str:
    """`FREQ=WEEKLY;BYDAY=FR;INTERVAL=2` -> `every 2 weeks on Fri`."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    unit = _UNITS.get(parts.get("FREQ", ""), parts.get("FREQ", "?").lower())
    interval = int(parts.get("INTERVAL", "1") or 1)
    out = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    if "BYDAY" in parts:
        days = parts["BYDAY"].split(",")
        if days == ["MO", "TU", "WE", "TH", "FR"]:
            return "every weekday" if interval == 1 else f"{out} on weekdays"
        names = [
            f"the {_NTH.get(d[:-2], d[:-2])} {_DAYS.get(d[-2:], d[-2:])}" if len(d) > 2 else _DAYS.get(d, d)
            for d in days
        ]
        out += " on " + ", ".join(names)
    if "BYMONTHDAY" in parts:
        day = int(parts["BYMONTHDAY"])
        out += " on the last day" if day == -1 else f" on day {day}"
    return out
