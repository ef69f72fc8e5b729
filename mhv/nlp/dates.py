"""Calendar dates, recognised over tokens and resolved against an injected clock (times of day: times.py).

Every matcher takes the token context and a start index and returns a `When` (or None). The rules
are DESIGN section 6: weekday names are the next one after today, `next friday` is the Friday of
next week, a date without a year is the next one to come, `eow` is the last day of the week.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhv.nlp.context import Ctx

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
WEEKDAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# abbreviations that are also ordinary English words: only a date after a preposition or at the end
RISKY_WEEKDAYS = frozenset({"sat", "sun", "wed", "mon"})
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "few": 3,
}  # fmt: skip
UNITS: dict[str, str] = {
    "minute": "m", "minutes": "m", "min": "m", "mins": "m", "m": "m",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "h": "h",
    "day": "d", "days": "d", "d": "d",
    "week": "w", "weeks": "w", "wk": "w", "wks": "w", "w": "w",
    "month": "mo", "months": "mo", "mo": "mo", "mos": "mo",
    "year": "y", "years": "y", "yr": "y", "yrs": "y", "y": "y",
}  # fmt: skip
DUE_PREPS = frozenset({"by", "due", "before", "on", "until", "till", "til", "for"})
PERIODS = frozenset({"morning", "afternoon", "evening", "night", "tonight"})

_ISO_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:t(\d{1,2}):(\d{2}))?$", re.ASCII)
_NUMERIC_RE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?$", re.ASCII)
_DAY_RE = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$", re.ASCII)
_YEAR_RE = re.compile(r"^(19|20|21)\d\d$", re.ASCII)
_COMPACT_DURATION_RE = re.compile(r"^(\d{1,5}(?:\.\d{1,3})?)(mins?|m|hrs?|h|d|wks?|w|mos?|y)$", re.ASCII)


class When:
    """A recognised date and/or time: tokens `[start, end)`, a resolved day and/or time of day."""

    __slots__ = ("alternatives", "at", "confidence", "day", "end", "past", "start", "window")

    def __init__(
        self,
        start: int,
        end: int,
        day: date | None,
        at: time | None,
        confidence: float,
        window: tuple[date, date] | None = None,
        alternatives: list[tuple[str, str]] | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self.day = day
        self.at = at
        self.confidence = confidence
        self.window = window  # for list filters: "this week" -> (Mon, Sun)
        self.alternatives = alternatives if alternatives is not None else []  # (reading, value)
        self.past = False  # read from a word that only names the past: yesterday, last friday, 3 days ago


# --- calendar helpers -------------------------------------------------------------------------

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """Like `calendar.monthrange(...)[1]`, without importing `calendar` (and `locale`)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, days_in_month(year, month)))


def end_of_month(d: date) -> date:
    return d.replace(day=days_in_month(d.year, d.month))


def start_of_week(d: date, week_start: int) -> date:
    return d - timedelta(days=(d.weekday() - week_start) % 7)


def next_weekday(today: date, wd: int, *, include_today: bool = False) -> date:
    delta = (wd - today.weekday()) % 7
    if delta == 0 and not include_today:
        delta = 7
    return today + timedelta(days=delta)


def next_month_day(today: date, month: int, day: int) -> date | None:
    """The next `month`/`day` to come (today counts), or None if it never exists (Feb 30)."""
    for year in range(today.year, today.year + 9):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= today:
            return d
    return None


def next_day_of_month(today: date, day: int) -> date | None:
    """The next date whose day of month is `day` (today counts): "the 15th"."""
    if not 1 <= day <= 31:
        return None
    d = today.replace(day=1)
    for _ in range(13):
        if day <= days_in_month(d.year, d.month):
            cand = d.replace(day=day)
            if cand >= today:
                return cand
        d = add_months(d, 1)
    return None


def fmt_day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b} {d.year}"


def valid_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


# --- token access -----------------------------------------------------------------------------


def low(ctx: Ctx, k: int) -> str:
    """The lower-cased text of token `k`, or "" past the end or for a literal token."""
    if k >= ctx.n:
        return ""
    tok = ctx.toks[k]
    return "" if tok.literal else tok.low


def at_boundary(ctx: Ctx, k: int) -> bool:
    """Nothing but punctuation or another marked-up piece follows token `k - 1`."""
    if k >= ctx.n:
        return True
    tok = ctx.toks[k]
    return tok.kind == "punct" or tok.low[:1] in ("#", "@", "~", "+") or ":" in tok.low


_DECIMAL_RE = re.compile(r"^[0-9]{1,6}(?:\.[0-9]{1,3})?$")


def decimal(word: str) -> float | None:
    """`3`, `1.5` (ASCII digits only: `²` and `nan` are not numbers here)."""
    return float(word) if _DECIMAL_RE.match(word) else None


def is_int(word: str) -> bool:
    return word.isascii() and word.isdigit()


def number(word: str) -> float | None:
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    value = decimal(word)
    return value if value is not None and value < 10000 else None


# --- dates ------------------------------------------------------------------------------------


def _relative(ctx: Ctx, start: int, end: int, n: float, unit: str, conf: float) -> When | None:
    if n <= 0 or n > 10000:
        return None
    try:
        return _relative_checked(ctx, start, end, n, unit, conf)
    except (OverflowError, ValueError):  # past year 9999
        return None


def _relative_checked(ctx: Ctx, start: int, end: int, n: float, unit: str, conf: float) -> When | None:
    if unit in ("m", "h"):
        moment = ctx.now + (timedelta(minutes=n) if unit == "m" else timedelta(hours=n))
        return When(start, end, moment.date(), moment.time().replace(second=0, microsecond=0), conf)
    if n != int(n):
        if unit == "d":
            return When(start, end, ctx.today + timedelta(days=round(n)), None, conf * 0.8)
        return None
    k = int(n)
    if k > 3650:
        return None
    if unit == "d":
        return When(start, end, ctx.today + timedelta(days=k), None, conf)
    if unit == "w":
        return When(start, end, ctx.today + timedelta(weeks=k), None, conf)
    if unit == "mo":
        return When(start, end, add_months(ctx.today, k), None, conf)
    if unit == "y":
        return When(start, end, add_months(ctx.today, 12 * k), None, conf)
    return None


def _amount_unit(ctx: Ctx, k: int) -> tuple[float, str, int, float] | None:
    """`3 days`, `a week`, `a couple of days`, `3d`: (amount, unit code, next index, confidence)."""
    w = low(ctx, k)
    cm = _COMPACT_DURATION_RE.match(w)
    if cm is not None:
        return float(cm.group(1)), UNITS[cm.group(2)], k + 1, 0.9
    n = number(w)
    if n is None:
        return None
    conf = 0.95
    j = k + 1
    if w in ("couple", "few"):
        conf = 0.8 if w == "couple" else 0.55
        if low(ctx, j) == "of":
            j += 1
    elif w in ("a", "an") and low(ctx, j) in ("couple", "few"):
        conf = 0.8 if low(ctx, j) == "couple" else 0.55
        n = NUMBER_WORDS[low(ctx, j)]
        j += 1
        if low(ctx, j) == "of":
            j += 1
    unit = UNITS.get(low(ctx, j))
    if unit is None or (len(low(ctx, j)) <= 2 and unit != "h"):  # "in 3 m" is not a date
        return None
    return n, unit, j + 1, conf


def match_date(ctx: Ctx, i: int, prepped: bool) -> When | None:
    """A calendar day (possibly with a time, for `tonight` or `in 2 hours`) starting at token i."""
    w = low(ctx, i)
    if not w:
        return None
    today = ctx.today
    settings = ctx.settings
    first = w[0]

    if first.isascii() and first.isdigit():
        return _match_numeric_date(ctx, i, w, prepped)

    if w == "today":
        return When(i, i + 1, today, None, 0.97)
    if w == "yesterday":
        return _past(When(i, i + 1, today - timedelta(days=1), None, 0.95))
    if first == "+" and w[1:2].isdigit():  # Todoist's "+5 days", "+3d"
        return _match_plus(ctx, i, w[1:])
    if w == "mid" or w.startswith("mid-"):  # "mid january": the 15th
        return _match_mid(ctx, i, w)
    if w == "last" and low(ctx, i + 1) in WEEKDAYS:  # "last friday": the one before today
        wd = WEEKDAYS[low(ctx, i + 1)]
        back = (today.weekday() - wd) % 7 or 7
        return _past(When(i, i + 2, today - timedelta(days=back), None, 0.9))
    if w == "tonight":
        return When(i, i + 1, today, settings.tonight, 0.97)
    if w in ("tomorrow", "tmrw", "tmr", "tmw"):
        return When(i, i + 1, today + timedelta(days=1), None, 0.97 if w == "tomorrow" else 0.9)
    if w in ("eod", "eow", "eom", "eoy", "eoq"):
        return _end_of(ctx, i, i + 1, w[2:], 0.95)
    if w == "end" and low(ctx, i + 1) == "of":
        return _match_end_of(ctx, i)
    if w == "the":
        return _match_the(ctx, i, prepped)
    if w == "day" and low(ctx, i + 1) == "after" and low(ctx, i + 2) == "tomorrow":
        return When(i, i + 3, today + timedelta(days=2), None, 0.95)
    if w in ("this", "next", "coming", "following"):
        return _match_this_next(ctx, i, w)
    if w in WEEKDAYS:
        if w in RISKY_WEEKDAYS and not prepped and not at_boundary(ctx, i + 1):
            return None
        conf = 0.92 if w in WEEKDAY_FULL else (0.85 if w not in RISKY_WEEKDAYS else 0.65)
        if prepped:
            conf = min(0.95, conf + 0.05)
        return When(i, i + 1, next_weekday(today, WEEKDAYS[w]), None, conf)
    if w in MONTHS:
        return _match_month_first(ctx, i, w, prepped)
    if w == "in" or w == "within":
        return _match_in(ctx, i, prepped)
    if w == "weekend" and prepped:
        return _weekend(ctx, i, i + 1, 0, 0.8)
    return _from_now_or_ago(ctx, i)


def _past(when: When) -> When:
    when.past = True
    return when


def _from_now_or_ago(ctx: Ctx, i: int) -> When | None:
    """`3 days from now`, `a week ago`."""
    amount = _amount_unit(ctx, i)
    if amount is None:
        return None
    n, unit, j, conf = amount
    if low(ctx, j) == "from" and low(ctx, j + 1) in ("now", "today"):
        return _relative(ctx, i, j + 2, n, unit, conf)
    if low(ctx, j) == "ago" and n == int(n) and 0 < n <= 3650 and unit in ("d", "w", "mo", "y"):
        k = int(n)
        try:
            if unit == "d":
                day = ctx.today - timedelta(days=k)
            elif unit == "w":
                day = ctx.today - timedelta(weeks=k)
            else:
                day = add_months(ctx.today, -k * (12 if unit == "y" else 1))
        except (OverflowError, ValueError):
            return None
        return _past(When(i, j + 1, day, None, conf))
    return None


def _match_plus(ctx: Ctx, i: int, rest: str) -> When | None:
    cm = _COMPACT_DURATION_RE.match(rest)
    if cm is not None:
        return _relative(ctx, i, i + 1, float(cm.group(1)), UNITS[cm.group(2)], 0.9)
    if not is_int(rest):
        return None
    unit = UNITS.get(low(ctx, i + 1))
    if unit is None or len(low(ctx, i + 1)) <= 2:
        return None
    return _relative(ctx, i, i + 2, float(rest), unit, 0.93)


def _match_mid(ctx: Ctx, i: int, w: str) -> When | None:
    name, j = (w[4:], i + 1) if w.startswith("mid-") else (low(ctx, i + 1), i + 2)
    month = MONTHS.get(name)
    if month is None or name == "mar" or (name == "may" and not at_boundary(ctx, j)):
        return None
    d = next_month_day(ctx.today, month, 15)
    return None if d is None else When(i, j, d, None, 0.85)


def _match_numeric_date(ctx: Ctx, i: int, w: str, prepped: bool) -> When | None:
    today = ctx.today
    m = _ISO_RE.match(w)
    if m is not None:
        d = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d is None:
            return None
        at = None
        if m.group(4) is not None:
            hh, mm = int(m.group(4)), int(m.group(5))
            if hh > 23:
                return None
            at = time(hh, mm)
        return When(i, i + 1, d, at, 0.99 if d >= today else 0.85)
    m = _NUMERIC_RE.match(w)
    if m is not None:
        if low(ctx, i + 1) == "of":  # "1/2 of the tests" is a fraction
            return None
        return _numeric(ctx, i, int(m.group(1)), int(m.group(2)), m.group(3), prepped)
    m = _DAY_RE.match(w)
    if m is not None:  # "5 december", "5th of dec 2026"
        k = i + 1
        if low(ctx, k) == "of":
            k += 1
        month = MONTHS.get(low(ctx, k))
        if month is not None:
            if low(ctx, k) == "may" and not prepped and not m.group(2) and not at_boundary(ctx, k + 1):
                return None  # "5 may fail"
            return _with_year(ctx, i, k + 1, month, int(m.group(1)), prepped)
        if prepped and m.group(2) and at_boundary(ctx, i + 1):  # "by 15th", not "on 5th floor"
            d = next_day_of_month(today, int(m.group(1)))
            return None if d is None else When(i, i + 1, d, None, 0.8)
    return _from_now_or_ago(ctx, i)


def _with_year(ctx: Ctx, i: int, k: int, month: int, day: int, prepped: bool) -> When | None:
    """Month and day known; an optional `, 2026` at token k."""
    j = k
    if low(ctx, j) == ",":
        j += 1
    yw = low(ctx, j)
    if _YEAR_RE.match(yw):
        d = valid_date(int(yw), month, day)
        if d is None:
            return None
        return When(i, j + 1, d, None, 0.97 if d >= ctx.today else 0.85)
    d = next_month_day(ctx.today, month, day)
    if d is None:
        return None
    return When(i, k, d, None, 0.95 if prepped else 0.93)


def _numeric(ctx: Ctx, i: int, a: int, b: int, year: str | None, prepped: bool) -> When | None:
    dmy = ctx.settings.date_order == "dmy"
    first = (b, a) if dmy else (a, b)  # (month, day) as configured
    second = (first[1], first[0])

    def resolve(md: tuple[int, int]) -> date | None:
        month, day = md
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        if year is None:
            return next_month_day(ctx.today, month, day)
        y = int(year)
        return valid_date(y + 2000 if y < 100 else y, month, day)

    d1 = resolve(first)
    d2 = resolve(second) if a != b else None
    bonus = 0.08 if prepped else 0.0
    if d1 is not None and d2 is not None:
        order = "day/month" if not dmy else "month/day"
        return When(
            i,
            i + 1,
            d1,
            None,
            0.72 + bonus,
            alternatives=[(f"{fmt_day(d2)} (read as {order})", d2.isoformat())],
        )
    if d1 is not None:
        return When(i, i + 1, d1, None, 0.88 + bonus)
    if d2 is not None:
        return When(i, i + 1, d2, None, 0.7 + bonus)
    return None


def _match_month_first(ctx: Ctx, i: int, w: str, prepped: bool) -> When | None:
    month = MONTHS[w]
    k = i + 1
    if low(ctx, k) == ".":
        k += 1
    dm = _DAY_RE.match(low(ctx, k))
    if dm is not None:
        day = int(dm.group(1))
        # "may 2 people join" reads as a verb; "may 2" at the end, "may 2nd" or "may 2, 2026" is a date
        nxt = low(ctx, k + 1)
        if (
            w == "may"
            and not prepped
            and not dm.group(2)
            and not at_boundary(ctx, k + 1)
            and not _YEAR_RE.match(nxt)
        ):
            return None
        return _with_year(ctx, i, k + 1, month, day, prepped)
    if prepped and (w != "may" or at_boundary(ctx, i + 1)):
        return _bare_month(ctx, i, i + 1, month)
    return None


def _bare_month(ctx: Ctx, i: int, j: int, month: int) -> When:
    """`in june`, `by december`: which day is a guess, so the confidence is low."""
    today = ctx.today
    if month == today.month:
        first = today
    else:
        year = today.year if month > today.month else today.year + 1
        first = date(year, month, 1)
    last = end_of_month(first)
    return When(
        i,
        j,
        first,
        None,
        0.5,
        window=(first, last),
        alternatives=[(f"end of month ({fmt_day(last)})", last.isoformat())],
    )


def _match_in(ctx: Ctx, i: int, prepped: bool) -> When | None:
    k = i + 1
    amount = _amount_unit(ctx, k)
    if amount is not None:
        n, unit, j, conf = amount
        return _relative(ctx, i, j, n, unit, conf)
    w = low(ctx, k)
    if w in MONTHS and w != "may":
        return _bare_month(ctx, i, k + 1, MONTHS[w])
    if w == "the" and low(ctx, k + 1) in ("morning", "afternoon", "evening"):
        return None  # a time of day, not a date
    return None


def _match_the(ctx: Ctx, i: int, prepped: bool) -> When | None:
    w = low(ctx, i + 1)
    if w == "day" and low(ctx, i + 2) == "after" and low(ctx, i + 3) == "tomorrow":
        return When(i, i + 4, ctx.today + timedelta(days=2), None, 0.95)
    if w == "weekend" and prepped:
        return _weekend(ctx, i, i + 2, 0, 0.8)
    if w == "end" and low(ctx, i + 2) == "of":
        hit = _match_end_of(ctx, i + 1)
        if hit is not None:
            hit.start = i
        return hit
    dm = _DAY_RE.match(w)
    if dm is None or not dm.group(2):
        return None
    day = int(dm.group(1))
    k = i + 2
    if low(ctx, k) == "of" and low(ctx, k + 1) in MONTHS:
        return _with_year(ctx, i, k + 2, MONTHS[low(ctx, k + 1)], day, prepped)
    if low(ctx, k) in MONTHS:
        return _with_year(ctx, i, k + 1, MONTHS[low(ctx, k)], day, prepped)
    d = next_day_of_month(ctx.today, day)
    if d is None:
        return None
    return When(i, i + 2, d, None, 0.85 if prepped else 0.75)


def _match_end_of(ctx: Ctx, i: int) -> When | None:
    """`end of month`, `end of the week`, `end of next month`, `end of december` (i at "end")."""
    k = i + 2
    if low(ctx, k) == "the":
        k += 1
    nxt = False
    if low(ctx, k) in ("next", "this"):
        nxt = low(ctx, k) == "next"
        k += 1
    w = low(ctx, k)
    unit = {"day": "d", "week": "w", "month": "m", "year": "y", "quarter": "q"}.get(w)
    if unit is not None:
        hit = _end_of(ctx, i, k + 1, unit, 0.95)
        if nxt and hit is not None and hit.day is not None:
            shift = {"d": timedelta(days=1), "w": timedelta(weeks=1)}.get(unit)
            if shift is not None:
                hit.day = hit.day + shift
            elif unit == "m":
                hit.day = end_of_month(add_months(hit.day.replace(day=1), 1))
            elif unit == "y":
                hit.day = hit.day.replace(year=hit.day.year + 1)
            else:
                hit.day = end_of_month(add_months(hit.day.replace(day=1), 3))
            hit.window = None
        return hit
    if w in MONTHS and not nxt:
        month = MONTHS[w]
        year = ctx.today.year if month >= ctx.today.month else ctx.today.year + 1
        return When(i, k + 1, end_of_month(date(year, month, 1)), None, 0.92)
    return None


def _end_of(ctx: Ctx, i: int, j: int, unit: str, conf: float) -> When | None:
    today = ctx.today
    if unit == "d":
        return When(i, j, today, None, conf, window=(today, today))
    if unit == "w":
        sow = start_of_week(today, ctx.settings.week_start)
        return When(i, j, sow + timedelta(days=6), None, conf, window=(sow, sow + timedelta(days=6)))
    if unit == "m":
        return When(i, j, end_of_month(today), None, conf, window=(today.replace(day=1), end_of_month(today)))
    if unit == "y":
        return When(
            i,
            j,
            date(today.year, 12, 31),
            None,
            conf,
            window=(date(today.year, 1, 1), date(today.year, 12, 31)),
        )
    if unit == "q":
        q_end_month = ((today.month - 1) // 3 + 1) * 3
        last = end_of_month(date(today.year, q_end_month, 1))
        return When(i, j, last, None, conf, window=(date(today.year, q_end_month - 2, 1), last))
    return None


def _weekend(ctx: Ctx, i: int, j: int, weeks_ahead: int, conf: float) -> When:
    today = ctx.today
    if weeks_ahead == 0 and today.weekday() >= 5:
        sat = today - timedelta(days=today.weekday() - 5)
    elif today.weekday() >= 5:  # "next weekend" said on a weekend: the coming one
        sat = next_weekday(today, 5)
    else:
        sat = next_weekday(today, 5) + timedelta(weeks=weeks_ahead)
    return When(i, j, max(sat, today), None, conf, window=(max(sat, today), sat + timedelta(days=1)))


def _match_this_next(ctx: Ctx, i: int, w: str) -> When | None:
    today = ctx.today
    ws = ctx.settings.week_start
    nw = low(ctx, i + 1)
    j = i + 2
    sow = start_of_week(today, ws)
    if nw in WEEKDAYS:
        wd = WEEKDAYS[nw]
        nearest = next_weekday(today, wd)
        if w == "this":
            d = next_weekday(today, wd, include_today=True)
            if d < sow + timedelta(days=7):
                return When(i, j, d, None, 0.93)
            past = sow + timedelta(days=(wd - ws) % 7)
            return When(
                i,
                j,
                d,
                None,
                0.7,
                alternatives=[(f"{fmt_day(past)} (this week, already past)", past.isoformat())],
            )
        if w in ("coming", "following"):
            return When(i, j, nearest, None, 0.88)
        d = sow + timedelta(days=7 + (wd - ws) % 7)  # "next friday": the Friday of next week
        if d == nearest:
            return When(i, j, d, None, 0.92)
        return When(
            i,
            j,
            d,
            None,
            0.75,
            alternatives=[
                (f"{fmt_day(nearest)} (the nearest {WEEKDAY_FULL[wd].capitalize()})", nearest.isoformat())
            ],
        )
    if nw == "week":
        if w == "this":
            return When(i, j, sow + timedelta(days=6), None, 0.8, window=(sow, sow + timedelta(days=6)))
        nws = sow + timedelta(days=7)
        return When(i, j, nws, None, 0.9, window=(nws, nws + timedelta(days=6)))
    if nw == "weekend":
        return _weekend(ctx, i, j, 0 if w == "this" else 1, 0.88)
    if nw == "month":
        if w == "this":
            return When(
                i, j, end_of_month(today), None, 0.8, window=(today.replace(day=1), end_of_month(today))
            )
        first = add_months(today.replace(day=1), 1)
        return When(i, j, first, None, 0.9, window=(first, end_of_month(first)))
    if nw == "year":
        if w == "this":
            return When(
                i,
                j,
                date(today.year, 12, 31),
                None,
                0.8,
                window=(date(today.year, 1, 1), date(today.year, 12, 31)),
            )
        first = date(today.year + 1, 1, 1)
        return When(i, j, first, None, 0.9, window=(first, date(today.year + 1, 12, 31)))
    if w == "this" and nw in ("morning", "afternoon", "evening"):
        return When(i, j, today, period_time(ctx, nw), 0.93)
    return None


def period_time(ctx: Ctx, w: str) -> time:
    s = ctx.settings
    return {"morning": s.morning, "afternoon": s.afternoon, "evening": s.evening}.get(w, s.tonight)
