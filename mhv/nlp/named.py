"""Taskwarrior's named dates and durations, for the value of `due:`, `scheduled:`, `wait:`, `until:`.

`named_date("eoq", today, week_start)` -> the day (and, for `now`, the time). The meanings follow
Taskwarrior 2.6 (checked against the real program under faketime in tests/integration):

* `sod`/`eod` today; `sond`/`eond` tomorrow; `sopd`/`eopd` yesterday.
* `sow`/`eow` the current week, `sonw`/`eonw` the next, `sopw`/`eopw` the previous one; weeks
  start on `week_start` (Taskwarrior itself always uses Monday, our default).
* `soww`/`eoww` Monday and Friday of the work week; as in Taskwarrior, Sunday already looks ahead
  to the coming work week and Saturday still means the one just ended.
* `som`/`eom` (= `socm`/`eocm`), `soq`/`eoq` (= `socq`/`eocq`), `soy`/`eoy` (= `socy`/`eocy`)
  the current month, quarter, year; `son?`/`eon?` the next and `sop?`/`eop?` the previous one.
* `1st` ... `31st` the next such day of a month after today (months without it are skipped;
  Taskwarrior rolls "31st" in November over to 1 December instead).
* weekday names: the next one after today; month names: the 1st of the next such month after today.
* `easter`, `goodfriday`, `ascension`, `pentecost`: the next Easter after today, and the days
  around it (Good Friday of that Easter, as Taskwarrior: on Easter Saturday it is yesterday).
* `later`, `someday`: understood, but no date (Taskwarrior stores 9999-12-30).

Durations (`3d`, `2days`, `1wk`, `+1w`, `P1W`, `PT2H`) are read by `offset()` as "from now".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from mhv.nlp.dates import MONTHS, WEEKDAYS, add_months, days_in_month, end_of_month, next_month_day

NO_DATE = "no-date"  # `later`, `someday`

_ORDINAL_RE = re.compile(r"^([1-9]|[12]\d|3[01])(st|nd|rd|th)$", re.ASCII)
_SUFFIX = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
_PERIOD_RE = re.compile(r"^(so|eo)(c|n|p)?(d|w|ww|m|q|y)$", re.ASCII)


def ordinal_ok(day: int, suffix: str) -> bool:
    """`1st`, `2nd`, `23rd`, `11th` (not `1th` or `2st`)."""
    return _SUFFIX.get(day, "th") == suffix


def easter(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def next_easter(today: date) -> date:
    e = easter(today.year)
    return e if e > today else easter(today.year + 1)


def _period(kind: str, which: str, unit: str, today: date, week_start: int) -> date:
    """Start (`so`) or end (`eo`) of the current (`c`), next (`n`) or previous (`p`) unit."""
    step = {"c": 0, "n": 1, "p": -1}[which]
    if unit == "d":
        d = today + timedelta(days=step)
        return d
    if unit == "w":
        first = today - timedelta(days=(today.weekday() - week_start) % 7) + timedelta(weeks=step)
        return first if kind == "so" else first + timedelta(days=6)
    if unit == "ww":  # Taskwarrior: the work week of the Sunday-started week holding today
        monday = today - timedelta(days=(today.weekday() + 1) % 7) + timedelta(days=1, weeks=step)
        return monday if kind == "so" else monday + timedelta(days=4)
    if unit == "m":
        first = add_months(today.replace(day=1), step)
        return first if kind == "so" else end_of_month(first)
    if unit == "q":
        q_first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        first = add_months(q_first, 3 * step)
        return first if kind == "so" else end_of_month(add_months(first, 2))
    first = date(today.year + step, 1, 1)
    return first if kind == "so" else date(first.year, 12, 31)


def next_ordinal_day(today: date, day: int) -> date | None:
    """The next date after today whose day of month is `day` (months too short are skipped)."""
    y, m = today.year, today.month
    for _ in range(14):
        if day <= days_in_month(y, m):
            cand = date(y, m, day)
            if cand > today:
                return cand
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


def named_date(name: str, now: datetime, week_start: int) -> tuple[date, time | None] | str | None:
    """The date a Taskwarrior name stands for, `NO_DATE` for `later`/`someday`, None if unknown."""
    today = now.date()
    if name == "now":
        return today, now.time().replace(second=0, microsecond=0, tzinfo=None)
    if name in ("today", "sod", "eod"):
        return today, None
    if name == "yesterday":
        return today - timedelta(days=1), None
    if name in ("tomorrow", "tmr", "tmrw"):
        return today + timedelta(days=1), None
    if name in ("later", "someday"):
        return NO_DATE
    m = _PERIOD_RE.match(name)
    if m is not None:
        kind, which, unit = m.group(1), m.group(2) or "c", m.group(3)
        if which == "c" and m.group(2) and unit in ("d", "ww"):
            return None  # `socd`, `socww` are not names
        return _period(kind, which, unit, today, week_start), None
    om = _ORDINAL_RE.match(name)
    if om is not None:
        day = int(om.group(1))
        if not ordinal_ok(day, om.group(2)):
            return None
        d = next_ordinal_day(today, day)
        return None if d is None else (d, None)
    if name in WEEKDAYS:
        delta = (WEEKDAYS[name] - today.weekday()) % 7 or 7
        return today + timedelta(days=delta), None
    if name in MONTHS:
        month = MONTHS[name]
        d = next_month_day(today + timedelta(days=1), month, 1)
        return None if d is None else (d, None)
    if name in ("easter", "goodfriday", "ascension", "pentecost"):
        e = next_easter(today)
        shift = {"easter": 0, "goodfriday": -2, "ascension": 39, "pentecost": 49}[name]
        return e + timedelta(days=shift), None
    return None


# --- durations --------------------------------------------------------------------------------

_TW_DURATION_RE = re.compile(
    r"^\+?(\d{1,4})(s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|"
    r"mo|mos|mnths?|months?|q|qtrs?|quarters?|y|yrs?|years?)$",
    re.ASCII,
)
_ISO_DURATION_RE = re.compile(
    r"^p(?:(\d{1,4})y)?(?:(\d{1,4})m)?(?:(\d{1,4})w)?(?:(\d{1,4})d)?"
    r"(?:t(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?)?$",
    re.ASCII,
)


def duration_parts(value: str) -> tuple[int, int, int] | None:
    """A Taskwarrior or ISO 8601 duration -> (months, days, minutes), or None.

    `3d`, `2days`, `1wk`, `+1w`, `2mo`, `1q`, `1y`, `90min`, `2h`, `P1W`, `P1DT2H`, `PT90M`.
    """
    v = value.lower()
    m = _TW_DURATION_RE.match(v)
    if m is not None:
        n, unit = int(m.group(1)), m.group(2)
        if unit.startswith("s"):
            return 0, 0, n // 60
        if unit.startswith("mi"):
            return 0, 0, n
        if unit.startswith("h"):
            return 0, 0, 60 * n
        if unit.startswith("d"):
            return 0, n, 0
        if unit.startswith("w"):
            return 0, 7 * n, 0
        if unit.startswith("m"):
            return n, 0, 0
        if unit.startswith("q"):
            return 3 * n, 0, 0
        return 12 * n, 0, 0
    m = _ISO_DURATION_RE.match(v)
    if m is None or v in ("p", "pt") or v.endswith("t"):
        return None
    y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return 12 * y + mo, 7 * w + d, 60 * h + mi + s // 60


def offset(value: str, now: datetime) -> tuple[date, time | None] | None:
    """`due:3d`, `due:+1w`, `due:PT2H`: the moment that far from now (a day, or a time for hours)."""
    parts = duration_parts(value)
    if parts is None or parts == (0, 0, 0):
        return None
    months, days, minutes = parts
    if months > 1200 or days > 36500:
        return None
    try:
        if minutes:
            moment = now + timedelta(days=days, minutes=minutes)
            if months:
                moment = moment.replace(tzinfo=None)
                day = add_months(moment.date(), months)
                return day, moment.time().replace(second=0, microsecond=0)
            return moment.date(), moment.time().replace(second=0, microsecond=0, tzinfo=None)
        return add_months(now.date(), months) + timedelta(days=days), None
    except (OverflowError, ValueError):
        return None


def iso_estimate(value: str) -> int | None:
    """`PT90M`, `PT1H30M`, `P1D` (a work day of 8 h, as `~1d`) -> minutes."""
    m = _ISO_DURATION_RE.match(value.lower())
    if m is None or value.lower() in ("p", "pt") or value.lower().endswith("t"):
        return None
    y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    if y or mo:
        return None
    minutes = w * 5 * 8 * 60 + d * 8 * 60 + h * 60 + mi + s // 60
    return minutes if 0 < minutes <= 100_000 else None


_COMPACT_ISO_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:t(\d{2})(\d{2})(\d{2})?)?$", re.ASCII)
_FULL_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})t(\d{2}):(\d{2}):(\d{2})$", re.ASCII)


def iso_date(value: str) -> tuple[date, time | None] | None:
    """`20261205`, `20261205T1630`, `20261205T163000`, `2026-12-05T16:30:00` (the forms the free-text
    recognisers do not read)."""
    v = value.lower()
    m = _COMPACT_ISO_RE.match(v) or _FULL_ISO_RE.match(v)
    if m is None:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        at = time(int(m.group(4)), int(m.group(5))) if m.group(4) else None
    except ValueError:
        return None
    return d, at
