"""mhv.tasks.intents: plan a parse into an action; settings from whatever the config hands over."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mhv.errors import UsageError
from mhv.nlp import ParseSettings
from mhv.tasks.intents import QuickSettings, quick_settings, understand

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday


def test_settings_from_dict_object_and_nested_quick_add():
    qs = quick_settings({"date_order": "dmy", "week_start": "sunday", "default_priority": "high"})
    assert (qs.parse.date_order, qs.parse.week_start, qs.default_priority) == ("dmy", 6, "high")

    class Config:
        confidence_threshold = 0.8
        quick_add = {"repo": "mhv", "tags": "inbox"}

    qs = quick_settings(Config())
    assert (qs.threshold, qs.default_repo, qs.default_tags) == (0.8, "mhv", ("inbox",))
    assert quick_settings(ParseSettings(week_start=2)).parse.week_start == 2
    assert isinstance(quick_settings(None), QuickSettings)
    with pytest.raises(UsageError) as info:
        quick_settings({"date_order": "ymd"})
    assert info.value.code == "MHV-301"


def test_settings_change_the_plan():
    assert understand("pay 5/12", now=NOW).fields["title"] == "pay"
    assert understand("pay 5/12", now=NOW).fields["due"] == date(2027, 5, 12)
    assert understand("pay 5/12", now=NOW, settings={"date_order": "dmy"}).fields["due"] == date(2026, 12, 5)
    plain = understand("write notes", now=NOW, settings={"quick_add": {"priority": "low", "tags": ["inbox"]}})
    assert plain.fields == {"title": "write notes", "priority": "low", "tags": ["inbox"]}
    explicit = understand("write notes p1", now=NOW, settings={"default_priority": "low"})
    assert explicit.fields["priority"] == "critical"
    strict = understand("fix @nowhere", now=NOW, known_repos=["mhv"], settings={"confidence_threshold": 0.9})
    assert strict.needs_confirmation and strict.warnings == [
        "@nowhere is not a registered repository (mhv repo add nowhere PATH)"
    ]


def test_plan_per_intent():
    a = understand("fix auth fri 5pm after #41 blocks #43", now=NOW)
    assert a.kind == "create" and a.fields["due"] == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert (a.depends_on, a.blocks) == ([41], [43])
    assert a.describe(NOW) == "create “fix auth” · due Fri 27 Nov 17:00 · after #41 · blocks #43"
    u = understand("untag 42 #ci", now=NOW)
    assert (u.kind, u.target, u.remove_tags) == ("update", 42, ["ci"])
    assert understand("unblock 42", now=NOW).unblock is None
    assert understand("unblock #42 from #41", now=NOW).unblock == [41]
    d = understand("delete 42", now=NOW)
    assert d.kind == "delete" and d.needs_confirmation
    s = understand("show #42", now=NOW)
    assert s.kind == "show" and not s.writes and not s.needs_confirmation
    lst = understand("list blocked tasks in mhv", now=NOW, known_repos=["mhv"])
    assert lst.filter is not None and (lst.filter.statuses, lst.filter.repo) == (("blocked",), "mhv")
