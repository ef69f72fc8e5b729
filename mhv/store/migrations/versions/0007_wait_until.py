"""wait and until: Taskwarrior's hide-until and expire-at dates on a task

Revision ID: 0007_wait_until
Revises: 0006_repos
Create Date: 2026-12-04

``task.wait``: the task stays out of the open lists until then (``mhv tl --waiting`` shows them);
``task.until``: once it has passed the task has expired and leaves the open lists too. Both are
nullable timestamps with time zone; existing tasks get neither. Quick-add reads them from
``wait:DATE`` / ``until:DATE``; the Taskwarrior import maps its ``wait`` / ``until`` onto them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_wait_until"
down_revision = "0006_repos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("wait", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("until")
        batch.drop_column("wait")
