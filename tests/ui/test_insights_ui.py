"""The Insights screen and the detail pane's prediction: Pilot tests and SVG snapshots (fixed clock
and size), on a history made through the real TaskService."""

from __future__ import annotations

from typing import Any

from mhv.tasks.service import TaskService
from tests.ui.conftest import SIZE, settle


def make_history(svc: TaskService, clock: Any) -> int:
    for i in range(14):
        t = svc.create({"title": f"migrate table {i}", "repo": "api", "tags": ["db"], "estimate_minutes": 60})
        svc.start(t.number)
        clock.advance(minutes=90 + 20 * i)
        svc.complete(t.number)
        clock.advance(hours=22)
    for i in range(6):
        t = svc.create({"title": f"polish page {i}", "repo": "web", "tags": ["ui"], "estimate_minutes": 60})
        svc.start(t.number)
        clock.advance(minutes=40)
        svc.complete(t.number)
        clock.advance(hours=30)
    blocker = svc.create({"title": "upgrade driver", "repo": "api"})
    t = svc.create({"title": "migrate users table", "repo": "api", "tags": ["db"], "estimate_minutes": 60,
                    "due": "2026-12-30"})  # fmt: skip
    svc.add_dependency(t.number, blocker.number)
    return t.number


class TestDetailPrediction:
    async def test_selected_task_shows_its_prediction(self, make: Any, ui_service: Any, clock: Any) -> None:
        number = make_history(ui_service, clock)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.jump(number)
            await settle(pilot)
            view = app.query_one("#detail-prediction")
            assert view.display
            text = str(view.render())
            assert "in progress: likely" in text and "h, from" in text
            assert "blocker risk 100%" in text  # it waits for an unfinished task now
            app.jump(1)  # a finished task: no prediction shown
            await settle(pilot)
            assert not app.query_one("#detail-prediction").display

    async def test_too_little_history_says_so(self, make: Any, ui_service: Any) -> None:
        first = ui_service.create({"title": "the very first task"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.jump(first.number)
            await settle(pilot)
            assert not app.query_one("#detail-prediction").display  # nothing finished: nothing to say
        for title in ("one", "two"):
            ui_service.complete(ui_service.create({"title": title}).number)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.jump(first.number)
            await settle(pilot)
            text = str(app.query_one("#detail-prediction").render())
            assert "in progress: not enough history" in text and "until done: not enough history" in text


class TestInsightsScreen:
    async def test_opens_with_numbers_and_closes(self, make: Any, ui_service: Any, clock: Any) -> None:
        make_history(ui_service, clock)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("I")
            await settle(pilot)
            from mhv.app.insights_screen import InsightsScreen

            assert isinstance(app.screen, InsightsScreen)
            summary = str(app.screen.query_one("#insights-summary").render())
            assert "20 finished" in summary and "2 open" in summary
            text = str(app.screen.query_one("#insights-text").render())
            assert "Estimates" in text and "open tasks done by" in text
            await pilot.press("escape")
            assert not isinstance(app.screen, InsightsScreen)

    def test_snapshot(self, make: Any, ui_service: Any, clock: Any, snap_compare: Any) -> None:
        make_history(ui_service, clock)
        app = make()

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            app.action_show_insights()
            for _ in range(100):  # the screen's worker has posted its numbers
                await settle(pilot)
                await pilot.pause()
                if "finished ·" in str(app.screen.query_one("#insights-summary").render()):
                    break
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_detail_snapshot(self, make: Any, ui_service: Any, clock: Any, snap_compare: Any) -> None:
        number = make_history(ui_service, clock)
        app = make()

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            app.jump(number)
            await settle(pilot)
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
