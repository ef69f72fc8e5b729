"""Predictions on real trackers' history that nobody here wrote (tests/fixtures/shared/history/),
through mhv itself (`mhv import csv`, `mhv predict --open --json --at-creation` in subprocesses), by
the protocol of its README. The full Public Jira subset (2,308 resolved issues) runs in a few seconds;
the 47,205 TAWOS issues are the benchmark's (tests/bench/insights_eval.py, docs/insights.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench.insights_eval import DATA, evaluate, load_publicjira, load_tawos, split


@pytest.fixture(scope="module")
def publicjira() -> dict[str, Any]:
    return evaluate("publicjira", load_publicjira(DATA / "publicjira-effort.csv"), verbose=False)


def test_split_is_per_project_and_time_ordered() -> None:
    issues = load_tawos(DATA / "tawos-effort.csv")
    hist, held = split(issues)
    assert len(hist) + len(held) == len(issues) == 47_186  # 19 of 47,205 were never resolved
    latest: dict[str, Any] = {}
    for i in hist:
        latest[i.project] = max(latest.get(i.project, i.created), i.created)
    assert all(i.created >= latest[i.project] for i in held if i.project in latest)


@pytest.mark.parametrize("target", ["duration", "lead"])
def test_interval_coverage_is_near_80_percent(publicjira: dict[str, Any], target: str) -> None:
    t = publicjira["targets"][target]
    assert t["predicted"] == publicjira["held_out"] or target == "duration"
    assert 0.72 <= t["coverage80"] <= 0.88


@pytest.mark.parametrize("target", ["duration", "lead"])
def test_beats_the_baselines_on_median_error(publicjira: dict[str, Any], target: str) -> None:
    m = publicjira["targets"][target]["metrics"]
    for baseline in (
        "global median",
        "project median",
        "project+type median",
        "EBS estimate / project ratio",
    ):
        assert m["mhv"]["mdae_h"] < m[baseline]["mdae_h"], baseline
    assert m["mhv"]["mae_h"] < m["project median"]["mae_h"]
