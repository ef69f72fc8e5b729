"""Times of day (`5pm`, `17:00`, `noon`, `morning`, `at 5`) and `match_when`, which joins a date
and a time with their prepositions (`by friday at 5pm`, `3pm on friday`, `tomorrow morning`)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from mhv.nlp.context import Ctx
from mhv.nlp.dates import DUE_PREPS, PERIODS, When, at_boundary, low, match_date, period_time

_CLOCK12_RE = re.compile(r"^(\d{1,2})(?::([0-5]\d))?(am|pm|a\.m|p\.m)$", re.ASCII)
_CLOCK24_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$", re.ASCII)
_HOUR_RE = re.compile(r"^(\d{1,2})$", re.ASCII)


def match_time(
    ctx: Ctx, i: int, prepped: bool, after_date: bool = False, after_at: bool = False
) -> When | None:
    """A time of day at token i: `5pm`, `5:30 pm`, `17:00`, `noon`, `morning`, `at 5`."""
    w = low(ctx, i)
    if not w:
        return None
    m = _CLOCK12_RE.match(w)
    j = i + 1
    if m is None and _HOUR_RE.match(w) and low(ctx, i + 1) in ("am", "pm", "a.m", "p.m"):
        m = _CLOCK12_RE.match(w + low(ctx, i + 1))
        j = i + 2
    if m is not None:
        hour = int(m.group(1))
        minute = int(m.group(2) or 0)
        if not 1 <= hour <= 12:
            return None
        pm = m.group(3).startswith("p")
        hour = hour % 12 + (12 if pm else 0)
        return When(i, j, None, time(hour, minute), 0.96)
    m = _CLOCK24_RE.match(w)
    if m is not None:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour < 8 and after_at and low(ctx, i + 1) not in ("am", "a.m"):
            pm = time(hour + 12, minute)
            return When(
                i,
                i + 1,
                None,
                pm,
                0.65,
                alternatives=[(f"{hour:02d}:{minute:02d} in the morning", f"{hour:02d}:{minute:02d}")],
            )
        return When(i, i + 1, None, time(hour, minute), 0.93 if (prepped or after_date) else 0.88)
    if after_at:
        m = _HOUR_RE.match(w)
        if m is not None:
            hour = int(m.group(1))
            if 1 <= hour <= 7:
                return When(
                    i,
                    i + 1,
                    None,
                    time(hour + 12, 0),
                    0.55,
                    alternatives=[(f"{hour:02d}:00 in the morning", f"{hour:02d}:00")],
                )
            if 8 <= hour <= 11:
                return When(
                    i, i + 1, None, time(hour, 0), 0.55, alternatives=[(f"{hour + 12}:00", f"{hour + 12}:00")]
                )
            if 12 <= hour <= 23:
                return When(i, i + 1, None, time(hour, 0), 0.8)
            return None
    if w in ("noon", "midday"):
        return When(i, i + 1, None, ctx.settings.noon, 0.95)
    if w == "midnight":
        return When(i, i + 1, None, time(23, 59), 0.85)
    if w == "in" and low(ctx, i + 1) == "the" and low(ctx, i + 2) in ("morning", "afternoon", "evening"):
        return When(i, i + 3, None, period_time(ctx, low(ctx, i + 2)), 0.9)
    if w in PERIODS and w != "tonight":
        if after_date or prepped:
            return When(i, i + 1, None, period_time(ctx, w), 0.93)
        if w != "night" and at_boundary(ctx, i + 1):
            return When(i, i + 1, None, period_time(ctx, w), 0.72)
    return None


def match_when(ctx: Ctx, i: int, *, allow_to: bool = False) -> When | None:
    """A date, a time, or both, with an optional leading preposition (`by friday at 5pm`)."""
    w = low(ctx, i)
    if not w:
        return None
    k = i
    prepped = False
    after_at = False
    if w in DUE_PREPS or (allow_to and w == "to"):
        k = i + 1
        prepped = True
        if w == "due" and low(ctx, k) in ("by", "on", "before", "at"):
            after_at = low(ctx, k) == "at"
            k += 1
    elif w in ("at", "around", "@"):
        k = i + 1
        prepped = True
        after_at = True

    d = None if after_at else match_date(ctx, k, prepped)
    if d is not None:
        d.start = i
        if low(ctx, d.end) == "eod":  # "thursday eod": the end of that day
            d.end += 1
        if d.at is None:
            k2 = d.end
            at2 = low(ctx, k2) in ("at", "@", "around", "by")
            t = match_time(ctx, k2 + 1 if at2 else k2, True, after_date=True, after_at=at2)
            if t is not None:
                d.at = t.at
                d.end = t.end
                d.confidence = min(d.confidence, t.confidence)
                d.alternatives.extend(t.alternatives)
                d.window = None
        return d

    t = match_time(ctx, k, prepped, after_at=after_at)
    if t is None:
        return None
    t.start = i
    k2 = t.end
    if low(ctx, k2) in ("on", ","):
        d = match_date(ctx, k2 + 1, True)
    else:
        d = match_date(ctx, k2, False)
    if d is not None:
        t.day = d.day
        t.end = d.end
        t.confidence = min(t.confidence, d.confidence)
        t.alternatives.extend(d.alternatives)
    return t


def resolve_time_only(now: datetime, at: time) -> tuple[date, float]:
    """A time with no day: today if it is still ahead, else tomorrow (a little less sure)."""
    if at > now.time().replace(tzinfo=None):
        return now.date(), 1.0
    return now.date() + timedelta(days=1), 0.85
