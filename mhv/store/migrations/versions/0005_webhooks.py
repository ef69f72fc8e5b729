"""webhooks: what a delivery carried, so `mhv webhooks replay` can apply it again

Revision ID: 0005_webhooks
Revises: 0004_event_notify
Create Date: 2026-12-04

``webhook_delivery`` gains ``payload`` (the request body as received, verified), ``headers`` (the
forge's event headers, never its signature or token) and ``txn`` (the action that applied it, whose
events are the delivery's changes). The unique ``(provider, delivery_id)`` of the baseline is the
deduplication key; ``ix_webhook_delivery_received`` serves `mhv webhooks list` (newest first).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_webhooks"
down_revision = "0004_event_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("headers", json_type, nullable=True))
        batch_op.add_column(sa.Column("txn", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_webhook_delivery_received", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_received")
        batch_op.drop_column("txn")
        batch_op.drop_column("headers")
        batch_op.drop_column("payload")
