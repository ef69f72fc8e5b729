"""What a keystroke costs the screen: typing repaints the line, it does not lay out the workspace.

A layout pass re-arranges every widget and redraws a band of the screen (4-15 ms at 120x40 with
100,000 tasks; tests/bench/bench_tui.py), so the keys that do not change any widget's size must not
ask for one. Layout passes are counted with the screen's own ``screen_layout_refresh_signal``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Input

from mhv.widgets.quick_add import DROPDOWN_ROWS, QuickAdd, TokenAutoComplete
from mhv.widgets.task_list import TaskList
from tests.ui.conftest import SIZE, add_tasks, settle


def count_layouts(app: Any) -> list[int]:
    passes: list[int] = []
    app.screen.screen_layout_refresh_signal.subscribe(app, lambda _screen: passes.append(1), immediate=True)
    return passes


class TestQuickAddKeystrokes:
    async def test_typing_words_lays_nothing_out(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 20)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await pilot.pause()
            passes = count_layouts(app)
            await pilot.press(*"fix flaky test tomorrow 5pm p1 ~2h")
            await pilot.pause()
            assert passes == []
            field = app.query_one("#quick-input", Input)
            assert field.value == "fix flaky test tomorrow 5pm p1 ~2h"
            preview = str(app.query_one("#quick-preview").render())
            assert "fix flaky test" in preview and "priority" in preview and "~2h" in preview

    async def test_a_line_wider_than_the_input_still_scrolls_to_the_cursor(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *("word " * 30))
            await pilot.pause()
            field = app.query_one("#quick-input", Input)
            assert field.virtual_size.width == len(field.value) + 1  # the text width, kept without layout
            assert field.scroll_offset.x > 0  # scrolled so the cursor stays in view
            assert field.cursor_screen_offset.x < SIZE[0]

    async def test_same_candidates_repaint_the_dropdown_in_place(self, make: Any, ui_service: Any) -> None:
        ui_service.create({"title": "seed", "repo": "crackerjack"})
        ui_service.create({"title": "other", "repo": "acb"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"ship @cr")
            await pilot.pause()
            complete = app.query_one(TokenAutoComplete)
            assert complete.display and complete.option_list.option_count == 1
            passes = count_layouts(app)
            await pilot.press(*"acker")  # still only @crackerjack: new highlights, same size
            await pilot.pause()
            assert passes == []
            assert complete.display and complete.option_list.option_count == 1
            await pilot.press("tab")
            assert app.query_one("#quick-input", Input).value == "ship @crackerjack "
            assert not complete.display

    async def test_narrowing_the_candidates_still_resizes_the_dropdown(
        self, make: Any, ui_service: Any
    ) -> None:
        ui_service.create({"title": "seed", "repo": "crackerjack"})
        ui_service.create({"title": "other", "repo": "acb"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"ship @c")
            await pilot.pause()
            complete = app.query_one(TokenAutoComplete)
            assert complete.option_list.option_count == 2
            assert complete.option_list.outer_size.height == 2
            await pilot.press("r")
            await pilot.pause()
            assert complete.option_list.option_count == 1
            assert complete.option_list.outer_size.height == 1
            await pilot.press("left")  # a cursor move without an edit: the token is "@c" again
            await pilot.pause()
            assert complete.option_list.option_count == 2
            await pilot.press("end")
            await pilot.pause()
            assert complete.option_list.option_count == 1
            await pilot.press("backspace", "backspace")  # back to "@": every repository again
            await pilot.pause()
            assert complete.option_list.option_count == 2
            await pilot.press("backspace", " ")
            await pilot.pause()
            assert not complete.display and complete.option_list.option_count == 0
            assert app.query_one(QuickAdd).display


class TestListUnderAPopup:
    async def test_the_list_scrollbar_is_not_repainted_by_an_unrelated_layout(
        self, make: Any, ui_service: Any
    ) -> None:
        add_tasks(ui_service, 60)  # more rows than fit: the list shows a vertical scrollbar
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            scrollbar = app.query_one(TaskList).vertical_scrollbar
            assert scrollbar.display
            await pilot.press("a")  # the bar takes rows from the list: its scrollbar is redrawn
            await pilot.pause()
            drawn: list[int] = []
            render = scrollbar.render

            def counted_render() -> Any:
                drawn.append(1)
                return render()

            scrollbar.render = counted_render  # type: ignore[method-assign]
            passes = count_layouts(app)
            await pilot.press(*"x #c")  # the dropdown opens over the list: layout passes
            await pilot.pause()
            assert passes and app.query_one(TokenAutoComplete).display
            assert drawn == []
            await pilot.press("escape", "escape")
            await pilot.pause()
            await pilot.press("j")  # the list itself moving still repaints its scrollbar
            await pilot.pause()
            app.query_one(TaskList).scroll_to(y=20, animate=False)
            await pilot.pause()
            assert drawn


class TestCollectionsWhileTyping:
    async def test_full_collections_wait_while_a_typing_surface_is_open(self, make: Any) -> None:
        import gc

        full: list[int] = []

        def count_full(phase: str, info: dict[str, int]) -> None:
            if phase == "start" and info["generation"] == 2:
                full.append(1)

        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            thresholds = gc.get_threshold()
            frozen = gc.get_freeze_count()  # what the dependency graph froze for good (graph/cache.py)
            gc.callbacks.append(count_full)
            try:
                for opener in ("a", "ctrl+k"):
                    await pilot.press(opener)
                    await pilot.pause()
                    assert gc.get_threshold()[:2] == thresholds[:2]  # young garbage is still collected
                    assert gc.get_threshold()[2] > 10_000  # full collections wait while typing
                    full.clear()
                    young_before = gc.get_stats()[1]["collections"]
                    await pilot.press(*"fix flaky auth test @crackerjack tomorrow 5pm p1 #ci")
                    junk = [[i, {"k": i}] for i in range(300_000)]  # allocations that cross the thresholds
                    del junk
                    await pilot.pause()
                    assert gc.get_stats()[1]["collections"] > young_before  # generation 1 ran meanwhile
                    assert full == []  # and no full collection did
                    await pilot.press("escape", "escape")
                    await pilot.pause()
                    assert gc.get_threshold() == thresholds  # the next full collection sees everything
                    if frozen:  # not unfrozen (refcounting may free a few frozen objects)
                        assert gc.get_freeze_count() > frozen // 2
            finally:
                gc.callbacks.remove(count_full)


def hold_paced_frames(screen: Any) -> None:
    """Stop ``screen``'s 60 Hz update timer from ever drawing (count_frames counts what is written)."""
    screen._update_timer.pause()
    screen._update_timer.resume = lambda: None  # paced frames never come


def count_frames(app: Any) -> list[int]:
    frames: list[int] = []
    display = app._display

    def counted(screen: Any, renderable: Any) -> None:
        frames.append(1)
        display(screen, renderable)

    app._display = counted
    return frames


class TestPromptFrames:
    async def test_a_keystroke_is_drawn_without_waiting_for_the_frame_timer(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await pilot.pause()
            hold_paced_frames(app.screen)
            frames = count_frames(app)
            await pilot.press("x")
            await asyncio.sleep(0.05)  # not pilot.pause(): it draws a frame itself
            assert frames  # drawn by the key's own idle, not by the (stopped) timer
            assert app.query_one("#quick-input", Input).value == "x"

    async def test_other_changes_stay_paced(self, make: Any, ui_service: Any) -> None:
        add_tasks(ui_service, 5)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.pause(0.2)  # past the input window of the keys that opened nothing
            hold_paced_frames(app.screen)
            frames = count_frames(app)
            app.query_one(TaskList).refresh()  # not caused by input: waits for the timer's tick
            await asyncio.sleep(0.05)
            assert frames == []

    async def test_the_palette_draws_keystrokes_at_once_too(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+k")
            await pilot.pause()
            hold_paced_frames(app.screen)
            frames = count_frames(app)
            await pilot.press("v")
            await asyncio.sleep(0.05)
            assert frames


class TestDropdown:
    async def test_it_opens_at_its_final_size_under_the_token(self, make: Any, ui_service: Any) -> None:
        for i, repo in enumerate(["crackerjack", "acb", "a-rather-long-repository-name"]):
            ui_service.create(
                {"title": f"t{i}", "repo": repo, "tags": [f"tag{n}" for n in range(i * 5, i * 5 + 5)]}
            )
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"ship it ")
            await pilot.pause()
            complete = app.query_one(TokenAutoComplete)
            drawn: list[Any] = []  # where the dropdown was at each layout pass
            app.screen.screen_layout_refresh_signal.subscribe(
                app,
                lambda _screen: drawn.append(complete.region if complete.display else None),
                immediate=True,
            )
            await pilot.press("#")
            await asyncio.sleep(0.1)  # frames as the app draws them (pilot.pause adds one)
            assert complete.display
            # Left to Textual's "auto" size it grew over 3-4 passes a frame apart; now the first
            # pass that shows it puts it where it stays.
            assert drawn and set(drawn) == {complete.region}
            field = app.query_one("#quick-input", Input)
            token_x = app.screen._compositor.render_strips()[field.content_region.y].text.rindex("#")
            assert complete.region.x == token_x  # "#tag0  tag" starts under the "#" typed
            rows = complete.option_list.option_count
            assert rows == 15 and complete.region.height == DROPDOWN_ROWS  # the rest scroll
            widest = max(complete.option_list.get_option_at_index(i).prompt.cell_length for i in range(rows))
            assert complete.region.width == widest + 1  # and the scrollbar has its column
            assert complete.region.bottom == field.region.y  # right above the line
            drawn.clear()
            await pilot.press(*"tag1")  # #tag1, #tag10-14: smaller, still anchored above the line
            await asyncio.sleep(0.1)
            assert complete.region.x == token_x and complete.region.height == 6
            assert complete.region.bottom == field.region.y
            assert set(drawn) == {complete.region}

    async def test_tab_straight_after_a_key_completes_what_was_typed(
        self, make: Any, ui_service: Any
    ) -> None:
        from textual import events

        ui_service.create({"title": "seed", "tags": ["ci", "cli"]})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a", *"x #c")
            await pilot.pause()
            # The list follows the echo a frame later; Tab arriving before that frame must still
            # complete "#cl", not what the list held for "#c".
            for key, char in (("l", "l"), ("tab", None)):
                app.post_message(events.Key(key, char))
            await pilot.pause()
            await pilot.pause()
            assert app.query_one("#quick-input", Input).value == "x #cli "
