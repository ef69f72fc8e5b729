"""The Taskwarrior import into an empty store reads, maps and builds each thousand records in a
second thread while the first writes the thousand before (`_into_empty`, `ahead_in_thread`). What it
writes is what the record-by-record path (`_mapped` + `_upsert`) writes for the same records; a
failure on either side leaves the store as it was, with the thread joined."""

from __future__ import annotations

import sys
import threading

import pytest

from mhv.store import open_store
from mhv.tasks.interop import taskwarrior as tw
from mhv.tasks.interop.taskwarrior import ahead_in_thread, import_records
from mhv.tasks.models import STATUSES, ImportSummary, TaskFilter
from mhv.tasks.service import TaskService
from tests.unit.tasks.test_tw_bulk_import import counts, records, schema, sqlite_only, traced, uid

N = 2_600


def with_bad_ones() -> list[dict]:
    """``records(N)`` with bad records among them: a malformed uuid, an empty description, an
    unknown status, an upper-case uuid (read as its lower case), a link to an unknown task, a loop."""
    recs = records(N)
    recs[3] = {"uuid": "not-a-uuid", "description": "bad uuid"}
    recs[1200] = recs[1200] | {"description": "   "}
    recs[1999] = recs[1999] | {"status": "exploded"}
    recs[2001] = recs[2001] | {"uuid": uid(2001).upper()}
    recs[2500] = recs[2500] | {"depends": [uid(10_000)]}
    recs[2598] = recs[2598] | {"depends": [uid(2599)]}
    recs[2599] = recs[2599] | {"depends": [uid(2598)]}  # a loop: one of the two links is skipped
    return recs


def dump(service) -> dict[str, list]:
    with service.store.read() as conn:
        return {
            "task": [tuple(r) for r in conn.all("SELECT * FROM task ORDER BY number")],
            "event": [
                tuple(r)
                for r in conn.all(
                    "SELECT task_id, kind, before, after, before_status, after_status FROM event ORDER BY seq"
                )
            ],
            "dependency": [
                tuple(r)
                for r in conn.all("SELECT task_id, depends_on_id, kind FROM dependency ORDER BY 1, 2")
            ],
            "fts": [tuple(r) for r in conn.all("SELECT rowid, title, tags FROM task_fts ORDER BY rowid")]
            if service.store.dialect.name == "sqlite"
            else [],
            "next": [conn.scalar("SELECT value FROM meta WHERE key = 'next_number'")],
            "txn": [tuple(r) for r in conn.all("SELECT kind, undone, label FROM txn")],
        }


def record_by_record(service, recs) -> ImportSummary:
    """The other path, as a non-empty store or a repeated uuid takes it."""
    summary = ImportSummary()
    with service.bulk("import from Taskwarrior") as act:
        mapped = tw._mapped(recs, summary)
        tw._upsert(service, act, mapped, summary)
        act.label = f"import {len(mapped)} tasks from Taskwarrior"
    return summary


def test_the_import_ahead_writes_what_the_record_by_record_path_writes(
    service, database_url, tmp_path, clock
):
    sqlite_only(service)  # (the second database is made as a SQLite file)
    other = TaskService(
        open_store(f"sqlite:///{tmp_path / 'other.db'}"), clock=clock, tz=service.tz, actor="test"
    )
    try:
        with traced(service) as statements:
            ahead = import_records(service, with_bad_ones())
        assert any(s.startswith('DROP TRIGGER "task_fts_ai"') for s in statements)
        plain = record_by_record(other, with_bad_ones())
        assert ahead == plain
        assert ahead.created == N - 3
        assert [what for what, _ in ahead.skipped] == [
            "item 4 ('bad uuid')",
            "item 1201 ('   ')",
            f"item 2000 ({'review parser change 1999'!r})",
        ]
        assert [why for _, why in ahead.skipped][1:] == ["empty description", "unknown status 'exploded'"]
        assert ahead.warnings[:2] == [  # record 1201 waits for the skipped record 1200 (0-based)
            f"task {uid(1201)} depends on unknown task {uid(1200)}; dependency skipped",
            f"task {uid(2500)} depends on unknown task {uid(10_000)}; dependency skipped",
        ]
        assert len(ahead.warnings) == 3 and ahead.warnings[2].startswith(
            f"dependency #{N - 3} -> #{N - 4} skipped: MHV-104"
        )
        assert dump(service) == dump(other)
    finally:
        other.store.close()
    # the numbers skipped records were given are taken back: the next task follows the last import
    assert [t.number for t in service.list_tasks(TaskFilter(statuses=STATUSES, order="number"))] == list(
        range(1, N - 2)
    )
    assert service.create({"title": "after the import"}).number == N - 2
    # the upper-case uuid, stored as its lower case; three records before it were skipped
    assert service.get(uid(2001)).number == 2002 - 3
    result = service.undo()  # undo takes the newest action: the task created after the import
    assert result.label != f"import {N - 3} tasks from Taskwarrior"
    assert service.undo().label == f"import {N - 3} tasks from Taskwarrior"
    assert counts(service) == (0, 0, counts(service)[2])


def test_a_repeated_uuid_or_a_stored_task_takes_the_record_by_record_path(service, monkeypatch):
    ahead = []
    real = tw._into_empty
    monkeypatch.setattr(tw, "_into_empty", lambda *a: ahead.append(1) or real(*a))
    twice = [*records(N), records(N)[5] | {"description": "the later record"}]
    summary = import_records(service, twice)
    assert not ahead and summary.created == N and "appears twice" in summary.warnings[0]
    assert service.get(uid(5)).title == "the later record"
    more = [r | {"uuid": uid(N + i)} for i, r in enumerate(records(N))]
    assert import_records(service, more).created == N and not ahead  # the store holds tasks now


def test_a_service_holding_the_graph_follows_an_import_into_an_empty_store(store, clock):
    from dateutil.tz import UTC as tz_utc

    service = TaskService(store, clock=clock, tz=tz_utc, actor="test", keep_graph=True)
    with service.dependency_graph() as graph:
        assert len(graph) == 0
    import_records(service, records(N))
    with service.dependency_graph() as graph:
        assert len(graph) == N and graph.has_edge(uid(1), uid(0)) and graph.has_edge(uid(2551), uid(2552))
    assert service.get(2).status == "blocked"


def alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "mhv-import-rows"]


def test_a_failure_while_building_leaves_the_store_as_it_was(service, monkeypatch):
    sqlite = service.store.dialect.name == "sqlite"
    before = schema(service) if sqlite else None
    real = tw._NewRows.__call__
    built = []

    def failing(self, uid, number, fields):
        built.append(number)
        if len(built) == 1_500:
            raise RuntimeError("out of memory, say")
        return real(self, uid, number, fields)

    monkeypatch.setattr(tw._NewRows, "__call__", failing)
    interval = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="out of memory"):
        import_records(service, records(N))
    assert counts(service) == (0, 0, 0) and not alive() and sys.getswitchinterval() == interval
    if sqlite:
        assert schema(service) == before
    monkeypatch.setattr(tw._NewRows, "__call__", real)
    assert import_records(service, records(N)).created == N  # and a second try goes through
    assert service.get(uid(0)).number == 1


def test_a_failure_while_writing_stops_the_builder_and_keeps_nothing(service, monkeypatch):
    import sqlite3

    real = tw._task_rows
    calls = []

    def failing(conn, rows, filled):
        calls.append(len(rows))
        if len(calls) == 2:
            raise sqlite3.OperationalError("database or disk is full")
        real(conn, rows, filled)

    monkeypatch.setattr(tw, "_task_rows", failing)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        import_records(service, records(N))
    assert calls == [200, 1_000] and not alive()  # a first fifth, then a thousand at a time
    assert counts(service) == (0, 0, 0)
    assert service.create({"title": "after the failed import"}).number == 1


def test_ahead_in_thread_keeps_order_and_raises_where_the_producer_failed():
    assert list(ahead_in_thread(iter(range(5_000)))) == list(range(5_000))

    def failing():
        yield 1
        yield 2
        raise ValueError("record 3 is bad")

    got = []
    with pytest.raises(ValueError, match="record 3"):
        for item in ahead_in_thread(failing()):
            got.append(item)
    assert got == [1, 2] and not alive()


def test_ahead_in_thread_stops_the_producer_when_the_caller_stops():
    made = []

    def slow():
        for i in range(1_000):
            made.append(i)
            yield i
            if i == 2:  # the caller closes meanwhile
                threading.Event().wait(1)

    items = ahead_in_thread(slow())
    assert next(items) == 0
    items.close()  # the caller stops early (a break, an error): the thread is joined
    assert not alive() and made == [0, 1, 2, 3]  # the item it was making, and no more
