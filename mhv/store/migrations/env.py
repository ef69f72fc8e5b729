"""Alembic environment: runs migrations on the connection mhv hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from mhv.store.models import include_object, metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run by hand with `alembic -x url=...`
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=metadata, render_as_batch=True, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, include_object=include_object
    )
    with context.begin_transaction():
        context.run_migrations()
