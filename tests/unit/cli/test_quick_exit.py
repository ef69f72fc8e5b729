"""The console script's end (`mhv.cli.entry.run` -> `quick_exit`): no interpreter teardown after a
one-shot command, and nothing that the teardown did is lost: the stored work, the output, the exit
code, the exit handlers, a thread still running, a message as the exit code, a closed pipe.

Each case is a real `python -m mhv` (or `run()`) process on its own MHV_HOME.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, MHV_HOME=str(tmp_path / "home"), MHV_NO_SERVICE="1", TZ="UTC", NO_COLOR="1")


def mhv(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mhv", *args], env=env, capture_output=True, text=True, timeout=60
    )


def script(env: dict[str, str], body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(body)], env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def test_a_created_task_is_in_the_database_file_and_printed(env: dict[str, str], tmp_path: Path) -> None:
    made = mhv(env, "tc", "write the release notes", "#docs")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Created task 1: write the release notes")
    db = tmp_path / "home" / "data" / "mhv.db"
    with sqlite3.connect(db) as conn:  # another reader, after the process is gone
        assert conn.execute("SELECT title, tags FROM task").fetchall() == [
            ("write the release notes", '["docs"]')
        ]
    listed = mhv(env, "tl", "--json")
    assert listed.returncode == 0
    assert [t["title"] for t in json.loads(listed.stdout)] == ["write the release notes"]


def test_exit_codes_and_errors_are_the_commands(env: dict[str, str]) -> None:
    missing = mhv(env, "show", "42")
    assert missing.returncode == 3
    assert "42" in missing.stderr and missing.stdout == ""
    usage = mhv(env, "frobnicate")
    assert usage.returncode == 2


def test_exit_handlers_still_run_and_their_output_is_flushed(env: dict[str, str]) -> None:
    done = script(
        env,
        """
        import atexit, sys
        atexit.register(lambda: sys.stdout.write("handler ran\\n"))
        sys.argv = ["mhv", "tl"]
        from mhv.cli.entry import run
        run()
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("handler ran\n")
    assert done.stdout.count("handler ran") == 1


def test_a_running_thread_gets_the_ordinary_exit(env: dict[str, str], tmp_path: Path) -> None:
    mark = tmp_path / "thread-finished"
    done = script(
        env,
        f"""
        import threading, time
        from pathlib import Path
        from mhv.cli.entry import quick_exit
        def work():
            time.sleep(0.3)
            Path({str(mark)!r}).write_text("done")
        threading.Thread(target=work).start()
        quick_exit(4)
        """,
    )
    assert done.returncode == 4
    assert mark.read_text() == "done"  # the interpreter waited for it, as without quick_exit


def test_a_message_as_the_exit_code_is_printed_as_python_does(env: dict[str, str]) -> None:
    done = script(env, "from mhv.cli.entry import quick_exit\nquick_exit('cannot go on')\n")
    assert (done.returncode, done.stderr) == (1, "cannot go on\n")


def closed_reader(env: dict[str, str], launch: str, *args: str) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-c", launch, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes a byte
    err = proc.stderr.read()
    return proc.wait(timeout=60), err


@pytest.mark.parametrize("args", [["tl"], ["tl", "--json"], ["show", "1"], ["tc", "one more"]])
def test_a_closed_pipe_stops_quietly_with_141(env: dict[str, str], args: list[str]) -> None:
    """`mhv tl | head -1`: no traceback, exit 141 (what the shell shows for `task list | head -1`),
    from `main` as from the console script; a write still lands (`tc`)."""
    for n in range(3):
        assert mhv(env, "tc", f"task number {n}").returncode == 0
    for launch in ("from mhv.cli.entry import main; main()", "from mhv.cli.entry import run; run()"):
        assert closed_reader(env, launch, *args) == (141, ""), (launch, args)
    if args[0] == "tc":
        assert "one more" in mhv(env, "tl").stdout


def test_a_closed_pipe_under_typer_ends_as_click_ends_it(env: dict[str, str]) -> None:
    """Forms parsed by Typer: click catches the closed pipe itself and exits 1, quietly."""
    for launch in ("from mhv.cli.entry import main; main()", "from mhv.cli.entry import run; run()"):
        assert closed_reader(env, launch, "--help") == (1, ""), launch
