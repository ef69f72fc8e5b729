"""The first start: the first-run choices, the onboarding tour (in a sandbox), and resuming it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from mhv.app.first_run import FirstRunScreen
from mhv.app.settings import Settings, load_settings
from mhv.app.tour import STEP_IDS, STEPS, TourCard
from mhv.tasks.models import STATUSES, TaskFilter
from mhv.widgets.task_list import TaskList
from tests.ui.conftest import SIZE
from tests.ui.tour_driver import check, do_step, drive_to, settle


def _state(settings: Settings) -> dict[str, Any]:
    return settings.state()


class TestTour:
    async def test_whole_tour_in_a_sandbox(self, make: Any, ui_service: Any, settings: Settings) -> None:
        ui_service.create({"title": "my real task"})
        real_seq = ui_service.last_seq()
        app = make(tour=True)
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            tour = app.tour
            assert tour is not None and tour.step.id == "add"
            assert app.service is not ui_service  # the sandbox
            assert app.query_one(TaskList).total == 11  # the sample's next tasks, not the real one
            assert app.query_one(TourCard).display
            assert app.query_one("#tasks").has_class("-tour-target")
            assert app.query_one("#views").has_class("-tour-dim")
            sandbox = app.service
            for step_id in STEP_IDS:
                assert tour.step.id == step_id
                assert _state(settings)["tour"] == {
                    "status": "active",
                    "step": tour.step.resume_at or step_id,
                }
                await do_step(pilot, step_id)
            assert app.tour is None and tour.finished
            added = [t for t in sandbox_tasks(tour) if t.title == "review PR"]
            assert added == []  # the sandbox is gone once the tour ends
            assert app.service is ui_service
            assert app.theme == "mhv-light"
            assert not app.query(TourCard)
            assert not app.query(".-tour-dim")
            assert _state(settings)["tour"] == {"status": "done", "step": "theme"}
            assert "Tour complete" in str([n.message for n in app._notifications])
            del sandbox
        assert ui_service.last_seq() == real_seq  # the real workspace was never written
        assert [t.title for t in ui_service.list_tasks()] == ["my real task"]

    async def test_a_step_that_begins_under_the_palette_is_told_in_a_toast(self, make: Any) -> None:
        app = make(tour=True)
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            await drive_to(pilot, "palette")
            assert not [n for n in app._notifications if n.title.startswith("Tour")]  # the card was visible
            await do_step(pilot, "palette")  # ctrl+k: the palette now covers the card
            assert app.tour.step.id == "filter"
            assert app.screen is not app.query_one(TourCard).screen
            toast = [n for n in app._notifications if n.title.startswith("Tour 7/9")]
            assert toast and "Close the palette" in toast[0].message

    async def test_each_step_checks_the_action(self, make: Any) -> None:
        app = make(tour=True)
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            # a task without a date, tag or repo does not finish the quick-add step; the hint says what is missing
            await pilot.press("a", *"just a title", "enter")
            await check(pilot)
            assert app.tour.step.id == "add"
            app.tour.hint_after = 0
            app.tour.check()
            text = app.tour.text()
            assert (
                "Hint:" in text
                and "is missing a date (tomorrow), a repo (@acb), a tag (#ci), a priority (p2)" in text
            )
            await do_step(pilot, "add")
            assert app.tour.step.id == "move"
            await check(pilot)  # the list jumping to the new task is not a move by the user
            assert app.tour.step.id == "move"

    @pytest.mark.parametrize("step_id", STEP_IDS)
    async def test_skip_at_each_step(
        self, make: Any, ui_service: Any, settings: Settings, step_id: str
    ) -> None:
        app = make(tour=True)
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            await drive_to(pilot, step_id)
            for _ in range(3):  # escape closes what is open (palette, help, filter, detail), then skips
                if app.tour is None:
                    break
                await pilot.press("escape")
                await check(pilot)
            assert app.tour is None
            assert app.service is ui_service
            messages = " ".join(str(n.message) for n in app._notifications)
            assert "Tour skipped" in messages and "help: tour" in messages and "mhv tour" in messages
        assert _state(settings)["tour"] == {"status": "skipped", "step": step_id}
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            assert app.tour is None  # skipped stays skipped
        assert ui_service.count(TaskFilter(statuses=STATUSES)) == 0

    @pytest.mark.parametrize("step_id", ["detail", "undo", "theme"])
    async def test_quit_mid_tour_resumes(
        self, make: Any, ui_service: Any, settings: Settings, step_id: str
    ) -> None:
        app = make(tour=True)
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            await drive_to(pilot, step_id)
        # "undo" needs something to undo: it resumes one step earlier, at "complete"
        expected = next(s for s in STEPS if s.id == step_id).resume_at or step_id
        assert _state(settings)["tour"] == {"status": "active", "step": expected}
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await check(pilot)
            assert app.tour is not None and app.tour.step.id == expected
            assert app.service is not ui_service
            for n, current in enumerate(STEP_IDS[STEP_IDS.index(expected) :]):
                await do_step(pilot, current, resumed=n == 0)
            assert app.tour is None
        assert _state(settings)["tour"]["status"] == "done"
        assert ui_service.count(TaskFilter(statuses=STATUSES)) == 0

    async def test_palette_starts_the_tour(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.tour is None
            await pilot.press("ctrl+k", *"help: tour")
            for _ in range(30):
                await pilot.pause(0.1)
                from textual.command import CommandList

                if app.screen.query(CommandList) and app.screen.query_one(CommandList).option_count:
                    break
            await pilot.press("enter")
            await check(pilot)
            assert app.tour is not None and app.tour.step.id == "add"


def sandbox_tasks(tour: Any) -> list[Any]:
    return [] if tour.sandbox is None or tour.finished else tour.sandbox.service.list_tasks()


class TestFirstRun:
    @pytest.fixture
    def fresh(self, settings: Settings) -> Settings:
        settings.first_run = True
        return settings

    async def _menu(self, pilot: Any, key: str) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, FirstRunScreen)
        options = screen.query_one("#fr-choices")
        options.highlighted = [o.id for o in options.options].index(key)
        await pilot.press("enter")
        await settle(pilot)

    async def test_sample_then_tour(self, make: Any, ui_service: Any, fresh: Settings) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, FirstRunScreen)
            await self._menu(pilot, "sample")
            await settle(pilot)
            assert "Sample workspace" in str(app.screen.query_one("#fr-summary").render())
            assert ui_service.count(TaskFilter(statuses=STATUSES)) == 17
            assert len(ui_service.history(1)) >= 2  # real events: created, started...
            await self._menu(pilot, "open")
            await check(pilot)
            assert app.tour is not None  # the tour box was ticked
            assert app.service is not ui_service
        assert _state(fresh)["onboarded"] is True
        assert load_settings(fresh.folder).first_run is False

    async def test_import_csv_with_summary(
        self, make: Any, ui_service: Any, fresh: Settings, tmp_path: Path
    ) -> None:
        csv_file = tmp_path / "tasks.csv"
        csv_file.write_text("title,priority,tags\nship it,high,release\n,low,\nbad one,urgent,\n")
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await self._menu(pilot, "csv")
            field = app.screen.query_one("#fr-path")
            field.value = str(csv_file)
            await pilot.press("enter")
            await settle(pilot)
            summary = str(app.screen.query_one("#fr-summary").render())
            assert "CSV: 1 created, 0 updated, 2 skipped" in summary
            assert "unknown priority 'urgent'" in summary and "empty title" in summary
            assert app.screen.query_one("#fr-progress").percentage == 1.0
            app.screen.query_one("#fr-tour").value = False
            await self._menu(pilot, "open")
            await check(pilot)
            assert app.tour is None and app.query_one(TaskList).total == 1

    async def test_scan_registers_repositories(self, make: Any, ui_service: Any, fresh: Settings,
                                               tmp_path: Path) -> None:  # fmt: skip
        src = tmp_path / "src"
        for name in ("alpha", "beta"):
            (src / name).mkdir(parents=True)
            subprocess.run(["git", "init", "-q", "-b", "main", str(src / name)], check=True)
        subprocess.run(["git", "-C", str(src / "alpha"), "remote", "add", "origin", "git@example.com:me/alpha.git"],
                       check=True)  # fmt: skip
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await self._menu(pilot, "scan")
            app.screen.query_one("#fr-path").value = str(src)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.mode == "picking"
            await pilot.press("space")  # untick the first (alpha)
            await pilot.press("enter")
            await settle(pilot)
            assert "Registered 1" in str(app.screen.query_one("#fr-summary").render())
        assert [r.name for r in ui_service.list_repos()] == ["beta"]

    async def test_not_shown_when_tasks_exist(self, make: Any, ui_service: Any, fresh: Settings) -> None:
        ui_service.create({"title": "already here"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert not isinstance(app.screen, FirstRunScreen) and app.tour is None


async def test_mhv_tour_on_a_fresh_home_starts_the_tour_not_the_choices(
    make: Any, settings: Settings
) -> None:
    settings.first_run = True
    app = make(tour=True)
    async with app.run_test(size=SIZE) as pilot:
        await check(pilot)
        assert not isinstance(app.screen, FirstRunScreen)
        assert app.tour is not None and app.tour.step.id == "add"
    assert "onboarded" not in _state(settings)  # the choices come at the next plain start
