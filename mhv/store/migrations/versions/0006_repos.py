"""repos: what a quality-gate run needs beyond its command and exit code

Revision ID: 0006_repos
Revises: 0005_webhooks
Create Date: 2026-12-04

``gate_run`` gets the gate's name, the commit it judged (a passing run for the same commit is
reused by ``mhv td``), its duration, the coverage it reported and the reason of an override.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_repos"
down_revision = "0005_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gate_run") as batch:
        batch.add_column(sa.Column("name", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("commit_sha", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("coverage", sa.Float(), nullable=True))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_gate_run_task_name", "gate_run", ["task_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_gate_run_task_name", table_name="gate_run")
    with op.batch_alter_table("gate_run") as batch:
        for column in ("reason", "coverage", "duration_ms", "commit_sha", "name"):
            batch.drop_column(column)
