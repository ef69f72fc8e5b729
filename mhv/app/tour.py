"""The onboarding tour: a dimmed overlay that points at the real widgets, one step at a time, and asks
the user to do each thing for real, in a sandbox workspace (a temporary database with the sample
tasks; the user's own tasks are never touched).

Each step checks that its action happened (the app's real state: a task in the sandbox, the focused
pane, the open screen) before moving on; a hint appears when a step takes a while; escape on the
task list skips the tour and says how to come back; the step reached is saved in state.json, so a
tour quit half-way resumes there at the next start.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.command import CommandPalette
from textual.widget import Widget
from textual.widgets import Static

from mhv.app.screens import HelpScreen
from mhv.tasks.models import STATUSES, TaskFilter

if TYPE_CHECKING:
    from mhv.app.app import MhvApp
    from mhv.tasks.service import TaskService

HINT_AFTER = 20.0  # seconds on one step before its hint shows
HOW_TO_COME_BACK = "ctrl+k → “help: tour”, or `mhv tour`"


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    ask: str  # what to do (markup)
    hint: str  # shown when the step takes longer than HINT_AFTER
    targets: tuple[str, ...]  # selectors to point at, the first one displayed wins
    where: str  # what the target is, for the pointer line
    done: Callable[[MhvApp, dict[str, Any]], bool]
    baseline: Callable[[MhvApp], dict[str, Any]] = lambda app: {}
    resume_at: str | None = None  # a step that needs the one before it resumes there


def _completed(app: MhvApp) -> int:
    return app.service.count(TaskFilter(statuses=("completed",)))


def _max_number(app: MhvApp) -> int:
    tasks = app.service.list_tasks(TaskFilter(statuses=STATUSES, order="number"))
    return max((t.number for t in tasks), default=0)


def _added_rich_task(app: MhvApp, base: dict[str, Any]) -> bool:
    new = [t for t in app.service.list_tasks(TaskFilter(statuses=STATUSES, order="number")) if t.number > base["max"]]
    return any(t.due and t.repo and t.tags and t.priority != "medium" for t in new)


def _missing_in_new_task(app: MhvApp, base: dict[str, Any]) -> str:
    new = [t for t in app.service.list_tasks(TaskFilter(statuses=STATUSES, order="number")) if t.number > base["max"]]
    if not new:
        return ""
    t = new[-1]
    missing = [name for name, ok in (("a date (tomorrow)", t.due), ("a repo (@acb)", t.repo), ("a tag (#ci)", t.tags),
                                     ("a priority (p2)", t.priority != "medium")) if not ok]  # fmt: skip
    return f"#{t.number} is missing {', '.join(missing)}. " if missing else ""


def _focus_in(app: MhvApp, selector: str) -> bool:
    node: Any = app.focused
    while node is not None:
        if isinstance(node, Widget) and node.id == selector.lstrip("#"):
            return True
        node = node.parent
    return False


def _cursor(app: MhvApp) -> int:
    from mhv.widgets.task_list import TaskList

    return app.query_one(TaskList).cursor


def _moved(app: MhvApp, base: dict[str, Any]) -> bool:
    """The cursor left where it was, and not just because the list jumped to the task just added."""
    from mhv.widgets.task_list import TaskList

    current = app.query_one(TaskList).current
    return _cursor(app) != base["cursor"] and current is not None and current.number != base["max"]


def _on_screen(app: MhvApp, kind: type) -> bool:
    return any(isinstance(s, kind) for s in app.screen_stack)


STEPS: tuple[Step, ...] = (
    Step("add", "Add a task",
         "Press [b]a[/b] for the quick-add line, type\n[b $accent]review PR #ci @acb tomorrow 5pm p2[/]\nand press [b]enter[/b].",
         "One line sets everything: a date (tomorrow 5pm), a priority (p2), a tag (#ci) and a repo (@acb). "
         "The preview under the line shows what was understood; when a suggestion list is open, enter "
         "picks the suggestion, and a second enter adds the task.",
         ("#quick-add", "#tasks"), "the quick-add line opens at the bottom", _added_rich_task, lambda app: {"max": _max_number(app)}),
    Step("move", "Move around",
         "Move through the list with [b]j[/b] / [b]k[/b] (or the arrow keys). [b]g[/b] and [b]G[/b] jump to the top and bottom.",
         "The list has the focus when its cursor row is bright; press escape first if you were typing.",
         ("#tasks",), "the task list", lambda app, base: _moved(app, base), lambda app: {"cursor": _cursor(app), "max": _max_number(app)}),
    Step("detail", "Open the detail pane",
         "Press [b]enter[/b] to open the selected task in the detail pane: fields, links and history.",
         "The cursor must be on a task in the list; then enter (or tab).",
         ("#detail",), "the detail pane", lambda app, base: _focus_in(app, "#detail")),
    Step("complete", "Complete a task",
         "Press [b]escape[/b] to come back to the list, then [b]d[/b] to complete the selected task.",
         "d works on an open task in the list; escape first if the detail pane has the focus.",
         ("#tasks",), "the task list", lambda app, base: _completed(app) > base["done"], lambda app: {"done": _completed(app)}),
    Step("undo", "Undo",
         "Changed your mind? Press [b]u[/b] to undo. Every change can be undone ([b]ctrl+r[/b] redoes).",
         "u undoes the latest change, from the task list.",
         ("#tasks",), "the task list", lambda app, base: _completed(app) < base["done"], lambda app: {"done": _completed(app)},
         resume_at="complete"),
    Step("palette", "The command palette",
         "Press [b]ctrl+k[/b]: every command, view, repository, theme, and any task by number or title.",
         "ctrl+k from the task list.",
         ("#title-bar",), "the palette opens at the top", lambda app, base: _on_screen(app, CommandPalette)),
    Step("filter", "Filter the list",
         "Close the palette ([b]escape[/b]), press [b]/[/b] and type a word, such as [b]ci[/b].",
         "The filter matches words in titles and descriptions, in the database, as you type.",
         ("#filter", "#list-pane"), "the filter line, above the list", lambda app, base: bool(app.filter_text)),
    Step("help", "Help",
         "Press [b]enter[/b] to keep the filter, then [b]?[/b] (or f1) for help on the focused pane and its keys.",
         "Help shows the keys that work right now, with the ids you can rebind in config.toml.",
         ("#tasks",), "the task list", lambda app, base: _on_screen(app, HelpScreen)),
    Step("theme", "Pick a theme",
         "Close help ([b]escape[/b]), open the palette ([b]ctrl+k[/b]), type [b]theme[/b] and pick one.",
         "Try “theme: light” or “theme: nord”; your choice is remembered.",
         ("#title-bar",), "the palette opens at the top", lambda app, base: app.theme != base["theme"], lambda app: {"theme": app.theme}),
)  # fmt: skip
STEP_IDS = tuple(s.id for s in STEPS)


class TourCard(Static):
    """The callout: the step, what to do, a hint when stuck, and how to skip."""

    SCOPED_CSS = False  # the dim and target classes go on other widgets

    def __init__(self, tour: Tour, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tour = tour

    def on_unmount(self) -> None:
        """Quitting mid-tour: the sandbox goes (its step stays saved, to resume)."""
        if not self.tour.finished and self.tour.sandbox is not None:
            self.tour.sandbox.close()

    DEFAULT_CSS = """
    TourCard {
        overlay: screen;
        position: absolute;
        width: 52;
        height: auto;
        padding: 0 1;
        background: $panel;
        border: round $accent;
        color: $foreground;
    }
    .-tour-dim { tint: $background 55%; }
    .-tour-target { background-tint: $accent 7%; }
    """


@dataclass
class Sandbox:
    service: TaskService
    folder: Path

    def close(self) -> None:
        if self.folder.exists():
            self.service.store.close()
            shutil.rmtree(self.folder, ignore_errors=True)


def open_sandbox(real: TaskService) -> Sandbox:
    """A temporary SQLite workspace with the sample tasks (same clock and time zone as the real one)."""
    from mhv.store import open_store
    from mhv.tasks.sample import load_sample
    from mhv.tasks.service import TaskService

    folder = Path(tempfile.mkdtemp(prefix="mhv-tour-"))
    store = open_store(f"sqlite:///{folder / 'sandbox.db'}")
    service = TaskService(store, clock=real.clock, tz=real.tz, actor="tour")
    load_sample(service)
    return Sandbox(service, folder)


class Tour:
    """Runs the steps over an app. ``check()`` is called on a timer (and by tests, directly)."""

    def __init__(self, app: MhvApp, *, start_at: str | None = None, hint_after: float = HINT_AFTER) -> None:
        self.app = app
        self.hint_after = hint_after
        self.index = STEP_IDS.index(start_at) if start_at in STEP_IDS else 0
        self.base: dict[str, Any] = {}
        self.started_at = 0.0
        self.hinted = False
        self.sandbox: Sandbox | None = None
        self.real: TaskService | None = None
        self.card: TourCard | None = None
        self.marked: list[Widget] = []
        self.finished = False
        self.arrow = "●"
        self._placed: Any = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def step(self) -> Step:
        return STEPS[self.index]

    def start(self) -> None:
        self.real = self.app.service
        self.sandbox = open_sandbox(self.real)
        self.app.use_service(self.sandbox.service)
        self.card = TourCard(self, id="tour-card")
        self.app.screen.mount(self.card)
        self._timer = self.app.set_interval(0.2, self.check)
        self._begin()

    def _begin(self) -> None:
        self.base = self.step.baseline(self.app)
        self.started_at = time.monotonic()
        self.hinted = False
        self.app.settings.save(tour={"status": "active", "step": self.step.resume_at or self.step.id})
        self.draw()
        if self.card is not None and self.card.is_attached and self.app.screen is not self.card.screen:
            # The palette or help covers the card: say the next step where it can be seen.
            self.app.notify(self.step.ask, title=f"Tour {self.index + 1}/{len(STEPS)} · {self.step.title}", timeout=8,
                            markup=True)  # fmt: skip

    def check(self) -> None:
        if self.finished:
            return
        try:
            done = self.step.done(self.app, self.base)
        except Exception:  # a widget mid-rebuild: look again at the next tick
            return
        if done:
            if self.index + 1 == len(STEPS):
                self.finish("done")
                self.app.notify(f"Tour complete: you are back in your own workspace. Again any time: {HOW_TO_COME_BACK}.",
                                title="mhv tour", timeout=10)  # fmt: skip
                return
            self.index += 1
            self._begin()
            return
        if not self.hinted and time.monotonic() - self.started_at >= self.hint_after:
            self.hinted = True
            self.draw()
        elif self.card is not None:
            self._place()

    def skip(self) -> None:
        step = self.step.id
        self.finish("skipped")
        self.app.notify(f"Tour skipped at “{STEPS[STEP_IDS.index(step)].title}”. Come back any time: {HOW_TO_COME_BACK}.",
                        title="mhv tour", timeout=10)  # fmt: skip

    def finish(self, status: str) -> None:
        self.finished = True
        self._timer.stop()
        self.app.settings.save(tour={"status": status, "step": self.step.id})
        self._unmark()
        if self.card is not None:
            self.card.remove()
            self.card = None
        if self.real is not None:
            self.app.use_service(self.real)
        if self.sandbox is not None:
            self.sandbox.close()
        self.app.tour = None

    # ------------------------------------------------------------------ drawing
    def text(self) -> str:
        step = self.step
        lines = [f"[b $accent]{self.arrow}[/] [dim]{step.where}[/]",
                 f"[b]Tour {self.index + 1}/{len(STEPS)} · {step.title}[/b]  [dim](sandbox: practice tasks)[/]", "",
                 step.ask]  # fmt: skip
        if self.hinted:
            extra = _missing_in_new_task(self.app, self.base) if step.id == "add" else ""
            lines += ["", f"[$warning]Hint:[/] {extra}{step.hint}"]
        lines += ["", "[dim]escape on the task list skips the tour[/]"]
        return "\n".join(lines)

    def draw(self) -> None:
        if self.card is not None:
            self.card.update(self.text())
            self._place()

    def _target(self) -> Widget | None:
        for selector in self.step.targets:
            for widget in self.app.screen.query(selector):
                if widget.display and widget.region.area:
                    return widget
        return None

    def _unmark(self) -> None:
        for widget in self.marked:
            widget.remove_class("-tour-dim", "-tour-target")
        self.marked = []

    def _place(self) -> None:
        """Dim everything but the target (its siblings at each level), tint it, put the card next to it.
        Called on every tick: it does nothing unless the target, its place or the card's text changed."""
        card, target = self.card, self._target()
        if card is None or target is None:
            return
        key = (id(target), target.region, self.app.screen.size, self.index, self.hinted,
               tuple(w.display for w in self.marked))  # fmt: skip
        if key == self._placed:
            return
        self._placed = key
        self._unmark()
        node: Any = target
        while isinstance(node, Widget) and node is not self.app.screen:
            parent = node.parent
            if isinstance(parent, Widget):
                for sibling in parent.children:
                    if sibling is not node and sibling is not card and sibling.display:
                        sibling.add_class("-tour-dim")
                        self.marked.append(sibling)
            node = parent
        target.add_class("-tour-target")
        self.marked.append(target)
        screen = self.app.screen.size
        region = target.region
        width = min(52, screen.width - 2)
        height = _height(self.text(), width - 4) + 2  # wrapped lines + the border
        x = max(0, min(region.right - width - 2, screen.width - width))
        if region.height >= screen.height // 2:  # a big pane: inside it, at its bottom right
            y = max(region.bottom - height - 1, 0)
        elif region.bottom + height < screen.height:  # below it
            y = region.bottom + 1
        else:  # above it (the quick-add line at the bottom)
            y = max(region.y - height, 0)
        arrow = "▼" if y + height <= region.y else "▲" if y > region.bottom - 1 else "●"
        card.styles.width = width
        card.styles.offset = (x, y)
        if arrow != self.arrow:
            self.arrow = arrow
            card.update(self.text())


def _height(markup: str, width: int) -> int:
    """Lines ``markup`` takes when word-wrapped to ``width`` cells."""
    import re
    import textwrap

    plain = re.sub(r"\[/?[^\]]*\]", "", markup)
    return sum(len(textwrap.wrap(line, width)) or 1 for line in plain.split("\n"))
