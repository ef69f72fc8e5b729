"""`mhv stats` read as columns straight from the database (mhv.insights.columns) gives exactly what
the per-record summary gave (tests/unit/insights/reference_stats.py, the code before the columns),
on random histories made through the real TaskService (SQLite and PostgreSQL) with a FakeClock:
pauses, blocks, reopenings, undo, cancellations, imported history, every filter."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from dateutil import tz as dtz

from mhv.errors import MhvError
from mhv.insights import columns, history
from mhv.insights.stats import summarize, summarize_columns
from tests.unit.insights import reference_stats

REPOS = ["api", "api.v2", "web", "docs", None]
TAGS = ["db", "ui", "ci", "perf", "web"]
WORDS = ["fix", "cache", "login", "deploy", "schema"]
ZONES = ["UTC", "Europe/Berlin", "Australia/Lord_Howe"]


def random_history(svc: Any, clock: Any, seed: int, n: int = 140, odd_assignee: str = "bo") -> None:
    """``n`` tasks whose lives interleave: started, paused, blocked by another open task (web tasks
    often), completed, reopened, completed then undone, cancelled, now and then with the clock set
    back; plus imported finished tasks
    (no status events, one without a start) and an imported task with no completion instant."""
    rnd = random.Random(seed)
    live: list[int] = []
    for i in range(n):
        data: dict[str, Any] = {"title": f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}",
                                "tags": rnd.sample(TAGS, rnd.randint(0, 2)),
                                "priority": rnd.choice(["critical", "high", "medium", "low"])}  # fmt: skip
        repo = rnd.choice(REPOS)
        if repo:
            data["repo"] = repo
        if repo == "web":
            data["title"] = "flaky " + data["title"]  # web tasks get blocked: so does the word
        if rnd.random() < 0.7:
            data["assignee"] = rnd.choice(["ana", odd_assignee, "cy"])
        if rnd.random() < 0.8:
            data["estimate_minutes"] = rnd.choice([15, 30, 60, 120, 480])
        if "perf" in data["tags"]:
            data["estimate_minutes"] = 10  # perf work overruns its estimates
        number = svc.create(data).number
        if repo == "web" and rnd.random() < 0.6 and live:  # blocked by an open task from the start
            other = rnd.choice(live)
            if svc.get(other).status not in ("completed", "cancelled"):
                svc.add_dependency(number, other)
        live.append(number)
        for _ in range(rnd.randint(1, 4)):
            # now and then the clock is set back (a machine's time corrected): instants go back
            clock.advance(minutes=-rnd.randint(1, 120) if rnd.random() < 0.04 else rnd.randint(1, 900))
            number = rnd.choice(live)
            task = svc.get(number)
            act = rnd.random()
            try:
                if task.status in ("completed", "cancelled"):
                    if act < 0.15:
                        svc.update(number, {"status": "pending"})  # reopened
                elif act < 0.3:
                    svc.start(number)
                elif act < 0.4 and task.status == "in_progress":
                    svc.stop(number)
                elif act < 0.42:
                    other = rnd.choice(live)
                    if other != number and svc.get(other).status not in ("completed", "cancelled"):
                        svc.add_dependency(number, other)
                elif act < 0.9:
                    if task.status == "pending" and rnd.random() < 0.8:
                        svc.start(number)
                        # (sometimes the clock is set back in between: completed "before" the start)
                        clock.advance(minutes=rnd.randint(5, 600) if rnd.random() > 0.1 else -rnd.randint(1, 60))
                    svc.complete(number)
                    if rnd.random() < 0.1:
                        clock.advance(minutes=5)
                        svc.undo()
                else:
                    svc.cancel(number)
            except MhvError:
                pass  # a cycle, or a move the task's state does not allow: the history goes on
    from mhv.tasks.interop.csv_import import import_csv

    start = clock.now - timedelta(days=400)
    lines = ["title,repo,tags,estimate_minutes,status,created_at,started_at,completed_at"]
    for i in range(30):
        created = start + timedelta(days=rnd.randint(0, 300), minutes=rnd.randint(0, 1440))
        began = created + timedelta(minutes=rnd.randint(0, 5000))
        done = began + timedelta(minutes=rnd.randint(1, 3000))
        lines.append(f"imported {rnd.choice(WORDS)} {i},{rnd.choice(['api', 'web', ''])},{rnd.choice(TAGS)},"
                     f"{rnd.choice(['', '60'])},completed,{created.isoformat()},"
                     f"{'' if i % 7 == 0 else began.isoformat()},{done.isoformat()}")  # fmt: skip
    lines.append("imported no instant,api,db,,completed,,,")
    import_csv(svc, "\n".join(lines) + "\n")


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in a:
        assert json.dumps(a[key]) == json.dumps(b[key]), key
    assert json.dumps(a) == json.dumps(b)


@pytest.mark.parametrize("seed", [1, 2])
def test_columns_from_the_database_match_the_per_record_summary(service: Any, clock: Any, seed: int) -> None:
    random_history(service, clock, seed)
    clock.advance(days=1)
    cut = clock.now - timedelta(days=3)
    everything = reference_stats.summarize(history.load(service), dtz.UTC)
    # The history covers what the rules are about (else this test could not fail on them).
    assert everything["reopened"] > 0 and everything["blocked"] and everything["open"] and everything["cancelled"]
    assert {p["kind"] for p in everything["patterns"]} == {"blocker", "duration"}
    assert any(p["on"] == "word" for p in everything["patterns"])
    for zone in ZONES:
        tz = dtz.gettz(zone)
        assert tz is not None
        for flt in ({}, {"repo": "api"}, {"tag": "db"}, {"since": cut}, {"repo": "web", "tag": "ui", "since": cut},
                    {"repo": "nowhere"}):  # fmt: skip
            want = reference_stats.summarize(history.load(service, **flt), tz)
            _same(summarize_columns(columns.load(service, **flt), tz), want)
            _same(summarize(history.load(service, **flt), tz), want)  # records -> columns (the TUI)


def test_a_name_holding_the_separator_is_read_exactly(service: Any, clock: Any) -> None:
    random_history(service, clock, 3, n=40, odd_assignee="b\x1fo")
    want = reference_stats.summarize(history.load(service), dtz.UTC)
    assert any(g["name"] == "b\x1fo" for g in want["groups"]["assignee"])
    _same(summarize_columns(columns.load(service), dtz.UTC), want)


def test_empty_history(service: Any) -> None:
    want = reference_stats.summarize(history.load(service), dtz.UTC)
    _same(summarize_columns(columns.load(service), dtz.UTC), want)
    assert want["finished"] == 0


def test_local_ordinals_match_the_zone_on_every_kind_of_day() -> None:
    """The column form of LocalDates.ordinal (one offset per distinct UTC day, DST and Lord Howe's
    half hour included) against the zone itself."""
    from datetime import UTC, datetime

    import numpy as np

    from mhv.insights.stats import LocalDates

    rnd = random.Random(9)
    for zone in ("Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"):
        z = dtz.gettz(zone)
        stamps = [rnd.uniform(1.6e9, 1.9e9) for _ in range(2000)]
        stamps += [datetime(2026, m, d, h, tzinfo=UTC).timestamp() + s for m, d in ((3, 8), (3, 29), (10, 25), (11, 1),
                   (4, 5)) for h in range(24) for s in (-1, 0, 1)]  # fmt: skip
        ts = np.array([*stamps, float("nan")])
        got = LocalDates(z).ordinals(ts)
        want = [datetime.fromtimestamp(t, UTC).astimezone(z).date().toordinal() for t in stamps]
        assert got[:-1].tolist() == want, zone
        assert got[-1] == 0


def test_quantiles_are_numpys_to_the_last_bit() -> None:
    """stats.quantiles stands in for np.quantile (which imports numpy.ma on first use)."""
    import numpy as np

    from mhv.insights.stats import quantiles

    rnd = np.random.default_rng(3)
    for trial in range(3000):
        n = int(rnd.integers(1, 40)) if trial % 10 else int(rnd.integers(40, 3000))
        arr = [rnd.lognormal(5, 2, n), rnd.integers(0, 5, n) * 30.0, np.round(rnd.normal(0, 1e6, n), 3),
               rnd.uniform(0, 1, n) / 60.0][trial % 4]  # fmt: skip
        for qs in ((0.1, 0.25, 0.5, 0.75, 0.9), (0.1, 0.5, 0.9)):
            want, got = np.quantile(arr, qs), quantiles(arr, qs)
            assert [float(x).hex() for x in got] == [float(x).hex() for x in want], (n, qs)


def test_stats_does_not_import_numpy_ma(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = dict(os.environ, MHV_HOME=str(tmp_path), TZ="UTC")
    code = (
        "import sys\nfrom mhv.cli.entry import main\n"
        "from mhv.tasks.interop.csv_import import import_csv\nfrom mhv.cli.context import new_state\n"
        "import_csv(new_state().service, 'title,status,started_at,completed_at\\n'"
        " + ''.join(f'x{i},completed,2026-01-0{i}T10:00:00+00:00,2026-01-0{i}T1{i}:00:00+00:00\\n' for i in range(1, 8)))\n"
        "try:\n    main(['stats', '--json', '--now', '2026-02-01T00:00'])\nexcept SystemExit:\n    pass\n"
        "print('numpy.ma' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"finished": 7' in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "False"
