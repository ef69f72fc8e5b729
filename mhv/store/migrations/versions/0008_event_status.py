"""event status: the status before and after a change, in columns of their own

Revision ID: 0008_event_status
Revises: 0007_wait_until
Create Date: 2026-12-07

``event.before_status`` and ``event.after_status`` hold ``before.status`` and ``after.status`` of
the event's two snapshots (NULL when a snapshot is missing or has no status). Insights read every
status change of the log to rebuild each task's timeline (``mhv stats``, predictions); reading the
statuses out of the JSON meant parsing two ~700-byte documents per event (on SQLite 0.85-1.0 s of
CPU at 180,000 events). The event writer sets both columns; this migration fills them once for the
events already stored, with the same expressions the readers used. ``ix_event_status_change`` is a
partial index of the events whose status changed, covering what the timelines read, in ``seq``
order: they are read from it alone (0.42 -> 0.22 s of CPU at 180,000 status events, SQLite).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_event_status"
down_revision = "0007_wait_until"
branch_labels = None
depends_on = None

# As in mhv.store.models (a migration keeps its own copy: the models move on, this step does not).
STATUS_CHANGE = "before_status <> after_status"
STATUS_CHANGE_COLUMNS = ("seq", "task_id", "kind", "at", "before_status", "after_status")


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("before_status", sa.String(32), nullable=True))
        batch.add_column(sa.Column("after_status", sa.String(32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        before, after = "(before::jsonb ->> 'status')", "(after::jsonb ->> 'status')"
    else:
        before, after = "json_extract(before, '$.status')", "json_extract(after, '$.status')"
    op.execute(
        f"UPDATE event SET before_status = {before}, after_status = {after} "
        "WHERE before IS NOT NULL OR after IS NOT NULL"
    )
    op.create_index(
        "ix_event_status_change", "event", list(STATUS_CHANGE_COLUMNS),
        sqlite_where=sa.text(STATUS_CHANGE), postgresql_where=sa.text(STATUS_CHANGE),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_event_status_change", "event")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("after_status")
        batch.drop_column("before_status")
