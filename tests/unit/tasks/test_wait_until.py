"""`wait:` hides a task from the open lists until its day (the Waiting view lists it); `until:`
expires it once its day is over. Real store (SQLite and PostgreSQL), pinned clock."""

from __future__ import annotations

from datetime import UTC, datetime

from mhv.tasks.intents import understand
from mhv.tasks.models import TaskFilter

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the clock fixture: Tuesday 24 Nov 2026, 09:00 UTC


def _create(service, text: str):  # type: ignore[no-untyped-def]
    act = understand(text, now=NOW)
    return service.create(dict(act.fields))


def numbers(tasks) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(t.number for t in tasks)


def test_wait_hides_until_that_day_and_the_waiting_view_lists_it(service, clock) -> None:  # type: ignore[no-untyped-def]
    plain = _create(service, "plain task")
    later = _create(service, "renew cert wait:monday")
    assert later.wait == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # local midnight (the service's tz is UTC)
    assert later.to_json()["wait"] == "2026-11-30T00:00:00+00:00"
    assert numbers(service.list_tasks()) == [plain.number]
    assert numbers(service.list_tasks(TaskFilter(waiting=True))) == [later.number]
    assert numbers(service.list_tasks(TaskFilter(statuses=()))) == [plain.number, later.number]
    clock.advance(days=6)  # Monday 30 Nov 09:00: the wait is over
    assert numbers(service.list_tasks()) == [plain.number, later.number]
    assert service.list_tasks(TaskFilter(waiting=True)) == []


def test_until_expires_after_its_day(service, clock) -> None:  # type: ignore[no-untyped-def]
    promo = _create(service, "promo until:friday")
    assert promo.until == datetime(2026, 11, 27, 23, 59, 59, tzinfo=UTC)
    clock.advance(days=3, hours=14)  # Friday 23:00: still open
    assert numbers(service.list_tasks()) == [promo.number]
    clock.advance(hours=1)  # Saturday 00:00: expired
    assert service.list_tasks() == []
    assert numbers(service.list_tasks(TaskFilter(statuses=()))) == [promo.number]


def test_update_sets_and_clears_wait(service) -> None:  # type: ignore[no-untyped-def]
    task = _create(service, "write report")
    act = understand(f"edit #{task.number} wait:eow", now=NOW)
    assert act.fields == {"wait": datetime(2026, 11, 29).date()}
    changed = service.update(task.number, dict(act.fields))
    assert changed.wait == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert "waits until Sun 29 Nov" in act.describe(NOW)
    cleared = service.update(task.number, {"wait": None})
    assert cleared.wait is None


def test_lists_of_open_statuses_hide_waiting_tasks_too(service, clock) -> None:  # type: ignore[no-untyped-def]
    """The Next and Blocked views and `mhv next` name their statuses; a waiting task stays out of them."""
    plain = _create(service, "plain task")
    _create(service, "renew cert wait:monday")
    open_now = TaskFilter(statuses=("in_progress", "pending"))
    assert numbers(service.list_tasks(open_now)) == [plain.number]
    assert [r.task.number for r in service.ranked(open_now)] == [plain.number]
    assert service.count(open_now) == 1
    assert len(service.list_tasks(TaskFilter(statuses=("pending", "completed")))) == 2  # not an open list
    clock.advance(days=6)
    assert service.count(open_now) == 2
