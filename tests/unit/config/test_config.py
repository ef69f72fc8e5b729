"""config.toml: every class of problem, with its exact message (line, what was expected, a fix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhv.config import BINDING_IDS, DEFAULT_CONFIG, Config, check_text, key_problem, load_config
from mhv.config.load import key_lines


def problems(text: str, folder: Path) -> list[str]:
    return [str(p) for p in check_text(text, folder)[1]]


def test_defaults_and_the_commented_file(tmp_path: Path) -> None:
    config, found = check_text(DEFAULT_CONFIG, tmp_path)
    assert found == [] and config == Config()
    # every commented example in the default file is itself valid once uncommented
    uncommented = "\n".join(line.replace("# ", "", 1) if line.startswith("# ") and ("=" in line or "[" in line) else line
                            for line in DEFAULT_CONFIG.splitlines())  # fmt: skip
    uncommented = uncommented.replace('github_secret = "..."', 'github_secret = "s3cret"')
    config, found = check_text(uncommented, tmp_path)
    assert [str(p) for p in found] == []
    assert config.keymap == {"task.complete": "x", "task.add": "a,n"}
    assert config.aliases == {"bl": "tl --status blocked"}
    gates = config.repos["crackerjack"].gates
    assert {k: g.command for k, g in gates.items()} == {"tests": "pytest -q", "lint": "ruff check ."}
    assert all(g.required and g.timeout == 600 for g in gates.values())
    assert config.urgency == {"due": 12.0, "priority": 6.0}
    assert config.week_start_index == 0 and config.quick_add.tags == ["inbox"]


def test_bad_toml(tmp_path: Path) -> None:
    assert problems('theme = "mhv-dark"\nweek_start = monday\n', tmp_path) == [
        "config.toml:2: not valid TOML: Invalid value (column 14); expected key = value lines, strings in "
        "double quotes, [tables] on their own line. Fix: correct that line; until then mhv uses the defaults"
    ]
    config, _ = check_text('theme = "mhv-nord"\n[keymap\n', tmp_path)
    assert config == Config()  # nothing half-read


def test_unknown_key_suggests_the_nearest(tmp_path: Path) -> None:
    assert problems('them = "mhv-dark"\n\n[quick_add]\nprority = "high"\nsomething = 1\n', tmp_path) == [
        'config.toml:1: unknown key "them"; expected one of aliases, date_order, keymap, quick_add, repos, '
        'service, theme, tui, urgency, week_start, worktrees. Fix: did you mean "theme"?',
        'config.toml:4: unknown key "prority" in [quick_add]; expected one of priority, repo, tags. '
        'Fix: did you mean "priority"?',
        'config.toml:5: unknown key "something" in [quick_add]; expected one of priority, repo, tags. '
        "Fix: remove it, or check the spelling in docs/config.md",
    ]
    assert problems('[repos.acb]\npth = "~/src/acb"\n', tmp_path) == [
        'config.toml:2: unknown key "pth" in [repos.acb]; expected one of default_branch, gates, path, post_create, post_create_timeout, remote, worktree_path, worktrees. '
        'Fix: did you mean "path"?'
    ]


def test_wrong_types(tmp_path: Path) -> None:
    text = 'week_start = 3\ndate_order = "ymd"\n[service]\nport = "80"\n[urgency]\ndue = "high"\n[quick_add]\ntags = "a"\n'
    assert problems(text, tmp_path) == [
        "config.toml:1: week_start = 3 has the wrong type or value; expected one of 'monday', 'tuesday', "
        "'wednesday', 'thursday', 'friday', 'saturday' or 'sunday'. Fix: write week_start = \"monday\"",
        "config.toml:2: date_order = \"ymd\" has the wrong type or value; expected one of 'mdy' or 'dmy'. "
        'Fix: write date_order = "mdy"  (or "dmy")',
        'config.toml:4: service.port = "80" has the wrong type or value; expected a whole number. '
        "Fix: write service.port = 8787",
        'config.toml:6: urgency.due = "high" has the wrong type or value; expected a number. '
        "Fix: write urgency.due = 2.0",
        'config.toml:8: quick_add.tags = "a" has the wrong type or value; expected a list like ["a", "b"]. '
        'Fix: write quick_add.tags = ["inbox"]',
    ]
    assert problems("[service]\nport = 70000\n", tmp_path) == [
        "config.toml:2: service.port = 70000 has the wrong type or value; expected a number <= 65535. "
        "Fix: write service.port = 8787"
    ]


def test_bad_keymap(tmp_path: Path) -> None:
    text = ('[keymap]\n"task.compelte" = "x"\n"task.add" = "ctlr+a"\n"app.help" = "questionmark"\n'
            '"task.edit" = "ctrl+e,f5,question_mark"\n')  # fmt: skip
    config, found = check_text(text, tmp_path)
    assert [str(p) for p in found] == [
        'config.toml:2: unknown binding id "task.compelte" in [keymap]; expected an id from the help screen, '
        'e.g. task.complete. Fix: did you mean "task.complete"?',
        'config.toml:3: [keymap] "task.add" = "ctlr+a": \'ctlr\' is not a modifier; expected keys like "x", '
        '"ctrl+x", "f5" or "enter", several separated by commas. Fix: did you mean \'ctrl\'?',
        'config.toml:4: [keymap] "app.help" = "questionmark": \'questionmark\' is not a key name; expected keys '
        'like "x", "ctrl+x", "f5" or "enter", several separated by commas. Fix: did you mean \'question_mark\'?',
    ]
    assert config.keymap == {"task.edit": "ctrl+e,f5,question_mark"}  # the good line still applies


def test_bad_theme(tmp_path: Path) -> None:
    assert problems('theme = "mhv-nrod"\n', tmp_path) == [
        'config.toml:1: theme = "mhv-nrod" is not a known theme; expected mhv-dark, mhv-light, '
        "mhv-high-contrast, mhv-nord, or a Textual theme (nord, gruvbox, dracula, ...). "
        'Fix: did you mean "mhv-nord"?'
    ]
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "mine.toml").write_text('name = "midnight"\nprimary = "#112233"\n')
    assert problems('[tui]\ntheme = "midnight"\n', tmp_path) == []
    assert check_text('[tui]\ntheme = "midnight"\n', tmp_path)[0].chosen_theme == "midnight"
    assert problems('theme = "gruvbox"\n', tmp_path) == []


def test_bad_alias(tmp_path: Path) -> None:
    assert problems('[aliases]\n"two words" = "tl"\nok = ""\n', tmp_path) == [
        'config.toml:2: alias "two words" = "tl" cannot be used; expected one word = a command line, e.g. '
        'bl = "tl --status blocked". Fix: give it a one-word name and a command',
        'config.toml:3: alias "ok" = "" cannot be used; expected one word = a command line, e.g. '
        'bl = "tl --status blocked". Fix: give it a one-word name and a command',
    ]


def test_good_keys_are_kept_when_others_are_bad(tmp_path: Path) -> None:
    config, found = check_text('theme = "nope"\nweek_start = "sunday"\ndate_order = "dmy"\n', tmp_path)
    assert len(found) == 1
    assert (config.theme, config.week_start_index, config.date_order) == (None, 6, "dmy")


def test_key_names() -> None:
    for good in (
        "x",
        "D",
        "ctrl+x",
        "ctrl+shift+up",
        "f12",
        "enter",
        "question_mark",
        "slash",
        "?",
        "pageup",
    ):
        assert key_problem(good) is None, good
    assert key_problem("ctlr+x") == ("'ctlr' is not a modifier", "did you mean 'ctrl'?")
    assert key_problem("entr") == ("'entr' is not a key name", "did you mean 'enter'?")
    assert key_problem("ctrl+") == (
        "the key name is empty",
        'write a key such as "x", "ctrl+x", "f5" or "enter"',
    )
    assert len(set(BINDING_IDS)) == len(BINDING_IDS)


def test_lines_of_keys() -> None:
    text = 'theme = "x"\n[keymap]\n"task.add" = "a"\n[repos.acb]\npath = "p"\n[service] # the service\nport = 1\n'
    lines = key_lines(text)
    assert lines[("theme",)] == 1 and lines[("keymap", "task.add")] == 3
    assert lines[("repos", "acb", "path")] == 5 and lines[("service", "port")] == 7


def test_load_missing_unreadable_and_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_config(tmp_path)
    assert (loaded.exists, loaded.problems, loaded.config) == (False, [], Config())
    (tmp_path / "config.toml").write_bytes(b'theme = "\xff"\n')
    loaded = load_config(tmp_path)
    assert loaded.problems and "cannot read the file" in str(loaded.problems[0])
    (tmp_path / "config.toml").write_text('[service]\ngithub_secret = "from-file"\n')
    service = load_config(tmp_path).config.service
    assert service.secret("github_secret") == "from-file"
    monkeypatch.setenv("MHV_GITHUB_SECRET", "from-env")
    assert service.secret("github_secret") == "from-env"
    assert service.secret("ws_token") is None


def test_config_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = "import sys, mhv.config; mhv.config.load_config(); assert 'textual' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_repo_worktree_and_gate_keys_are_checked_with_line_and_fix():
    text = (
        '[repos.acb]\nworktrees = "yes"\n'
        'gates = { tests = "pytest -q", lint = { command = "ruff check .", timeout = -1 } }\n'
        '[repos.cj.gates.cov]\nkind = "crackerjack"\ntimeou = 3\n'
        "[repos.cj.gates.empty]\nrequired = false\n"
        '[worktrees]\npath = "{worktrees}/{nope}"\n'
    )
    config, problems = check_text(text)
    assert [str(p) for p in problems] == [
        'config.toml:2: repos.acb.worktrees = "yes" has the wrong type or value; expected true or false. '
        "Fix: write repos.acb.worktrees = true",
        "config.toml:3: repos.acb.gates.lint.timeout = -1 has the wrong type or value; expected a number > 0.0. "
        "Fix: write repos.acb.gates.lint.timeout = 600",
        'config.toml:6: unknown key "timeou" in [repos.cj.gates.cov]; expected one of command, flags, kind, mcp_url, '
        'min_coverage, mode, python, required, timeout. Fix: did you mean "timeout"?',
        "config.toml:7: repos.cj.gates.empty has the wrong type or value; expected a command (a command gate needs "
        'one). Fix: add command = "pytest -q", or kind = "crackerjack"',
        'config.toml:10: worktrees.path = "{worktrees}/{nope}" has the wrong type or value; expected a template with '
        "{branch} or {number}, using only {worktrees} {repo} {branch} {number}. "
        'Fix: write path = "{worktrees}/{repo}/{branch}"',
    ]
    assert (
        config.repos["acb"].gates["lint"].timeout == 600
        and config.repos["cj"].gates["cov"].kind == "crackerjack"
    )
