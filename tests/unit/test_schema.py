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
