"""The migrations create exactly the tables the SQLModel models describe; versions cannot drift."""

from __future__ import annotations

import contextlib
from pathlib import Path


def test_revisions_constant_matches_alembic():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import mhv.store.db as db
    from mhv.store.schema import HEAD, REVISIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(db.__file__).with_name("migrations")))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == HEAD
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(REVISIONS)


def test_migrated_schema_matches_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from mhv.store import open_store
    from mhv.store.db import _sqlalchemy_url
    from mhv.store.models import include_object, metadata

    open_store(database_url).close()
    with contextlib.suppress(ImportError):
        import pgvector.sqlalchemy  # noqa: F401  (teaches SQLAlchemy the `vector` type of embedding.vec)
    engine = create_engine(_sqlalchemy_url(database_url))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_pragmas(tmp_path):
    from mhv.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.read() as conn:
        assert conn.scalar("PRAGMA journal_mode") == "wal"
        assert conn.scalar("PRAGMA foreign_keys") == 1
        assert conn.scalar("PRAGMA busy_timeout") == 30000


def _event_statuses(store) -> list[tuple[str, object, object, object, object]]:  # type: ignore[no-untyped-def]
    from mhv.store.db import Dialect

    with store.read() as conn:
        rows = conn.all("SELECT kind, before, after, before_status, after_status FROM event ORDER BY seq")
    out = []
    for r in rows:
        snap_b, snap_a = Dialect.json_out(r["before"]), Dialect.json_out(r["after"])
        out.append((r["kind"], (snap_b or {}).get("status"), (snap_a or {}).get("status"), r["before_status"],
                    r["after_status"]))  # fmt: skip
    return out


def test_event_status_columns_are_written_and_filled_by_the_migration(database_url, clock):
    """Every event keeps its snapshots' statuses in columns: written with the event, and filled from
    the JSON by migration 0008 for a database that had events before it (SQLite and PostgreSQL)."""
    from alembic import command
    from dateutil.tz import UTC as tz_utc
    from sqlalchemy import create_engine

    from mhv.store import open_store
    from mhv.store.db import _alembic_config, _sqlalchemy_url
    from mhv.tasks.service import TaskService

    store = open_store(database_url)
    svc = TaskService(store, clock=clock, tz=tz_utc, actor="test")
    a = svc.create({"title": "write the parser"})
    b = svc.create({"title": "ship it"})
    svc.add_dependency(b.number, a.number)
    svc.start(a.number)
    svc.complete(a.number)
    svc.cancel(b.number)
    svc.undo()
    written = _event_statuses(store)
    kinds = {k for k, *_ in written}
    assert {"task.created", "task.started", "task.completed", "task.cancelled"} <= kinds
    assert any(bs is None and as_ is None for *_, bs, as_ in written)  # a dependency event: no status
    assert all((jb, ja) == (bs, as_) for _, jb, ja, bs, as_ in written)
    assert ("task.started", "pending", "in_progress", "pending", "in_progress") in written
    store.close()

    engine = create_engine(_sqlalchemy_url(database_url))
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0007_wait_until")
    engine.dispose()
    store = open_store(database_url)  # migrates to head again: 0008 fills the columns from the JSON
    try:
        assert _event_statuses(store) == written
    finally:
        store.close()


def test_timelines_read_status_changes_from_their_partial_index(tmp_path):
    """The query insights fold timelines from never touches the event rows (SQLite's plan)."""
    from mhv.insights.history import STATUS_KINDS, status_events_sql
    from mhv.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with store.read() as conn:
            plan = conn.execute("EXPLAIN QUERY PLAN " + status_events_sql("sqlite"), STATUS_KINDS).fetchall()
    finally:
        store.close()
    details = " | ".join(str(tuple(r)[-1]) for r in plan)
    assert "COVERING INDEX ix_event_status_change" in details and "TEMP B-TREE" not in details, details
