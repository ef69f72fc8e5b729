"""config.toml as the workspace sees it: the app opens on a bad file (defaults and a warning), and
keymap, theme, date order and quick-add defaults take effect. Also: the ids and names mhv.config
validates against are exactly the app's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.theme import BUILTIN_THEMES as TEXTUAL_BUILTIN

from mhv.app.app import MhvApp
from mhv.app.settings import load_settings
from mhv.config.keys import BINDING_IDS, PANE_BINDING_IDS, key_problem
from mhv.config.themes import MHV_THEMES, TEXTUAL_THEMES
from mhv.themes import BUILTIN_THEMES
from tests.ui.conftest import SIZE, settle


def test_binding_ids_and_keys_match_the_app() -> None:
    ids = [b.id for b in MhvApp.BINDINGS if hasattr(b, "id")]  # type: ignore[union-attr]
    assert sorted(ids) == sorted(BINDING_IDS)


def test_pane_binding_ids_match_the_widgets() -> None:
    from mhv.app.graph_screen import GraphScreen, TaskPrompt
    from mhv.app.repos_support import GatePanel, GateRunPanel, RepositoriesScreen
    from mhv.app.screens import ConfirmScreen, HelpScreen
    from mhv.widgets.detail import TaskDetail
    from mhv.widgets.graph_view import GraphView
    from mhv.widgets.quick_add import QuickAdd
    from mhv.widgets.sidebar import ViewSidebar
    from mhv.widgets.task_list import TaskList

    classes = (
        GraphScreen,
        TaskPrompt,
        GatePanel,
        GateRunPanel,
        RepositoriesScreen,
        ConfirmScreen,
        HelpScreen,
        TaskDetail,
        GraphView,
        QuickAdd,
        ViewSidebar,
        TaskList,
    )
    ids = {b.id for cls in classes for b in cls.BINDINGS if getattr(b, "id", None)}  # type: ignore[union-attr]
    assert ids == set(PANE_BINDING_IDS)
    for binding in MhvApp.BINDINGS:
        for key in binding.key.split(","):  # type: ignore[union-attr]
            assert key_problem(key) is None, key


def test_theme_names_match() -> None:
    assert [t.name for t in BUILTIN_THEMES] == list(MHV_THEMES)
    assert sorted(TEXTUAL_BUILTIN) == sorted(TEXTUAL_THEMES)


def _write(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)


async def test_bad_file_opens_with_defaults_and_a_warning(make: Any, tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    _write(folder, 'theme = "mhv-nrod"\nweek_start = "sunday"\n[keymap]\n"task.complete" = "ctlr+x"\n')
    settings = load_settings(folder)
    assert settings.config.week_start == "sunday"  # the good key still applies
    app = make(settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "mhv-dark"
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1
        text = warnings[0].message
        assert text.startswith(f"2 problem(s) in {folder / 'config.toml'}; using defaults for those keys")
        assert 'config.toml:1: theme = "mhv-nrod" is not a known theme' in text
        assert 'config.toml:4: [keymap] "task.complete" = "ctlr+x": \'ctlr\' is not a modifier' in text


async def test_broken_toml_still_opens(make: Any, tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    _write(folder, "[keymap\n")
    app = make(settings=load_settings(folder))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "not valid TOML" in next(n.message for n in app._notifications)


async def test_config_keymap_theme_and_quick_add_defaults(make: Any, ui_service: Any, tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    _write(folder, 'theme = "mhv-nord"\ndate_order = "dmy"\n[keymap]\n"task.complete" = "x"\n'
                   '[quick_add]\npriority = "low"\nrepo = "inbox"\ntags = ["triage"]\n')  # fmt: skip
    ui_service.create({"title": "seed"})
    app = make(settings=load_settings(folder))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "mhv-nord"
        await pilot.press("x")
        await settle(pilot)
        assert ui_service.get(1).status == "completed"
        await pilot.press("a", *"call bank 5/12 #money", "enter")
        await settle(pilot)
        task = ui_service.get(2)
        assert (task.title, task.priority, task.repo, task.tags) == (
            "call bank",
            "low",
            "inbox",
            ["money", "triage"],
        )
        assert (task.due.month, task.due.day) == (12, 5)  # day/month order
