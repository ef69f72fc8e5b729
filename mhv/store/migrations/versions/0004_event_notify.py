"""event notify: wake every mhv serve instance when an event is written (PostgreSQL)

Revision ID: 0004_event_notify
Revises: 0003_tag_index
Create Date: 2026-12-04

PostgreSQL: a statement-level trigger on ``event`` inserts sends ``NOTIFY mhv_events`` with the
highest new ``seq`` as the payload (one notification per INSERT statement, so a multi-row insert
sends one; all are delivered at commit, and the bus coalesces a burst into one read). Every writer — the CLI, the workspace, any
instance of the service — so wakes every instance's event bus (mhv/sync/bus.py), which then reads
the log after its last ``seq``. The payload is only a hint: the bus always reads the table.
SQLite has no NOTIFY: followers watch the database file (watchfiles); nothing changes there.
"""

from __future__ import annotations

from alembic import op

revision = "0004_event_notify"
down_revision = "0003_tag_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION mhv_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            top bigint;
        BEGIN
            SELECT max(seq) INTO top FROM new_events;
            IF top IS NOT NULL THEN
                PERFORM pg_notify('mhv_events', top::text);
            END IF;
            RETURN NULL;
        END;
        $$
        """
    )
    op.execute("DROP TRIGGER IF EXISTS event_notify ON event")
    op.execute(
        "CREATE TRIGGER event_notify AFTER INSERT ON event REFERENCING NEW TABLE AS new_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION mhv_event_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS event_notify ON event")
    op.execute("DROP FUNCTION IF EXISTS mhv_event_notify()")
