"""Render a dependency graph (or part of it) as text, Graphviz DOT, Mermaid or JSON. Pure.

Every renderer draws the *order of work*: a blocker comes before (above / left of) the tasks that
wait for it, so arrows point from "do this first" to "then this".

The text form is built for terminals and keyboard navigation: one task per line, layered top-down
by topological depth (depth 0 = nothing in view blocks it), with edges drawn as lanes on the left
in box-drawing characters, as ``git log --graph`` does. :func:`layout_text` also returns the line
of every task so a widget can move the cursor along edges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from mhv.errors import ValidationError
from mhv.tasks.graph.algorithms import BLOCKS, DependencyGraph, NodeInfo

FORMATS = ("text", "dot", "mermaid", "json")

_UP, _DOWN, _LEFT, _RIGHT = 1, 2, 4, 8
_BOX = {
    0: " ",
    _UP: "╵",
    _DOWN: "╷",
    _LEFT: "╴",
    _RIGHT: "╶",
    _UP | _DOWN: "│",
    _LEFT | _RIGHT: "─",
    _DOWN | _RIGHT: "┌",
    _DOWN | _LEFT: "┐",
    _UP | _RIGHT: "└",
    _UP | _LEFT: "┘",
    _UP | _DOWN | _RIGHT: "├",
    _UP | _DOWN | _LEFT: "┤",
    _DOWN | _LEFT | _RIGHT: "┬",
    _UP | _LEFT | _RIGHT: "┴",
    _UP | _DOWN | _LEFT | _RIGHT: "┼",
}
# One terminal cell per lane plus a spacer that carries horizontal lines to the right.
_CELL = [_BOX[bits] + ("─" if bits & _RIGHT else " ") for bits in range(16)]
MARK_OPEN, MARK_FINISHED, MARK_FOCUS = "●", "○", "◉"


@dataclass(frozen=True, slots=True)
class TextLayout:
    lines: list[str]
    node_lines: dict[str, int]  # task id -> index in ``lines``
    order: list[str]  # tasks top to bottom

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _scope(graph: DependencyGraph, nodes: Iterable[str] | None) -> list[str]:
    return graph.nodes() if nodes is None else list(dict.fromkeys(nodes))


def _status_text(graph: DependencyGraph, node_id: str, info: NodeInfo) -> str:
    if graph.is_blocked(node_id) and info.status != "blocked":
        return f"{info.status}, blocked"
    return info.status


def node_label(graph: DependencyGraph, node_id: str, *, show_repo: bool, max_title: int = 60) -> str:
    """``#42 title [status]``, with `` @repo`` when the view spans repositories."""
    info = graph.info(node_id)
    title = info.title if len(info.title) <= max_title else info.title[: max_title - 1] + "…"
    number = f"#{info.number}" if info.number else node_id
    label = f"{number} {title} [{_status_text(graph, node_id, info)}]".replace("  ", " ")
    if show_repo and info.repo:
        label += f" @{info.repo}"
    return label


def _spans_repos(graph: DependencyGraph, scope: Iterable[str]) -> bool:
    return len({graph.info(n).repo for n in scope}) > 1


def layout_text(
    graph: DependencyGraph,
    nodes: Iterable[str] | None = None,
    *,
    focus: str | None = None,
    max_title: int = 60,
) -> TextLayout:
    """Lay out the tasks in ``nodes`` (all by default) and the edges among them."""
    scope = _scope(graph, nodes)
    depth = graph.depths(scope)
    info = {n: graph.info(n) for n in depth}
    order = sorted(depth, key=lambda n: (depth[n], info[n].number, n))
    row = {n: i for i, n in enumerate(order)}
    in_view = set(order)
    show_repo = _spans_repos(graph, order)

    lanes: list[str | None] = []  # column -> the task this lane is heading to
    active: list[int] = []  # column -> _UP | _DOWN while its lane is open (kept in step with lanes)
    lane_of: dict[str, int] = {}
    lines: list[str] = []
    node_lines: dict[str, int] = {}

    def free_column(preferred: int | None = None) -> int:
        if preferred is not None and preferred < len(lanes) and lanes[preferred] is None:
            return preferred
        for c, target in enumerate(lanes):
            if target is None:
                return c
        lanes.append(None)
        active.append(0)
        return len(lanes) - 1

    def draw(cells: list[int], marker_col: int | None, marker: str) -> str:
        parts = list(map(_CELL.__getitem__, cells))
        if marker_col is not None:
            parts[marker_col] = marker + " "
        return "".join(parts).rstrip()

    for index, n in enumerate(order):
        col = lane_of.pop(n, None)
        if col is None:
            col = free_column()
        lanes[col] = None
        active[col] = 0
        node_cells = active
        marker = MARK_FOCUS if n == focus else MARK_FINISHED if info[n].finished else MARK_OPEN
        label = node_label(graph, n, show_repo=show_repo, max_title=max_title)
        related = [r for r in graph.related(n) if r in in_view]
        if related:
            label += "  ~ " + " ".join(f"#{info[r].number}" if info[r].number else r for r in related)
        graph_part = draw(node_cells, col, marker)
        node_lines[n] = len(lines)
        lines.append(f"{graph_part} {label}")
        if index == len(order) - 1:
            break

        # Connector line: pass-through lanes, then this task's edges to the tasks waiting for it.
        cells = active[:]
        targets = sorted((d for d in graph.dependents(n) if d in in_view), key=row.__getitem__)
        for t in targets:
            existing = t in lane_of
            tc = lane_of[t] if existing else free_column(col)
            if not existing:
                lanes[tc] = t
                active[tc] = _UP | _DOWN
                lane_of[t] = tc
                while len(cells) < len(lanes):
                    cells.append(0)
            if tc == col:
                cells[col] |= _UP | _DOWN
                continue
            cells[col] |= _UP | (_RIGHT if tc > col else _LEFT)
            lo, hi = min(col, tc), max(col, tc)
            for c in range(lo + 1, hi):
                cells[c] |= _LEFT | _RIGHT
            cells[tc] |= _DOWN | (_LEFT if tc > col else _RIGHT)
        while lanes and lanes[-1] is None:
            lanes.pop()
            active.pop()
        lines.append(draw(cells, None, ""))
    return TextLayout(lines, node_lines, order)


def render_text(
    graph: DependencyGraph, nodes: Iterable[str] | None = None, *, focus: str | None = None
) -> str:
    return str(layout_text(graph, nodes, focus=focus))


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_DOT_FILL = {"completed": "#e6e6e6", "cancelled": "#f2f2f2", "in_progress": "#dbeafe"}


def render_dot(
    graph: DependencyGraph, nodes: Iterable[str] | None = None, *, focus: str | None = None
) -> str:
    """Graphviz: one box per task (clusters per repository when the view spans several), solid
    arrows blocker -> waiting task, dashed undirected lines for ``related``."""
    scope = _scope(graph, nodes)
    order = graph.topological_order(scope)
    in_view = set(order)
    multi = _spans_repos(graph, order)
    out = [
        "digraph mhv {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '  edge [color="#555555"];',
    ]

    def node_line(n: str, indent: str) -> str:
        info = graph.info(n)
        number = f"#{info.number}" if info.number else n
        label = f"{number} {info.title}\n[{_status_text(graph, n, info)}]"
        attrs = [f"label={_dot_quote(label)}"]
        fill = "#fde2e2" if graph.is_blocked(n) else _DOT_FILL.get(info.status)
        if fill:
            attrs.append(f"fillcolor={_dot_quote(fill)}")
        if info.finished:
            attrs.append('fontcolor="#777777"')
        if n == focus:
            attrs.append("penwidth=2.5")
        return f"{indent}{_dot_quote(n)} [{', '.join(attrs)}];"

    if multi:
        by_repo: dict[str, list[str]] = {}
        for n in order:
            by_repo.setdefault(graph.info(n).repo or "", []).append(n)
        for i, (repo, members) in enumerate(sorted(by_repo.items())):
            out.append(f"  subgraph cluster_{i} {{")
            out.append(f"    label={_dot_quote(repo or '(no repository)')};")
            out.append('    style="rounded"; color="#999999";')
            out.extend(node_line(n, "    ") for n in members)
            out.append("  }")
    else:
        out.extend(node_line(n, "  ") for n in order)
    for edge in sorted(graph.edges_among(in_view), key=lambda e: (e.kind, e.depends_on, e.task)):
        if edge.task not in in_view or edge.depends_on not in in_view:
            continue
        if edge.kind == BLOCKS:
            out.append(f"  {_dot_quote(edge.depends_on)} -> {_dot_quote(edge.task)};")
        else:
            out.append(
                f"  {_dot_quote(edge.task)} -> {_dot_quote(edge.depends_on)}"
                ' [dir=none, style=dashed, constraint=false, color="#999999"];'
            )
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    # Mermaid entity codes: '#' itself must be escaped first, or "#42;" would read as a character.
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text


def render_mermaid(
    graph: DependencyGraph, nodes: Iterable[str] | None = None, *, focus: str | None = None
) -> str:
    """A Mermaid flowchart, left to right; subgraphs per repository when the view spans several."""
    scope = _scope(graph, nodes)
    order = graph.topological_order(scope)
    ids = {n: f"t{i}" for i, n in enumerate(order)}
    multi = _spans_repos(graph, order)
    out = ["flowchart LR"]

    def node_line(n: str, indent: str) -> str:
        label = node_label(graph, n, show_repo=False)
        return f'{indent}{ids[n]}["{_mermaid_text(label)}"]'

    if multi:
        by_repo: dict[str, list[str]] = {}
        for n in order:
            by_repo.setdefault(graph.info(n).repo or "", []).append(n)
        for i, (repo, members) in enumerate(sorted(by_repo.items())):
            out.append(f'  subgraph r{i}["{_mermaid_text(repo or "(no repository)")}"]')
            out.extend(node_line(n, "    ") for n in members)
            out.append("  end")
    else:
        out.extend(node_line(n, "  ") for n in order)
    for edge in sorted(graph.edges_among(set(ids)), key=lambda e: (e.kind, ids[e.depends_on], ids[e.task])):
        if edge.task in ids and edge.depends_on in ids:
            arrow = "-->" if edge.kind == BLOCKS else "-.-"
            out.append(f"  {ids[edge.depends_on]} {arrow} {ids[edge.task]}")
    finished = [ids[n] for n in order if graph.info(n).finished]
    blocked = [ids[n] for n in order if graph.is_blocked(n)]
    out.append("  classDef finished fill:#eeeeee,color:#777777;")
    out.append("  classDef blocked fill:#fde2e2;")
    out.append("  classDef focus stroke-width:3px;")
    if finished:
        out.append(f"  class {','.join(finished)} finished;")
    if blocked:
        out.append(f"  class {','.join(blocked)} blocked;")
    if focus in ids:
        out.append(f"  class {ids[focus]} focus;")
    return "\n".join(out) + "\n"


def graph_data(
    graph: DependencyGraph, nodes: Iterable[str] | None = None, *, focus: str | None = None
) -> dict[str, object]:
    """Plain data: tasks in topological order, then edges (``task`` waits for ``depends_on``)."""
    scope = _scope(graph, nodes)
    order = graph.topological_order(scope)
    depth = graph.depths(order)
    in_view = set(order)
    node_rows = []
    for n in order:
        info = graph.info(n)
        node_rows.append(
            {
                "id": n,
                "number": info.number,
                "title": info.title,
                "status": info.status,
                "repo": info.repo,
                "blocked": graph.is_blocked(n),
                "estimate_minutes": info.estimate_minutes,
                "depth": depth[n],
            }
        )
    edges = [
        {"task": e.task, "depends_on": e.depends_on, "kind": e.kind}
        for e in sorted(graph.edges_among(in_view), key=lambda e: (e.kind, e.task, e.depends_on))
        if e.task in in_view and e.depends_on in in_view
    ]
    return {"focus": focus, "nodes": node_rows, "edges": edges}


def render_json(
    graph: DependencyGraph, nodes: Iterable[str] | None = None, *, focus: str | None = None
) -> str:
    return json.dumps(graph_data(graph, nodes, focus=focus), indent=2, ensure_ascii=False) + "\n"


_RENDERERS = {"text": render_text, "dot": render_dot, "mermaid": render_mermaid, "json": render_json}


def render_graph(
    graph: DependencyGraph,
    fmt: str = "text",
    nodes: Iterable[str] | None = None,
    *,
    focus: str | None = None,
) -> str:
    """Render in one of :data:`FORMATS`; an unknown format is a user error (``mhv graph --format``)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValidationError(
            f"Unknown graph format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}."
        ) from None
    return renderer(graph, nodes, focus=focus)
