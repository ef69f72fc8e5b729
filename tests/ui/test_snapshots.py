"""SVG snapshots (stored in snapshots/, see tests/conftest.py). Review changes like code:
`pytest tests/ui/test_snapshots.py --snapshot-update` rewrites them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import SIZE, add_tasks, settle


async def _settled(pilot: Any) -> None:
    await settle(pilot)


class TestMainScreen:
    def test_empty(self, make: Any, snap_compare: Any) -> None:
        assert snap_compare(make(), terminal_size=SIZE, run_before=_settled)

    def test_twenty_tasks(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 20)
        ui_service.start(2)
        ui_service.add_dependency(5, 4)
        assert snap_compare(make(), terminal_size=SIZE, run_before=_settled)

    def test_narrow(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 20)
        assert snap_compare(make(), terminal_size=(70, 34), run_before=_settled)


class TestPanes:
    def test_detail_with_links(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 6)
        ui_service.update(5, {"description": "Needs **care**:\n\n- one\n- two"})
        ui_service.add_dependency(5, 4)
        app = make()

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            app.jump(5)
            await settle(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_edit(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 3)
        assert snap_compare(make(), terminal_size=SIZE, press=["e"], run_before=_settled)

    def test_quick_add_preview_and_autocomplete(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 5)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("a", *"fix flaky auth test tomorrow 5pm p1 ~2h #c")
            await pilot.pause()

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)

    def test_palette(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 5)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("ctrl+k", *"task: ")
            from textual.command import CommandList

            seen = -1
            for _ in range(40):  # results arrive asynchronously: wait until the list stops changing
                await pilot.pause(0.1)
                count = pilot.app.screen.query_one(CommandList).option_count
                if count and count == seen:
                    break
                seen = count

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)

    def test_help(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        add_tasks(ui_service, 5)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", ["mhv-dark", "mhv-light", "mhv-high-contrast", "mhv-nord"])
def test_theme(theme: str, make: Any, ui_service: Any, settings: Any, snap_compare: Any) -> None:
    add_tasks(ui_service, 12)
    ui_service.start(2)
    ui_service.add_dependency(5, 4)
    settings.theme = theme
    assert snap_compare(make(), terminal_size=SIZE, run_before=_settled)
