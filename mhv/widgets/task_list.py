"""A virtual task list: draws only the visible rows and fetches pages of rows off the UI thread.

Textual's DataTable builds every row up front (~6 s at 100,000 tasks). This widget knows only the
row count; ``render_line`` asks a small page cache for row ``y`` and, when the page is missing, draws
a placeholder and starts a thread worker that fetches that page (LIMIT/OFFSET in the database) and
refreshes. Filtering and sorting stay in the database.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from mhv.tasks.models import Task
from mhv.widgets.scrolling import SteadyScrollView

PAGE = 200
MAX_PAGES = 32
FetchPage = Callable[[int, int], list[Task]]

STATUS_ICONS = {"pending": "○", "in_progress": "◐", "blocked": "⊘", "completed": "●", "cancelled": "✕"}
PRIORITY_MARKS = {"critical": "!!", "high": "! ", "medium": "  ", "low": "↓ "}


class TaskList(SteadyScrollView, can_focus=True):
    """The task list. Rows come from a page fetcher; only what is on screen is ever drawn."""

    HELP = """\
## Task list

The tasks of the current view, most urgent first. Only the rows on screen are drawn, so the list
stays quick at 100,000 tasks.

- **j / k** or the arrows move, **g / G** jump to the top / bottom, **PgUp / PgDn** page.
- **enter** or **tab** opens the selected task in the detail pane.
- **/** filters as you type (the filter runs in the database); **/?words** ranks by meaning instead.
- **a** adds a task with the quick-add line, **s** starts, **d** completes, **p** cycles the priority.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "cursor_top", "Top", show=False, id="list.top"),
        Binding("G,end", "cursor_bottom", "Bottom", show=False, id="list.bottom"),
        Binding("pagedown", "page_down_rows", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up_rows", "Page up", show=False, id="list.page_up"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-list--cursor",
        "task-list--dim",
        "task-list--placeholder",
    }

    DEFAULT_CSS = """
    TaskList { background: $surface; overflow-x: hidden; }  /* rows fit the width: never a horizontal bar */
    TaskList > .task-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    TaskList:blur > .task-list--cursor { background: $block-cursor-blurred-background; text-style: none; }
    TaskList > .task-list--dim { color: $text-muted; }
    TaskList > .task-list--placeholder { color: $text-disabled; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved onto a task (or the list became empty: ``task`` is None)."""

        def __init__(self, task: Task | None) -> None:
            super().__init__()
            self.task = task

    class Selected(Message):
        def __init__(self, task: Task) -> None:
            super().__init__()
            self.task = task

    class PageLoaded(Message):
        def __init__(self, generation: int, page: int, rows: list[Task]) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows

    def __init__(self, *, tz: tzinfo | None = None, executor: Executor | None = None, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:  # fmt: skip
        super().__init__(name=name, id=id, classes=classes)
        self.tz = tz
        self.executor = executor  # one reader thread: page fetches never block drawing
        self.total = 0
        self._fetch: FetchPage | None = None
        self._pages: OrderedDict[int, list[Task]] = OrderedDict()
        self._loading: set[int] = set()
        self._generation = 0
        self._styles: dict[str, Style] = {}
        self._variables: dict[str, str] = {}
        self._last_highlighted: tuple[str, str] | None = None
        self.pending_select: int | None = None  # a task number to put the cursor on once loaded
        self.empty_text = ""  # drawn on the first row when the view has no task
        self.repo_width = 12  # the repository column: the longest known name, see set_repo_names
        self.number_width = 4  # the number column: the highest number's digits, see set_highest_number
        self.date_field = "due"  # the date column: "due", or "wait" (the Waiting view: when a task shows)
        # Task id -> chance of missing its due date, for rows flagged "⚠ likely late" (the
        # "predicted finish" order sets it; otherwise empty).
        self.flags: dict[str, float] = {}

    # ------------------------------------------------------------------ data
    def set_repo_names(self, names: list[str]) -> None:
        """Size the repository column to the longest name (``@`` included), between 6 and 16."""
        width = max(6, min(16, max((len(n) + 1 for n in names), default=11)))
        if width != self.repo_width:
            self.repo_width = width
            self.refresh()

    def set_highest_number(self, number: int) -> None:
        """Size the number column to the highest task number in use (at least 4 digits), so that a
        millionth task lines up with the rest."""
        width = max(4, len(str(number)))
        if width != self.number_width:
            self.number_width = width
            self.refresh()

    def set_source(self, fetch: FetchPage, total: int, first_page: list[Task] | None = None,
                   *, keep_cursor: bool = False) -> None:  # fmt: skip
        """A new query: forget cached pages; ``first_page`` (rows 0..) avoids a round trip."""
        self._generation += 1
        self._fetch = fetch
        self.total = total
        self._pages.clear()
        self._loading.clear()
        self.pending_select = None
        if first_page is not None:
            self._pages[0] = first_page
        self.virtual_size = Size(self.size.width, total)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = min(self.cursor, max(total - 1, 0)) if keep_cursor else 0
        self.refresh()

    def invalidate(self, total: int | None = None) -> None:
        """Rows changed in the database (an edit, another process): refetch what is on screen."""
        if self._fetch is None:
            return
        visible = self._visible_pages()
        if self.pending_select is None and self.current is not None:
            self.pending_select = self.current.number  # stay on the same task when rows shift
        self._generation += 1
        self._pages.clear()
        self._loading.clear()
        if total is not None:
            self.total = total
            self.virtual_size = Size(self.size.width, total)
            if self.cursor >= total:
                self.cursor = max(total - 1, 0)
        for page in visible:
            self._load(page)
        self.refresh()

    def row(self, index: int) -> Task | None:
        page, within = divmod(index, PAGE)
        rows = self._pages.get(page)
        if rows is None or within >= len(rows):
            return None
        self._pages.move_to_end(page)
        return rows[within]

    @property
    def current(self) -> Task | None:
        return self.row(self.cursor) if self.total else None

    def select_number(self, number: int) -> bool:
        """Move the cursor onto task ``number`` when it is in a loaded page."""
        for page, rows in self._pages.items():
            for i, task in enumerate(rows):
                if task.number == number:
                    self.cursor = page * PAGE + i
                    return True
        return False

    def _visible_pages(self) -> list[int]:
        top = int(self.scroll_offset.y)
        bottom = top + max(self.size.height, 1)
        return list(range(top // PAGE, min(bottom, max(self.total, 1)) // PAGE + 1))

    def _load(self, page: int) -> None:
        if page in self._loading or page in self._pages or self._fetch is None:
            return
        if page * PAGE >= self.total:
            return
        self._loading.add(page)
        self._fetch_page(self._fetch, self._generation, page)

    @work(group="task-pages", exit_on_error=False)
    async def _fetch_page(self, fetch: FetchPage, generation: int, page: int) -> None:
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(self.executor, fetch, page * PAGE, PAGE)
        self.post_message(self.PageLoaded(generation, page, rows))

    def on_task_list_page_loaded(self, message: TaskList.PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._loading.discard(message.page)
        self._pages[message.page] = message.rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        self.refresh()
        if self.pending_select is not None and self.select_number(self.pending_select):
            self.pending_select = None
        elif message.page == self.cursor // PAGE:
            self._announce()

    # ------------------------------------------------------------------ cursor
    def watch_cursor(self, cursor: int) -> None:
        self.scroll_to_region_for(cursor)
        self.refresh()
        self._announce()

    def scroll_to_region_for(self, index: int) -> None:
        top = int(self.scroll_offset.y)
        height = max(self.size.height, 1)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        task = self.current
        key = (task.id, str(task.updated_at)) if task else None
        if key == self._last_highlighted and task is not None:
            return
        self._last_highlighted = key
        if task is None and self.total and self._pages.get(self.cursor // PAGE) is None:
            self._load(self.cursor // PAGE)
            return
        self.post_message(self.Highlighted(task))

    def action_cursor_down(self) -> None:
        if self.cursor < self.total - 1:
            self.cursor += 1

    def action_cursor_up(self) -> None:
        if self.cursor > 0:
            self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.cursor = max(self.total - 1, 0)

    def action_page_down_rows(self) -> None:
        self.cursor = min(self.cursor + max(self.size.height - 1, 1), max(self.total - 1, 0))

    def action_page_up_rows(self) -> None:
        self.cursor = max(self.cursor - max(self.size.height - 1, 1), 0)

    async def _on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self.total:
            if index == self.cursor and event.chain >= 2 and self.current is not None:
                self.post_message(self.Selected(self.current))
            self.cursor = index

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total)

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    # ------------------------------------------------------------------ drawing
    def _style(self, name: str) -> Style:
        """A theme colour (``$status-blocked``...) as a Rich style, cached until the theme changes."""
        style = self._styles.get(name)
        if style is None:
            if not self._styles:
                self._variables = self.app.get_css_variables()
            color = self._variables.get(name)
            style = Style(color=color) if color else Style()
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self.total:
            if index == 0 and self.empty_text:
                style = base + self.get_component_rich_style("task-list--dim")
                return Strip([Segment(f"  {self.empty_text}"[:width].ljust(width), style)], width)
            return Strip.blank(width, base)
        task = self.row(index)
        if task is None:
            self._load(index // PAGE)
            style = base + self.get_component_rich_style("task-list--placeholder")
            return Strip([Segment(" ·" + " " * max(width - 2, 0), style)], width)
        selected = index == self.cursor
        row_style = base + self.get_component_rich_style("task-list--cursor") if selected else base
        return self._render_task(task, width, row_style, selected)

    def _render_task(self, task: Task, width: int, row: Style, selected: bool) -> Strip:
        dim = self.get_component_rich_style("task-list--dim")
        finished = task.status in ("completed", "cancelled")
        status_style = self._style(f"status-{task.status.replace('_', '-')}")
        prio_style = self._style(f"priority-{task.priority}")
        number = f"{task.number:>{self.number_width}} "
        icon = STATUS_ICONS.get(task.status, "?") + " "
        prio = PRIORITY_MARKS.get(task.priority, "  ") + " "
        if self.date_field == "wait":
            due = "from " + self._due_text(task.wait, True) if task.wait else ""
        else:
            due = self._due_text(task.due, task.due_all_day)
        fixed = len(number) + len(icon) + len(prio)
        # The title keeps at least half the row; tags, repository and due date are aligned columns
        # in what is left, narrowed in reverse order of importance (tags, then repository).
        room = width - RIGHT_MARGIN
        right = _columns(due, task.repo or "", list(task.tags), max((room - fixed) // 2 - 2, 0),
                         self.repo_width)  # fmt: skip
        late = self.flags.get(task.id)
        # "100%" only when it is certain (the due date passed); a prediction says at most 99%.
        flag = f"⚠ {min(late, 0.99) if late < 1 else 1.0:.0%} " if late is not None else ""
        title_width = max(room - fixed - len(right) - 2 - len(flag), 8)
        title = task.title if len(task.title) <= title_width else task.title[: title_width - 1] + "…"
        title_style = row + (dim if finished and not selected else Style())
        if finished:
            title_style += Style(strike=True)
        segments = [
            Segment(number, row + (dim if not selected else Style())),
            # On the cursor row the glyphs take the cursor's colours: a blue "in progress" icon on a
            # blue cursor would vanish.
            Segment(icon, row if selected else row + status_style),
            Segment(prio, row if selected else row + prio_style),
            *([Segment(flag, row if selected else row + self._style("warning"))] if flag else []),
            Segment(title.ljust(title_width), title_style),
            Segment("  ", row),
            Segment(right, row + (dim if not selected else Style())),
        ]
        strip = Strip(segments)
        return strip.extend_cell_length(width, row).crop(0, width)

    def _due_text(self, due: datetime | None, all_day: bool) -> str:
        if due is None:
            return ""
        local = due.astimezone(self.tz) if self.tz else due
        return local.strftime("%b %d") if all_day else local.strftime("%b %d %H:%M")


DUE_WIDTH = 12  # "Dec 01 17:00"
RIGHT_MARGIN = 1  # a blank cell after the due column: it does not run into the scrollbar or border
TAGS_WIDTH = 24


def _columns(due: str, repo: str, tags: list[str], room: int, repo_width: int) -> str:
    """``#tags  @repo  due`` as fixed-width columns in at most ``room`` cells, so every row lines up:
    the due column is always there, the repository column (``repo_width``, shortened with an
    ellipsis when the room is tight) when 4 cells are left for it, the tags column with what remains
    (whole tags only, at most TAGS_WIDTH: on a wide terminal the title gets the rest)."""
    room = min(room, DUE_WIDTH + 2 + repo_width + 2 + TAGS_WIDTH)
    if room <= DUE_WIDTH:
        return due[:room].ljust(room)
    left = room - DUE_WIDTH - 2
    repo_col = min(repo_width, left) if left >= 4 else 0
    left -= repo_col + 2 if repo_col else 0
    tag_col = left if left >= 3 else 0
    parts = []
    if tag_col:
        shown = ""
        for tag in tags:
            candidate = f"{shown} #{tag}" if shown else f"#{tag}"
            if len(candidate) > tag_col:
                break
            shown = candidate
        parts.append(shown.ljust(tag_col))
    if repo_col:
        label = f"@{repo}" if repo else ""
        parts.append((label if len(label) <= repo_col else label[: repo_col - 1] + "…").ljust(repo_col))
    parts.append(due.ljust(DUE_WIDTH))
    return "  ".join(parts)
