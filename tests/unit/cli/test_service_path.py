"""The one-shot commands give the same output, JSON, errors and exit codes with and without the sync
service: every test runs twice, once on the direct path and once with a real `mhv serve`
serving the same MHV_HOME (test_the_service_really_answers shows `tc`/`td` do go through it).
Also: a service that dies between two commands, and a stale socket file."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.cli.conftest import Service, served


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mhv-c-", dir="/tmp"))  # a short path: sun_path is 108 bytes
    monkeypatch.setenv("MHV_HOME", str(folder))
    monkeypatch.setenv("MHV_ACTOR", "tester")
    monkeypatch.setenv("TZ", "UTC")  # the zone serving.start gives the service
    monkeypatch.delenv("MHV_NO_SERVICE", raising=False)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["direct", "service"])
def way(request: pytest.FixtureRequest, home: Path) -> Iterator[str]:
    service = Service(home)
    if request.param == "service":
        service.start()
    yield request.param
    service.stop()


def _norm(text: str) -> str:
    """Ages of tasks made a moment ago ("0s", "1s") are the only thing time may change."""
    return re.sub(r"(?m)^(\s*\d+\s+\S?\s*)\d+s ", lambda m: m.group(1) + "0s ", text)


def test_create_list_complete_same_text(mhv, way, home):
    assert served(home) == (way == "service")
    assert mhv("tc", "fix login @api p1 #ci") == (
        0, "Created task 1: fix login\n  understood: @api · p1 critical · #ci\n",
        "warning: @api is not a registered repository (mhv repo add api PATH)\n")  # fmt: skip
    assert mhv("tc", "write docs after #1")[:2] == (
        0,
        "Created task 2: write docs  [blocked]\n  understood: after #1\n",
    )
    code, out, err = mhv("tl")
    assert (code, err) == (0, "")
    assert _norm(out) == (
        "ID   Age P  Repo Tags Description\n"
        "-- - --- -- ---- ---- --------------------\n"
        " 1    0s P1 api  ci   fix login\n"
        " 2 ⧗  0s              write docs\n"
        "\n"
        "2 tasks\n"
    )
    assert mhv("td", "1") == (0, "Completed task 1: fix login\n  unblocked: task 2: write docs\n", "")
    assert mhv("td", "#2") == (0, "Completed task 2: write docs\n", "")
    assert mhv("tl") == (0, "No tasks match.\n", "")


def test_json_the_same(mhv, way):
    code, out, _ = mhv("tc", "ship it tomorrow #rel", "--json")
    made = json.loads(out)
    assert code == 0 and made["title"] == "ship it" and made["tags"] == ["rel"] and made["due_all_day"]
    listed = json.loads(mhv("tl", "--json")[1])
    assert (
        [t["number"] for t in listed] == [1] and listed[0]["depends_on"] == [] and listed[0]["blocks"] == []
    )
    assert listed[0] == {**made, "depends_on": [], "blocks": []} or listed[0]["id"] == made["id"]
    code, out, _ = mhv("td", "1", "--json")
    done = json.loads(out)
    assert code == 0 and done["status"] == "completed" and done["unblocked"] == []


def test_errors_and_exit_codes_the_same(mhv, way):
    assert mhv("td", "99") == (
        3,
        "",
        "error MHV-101 no task '#99'\n  hint: list tasks with `mhv tl --all` to find its number\n",
    )
    code, _, err = mhv("td", "99", "--json")
    assert code == 3 and json.loads(err)["code"] == "MHV-101"
    code, _, err = mhv("tc", "x" * 300)
    assert code == 4 and "MHV-102" in err
    mhv("tc", "one")
    mhv("td", "1")
    code, _, err = mhv("td", "1")
    assert code == 5 and "MHV-103 #1 is already completed" in err


def test_commands_and_unsure_lines_behave_the_same(mhv, way, home):
    mhv("tc", "one")
    assert mhv("tc", "done #1") == (0, "Completed task 1: one\n", "")  # a command typed as a line
    code, out, err = mhv("tc", "delete 1")  # asks first: refused without a terminal, nothing changed
    assert code == 7 and out == "" and "MHV-111" in err
    assert json.loads(mhv("tl", "--json")[1]) == []


def test_recurring_next_occurrence(mhv, way):
    code, out, _ = mhv("tc", "water plants every monday")
    assert code == 0 and out.startswith("Created task 1: water plants")
    code, out, _ = mhv("td", "1")
    assert code == 0 and re.fullmatch(
        r"Completed task 1: water plants\n  next occurrence: task 2, due Mon \S+\n", out
    )


def test_history_records_the_same_actor(mhv, way):
    mhv("tc", "one")
    events = json.loads(mhv("history", "1", "--json")[1])
    assert [e["actor"] for e in events] == ["tester"]


def test_service_dies_between_two_commands(mhv, home):
    service = Service(home)
    service.start()
    assert mhv("tc", "first")[0] == 0
    service.stop(signal.SIGKILL)  # no clean shutdown: the socket file stays, nobody listens
    assert (home / "run" / "mhv.sock").exists() and not served(home)
    assert mhv("tc", "second") == (0, "Created task 2: second\n", "")
    assert [t["title"] for t in json.loads(mhv("tl", "--json")[1])] == ["first", "second"]
    service.start()  # a new server replaces the stale socket; the CLI uses it again
    assert served(home)
    assert mhv("td", "2") == (0, "Completed task 2: second\n", "")
    service.stop()


def test_stale_socket_file(mhv, home):
    run = home / "run"
    run.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(run / "mhv.sock"))  # bound, never listening, then closed: connect is refused
    stale.close()
    assert mhv("tc", "works") == (0, "Created task 1: works\n", "")
    (run / "mhv.sock").unlink()
    (run / "mhv.sock").write_text("not a socket")
    assert mhv("tl")[1].splitlines()[-1] == "1 task"


def test_the_service_really_answers(mhv, home, monkeypatch):
    """With the service up and this process's database URL pointing at a folder (unopenable), `tc`
    `tu` and `td` still work: they went through the socket (`tl` runs directly even then)."""
    service = Service(home)
    service.start()
    try:
        (home / "isdir").mkdir()
        monkeypatch.setenv("MHV_DATABASE_URL", f"sqlite:///{home / 'isdir'}")
        assert mhv("tc", "via socket") == (0, "Created task 1: via socket\n", "")
        assert mhv("tu", "1", "p2") == (0, "Updated task 1: via socket\n  changed: p2 high\n", "")
        assert mhv("td", "1") == (0, "Completed task 1: via socket\n", "")
        monkeypatch.setenv("MHV_NO_SERVICE", "1")
        assert mhv("tl")[0] == 6  # the direct path cannot open that database
    finally:
        service.stop()


THIN_PROBE = (
    "import sys; sys.argv = ['mhv'] + sys.argv[1:]\n"  # `main`: the console script's `run` would not return
    "from mhv.cli.entry import main\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "heavy = ('mhv.store', 'mhv.tasks.service', 'mhv.nlp', 'mhv.cli.context', 'mhv.cli.fast', 'typing',"
    " 'datetime', 'dataclasses')\n"
    "print('LOADED', sorted(m for m in heavy if m in sys.modules), code, file=sys.stderr)\n"
)


def test_the_everyday_commands_import_only_the_client(home):
    """Through the service, `tc`, `tu`, `td`, `tl`, `show`, `next` and `ts` load neither the store nor
    the parser, the task service or the CLI's own state (mhv/cli/thin.py), and exit 0."""
    service = Service(home)
    service.start()
    try:
        for args in (["tc", "ship the release p1 #next"], ["tc", "second one"], ["tu", "1", "p2"], ["td", "2"],
                     ["tl"], ["show", "1"], ["next"], ["next", "--explain"], ["ts", "release"], ["config.toml"],
                     ["next"]):  # fmt: skip
            if args == ["config.toml"]:  # from here on `next` reads it with tomllib (typing, datetime)
                (home / "config.toml").write_text("[urgency]\ndue = 12.0\n[urgency.tag]\nnext = 15\n")
                continue
            res = subprocess.run([sys.executable, "-c", THIN_PROBE, *args], capture_output=True, text=True)
            line = next(x for x in res.stderr.splitlines() if x.startswith("LOADED"))
            tomllib = (home / "config.toml").exists()
            want = "LOADED ['datetime', 'typing'] 0" if tomllib else "LOADED [] 0"
            assert line == want, (args, res.stderr)
    finally:
        service.stop()


def test_next_sends_the_config_files_coefficients(mhv, way, home):
    mhv("tc", "plain task")
    mhv("tc", "tagged task #next")
    assert mhv("next")[1].split()[2] == "#2"  # the tag's default bonus (15) ranks it first
    (home / "config.toml").write_text("[urgency]\n[urgency.tag]\nnext = -30\n")
    assert mhv("next")[1].split()[2] == "#1"
    (home / "config.toml").write_text("[urgency]\ntag.next = 'x'\n")
    code, out, err = mhv("next")
    assert code == 4 and "MHV-102" in err and "expected a number" in err and out == ""
    (home / "config.toml").write_text("[urgency\n")  # not TOML
    code, out, err = mhv("next")
    assert code == 4 and "MHV-301" in err and out == ""


def test_td_several_tasks_one_handed_back(mhv, way, home):
    """`td 1 2 3` where the service hands back task 2 (a gate): 1 completed through it, 2 and 3 by the
    full path; the report lists all three once, as the direct path does."""
    repo = home / "api"
    repo.mkdir()
    (repo / "check.py").write_text("print('fine')\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "check")
    (home / "config.toml").write_text(f'[repos.api]\ngates = {{ check = "{sys.executable} check.py" }}\n')
    assert mhv("repo", "add", "api", str(repo))[0] == 0
    for line in ("plain one", "ship @api", "plain two"):
        assert mhv("tc", line)[0] == 0
    code, out, err = mhv("td", "1", "2", "3")
    assert code == 0, err
    assert re.findall(r"Completed task (\d)", out) == ["1", "2", "3"]
    assert json.loads(mhv("tl", "--json")[1]) == []


def test_update_same_text_json_and_errors(mhv, way, home):
    mhv("tc", "fix login")
    assert mhv("tu", "1", "p1", "#ci") == (0, "Updated task 1: fix login\n  changed: p1 critical · #ci\n", "")
    code, out, err = mhv("tu", "1", "new title", "--json")
    changed = json.loads(out)
    assert (code, err) == (0, "") and changed["title"] == "new title" and changed["priority"] == "critical"
    assert mhv("tu", "99", "p2")[0] == 3 and "MHV-101 no task '#99'" in mhv("tu", "99", "p2")[2]
    code, _, err = mhv("tu", "99", "p2", "--json")
    assert code == 3 and json.loads(err)["code"] == "MHV-101"
    code, out, err = mhv("tu", "1", "call bob yesterday")  # the CLI's own refusal of a past date
    assert code == 4 and out == "" and "in the past" in err
    assert [e["actor"] for e in json.loads(mhv("history", "1", "--json")[1])] == ["tester"] * 3


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@x"})  # fmt: skip


def test_td_runs_the_gates_either_way(mhv, way, home):
    """A task whose repository has a gate: the service hands `td` back and the CLI's full `mhv td`
    runs the gate first (exit 8 and the task stays open on a failure), as without the service."""
    repo = home / "api"
    repo.mkdir()
    (repo / "check.py").write_text("import sys\nprint('check failed')\nsys.exit(1)\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "check")
    (home / "config.toml").write_text(f'[repos.api]\ngates = {{ check = "{sys.executable} check.py" }}\n')
    assert mhv("repo", "add", "api", str(repo))[0] == 0
    assert mhv("tc", "ship @api")[0] == 0
    assert mhv("tc", "plain one")[0] == 0
    code, out, err = mhv("td", "2", "1")  # the plain one completes, then the gated one's gate fails
    assert code == 8 and "Completed task 2: plain one" in out and "gate 'check' failed" in err
    assert [t["number"] for t in json.loads(mhv("tl", "--json")[1])] == [1]
    (repo / "check.py").write_text("print('fine')\n")
    _git(repo, "commit", "-qam", "fix")
    code, out, err = mhv("td", "1")
    assert code == 0 and re.fullmatch(r"\s+check\s+✓ passed in \S+ s\nCompleted task 1: ship\n", out), err
    assert served(home) == (way == "service")
