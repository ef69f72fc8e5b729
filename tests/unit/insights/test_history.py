"""The exact rules of what history says, on histories made through the real TaskService (SQLite and
PostgreSQL) with a FakeClock: pauses, reopenings, undo and blocked periods."""

from __future__ import annotations

from datetime import UTC as dt_utc
from datetime import datetime, timedelta
from typing import Any

from dateutil.tz import UTC
from hypothesis import given, settings
from hypothesis import strategies as st

from mhv.insights import history
from mhv.insights.stats import summarize


def _rec(service: Any, number: int) -> history.Record:
    return next(r for r in history.load(service) if r.number == number)


def test_pauses_are_not_time_in_progress(service: Any, clock: Any) -> None:
    t = service.create({"title": "write the migration", "repo": "api", "tags": ["db"]})
    clock.advance(hours=1)
    service.start(t.number)
    clock.advance(minutes=30)
    service.stop(t.number)  # a pause of 2 h
    clock.advance(hours=2)
    service.start(t.number)
    clock.advance(minutes=45)
    service.complete(t.number)
    r = _rec(service, t.number)
    assert r.to_start == 60
    assert r.in_progress == 75
    assert r.lead == 60 + 30 + 120 + 45
    assert r.blocked == 0 and not r.ever_blocked and r.reopens == 0


def test_reopening_counts_and_adds_the_second_stint(service: Any, clock: Any) -> None:
    t = service.create({"title": "fix login"})
    service.start(t.number)
    clock.advance(minutes=40)
    service.complete(t.number)
    clock.advance(days=1)
    service.update(t.number, {"status": "pending"})  # reopened: waiting is not work
    clock.advance(hours=3)
    service.start(t.number)
    clock.advance(minutes=20)
    service.complete(t.number)
    r = _rec(service, t.number)
    assert r.reopens == 1
    assert r.in_progress == 60
    assert r.lead == 40 + 24 * 60 + 180 + 20


def test_undo_of_a_completion_is_not_a_reopening(service: Any, clock: Any) -> None:
    t = service.create({"title": "ship it"})
    service.start(t.number)
    clock.advance(minutes=30)
    service.complete(t.number)
    clock.advance(minutes=5)
    service.undo()  # back in progress
    clock.advance(minutes=20)
    service.complete(t.number)
    r = _rec(service, t.number)
    assert r.reopens == 0
    assert r.in_progress == 50  # the 5 minutes it looked completed are not work


def test_blocked_period_is_counted_apart(service: Any, clock: Any) -> None:
    blocker = service.create({"title": "upgrade the driver"})
    t = service.create({"title": "use the new driver"})
    service.start(t.number)
    clock.advance(minutes=10)
    service.add_dependency(t.number, blocker.number)
    assert service.get(t.number).status == "blocked"
    clock.advance(minutes=50)
    service.complete(blocker.number)  # unblocks: back in progress
    assert service.get(t.number).status == "in_progress"
    clock.advance(minutes=30)
    service.complete(t.number)
    r = _rec(service, t.number)
    assert r.ever_blocked
    assert r.blocked == 50
    assert r.in_progress == 40
    assert r.lead == 90


def test_imported_history_reads_the_task_dates(service: Any, clock: Any) -> None:
    from mhv.tasks.interop.csv_import import import_csv

    text = (
        "title,repo,status,created_at,started_at,completed_at\n"
        "Bug KEY-1,core,completed,2020-01-01T00:00:00+00:00,2020-01-02T00:00:00+00:00,2020-01-02T06:00:00+00:00\n"
        "Bug KEY-2,core,pending,2020-01-03T00:00:00+00:00,,\n"
    )
    summary = import_csv(service, text)
    assert summary.created == 2
    recs = {r.title: r for r in history.load(service)}
    done = recs["Bug KEY-1"]
    assert done.in_progress == 6 * 60 and done.lead == 30 * 60 and done.to_start == 24 * 60
    assert recs["Bug KEY-2"].lead is None and recs["Bug KEY-2"].is_open


def test_summary_throughput_accuracy_weekday(service: Any, clock: Any) -> None:
    # The clock starts on Tuesday 2026-11-24: done Tue, Thu, Sat of that week, then Thu of the next.
    for i, minutes in enumerate((30, 60, 90, 120)):
        t = service.create({"title": f"task {i}", "repo": "api", "tags": ["db"], "estimate_minutes": 30})
        service.start(t.number)
        clock.advance(minutes=minutes)
        service.complete(t.number)
        clock.advance(days=2 if i < 2 else 5)
    data = summarize(history.load(service), UTC)
    assert [(w["week"], w["finished"]) for w in data["throughput"]["weeks"]] == [
        ("2026-11-23", 3), ("2026-11-30", 1)
    ]  # fmt: skip
    assert data["accuracy"]["median"] == 2.5  # (1 + 2 + 3 + 4) / 2 over estimates of 30 min
    assert data["accuracy"]["on_time"] == 0.25
    assert data["cycle"]["median"] == 75
    days = {d["day"]: d["finished"] for d in data["weekday"]}
    assert (days["Tue"], days["Thu"], days["Sat"], sum(days.values())) == (1, 2, 1, 4)
    assert data["groups"]["tag"][0]["name"] == "db"


def test_since_and_filters(service: Any, clock: Any) -> None:
    a = service.create({"title": "old", "repo": "api"})
    service.complete(a.number)
    clock.advance(days=10)
    cut = clock.now
    b = service.create({"title": "new", "repo": "web", "tags": ["ui"]})
    service.complete(b.number)
    assert [r.title for r in history.load(service, since=cut)] == ["new"]
    assert [r.title for r in history.load(service, repo="api")] == ["old"]
    assert [r.title for r in history.load(service, tag="ui")] == ["new"]
    assert clock.now - cut == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(dt_utc)),
       st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]))  # fmt: skip
def test_local_dates_match_astimezone(at: datetime, zone: str) -> None:
    from dateutil.tz import gettz

    from mhv.insights.stats import LocalDates

    tz = gettz(zone)
    assert tz is not None
    assert LocalDates(tz)(at) == at.astimezone(tz).date()


def test_local_ordinal_matches_the_zone_on_every_kind_of_day() -> None:
    """`mhv stats` buckets completions by local day from POSIX seconds with one offset lookup per UTC
    day; days on which the zone's offset changes (DST, Lord Howe's half hour) must still be right."""
    import random
    from datetime import UTC as utc
    from datetime import datetime as dtm

    from dateutil import tz

    from mhv.insights.stats import LocalDates

    rnd = random.Random(5)
    for zone in ("Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"):
        z = tz.gettz(zone)
        local = LocalDates(z)
        stamps = [rnd.uniform(1.6e9, 1.9e9) for _ in range(3000)]
        # and the minutes around each 2026 transition of the zone
        stamps += [dtm(2026, m, d, h, tzinfo=utc).timestamp() + s for m, d in ((3, 8), (3, 29), (10, 25), (11, 1), (4, 5))
                   for h in range(24) for s in (-1, 0, 1)]  # fmt: skip
        for ts in stamps:
            want = dtm.fromtimestamp(ts, utc).astimezone(z).date()
            assert local.ordinal(ts) == want.toordinal(), (zone, ts)
            assert (want.toordinal() - 1) % 7 == want.weekday()
