"""tag index: a GIN index on task.tags for PostgreSQL

Revision ID: 0003_tag_index
Revises: 0002_search
Create Date: 2026-11-24

PostgreSQL: ``ix_task_tags_gin``, GIN with ``jsonb_path_ops`` on ``task.tags``, which answers the
tag filter (``tags @> '["bug"]'``) without reading every task: search lists a tag's tasks to scan
them exactly, as it does a repository's, and the sidebar and ``mhv tl --tag`` count them.
SQLite has no index for a JSON list; its tag test is a substring test on the stored text
(``Dialect.tag_condition``), and this revision changes nothing there.
"""

from __future__ import annotations

from alembic import op

revision = "0003_tag_index"
down_revision = "0002_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_task_tags_gin ON task USING gin (tags jsonb_path_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_task_tags_gin")
