"""Todoist's recurring forms become RRULEs that dateutil expands to the days a person expects.

Each phrase is parsed on a pinned clock; its RRULE is expanded by `dateutil.rrule.rrulestr` from
the parsed first due date (and time), and the first occurrences are compared with a list worked
out by hand from a calendar. Rules with an end (`ending dec 31`, `until dec 5`) are expanded whole.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest
from dateutil.rrule import rrulestr
from nlp_corpus_dates import NYE, QEND, TUE

from mhv.nlp import parse

CASES = [
    # (phrase, clock, expected first occurrences as YYYY-MM-DD[THH:MM]; a full list when it ends)
    ("stretch every morning", TUE, ["2026-11-25T09:00", "2026-11-26T09:00", "2026-11-27T09:00"]),
    ("read every night", TUE, ["2026-11-24T20:00", "2026-11-25T20:00"]),
    ("laundry every weekend", TUE, ["2026-11-28", "2026-11-29", "2026-12-05", "2026-12-06"]),
    ("pay rent every 27", TUE, ["2026-11-27", "2026-12-27", "2027-01-27", "2027-02-27"]),
    ("pay rent every 27th", TUE, ["2026-11-27", "2026-12-27", "2027-01-27"]),
    ("pay rent every 31st", QEND, ["2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31"]),
    ("renew domain every jan 27th", TUE, ["2027-01-27", "2028-01-27", "2029-01-27"]),
    ("gifts every dec 25", TUE, ["2026-12-25", "2027-12-25", "2028-12-25"]),
    ("gifts every 25th of december", NYE, ["2027-12-25", "2028-12-25"]),
    ("invoice every last day", TUE, ["2026-11-30", "2026-12-31", "2027-01-31", "2027-02-28"]),
    ("review every 3rd friday", TUE, ["2026-12-18", "2027-01-15", "2027-02-19", "2027-03-19"]),
    ("board every first monday of the month", TUE, ["2026-12-07", "2027-01-04", "2027-02-01", "2027-03-01"]),
    ("payroll every last friday of the month", TUE, ["2026-11-27", "2026-12-25", "2027-01-29", "2027-02-26"]),
    ("gym every mon, fri", TUE, ["2026-11-27", "2026-11-30", "2026-12-04", "2026-12-07"]),
    ("gym every tue and thu", TUE, ["2026-11-24", "2026-11-26", "2026-12-01", "2026-12-03"]),
    ("standup ev weekday", TUE, ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"]),
    ("backup every 3 days", TUE, ["2026-11-24", "2026-11-27", "2026-11-30", "2026-12-03"]),
    ("budget every other month", TUE, ["2026-11-24", "2027-01-24", "2027-03-24", "2027-05-24"]),
    ("dentist every 6 months", TUE, ["2026-11-24", "2027-05-24", "2027-11-24"]),
    ("taxes yearly", TUE, ["2026-11-24", "2027-11-24", "2028-11-24"]),
    ("demo every friday at 4pm", TUE, ["2026-11-27T16:00", "2026-12-04T16:00", "2026-12-11T16:00"]),
    ("yoga every monday ending dec 31", TUE, ["2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]),
    ("pills every day until dec 5", TUE, [f"2026-11-{d}" for d in range(24, 31)] + [f"2026-12-0{d}" for d in range(1, 6)]),
    ("class every tue starting dec 1 ending dec 22", TUE, ["2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22"]),
    ("class every friday at 4pm starting dec 4", TUE, ["2026-12-04T16:00", "2026-12-11T16:00"]),
]  # fmt: skip


def fmt(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M") if d.time() != time(0, 0) else d.date().isoformat()


@pytest.mark.parametrize(("text", "now", "want"), CASES, ids=[c[0] for c in CASES])
def test_rrule_expands_to_the_expected_days(text: str, now: datetime, want: list[str]) -> None:
    p = parse(text, now=now)
    assert p.recurrence is not None and p.due_date is not None, p.to_json()
    start = datetime.combine(p.due_date, p.due_time or time(0, 0))
    rule = rrulestr(p.recurrence, dtstart=start)
    if "UNTIL=" in p.recurrence:
        got = [fmt(d) for d in rule]
    else:
        got = [fmt(d) for _, d in zip(range(len(want)), rule, strict=False)]
    assert got == want, p.recurrence
