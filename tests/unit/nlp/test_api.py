"""The contract others code against: `parse`, `Parse.to_json()`, `needs_confirmation`, settings."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone

import pytest

from mhv.nlp import Entity, Intent, Parse, ParseSettings, parse

NOW = datetime(2025, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def test_headline_example_json_shape() -> None:
    text = "fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41"
    out = parse(text, now=NOW, known_repos=["crackerjack"]).to_json()
    assert out == {
        "intent": "create",
        "confidence": 0.95,
        "title": "fix flaky auth test",
        "due_date": "2025-11-27",
        "due_time": "17:00",
        "priority": "critical",
        "tags": ["ci"],
        "repo": "crackerjack",
        "estimate_minutes": 120,
        "depends_on": [41],
        "entities": [
            {
                "kind": "repo",
                "text": "@crackerjack",
                "start": 20,
                "end": 32,
                "value": "crackerjack",
                "confidence": 0.97,
            },
            {
                "kind": "due",
                "text": "tomorrow 5pm",
                "start": 33,
                "end": 45,
                "value": "2025-11-27T17:00",
                "confidence": 0.96,
            },
            {
                "kind": "priority",
                "text": "p1",
                "start": 46,
                "end": 48,
                "value": "critical",
                "confidence": 0.95,
            },
            {"kind": "tag", "text": "#ci", "start": 49, "end": 52, "value": "ci", "confidence": 0.98},
            {"kind": "estimate", "text": "~2h", "start": 53, "end": 56, "value": 120, "confidence": 0.98},
            {
                "kind": "depends_on",
                "text": "after #41",
                "start": 57,
                "end": 66,
                "value": [41],
                "confidence": 0.95,
            },
        ],
    }
    json.dumps(out)


def test_fields_absent_when_not_found() -> None:
    out = parse("buy milk", now=NOW).to_json()
    assert out == {"intent": "create", "confidence": 0.95, "title": "buy milk", "entities": []}


def test_typed_fields() -> None:
    p = parse("review friday 3pm ~1h every monday start tomorrow blocks #7", now=NOW)
    assert p.due_date == date(2025, 11, 28)
    assert p.due_time == time(15, 0)
    assert p.scheduled_date == date(2025, 11, 27)
    assert p.estimate_minutes == 60
    assert p.recurrence == "FREQ=WEEKLY;BYDAY=MO"
    assert p.blocks == [7]
    assert all(isinstance(e, Entity) for e in p.entities)


def test_parse_is_frozen() -> None:
    p = parse("x", now=NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.title = "y"  # type: ignore[misc]


def test_intent_is_a_str_enum() -> None:
    p = parse("done #42", now=NOW)
    assert p.intent == Intent.COMPLETE == "complete"
    assert p.target == 42


def test_delete_always_needs_confirmation() -> None:
    p = parse("delete #42", now=NOW)
    assert p.confidence >= 0.9
    assert p.needs_confirmation


def test_low_confidence_needs_confirmation_and_threshold_is_configurable() -> None:
    p = parse("call bob at 5", now=NOW)
    assert p.confidence < 0.6 and p.needs_confirmation
    assert {
        "kind": "time",
        "text": "at 5",
        "reading": "05:00 in the morning",
        "value": "05:00",
        "start": 9,
        "end": 13,
    } in p.alternatives
    relaxed = parse("call bob at 5", now=NOW, settings=ParseSettings(confidence_threshold=0.5))
    assert not relaxed.needs_confirmation
    assert not parse("buy milk tomorrow", now=NOW).needs_confirmation


def test_next_friday_reports_the_other_reading() -> None:
    p = parse("demo next friday", now=NOW)
    assert p.due_date == date(2025, 12, 5)
    assert p.alternatives[0]["value"] == "2025-11-28"
    assert "needs_confirmation" not in p.to_json()


def test_two_dates_keep_the_explicit_one_and_ask() -> None:
    p = parse("move standup from monday due friday", now=NOW)
    assert p.due_date == date(2025, 11, 28)
    assert "monday" in p.title
    assert p.confidence <= 0.5
    assert any(a["kind"] == "due" and a["text"] == "monday" for a in p.alternatives)


def test_unknown_repository_is_kept_but_doubted() -> None:
    p = parse("fix @crackerjak", now=NOW, known_repos=["crackerjack"])
    assert p.repo == "crackerjak"
    assert p.confidence < 0.6
    assert p.alternatives[0]["value"] == "crackerjack"


def test_settings_validation() -> None:
    with pytest.raises(ValueError):
        ParseSettings(date_order="ymd")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ParseSettings(week_start=7)
    with pytest.raises(ValueError):
        ParseSettings(confidence_threshold=1.5)


def test_default_times_come_from_settings() -> None:
    cfg = ParseSettings(morning=time(8, 0), tonight=time(21, 30), evening=time(19, 0), noon=time(12, 30))
    assert parse("x tomorrow morning", now=NOW, settings=cfg).due_time == time(8, 0)
    assert parse("x tonight", now=NOW, settings=cfg).due_time == time(21, 30)
    assert parse("x friday evening", now=NOW, settings=cfg).due_time == time(19, 0)
    assert parse("x at noon", now=NOW, settings=cfg).due_time == time(12, 30)


def test_update_reports_changed_fields() -> None:
    assert parse("move #42 to friday 5pm", now=NOW).changes == ["due_date", "due_time"]
    assert parse("set 42 priority high #ci", now=NOW).changes == ["priority", "tags"]
    assert parse("rename 42 to better words", now=NOW).changes == ["title"]
    assert parse("untag 42 #ci", now=NOW).to_json()["remove_tags"] == ["ci"]


def test_list_query_and_filters() -> None:
    p = parse("show blocked tasks in crackerjack due this week", now=NOW, known_repos=["crackerjack"])
    out = p.to_json()
    assert (out["intent"], out["status"], out["repo"]) == ("list", "blocked", "crackerjack")
    assert (out["due_from"], out["due_to"]) == ("2025-11-24", "2025-11-30")
    assert "title" not in out and "query" not in out
    s = parse("find login timeout @mhv", now=NOW, known_repos=["mhv"])
    assert s.query == "login timeout" and s.repo == "mhv"


def test_naive_clock_is_read_as_local() -> None:
    assert parse("x tomorrow", now=datetime(2025, 11, 26, 10, 0)).due_date == date(2025, 11, 27)


def test_empty_and_blank_lines() -> None:
    for text in ("", "   ", "\t\n"):
        p = parse(text, now=NOW)
        assert p.intent == "create" and p.title == "" and p.confidence < 0.6


def test_parse_value_object_defaults() -> None:
    assert Parse().to_json() == {"intent": "create", "confidence": 1.0, "entities": []}


def test_importing_mhv_nlp_loads_only_the_standard_library() -> None:
    code = (
        "import sys; before = set(sys.modules); import mhv.nlp; "
        "new = sorted(m.split('.')[0] for m in set(sys.modules) - before); print(' '.join(new))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    third_party = {m for m in out if m not in sys.stdlib_module_names and m not in ("mhv", "_distutils_hack")}
    assert third_party == set(), third_party
    assert "textual" not in out and "rich" not in out and "dateutil" not in out
