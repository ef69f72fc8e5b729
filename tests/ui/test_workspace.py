"""Pilot tests: every key and flow of the workspace, against a real SQLite store and a fixed clock."""

from __future__ import annotations

from typing import Any

from mhv.app.screens import ConfirmScreen
from mhv.app.settings import Settings, load_settings
from mhv.widgets.detail import TaskDetail
from mhv.widgets.quick_add import QuickAdd, token_at
from mhv.widgets.task_list import TaskList
from tests.ui.conftest import SIZE, add_tasks, settle


class TestLayout:
    async def test_empty_and_counts(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.query_one(TaskList).total == 0
            assert app.current_task is None
            assert app.check_action("complete", ()) is None  # greyed: nothing selected

    async def test_list_shows_tasks_and_detail_follows(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 20)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tasks = app.query_one(TaskList)
            assert tasks.total == 20
            first = tasks.current
            await pilot.press("j")
            await settle(pilot)
            assert tasks.cursor == 1
            assert app.query_one(TaskDetail).shown.number == tasks.current.number != first.number
            await pilot.press("G")
            assert tasks.cursor == 19
            await pilot.press("g")
            assert tasks.cursor == 0
            await pilot.press("down", "down", "up")
            assert tasks.cursor == 1

    async def test_views_switch(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 6)
        ui_service.complete(1)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.query_one(TaskList).total == 5
            await pilot.press("6")  # Completed
            await settle(pilot)
            assert app.view.id == "completed"
            assert app.query_one(TaskList).total == 1
            app.show_view("repo:acb")  # tasks 1 (completed) and 4
            await settle(pilot)
            assert app.query_one(TaskList).total == 1


class TestTaskKeys:
    async def test_start_done_priority_undo_redo(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 3)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            number = app.current_task.number
            await pilot.press("s")
            await settle(pilot)
            assert ui_service.get(number).status == "in_progress"
            await pilot.press("s")
            assert ui_service.get(number).status == "pending"
            before = ui_service.get(number).priority
            await pilot.press("p")
            assert ui_service.get(number).priority != before
            await settle(pilot)
            target = app.current_task.number
            await pilot.press("d")
            assert ui_service.get(target).status == "completed"
            await pilot.press("u")
            assert ui_service.get(target).status == "pending"
            await pilot.press("ctrl+r")
            assert ui_service.get(target).status == "completed"

    async def test_delete_asks(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 2)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            number = app.current_task.number
            await pilot.press("D")
            await pilot.press("n")
            assert ui_service.count() == 2
            await pilot.press("D", "y")
            await settle(pilot)
            assert ui_service.count() == 1
            assert all(t.number != number for t in ui_service.list_tasks())

    async def test_errors_are_notifications(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("u")  # nothing to undo: a notification, not a traceback
            await pilot.pause()
            assert any("undo" in n.message.lower() for n in app._notifications)

    async def test_edit_inline_and_tags(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 1)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("e")
            detail = app.query_one(TaskDetail)
            assert detail.editing
            title = app.query_one("#edit-title")
            title.value = "renamed task"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert ui_service.get(1).title == "renamed task"
            assert not detail.editing
            await pilot.press("t")
            app.query_one("#edit-tags").value = "ux bug"
            await pilot.press("ctrl+s")
            assert ui_service.get(1).tags == ["ux", "bug"]
            await pilot.press("e", "escape")
            assert not detail.editing

    async def test_edit_every_field(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 1)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("e")
            app.query_one("#edit-scheduled").value = "2026-12-01"
            app.query_one("#edit-estimate").value = "1h30m"
            app.query_one("#edit-recurrence").value = "every other friday"
            app.query_one("#edit-assignee").value = "sam"
            await pilot.press("ctrl+s")
            await settle(pilot)
            task = ui_service.get(1)
            assert task.scheduled is not None and task.scheduled.date().isoformat() == "2026-12-01"
            assert task.estimate_minutes == 90 and task.assignee == "sam"
            assert task.recurrence == "FREQ=WEEKLY;BYDAY=FR;INTERVAL=2"
            await pilot.press(
                "e"
            )  # the form shows what is stored, readably; saving unchanged changes nothing
            assert app.query_one("#edit-estimate").value == "1h30m"
            assert app.query_one("#edit-recurrence").value == "every 2 weeks on Fri"
            assert app.query_one(TaskDetail).collect_changes() == {}
            app.query_one("#edit-estimate").value = "lots"  # unreadable: the service's error, nothing lost
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert ui_service.get(1).estimate_minutes == 90
            assert app.query_one(TaskDetail).editing

    async def test_open_detail_and_back(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 2)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            assert app.focused.id == "detail-view"
            await pilot.press("escape")
            assert isinstance(app.focused, TaskList)


class TestFilter:
    async def test_filter_as_you_type(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 12)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"number 1")
            await settle(pilot)
            assert app.query_one(TaskList).total == 4  # 1, 10, 11, 12
            await pilot.press("escape")
            await settle(pilot)
            assert app.query_one(TaskList).total == 12

    async def test_filter_with_no_match_clears_the_detail_pane(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 3)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            detail = app.query_one(TaskDetail)
            assert detail.shown is not None
            await pilot.press("slash", *"zzzz")
            await settle(pilot)
            assert app.query_one(TaskList).total == 0
            assert detail.shown is None
            assert "No match for “zzzz”" in app.query_one(TaskList).render_line(0).text
            await pilot.press("escape")
            await settle(pilot)
            assert detail.shown is not None

    async def test_sort_cycles_through_database_orders(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 5)
        ui_service.update(1, {"title": "zebra stripes"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tasks = app.query_one(TaskList)
            seen = []
            for _ in range(5):  # due, priority, number, newest, recently changed
                await pilot.press("o")
                await settle(pilot)
                seen.append((app.sort_order, [tasks.row(i).number for i in range(tasks.total)]))
            orders = dict(seen)
            assert orders["number"] == [1, 2, 3, 4, 5]
            assert orders["created"] == [5, 4, 3, 2, 1]
            assert "sorted by" in str(app.query_one("#title-bar").render())
            await pilot.press("o")  # title
            await settle(pilot)
            assert app.sort_order == "title"
            assert [tasks.row(i).number for i in range(tasks.total)][-1] == 1  # "zebra" sorts last
            await pilot.press("o")  # predicted finish (tests/ui/test_insights_ui.py): nothing finished, urgency
            await settle(pilot)
            assert app.sort_order == "predicted"
            await pilot.press("o")  # back to the view's own order
            await settle(pilot)
            assert app.sort_order is None


class TestQuickAdd:
    def test_token_at(self) -> None:
        assert token_at("fix @cra", 8) == (4, "@cra")
        assert token_at("fix @cra now", 3) == (0, "fix")

    async def test_create_with_parse(self, make: Any, ui_service: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await pilot.press(*"write docs tomorrow p2 #docs")
            quick = app.query_one(QuickAdd)
            assert quick.understood.fields["priority"] == "high"
            await pilot.press("enter")
            await settle(pilot)
            task = ui_service.get(1)
            assert (task.title, task.priority, task.tags) == ("write docs", "high", ["docs"])
            assert task.due is not None
            assert not quick.display

    async def test_escape_cancels(self, make: Any, ui_service: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a", *"nothing", "escape")
            assert not app.query_one(QuickAdd).display
            assert ui_service.count() == 0

    async def test_autocomplete_token(self, make: Any, ui_service: Any) -> None:
        ui_service.create({"title": "seed", "tags": ["perf"]})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"speed up #pe")
            await pilot.pause()
            await pilot.press("tab")
            assert app.query_one("#quick-input").value == "speed up #perf "
            assert app.complete_token("#1") == [("#1", "seed")]

    async def test_repositories_named_in_config_complete_too(self, make: Any, settings: Settings) -> None:
        from mhv.config import Config

        settings.config = Config.model_validate({"repos": {"docs": {"path": "/srv/docs"}}})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.complete_token("@d") == [("@docs", "repo")]  # no task and no registration yet
            await pilot.press("a", *"write the guide @do", "tab")
            assert app.query_one("#quick-input").value == "write the guide @docs "
            assert app.understand("write the guide @docs").fields["repo"] == "docs"

    async def test_low_confidence_asks(self, make: Any, ui_service: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"review 42", "enter")  # "42" may be task #42: confidence 0.55
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert ui_service.count() == 0
            await pilot.press("y")
            await settle(pilot)
            assert [t.title for t in ui_service.list_tasks()] == ["review 42"]


class TestPaletteHelpThemes:
    async def test_palette_runs_a_command(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 2)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            number = app.current_task.number
            await pilot.press("ctrl+k", *"task: complete")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert ui_service.get(number).status == "completed"

    async def test_palette_jumps_to_task_number(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 3)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+k", *"#3")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert app.query_one(TaskDetail).shown.number == 3

    async def test_help_shows_focused_widget_and_keys(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            text = app.screen.query_one("#help-text")._markdown  # type: ignore[attr-defined]
            keys = str(app.screen.query_one("#help-keys").render())
            assert "Task list" in text and "task.add" in keys and "Scroll Left" not in keys
            await pilot.press("escape")
            await pilot.press("f1")
            assert app.screen.__class__.__name__ == "HelpScreen"

    async def test_theme_saved_and_user_theme(self, make: Any, settings: Settings) -> None:
        settings.themes_dir.mkdir(parents=True)
        (settings.themes_dir / "mine.toml").write_text('name = "mine"\nprimary = "#ff00ff"\n')
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            assert "mine" in app.mhv_theme_names()
            app.set_theme("mhv-nord")
            await pilot.pause()
        assert load_settings(settings.folder).theme == "mhv-nord"

    async def test_keymap_rebinds_by_id(self, make: Any, ui_service: Any, settings: Settings) -> None:
        settings.keymap = {"task.complete": "x"}
        add_tasks(ui_service, 1)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("x")
            assert ui_service.get(1).status == "completed"


class TestLive:
    async def test_other_writers_appear(self, make: Any, ui_service: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.poll_events()
            ui_service.create({"title": "from another terminal"})
            assert len(app.poll_events()) == 1
            await settle(pilot)
            assert app.query_one(TaskList).total == 1

    async def test_file_watcher_follows(self, ui_service: Any, clock: Any, settings: Settings) -> None:
        import asyncio

        from mhv.app.main import make_app
        from mhv.store import open_store
        from mhv.tasks.service import TaskService

        app = make_app(ui_service, clock=clock, live=True, settings=settings)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            other = TaskService(open_store(ui_service.store.url), clock=clock, actor="other")
            other.create({"title": "written elsewhere"})
            for _ in range(400):  # within a second on a quiet machine; this checks that, not the speed
                await asyncio.sleep(0.05)
                if app.query_one(TaskList).total == 1:
                    break
            assert app.query_one(TaskList).total == 1

    async def test_messages_that_land_while_shutting_down_are_dropped(
        self, make: Any, ui_service: Any
    ) -> None:
        from mhv.widgets.task_list import TaskList

        ui_service.create({"title": "one"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            event = ui_service.events_since(0, 10)[-1]
        # The watcher thread and a reload can still deliver once the widgets are gone.
        app.on_task_list_highlighted(TaskList.Highlighted(ui_service.get("1")))
        app.on_mhv_app_events_arrived(app.EventsArrived([event]))


class TestRowColumns:
    def test_rows_line_up_and_narrow_in_order(self) -> None:
        from mhv.widgets.task_list import _columns

        rows = [
            _columns("Dec 01 17:00", "session-mgmt", ["security", "perf"], 60, 14),
            _columns("Dec 05", "", ["ci"], 60, 14),
            _columns("", "mhv", [], 60, 14),
        ]
        assert len({len(r) for r in rows}) == 1  # same width: the columns line up
        assert [r.index("Dec") for r in rows if "Dec" in r] == [rows[0].index("Dec")] * 2
        assert rows[0].startswith("#security #perf") and "@session-mgmt" in rows[0]
        tight = _columns("Dec 01 17:00", "session-mgmt", ["security", "perf"], 26, 14)
        assert tight == "@session-mg…  Dec 01 17:00"  # tags go first, then the name shortens
        assert _columns("Dec 01 17:00", "mhv", ["ci"], 10, 14) == "Dec 01 17:"

    async def test_a_millionth_task_lines_up_and_rows_keep_a_margin(self, make: Any, ui_service: Any) -> None:
        from mhv.widgets.task_list import TaskList

        ui_service.create({"title": "small number", "due": "2026-12-01T17:00:00+00:00"})
        with ui_service.store.write() as conn:  # the next task is the millionth
            conn.execute("UPDATE meta SET value = '1000000' WHERE key = 'next_number'")
        ui_service.create({"title": "big number", "due": "2026-12-02T17:00:00+00:00"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tasks = app.query_one(TaskList)
            rows = [tasks.render_line(y).text for y in range(2)]
            assert {row.strip().split()[0] for row in rows} == {"1", "1000000"}
            assert len({row.index("○") for row in rows}) == 1  # the icons line up after the numbers
            assert len({row.index("Dec") for row in rows}) == 1
            assert all(row.endswith(" 17:00 ") for row in rows)  # a blank cell before the edge

    async def test_a_long_repository_name_in_the_sidebar_ends_in_an_ellipsis(
        self, make: Any, ui_service: Any
    ) -> None:
        from mhv.widgets.sidebar import ViewSidebar

        ui_service.create({"title": "t", "repo": "a-rather-long-repository-name-indeed"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            sidebar = app.query_one(ViewSidebar)
            option = sidebar.get_option("repo:a-rather-long-repository-name-indeed")
            line = str(option.prompt)
            assert line.startswith("@a-rather-long") and "…" in line and line.rstrip().endswith(" 1")


class TestNotifications:
    async def test_brackets_in_messages_are_shown_not_eaten_as_markup(self, make: Any) -> None:
        from textual.content import Content

        from mhv.embed.errors import EmbeddingModelError

        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app._warn_model(
                EmbeddingModelError("no embedding model is available", "install it", reason="not_installed")
            )
            await pilot.pause()
            note = list(app._notifications)[-1]
            # Rendered as Textual's toast does: markup only when the notification asks for it.
            shown = Content.from_markup(note.message) if note.markup else Content(note.message)
            assert "pip install 'mhv[offline-model]'" in shown.plain


class TestLaunch:
    """Issue 19: the first page is drawn before what it does not need (tests/bench/bench_tui.py
    measures the time; here the order)."""

    async def test_first_rows_before_detail_counts_index_and_first_run(
        self, make: Any, ui_service: Any
    ) -> None:
        add_tasks(ui_service, 5)
        app = make()
        app.semantic_search = True  # the search index starts at launch, as for a user
        seen: dict[str, bool] = {}

        def rows_drawn() -> bool:
            tasks = app.query(TaskList)
            return bool(tasks) and tasks.first().row(0) is not None and app.screen._compositor is not None

        def record(name: str, original: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                seen.setdefault(name, rows_drawn())
                return original(*args, **kwargs)

            return wrapper

        app.index_in_background = lambda: seen.setdefault("index", rows_drawn())  # no model needed here
        app.refresh_counts = record("counts", app.refresh_counts)
        app._show_detail = record("detail", app._show_detail)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert seen == {"index": True, "counts": True, "detail": True}
            assert app.query_one(TaskDetail).shown.number == app.query_one(TaskList).current.number
            assert "Next" in str(app.query_one("#views").get_option_at_index(0).prompt)

    async def test_the_first_page_is_asked_for_before_the_screen_is_built(
        self, make: Any, ui_service: Any
    ) -> None:
        add_tasks(ui_service, 3)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            assert app._prefetched is None  # taken by the first reload
            await settle(pilot)
            assert app.query_one(TaskList).total == 3


class TestWaitingView:
    """Issue 18: tasks with a future `wait` leave the open views and show in Waiting, with the day."""

    async def test_waiting_tasks_listed_with_when_they_show(
        self, make: Any, ui_service: Any, clock: Any
    ) -> None:
        add_tasks(ui_service, 3)
        ui_service.update(2, {"wait": "2026-12-01"})
        ui_service.update(3, {"wait": "2026-11-27"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tasks = app.query_one(TaskList)
            assert tasks.total == 1  # Next: the waiting ones are hidden
            await pilot.press("7")
            await settle(pilot)
            assert (app.view.id, tasks.total) == ("waiting", 2)
            assert [tasks.row(i).number for i in range(2)] == [3, 2]  # the soonest to show first
            line = "".join(seg.text for seg in tasks.render_line(0))
            assert "from Nov 27" in line
            assert "until Fri 2026-11-27" in str(app.query_one("#detail-fields").render())
            sidebar = app.query_one("#views")
            assert "Waiting" in str(sidebar.get_option("waiting").prompt)
            assert str(sidebar.get_option("waiting").prompt).rstrip().endswith("2")

    async def test_reachable_from_the_palette_and_help(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 2)
        ui_service.update(1, {"wait": "2026-12-01"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+k", *"view: waiting")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert app.view.id == "waiting"
            await pilot.press("question_mark")
            await pilot.pause()
            assert "Waiting" in str(app.screen.query_one("#help-keys").render())
