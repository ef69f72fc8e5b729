"""search: FTS5 / tsvector full text and a pgvector column with an HNSW index

Revision ID: 0002_search
Revises: 0001_baseline
Create Date: 2026-11-24

SQLite: ``task_fts``, an FTS5 table over task title, description and tags with external content
(``content='task'``, keyed by the task's ``number``, which never changes), kept in sync by triggers,
porter stemming. PostgreSQL: ``task.search_tsv``, a stored generated ``tsvector`` (title and tags
weight A, description B) with a GIN index; and, when the ``vector`` extension is available,
``embedding.vec vector(384)`` with an HNSW index (m = 32, ef_construction = 200: at 100,000 rows
recall@10 0.97 with ``hnsw.ef_search = 200``, where m = 24 / 100 needed 400; docs/search.md). Without the extension the vectors stay in
the ``vector`` blob column and search scans them exactly with NumPy, as on SQLite. Both: a
covering index ``ix_task_repo_status_number`` for the repository filter search masks vectors with.

These objects are dialect-specific, so they are not in the SQLModel metadata; ``mhv.store.models.
include_object`` tells Alembic's autogenerate to ignore them. A later migration that rebuilds the
``task`` table on SQLite (batch mode) must re-create the triggers below.
"""

from __future__ import annotations

from alembic import op

revision = "0002_search"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
PG_VECTOR_DIM = 384

_FTS_COLUMNS = "title, description, tags"

SQLITE_UP = [
    "CREATE VIRTUAL TABLE task_fts USING fts5(title, description, tags, content='task', "
    "content_rowid='number', tokenize='porter unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER task_fts_ai AFTER INSERT ON task BEGIN
        INSERT INTO task_fts(rowid, {_FTS_COLUMNS}) VALUES (new.number, new.title, new.description, new.tags);
    END""",
    f"""CREATE TRIGGER task_fts_ad AFTER DELETE ON task BEGIN
        INSERT INTO task_fts(task_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.number, old.title, old.description, old.tags);
    END""",
    f"""CREATE TRIGGER task_fts_au AFTER UPDATE ON task
    WHEN old.title IS NOT new.title OR old.description IS NOT new.description
      OR old.tags IS NOT new.tags OR old.number IS NOT new.number
    BEGIN
        INSERT INTO task_fts(task_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.number, old.title, old.description, old.tags);
        INSERT INTO task_fts(rowid, {_FTS_COLUMNS}) VALUES (new.number, new.title, new.description, new.tags);
    END""",
    "INSERT INTO task_fts(task_fts) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS task_fts_au",
    "DROP TRIGGER IF EXISTS task_fts_ad",
    "DROP TRIGGER IF EXISTS task_fts_ai",
    "DROP TABLE IF EXISTS task_fts",
]

PG_UP = [
    "ALTER TABLE task ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(jsonb_to_tsvector('english'::regconfig, tags, '[\"string\"]'), 'A') || "
    "setweight(to_tsvector('english'::regconfig, description), 'B')) STORED",
    "CREATE INDEX ix_task_search_tsv ON task USING gin (search_tsv)",
]

PG_VECTOR_UP = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    f"ALTER TABLE embedding ADD COLUMN vec vector({PG_VECTOR_DIM})",
    "CREATE INDEX ix_embedding_vec_hnsw ON embedding USING hnsw (vec vector_cosine_ops) "
    f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})",
]


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index("ix_task_repo_status_number", "task", ["repo", "status", "number"], unique=False)
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        return
    for statement in PG_UP:
        op.execute(statement)
    available = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").scalar()
    if available:
        for statement in PG_VECTOR_UP:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_task_repo_status_number", table_name="task")
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
        return
    op.execute("DROP INDEX IF EXISTS ix_embedding_vec_hnsw")
    op.execute("ALTER TABLE embedding DROP COLUMN IF EXISTS vec")
    op.execute("DROP INDEX IF EXISTS ix_task_search_tsv")
    op.execute("ALTER TABLE task DROP COLUMN IF EXISTS search_tsv")
