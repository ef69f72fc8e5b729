"""SVG snapshots of every tour step and of the first-run screen (stored in snapshots/, see
tests/conftest.py). Review changes like code: `pytest tests/ui/test_tour_snapshots.py --snapshot-update`."""

from __future__ import annotations

from typing import Any

import pytest

from mhv.app.tour import STEP_IDS
from tests.ui.conftest import SIZE
from tests.ui.tour_driver import check, drive_to, settle


class TestTourSteps:
    @pytest.mark.parametrize("step_id", STEP_IDS)
    def test_step(self, make: Any, snap_compare: Any, step_id: str) -> None:
        async def run_before(pilot: Any) -> None:
            await check(pilot)
            await drive_to(pilot, step_id)
            if step_id in ("filter", "theme"):  # the palette / help screen covers the card: close it
                await pilot.press("escape")
                await check(pilot)
            pilot.app.clear_notifications()  # toasts of the previous steps would cover the card
            # A screen that just closed (help, the palette) can leave one repaint pending: let it
            # land, so the picture does not depend on timing.
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0.2)
            await settle(pilot)

        assert snap_compare(make(tour=True), terminal_size=SIZE, run_before=run_before)

    def test_hint_when_stuck(self, make: Any, snap_compare: Any) -> None:
        async def run_before(pilot: Any) -> None:
            await check(pilot)
            await pilot.press("a", *"just a title", "enter")
            await check(pilot)
            pilot.app.clear_notifications()
            pilot.app.tour.hint_after = 0
            pilot.app.tour.check()
            await settle(pilot)

        assert snap_compare(make(tour=True), terminal_size=SIZE, run_before=run_before)


class TestFirstRunScreen:
    def test_menu(self, make: Any, settings: Any, snap_compare: Any) -> None:
        settings.first_run = True
        assert snap_compare(make(), terminal_size=SIZE, run_before=settle)

    def test_after_sample(self, make: Any, settings: Any, snap_compare: Any) -> None:
        settings.first_run = True

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("down", "enter")
            await settle(pilot)

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)
