"""The runtime store: connections, transactions and dialect differences, in plain SQL.

Why plain SQL: a one-shot command must start fast. ``import sqlalchemy`` alone costs ~220 ms on our
machines, more than Taskwarrior needs to add a task, so the runtime uses the stdlib ``sqlite3`` module
(or psycopg 3 for PostgreSQL) and the SQLModel tables in :mod:`mhv.store.models` stay the source of
truth for the schema and its Alembic migrations. Alembic is imported only when a migration is due.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from mhv.errors import DatabaseCorruptError, DatabaseNewerError, MigrationDueError, StorageError
from mhv.store.schema import HEAD, REVISIONS

# Serialises writers on PostgreSQL so event ``seq`` order equals commit order and numbers stay unique.
PG_WRITE_LOCK = 7_342_001
# Held (per database: advisory locks are database-local) while the schema is migrated, so instances
# started together against one empty or old database migrate it once and the others wait, then see HEAD.
PG_MIGRATE_LOCK = 7_342_002


def _log() -> Any:
    """The store's logger, for the migration path only: ``logging`` is ~3 ms of a one-shot command."""
    import logging

    return logging.getLogger("mhv.store")


# ``json.dumps(value, separators=(",", ":"), default=str)``, the same text, from one encoder built
# once: ``dumps`` with options builds a ``JSONEncoder`` on every call (an import encodes 10,000s of
# event snapshots: 2.8 us each instead of 3.7).
_JSON_ENCODE = json.JSONEncoder(separators=(",", ":"), default=str).encode


@dataclass(frozen=True)
class Migration:
    """What :meth:`Store.open` did to the schema: ``applied`` False when it was current (or another
    process migrated it while this one waited for the lock: ``waited``)."""

    before: str | None
    after: str
    applied: bool
    waited: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"from": self.before, "to": self.after, "applied": self.applied, "waited": self.waited}


class Row(Protocol):
    def __getitem__(self, key: str | int) -> Any: ...

    def keys(self) -> Sequence[str]: ...


class Connection:
    """A thin, dialect-neutral wrapper: SQL is written with ``?`` placeholders."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect
        self._cache: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        if self.dialect == "sqlite":
            return sql
        out = self._cache.get(sql)
        if out is None:
            out = sql.replace("%", "%%").replace("?", "%s")
            self._cache[sql] = out
        return out

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if self.dialect == "sqlite":
            self.raw.executemany(sql, rows)
        else:
            with self.raw.cursor() as cur:
                cur.executemany(self._sql(sql), list(rows))

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``INSERT INTO table (columns) VALUES (...), (...), ...``: many rows per statement.

        Why not ``executemany``: on SQLite every execution is a statement of its own, and FTS5 writes
        its pending index data out at each statement's savepoint, so the ``task_fts`` trigger made
        each imported row cost a segment flush (10,000 tasks: 0.56 s of CPU, against 0.18 s for the
        same rows a thousand to a statement, triggers and indexes unchanged). On PostgreSQL the
        statement-level ``event_notify`` trigger likewise runs once a statement, not once a row."""
        if not rows:
            return
        width = len(columns)
        if self.dialect == "sqlite":
            limit = self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        else:
            limit = 65_535  # the protocol's bind-parameter count is 16 bits
        per = max(1, min(1000, limit // width))
        one = "(" + ", ".join("?" * width) + ")"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            flat = [value for row in chunk for value in row]
            self.execute(head + ", ".join([one] * len(chunk)), flat)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any | None:
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        if row is None:
            return None
        return row[0] if self.dialect == "sqlite" else next(iter(row.values()))


class Dialect:
    """Value conversions and the few SQL fragments that differ between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.name = name

    # -- values ------------------------------------------------------------------------------
    def dt_in(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        if self.name == "sqlite":
            return value.astimezone(UTC).isoformat(timespec="microseconds")
        return value

    @staticmethod
    def dt_out(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def json_in(self, value: Any) -> Any:
        return None if value is None else _JSON_ENCODE(value)

    @staticmethod
    def json_out(value: Any) -> Any:
        if value is None or not isinstance(value, str | bytes):
            return value
        if value == "[]" or value == "{}":  # most rows' tags and metadata: no parse (~5 us a row)
            return [] if value == "[]" else {}
        return json.loads(value)

    # -- fragments ---------------------------------------------------------------------------
    def has_tag(self, column: str = "tags") -> str:
        """A condition true when the JSON list ``column`` holds a tag; bind :meth:`tag_param`
        (one ``?``).

        SQLite: a substring test on the stored JSON text, no JSON parse per row (``json_each`` took
        ~5 us a row). Exact because :meth:`json_in` writes compact JSON with every quote inside a
        string escaped: once the opening ``[`` reads as ``,``, the text ``,"name"`` occurs only where an
        element ``"name"`` starts."""
        if self.name == "sqlite":
            return f"instr(',' || substr({column}, 2), ?) > 0"
        return f"{column} @> jsonb_build_array(?::text)"

    def tag_param(self, tag: str) -> str:
        """The value to bind to :meth:`has_tag` for ``tag``."""
        if self.name == "sqlite":
            return "," + json.dumps(tag)  # encoded as json_in stores it (ASCII escapes included)
        return tag

    def ilike(self) -> str:
        return "LIKE" if self.name == "sqlite" else "ILIKE"


class Store:
    """One database: SQLite file (default) or PostgreSQL (``postgresql://`` URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            self.dialect = Dialect("sqlite")
            self.path: Path | None = Path(url.removeprefix("sqlite:///"))
        elif url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            self.dialect = Dialect("postgresql")
            self.path = None
        else:
            raise StorageError(
                f"unsupported database URL {url!r}",
                "use sqlite:///PATH or postgresql://USER@HOST/DB in MHV_DATABASE_URL",
            )
        self._local = threading.local()
        self._pool: Any = None
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpoints = threading.Event()
        self.migration: Migration | None = None

    # -- opening -----------------------------------------------------------------------------
    def open(self, *, migrate: bool = True) -> Store:
        if self.dialect.name == "sqlite":
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
        revision = self._current_revision()
        if revision == HEAD:
            self.migration = Migration(revision, HEAD, applied=False)
            return self
        self._refuse_newer(revision)
        if not migrate:
            raise MigrationDueError(
                f"the database at {self._where()} is at schema {revision or '(empty)'}; this mhv needs {HEAD}",
                "run `mhv db upgrade` (any other mhv command migrates it too)",
            )
        self.migration = self._migrate(revision)
        return self

    def _refuse_newer(self, revision: str | None) -> None:
        if revision is not None and revision not in REVISIONS:
            raise DatabaseNewerError(
                f"the database at {self._where()} was made by a newer mhv (schema {revision!r}; "
                f"this mhv knows up to {HEAD!r})",
                "upgrade mhv (pip install -U mhv); the database was left untouched",
            )

    def _where(self) -> str:
        return str(self.path) if self.path is not None else _redact(self.url)

    def _current_revision(self) -> str | None:
        try:
            with self.read() as conn:
                return _revision_in(conn, self._where())
        except sqlite3.DatabaseError as exc:
            self.close()
            raise self._corrupt(exc) from exc
        except Exception as exc:
            if self.dialect.name == "sqlite" or not _is_pg_unreachable(exc):
                raise
            self.close()
            raise StorageError(
                f"cannot reach the database at {self._where()}: {str(exc).strip().splitlines()[0]}",
                "check MHV_DATABASE_URL, that the server is up and that PGPASSWORD (or the URL) is right",
            ) from exc

    def _corrupt(self, exc: Exception) -> DatabaseCorruptError:
        return DatabaseCorruptError(
            f"cannot read the database at {self._where()}: {exc}",
            "the file was not changed; restore it from a backup (the WAL file next to it may hold "
            "recent changes), or move it aside to start with an empty one",
        )

    def read_revision(self) -> str | None:
        """The schema revision (None: empty or no database yet), read without creating, migrating or
        writing anything (`mhv db check`; no :meth:`open` needed)."""
        if self.dialect.name != "sqlite":
            return self._current_revision()
        assert self.path is not None
        if not self.path.exists():
            return None
        try:
            raw = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
        except sqlite3.Error as exc:
            raise self._corrupt(exc) from exc
        try:
            return _revision_in(Connection(raw, "sqlite"), self._where())
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(exc) from exc
        finally:
            raw.close()

    def _migrate(self, revision: str | None) -> Migration:
        """Bring the schema to HEAD, once even when several processes open the database together.

        PostgreSQL: the whole upgrade is one transaction holding ``PG_MIGRATE_LOCK``; a process that
        finds the lock taken waits, then reads the revision again (READ COMMITTED: the next statement
        sees the winner's commit) and finds nothing to do. SQLite: the same with an exclusive
        ``flock`` on ``<db>.migrate-lock`` next to the file; the file is copied to
        ``<db>.before-<HEAD>`` first when it held an older schema."""
        if self.dialect.name == "sqlite":
            return self._migrate_sqlite()
        from alembic import command
        from sqlalchemy import create_engine

        engine = create_engine(_sqlalchemy_url(self.url))
        try:
            with engine.begin() as connection:

                def scalar(sql: str) -> Any:
                    return connection.exec_driver_sql(sql).scalar()

                waited = not scalar(f"SELECT pg_try_advisory_xact_lock({PG_MIGRATE_LOCK})")
                if waited:
                    _log().info("another process is migrating %s; waiting for it", self._where())
                    scalar(f"SELECT pg_advisory_xact_lock({PG_MIGRATE_LOCK})")
                found = None
                if scalar("SELECT to_regclass('alembic_version') IS NOT NULL"):
                    found = scalar("SELECT version_num FROM alembic_version")
                now = str(found) if found is not None else None
                if now == HEAD:
                    return Migration(now, HEAD, applied=False, waited=waited)
                self._refuse_newer(now)
                command.upgrade(_alembic_config(connection), "head")
                _log().info("migrated %s from %s to %s", self._where(), now or "(empty)", HEAD)
                return Migration(now, HEAD, applied=True, waited=waited)
        finally:
            engine.dispose()

    def _migrate_sqlite(self) -> Migration:
        assert self.path is not None
        with _file_lock(self.path.with_name(f"{self.path.name}.migrate-lock")) as waited:
            now = self._current_revision()
            if now == HEAD:
                return Migration(now, HEAD, applied=False, waited=waited)
            self._refuse_newer(now)
            if now is not None and self.path.exists():
                import shutil

                backup = self.path.with_name(f"{self.path.name}.before-{HEAD}")
                with self.read() as conn:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copy2(self.path, backup)
            from alembic import command
            from sqlalchemy import create_engine

            engine = create_engine(_sqlalchemy_url(self.url))
            try:
                with engine.begin() as connection:
                    command.upgrade(_alembic_config(connection), "head")
            finally:
                engine.dispose()
            return Migration(now, HEAD, applied=True, waited=waited)

    # -- connections ---------------------------------------------------------------------------
    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # A short busy timeout: RESTART waits for the writer lock and then for readers while
            # holding it, so a long wait would stall every writer (a 435 ms write was measured with
            # 30 s); when it cannot finish in 50 ms it gives up and the next round tries again.
            conn = sqlite3.connect(
                str(self.path), timeout=0.05, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            # WAL + NORMAL: a commit survives any process crash (SIGKILL included) and the file is never
            # corrupted; only an OS crash or power cut can drop the last commits. FULL would fsync on
            # every commit (~100+ ms on these disks), more than Taskwarrior's whole `task add`.
            conn.execute("PRAGMA synchronous = NORMAL")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            if self._checkpointer is not None:
                conn.execute("PRAGMA wal_autocheckpoint = 0")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _pg_pool(self) -> Any:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    try:
                        from psycopg.rows import dict_row
                        from psycopg_pool import ConnectionPool
                    except ImportError as exc:  # pragma: no cover - depends on the install
                        raise StorageError(
                            "PostgreSQL support is not installed",
                            "pip install 'mhv[postgres]'",
                        ) from exc
                    url = self.url.replace("postgresql+psycopg://", "postgresql://")
                    self._pool = ConnectionPool(
                        url,
                        min_size=1,
                        max_size=int(os.environ.get("MHV_PG_POOL_SIZE", "8")),
                        kwargs={"autocommit": True, "row_factory": dict_row},
                        open=True,
                        timeout=30,
                    )
        return self._pool

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (autocommit: each statement sees committed data)."""
        if self.dialect.name == "sqlite":
            yield Connection(self._sqlite(), "sqlite")
        else:
            with self._pg_pool().connection() as raw:
                yield Connection(raw, "postgresql")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction, all or nothing, holding the database's write lock from the start."""
        if self.dialect.name == "sqlite":
            raw = self._sqlite()
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield Connection(raw, "sqlite")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        else:
            with self._pg_pool().connection() as pg, pg.transaction():
                conn = Connection(pg, "postgresql")
                conn.execute("SELECT pg_advisory_xact_lock(?)", (PG_WRITE_LOCK,))
                yield conn

    def checkpoint_in_background(self, interval: float = 0.5, restart_frames: int = 10_000) -> None:
        """SQLite: move WAL checkpoints off the writers' path. By default the commit that pushes the
        WAL past 1,000 pages copies them into the database file, and that one commit takes 10-40 ms
        instead of 0.3 ms (the p99 of a long-lived writer). A daemon thread with its own connection
        checkpoints instead (PASSIVE: it never blocks readers or writers). For long-lived processes
        (the TUI, the sync service); one-shot commands keep SQLite's default."""
        if self.dialect.name != "sqlite" or self._checkpointer is not None:
            return
        self._stop_checkpoints.clear()
        for conn in self._connections:
            conn.execute("PRAGMA wal_autocheckpoint = 0")

        def run() -> None:
            # A short busy timeout: RESTART waits for the writer lock and then for readers while
            # holding it, so a long wait would stall every writer (a 435 ms write was measured with
            # 30 s); when it cannot finish in 50 ms it gives up and the next round tries again.
            conn = sqlite3.connect(
                str(self.path), timeout=0.05, isolation_level=None, check_same_thread=False
            )
            try:
                while not self._stop_checkpoints.wait(interval):
                    with suppress(sqlite3.Error):
                        _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                        if frames >= restart_frames and copied >= frames:
                            # Under steady writes a passive checkpoint is never complete when the next
                            # write starts, so SQLite never starts the WAL over: it grew to 900 MB in
                            # the deep graph bench and every page read looked through more of it (a
                            # task completion went 0.43 -> 0.67 ms). RESTART waits for the writer in
                            # progress, copies the few frames written since, and lets the next
                            # writer start at the beginning of the WAL.
                            conn.execute("PRAGMA wal_checkpoint(RESTART)")
                with suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()

        self._checkpointer = threading.Thread(target=run, name="mhv-wal-checkpoint", daemon=True)
        self._checkpointer.start()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._stop_checkpoints.set()
            self._checkpointer.join(timeout=5)
            self._checkpointer = None
        with self._lock:
            for conn in self._connections:
                with suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _is_pg_unreachable(exc: Exception) -> bool:
    """A connection failure (no server, bad credentials, pool timeout), not a bug in a query."""
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - depends on the install
        return False
    return isinstance(exc, PoolTimeout | psycopg.OperationalError)


def _revision_in(conn: Connection, where: str) -> str | None:
    if conn.dialect == "sqlite":
        tables = {r[0] for r in conn.all("SELECT name FROM sqlite_master WHERE type='table'")}
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        tables = {r["tablename"] for r in conn.all(sql)}
    if "alembic_version" not in tables:
        if tables - {"sqlite_sequence"}:
            raise StorageError(
                f"{where} is not an mhv database (it has tables but no schema version)",
                "point MHV_HOME or MHV_DATABASE_URL at an mhv database or an empty one",
            )
        return None
    value = conn.scalar("SELECT version_num FROM alembic_version")
    return str(value) if value is not None else None


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    """An exclusive ``flock`` on ``path`` (created if missing); yields whether it had to wait."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-process lock; SQLite's own lock remains
        yield False
        return
    with open(path, "a+b") as fh:
        waited = False
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waited = True
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield waited
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    return url


def _redact(url: str) -> str:
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and migrate if needed) the store at ``url``, ``MHV_DATABASE_URL`` or the default file."""
    if url is None:
        from mhv.paths import database_url

        url = database_url()
    return Store(url).open(migrate=migrate)
