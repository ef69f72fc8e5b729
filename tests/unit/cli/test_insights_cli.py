"""`mhv stats`, `mhv predict`, `mhv forecast`: a history made through the real TaskService (FakeClock)
in the MHV_HOME database, then the commands in-process with `--now` pinned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dateutil.tz import UTC

from tests.conftest import REPO_ROOT

Run = Callable[..., tuple[int, str, str]]
NOW = "2026-12-20T09:00:00+00:00"


@pytest.fixture
def svc(clock: Any) -> Iterator[Any]:
    from mhv.store import open_store
    from mhv.tasks.service import TaskService

    store = open_store()
    yield TaskService(store, clock=clock, tz=UTC, actor="test")
    store.close()


def _history(svc: Any, clock: Any) -> dict[str, int]:
    for i in range(12):
        t = svc.create({"title": f"migrate table {i}", "repo": "api", "tags": ["db"], "estimate_minutes": 30})
        clock.advance(minutes=15)
        svc.start(t.number)
        clock.advance(minutes=60 + 5 * i)
        svc.complete(t.number)
        clock.advance(hours=20)
    for i in range(6):
        t = svc.create({"title": f"polish page {i}", "repo": "web", "tags": ["ui"], "estimate_minutes": 60})
        svc.start(t.number)
        clock.advance(minutes=30)
        svc.complete(t.number)
        clock.advance(hours=30)
    new = svc.create({"title": "migrate users table", "repo": "api", "tags": ["db"], "estimate_minutes": 30})
    other = svc.create({"title": "polish the footer", "repo": "web", "tags": ["ui"]})
    return {"new": new.number, "other": other.number}


def test_stats_json_and_people_output(mhv: Run, svc: Any, clock: Any) -> None:
    _history(svc, clock)
    code, out, err = mhv("stats", "--json", "--now", NOW)
    assert code == 0, err
    data = json.loads(out)
    assert data["finished"] == 18 and data["open"] == 2
    assert data["accuracy"]["n"] == 18
    db = next(g for g in data["groups"]["tag"] if g["name"] == "db")
    assert db["accuracy"]["median"] == pytest.approx((60 + 5 * 5.5) / 30, rel=0.01)
    assert any("#db take" in p["text"] for p in data["patterns"])
    code, out, _ = mhv("stats", "--repo", "web", "--json", "--now", NOW)
    assert json.loads(out)["finished"] == 6
    code, out, err = mhv("stats", "--now", NOW)
    assert code == 0, err
    for words in ("Finished per week", "Estimate accuracy", "By repo", "When work gets finished", "Patterns"):
        assert words in out
    assert "tasks tagged #db take 2.9x their estimate (12 tasks)" in out


def test_predict_json_shape(mhv: Run, svc: Any, clock: Any) -> None:
    nums = _history(svc, clock)
    code, out, err = mhv("predict", str(nums["new"]), "--json", "--now", NOW)
    assert code == 0, err
    (p,) = json.loads(out)
    assert p["number"] == nums["new"] and p["title"] == "migrate users table"
    for key in ("duration", "lead"):
        assert set(p[key]) >= {"minutes", "low", "high", "based_on"}
        assert p[key]["low"] <= p[key]["minutes"] <= p[key]["high"]
    assert 40 <= p["duration"]["minutes"] <= 140  # the db tasks took 60-115 minutes
    assert 0.0 <= p["blocker_risk"] <= 1.0 and p["why"]["blocker"]
    code, out, _ = mhv("predict", "--open", "--json", "--now", NOW)
    assert sorted(x["number"] for x in json.loads(out)) == sorted(nums.values())
    code, out, err = mhv("predict", "--open", "--now", NOW)
    assert code == 0 and "migrate users table" in out and "learned from 18 finished tasks" in out


def test_predict_errors(mhv: Run, svc: Any, clock: Any) -> None:
    code, _, err = mhv("predict")
    assert code != 0 and "MHV-" in err and "--open" in err
    code, _, err = mhv("predict", "99")
    assert code != 0 and "no task #99" in err
    code, _, err = mhv("predict", "--open", "--now", "yesterday-ish")
    assert code != 0 and "--now" in err
    t = svc.create({"title": "lonely"})
    code, out, _ = mhv("predict", str(t.number), "--json", "--now", NOW)
    (p,) = json.loads(out)
    assert p["duration"] is None and p["lead"] is None and "not enough history" in p["why"]["notes"][0]


def test_forecast_dates_are_ordered_and_seeded(mhv: Run, svc: Any, clock: Any) -> None:
    _history(svc, clock)
    code, out, err = mhv("forecast", "--json", "--now", NOW)
    assert code == 0, err
    f = json.loads(out)
    assert f["tasks"] == 2 and NOW[:10] <= f["p50"] <= f["p80"] <= f["p95"]
    assert json.loads(mhv("forecast", "--json", "--now", NOW)[1]) == f
    code, out, _ = mhv("forecast", "--repo", "web", "--now", NOW)
    assert "1 open tasks" in out and "50%" in out and "95%" in out


@pytest.mark.parametrize("argv", [["tc", "buy milk"], ["tl"]])
def test_add_and_list_never_import_insights(argv: list[str], tmp_path: Any) -> None:
    """Nothing here may slow adding or listing tasks: checked with python -X importtime."""
    env = dict(os.environ, MHV_HOME=str(tmp_path / "home"), NO_COLOR="1")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "mhv", *argv], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "mhv.cli" in modules or "mhv" in modules
    assert not {m for m in modules if m.startswith("mhv.insights")}
    assert "numpy" not in modules


def test_next_predicted_flags_the_task_that_will_be_late(svc: Any, clock: Any) -> None:
    from datetime import timedelta

    from mhv.cli.insights_cmds import adjusted_order
    from mhv.tasks.models import TaskFilter

    _history(svc, clock)  # api/db tasks took 75-130 minutes from creation to done
    late = svc.create({"title": "migrate orders table", "repo": "api", "tags": ["db"], "priority": "low",
                       "due": clock.now + timedelta(minutes=20)})  # fmt: skip
    fine = svc.create({"title": "migrate audit table", "repo": "api", "tags": ["db"], "priority": "high",
                       "due": clock.now + timedelta(days=30)})  # fmt: skip
    ranked = svc.ranked(TaskFilter(statuses=("in_progress", "pending"), limit=50))
    order, adjusted = adjusted_order(svc, ranked, 10)
    assert adjusted[late.number].likely_miss and not adjusted[fine.number].likely_miss
    assert order[0].task.number == late.number
    assert adjusted[late.number].adjusted - adjusted[late.number].urgency > 5  # nearly certain to miss
    assert adjusted[fine.number].adjusted - adjusted[fine.number].urgency < 0.1
