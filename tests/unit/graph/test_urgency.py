"""Urgency: exact values, cross-checked against Taskwarrior 2.6.2 (`task export` urgency)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mhv.tasks.graph.urgency import (
    UrgencyCoefficients,
    UrgencyInput,
    age_factor,
    count_factor,
    due_factor,
    urgency,
)
from tests.faketime import faked_env
from tests.faketime import library as faketime_library

NOW = datetime(2026, 11, 24, 2, 6, 23, tzinfo=UTC)
DAY = timedelta(days=1)

# Five tasks made with `task add ...` (2.6.2, default config) and the urgency `task export` printed.
# Mapping: priority H/M/L -> high/medium/low; project -> repo; started -> in_progress.
TASKWARRIOR_CASES = [
    # (description, input, is_blocking, is_blocked, taskwarrior urgency)
    (
        "one: pri:H project:web +a +b due:now+3d, 1 annotation, blocking",
        UrgencyInput(
            NOW - 10 * DAY,
            "high",
            NOW + 3 * DAY - timedelta(seconds=1),
            tags=("a", "b"),
            repo="web",
            annotation_count=1,
        ),
        True,
        False,
        24.1834,
    ),
    ("two: pri:L entered 400 days ago, blocked", UrgencyInput(NOW - 400 * DAY, "low"), False, True, -1.2),
    (
        "three: +next due:now-9d",
        UrgencyInput(NOW - 2 * DAY, None, NOW - 9 * DAY, tags=("next",)),
        False,
        False,
        27.811,
    ),
    (
        "four: pri:M scheduled:now-1d, started",
        UrgencyInput(NOW - 30 * DAY, "medium", status="in_progress", scheduled=NOW - DAY),
        False,
        False,
        13.0644,
    ),
    (
        "five: wait:now+2d due:now+20d +x +y +z",
        UrgencyInput(NOW - 100 * DAY, None, NOW + 20 * DAY, tags=("x", "y", "z"), wait=NOW + 2 * DAY),
        False,
        False,
        0.947945,
    ),
]


@pytest.mark.parametrize(
    ("name", "task", "blocking", "blocked", "expected"),
    TASKWARRIOR_CASES,
    ids=[c[0] for c in TASKWARRIOR_CASES],
)
def test_matches_taskwarrior(
    name: str, task: UrgencyInput, blocking: bool, blocked: bool, expected: float
) -> None:
    result = urgency(task, NOW, is_blocking=blocking, is_blocked=blocked)
    assert result.score == pytest.approx(expected, abs=1e-4)
    assert sum(v for _, v in result.breakdown) == pytest.approx(result.score)


def test_breakdown_names_each_term() -> None:
    result = urgency(TASKWARRIOR_CASES[0][1], NOW, is_blocking=True)
    assert [t for t, _ in result.breakdown] == [
        "blocking",
        "due",
        "priority high",
        "project",
        "tags",
        "annotations",
        "age",
    ]
    assert result.terms[0].coefficient == 8.0 and result.terms[0].factor == 1.0


@pytest.mark.parametrize(
    ("offset_days", "factor"),
    [
        (-30, 0.2),
        (-14, 0.2),
        (-7, 0.2 + 7 * 0.8 / 21),
        (0, 0.2 + 14 * 0.8 / 21),
        (6.99, 0.2 + 20.99 * 0.8 / 21),
        (7, 1.0),
        (100, 1.0),
    ],
)
def test_due_curve(offset_days: float, factor: float) -> None:
    # offset_days > 0 means overdue by that many days
    assert due_factor(NOW - timedelta(days=offset_days), NOW) == pytest.approx(factor)


def test_age_truncates_to_whole_days_and_caps() -> None:
    assert age_factor(NOW - timedelta(days=36, hours=23), NOW, 365) == pytest.approx(36 / 365)
    assert age_factor(NOW - 400 * DAY, NOW, 365) == 1.0
    assert age_factor(NOW, NOW, 0) == 1.0


def test_count_factor() -> None:
    assert [count_factor(n) for n in range(5)] == [0.0, 0.8, 0.9, 1.0, 1.0]


def test_critical_priority_and_defaults() -> None:
    task = UrgencyInput(NOW, "critical")
    assert urgency(task, NOW).breakdown == [("priority critical", 8.1)]
    assert UrgencyCoefficients().priority_value("unknown") == 0.0


def test_overrides_and_bonuses() -> None:
    coefficients = UrgencyCoefficients().with_overrides(
        {"due": 6, "tag.ci": 2.5, "repo.infra": 1.5, "tag.next": 0}
    )
    task = UrgencyInput(NOW, None, NOW + 14 * DAY, tags=("ci", "next"), repo="infra.db")
    result = dict(urgency(task, NOW, coefficients=coefficients).breakdown)
    assert result == {
        "due": pytest.approx(6 * 0.2),
        "tag ci": 2.5,
        "repo infra": 1.5,
        "project": 1.0,
        "tags": 0.9,
    }
    with pytest.raises(ValueError, match=r"urgency\.colour: unknown"):
        UrgencyCoefficients().with_overrides({"colour": 1})
    with pytest.raises(ValueError, match="expected a number"):
        UrgencyCoefficients().with_overrides({"due": "high"})


@pytest.mark.taskwarrior
@pytest.mark.skipif(
    (shutil.which("task") is None or faketime_library() is None)
    and not os.environ.get("MHV_REQUIRE_TASKWARRIOR"),
    reason="needs the real `task` program and faketime (apt-get install taskwarrior faketime)",
)
def test_against_the_real_taskwarrior(tmp_path: Path) -> None:
    env = {**os.environ, "TASKDATA": str(tmp_path), "TASKRC": str(tmp_path / "rc")}
    (tmp_path / "rc").write_text(f"data.location={tmp_path}\nconfirmation=no\nverbose=nothing\n")

    def task(*args: str) -> str:
        # The same pinned day for every call, so `now-10d` and the urgency's age terms never drift.
        argv = ["task", *args]
        pinned = faked_env("2026-11-24 12:00:00", env)
        return subprocess.run(argv, env=pinned, check=True, capture_output=True, text=True).stdout

    task("add", "one", "entry:now-10d", "priority:H", "project:web", "+a", "+b", "due:now+3d")
    task("add", "two", "entry:now-400d", "priority:L", "depends:1")
    task("add", "three", "entry:now-40d", "due:now-2d", "scheduled:now-1d", "+next")
    task("3", "start")
    exported = json.loads(task("rc.json.array=on", "export"))

    def when(text: str | None) -> datetime | None:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if text else None

    now = max(when(t["modified"]) for t in exported)  # type: ignore[type-var]
    blocking = {d for t in exported for d in t.get("depends", [])}
    for t in exported:
        mine = UrgencyInput(
            when(t["entry"]),
            {"H": "high", "M": "medium", "L": "low"}.get(t.get("priority", "")),
            when(t.get("due")),
            status="in_progress" if "start" in t else "pending",
            tags=t.get("tags", []),
            repo=t.get("project"),
            scheduled=when(t.get("scheduled")),
        )
        score = urgency(mine, now, is_blocking=t["uuid"] in blocking, is_blocked=bool(t.get("depends"))).score  # type: ignore[arg-type]
        assert score == pytest.approx(t["urgency"], abs=2e-3), t["description"]
