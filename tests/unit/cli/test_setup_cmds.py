"""`mhv config`, `mhv import todotxt|csv`, `mhv repo scan` and aliases, run in-process like the script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


class TestConfig:
    def test_path(self, mhv, mhv_home: Path):
        assert mhv("config", "path") == (0, f"{mhv_home / 'config.toml'}\n", "")
        code, out, _ = mhv("config", "path", "--json")
        assert json.loads(out) == {"path": str(mhv_home / "config.toml"), "exists": False}

    def test_check(self, mhv, mhv_home: Path):
        code, out, _ = mhv("config", "check")
        assert code == 0 and "the defaults apply" in out
        mhv_home.mkdir(parents=True, exist_ok=True)
        (mhv_home / "config.toml").write_text('theme = "mhv-nord"\n[keymap]\n"task.complete" = "x"\n')
        code, out, err = mhv("config", "check")
        assert (code, err) == (0, "") and out.endswith("config.toml: no problems\n")
        (mhv_home / "config.toml").write_text('them = "mhv-nord"\n[aliases]\ntl = "tl --all"\n')
        code, out, err = mhv("config", "check")
        assert code == 4
        assert err.splitlines() == [
            'config.toml:1: unknown key "them"; expected one of aliases, date_order, keymap, quick_add, repos, '
            'service, theme, tui, urgency, week_start, worktrees. Fix: did you mean "theme"?',
            'config.toml:3: alias "tl" has the name of a built-in command; expected a name mhv does not use. '
            "Fix: rename it (built-in commands win)",
            f"error MHV-301 2 problem(s) in {mhv_home / 'config.toml'}",
            "  hint: fix the lines above (mhv config edit); until then mhv uses the defaults for them",
        ]
        code, out, _ = mhv("config", "check", "--json")
        assert code == 4 and [p["line"] for p in json.loads(out)["problems"]] == [1, 3]

    def test_edit_creates_a_commented_file_and_checks_it(self, mhv, mhv_home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):  # fmt: skip
        editor = tmp_path / "editor.sh"
        editor.write_text('#!/bin/sh\nsed -i \'1i week_start = "sunday"\' "$1"\n')
        editor.chmod(0o755)
        monkeypatch.setenv("VISUAL", str(editor))
        code, out, err = mhv("config", "edit")
        assert code == 0, err
        text = (mhv_home / "config.toml").read_text()
        assert text.startswith('week_start = "sunday"\n# mhv configuration')
        assert "Created" in out and "no problems" in out
        editor.write_text("#!/bin/sh\nsed -i '1s/.*/week_start = 7/' \"$1\"\n")
        code, _, err = mhv("config", "edit")
        assert code == 4 and "config.toml:1: week_start = 7 has the wrong type or value" in err
        monkeypatch.delenv("VISUAL")
        monkeypatch.delenv("EDITOR", raising=False)
        code, _, err = mhv("config", "edit")
        assert code == 2 and "neither $VISUAL nor $EDITOR is set" in err


class TestAliases:
    def test_alias_runs_its_command(self, mhv, mhv_home: Path):
        mhv_home.mkdir(parents=True, exist_ok=True)
        (mhv_home / "config.toml").write_text(
            '[aliases]\nbl = "tl --status blocked"\nadd = "tc"\ntl = "tc nope"\n'
        )
        assert mhv("add", "first", "task")[0] == 0
        assert mhv("add", "second")[0] == 0
        assert mhv("block", "2", "--on", "1")[0] == 0
        code, out, _ = mhv("bl", "--json")
        assert code == 0 and [t["title"] for t in json.loads(out)] == ["second"]
        code, out, _ = mhv("tl", "--json")  # built-ins win over an alias of the same name
        assert [t["title"] for t in json.loads(out)] == ["first task", "second"]

    def test_broken_file_expands_nothing(self, mhv, mhv_home: Path):
        mhv_home.mkdir(parents=True, exist_ok=True)
        (mhv_home / "config.toml").write_text("[aliases\n")
        code, _, err = mhv("bl")
        assert code == 2 and "No such command 'bl'" in err


class TestImport:
    def test_todotxt(self, mhv, tmp_path: Path):
        f = tmp_path / "todo.txt"
        f.write_text("(A) call the bank +home @phone due:2026-12-01\n(B)\nwater plants\n")
        code, out, _ = mhv("import", "todotxt", str(f))
        assert code == 0
        assert out.splitlines() == ["Imported from todo.txt: 2 created, 0 updated, 1 skipped",
                                    "  skipped line 2 ('(B)'): no task text"]  # fmt: skip
        code, out, _ = mhv("import", "todotxt", str(f), "--json")
        assert json.loads(out)["skipped"][-1] == {
            "item": "2 task(s)",
            "reason": "already imported and unchanged",
        }

    def test_csv_round_trip(self, mhv, tmp_path: Path):
        mhv("tc", "one", "-t", "x", "-p", "high")
        mhv("tc", "two", "--after", "1")
        f = tmp_path / "out.csv"
        assert mhv("export", "--format", "csv", "-o", str(f))[0] == 0
        code, out, _ = mhv("import", "csv", str(f), "--json")
        assert json.loads(out) == {"created": 0, "updated": 0, "warnings": [],
                                   "skipped": [{"item": "2 task(s)", "reason": "already imported and unchanged"}]}  # fmt: skip
        code, _, err = mhv("import", "csv", str(tmp_path / "missing.csv"))
        assert code == 4 and "no file" in err


class TestRepoScan:
    def test_scan_asks_then_registers(self, mhv, tmp_path: Path):
        for name in ("api", "web"):
            subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path / "src" / name)], check=True)
        code, out, err = mhv("repo", "scan", str(tmp_path / "src"))
        assert code == 2 and "2 new repositories found; nothing registered" in err and "add --yes" in err
        code, out, _ = mhv("repo", "scan", str(tmp_path / "src"), "--yes")
        assert code == 0 and out.splitlines()[-1] == "Registered 2: @api, @web"
        code, out, _ = mhv("repo", "scan", str(tmp_path / "src"), "--json")
        data = json.loads(out)
        assert data["registered"] == [] and all(r["registered"] for r in data["found"])
        code, _, err = mhv("repo", "scan", str(tmp_path / "nope"))
        assert code == 4 and "is not a folder" in err


def test_alias_expansion_reads_toml_only(mhv_home: Path):
    """Expanding (or not) an alias costs a TOML read: no Typer app, no Pydantic unless an alias matches."""
    mhv_home.mkdir(parents=True, exist_ok=True)
    (mhv_home / "config.toml").write_text('[aliases]\nbl = "tl --status blocked"\n')
    code = ("import sys; from mhv.cli.entry import expand_alias\n"
            "assert expand_alias(['tc', 'x']) == ['tc', 'x']\n"
            "assert not {'pydantic', 'typer'} & set(sys.modules), sorted(sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert done.returncode == 0, done.stderr
