"""The task service, run against SQLite and a real PostgreSQL (the same tests on both)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mhv.errors import ConflictError, CycleError, NotFoundError, NothingToUndoError, ValidationError
from mhv.tasks.models import TaskFilter


def kinds(service, ref):
    return [e.kind for e in service.history(ref)]


class TestCreate:
    def test_numbers_are_sequential_and_fields_stored(self, service, clock):
        a = service.create(
            {
                "title": "  fix   flaky auth test ",
                "priority": "p1",
                "tags": ["#CI", "ci", "perf/db"],
                "repo": "@crackerjack",
                "due": date(2026, 11, 27),
                "estimate_minutes": 120,
            }
        )
        b = service.create({"title": "second"})
        assert (a.number, b.number) == (1, 2)
        got = service.get("#1")
        assert got.title == "fix flaky auth test"
        assert got.priority == "critical"
        assert got.tags == ["ci", "perf/db"]
        assert got.repo == "crackerjack"
        assert got.due == datetime(2026, 11, 27, tzinfo=UTC) and got.due_all_day
        assert got.estimate_minutes == 120
        assert got.created_at == clock.now and got.status == "pending"
        assert kinds(service, 1) == ["task.created"]

    def test_get_by_uuid_prefix_and_mhv_ref(self, service):
        t = service.create({"title": "x"})
        assert service.get(t.id).number == 1
        assert service.get(t.id[:8]).number == 1
        assert service.get("mhv-1").id == t.id

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"title": ""}, "title"),
            ({"title": "x" * 201}, "201 characters"),
            ({"title": "x", "priority": "extreme"}, "priority"),
            ({"title": "x", "colour": "red"}, "unknown field 'colour'"),
            ({"title": "x", "due": "next blursday"}, "due"),
            ({"title": "x", "estimate_minutes": -5}, "estimate_minutes"),
            ({"title": "x", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
            ({"title": "x", "tags": ["has space"]}, "invalid tag"),
        ],
    )
    def test_bad_input_is_rejected_and_nothing_stored(self, service, data, message):
        service.create({"title": "keep me"})
        with pytest.raises(ValidationError) as info:
            service.create(data)
        assert message in str(info.value)
        assert info.value.hint
        assert [t.title for t in service.list_tasks(TaskFilter(statuses=()))] == ["keep me"]
        assert service.last_seq() == 1

    def test_unknown_field_suggests_nearest(self, service):
        with pytest.raises(ValidationError) as info:
            service.create({"title": "x", "prioirty": "high"})
        assert "did you mean 'priority'" in info.value.hint

    def test_unknown_task_number(self, service):
        with pytest.raises(NotFoundError) as info:
            service.get(42)
        assert info.value.code == "MHV-101" and "mhv tl" in info.value.hint


class TestList:
    def test_filters(self, service, clock):
        service.create(
            {
                "title": "auth bug",
                "repo": "api",
                "tags": ["bug"],
                "priority": "high",
                "due": date(2026, 11, 25),
            }
        )
        service.create({"title": "docs page", "repo": "site", "tags": ["docs"], "due": date(2026, 12, 20)})
        service.create(
            {"title": "auth docs", "repo": "api", "tags": ["docs", "bug"], "description": "login flow"}
        )
        done = service.create({"title": "old auth"})
        service.complete(done.number)

        def nums(**kw):
            return [t.number for t in service.list_tasks(TaskFilter(order="number", **kw))]

        assert nums() == [1, 2, 3]
        assert nums(statuses=()) == [1, 2, 3, 4]
        assert nums(statuses=("completed",)) == [4]
        assert nums(repo="api") == [1, 3]
        assert nums(tags=("bug",)) == [1, 3]
        assert nums(tags=("bug", "docs")) == [3]
        assert nums(priority="high") == [1]
        assert nums(due_before=datetime(2026, 12, 1, tzinfo=UTC)) == [1]
        assert nums(due_after=datetime(2026, 12, 1, tzinfo=UTC)) == [2]
        assert nums(text="AUTH") == [1, 3]
        assert nums(text="login") == [3]
        assert nums(limit=2) == [1, 2]
        assert service.count(TaskFilter(repo="api")) == 2

    def test_open_counts_match_filtered_counts(self, service):
        service.create({"title": "a", "repo": "api", "tags": ["bug", "ci"]})
        service.create({"title": "b", "repo": "api", "tags": ["bug"]})
        service.create({"title": "c", "repo": "site"})
        done = service.create({"title": "d", "repo": "site", "tags": ["ci"]})
        service.complete(done.number)
        by_repo, by_tag = service.open_counts()
        assert by_repo == {"api": 2, "site": 1}
        assert by_tag == {"bug": 2, "ci": 1}  # the completed task's tag is not counted
        for repo, n in by_repo.items():
            assert service.count(TaskFilter(repo=repo)) == n
        for tag, n in by_tag.items():
            assert service.count(TaskFilter(tags=(tag,))) == n

    def test_urgency_pages_follow_the_ranking(self, service):
        first = service.create({"title": "blocker", "priority": "low"})
        service.create({"title": "waits", "priority": "low", "depends_on": [first.number]})
        service.create({"title": "urgent", "priority": "critical"})
        service.create({"title": "plain", "priority": "medium"})
        ranked = [r.task.title for r in service.ranked(TaskFilter(statuses=("pending", "in_progress")))]
        paged = [t.title for off in (0, 2) for t in
                 service.list_tasks(TaskFilter(statuses=("pending", "in_progress"), order="urgency", limit=2, offset=off))]  # fmt: skip
        assert paged == ranked
        assert ranked[:2] == ["blocker", "urgent"]  # blocking (+8) and critical (+8.1) lead

    def test_default_order_puts_in_progress_then_priority(self, service):
        service.create({"title": "low", "priority": "low"})
        service.create({"title": "crit", "priority": "critical"})
        started = service.create({"title": "doing"})
        service.start(started.number)
        assert [t.title for t in service.list_tasks()] == ["doing", "crit", "low"]


class TestLifecycle:
    def test_start_stop_complete_cancel_delete(self, service, clock):
        t = service.create({"title": "t"})
        clock.advance(minutes=5)
        assert service.start(1).status == "in_progress"
        with pytest.raises(ConflictError):
            service.start(1)
        assert service.stop(1).status == "pending"
        clock.advance(minutes=5)
        done, nxt = service.complete(1)
        assert done.status == "completed" and done.completed_at == clock.now and nxt is None
        with pytest.raises(ConflictError):
            service.complete(1)
        service.update(1, {"status": "pending"})
        assert service.get(1).completed_at is None
        assert service.cancel(1).status == "cancelled"
        service.delete(t.id)
        with pytest.raises(NotFoundError):
            service.get(1)
        assert kinds(service, t.id)[-1] == "task.deleted"

    def test_numbers_never_reused_after_delete(self, service):
        service.create({"title": "a"})
        b = service.create({"title": "b"})
        service.delete(b.number)
        assert service.create({"title": "c"}).number == 3

    def test_update_fields_and_clearing(self, service):
        service.create({"title": "t", "due": date(2026, 12, 1), "repo": "x", "tags": ["a"]})
        t = service.update(
            1, {"title": "renamed", "due": None, "repo": None, "tags": ["b"], "priority": "low"}
        )
        assert (t.title, t.due, t.repo, t.tags, t.priority) == ("renamed", None, None, ["b"], "low")
        with pytest.raises(ValidationError):
            service.update(1, {"title": None})
        with pytest.raises(ValidationError):
            service.update(1, {"status": "blocked"})

    def test_recurring_task_spawns_next_occurrence(self, service, clock):
        service.create(
            {
                "title": "weekly audit",
                "recurrence": "FREQ=WEEKLY;BYDAY=MO",
                "due": datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
                "tags": ["security"],
            }
        )
        _done, nxt = service.complete(1)
        assert nxt is not None
        assert nxt.due == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        assert (nxt.title, nxt.tags, nxt.recurrence, nxt.status) == (
            "weekly audit",
            ["security"],
            "FREQ=WEEKLY;BYDAY=MO",
            "pending",
        )
        # one action: undo removes the next occurrence and reopens the first
        service.undo()
        assert service.get(1).status == "pending"
        with pytest.raises(NotFoundError):
            service.get(nxt.number)

    def test_monthly_rule_at_month_end(self, service):
        service.create({"title": "pay", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=-1", "due": date(2026, 1, 31)})
        _, nxt = service.complete(1)
        assert nxt.due == datetime(2026, 2, 28, tzinfo=UTC) and nxt.due_all_day


class TestDependencies:
    def test_blocked_is_derived(self, service):
        a = service.create({"title": "migrate"})
        b = service.create({"title": "deploy", "depends_on": [a.number]})
        assert b.status == "blocked"
        service.complete(a.number)
        assert service.get(b.number).status == "pending"
        assert "task.unblocked" in kinds(service, b.number)
        service.update(a.number, {"status": "pending"})
        assert service.get(b.number).status == "blocked"
        service.cancel(a.number)
        assert service.get(b.number).status == "pending"

    def test_started_task_returns_to_in_progress_when_unblocked(self, service):
        a = service.create({"title": "a"})
        b = service.create({"title": "b"})
        service.start(b.number)
        service.add_dependency(b.number, a.number)
        assert service.get(b.number).status == "blocked"
        service.complete(a.number)
        assert service.get(b.number).status == "in_progress"

    def test_self_dependency_rejected(self, service):
        service.create({"title": "a"})
        with pytest.raises(CycleError) as info:
            service.add_dependency(1, 1)
        assert "#1 -> #1" in str(info.value)

    @pytest.mark.parametrize("size", [2, 5])
    def test_cycle_rejected_and_named(self, service, size):
        for i in range(size):
            service.create({"title": f"t{i + 1}"})
        for i in range(1, size):
            service.add_dependency(i, i + 1)  # 1 waits for 2 waits for 3 ...
        seq = service.last_seq()
        with pytest.raises(CycleError) as info:
            service.add_dependency(size, 1)
        expected = " -> ".join(f"#{n}" for n in [size, *range(1, size + 1)])
        assert expected in info.value.message
        assert info.value.details["cycle"] == [size, *range(1, size + 1)]
        assert service.last_seq() == seq  # nothing written

    def test_related_links_do_not_block_or_cycle(self, service):
        service.create({"title": "a"})
        service.create({"title": "b"})
        service.add_dependency(1, 2, kind="related")
        service.add_dependency(2, 1, kind="related")
        assert service.get(1).status == "pending"
        assert [t.number for t, _ in service.links(1)["related"]] == [2, 2]

    def test_delete_blocker_repairs_chain(self, service):
        for name in ("a", "b", "c"):
            service.create({"title": name})
        service.add_dependency(1, 2)
        service.add_dependency(2, 3)
        service.delete(2)
        assert [t.number for t, _ in service.links(1)["blocked_by"]] == [3]
        assert service.get(1).status == "blocked"
        service.undo()
        assert [t.number for t, _ in service.links(1)["blocked_by"]] == [2]

    def test_remove_dependency(self, service):
        service.create({"title": "a"})
        service.create({"title": "b", "depends_on": [1]})
        service.remove_dependency(2, 1)
        assert service.get(2).status == "pending"
        with pytest.raises(NotFoundError):
            service.remove_dependency(2, 1)

    def test_links_in_json(self, service):
        service.create({"title": "a"})
        service.create({"title": "b", "depends_on": [1]})
        assert service.get(2, links=True).to_json()["depends_on"] == [1]
        assert service.get(1, links=True).to_json()["blocks"] == [2]


class TestUndoRedo:
    def test_undo_redo_stack(self, service):
        service.create({"title": "a"})
        service.update(1, {"title": "b"})
        service.update(1, {"title": "c"})
        assert service.undo().label == "update 1"
        assert service.get(1).title == "b"
        assert service.undo().label == "update 1"
        assert service.get(1).title == "a"
        assert service.redo().label == "update 1"
        assert service.get(1).title == "b"
        assert service.redo().label == "update 1"
        assert service.get(1).title == "c"
        with pytest.raises(NothingToUndoError):
            service.redo()

    def test_new_action_clears_redo(self, service):
        service.create({"title": "a"})
        service.update(1, {"title": "b"})
        service.undo()
        service.update(1, {"priority": "high"})
        with pytest.raises(NothingToUndoError):
            service.redo()

    def test_undo_create_and_delete(self, service):
        service.create({"title": "a", "tags": ["x"]})
        service.delete(1)
        service.undo()
        assert service.get(1).tags == ["x"]
        service.undo()
        with pytest.raises(NotFoundError):
            service.get(1)
        with pytest.raises(NothingToUndoError):
            service.undo()
        service.redo()
        assert service.get(1).title == "a"

    def test_undo_after_redo_after_undo(self, service):
        service.create({"title": "a"})
        service.update(1, {"title": "b"})
        service.undo()
        service.redo()
        service.undo()
        assert service.get(1).title == "a"

    def test_every_action_is_logged_with_its_txn(self, service):
        service.create({"title": "a"})
        service.create({"title": "b", "depends_on": [1]})
        events = service.events_since(0)
        assert [e.seq for e in events] == sorted(e.seq for e in events)
        assert len({e.txn for e in events}) == 2
        assert {e.actor for e in events} == {"test"}


class TestRepos:
    def test_add_list_remove(self, service):
        service.add_repo("crackerjack", "/src/crackerjack", "git@x:y.git", "main")
        with pytest.raises(ConflictError):
            service.add_repo("crackerjack")
        service.add_repo("crackerjack", "/elsewhere", replace=True)
        assert [(r.name, r.path) for r in service.list_repos()] == [("crackerjack", "/elsewhere")]
        service.create({"title": "t", "repo": "other"})
        assert service.repo_names() == ["crackerjack", "other"]
        service.remove_repo("crackerjack")
        service.undo()
        assert service.list_repos()[0].path == "/elsewhere"
        with pytest.raises(NotFoundError):
            service.remove_repo("nope")

    def test_tag_names(self, service):
        service.create({"title": "a", "tags": ["x", "y"]})
        service.create({"title": "b", "tags": ["y", "z"]})
        assert service.tag_names() == ["x", "y", "z"]
