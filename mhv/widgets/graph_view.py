"""The dependency graph drawn with box characters, one task per line, with a cursor that moves
along the edges.

The layout comes from :func:`mhv.tasks.graph.formats.layout_text` (lanes on the left as in
``git log --graph``). Like the task list, only the lines on screen are drawn, so a 1,000-task
component scrolls as quickly as a 10-task one.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mhv.tasks.graph.algorithms import DependencyGraph
from mhv.tasks.graph.formats import MARK_FINISHED, MARK_FOCUS, MARK_OPEN, TextLayout

_MARKS = (MARK_OPEN, MARK_FINISHED, MARK_FOCUS)


class GraphView(ScrollView, can_focus=True):
    """Tasks and their dependencies; arrows run from blockers (above) to what waits for them."""

    HELP = """\
## Graph

The dependency graph: blockers above the tasks that wait for them, lanes of box characters for
the links (`┼` is a crossing), `◉` the task the view is about, `●` open, `○` finished.

- **j / k** or **up / down** move from task to task, top to bottom.
- **h / left** follows a link up to a blocker, **l / right** down to a task that waits for it;
  **[ / ]** then step through the other blockers (or dependents) of the task you came from.
- **enter** opens the task (the view re-centres on it), **f** re-centres without leaving.
- **a** adds a blocker to the task under the cursor, **x** removes one; **r** switches between
  the task's own graph and its whole repository; **escape** goes back.
"""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph-view--cursor",
        "graph-view--lanes",
        "graph-view--blocked",
        "graph-view--finished",
        "graph-view--focus",
    }
    DEFAULT_CSS = """
    GraphView { height: 1fr; background: $surface; }
    GraphView > .graph-view--cursor { background: $accent 40%; text-style: bold; }
    GraphView:focus > .graph-view--cursor { background: $accent 60%; }
    GraphView > .graph-view--lanes { color: $text-muted; }
    GraphView > .graph-view--blocked { color: $status-blocked; }
    GraphView > .graph-view--finished { color: $text-disabled; }
    GraphView > .graph-view--focus { color: $accent; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Next", show=False, id="graph.down"),
        Binding("k,up", "move(-1)", "Previous", show=False, id="graph.up"),
        Binding("h,left", "follow('up')", "Blocker", id="graph.blocker", tooltip="Follow a link up to a blocker"),
        Binding("l,right", "follow('down')", "Dependent", id="graph.dependent",
                tooltip="Follow a link down to a task that waits for this one"),
        Binding("right_square_bracket", "sibling(1)", "Next sibling", show=False, id="graph.sibling_next"),
        Binding("left_square_bracket", "sibling(-1)", "Previous sibling", show=False, id="graph.sibling_prev"),
        Binding("g,home", "jump(0)", "Top", show=False, id="graph.top"),
        Binding("G,end", "jump(-1)", "Bottom", show=False, id="graph.bottom"),
        Binding("enter", "open", "Open", id="graph.open", tooltip="Open the task under the cursor"),
    ]

    class Moved(Message):
        def __init__(self, node: str | None) -> None:
            super().__init__()
            self.node = node

    class Opened(Message):
        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.graph: DependencyGraph | None = None
        self.drawing: TextLayout = TextLayout([], {}, [])
        self.focus_node: str | None = None
        self.cursor: str | None = None
        self._index: dict[str, int] = {}
        self._came_from: tuple[str, str] | None = None  # (origin, "up" | "down") of the last edge move

    # ------------------------------------------------------------------ data
    def set_graph(self, graph: DependencyGraph, layout: TextLayout, *, focus: str | None = None,
                  cursor: str | None = None) -> None:  # fmt: skip
        self.graph, self.drawing, self.focus_node = graph, layout, focus
        self._index = {n: i for i, n in enumerate(layout.order)}
        self._came_from = None
        width = max((len(line) for line in layout.lines), default=0)
        self.virtual_size = Size(width + 2, len(layout.lines))
        wanted = cursor if cursor in self._index else focus if focus in self._index else None
        self._set_cursor(wanted or (layout.order[0] if layout.order else None))
        self.refresh()

    def _set_cursor(self, node: str | None) -> None:
        self.cursor = node
        if node is not None:
            line = self.drawing.node_lines[node]
            self.scroll_to_region_line(line)
        self.refresh()
        self.post_message(self.Moved(node))

    def scroll_to_region_line(self, line: int) -> None:
        top, height = round(self.scroll_offset.y), self.scrollable_content_region.height or 1
        if line < top:
            self.scroll_to(y=line, animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)

    # ------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.drawing.lines):
            return Strip.blank(width, self.rich_style)
        text = self.drawing.lines[index]
        base = self.rich_style
        node = self._node_at(index)
        segments = self._segments(text, node, base)
        if node is not None and node == self.cursor:
            cursor = self.get_component_rich_style("graph-view--cursor")
            segments = [Segment(s.text, (s.style or Style()) + cursor) for s in segments]
            used = sum(len(s.text) for s in segments)
            segments.append(Segment(" " * max(0, scroll_x + width - used), base + cursor))
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, base)

    def _node_at(self, line: int) -> str | None:
        lines = getattr(self, "_line_nodes", None)
        if lines is None or lines[0] is not self.drawing:
            lines = (self.drawing, {v: k for k, v in self.drawing.node_lines.items()})
            self._line_nodes = lines
        return lines[1].get(line)

    def _segments(self, text: str, node: str | None, base: Style) -> list[Segment]:
        lanes = base + self.get_component_rich_style("graph-view--lanes")
        if node is None or self.graph is None:
            return [Segment(text, lanes)]
        marks = [i for i in (text.find(m) for m in _MARKS) if i >= 0]
        mark = min(marks) if marks else -1
        if mark < 0:
            return [Segment(text, lanes)]
        info = self.graph.info(node)
        if node == self.focus_node:
            label_style = base + self.get_component_rich_style("graph-view--focus")
        elif info.finished:
            label_style = base + self.get_component_rich_style("graph-view--finished")
        elif self.graph.is_blocked(node):
            label_style = base + self.get_component_rich_style("graph-view--blocked")
        else:
            label_style = base
        # The label starts after the marker and the lanes to its right.
        label_at = text.find(" #", mark)
        label_at = label_at + 1 if label_at >= 0 else mark + 2
        return [
            Segment(text[:mark], lanes),
            Segment(text[mark], label_style),
            Segment(text[mark + 1 : label_at], lanes),
            Segment(text[label_at:], label_style),
        ]

    # ------------------------------------------------------------------ moving
    def action_move(self, step: int) -> None:
        order = self.drawing.order
        if not order:
            return
        if self.cursor is None:
            self._set_cursor(order[0])
            return
        i = max(0, min(len(order) - 1, self._index[self.cursor] + step))
        self._came_from = None
        self._set_cursor(order[i])

    def action_jump(self, where: int) -> None:
        if self.drawing.order:
            self._came_from = None
            self._set_cursor(self.drawing.order[where])

    def neighbours(self, node: str, direction: str) -> list[str]:
        """Blockers (``up``) or dependents (``down``) of ``node`` that are in view, top first."""
        if self.graph is None:
            return []
        found = self.graph.blockers(node) if direction == "up" else self.graph.dependents(node)
        return sorted((n for n in found if n in self._index), key=self._index.__getitem__)

    def action_follow(self, direction: str) -> None:
        if self.cursor is None:
            return
        targets = self.neighbours(self.cursor, direction)
        if not targets:
            self.app.bell()
            return
        origin = self.cursor
        # Nearest first: the blocker just above, the dependent just below.
        target = targets[-1] if direction == "up" else targets[0]
        self._set_cursor(target)
        self._came_from = (origin, direction)

    def action_sibling(self, step: int) -> None:
        if self._came_from is None or self.cursor is None:
            self.app.bell()
            return
        origin, direction = self._came_from
        siblings = self.neighbours(origin, direction)
        if self.cursor not in siblings or len(siblings) < 2:
            self.app.bell()
            return
        came_from = self._came_from
        self._set_cursor(siblings[(siblings.index(self.cursor) + step) % len(siblings)])
        self._came_from = came_from

    def action_open(self) -> None:
        if self.cursor is not None:
            self.post_message(self.Opened(self.cursor))
