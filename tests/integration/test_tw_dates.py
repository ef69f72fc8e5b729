"""Taskwarrior's named dates, mhv against the real `task` program on pinned days.

`faketime 'DAY' task calc NAME` is what Taskwarrior itself makes of `due:NAME` on that day; mhv's
`parse("x due:NAME", now=DAY)` must land on the same calendar day. Skipped when `task` or
`faketime` is missing, unless MHV_REQUIRE_TASKWARRIOR is set (CI sets it).

Known, documented differences (docs/nlp.md) are left out: an ordinal placed in a month too short for
it (`31st` in November: Taskwarrior rolls it over into 1 December; mhv skips to 31 December)
and `socm`/`eocm`/`socq`/`eocq`, which Taskwarrior 2.6 does not know (mhv reads them as the current
month and quarter, i.e. `som`/`eom`/`soq`/`eoq`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mhv.nlp import ParseSettings, parse
from mhv.nlp.dates import days_in_month
from tests.faketime import faked_env
from tests.faketime import library as faketime_library

needs_task = pytest.mark.skipif(
    (shutil.which("task") is None or faketime_library() is None)
    and not os.environ.get("MHV_REQUIRE_TASKWARRIOR"),
    reason="Taskwarrior and faketime are not installed (apt-get install taskwarrior faketime); CI installs them",
)

NAMES = [
    "now",
    "today",
    "yesterday",
    "tomorrow",
    "sod",
    "eod",
    "sond",
    "eond",
    "sopd",
    "eopd",
    "sow",
    "eow",
    "sonw",
    "eonw",
    "sopw",
    "eopw",
    "soww",
    "eoww",
    "som",
    "eom",
    "sonm",
    "eonm",
    "sopm",
    "eopm",
    "soq",
    "eoq",
    "sonq",
    "eonq",
    "sopq",
    "eopq",
    "soy",
    "eoy",
    "sony",
    "eony",
    "sopy",
    "eopy",
    "1st",
    "2nd",
    "3rd",
    "15th",
    "22nd",
    "23rd",
    "24th",
    "28th",
    "29th",
    "30th",
    "31st",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "fri",
    "sat",
    "january",
    "february",
    "march",
    "june",
    "july",
    "november",
    "december",
    "jan",
    "dec",
    "easter",
    "goodfriday",
    "ascension",
    "pentecost",
    "later",
    "someday",
]

# Tuesday; Friday; Saturday, Sunday (work-week edges); month end; year end (Thursday); quarter end;
# the day of the month in the names list; Easter Saturday and Easter Sunday; a leap day.
DAYS = (
    "2026-11-24 09:00:00",
    "2026-11-27 09:00:00",
    "2026-11-28 09:00:00",
    "2026-11-29 09:00:00",
    "2026-11-30 09:00:00",
    "2026-12-31 16:00:00",
    "2026-03-31 10:00:00",
    "2026-12-15 10:00:00",
    "2027-03-27 10:00:00",
    "2027-03-28 10:00:00",
    "2028-02-29 10:00:00",
)


def task_calc(tmp: Path, day: str, names: list[str]) -> list[str]:
    """One `task calc` per name (calc evaluates a single expression), under faketime, TZ=UTC."""
    rc = tmp / "taskrc"
    if not rc.exists():
        rc.write_text(f"data.location={tmp / 'twdata'}\nconfirmation=off\nverbose=nothing\nhooks=off\n")
        (tmp / "twdata").mkdir()
    env = os.environ | {"TASKRC": str(rc), "TASKDATA": str(tmp / "twdata"), "TZ": "UTC"}
    out = []
    for name in names:
        argv = ["task", "calc", name]
        done = subprocess.run(argv, capture_output=True, text=True, env=faked_env(day, env), timeout=60)
        assert done.returncode == 0, done.stderr
        out.append(done.stdout.strip())
    return out


def mhv_day(name: str, now: datetime) -> str:
    p = parse(f"x due:{name}", now=now, settings=ParseSettings(week_start=0))
    assert p.title == "x", (name, p.to_json())
    if p.due_date is None:
        return "no date"
    return p.due_date.isoformat()


def rolls_over(name: str, today: date) -> bool:
    """An ordinal Taskwarrior places in a month too short for it (it rolls into the next month)."""
    if not name[:1].isdigit():
        return False
    day = int(name[:-2])
    year, month = today.year, today.month
    if day <= today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return day > days_in_month(year, month)


def tw_day(value: str) -> str:
    if value.startswith("9999-12-30"):  # later / someday
        return "no date"
    return date.fromisoformat(value[:10]).isoformat()


@needs_task
@pytest.mark.parametrize("day", DAYS)
def test_named_dates_match_taskwarrior(tmp_path: Path, day: str) -> None:
    now = datetime.fromisoformat(day).replace(tzinfo=UTC)
    got_tw = task_calc(tmp_path, day, NAMES)
    diffs = []
    for name, tw in zip(NAMES, got_tw, strict=True):
        ours = mhv_day(name, now)
        if rolls_over(name, now.date()):
            continue  # the documented difference
        if tw_day(tw) != ours:
            diffs.append(f"{name}: task {tw} mhv {ours}")
    assert not diffs, f"on {day}: " + "; ".join(diffs)


@needs_task
def test_durations_match_taskwarrior(tmp_path: Path) -> None:
    """`due:3d` is now + 3 days in Taskwarrior; `task calc 'now + 3d'` says where that lands."""
    day = "2026-11-24 09:00:00"
    now = datetime.fromisoformat(day).replace(tzinfo=UTC)
    forms = ["2days", "3d", "2w", "1wk", "10days", "1week", "P1W", "P2D"]
    got_tw = task_calc(tmp_path, day, [f"now+{f}" for f in forms])
    for form, tw in zip(forms, got_tw, strict=True):
        assert tw_day(tw) == mhv_day(form, now), form
    assert mhv_day("+1w", now) == (now.date() + timedelta(weeks=1)).isoformat()
