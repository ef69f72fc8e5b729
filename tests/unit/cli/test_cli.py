"""The command line, run in-process the way the console script runs it."""

from __future__ import annotations

import json

import pytest


def test_version(mhv):
    code, out, _ = mhv("--version")
    assert code == 0 and out.startswith("mhv ")


def test_create_understands_tags_and_repo(mhv):
    code, out, err = mhv(
        "tc", "fix flaky auth test #ci @crackerjack", "--due", "2026-12-05", "-p", "p1", "--json"
    )
    assert code == 0, err
    task = json.loads(out)
    assert task["title"] == "fix flaky auth test"
    assert task["tags"] == ["ci"] and task["repo"] == "crackerjack" and task["priority"] == "critical"
    assert task["due"].startswith("2026-12-05") and task["due_all_day"] is True
    assert "not a registered repository" in err


@pytest.mark.usefixtures("way")
def test_list_table_and_json(mhv):
    mhv("tc", "first task", "-t", "docs")
    mhv("tc", "second task", "-p", "high")
    code, out, _ = mhv("tl")
    assert code == 0
    assert "first task" in out and "second task" in out and "2 tasks" in out
    assert out.index("second task") < out.index("first task")  # priority first
    code, out, _ = mhv("tl", "+docs", "--json")
    data = json.loads(out)
    assert [t["title"] for t in data] == ["first task"]
    assert set(data[0]) >= {"id", "number", "title", "status", "priority", "tags", "due", "depends_on"}


@pytest.mark.usefixtures("way")
def test_list_format_template(mhv):
    mhv("tc", "alpha")
    code, out, _ = mhv("tl", "--format", "{number}|{title}|{status}")
    assert out.strip() == "1|alpha|pending"
    code, _, err = mhv("tl", "--format", "{nope}")
    assert code == 4 and "bad --format" in err


@pytest.mark.usefixtures("way")
def test_done_undo_redo(mhv):
    mhv("tc", "a")
    assert mhv("td", "1")[0] == 0
    assert json.loads(mhv("show", "1", "--json")[1])["status"] == "completed"
    code, out, _ = mhv("undo")
    assert code == 0 and "complete 1" in out
    assert json.loads(mhv("show", "1", "--json")[1])["status"] == "pending"
    assert mhv("redo")[0] == 0
    assert json.loads(mhv("show", "1", "--json")[1])["status"] == "completed"


def test_update_tags_and_fields(mhv):
    mhv("tc", "a", "-t", "x")
    code, out, err = mhv("tu", "1", "+y", "-x", "--due", "2026-12-24", "--json")
    assert code == 0, err
    t = json.loads(out)
    assert t["tags"] == ["y"] and t["due"].startswith("2026-12-24")
    code, out, _ = mhv("tu", "1", "renamed", "title", "--json")
    assert json.loads(out)["title"] == "renamed title"
    code, _, err = mhv("tu", "1")
    assert code == 2 and "nothing to change" in err


@pytest.mark.usefixtures("way")
def test_show_human(mhv):
    mhv("tc", "a", "--description", "some **notes**")
    mhv("tc", "b", "--after", "1")
    code, out, _ = mhv("show", "2")
    assert code == 0
    assert "Blocked by" in out and "#1 a" in out and "History" in out and "blocked" in out


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("td", "99"), 3, "MHV-101"),
        (("tc", "x", "--due", "someday-ish"), 4, "cannot read"),
        (("tc", "x" * 250), 4, "limit is 200"),
        (("tc", "x", "-p", "extreme"), 4, "priority"),
        (("tl", "--status", "sleeping"), 4, "unknown status"),
        (("nonsense",), 2, "No such command"),
        (("export", "--format", "xml"), 2, "unknown export format"),
    ],
)
@pytest.mark.usefixtures("way")
def test_errors_have_codes_and_hints(mhv, args, code, needle):
    mhv("tc", "keep")
    got, _out, err = mhv(*args)
    assert got == code
    assert needle in err
    assert json.loads(mhv("tl", "--all", "--json")[1])[0]["title"] == "keep"


def test_cycle_error_exit_code(mhv):
    mhv("tc", "a")
    mhv("tc", "b", "--after", "1")
    code, _, err = mhv("block", "1", "--on", "2")
    assert code == 5 and "#1 -> #2 -> #1" in err


@pytest.mark.usefixtures("way")
def test_delete_needs_confirmation_without_tty(mhv):
    mhv("tc", "a")
    code, _, err = mhv("delete", "1")
    assert code == 7 and "--yes" in err
    assert mhv("delete", "1", "--yes")[0] == 0
    assert mhv("show", "1")[0] == 3


def test_repo_add_reads_git(mhv, tmp_path):
    import subprocess

    repo = tmp_path / "crackerjack"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "remote", "add", "origin", "https://example.com/c.git"], check=True
    )
    code, out, err = mhv("repo", "add", "crackerjack", str(repo), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["remote"] == "https://example.com/c.git" and data["default_branch"] == "main"
    assert "crackerjack" in mhv("repo", "list")[1]
    code, _, err = mhv("repo", "add", "x", str(tmp_path / "missing"))
    assert code == 4


@pytest.mark.usefixtures("way")
def test_json_errors_when_json_requested(mhv):
    code, _, err = mhv("show", "5", "--json")
    assert code == 3
    assert json.loads(err)["code"] == "MHV-101"


def test_export_formats(mhv):
    mhv("tc", "a, with comma", "-t", "x")
    mhv("tc", "b", "--after", "1")
    code, out, _ = mhv("export", "--format", "json")
    assert [t["title"] for t in json.loads(out)] == ["a, with comma", "b"]
    code, out, _ = mhv("export", "--format", "csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["title"] == "a, with comma" and rows[1]["depends_on"] == "1"
    _code, out, _ = mhv("export", "--format", "taskwarrior")
    tw = json.loads(out)
    assert tw[1]["depends"] == [tw[0]["uuid"]] and tw[0]["tags"] == ["x"]
