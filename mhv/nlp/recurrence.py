"""Recurrence: `every other friday`, `every month on the 1st`, `weekly`, `recur:2w` -> an RFC 5545
RRULE string without the `RRULE:` prefix (`FREQ=WEEKLY;BYDAY=FR;INTERVAL=2`)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from mhv.nlp.context import Ctx, Hit
from mhv.nlp.dates import (
    MONTHS,
    NUMBER_WORDS,
    WEEKDAYS,
    When,
    at_boundary,
    is_int,
    low,
    match_date,
    next_month_day,
    period_time,
)
from mhv.nlp.times import match_time

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


def rrule(
    freq: str,
    interval: int = 1,
    byday: str | None = None,
    bymonthday: int | None = None,
    bymonth: int | None = None,
) -> str:
    parts = [f"FREQ={freq}"]
    if byday:
        parts.append(f"BYDAY={byday}")
    if bymonth is not None:
        parts.append(f"BYMONTH={bymonth}")
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


_START_WORDS = frozenset({"starting", "starts", "from", "beginning", "begins"})
_END_WORDS = frozenset({"ending", "ends", "until", "till", "til"})


def match_recurrence(ctx: Ctx, i: int) -> Hit | None:
    hit = _match_rule(ctx, i)
    if hit is None or hit.kind != "recurrence":
        return hit
    return _bounds(ctx, hit)


def _bounds(ctx: Ctx, hit: Hit) -> Hit:
    """Todoist's `starting DATE` / `ending DATE` (also `until DATE`) after a rule, possibly after
    its time (`every friday at 4pm starting dec 4`): the start moves the first occurrence, the end
    becomes the RRULE's UNTIL. A time is taken along only when such a clause follows it."""
    j = hit.end
    at = hit.when.at if hit.when is not None else None
    t = None
    if low(ctx, j) in ("at", "@"):
        t = match_time(ctx, j + 1, True, after_date=True, after_at=True)
    else:
        t = match_time(ctx, j, True, after_date=True)
    k = t.end if t is not None else j
    start = end = None
    for _ in range(2):
        w = low(ctx, k)
        if w in _START_WORDS and start is None:
            d = match_date(ctx, k + 1 + (low(ctx, k + 1) == "on"), True)
            if d is None or d.day is None:
                break
            start, k = d.day, d.end
        elif w in _END_WORDS and end is None:
            d = match_date(ctx, k + 1 + (low(ctx, k + 1) == "on"), True)
            if d is None or d.day is None:
                break
            end, k = d.day, d.end
        else:
            break
    if start is None and end is None:
        return hit
    if t is not None:
        at = t.at
        hit.confidence = min(hit.confidence, t.confidence)
    if end is not None:
        hit.value = f"{hit.value};UNTIL={end:%Y%m%d}T235959"
    hit.end = k
    hit.when = When(hit.start, k, start, at, hit.confidence)
    return hit


def _match_rule(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    if w in ("every", "each", "ev"):
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
        if is_int(w) and 1 <= interval <= 31:
            yearly = _month_after_day(ctx, k, interval)
            if yearly is not None:  # "every 25 december"
                return Hit("recurrence", i, yearly[1], yearly[0], 0.93)
            if at_boundary(ctx, k) or low(ctx, k) in _FOLLOWERS or low(ctx, k) in _START_WORDS | _END_WORDS:
                # "every 27": Todoist's day of the month
                return Hit("recurrence", i, k, rrule("MONTHLY", bymonthday=interval), 0.85)
    w = low(ctx, k)
    if interval == 1 and w in MONTHS and (w != "may" or _MONTHDAY_RE.match(low(ctx, k + 1))):
        dm = low(ctx, k + 1)
        day = int(dm[:-2]) if _MONTHDAY_RE.match(dm) else (int(dm) if is_int(dm) and len(dm) <= 2 else 0)
        if 1 <= day <= 31 and next_month_day(ctx.today, MONTHS[w], day) is not None:  # "every jan 27th"
            return Hit("recurrence", i, k + 2, rrule("YEARLY", bymonthday=day, bymonth=MONTHS[w]), 0.93)
    if interval == 1 and w == "last" and low(ctx, k + 1) == "day":  # "every last day (of the month)"
        j = k + 2
        if low(ctx, j) == "of" and low(ctx, j + 1) in ("the", "every", "each") and low(ctx, j + 2) == "month":
            j += 3
        return Hit("recurrence", i, j, rrule("MONTHLY", bymonthday=-1), 0.92)
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
    if w in ("morning", "afternoon", "evening", "night") and interval == 1:
        # Todoist: every morning / afternoon / evening / night, at that time of day
        at = period_time(ctx, w)
        return Hit("recurrence", i, k + 1, rrule("DAILY"), 0.88, when=When(i, k + 1, None, at, 0.88))
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
        yearly = _month_after_day(ctx, k + 1, int(m.group(1)))
        if yearly is not None:  # "every 25th of december"
            return Hit("recurrence", i, yearly[1], yearly[0], 0.93)
        j = k + 1
        if low(ctx, j) == "of" and low(ctx, j + 1) in ("the", "every", "each") and low(ctx, j + 2) == "month":
            j += 3
        return Hit("recurrence", i, j, rrule("MONTHLY", bymonthday=int(m.group(1))), 0.9)
    return None


def _month_after_day(ctx: Ctx, k: int, day: int) -> tuple[str, int] | None:
    """`december` / `of december` at token k after a day number: a yearly rule and the next index."""
    j = k + (low(ctx, k) == "of")
    month = MONTHS.get(low(ctx, j))
    if month is None or next_month_day(ctx.today, month, day) is None:
        return None
    if low(ctx, j) == "may" and j == k and not at_boundary(ctx, j + 1):
        return None
    return rrule("YEARLY", bymonthday=day, bymonth=month), j + 1


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
    if "BYMONTH" in parts and "BYMONTHDAY" in parts and parts["BYMONTH"].isdigit():
        months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
        out += f" on {months[int(parts['BYMONTH']) - 1]} {int(parts['BYMONTHDAY'])}"
    elif "BYMONTHDAY" in parts:
        day = int(parts["BYMONTHDAY"])
        out += " on the last day" if day == -1 else f" on day {day}"
    until = parts.get("UNTIL", "")
    if len(until) >= 8 and until[:8].isdigit():
        out += f" until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return out
