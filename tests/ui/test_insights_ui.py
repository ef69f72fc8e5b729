"""The Insights screen and the detail pane's prediction: Pilot tests and SVG snapshots (fixed clock
and size), on a history made through the real TaskService."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mhv.tasks.models import TaskFilter
from mhv.tasks.service import TaskService
from mhv.widgets.task_list import TaskList
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


class TestPredictedOrder:
    """`o` reaches "predicted finish": the list in the order `mhv next --predicted` gives, every task
    of the view (not a top slice), and a task likely to miss its due date flagged with the chance."""

    async def test_o_sorts_by_predicted_finish_and_flags_likely_late(
        self, make: Any, ui_service: Any, clock: Any
    ) -> None:
        make_history(ui_service, clock)  # "migrate table" tasks took 1.5-6 h from creation to done
        now = clock.now
        late = ui_service.create({"title": "migrate orders table", "repo": "api", "tags": ["db"],
                                  "estimate_minutes": 60, "priority": "low",
                                  "due": (now + timedelta(minutes=20)).isoformat()})  # fmt: skip
        fits = ui_service.create({"title": "polish page 9", "repo": "web", "tags": ["ui"],
                                  "due": (now + timedelta(days=20)).isoformat()})  # fmt: skip
        for i in range(30):  # more of the view than one ranked slice
            ui_service.create({"title": f"chore {i}", "priority": "high" if i % 3 else "medium"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for _ in range(7):  # view order, due, priority, number, newest, recently changed, title, predicted
                await pilot.press("o")
            await settle(pilot)
            assert app.sort_order == "predicted"
            assert "sorted by predicted finish" in str(app.query_one("#title-bar").render())
            tasks = app.query_one(TaskList)
            shown = [tasks.row(i) for i in range(tasks.total)]
            assert None not in shown and tasks.total == 33  # every open task of Next (and "upgrade driver")
            from mhv.insights import history
            from mhv.insights.order import predicted_order
            from mhv.insights.predict import Model

            records = history.load(ui_service)
            ranked = ui_service.ranked(TaskFilter(statuses=("in_progress", "pending"), order="urgency"))
            expected = predicted_order(ranked, Model(records), {r.id: r for r in records}, clock.now)
            assert [t.number for t in shown if t] == [o.number for o in expected]
            by_urgency = [r.task.number for r in ranked]
            assert by_urgency.index(late.number) > 0 == [o.number for o in expected].index(late.number)  # it climbed
            assert late.id in tasks.flags and fits.id not in tasks.flags
            row = next(i for i, t in enumerate(shown) if t and t.number == late.number)
            assert "⚠" in tasks.render_line(row - int(tasks.scroll_offset.y)).text
            await pilot.press("o")  # back to the view's order: no flags
            await settle(pilot)
            assert app.sort_order is None and tasks.flags == {}

    def test_snapshot(self, make: Any, ui_service: Any, clock: Any, snap_compare: Any) -> None:
        make_history(ui_service, clock)
        ui_service.create({"title": "migrate orders table", "repo": "api", "tags": ["db"], "priority": "low",
                           "due": (clock.now + timedelta(minutes=20)).isoformat()})  # fmt: skip
        ui_service.create({"title": "polish page 9", "repo": "web", "tags": ["ui"],
                           "due": (clock.now + timedelta(days=20)).isoformat()})  # fmt: skip
        app = make()

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            app.set_sort("predicted")
            await settle(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    async def test_without_history_it_says_so_and_keeps_urgency(self, make: Any, ui_service: Any) -> None:
        for title in ("first", "second"):
            ui_service.create({"title": title})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.set_sort("predicted")
            await settle(pilot)
            assert any("No finished tasks to learn from yet" in n.message for n in app._notifications)
            assert app.query_one(TaskList).flags == {}


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
