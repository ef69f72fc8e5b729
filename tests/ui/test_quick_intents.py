"""The quick-add line carries out every intent through mhv.tasks.intents (the same plan as `mhv tc`).

Real SQLite store, fixed clock (Tue 24 Nov 2026 09:00 UTC), keys typed through Pilot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mhv.app.screens import ConfirmScreen
from mhv.widgets.quick_add import QuickAdd
from mhv.widgets.task_list import TaskList
from tests.ui.conftest import SIZE, settle


def seed(svc: Any) -> None:
    for title in ("write the migration", "review the migration", "ship it"):
        svc.create({"title": title})


async def type_line(pilot: Any, line: str) -> None:
    await pilot.press("a", *line, "enter")
    await settle(pilot)


class TestQuickIntents:
    async def test_create_with_every_piece_then_undo(self, make: Any, ui_service: Any) -> None:
        seed(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_line(pilot, "fix auth @api #ci ~2h every monday after #1 blocks #3 fri 5pm p1")
            task = ui_service.get(4, links=True)
            assert (task.title, task.priority, task.tags, task.repo) == (
                "fix auth",
                "critical",
                ["ci"],
                "api",
            )
            assert task.estimate_minutes == 120 and task.recurrence == "FREQ=WEEKLY;BYDAY=MO"
            assert task.due is not None and task.due.date() == date(2026, 11, 27) and task.due.hour == 17
            assert task.depends_on == [1] and task.status == "blocked"
            assert ui_service.get(3, links=True).depends_on == [4]
            assert ui_service.get(3).status == "blocked"
            assert not app.query_one(QuickAdd).display
            await pilot.press("u")  # one undo reverts the task and both dependencies
            await settle(pilot)
            assert ui_service.count() == 3
            assert ui_service.get(3, links=True).depends_on == [] and ui_service.get(3).status == "pending"

    async def test_complete_start_and_updates(self, make: Any, ui_service: Any) -> None:
        seed(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_line(pilot, "done #1")  # one Enter, though #1 is offered for completion
            assert ui_service.get(1).status == "completed"
            await type_line(pilot, "start 2")
            assert ui_service.get(2).status == "in_progress"
            await type_line(pilot, "move #2 to friday")
            assert ui_service.get(2).due.date() == date(2026, 11, 27)
            await type_line(pilot, "set 2 priority high")
            assert ui_service.get(2).priority == "high"
            await type_line(pilot, "tag 2 #ci ")
            assert ui_service.get(2).tags == ["ci"]
            await type_line(pilot, "rename 2 to review the schema")
            assert ui_service.get(2).title == "review the schema"
            assert app.current_task is not None and app.current_task.number == 2

    async def test_block_and_unblock(self, make: Any, ui_service: Any) -> None:
        seed(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_line(pilot, "#3 blocked by #2 ")
            assert ui_service.get(3, links=True).depends_on == [2] and ui_service.get(3).status == "blocked"
            await type_line(pilot, "#1 blocks #3 ")
            assert ui_service.get(3, links=True).depends_on == [1, 2]
            await type_line(pilot, "unblock 3")
            assert ui_service.get(3, links=True).depends_on == [] and ui_service.get(3).status == "pending"

    async def test_delete_always_asks(self, make: Any, ui_service: Any) -> None:
        seed(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_line(pilot, "delete 2")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            await settle(pilot)
            assert ui_service.count() == 3
            await pilot.press("escape")  # back from the quick-add line, which stays open after a "no"
            await type_line(pilot, "delete 2")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(pilot)
            assert [t.number for t in ui_service.list_tasks(app.current_filter())] == [1, 3]

    async def test_show_search_and_list(self, make: Any, ui_service: Any) -> None:
        seed(ui_service)
        ui_service.update(3, {"priority": "critical"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_line(pilot, "show #2 ")
            assert app.current_task is not None and app.current_task.number == 2
            await type_line(pilot, "?migration")
            assert app.view.id == "quick" and app.total == 2
            rows = app.query_one(TaskList)
            assert rows.has_focus
            await type_line(pilot, "list critical tasks")
            assert app.total == 1 and app.current_task is not None and app.current_task.number == 3
            assert ui_service.count() == 3  # list, search and show change nothing

    async def test_unsure_update_asks(self, make: Any, ui_service: Any) -> None:
        seed(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_line(pilot, "set 2 fix the thing friday")  # words that are not a change: 0.5
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            await settle(pilot)
            assert ui_service.get(2).due is None
