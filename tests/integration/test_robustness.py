"""Nothing lost: concurrent writers, SIGKILL mid-batch, corrupt and newer databases (real processes)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def mhv(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mhv", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or os.environ.copy(),
        timeout=120,
    )


def db_path(home: Path) -> Path:
    return home / "data" / "mhv.db"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_concurrent_writers_lose_nothing(mhv_home):
    mhv("tl")  # create the database once
    workers, per = 4, 30
    procs = []
    for w in range(workers):
        lines = []
        for i in range(per):
            lines.append(f"tc worker{w} task{i}")
            if i % 3 == 2:
                lines.append(f"td {w * 1000 + i}")  # mostly unknown numbers: errors are fine, not lost data
        procs.append(
            subprocess.Popen([sys.executable, "-m", "mhv", "--batch", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )  # fmt: skip
        procs[-1].stdin.write("\n".join(lines) + "\n")  # type: ignore[union-attr]
        procs[-1].stdin.close()  # type: ignore[union-attr]
    outputs = [p.stdout.read() for p in procs]  # type: ignore[union-attr]
    for p in procs:
        p.wait(timeout=120)
    created = [json.loads(x) for out in outputs for x in out.splitlines()]
    made = [r["result"]["number"] for r in created if r["ok"] and r["command"].startswith("tc")]
    completed = [r for r in created if r["ok"] and r["command"].startswith("td")]
    assert len(made) == workers * per
    assert len(set(made)) == len(made)
    conn = sqlite3.connect(db_path(mhv_home))
    assert (
        conn.execute("SELECT COUNT(*), COUNT(DISTINCT number) FROM task").fetchone() == (workers * per,) * 2
    )
    assert (
        conn.execute("SELECT COUNT(*) FROM event WHERE kind = 'task.created'").fetchone()[0] == workers * per
    )
    assert conn.execute("SELECT COUNT(*) FROM event WHERE kind = 'task.completed'").fetchone()[0] == len(
        completed
    )
    assert conn.execute("SELECT COUNT(*) FROM task WHERE status = 'completed'").fetchone()[0] == len(
        completed
    )
    seqs = [r[0] for r in conn.execute("SELECT seq FROM event ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))


def test_sigkill_mid_batch_leaves_consistent_database(mhv_home, tmp_path):
    mhv("tc", "before the crash")
    script = tmp_path / "many.txt"
    lines = []
    for i in range(3000):
        lines.append(f"tc crash test {i} --after 1" if i % 2 else f"tc crash test {i} #t{i % 7}")
    script.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "mhv", "--batch", str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    assert proc.stdout is not None
    done = 0
    deadline = time.time() + 60
    while done < 40 and time.time() < deadline:  # let it get well into the run
        if proc.stdout.readline():
            done += 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db_path(mhv_home))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tasks = conn.execute("SELECT COUNT(*) FROM task").fetchone()[0]
    assert tasks > 40
    # every task has its creation event, every dependency its event, every txn its events
    assert conn.execute("SELECT COUNT(*) FROM event WHERE kind = 'task.created'").fetchone()[0] == tasks
    deps = conn.execute("SELECT COUNT(*) FROM dependency").fetchone()[0]
    assert conn.execute("SELECT COUNT(*) FROM event WHERE kind = 'dependency.added'").fetchone()[0] == deps
    orphans = conn.execute(
        "SELECT COUNT(*) FROM task t WHERE t.status = 'blocked' AND NOT EXISTS "
        "(SELECT 1 FROM dependency d WHERE d.task_id = t.id)"
    ).fetchone()[0]
    assert orphans == 0
    assert (
        conn.execute("SELECT COUNT(*) FROM txn").fetchone()[0]
        == conn.execute("SELECT COUNT(DISTINCT txn) FROM event").fetchone()[0]
    )
    conn.close()
    after = mhv("tc", "after the crash", "--json")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["number"] == tasks + 1


def test_newer_database_is_refused_and_untouched(mhv_home):
    mhv("tc", "precious")
    path = db_path(mhv_home)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(path)
    result = mhv("tl")
    assert result.returncode == 6
    assert "MHV-002" in result.stderr and "newer mhv" in result.stderr and "untouched" in result.stderr
    assert digest(path) == before


def test_corrupt_database_is_reported_and_untouched(mhv_home):
    path = db_path(mhv_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database at all" * 200)
    before = digest(path)
    result = mhv("tc", "x")
    assert result.returncode == 6
    assert "MHV-003" in result.stderr and "backup" in result.stderr
    assert digest(path) == before


def test_not_an_mhv_database(mhv_home):
    path = db_path(mhv_home)
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    result = mhv("tl")
    assert result.returncode == 6 and "not an mhv database" in result.stderr


def test_malformed_import_line_changes_nothing(mhv_home, tmp_path):
    mhv("tc", "existing")
    bad = tmp_path / "bad.json"
    good = '{"uuid":"9e268ef3-14fc-4f79-9262-6d00439926ee","description":"ok","status":"pending","entry":"20261124T013810Z"}'
    bad.write_text(good + "\n" + '{"uuid": "broken", "description": \n')
    result = mhv("import", "taskwarrior", str(bad))
    assert result.returncode == 4
    assert "line 2" in result.stderr and "nothing was imported" in result.stderr
    listed = json.loads(mhv("tl", "--all", "--json").stdout)
    assert [t["title"] for t in listed] == ["existing"]


def test_missing_import_file(mhv_home):
    result = mhv("import", "taskwarrior", "/nonexistent/file.json")
    assert result.returncode == 4 and "no file" in result.stderr


@pytest.mark.parametrize("module", ["mhv.cli.app", "mhv.cli.entry", "mhv.tasks.service", "mhv.tasks.interop.taskwarrior",
                                    "mhv.store", "mhv.nlp", "mhv.sync.context", "mhv.sync.rpc.methods"])  # fmt: skip
def test_core_modules_never_import_textual(module):
    code = f"import sys, {module}; bad = [m for m in ('textual', 'textual_autocomplete') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_one_shot_commands_import_only_what_they_use(mhv_home):
    mhv("tc", "warm up")  # database exists, no migration due
    probe = (
        "import sys; sys.argv = ['mhv'] + sys.argv[1:]\nfrom mhv.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('textual', 'sqlalchemy', 'sqlmodel', 'alembic', 'psycopg', 'numpy', 'fastembed')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules), 'pydantic' in sys.modules, file=sys.stderr)\n"
    )
    quick = [
        "tc",
        "fix auth @api tomorrow 5pm start fri p1 #ci ~2h every monday after #1",
    ]  # the quick-add path
    for args, pydantic_ok in (
        (["tl"], False),
        (["tc", "hello"], False),
        (quick, False),
        (["td", "1"], False),
    ):
        res = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
        line = next(x for x in res.stderr.splitlines() if x.startswith("LOADED"))
        assert line.startswith("LOADED []"), (args, line)
        if not pydantic_ok:
            assert line.endswith("False"), (args, line)


def test_tl_lists_with_the_store_alone(mhv_home):
    """`mhv tl` without a service reads its table with the store alone (mhv/tasks/filters.py): neither
    the task service nor the graph is imported; `tl --sort urgency` (ranked by the graph) still is."""
    mhv("tc", "warm up #ci")
    probe = (
        "import sys; sys.argv = ['mhv'] + sys.argv[1:]\nfrom mhv.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('mhv.tasks.service', 'mhv.tasks.graph') if m in sys.modules),"
        " file=sys.stderr)\n"
    )
    env = os.environ | {"MHV_NO_SERVICE": "1"}
    for args, loaded in ((["tl"], "[]"), (["tl", "#ci", "--sort", "due", "-n", "5"], "[]"),
                         (["tl", "--sort", "urgency"], "['mhv.tasks.graph', 'mhv.tasks.service']")):  # fmt: skip
        res = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env)
        assert "warm up" in res.stdout, (args, res.stdout, res.stderr)
        line = next(x for x in res.stderr.splitlines() if x.startswith("LOADED"))
        assert line == f"LOADED {loaded}", (args, line)
