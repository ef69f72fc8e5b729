"""The workspace: views sidebar, virtual task list, detail pane, quick-add line, palette, live updates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from mhv.app.commands import COMMANDS, COMMANDS_BY_ACTION
from mhv.app.insights_support import InsightsSupport
from mhv.app.live import EventFollower
from mhv.app.onboarding import on_start
from mhv.app.palette import PROVIDERS, MhvCommandPalette
from mhv.app.quick_parse import Understood, understand
from mhv.app.repos_support import RepoSupport
from mhv.app.screens import ConfirmScreen, HelpScreen, help_for, key_table
from mhv.app.search_support import SearchSupport
from mhv.app.settings import Settings
from mhv.app.views import BASE_VIEWS, SORT_LABELS, SORT_ORDERS, View, view_for
from mhv.errors import MhvError
from mhv.tasks.intents import QuickSettings, quick_settings
from mhv.tasks.lookup import by_number
from mhv.tasks.models import PRIORITIES, Event, Task, TaskFilter
from mhv.tasks.service import TaskService
from mhv.themes import APP_VARIABLE_DEFAULTS, BUILTIN_THEMES, DEFAULT_THEME, load_user_themes
from mhv.widgets.detail import TaskDetail
from mhv.widgets.frames import PromptScreen, mark_input
from mhv.widgets.quick_add import QuickAdd
from mhv.widgets.sidebar import ViewSidebar
from mhv.widgets.task_list import PAGE, TaskList

T = TypeVar("T")
Clock = Callable[[], datetime]


def _bindings() -> list[BindingType]:
    out: list[BindingType] = [
        Binding(c.key, c.action, c.footer, show=c.show, id=c.id, tooltip=c.help) for c in COMMANDS
    ]
    out += [Binding(str(i), f"show_view('{v.id}')", v.label, show=False, id=f"view.{v.id}")
            for i, v in enumerate(BASE_VIEWS, start=1)]  # fmt: skip
    out.append(Binding("escape", "go_back", "Back", show=False, id="app.back"))
    return out


class MhvApp(InsightsSupport, RepoSupport, SearchSupport, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "mhv"
    BINDINGS = _bindings()
    COMMANDS = set(PROVIDERS)  # type: ignore[assignment]
    COMMAND_PALETTE_BINDING = "ctrl+k"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    HELP = "## mhv\n\nA keyboard-driven task workspace."
    start_tour_on_mount = False  # `mhv tour`
    tour: Any = None  # the running onboarding tour (mhv.app.tour.Tour)

    class Reloaded(Message):
        def __init__(self, generation: int, total: int, first_page: list[Task], keep_cursor: bool,
                     highest: int) -> None:  # fmt: skip
            super().__init__()
            self.generation = generation
            self.total = total
            self.first_page = first_page
            self.keep_cursor = keep_cursor
            self.highest = highest  # the highest task number in use

    class CountsReady(Message):
        def __init__(self, entries: list[tuple[str, str, int | None]], status: dict[str, int], repos: list[str],
                     tags: list[str]) -> None:  # fmt: skip
            super().__init__()
            self.entries = entries
            self.status = status
            self.repos = repos
            self.tags = tags

    class EventsArrived(Message):
        def __init__(self, events: list[Event]) -> None:
            super().__init__()
            self.events = events

    def __init__(self, service: TaskService, *, clock: Clock | None = None, live: bool = True,
                 settings: Settings | None = None) -> None:  # fmt: skip
        super().__init__()
        self.service = service
        self.clock: Clock = clock or service.clock
        self.live = live
        self.settings = settings or Settings(save_state=False)
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mhv-db")
        self.view: View = view_for(self.settings.view)
        self.filter_text = ""
        self.sort_order: str | None = None  # None: the view's own order
        self._quick_settings: QuickSettings | None = None
        self._problems_shown = 0  # settings.problems already shown as warnings
        self.known_repos: list[str] = []
        self.known_tags: list[str] = []
        self.total = 0
        self._generation = 0
        self._status_counts: dict[str, int] = {}
        self._launched = False  # the first rows are drawn: what launch deferred has been started
        self._prefetched: Future[tuple[list[Task], int]] | None = None
        self._follower: EventFollower | None = None
        for theme in BUILTIN_THEMES:
            self.register_theme(theme)
        user_themes, self._theme_problems = load_user_themes(self.settings.themes_dir)
        self._user_theme_names = [t.name for t in user_themes]
        for theme in user_themes:
            self.register_theme(theme)
        wanted = self.settings.theme or DEFAULT_THEME
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME

    # ------------------------------------------------------------------ layout
    def get_default_screen(self) -> Screen[Any]:
        return PromptScreen(id="_default")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            mark_input(self.screen)  # the frame that answers it is drawn at once (mhv.widgets.frames)
        await super().on_event(event)

    def compose(self) -> ComposeResult:
        yield Static("", id="title-bar")
        with Horizontal(id="main"):
            yield ViewSidebar(id="views")
            with Horizontal(id="panes"):
                with Vertical(id="list-pane"):
                    yield Input(placeholder="filter: words in title or description", id="filter")
                    yield TaskList(tz=self.service.tz, executor=self.db, id="tasks")
                yield TaskDetail(tz=self.service.tz, id="detail")
        yield QuickAdd(self.complete_token, self.understand, id="quick-add")
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def on_load(self) -> None:
        """Before the stylesheet is parsed and the widgets mounted: the first page's query starts on
        the reader thread (SQLite leaves the GIL while it ranks), so it runs while Textual builds the
        screen rather than after it (docs/tui.md, "Launch")."""
        self._generation += 1
        self.register_predicted_order()  # a dict entry: mhv.insights loads when the order is chosen
        self._prefetched = self.db.submit(self._first_page, self.current_filter())

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self._problems_shown = len(self.settings.problems)
        for problem in [*self.settings.problems, *(str(e) for e in self._theme_problems)]:
            self.notify(problem, severity="warning", timeout=8)
        self.query_one("#filter").display = False
        self.query_one("#quick-add").display = False
        self.query_one(TaskList).focus()
        if self.is_headless:  # tests and snapshots: nothing that changes with time
            self.animation_level = "none"
            for field in self.query(Input):
                field.cursor_blink = False
        self._update_title()
        # The first page was asked for in on_load; everything else waits until its rows are drawn
        # (on_mhv_app_reloaded, then _after_first_rows).
        self._reload(self._generation, self.current_filter(), False)

    async def _after_first_rows(self) -> None:
        """Launch, once the first rows are on screen: what the first page does not need. The
        sidebar's counts, the selected task's detail (with its prediction and similar tasks), the
        file watcher, the dependency graph, the search index and the first-run choices each cost as
        much as the page itself at 10,000 tasks, and drawn before it they only delay it."""
        if self._launched or self._torn_down:
            return
        self._launched = True
        self.refresh_counts()
        if self.live:  # before anything awaits: a write made from now on is followed
            self._follower = EventFollower(
                self.service, self._deliver_events, start_seq=self.service.last_seq()
            )
            self._follow()
            self._warm_graph()
        await self.query_one(TaskDetail).build()
        if self._torn_down:
            return
        task = self.current_task
        if task is not None and not self.query_one(TaskDetail).editing:
            self._show_detail(task.id)
        self.refresh_bindings()
        self.index_in_background()
        self._check_config()
        on_start(self)  # first-run choices, the tour, or its resumption

    @work(thread=True, exclusive=True, group="config", exit_on_error=False)
    def _check_config(self) -> None:
        """config.toml checked whole (Pydantic) off the UI thread, after the first rows: launch read
        only its theme and keymap. Its problems, if any, are shown now."""
        _ = self.settings.config
        if not self._torn_down:
            self.call_from_thread(self._show_new_problems)

    def _show_new_problems(self) -> None:
        for problem in self.settings.problems[self._problems_shown :]:
            self.notify(problem, severity="warning", timeout=8)
        self._problems_shown = len(self.settings.problems)

    def on_unmount(self) -> None:
        if self._follower is not None:
            self._follower.stop()
        self.db.shutdown(wait=False, cancel_futures=True)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:  # fmt: skip
        """Textual's, but plain text unless asked: messages carry task titles, config lines and
        error hints, whose brackets (``pip install 'mhv[offline-model]'``, ``[quick_add]``) Rich
        markup would swallow."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def watch_theme(self, theme: str) -> None:
        self.settings.save(theme=theme)

    # ------------------------------------------------------------------ reading (one reader thread)
    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db, partial(fn, *args))

    def current_filter(self) -> TaskFilter:
        text = "" if self.filter_text.startswith("?") else self.filter_text  # "?words": ranked by meaning
        return self.view.filter(self.clock(), self.service.tz, text, self.sort_order)

    def _fetcher(self, flt: TaskFilter) -> Callable[[int, int], list[Task]]:
        return partial(self.page_for, flt)  # SearchSupport: ranked by meaning when the filter is "?..."

    def reload(self, *, keep_cursor: bool = False) -> None:
        """A new view or filter: count and first page in the reader thread, then draw."""
        self._generation += 1
        self._reload(self._generation, self.current_filter(), keep_cursor)

    def _first_page(self, flt: TaskFilter) -> tuple[list[Task], int]:
        """Rows 0.. of ``flt`` and the highest task number (the number column's width). Reader thread."""
        return self.page_for(flt, 0, PAGE), self.service.highest_number()

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def _reload(self, generation: int, flt: TaskFilter, keep_cursor: bool) -> None:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None:  # launch: asked for in on_load
            first, highest = await asyncio.wrap_future(prefetched)
        else:
            first, highest = await self.read(
                self._first_page, flt
            )  # the page first: a ranked view sorts once
        total = len(first) if len(first) < PAGE else await self.read(self.count_for, flt)
        self.post_message(self.Reloaded(generation, total, first, keep_cursor, highest))

    def on_mhv_app_reloaded(self, message: Reloaded) -> None:
        if message.generation != self._generation or self._torn_down:  # stale, or shutting down
            return
        self.total = message.total
        tasks = self.query_one(TaskList)
        label = self.view.label
        tasks.empty_text = (f"No match for “{self.filter_text}” in {label} · esc clears the filter"
                            if self.filter_text else f"Nothing in {label} · a adds a task")  # fmt: skip
        tasks.set_highest_number(message.highest)
        tasks.date_field = "wait" if self.current_filter().waiting else "due"
        tasks.flags = dict(self.predicted_miss) if self.sort_order == "predicted" else {}
        if self.sort_order == "predicted" and self.predicted_note:
            self.notify(self.predicted_note, severity="warning", timeout=4)
        tasks.set_source(self._fetcher(self.current_filter()), message.total, message.first_page,
                         keep_cursor=message.keep_cursor)  # fmt: skip
        self._update_title()
        if not message.first_page:
            self.query_one(TaskDetail).show_task(None)
        if not self._launched:  # launch: the rest waits until these rows are drawn
            self.call_after_refresh(self._after_first_rows)

    @property
    def _torn_down(self) -> bool:
        """The panes are gone: the app is shutting down, and what workers, the reader thread and the
        file watcher still deliver is dropped."""
        return not self.query(TaskDetail)

    def refresh_counts(self) -> None:
        self._refresh_counts(self.clock())

    @work(exclusive=True, group="counts", exit_on_error=False)
    async def _refresh_counts(self, now: datetime) -> None:
        svc = self.service

        def gather() -> MhvApp.CountsReady:
            entries: list[tuple[str, str, int | None]] = []
            for view in BASE_VIEWS:
                entries.append((view.id, view.label, svc.count(view.filter(now, svc.tz))))
            repos, tags = sorted(set(svc.repo_names()) | set(self.settings.config.repos)), svc.tag_names()
            by_repo, by_tag = svc.open_counts()
            entries.append(("-repos", "By repository", None))
            entries += [(f"repo:{r}", f"@{r}", by_repo.get(r, 0)) for r in repos[:30]]
            entries.append(("-tags", "By tag", None))
            entries += [(f"tag:{t}", f"#{t}", by_tag.get(t, 0)) for t in tags[:30]]
            return MhvApp.CountsReady(entries, svc.counts_by_status(), repos, tags)

        self.post_message(await self.read(gather))

    def on_mhv_app_counts_ready(self, message: CountsReady) -> None:
        if self._torn_down:
            return
        self.known_repos, self.known_tags = message.repos, message.tags
        self.query_one(TaskList).set_repo_names(message.repos)
        self._status_counts = message.status
        self.query_one(ViewSidebar).set_entries(message.entries, self.view.id)
        self._update_title()

    def _update_title(self) -> None:
        counts = self._status_counts
        parts = [
            f"[b]mhv[/b]  ▸ [b $accent]{self.view.label}[/]",
            f"{self.total:,} {'task' if self.total == 1 else 'tasks'}",
        ]
        if counts.get("in_progress"):
            parts.append(f"[$status-in-progress]◐ {counts['in_progress']:,} in progress[/]")
        if counts.get("blocked"):
            parts.append(f"[$status-blocked]⊘ {counts['blocked']:,} blocked[/]")
        open_count = sum(counts.get(s, 0) for s in ("pending", "in_progress", "blocked"))
        if counts:
            parts.append(f"[dim]{open_count:,} open · {counts.get('completed', 0):,} done[/]")
        if self.filter_text:
            parts.append(f"[$warning]filter: {self.filter_text}[/]")
        if self.sort_order:
            parts.append(f"[$accent]sorted by {SORT_LABELS[self.sort_order]}[/]")
        self.query_one("#title-bar", Static).update("   ".join(parts))

    # ------------------------------------------------------------------ live updates
    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def _follow(self) -> None:
        if self._follower is not None:
            self._follower.run()

    def _deliver_events(self, events: list[Event]) -> None:
        self.post_message(self.EventsArrived(events))

    def poll_events(self) -> list[Event]:
        """Read the log now (tests and ``live=False`` use this instead of the file watcher)."""
        if self._follower is None:
            self._follower = EventFollower(self.service, self._deliver_events, start_seq=0)
            self._follower.seq = self.service.last_seq()
            return []
        return self._follower.catch_up()

    def on_mhv_app_events_arrived(self, message: EventsArrived) -> None:
        if not self._torn_down:  # the watcher thread delivers until it stops
            self.apply_changes({e.task_id for e in message.events if e.task_id})

    def apply_changes(self, task_ids: set[str]) -> None:
        """Some tasks changed: refetch the visible rows (not the table), the counts and the detail."""
        self.search_changed(task_ids)
        self._recount_and_redraw()
        self.refresh_counts()
        detail = self.query_one(TaskDetail)
        if detail.shown is not None and detail.shown.id in task_ids and not detail.editing:
            self._show_detail(detail.shown.id)

    @work(exclusive=True, group="recount", exit_on_error=False)
    async def _recount_and_redraw(self) -> None:
        total = await self.read(self.count_for, self.current_filter())
        self.total = total
        self.query_one(TaskList).invalidate(total)
        self._update_title()

    # ------------------------------------------------------------------ list and detail
    @property
    def current_task(self) -> Task | None:
        return self.query_one(TaskList).current

    def on_task_list_highlighted(self, message: TaskList.Highlighted) -> None:
        if self._torn_down or not self._launched:  # a late message from a reload; launch: _after_first_rows
            return
        if message.task is None:
            self.query_one(TaskDetail).show_task(None)
        elif not self.query_one(TaskDetail).editing:
            self._show_detail(message.task.id)
        self.refresh_bindings()

    def on_task_list_selected(self, message: TaskList.Selected) -> None:
        self.action_open_detail()

    def _show_detail(self, ref: str | int) -> None:
        try:
            task = self.service.get(ref)
            links = self.service.links(task.id)
            history = self.service.history(task.id)
            graph_facts = {"unblocks": self.service.would_unblock(task.id),
                           "progress": self.service.subtask_progress(task.id)}  # fmt: skip
        except MhvError as err:
            self.query_one(TaskDetail).show_task(None)
            self._error(err)
            return
        self.query_one(TaskDetail).show_task(task, links, history, graph_facts)
        self.show_similar_for(task)
        self.show_prediction_for(task)

    def jump(self, number: int) -> None:
        """Show task ``number``: select it when it is in the list, and open it in the detail pane."""
        tasks = self.query_one(TaskList)
        if not tasks.select_number(number):
            tasks.pending_select = number
        self._show_detail(number)

    # ------------------------------------------------------------------ enablement
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        command = COMMANDS_BY_ACTION.get(action)
        if command is None:
            return True
        if command.available(self.current_task):
            return True
        return None  # shown greyed in the footer

    def key_for(self, binding_id: str) -> str | None:
        return self.settings.keymap.get(binding_id)

    def base_view_labels(self) -> list[tuple[str, str]]:
        return [(v.id, v.label) for v in BASE_VIEWS]

    def mhv_theme_names(self) -> list[str]:
        return [t.name for t in BUILTIN_THEMES] + self._user_theme_names

    def set_theme(self, name: str) -> None:
        self.theme = name

    # ------------------------------------------------------------------ actions: navigation
    def show_view(self, view_id: str) -> None:
        self.view = view_for(view_id)
        self.settings.save(view=self.view.id)
        self.query_one(ViewSidebar).select(self.view.id)
        self._update_title()
        self.reload()
        self.query_one(TaskList).focus()

    def set_sort(self, order: str | None) -> None:
        self.sort_order = order
        self._update_title()
        self.reload()

    def action_command_palette(self) -> None:  # Textual's, with the palette that skips layout per key
        if self.use_command_palette and not MhvCommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(MhvCommandPalette(id="--command-palette"))

    def action_cycle_sort(self) -> None:
        orders = [order for order, _label in SORT_ORDERS]
        self.set_sort(orders[(orders.index(self.sort_order) + 1) % len(orders)])
        self.notify(f"Sorted by {SORT_LABELS[self.sort_order]}", timeout=1.5)

    def action_show_view(self, view_id: str) -> None:
        self.show_view(view_id)

    def on_view_sidebar_view_chosen(self, message: ViewSidebar.ViewChosen) -> None:
        self.show_view(message.view_id)

    def action_open_detail(self) -> None:
        task = self.current_task
        if task is not None:
            self._show_detail(task.id)
            self.query_one("#detail-view").focus()

    def action_go_back(self) -> None:
        if self.query_one("#filter").has_focus:
            self._close_filter(clear=True)
            return
        if self.tour is not None and self.query_one(TaskList).has_focus:
            self.tour.skip()
            return
        self.query_one(TaskList).focus()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    def _close_filter(self, *, clear: bool) -> None:
        field = self.query_one("#filter", Input)
        if clear:
            field.value = ""
            field.display = False
            if self.filter_text:
                self.filter_text = ""
                self.reload()
        self.query_one(TaskList).focus()
        self._update_title()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._update_title()
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self._close_filter(clear=not event.value.strip())

    def action_help(self) -> None:
        self.show_help_for(None)

    def show_help_for(self, selector: str | None) -> None:
        widget = self.query_one(selector) if selector else self.focused
        rows: list[tuple[str, str, str, bool]] = []
        for active in self.active_bindings.values():
            binding = active.binding
            if not binding.description:
                continue
            rows.append(
                (self.get_key_display(binding), binding.description, binding.id or "", active.enabled)
            )
        self.push_screen(HelpScreen(help_for(widget), key_table(rows)))

    # ------------------------------------------------------------------ actions: writes
    def _error(self, err: MhvError) -> None:
        self.notify(
            f"{err.message}" + (f"\n{err.hint}" if err.hint else ""), title=err.code, severity="error"
        )

    def _write(self, label: str, fn: Callable[[], Any]) -> Any:
        """Run one service write; errors become a notification; the screen follows the change."""
        try:
            result = fn()
        except MhvError as err:
            self._error(err)
            return None
        self.notify(label, timeout=3)
        self.apply_changes(_touched(result))
        return result

    def action_toggle_start(self) -> None:
        task = self.current_task
        if task is None:
            return
        if task.status == "in_progress":
            self._write(f"stopped #{task.number}", partial(self.service.stop, task.number))
        elif self.wants_worktree(task):  # [repos.NAME] worktrees = true (mhv/app/repos_support.py)
            self.start_with_worktree(task)
        else:
            self._write(f"started #{task.number}", partial(self.service.start, task.number))

    def action_complete(self) -> None:
        task = self.current_task
        if task is not None and self.required_gates(task):  # gates first (mhv/app/repos_support.py)
            self.complete_behind_gates(task)
        elif task is not None and task.worktree_path:
            self.finish_task(task.number)
        elif task is not None:
            result = self._write(
                f"completed #{task.number} {task.title}", partial(self.service.complete, task.number)
            )
            if result and result[1] is not None:
                self.notify(f"next occurrence #{result[1].number}", timeout=3)

    def action_cycle_priority(self) -> None:
        task = self.current_task
        if task is not None:
            new = (
                PRIORITIES[(PRIORITIES.index(task.priority) + 1) % len(PRIORITIES)]
                if task.priority in PRIORITIES
                else "medium"
            )
            self._write(
                f"#{task.number} priority {new}", partial(self.service.update, task.number, {"priority": new})
            )

    async def action_edit(self) -> None:
        await self._edit("edit-title")

    async def action_edit_tags(self) -> None:
        await self._edit("edit-tags")

    async def _edit(self, focus: str) -> None:
        if self.current_task is not None:
            detail = self.query_one(TaskDetail)
            await detail.build()  # built after the first rows; a key pressed before that waits for it
            self._show_detail(self.current_task.id)
            detail.start_edit(focus)

    def on_task_detail_save(self, message: TaskDetail.Save) -> None:
        detail = self.query_one(TaskDetail)
        if not message.changes:
            detail.stop_edit()
            self.query_one(TaskList).focus()
            return
        result = self._write(
            f"saved #{message.number}", partial(self.service.update, message.number, message.changes)
        )
        if result is not None:
            detail.stop_edit()
            self._show_detail(message.number)
            self.query_one(TaskList).focus()

    def on_task_detail_cancelled(self, message: TaskDetail.Cancelled) -> None:
        self.query_one(TaskList).focus()

    def action_delete(self) -> None:
        task = self.current_task
        if task is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._write(f"deleted #{task.number} (u undoes)", partial(self.service.delete, task.number))

        self.push_screen(ConfirmScreen(f"Delete #{task.number} “{task.title}”?", yes="Delete"), answer)

    def action_undo(self) -> None:
        self._write_action("undid", self.service.undo)

    def action_redo(self) -> None:
        self._write_action("redid", self.service.redo)

    def _write_action(self, verb: str, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except MhvError as err:
            self._error(err)
            return
        self.notify(f"{verb}: {result.label}", timeout=3)
        self.apply_changes({t.id for t in result.tasks})

    # ------------------------------------------------------------------ graph (mhv/app/graph_screen.py)
    def action_show_graph(self) -> None:
        if self.current_task is not None:
            self.show_graph(task=self.current_task.number)

    def action_show_all_graph(self) -> None:
        self.show_graph()

    def action_show_repo_graph(self) -> None:
        if self.current_task is not None and self.current_task.repo:
            self.show_graph(repo=self.current_task.repo)

    def show_graph(self, *, task: int | None = None, repo: str | None = None, tag: str | None = None) -> None:
        from mhv.app.graph_screen import GraphScreen

        self.push_screen(GraphScreen(task=task, repo=repo, tag=tag),
                         lambda number: self.jump(number) if number is not None else None)  # fmt: skip

    @work(thread=True, exclusive=True, group="graph", exit_on_error=False)
    def _warm_graph(self) -> None:
        """Load the dependency graph off the UI thread (2 s at 100,000 tasks), so the first link
        added from the keyboard does not wait for it. The service keeps it fresh afterwards."""
        with self.service.dependency_graph():
            pass

    # ------------------------------------------------------------------ quick add
    def action_quick_add(self) -> None:
        self.query_one(QuickAdd).open()

    def understand(self, text: str) -> Understood:
        now = self.clock().astimezone(self.service.tz)
        if self._quick_settings is None:  # read once: the line is understood on every keystroke
            self._quick_settings = quick_settings(self.settings.config)
        return understand(text, now=now, known_repos=self.known_repos, settings=self._quick_settings)

    def use_service(self, service: TaskService) -> None:
        """Show another workspace: the tour's sandbox, and back again."""
        self.service = service
        self.filter_text = ""
        self.query_one("#filter", Input).value = ""
        self.query_one("#filter").display = False
        self.query_one(TaskDetail).show_task(None)
        self.reload()
        self.refresh_counts()
        self.query_one(TaskList).focus()

    def complete_token(self, token: str) -> list[tuple[str, str]]:
        """Candidates for the token under the cursor in the quick-add line."""
        body = token[1:].lower()
        if token.startswith("@"):
            return [(f"@{r}", "repo") for r in self.known_repos if body in r.lower()][:20]
        if body.isdigit():
            return [(f"#{hit.number}", hit.title[:24]) for hit in by_number(self.service, int(body))]
        return [(f"#{t}", "tag") for t in self.known_tags if body in t.lower()][:20]

    def on_quick_add_cancelled(self, message: QuickAdd.Cancelled) -> None:
        self.query_one(QuickAdd).close()
        self.query_one(TaskList).focus()

    def on_quick_add_submitted(self, message: QuickAdd.Submitted) -> None:
        """Enter: carry out the line's plan (mhv.tasks.intents, as `mhv tc` does); ask first when the
        parse is unsure or the line deletes."""
        understood = self.understand(message.text)
        if understood.needs_confirmation:
            yes = "Delete" if understood.intent == "delete" else "Go ahead"
            self.push_screen(ConfirmScreen(understood.question(), yes=yes),
                             lambda ok: self._act(understood, message.text) if ok else None)  # fmt: skip
        else:
            self._act(understood, message.text)

    def _act(self, understood: Understood, text: str) -> None:
        from mhv.tasks.intents import LIST, SEARCH, SHOW, Action, apply

        action = understood.action or Action("create", text=text, fields=dict(understood.fields))
        quick = self.query_one(QuickAdd)
        if action.kind == SHOW and action.target is not None:
            quick.close()
            self.jump(action.target)
            self.query_one(TaskList).focus()
            return
        if action.kind in (LIST, SEARCH) and action.filter is not None:
            quick.close()
            flt, label = action.filter, action.describe(self.clock().astimezone(self.service.tz))
            self.view = View("quick", label[:40], lambda now, tz: flt)
            self._update_title()
            self.reload()
            self.query_one(TaskList).focus()
            return
        outcome = self._write("", partial(apply, self.service, action))
        if outcome is None:
            return
        self.clear_notifications()
        self.notify(outcome.message + "".join(f"\n{w}" for w in action.warnings), timeout=3)
        if outcome.next_task is not None:
            self.notify(f"next occurrence #{outcome.next_task.number}", timeout=3)
        self.apply_changes(
            {t.id for t in (*outcome.tasks, *([outcome.next_task] if outcome.next_task else []))}
        )
        quick.close()
        self.query_one(TaskList).focus()
        if outcome.task is not None and action.kind != "delete":
            self.jump(outcome.task.number)


def _touched(result: Any) -> set[str]:
    if isinstance(result, Task):
        return {result.id}
    if isinstance(result, tuple):
        return {t.id for t in result if isinstance(t, Task)}
    return set()
