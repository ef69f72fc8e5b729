"""`mhv parse`, `mhv tc` and `mhv tu` with the quick-add language, against a real store in a temp MHV_HOME.

The service's default clock (`utc_now` in mhv/tasks/service_parts/core.py) is pinned to NOW, so
relative dates are checked against a fixed day; `mhv parse` is also checked with `--now`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from mhv.cli.entry import main

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mhv.tasks.service_parts.core.utc_now", lambda: NOW)


def js(mhv, *args: str):
    code, out, err = mhv(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def seed(mhv, *titles: str) -> None:
    for t in titles:
        assert mhv("tc", t)[0] == 0


def next_weekday(wd: int) -> date:
    today = NOW.date()
    return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)


# ------------------------------------------------------------------------------------ mhv parse
def test_parse_json_is_exactly_the_design_shape(mhv):
    line = "fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41"
    data = js(mhv, "parse", line, "--now", "2025-11-26T10:00", "--known-repos", "crackerjack")
    assert data == {
        "intent": "create", "confidence": 0.95, "title": "fix flaky auth test",
        "due_date": "2025-11-27", "due_time": "17:00", "priority": "critical", "tags": ["ci"],
        "repo": "crackerjack", "estimate_minutes": 120, "depends_on": [41],
        "entities": [
            {"kind": "repo", "text": "@crackerjack", "start": 20, "end": 32, "value": "crackerjack", "confidence": 0.97},
            {"kind": "due", "text": "tomorrow 5pm", "start": 33, "end": 45, "value": "2025-11-27T17:00", "confidence": 0.96},
            {"kind": "priority", "text": "p1", "start": 46, "end": 48, "value": "critical", "confidence": 0.95},
            {"kind": "tag", "text": "#ci", "start": 49, "end": 52, "value": "ci", "confidence": 0.98},
            {"kind": "estimate", "text": "~2h", "start": 53, "end": 56, "value": 120, "confidence": 0.98},
            {"kind": "depends_on", "text": "after #41", "start": 57, "end": 66, "value": [41], "confidence": 0.95},
        ],
    }  # fmt: skip
    for e in data["entities"]:
        assert line[e["start"] : e["end"]] == e["text"]
    # several shell words are the same line
    words = js(mhv, "parse", *line.split(), "--now", "2025-11-26T10:00", "--known-repos", "crackerjack")
    assert words == data
    target = js(mhv, "parse", "move #42 to friday", "--now", "2025-11-26T10:00", "--known-repos", "")
    assert (target["intent"], target["target"], target["due_date"]) == ("update", 42, "2025-11-28")
    assert "title" not in target and "repo" not in target  # absent when not found


def test_parse_known_repos_default_to_the_registered_ones(mhv):
    line = "update docs in crackerjack"
    assert "repo" not in js(mhv, "parse", line, "--now", "2025-11-26T10:00")
    assert mhv("repo", "add", "crackerjack")[0] == 0
    data = js(mhv, "parse", line, "--now", "2025-11-26T10:00")
    assert (data["repo"], data["title"]) == ("crackerjack", "update docs")
    assert js(mhv, "tl", "--all") == []  # parse changes nothing


def test_parse_human_breakdown_and_bad_now(mhv):
    code, out, _ = mhv(
        "parse", "plan june offsite #ops ~1d", "--now", "2025-11-26T10:00", "--known-repos", ""
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "plan june offsite #ops ~1d"
    assert lines[1].startswith("create · confidence 0.72")
    assert "#ops" in lines[2] and "~8h" in lines[2]
    assert "maybe:" in out and "June" in out
    code, _, err = mhv("parse", "x", "--now", "last tuesday")
    assert code == 4 and "--now" in err and "ISO" in err


# ------------------------------------------------------------------------------------ tc: create
def test_tc_create_honours_every_piece(mhv):
    seed(mhv, "write migration", "deploy")
    assert mhv("repo", "add", "crackerjack")[0] == 0
    task = js(mhv, "tc", "fix auth @crackerjack dec 5 2030 5pm start dec 1 2030 p2 #ci #perf/db ~1.5h "
              "every monday after #1 blocks #2")  # fmt: skip
    assert task["title"] == "fix auth" and task["repo"] == "crackerjack" and task["priority"] == "high"
    assert task["tags"] == ["ci", "perf/db"] and task["estimate_minutes"] == 90
    assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"
    assert task["due"].startswith("2030-12-05T17:00") and task["due_all_day"] is False
    assert task["scheduled"].startswith("2030-12-01")
    assert task["status"] == "blocked"
    shown = js(mhv, "show", "3")
    assert shown["depends_on"] == [1] and shown["blocks"] == [2]
    assert js(mhv, "show", "2")["status"] == "blocked"


def test_tc_dates_without_time_are_all_day_and_relative_dates_resolve(mhv):
    task = js(mhv, "tc", "pay rent fri")
    assert task["title"] == "pay rent" and task["due_all_day"] is True
    assert task["due"].startswith(next_weekday(4).isoformat())


def test_tc_plain_title_prints_as_before_and_shows_what_was_understood(mhv):
    code, out, err = mhv("tc", "write the docs")
    assert (code, out, err) == (0, "Created task 1: write the docs\n", "")
    code, out, _ = mhv("tc", "review the docs p1 #docs ~30m")
    assert out == "Created task 2: review the docs\n  understood: p1 critical · #docs · ~30m\n"


def test_tc_unknown_repo_creates_with_a_hint(mhv):
    code, out, err = mhv("tc", "fix thing @nowhere")
    assert code == 0 and "Created task 1: fix thing" in out
    assert "@nowhere is not a registered repository" in err and "mhv repo add nowhere" in err


def test_tc_options_win_over_the_text(mhv):
    task = js(mhv, "tc", "fix auth p1 #ci", "-p", "low", "-t", "extra", "--due", "2030-01-02")
    assert task["priority"] == "low" and task["tags"] == ["ci", "extra"]
    assert task["due"].startswith("2030-01-02")
    code, _, err = mhv("tc", "done #1", "-p", "low")
    assert code == 2 and "command" in err


def test_tc_quoted_words_stay_title(mhv):
    task = js(mhv, "tc", '"fix tomorrow bug" p1')
    assert task["title"] == "fix tomorrow bug" and task["priority"] == "critical" and task["due"] is None


# ------------------------------------------------------------------------------------ tc: other intents
def test_tc_runs_every_non_create_intent(mhv):
    seed(mhv, "write migration", "review migration", "ship it")
    code, out, _ = mhv("tc", "done #1")
    assert code == 0 and out.startswith("Completed task 1")
    assert js(mhv, "show", "1")["status"] == "completed"

    assert js(mhv, "tc", "move #2 to friday")["due"].startswith(next_weekday(4).isoformat())
    assert js(mhv, "tc", "set 2 priority high")["priority"] == "high"
    assert js(mhv, "tc", "tag 2 #ci perf")["tags"] == ["ci", "perf"]
    assert js(mhv, "tc", "untag 2 #perf")["tags"] == ["ci"]
    assert js(mhv, "tc", "rename 2 to review the schema")["title"] == "review the schema"
    assert js(mhv, "tc", "start 2")["status"] == "in_progress"

    blocked = js(mhv, "tc", "#3 blocked by #2")
    assert blocked["depends_on"] == [2] and blocked["status"] == "blocked"
    assert js(mhv, "tc", "unblock 3")["status"] == "pending"
    assert js(mhv, "show", "3")["depends_on"] == []
    assert js(mhv, "tc", "#2 blocks #3")["number"] == 2
    assert js(mhv, "show", "3")["depends_on"] == [2]
    assert js(mhv, "tc", "unblock #3 from #2")["depends_on"] == []

    assert js(mhv, "tc", "show #3")["title"] == "ship it"
    assert [t["number"] for t in js(mhv, "tc", "?schema")] == [2]
    assert js(mhv, "tc", "?migration") == []  # #1 is done (search looks at open tasks), #2 was renamed
    listed = js(mhv, "tc", "list in progress tasks")
    assert [t["number"] for t in listed] == [2]

    # delete always asks: refused without a terminal, done with --yes; undo brings it back
    code, _, err = mhv("tc", "delete 3")
    assert code == 7 and "MHV-111" in err and "--yes" in err
    assert js(mhv, "show", "3")["number"] == 3
    assert js(mhv, "tc", "delete 3", "--yes")["number"] == 3
    assert mhv("show", "3")[0] == 3
    assert mhv("undo")[0] == 0 and js(mhv, "show", "3")["title"] == "ship it"


def test_tc_unsure_parse_is_refused_without_a_terminal_and_runs_with_yes(mhv):
    code, out, err = mhv("tc", "review 42")  # is 42 task #42? confidence 0.55
    assert code == 7 and out == ""
    assert "unsure" in err and "0.55" in err and "task #42?" in err and "--yes" in err
    assert js(mhv, "tl", "--all") == []
    assert js(mhv, "tc", "review 42", "--yes")["title"] == "review 42"


def test_tc_asks_on_a_terminal(mhv):
    from mhv.cli.context import new_state
    from mhv.cli.quick import run_create

    asked: list[str] = []
    st = new_state()
    try:
        assert run_create(st, "review 42", confirm=lambda q: asked.append(q) or False) is None
    except Exception as exc:  # declined: CancelledError, nothing written
        assert "nothing was changed" in str(exc)
    assert "unsure" in asked[0] and "Go ahead?" in asked[0]
    assert st.service.count() == 0
    outcome = run_create(st, "review 42", confirm=lambda q: True)
    assert outcome is not None and outcome.task is not None and outcome.task.title == "review 42"
    st.close()


def test_undo_reverts_a_create_with_dependencies_in_one_step(mhv):
    seed(mhv, "a", "b")
    task = js(mhv, "tc", "c after #1 blocks #2")
    assert task["status"] == "blocked" and js(mhv, "show", "2")["status"] == "blocked"
    code, out, _ = mhv("undo")
    assert code == 0 and "create c" in out
    assert [t["number"] for t in js(mhv, "tl", "--all")] == [1, 2]
    b = js(mhv, "show", "2")
    assert b["status"] == "pending" and b["depends_on"] == []
    assert js(mhv, "show", "1")["blocks"] == []
    assert mhv("redo")[0] == 0
    assert js(mhv, "show", "3")["depends_on"] == [1] and js(mhv, "show", "2")["depends_on"] == [3]


def test_cycle_from_blocks_is_refused_and_nothing_is_created(mhv):
    seed(mhv, "a")
    code, _, err = mhv("tc", "b after #1 blocks #1")
    assert code == 5 and "cycle" in err
    assert [t["number"] for t in js(mhv, "tl", "--all")] == [1]


# ------------------------------------------------------------------------------------ tu
def test_tu_updates_from_the_language(mhv):
    seed(mhv, "a", "b", "c")
    mhv("tu", "2", "+old")
    task = js(mhv, "tu", "2", "dec 5 2030 p1 +ci -old @api ~2h every day after #1 blocks #3 start dec 1 2030")
    assert task["title"] == "b" and task["priority"] == "critical" and task["tags"] == ["ci"]
    assert task["due"].startswith("2030-12-05") and task["scheduled"].startswith("2030-12-01")
    assert task["repo"] == "api" and task["estimate_minutes"] == 120 and task["recurrence"] == "FREQ=DAILY"
    assert task["depends_on"] == [1] and task["status"] == "blocked"
    assert js(mhv, "show", "3")["depends_on"] == [2]
    code, out, _ = mhv("undo")  # one step reverts fields and both dependencies
    assert code == 0
    b = js(mhv, "show", "2")
    assert (b["priority"], b["tags"], b["due"], b["depends_on"]) == ("medium", ["old"], None, [])
    assert js(mhv, "show", "3")["depends_on"] == []


def test_tu_words_left_over_are_the_new_title(mhv):
    seed(mhv, "a")
    task = js(mhv, "tu", "1", "write the release notes fri #docs")
    assert task["title"] == "write the release notes" and task["tags"] == ["docs"]
    assert task["due"].startswith(next_weekday(4).isoformat())
    code, _, err = mhv("tu", "1")
    assert code == 2 and "nothing to change" in err
    code, _, err = mhv("tu", "1", "done #4")
    assert code == 2 and "command" in err


# ------------------------------------------------------------------------------------ batch
def run_batch(capsys, tmp_path, lines: list[str], *extra: str) -> tuple[int, list[dict]]:
    path = tmp_path / "cmds.txt"
    path.write_text("\n".join(lines) + "\n")
    try:
        main(["--batch", str(path), *extra])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_batch_goes_through_the_same_path_and_refuses_unsure_lines(capsys, tmp_path):
    code, results = run_batch(capsys, tmp_path, [
        "tc write migration p1 #db",
        "tc review 42",
        "tc review 42 --yes",
        "tc done #1",
        "tc delete 2",
        "tl --all",
    ])  # fmt: skip
    assert code == 1
    ok = [r["ok"] for r in results]
    assert ok == [True, False, True, True, False, True]
    assert results[0]["result"]["priority"] == "critical" and results[0]["result"]["tags"] == ["db"]
    refused = results[1]["error"]
    assert refused["code"] == "MHV-111" and "unsure" in refused["error"] and "--yes" in refused["hint"]
    assert results[2]["result"]["title"] == "review 42"
    assert results[3]["result"]["status"] == "completed"
    assert "delet" in results[4]["error"]["error"]
    assert sorted(t["number"] for t in results[5]["result"]) == [1, 2]


def test_batch_yes_applies_to_every_line(capsys, tmp_path):
    code, results = run_batch(capsys, tmp_path, ["tc review 42", "tc delete 1"], "--yes")
    assert code == 0 and [r["ok"] for r in results] == [True, True]
    assert results[1]["result"]["number"] == 1


def test_parse_of_an_empty_line_is_a_usage_error(mhv):
    code, out, err = mhv("parse", "  ")
    assert code == 2 and "MHV-110" in err and "nothing to parse" in err and "mhv parse" in err


def test_recurring_task_is_due_at_its_first_occurrence(mhv):
    code, out, _err = mhv("tc", "water plants every monday 8am")
    assert code == 0 and "every week on Mon" in out
    task = js(mhv, "show", "1")
    due = datetime.fromisoformat(task["due"])
    assert due.astimezone().date() == next_weekday(0) or due.astimezone().date().weekday() == 0
    assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"


def test_done_reports_what_it_unblocked(mhv):
    seed(mhv, "write migration", "deploy after #1", "announce after #1 after #2")
    code, out, _err = mhv("td", "1")
    assert code == 0 and "unblocked: task 2: deploy" in out and "announce" not in out
    data = js(mhv, "td", "2")
    assert data["unblocked"] == [3]


def test_tc_and_tu_read_quick_add_defaults_and_repos_from_config(mhv, mhv_home):
    mhv_home.mkdir(parents=True, exist_ok=True)
    (mhv_home / "config.toml").write_text(
        'date_order = "dmy"\n[quick_add]\npriority = "high"\ntags = ["inbox"]\n'
        '[repos.docs]\npath = "/tmp/docs"\n'
    )
    task = js(mhv, "tc", "write the changelog @docs 3/4")
    assert task["priority"] == "high" and task["tags"] == ["inbox"]  # the workspace's defaults, here too
    assert task["repo"] == "docs" and task["due"][5:10] == "04-03"  # day first: 3 April
    code, _out, err = mhv("tc", "another @docs")
    assert code == 0 and "not a registered repository" not in err  # named in config.toml: known
    data = js(mhv, "parse", "fix @docs")
    assert data["repo"] == "docs" and data["confidence"] >= 0.9


def test_tc_with_a_broken_config_warns_and_uses_the_defaults(mhv, mhv_home):
    mhv_home.mkdir(parents=True, exist_ok=True)
    (mhv_home / "config.toml").write_text("[quick_add\npriority = 'high'\n")  # not TOML
    code, _out, err = mhv("tc", "first @docs")
    assert code == 0 and "MHV-301" in err and "config.toml" in err and "mhv config check" in err
    (mhv_home / "config.toml").write_text("[quick_add]\npriority = 'soon'\n")  # TOML, but not a priority
    code, _out, err = mhv("tc", "second")
    assert code == 0 and "config.toml [quick_add]" in err and "'soon'" in err
    tasks = js(mhv, "tl")
    assert [t["title"] for t in tasks] == ["first", "second"]
    assert {t["priority"] for t in tasks} == {"medium"}  # the default, as the workspace would use


def test_mhv_alone_opens_the_workspace_without_the_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`mhv` with no command skips building the typer app (issue 19: launch to first rows)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, mhv.cli.entry as e\n"
        "e.open_workspace = lambda **k: print('workspace', 'mhv.cli.app' in sys.modules)\n"
        "e.main([])\n"
    )
    env = {**os.environ, "MHV_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "workspace False"), done.stderr
