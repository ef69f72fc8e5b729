"""The bulk Taskwarrior import (mhv/tasks/interop/taskwarrior.py): more records than one multi-row
statement holds, on SQLite and PostgreSQL. What it writes is what one task at a time would have
written: rows, ``task.created`` snapshots, search index, links, derived statuses; one undo step;
visible to another process's store; a re-import updates instead of duplicating."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from mhv.store import open_store
from mhv.tasks.interop.taskwarrior import export_records, import_records
from mhv.tasks.models import STATUSES, TaskFilter
from mhv.tasks.rows import SELECT_TASK, task_from_row
from mhv.tasks.search.service import SearchService
from mhv.tasks.service import TaskService

N = 2_345  # three multi-row statements of tasks (1,000 a statement), two and a half of events


def uid(i: int) -> str:
    return str(uuid.UUID(int=i + 1, version=4))


def records(n: int = N) -> list[dict]:
    out = []
    for i in range(n):
        rec = {
            "uuid": uid(i),
            "description": f"fix flaky websocket test {i}" if i % 100 == 7 else f"review parser change {i}",
            "entry": f"202611{1 + i % 28:02d}T09{i % 60:02d}00Z",
            "modified": "20261124T120000Z",
            "status": "pending" if i % 10 else "completed",
            "project": "crackerjack" if i % 3 else "mahavishnu",
        }
        if i % 10 == 0:
            rec["end"] = "20261123T100000Z"
        if i % 4 == 0:
            rec["tags"] = ["ci", "Perf"] if i % 8 == 0 else ["bug"]
        if i % 5 == 0:
            rec["priority"] = "H"
        if i % 6 == 0:
            rec["due"] = "20261205T000000Z" if i % 12 == 0 else "20261205T170000Z"
        if i % 50 == 1:
            rec["depends"] = [uid(i - 1), uid(i + 1)]  # waits for a finished and an open task
        if i % 97 == 0:
            rec["annotations"] = [{"entry": "20261102T080000Z", "description": "naïve café note"}]
            rec["estimate"] = "PT1H30M"
            rec["myuda"] = {"nested": [1, 2.5, None]}
        out.append(rec)
    return out


def everything(service):
    return service.list_tasks(TaskFilter(statuses=STATUSES, order="number"))


def counts(service) -> tuple[int, int, int]:
    with service.store.read() as conn:
        return tuple(conn.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("task", "dependency", "event"))  # type: ignore[return-value]


def test_bulk_import_writes_what_one_at_a_time_would(service):
    summary = import_records(service, records())
    assert (summary.created, summary.updated, summary.skipped, summary.warnings) == (N, 0, [], [])
    tasks = everything(service)
    assert [t.number for t in tasks] == list(range(1, N + 1))  # in the export's order
    assert [t.id for t in tasks] == [uid(i) for i in range(N)]
    first, eighth = tasks[0], tasks[8]
    assert (first.status, first.priority, first.repo, first.tags) == (
        "completed",
        "high",
        "mahavishnu",
        ["ci", "perf"],
    )
    assert first.completed_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert first.due == datetime(2026, 12, 5, tzinfo=UTC) and first.due_all_day
    assert tasks[6].due == datetime(2026, 12, 5, 17, tzinfo=UTC) and not tasks[6].due_all_day
    assert eighth.metadata == {"taskwarrior": {"tags": ["ci", "Perf"], "priority": None}}
    assert tasks[97].metadata["annotations"][0]["description"] == "naïve café note"
    assert tasks[97].estimate_minutes == 90
    # links, and statuses derived from them: #2 waits for #1 (completed) and #3 (open)
    assert counts(service)[1] == 2 * len(range(1, N, 50))
    assert service.get(2, links=True).depends_on == [1, 3] and service.get(2).status == "blocked"
    # each task.created event holds the stored row's snapshot, exactly
    with service.store.read() as conn:
        rows = {r["id"]: task_from_row(r).snapshot() for r in conn.all(SELECT_TASK)}
        events = conn.all("SELECT task_id, kind, after, txn FROM event ORDER BY seq")
    created = [e for e in events if e["kind"] == "task.created"]
    assert len(created) == N and len({e["txn"] for e in events}) == 1
    d = service.store.dialect
    for e in created:
        after = d.json_out(e["after"])
        stored = rows[e["task_id"]]
        if stored["status"] == "blocked":  # derived after the insert, by its own task.blocked event
            stored = stored | {"status": "pending"}
        assert after == stored


def test_imported_tasks_are_found_by_text_search(service):
    import_records(service, records())
    search = SearchService(service)
    hits = search.search("flaky websocket", TaskFilter(statuses=STATUSES), mode="text", limit=50).hits
    assert sorted(h.task.number for h in hits) == [i + 1 for i in range(N) if i % 100 == 7]
    assert search.search("parser", mode="text", limit=5).hits  # stemmed, open tasks


def test_the_import_is_one_undo_step_that_removes_everything(service):
    service.create({"title": "before the import"})
    before = counts(service)
    import_records(service, records())
    result = service.undo()
    assert result.label == f"import {N} tasks from Taskwarrior"
    assert [t.title for t in everything(service)] == ["before the import"]
    assert counts(service)[:2] == before[:2]
    assert not SearchService(service).search("flaky websocket", mode="text").hits
    service.redo()  # and back, with the same numbers and links
    assert len(everything(service)) == N + 1 and service.get(3, links=True).depends_on == [2, 4]


def test_reimport_updates_instead_of_duplicating(service):
    recs = records()
    import_records(service, recs)
    again = import_records(service, recs)
    assert (again.created, again.updated, again.warnings) == (0, 0, [])
    recs[10] = recs[10] | {"description": "renamed in taskwarrior", "modified": "20261125T080000Z"}
    recs.append(
        {"uuid": uid(N), "description": "added later", "entry": "20261125T080000Z", "status": "pending"}
    )
    third = import_records(service, recs)
    assert (third.created, third.updated) == (1, 1)
    assert len(everything(service)) == N + 1
    assert service.get(uid(10)).title == "renamed in taskwarrior" and service.get(uid(N)).number == N + 1
    hits = SearchService(service).search("renamed", TaskFilter(statuses=STATUSES), mode="text").hits
    assert [h.task.number for h in hits] == [11]
    # blocked is derived: a re-import keeps it, and finishing the last blocker in Taskwarrior frees #2
    assert service.get(2).status == "blocked"
    recs[2] = recs[2] | {"status": "completed", "end": "20261125T090000Z"}
    fourth = import_records(service, recs)
    assert fourth.updated == 1 and service.get(2).status == "pending"


def test_other_processes_see_the_import(service, database_url):
    other = TaskService(open_store(database_url), actor="other", keep_graph=False)
    try:
        seq = other.last_seq()
        import_records(service, records())
        assert other.count(TaskFilter(statuses=STATUSES)) == N
        events = other.events_since(seq, limit=10 * N)
        assert sum(e.kind == "task.created" for e in events) == N
        assert events[-1].seq == other.last_seq()
    finally:
        other.store.close()


def test_export_gives_back_what_was_imported(service):
    recs = records()
    import_records(service, recs)
    out = {r["uuid"]: r for r in export_records(service)}
    for rec in recs:
        assert out[rec["uuid"]] == rec


def test_links_that_close_a_cycle_are_skipped_one_by_one(service):
    recs = [{"uuid": uid(i), "description": f"step {i}", "status": "pending"} for i in range(3)]
    recs[0]["depends"] = [uid(1)]
    recs[1]["depends"] = [uid(2), uid(99)]
    recs[2]["depends"] = [uid(0)]  # 0 -> 1 -> 2 -> 0
    summary = import_records(service, recs)
    assert summary.created == 3 and len(summary.warnings) == 2
    assert f"depends on unknown task {uid(99)}" in summary.warnings[0]
    assert "#3 -> #1 skipped" in summary.warnings[1] and "cycle" in summary.warnings[1]
    assert counts(service)[1] == 2
    assert [t.status for t in everything(service)] == ["blocked", "blocked", "pending"]


def test_a_service_holding_the_graph_follows_a_bulk_import(store, clock):
    from dateutil.tz import UTC as tz_utc

    from mhv.errors import CycleError

    service = TaskService(store, clock=clock, tz=tz_utc, actor="test", keep_graph=True)
    service.create({"title": "loads the graph"})
    with service.dependency_graph() as graph:
        assert len(graph) == 1
    import_records(service, records(300))
    with service.dependency_graph() as graph:  # followed as the events were written, not reloaded
        assert len(graph) == 301 and graph.has_edge(uid(1), uid(0)) and graph.has_edge(uid(1), uid(2))
    # record 1 (#3) waits for records 0 and 2 (#2, #4): #4 waiting for #3 would close a loop
    with pytest.raises(CycleError):
        service.add_dependency(4, 3)


def test_the_snapshot_text_is_what_the_store_encoder_writes(service):
    """`_NewRows` writes each ``task.created`` snapshot's JSON from a template: the same text as
    ``Dialect.json_in(snapshot)`` (key order, separators, escapes, dates, booleans, nested UDAs)."""
    from datetime import timedelta, timezone

    from mhv.tasks.interop.taskwarrior import _map, _NewRows

    now = datetime(2026, 11, 30, 8, 15, 30, 123456, tzinfo=UTC)
    d = service.store.dialect
    build = _NewRows(d, service.tz, now)
    bare = _NewRows(d, service.tz, now, snapshots=False)  # no graph to follow the events: no dicts
    recs = records(300)
    recs[5] |= {"description": 'quote " backslash \\ tab\t ünï ✓ \U0001f600', "recur": "weekly"}
    recs[6].pop("entry")  # created_at from the clock
    for n, rec in enumerate(recs, start=1):
        fields, _ = _map(rec)
        if n == 9:
            fields["due"] = datetime(2026, 12, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
        row, snap, text = build(rec["uuid"], n, fields)
        assert text == d.json_in(snap), rec
        assert len(row) == len(snap)
        assert bare(rec["uuid"], n, fields) == (row, None, text)


def schema(service) -> list[tuple[str, str, str]]:
    """SQLite: every index and trigger of the tables an import writes, with its SQL."""
    with service.store.read() as conn:
        return [
            (r["type"], r["name"], r["sql"])
            for r in conn.all(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                "AND tbl_name IN ('task', 'event') ORDER BY name"
            )
        ]


@contextmanager
def traced(service) -> Iterator[list[str]]:
    """The SQL statements the service's SQLite connection runs meanwhile."""
    statements: list[str] = []
    with service.store.read() as conn:
        conn.raw.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        with service.store.read() as conn:
            conn.raw.set_trace_callback(None)


def sqlite_only(service) -> None:
    if service.store.dialect.name != "sqlite":
        pytest.skip("the deferred indexes are SQLite's")


def test_an_import_into_an_empty_store_builds_the_indexes_after_the_rows(service):
    """More new tasks than stored ones (here: none): the secondary indexes and the search index's
    insert trigger are dropped for the rows and come back as they were; the search index holds what
    the trigger would have written (FTS5's integrity check compares it with the task table)."""
    sqlite_only(service)
    before = schema(service)
    assert any(name == "task_fts_ai" for _, name, _ in before) and any(
        name == "ix_task_due" for _, name, _ in before
    )
    with traced(service) as statements:
        import_records(service, records())
    assert any(s.startswith('DROP TRIGGER "task_fts_ai"') for s in statements)  # the fast path ran
    assert schema(service) == before
    with service.store.read() as conn:
        conn.execute("INSERT INTO task_fts(task_fts, rank) VALUES ('integrity-check', 1)")
        plan = " ".join(
            str(tuple(r)) for r in conn.all("EXPLAIN QUERY PLAN SELECT id FROM task WHERE due > '2026'")
        )
    assert "ix_task_due" in plan
    hits = SearchService(service).search(
        "flaky websocket", TaskFilter(statuses=STATUSES), mode="text", limit=50
    )
    assert len(hits.hits) == len([i for i in range(N) if i % 100 == 7])


def test_a_small_import_into_a_larger_store_keeps_its_indexes(service):
    sqlite_only(service)
    import_records(service, records())
    before = schema(service)
    with traced(service) as statements:
        more = [r | {"uuid": uid(N + i)} for i, r in enumerate(records(1_500))]
        assert import_records(service, more).created == 1_500
    assert not any(s.startswith("DROP") for s in statements)
    assert schema(service) == before
    with service.store.read() as conn:
        conn.execute("INSERT INTO task_fts(task_fts, rank) VALUES ('integrity-check', 1)")


def test_an_import_that_fails_with_its_indexes_dropped_leaves_the_store_as_it_was(service, monkeypatch):
    """The second statement of rows fails (as a full disk would): the error goes up, nothing was
    written, and the indexes and triggers are back (the transaction's rollback took the DDL back)."""
    import sqlite3

    from mhv.store.db import Connection

    sqlite_only(service)
    service.create({"title": "before the import"})
    before, kept = schema(service), counts(service)
    real = Connection.insert_rows
    calls = []

    def failing(self, table, columns, rows):
        calls.append(table)
        if table == "task":
            real(self, table, columns, rows[:1000])
            raise sqlite3.OperationalError("database or disk is full")
        real(self, table, columns, rows)

    monkeypatch.setattr(Connection, "insert_rows", failing)
    with traced(service) as statements, pytest.raises(sqlite3.OperationalError, match="disk is full"):
        import_records(service, records())
    assert any(s.startswith('DROP INDEX "ix_task_due"') for s in statements)
    monkeypatch.setattr(Connection, "insert_rows", real)
    assert calls == ["task"]
    assert schema(service) == before and counts(service) == kept
    assert [t.title for t in everything(service)] == ["before the import"]
    assert import_records(service, records()).created == N  # and a second try goes through
    assert schema(service) == before


def test_a_failure_caught_inside_the_transaction_gets_the_indexes_back(service):
    sqlite_only(service)
    before = schema(service)
    with service.store.write() as conn:
        with pytest.raises(RuntimeError), conn.indexes_deferred("task", ("task_fts_ai",)):
            assert not any(name == "ix_task_due" for _, name, _ in schema_in(conn))
            raise RuntimeError("stop")
        assert schema_in(conn) == before
    assert schema(service) == before


def schema_in(conn) -> list[tuple[str, str, str]]:
    return [
        (r["type"], r["name"], r["sql"])
        for r in conn.all(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name IN ('task', 'event') ORDER BY name"
        )
    ]


def test_the_columns_an_import_may_leave_out_default_to_null(service):
    """`_insert_new` leaves out the columns no new row fills: each must be nullable without a
    default, so that leaving it out stores NULL, as writing None does."""
    from mhv.tasks.interop.taskwarrior import _NULL_DEFAULT

    with service.store.read() as conn:
        if service.store.dialect.name == "sqlite":
            info = {
                r["name"]: (not r["notnull"], r["dflt_value"]) for r in conn.all("PRAGMA table_info(task)")
            }
        else:
            info = {
                r["column_name"]: (r["is_nullable"] == "YES", r["column_default"])
                for r in conn.all(
                    "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
                    "WHERE table_name = 'task'"
                )
            }
    assert {name: info[name] for name in _NULL_DEFAULT} == {name: (True, None) for name in _NULL_DEFAULT}


def test_a_project_is_stored_as_its_cleaned_repository_name_and_exported_as_it_was(service):
    """Taskwarrior's project '@foo' is mhv's repository 'foo' (what `@foo` on the quick-add line
    means), not '@foo'; the export gives Taskwarrior '@foo' back while the task stays in that repository."""
    recs = [
        {"uuid": uid(0), "description": "at sign", "status": "pending", "project": "@foo",
         "entry": "20261101T090000Z", "modified": "20261101T090000Z"},
        {"uuid": uid(1), "description": "padded", "status": "pending", "project": " foo ",
         "entry": "20261101T090000Z", "modified": "20261101T090000Z"},
        {"uuid": uid(2), "description": "only the sign", "status": "pending", "project": "@",
         "entry": "20261101T090000Z", "modified": "20261101T090000Z"},
        {"uuid": uid(3), "description": "plain", "status": "pending", "project": "foo",
         "entry": "20261101T090000Z", "modified": "20261101T090000Z"},
    ]  # fmt: skip
    assert import_records(service, recs).created == 4
    assert [(t.title, t.repo) for t in everything(service)] == [
        ("at sign", "foo"), ("padded", "foo"), ("only the sign", None), ("plain", "foo")]  # fmt: skip
    assert [t.number for t in service.list_tasks(TaskFilter(repo="foo", order="number"))] == [1, 2, 4]
    assert "project" not in service.get(4).metadata["taskwarrior"]  # a clean name keeps nothing aside
    out = {r["uuid"]: r for r in export_records(service)}
    for rec in recs:
        assert out[rec["uuid"]] == rec
    service.update(1, {"repo": "bar"})  # moved in mhv: Taskwarrior gets the new name, not the old '@foo'
    assert {r["uuid"]: r for r in export_records(service)}[uid(0)]["project"] == "bar"
