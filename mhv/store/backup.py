"""Backups of the database and restoring them (`mhv db backup FILE` / `mhv db restore FILE`).

SQLite: SQLite's online backup API copies every page in one step, inside one read transaction, so
the copy is the database as of one commit even while other processes keep writing (WAL readers never
block writers). The copy is written next to FILE and renamed into place, switched to a rollback
journal (one self-contained file) and checked with ``PRAGMA quick_check``. Restoring copies the file
into the live database through the same API (connections other processes hold stay valid), after
checking that it is an mhv database of a revision this mhv knows, and after saving what it replaces
as ``<db>.before-restore``.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --single-transaction``,
when those programs are on PATH (their major version must be at least the server's). The password
goes to them in ``PGPASSWORD``, never on the command line where ``ps`` shows it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mhv.errors import DatabaseNewerError, StorageError, ValidationError
from mhv.store.db import Store, _redact, _revision_in
from mhv.store.schema import HEAD, REVISIONS

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds (also what ``mhv db restore`` checks before it changes anything)."""

    file: Path
    revision: str
    tasks: int
    events: int
    last_seq: int
    size: int
    engine: str = "sqlite"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "engine": self.engine,
            "revision": self.revision,
            "tasks": self.tasks,
            "events": self.events,
            "last_seq": self.last_seq,
            "bytes": self.size,
        }


def _counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    tasks = conn.execute("SELECT count(*) FROM task").fetchone()[0]
    events, last = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM event").fetchone()
    return int(tasks), int(events), int(last)


def inspect_sqlite_backup(path: Path) -> BackupInfo:
    """Check that ``path`` is a sound mhv SQLite database of a known revision; read nothing else into
    the live store. Raises ValidationError (not a database / not mhv / damaged) or DatabaseNewerError."""
    if not path.is_file():
        raise ValidationError(f"{path} does not exist or is not a file", "give the file `mhv db backup` wrote")
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise ValidationError(
                f"{path} is not an SQLite database", "give the file `mhv db backup` wrote (on PostgreSQL: a pg_dump file)"
            )
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ValidationError(f"{path} is damaged ({check})", "use another backup; nothing was changed")
        try:
            from mhv.store.db import Connection

            revision = _revision_in(Connection(conn, "sqlite"), str(path))
        except StorageError as exc:
            raise ValidationError(exc.message, "give a file `mhv db backup` wrote; nothing was changed") from exc
        if revision is None:
            raise ValidationError(f"{path} holds no mhv schema (an empty database)", "nothing was changed")
        if revision not in REVISIONS:
            raise DatabaseNewerError(
                f"{path} was made by a newer mhv (schema {revision!r}; this mhv knows up to {HEAD!r})",
                "upgrade mhv first; nothing was changed",
            )
        tasks, events, last = _counts(conn)
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"{path} cannot be read as a database: {exc}", "use another backup") from exc
    finally:
        conn.close()
    return BackupInfo(path, revision, tasks, events, last, path.stat().st_size)


def backup_sqlite(store: Store, dest: Path) -> BackupInfo:
    """Copy the (opened) SQLite store to ``dest``: one consistent snapshot, written atomically."""
    assert store.path is not None
    dest = dest.expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(str(store.path), timeout=30.0)
    try:
        out = sqlite3.connect(str(tmp))
        try:
            src.backup(out)  # pages=-1: every page in one step, so one snapshot
            out.execute("PRAGMA journal_mode = DELETE")
            check = out.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            out.close()
    finally:
        src.close()
    if check != "ok":  # pragma: no cover - would mean the source itself is damaged
        tmp.unlink(missing_ok=True)
        raise StorageError(f"the copy failed its integrity check ({check})", "run `mhv db check`; the database is unchanged")
    os.replace(tmp, dest)
    return inspect_sqlite_backup(dest)


def restore_sqlite(store: Store, source: Path) -> tuple[BackupInfo, Path | None]:
    """Replace the SQLite store's content with ``source`` (checked first). Returns the backup's info
    and where the replaced database was saved (None when there was none)."""
    assert store.path is not None
    info = inspect_sqlite_backup(source)
    saved: Path | None = None
    if store.path.exists() and store.read_revision() is not None:
        saved = store.path.with_name(f"{store.path.name}.before-restore")
        backup_sqlite(store, saved)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(store.path), timeout=30.0)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return info, saved


def has_data(store: Store) -> bool:
    """Whether the store holds any task or event (what a restore would clobber)."""
    if store.read_revision() is None:
        return False
    with store.read() as conn:
        return bool(conn.scalar("SELECT 1 FROM task LIMIT 1") or conn.scalar("SELECT 1 FROM event LIMIT 1"))


# -- PostgreSQL ----------------------------------------------------------------------------------
def _pg_tool(name: str) -> str:
    """Where the PostgreSQL client program ``name`` (pg_dump, pg_restore) is."""
    program = shutil.which(name)
    if program is None:
        raise StorageError(
            f"{name} is not on PATH",
            "install the PostgreSQL client programs (Debian: postgresql-client), matching the server's major "
            "version or newer; docs/deploy.md shows the commands",
        )
    return program


def _pg_args(url: str) -> tuple[str, dict[str, str]]:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://"))
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}), env


def _run(argv: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(argv, env=env, capture_output=True, timeout=3600)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        raise StorageError(f"{what} failed: {err[-1] if err else done.returncode}", "the database was not changed")
    return done


def backup_postgres(store: Store, dest: Path) -> BackupInfo:
    program = _pg_tool("pg_dump")
    dsn, env = _pg_args(store.url)
    dest = dest.expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial")
    _run([program, "--format=custom", "--no-owner", "--file", str(tmp), "--dbname", dsn], env, "pg_dump")
    os.replace(tmp, dest)
    return inspect_postgres_backup(dest)


def inspect_postgres_backup(path: Path) -> BackupInfo:
    """Read the schema revision and the counts out of a pg_dump custom-format file, without restoring it."""
    program = _pg_tool("pg_restore")
    env = dict(os.environ)
    if not path.is_file():
        raise ValidationError(f"{path} does not exist or is not a file", "give the file `mhv db backup` wrote")
    with open(path, "rb") as fh:
        if fh.read(5) != b"PGDMP":
            raise ValidationError(f"{path} is not a pg_dump custom-format file", "make one with `mhv db backup FILE`")
    tables: dict[str, list[str]] = {}
    for table in ("alembic_version", "task", "event"):
        done = _run([program, "--data-only", "--table", table, "--file", "-", str(path)], env, "pg_restore")
        tables[table] = _copy_rows(done.stdout.decode())
    versions = tables["alembic_version"]
    if not versions:
        raise ValidationError(f"{path} holds no mhv schema version", "give a dump of an mhv database")
    revision = versions[0].split("\t")[0]
    if revision not in REVISIONS:
        raise DatabaseNewerError(f"{path} was made by a newer mhv (schema {revision!r})", "upgrade mhv first")
    seqs = [int(r.split("\t")[0]) for r in tables["event"] if r.split("\t")[0].isdigit()]
    return BackupInfo(path, revision, len(tables["task"]), len(seqs), max(seqs, default=0), path.stat().st_size,
                      engine="postgresql")  # fmt: skip


def _copy_rows(sql: str) -> list[str]:
    """The data lines of the ``COPY ... FROM stdin;`` blocks in pg_restore's SQL output."""
    rows: list[str] = []
    inside = False
    for line in sql.splitlines():
        if inside:
            if line == "\\.":
                inside = False
            else:
                rows.append(line)
        elif line.startswith("COPY ") and line.endswith("FROM stdin;"):
            inside = True
    return rows


def restore_postgres(store: Store, source: Path) -> BackupInfo:
    info = inspect_postgres_backup(source)
    program = _pg_tool("pg_restore")
    dsn, env = _pg_args(store.url)
    argv = [program, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", dsn, str(source)]
    _run(argv, env, f"pg_restore into {_redact(store.url)}")
    return info
