"""Storage: SQLModel tables (the schema), Alembic migrations, and the plain-SQL runtime store."""

from mhv.store.db import Connection, Dialect, Store, open_store

__all__ = ["Connection", "Dialect", "Store", "open_store"]
