"""The workspace's early view of config.toml (theme and keymap, no Pydantic) agrees with the full check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mhv.config import check_text
from mhv.config.checks import EarlyView, early_view

FILES = [
    "",
    'theme = "mhv-nord"\n',
    'theme = "mhv-nrod"\n',  # unknown: the default
    "theme = 5\n",  # wrong type: the default
    'theme = ""\n[tui]\ntheme = "mhv-light"\n',  # empty top-level theme: the [tui] one
    '[tui]\ntheme = "gruvbox"\n',
    '[tui]\ntheme = "gruvbox"\ncolour = 1\n',  # an unknown key beside it does not drop it
    'tui = "mhv-light"\n',  # [tui] not a table
    "[tui]\ntheme = 7\n",
    'theme = "mhv-light"\n[tui]\ntheme = "nord"\n',  # the top level wins
    '[keymap]\n"task.complete" = "x"\n"task.add" = "ctrl+n,n"\n',
    '[keymap]\n"task.complete" = "ctlr+x"\n"task.add" = "n"\n',  # a bad key drops its binding only
    '[keymap]\n"task.finish" = "x"\n"task.add" = "n"\n',  # an unknown id drops that entry only
    '[keymap]\n"task.complete" = 3\n"task.add" = "n"\n',  # a wrong type drops that entry only
    'keymap = "x"\n',  # not a table
    "[keymap\n",  # not TOML: all defaults
    'week_start = "someday"\nbogus = 1\ntheme = "mhv-nord"\n[keymap]\n"task.add" = "n"\n',  # others wrong
    '[repos.acb]\nworktrees = "yes"\n[quick_add]\npriority = "urgent"\n[keymap]\n"edit.undo" = "u"\n',
]


@pytest.mark.parametrize("text", FILES)
def test_early_view_matches_the_full_check(tmp_path: Path, text: str) -> None:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    config, _problems = check_text(text, tmp_path)
    assert early_view(tmp_path) == EarlyView(True, config.chosen_theme, dict(config.keymap))


def test_a_user_theme_file_is_a_known_theme(tmp_path: Path) -> None:
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "mine.toml").write_text('name = "mine"\n', encoding="utf-8")
    (tmp_path / "config.toml").write_text('theme = "mine"\n', encoding="utf-8")
    assert early_view(tmp_path).theme == "mine"


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert early_view(tmp_path) == EarlyView(exists=False)
    (tmp_path / "config.toml").write_bytes(b'theme = "\xff"\n')
    assert early_view(tmp_path) == EarlyView(exists=True)


def test_the_early_view_loads_no_pydantic(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('theme = "mhv-nord"\n', encoding="utf-8")
    code = (f"import sys; from mhv.config.checks import early_view; v = early_view(__import__('pathlib').Path({str(tmp_path)!r}));"
            " assert v.theme == 'mhv-nord', v; assert 'pydantic' not in sys.modules")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_workspace_module_loads_no_pydantic() -> None:
    """Launch imports the app without Pydantic (config.toml is checked whole after the first rows)."""
    code = "import sys, mhv.app.main; assert 'pydantic' not in sys.modules and 'mhv.config.model' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
