"""`mhv db check|upgrade|backup|restore` with real processes, real SQLite and the real PostgreSQL fixture:
instances racing to migrate one fresh database migrate it once; backups taken while another process
writes are consistent and restore every task and event."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mhv.store.schema import HEAD, REVISIONS

ROOT = Path(__file__).resolve().parents[2]


def mhv(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mhv", *args], capture_output=True, text=True, input=stdin,
                          env=env or os.environ.copy(), timeout=120, cwd=ROOT)  # fmt: skip


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- migrations under a lock ------------------------------------------------------------------------
RACER = textwrap.dedent(
    """
    import json, os, sys, time
    import alembic.command, sqlalchemy  # imported before the start line: every racer migrates at once
    from mhv.store.db import Store
    go = sys.argv[2]
    while not os.path.exists(go):
        time.sleep(0.0005)
    store = Store(sys.argv[1]).open()
    print(json.dumps(store.migration.to_json()))
    store.close()
    """
)


def test_racing_processes_migrate_once(database_url, tmp_path):
    """Four processes open one empty database together: exactly one migrates, the others wait for its
    lock and then find the schema current; all succeed. Without the lock this race fails (two
    transactions creating the same tables: "table alembic_version already exists" on SQLite, a
    duplicate key in PostgreSQL's catalog). So that the race happens whatever the machine's load, the
    test holds the migration lock itself until all four are queued on it, then lets them go."""
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", RACER, database_url, str(go)]
    racers = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    with _migration_lock_held(database_url) as waiters:
        go.touch()
        deadline = time.monotonic() + 60
        while waiters() < len(racers) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert waiters() == len(racers), "the racers never queued on the migration lock"
    results = []
    for proc in racers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    applied = [r for r in results if r["applied"]]
    assert len(applied) == 1, results
    assert applied[0] == {"from": None, "to": HEAD, "applied": True, "waited": True}
    assert all(r["waited"] for r in results), results
    assert all(r["to"] == HEAD for r in results)
    if database_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(database_url) as conn:
            # Every table of the schema was created by one transaction (one creating xid in pg_class).
            xids = conn.execute(
                "SELECT DISTINCT xmin::text FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                "'public'::regnamespace AND relname IN ('task', 'event', 'alembic_version', 'txn', 'meta')"
            ).fetchall()
            assert len(xids) == 1
            assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


@contextlib.contextmanager
def _migration_lock_held(url: str) -> Iterator[Callable[[], int]]:
    """Hold the lock the store migrates under; yield a count of the processes waiting for it."""
    from mhv.store.db import PG_MIGRATE_LOCK

    if url.startswith("sqlite"):
        import fcntl

        db = Path(url.removeprefix("sqlite:///"))
        db.parent.mkdir(parents=True, exist_ok=True)
        lock = db.with_name(f"{db.name}.migrate-lock")
        with open(lock, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            inode = f":{os.fstat(fh.fileno()).st_ino} "

            def waiting() -> int:  # blocked flock requests show as "N: -> FLOCK ..." lines
                lines = Path("/proc/locks").read_text().splitlines()
                return sum(1 for line in lines if "->" in line and inode in line)

            try:
                yield waiting
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (PG_MIGRATE_LOCK,))
        sql = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
               "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")  # fmt: skip
        try:
            yield lambda: int(conn.execute(sql).fetchone()[0])
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (PG_MIGRATE_LOCK,))


def _env(url: str) -> dict[str, str]:
    env = os.environ.copy()
    env["MHV_DATABASE_URL"] = url
    return env


def test_check_and_upgrade(database_url):
    env = _env(database_url)
    sqlite_file = Path(database_url.removeprefix("sqlite:///")) if database_url.startswith("sqlite") else None

    due = mhv("db", "check", env=env)
    assert due.returncode == 9, due.stderr
    assert "MHV-004" in due.stderr and "mhv db upgrade" in due.stderr and "nothing was changed" in due.stderr
    if sqlite_file is not None:
        assert not sqlite_file.exists()  # check created nothing

    up = mhv("db", "upgrade", "--json", env=env)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout) | {"database": None} == {
        "database": None, "from": None, "to": HEAD, "applied": True, "waited": False,
    }  # fmt: skip
    again = mhv("db", "upgrade", "--json", env=env)
    assert json.loads(again.stdout)["applied"] is False

    ok = mhv("db", "check", "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["status"] == "current"


def _set_revision(url: str, revision: str) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        with conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))


def test_check_reports_due_and_newer_without_touching(database_url):
    env = _env(database_url)
    assert mhv("db", "upgrade", env=env).returncode == 0
    assert mhv("tc", "keep me", env=env).returncode == 0
    _set_revision(database_url, REVISIONS[0])
    sqlite_file = Path(database_url.removeprefix("sqlite:///")) if database_url.startswith("sqlite") else None
    before = digest(sqlite_file) if sqlite_file else None

    due = mhv("db", "check", "--json", env=env)
    assert due.returncode == 9
    assert json.loads(due.stderr)["details"]["pending"] == list(REVISIONS[1:])

    _set_revision(database_url, "9999_from_the_future")
    before = digest(sqlite_file) if sqlite_file else None
    newer = mhv("db", "check", env=env)
    assert newer.returncode == 6
    assert "MHV-002" in newer.stderr and "newer than this mhv" in newer.stderr
    refused = mhv("db", "upgrade", env=env)
    assert refused.returncode == 6 and "MHV-002" in refused.stderr
    if sqlite_file is not None:
        assert digest(sqlite_file) == before


# -- backup and restore (SQLite) ----------------------------------------------------------------------
WRITER = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime, timedelta
    from mhv.store import open_store
    from mhv.tasks.service import TaskService
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    tick = [0]
    def clock():
        tick[0] += 1
        return start + timedelta(seconds=tick[0])
    svc = TaskService(open_store(), clock=clock, tz=UTC, actor="writer", keep_graph=False)
    stop = sys.argv[1]
    n = 0
    previous = None
    while not os.path.exists(stop) and n < 20000:
        task = svc.create({"title": f"written while backing up {n}", "tags": [f"t{n % 5}"]})
        if previous is not None and n % 3 == 0:
            svc.update(task.number, {}, depends_on=[previous])  # a second transaction with two rows
        previous = task.number
        n += 1
        if n == 50:
            print("warm", flush=True)
    svc.store.close()
    print(n, flush=True)
    """
)


def _consistent(path: Path) -> tuple[int, int]:
    """Check a backup is one commit's state: contiguous seq, each task's creation event, each
    dependency's event, each txn's events. Returns (tasks, last seq)."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        tasks = conn.execute("SELECT count(*) FROM task").fetchone()[0]
        count, first, last = conn.execute("SELECT count(*), min(seq), max(seq) FROM event").fetchone()
        assert (first, last) == (1, count)  # no gap
        assert conn.execute("SELECT count(*) FROM event WHERE kind = 'task.created'").fetchone()[0] == tasks
        deps = conn.execute("SELECT count(*) FROM dependency").fetchone()[0]
        assert (
            conn.execute("SELECT count(*) FROM event WHERE kind = 'dependency.added'").fetchone()[0] == deps
        )
        assert (
            conn.execute("SELECT count(*) FROM txn").fetchone()[0]
            == conn.execute("SELECT count(DISTINCT txn) FROM event").fetchone()[0]
        )
        return tasks, last
    finally:
        conn.close()


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("task", "event", "dependency")
        }
    finally:
        conn.close()


def test_backup_while_another_process_writes_then_restore_into_a_fresh_home(mhv_home, tmp_path):
    assert mhv("db", "upgrade").returncode == 0
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(stop)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "warm"
    seen = []
    for i in range(3):
        done = mhv("db", "backup", str(tmp_path / f"live-{i}.db"), "--json")
        assert done.returncode == 0, done.stderr
        info = json.loads(done.stdout)
        tasks, last = _consistent(tmp_path / f"live-{i}.db")
        assert (info["tasks"], info["last_seq"]) == (tasks, last)
        seen.append(tasks)
    stop.touch()
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    written = int(out.split()[-1])
    assert seen == sorted(seen) and seen[0] >= 50 and seen[-1] <= written
    assert seen[0] < written, "the writer finished before the first backup: nothing ran concurrently"

    final = tmp_path / "final.db"
    assert mhv("db", "backup", str(final)).returncode == 0
    assert _consistent(final)[0] == written

    fresh = tmp_path / "fresh-home"
    env = {**os.environ, "MHV_HOME": str(fresh)}
    restored = mhv("db", "restore", str(tmp_path / "live-1.db"), "--json", env=env)
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["saved"] is None  # nothing was there to save
    assert _rows(fresh / "data" / "mhv.db") == _rows(tmp_path / "live-1.db")
    listed = mhv("tl", "--json", env=env)
    assert len(json.loads(listed.stdout)) == seen[1]


def test_restore_refuses_without_confirmation_and_keeps_what_it_replaces(mhv_home, tmp_path):
    assert mhv("tc", "in the backup").returncode == 0
    backup = tmp_path / "b.db"
    assert mhv("db", "backup", str(backup)).returncode == 0
    assert mhv("tc", "only in the live database").returncode == 0
    db = mhv_home / "data" / "mhv.db"
    live_rows = _rows(db)

    refused = mhv("db", "restore", str(backup))  # no terminal, no --yes
    assert refused.returncode == 7
    assert "MHV-111" in refused.stderr and "--yes" in refused.stderr
    assert _rows(db) == live_rows

    again = mhv("db", "backup", str(backup))
    assert again.returncode == 7 and "MHV-111" in again.stderr  # a backup does not overwrite either

    done = mhv("db", "restore", str(backup), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    titles = [t["title"] for t in json.loads(mhv("tl", "--json").stdout)]
    assert titles == ["in the backup"]
    saved = Path(json.loads(done.stdout)["saved"])
    assert _rows(saved) == live_rows  # the replaced data is kept


@pytest.mark.parametrize("kind", ["missing", "text", "not-mhv", "newer", "truncated"])
def test_restore_checks_the_file_first(mhv_home, tmp_path, kind):
    assert mhv("tc", "precious").returncode == 0
    db = mhv_home / "data" / "mhv.db"
    bad = tmp_path / "bad.db"
    if kind == "text":
        bad.write_text("not a database\n")
    elif kind == "not-mhv":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE other (x)")
        conn.commit()
        conn.close()
    elif kind in ("newer", "truncated"):
        assert mhv("db", "backup", str(bad)).returncode == 0
        if kind == "newer":
            _set_revision(f"sqlite:///{bad}", "9999_from_the_future")
        else:
            bad.write_bytes(bad.read_bytes()[: 4096 * 3])
    before = _rows(db)
    done = mhv("db", "restore", str(bad), "--yes")
    expected = {"missing": 4, "text": 4, "not-mhv": 4, "newer": 6, "truncated": 4}[kind]
    assert done.returncode == expected, done.stderr
    assert ("MHV-002" if kind == "newer" else "MHV-102") in done.stderr
    assert _rows(db) == before
    assert not (db.parent / "mhv.db.before-restore").exists()


# -- PostgreSQL: the pg_dump route --------------------------------------------------------------------
@pytest.mark.postgres
def test_postgres_backup_and_restore_with_pg_dump(pg_server_url, tmp_path):
    from tests.pg import drop_database, fresh_database

    server_bin = _pgserver_bin()
    url = fresh_database(pg_server_url)
    env = {**_env(url), "PATH": f"{server_bin}{os.pathsep}{os.environ['PATH']}"}
    try:
        for title in ("one", "two"):
            assert mhv("tc", title, env=env).returncode == 0
        dump = tmp_path / "team.dump"
        done = mhv("db", "backup", str(dump), "--json", env=env)
        assert done.returncode == 0, done.stderr
        info = json.loads(done.stdout)
        assert (info["engine"], info["tasks"], info["events"], info["revision"]) == ("postgresql", 2, 2, HEAD)
        assert mhv("tc", "three", env=env).returncode == 0

        refused = mhv("db", "restore", str(dump), env=env)
        assert refused.returncode == 7 and "MHV-111" in refused.stderr
        assert len(json.loads(mhv("tl", "--json", env=env).stdout)) == 3

        restored = mhv("db", "restore", str(dump), "--yes", env=env)
        assert restored.returncode == 0, restored.stderr
        assert [t["title"] for t in json.loads(mhv("tl", "--json", env=env).stdout)] == ["one", "two"]
        assert mhv("tc", "four", "--json", env=env).returncode == 0  # sequences came back too
        assert mhv("db", "check", env=env).returncode == 0

        bad = tmp_path / "bad.dump"
        bad.write_bytes(b"PGDMP garbage")
        assert mhv("db", "restore", str(bad), "--yes", env=env).returncode != 0
        assert len(json.loads(mhv("tl", "--json", env=env).stdout)) == 3
    finally:
        drop_database(url)


def _pgserver_bin() -> str:
    """The fixture server's own client programs (pg_dump must be at least the server's version), or
    the PATH's for a server given in MHV_TEST_DATABASE_URL."""
    from tests.pg import _servers

    if _servers:
        return str(_servers[-1].bin_path)
    import shutil

    found = shutil.which("pg_dump")
    if found is None:
        pytest.skip("no pg_dump for the PostgreSQL given in MHV_TEST_DATABASE_URL")
    return str(Path(found).parent)
