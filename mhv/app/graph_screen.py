"""The graph screen: the dependency graph of one task (upstream and downstream, across
repositories) or of a whole repository or tag, navigable with the keyboard, with links added and
removed in place. Data comes from the task service (``graph_view``), drawing from GraphView."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static

from mhv.errors import MhvError
from mhv.tasks.graph.formats import layout_text
from mhv.widgets.frames import PromptFrames
from mhv.widgets.graph_view import GraphView

if TYPE_CHECKING:
    from mhv.app.app import MhvApp


class StatusLine(Widget):
    """One line of markup that repaints without a layout pass (a Static would re-lay out the whole
    screen on every cursor move: ~40 ms with a 1,000-task graph)."""

    DEFAULT_CSS = "StatusLine { height: 1; width: 1fr; }"
    text: reactive[str] = reactive("", layout=False)

    def render(self) -> Content:
        return Content.from_markup(self.text)

    def update(self, text: str) -> None:
        self.text = text


class TaskPrompt(PromptFrames, ModalScreen[str | None]):
    """Ask for one task number (escape cancels)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, placeholder: str = "task number, e.g. 41") -> None:
        super().__init__()
        self._question = question
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(self._question, id="prompt-question")
            yield Input(placeholder=self._placeholder, id="prompt-input")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        if self.app.is_headless:
            field.cursor_blink = False
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip("#") or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class GraphScreen(PromptFrames, Screen[int | None]):
    """Dismissed with the number of the task to select in the list (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="graph.close"),
        Binding("a", "add_blocker", "Add blocker", id="graph.add", tooltip="The task under the cursor waits for another"),
        Binding("x", "remove_blocker", "Remove blocker", id="graph.remove",
                tooltip="The task under the cursor no longer waits for another"),
        Binding("f", "recentre", "Centre", id="graph.centre", tooltip="Show the graph of the task under the cursor"),
        Binding("r", "toggle_scope", "Task/repo", id="graph.scope",
                tooltip="Switch between the task's graph and its repository's"),
    ]

    def __init__(self, *, task: int | None = None, repo: str | None = None, tag: str | None = None) -> None:
        super().__init__()
        self.task_number, self.repo, self.tag = task, repo, tag
        self._task_scope_number = task

    @property
    def mhv(self) -> MhvApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("", id="graph-title")
        yield GraphView(id="graph")
        yield StatusLine(id="graph-status")
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one(GraphView).focus()

    # ------------------------------------------------------------------ data
    def load(self, cursor_number: int | None = None) -> None:
        svc = self.mhv.service
        view_widget = self.query_one(GraphView)
        keep = cursor_number
        if keep is None and view_widget.cursor is not None and view_widget.graph is not None:
            keep = view_widget.graph.info(view_widget.cursor).number
        try:
            view = svc.graph_view(self.task_number, repo=self.repo if self.task_number is None else None,
                                  tag=self.tag if self.task_number is None and self.repo is None else None)  # fmt: skip
        except MhvError as err:
            self.mhv._error(err)
            return
        graph = view.graph
        layout = layout_text(graph, focus=view.focus)
        cursor = next((n for n in graph.nodes() if graph.info(n).number == keep), None)
        view_widget.set_graph(graph, layout, focus=view.focus, cursor=cursor)
        if self.task_number is None and self.repo is None and self.tag is None:
            heading = "[b]Graph[/b] of [b $accent]every open task[/] with links"
        else:
            scope = "task" if self.task_number is not None else ("repository" if self.repo is not None else "tag")
            heading = f"[b]Graph[/b] of {scope} [b $accent]{escape(view.title)}[/]"
        more = ""
        if view.truncated:
            more = f"  [$warning](first {len(graph):,} of {view.total:,})[/]" if view.total > len(graph) else "  [$warning](truncated)[/]"
        self.query_one("#graph-title", Static).update(
            f"{heading}   [dim]{_count(len(graph), 'task')} · {_count(sum(1 for _ in graph.edges()), 'link')}[/]{more}"
        )

    def on_graph_view_moved(self, message: GraphView.Moved) -> None:
        status = self.query_one("#graph-status", StatusLine)
        graph = self.query_one(GraphView).graph
        if message.node is None or graph is None:
            status.update("[dim]No tasks in this view.[/]")
            return
        info = graph.info(message.node)
        state = info.status.replace("_", " ")
        if graph.is_blocked(message.node) and info.status != "blocked":
            state += ", blocked"
        ups = ", ".join(f"#{graph.info(n).number}" for n in graph.blockers(message.node)) or "—"
        downs = ", ".join(f"#{graph.info(n).number}" for n in graph.dependents(message.node)) or "—"
        repo = f" @{escape(info.repo)}" if info.repo else ""
        status.update(
            f"[b]#{info.number}[/b] {escape(info.title)}{repo} [dim]({state})[/]   "
            f"[dim]waits for[/] {ups}   [dim]blocks[/] {downs}"
        )

    def _cursor_number(self) -> int | None:
        view = self.query_one(GraphView)
        if view.cursor is None or view.graph is None:
            return None
        return view.graph.info(view.cursor).number

    # ------------------------------------------------------------------ actions
    def on_graph_view_opened(self, message: GraphView.Opened) -> None:
        graph = self.query_one(GraphView).graph
        if graph is None:
            return
        number = graph.info(message.node).number
        self.mhv.jump(number)
        self.task_number = self._task_scope_number = number
        self.load(number)

    def action_recentre(self) -> None:
        number = self._cursor_number()
        if number is not None:
            self.task_number = self._task_scope_number = number
            self.load(number)

    def action_toggle_scope(self) -> None:
        number = self._cursor_number()
        if self.task_number is not None:
            graph = self.query_one(GraphView).graph
            cursor = self.query_one(GraphView).cursor
            repo = graph.info(cursor).repo if graph is not None and cursor is not None else None
            if repo is None:
                self.notify("this task has no repository", severity="warning")
                return
            self.task_number, self.repo = None, repo
        else:
            self.task_number = number or self._task_scope_number
        self.load(number)

    def action_add_blocker(self) -> None:
        number = self._cursor_number()
        if number is None:
            return

        def done(answer: str | None) -> None:
            if answer:
                self._change(f"#{number} now waits for #{answer}", lambda: self.mhv.service.add_dependency(number, answer))

        self.app.push_screen(TaskPrompt(f"#{number} waits for which task?"), done)

    def action_remove_blocker(self) -> None:
        number = self._cursor_number()
        view = self.query_one(GraphView)
        if number is None or view.graph is None or view.cursor is None:
            return
        blockers = [view.graph.info(n).number for n in view.graph.blockers(view.cursor)]
        if not blockers:
            self.notify(f"#{number} waits for nothing", severity="warning")
            return
        if len(blockers) == 1:
            self._change(f"#{number} no longer waits for #{blockers[0]}",
                         lambda: self.mhv.service.remove_dependency(number, blockers[0]))  # fmt: skip
            return

        def done(answer: str | None) -> None:
            if answer:
                self._change(f"#{number} no longer waits for #{answer}",
                             lambda: self.mhv.service.remove_dependency(number, answer))  # fmt: skip

        shown = ", ".join(f"#{b}" for b in blockers)
        self.app.push_screen(TaskPrompt(f"#{number} stops waiting for which? ({shown})", str(blockers[0])), done)

    def _change(self, label: str, fn: object) -> None:
        cursor = self._cursor_number()
        if self.mhv._write(label, fn) is not None:  # type: ignore[arg-type]
            self.load(cursor)

    def action_close(self) -> None:
        self.dismiss(self._cursor_number())


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
