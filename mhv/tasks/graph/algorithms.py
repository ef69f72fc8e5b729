"""The dependency graph: blocking, cycles, ordering, critical path. Pure Python, in memory.

A ``blocks`` edge ``task -> depends_on`` means *task waits for depends_on*. A task is blocked while
it has at least one unfinished ``blocks`` blocker (finished = ``completed`` or ``cancelled``).
``related`` edges are informational: they never block and never form cycles.

The service loads every task and dependency once, keeps this object next to the store and calls
:meth:`DependencyGraph.would_create_cycle` before writing a dependency, then the mutator
(``add_edge``, ``remove_edge``, ``set_status``, ``remove_node``) after the write commits. Mutators
return a :class:`BlockChange` naming every task whose blocked state changed, which the service turns
into ``task.blocked`` / ``task.unblocked`` events.

Cycle checks keep an order label per node (a topological order in an order-maintenance list, see
``docs/graph.md``): an edge that agrees with the order costs O(1); an edge that disagrees is searched
from both ends at once, only inside the region between the two labels (the two-way search of
Haeupler et al. and of Bender, Fineman, Gilbert and Tarjan), and the side that finishes first is the
only one that moves, so an insert costs what the smaller affected side costs.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

from mhv.errors import CycleError, NotFoundError

BLOCKS = "blocks"
RELATED = "related"
EDGE_KINDS = (BLOCKS, RELATED)
FINISHED_STATUSES = frozenset({"completed", "cancelled"})
DEFAULT_ESTIMATE_MINUTES = 60
_GAP = 1 << 32  # spacing of order labels when they are handed out afresh
_MIN_GAP = 1 << 8  # a block is relabelled together with its neighbours below this spacing

CYCLE_ENDS_SHOWN = 8  # a longer cycle is named by its first and last tasks, with the count between

Direction = Literal["up", "down", "both", "connected"]


def name_cycle(
    cycle: Sequence[Any], label: Callable[[Any], str], arrow: str = " → ", ends: int = CYCLE_ENDS_SHOWN
) -> str:
    """``#1 → #5 → #4 → #1`` (read "waits for", the first task repeated at the end). A cycle of more
    than ``2 * ends`` tasks is named by its first ``ends`` tasks and its last ``ends`` (the repeated
    first one included), with how many are left out between; with ``ends=2``:
    ``#1 → #9 → (4,233 more) → #2 → #1``. Only the named tasks are labelled, so naming a cycle of
    thousands of tasks costs what naming twenty does."""
    if len(cycle) <= 2 * ends + 1:
        return arrow.join(label(n) for n in cycle)
    head = [label(n) for n in cycle[:ends]]
    tail = [label(n) for n in cycle[-ends:]]
    return arrow.join([*head, f"({len(cycle) - 2 * ends:,} more)", *tail])


class Edge(NamedTuple):
    """``task`` waits for ``depends_on`` (kind ``blocks``), or is merely ``related`` to it."""

    task: str
    depends_on: str
    kind: str = BLOCKS


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What the graph needs to know about a task (a small copy, not the task itself)."""

    number: int = 0
    title: str = ""
    status: str = "pending"
    repo: str | None = None
    estimate_minutes: int | None = None
    tags: tuple[str, ...] = ()
    parent_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def label(self) -> str:
        return f"#{self.number}" if self.number else "?"

    @classmethod
    def of(cls, source: Any) -> NodeInfo:
        """Build from a NodeInfo, a mapping, or any object with task attributes (e.g. a Task)."""
        if isinstance(source, NodeInfo):
            return source
        if isinstance(source, Mapping):
            get: Callable[[str, Any], Any] = source.get
        else:

            def get(name: str, default: Any) -> Any:
                return getattr(source, name, default)

        tags = get("tags", None) or ()
        return cls(
            number=int(get("number", 0) or 0),
            title=str(get("title", "") or ""),
            status=str(get("status", "pending") or "pending"),
            repo=get("repo", None),
            estimate_minutes=get("estimate_minutes", None),
            tags=tuple(tags),
            parent_id=get("parent_id", None),
        )


@dataclass(frozen=True, slots=True)
class BlockChange:
    """Tasks whose blocked state changed because of one mutation (the mutated task's own status
    change is not listed: it has its own event)."""

    blocked: tuple[str, ...] = ()
    unblocked: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.blocked or self.unblocked)


@dataclass(frozen=True, slots=True)
class Component:
    nodes: tuple[str, ...]
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class CriticalPath:
    path: tuple[str, ...]
    length_minutes: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """Critical-path method over estimates, in minutes from "now" (all work starts at 0)."""

    earliest_start: dict[str, int]
    earliest_finish: dict[str, int]
    latest_start: dict[str, int]
    latest_finish: dict[str, int]
    critical_path: CriticalPath

    def slack(self, task: str) -> int:
        return self.latest_start[task] - self.earliest_start[task]


@dataclass(frozen=True, slots=True)
class Progress:
    """Subtask progress: cancelled children do not count towards the total."""

    completed: int
    cancelled: int
    open: int
    total: int
    fraction: float | None = field(default=None)

    @property
    def all_finished(self) -> bool:
        return self.open == 0 and (self.completed + self.cancelled) > 0


def subtask_progress(child_statuses: Iterable[str]) -> Progress:
    """Progress of a parent from its children's statuses (``fraction`` is None with no children)."""
    completed = cancelled = open_ = 0
    for status in child_statuses:
        if status == "completed":
            completed += 1
        elif status == "cancelled":
            cancelled += 1
        else:
            open_ += 1
    total = completed + open_
    fraction = completed / total if total else (1.0 if cancelled else None)
    return Progress(completed, cancelled, open_, total, fraction)


def find_cycle_in_edges(edges: Iterable[tuple[str, str] | tuple[str, str, str]]) -> list[str] | None:
    """First ``blocks`` cycle in a batch of edges (e.g. an import), or None.

    Pairs are ``(task, depends_on)``; triples carry a kind and non-``blocks`` ones are ignored. The
    cycle reads in the "waits for" direction with its first node repeated at the end.
    """
    waits_for: dict[str, list[str]] = {}
    for edge in edges:
        if len(edge) == 3 and edge[2] != BLOCKS:
            continue
        task, dep = edge[0], edge[1]
        if task == dep:
            return [task, task]
        waits_for.setdefault(task, []).append(dep)
        waits_for.setdefault(dep, [])
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(waits_for, WHITE)
    for root in waits_for:
        if colour[root] != WHITE:
            continue
        colour[root] = GREY
        path = [root]
        stack: list[Iterator[str]] = [iter(waits_for[root])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                colour[path.pop()] = BLACK
            elif colour[nxt] == GREY:
                return [*path[path.index(nxt) :], nxt]
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                stack.append(iter(waits_for[nxt]))
    return None


class DependencyGraph:
    """Tasks (string ids) and their ``blocks`` / ``related`` edges, with a maintained topological
    order. Not thread-safe; the service owns one and mutates it after each committed write."""

    def __init__(
        self,
        edges: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
        nodes: Mapping[str, Any] | None = None,
        *,
        default_estimate_minutes: int = DEFAULT_ESTIMATE_MINUTES,
    ) -> None:
        self.default_estimate_minutes = default_estimate_minutes
        self._info: dict[str, NodeInfo] = {}
        self._deps: dict[str, set[str]] = {}  # task -> blockers (it waits for them)
        self._rdeps: dict[str, set[str]] = {}  # task -> dependents (they wait for it)
        self._related: dict[str, set[str]] = {}  # task -> related (as stored: task -> other)
        self._related_in: dict[str, set[str]] = {}
        self._open: dict[str, int] = {}  # unfinished blockers per task
        self._children: dict[str, set[str]] = {}
        # The maintained topological order: a label per task (blockers have smaller labels than
        # the tasks that wait for them) and the tasks in label order as a doubly linked list, so a
        # block of tasks can be moved next to another task without touching the tasks in between.
        self._ord: dict[str, int] = {}
        self._next: dict[str, str | None] = {}
        self._prev: dict[str, str | None] = {}
        self._head: str | None = None
        self._tail: str | None = None
        # The last search of would_create_cycle, reused by add_edge while nothing changed.
        self._searched: tuple[str, str, bool, list[str]] | None = None
        for node_id, info in (nodes or {}).items():
            self._put_node(node_id, NodeInfo.of(info))
        blocks: list[tuple[str, str]] = []
        for edge in edges:
            task, dep = edge[0], edge[1]
            kind = edge[2] if len(edge) == 3 else BLOCKS
            if kind not in EDGE_KINDS:
                raise ValueError(f"unknown dependency kind {kind!r}")
            if task == dep:
                raise self._cycle_error([task, task])
            self._ensure(task)
            self._ensure(dep)
            if kind == BLOCKS:
                blocks.append((task, dep))
            else:
                self._related[task].add(dep)
                self._related_in[dep].add(task)
        for task, dep in blocks:
            self._deps[task].add(dep)
            self._rdeps[dep].add(task)
        self._initial_order(blocks)
        for task, blockers in self._deps.items():
            self._open[task] = sum(1 for b in blockers if not self._info[b].finished)

    # ----------------------------------------------------------------------------- nodes

    def _put_node(self, node_id: str, info: NodeInfo) -> None:
        self._info[node_id] = info
        self._deps.setdefault(node_id, set())
        self._rdeps.setdefault(node_id, set())
        self._related.setdefault(node_id, set())
        self._related_in.setdefault(node_id, set())
        self._open.setdefault(node_id, 0)
        if node_id not in self._ord:
            tail = self._tail
            self._ord[node_id] = self._ord[tail] + _GAP if tail is not None else 0
            self._link_after(tail, node_id)
        if info.parent_id is not None:
            self._children.setdefault(info.parent_id, set()).add(node_id)

    def _ensure(self, node_id: str) -> None:
        if node_id not in self._info:
            self._put_node(node_id, NodeInfo())

    def _initial_order(self, blocks: list[tuple[str, str]]) -> None:
        indegree = {n: len(self._deps[n]) for n in self._info}
        ready = deque(n for n, d in indegree.items() if d == 0)
        order: list[str] = []
        while ready:
            n = ready.popleft()
            order.append(n)
            for m in self._rdeps[n]:
                indegree[m] -= 1
                if indegree[m] == 0:
                    ready.append(m)
        if len(order) != len(self._info):
            cycle = find_cycle_in_edges(blocks)
            raise self._cycle_error(cycle or [])
        labels, nxt, prv = self._ord, self._next, self._prev
        previous: str | None = None
        for position, n in enumerate(order):
            labels[n] = position * _GAP
            prv[n] = previous
            nxt[n] = None
            if previous is not None:
                nxt[previous] = n
            previous = n
        self._head = order[0] if order else None
        self._tail = previous

    # ----------------------------------------------------------------------------- the order list

    def _link_after(self, anchor: str | None, node: str) -> None:
        """Put ``node`` (not in the list) right after ``anchor`` (None: at the head)."""
        after = self._next[anchor] if anchor is not None else self._head
        self._prev[node] = anchor
        self._next[node] = after
        if anchor is None:
            self._head = node
        else:
            self._next[anchor] = node
        if after is None:
            self._tail = node
        else:
            self._prev[after] = node

    def _unlink(self, node: str) -> None:
        before, after = self._prev.pop(node), self._next.pop(node)
        if before is None:
            self._head = after
        else:
            self._next[before] = after
        if after is None:
            self._tail = before
        else:
            self._prev[after] = before

    def _move_after(self, anchor: str | None, block: list[str]) -> None:
        """Move ``block`` (tasks in their current order, ``anchor`` not among them) to right after
        ``anchor`` (None: the head), keeping its order. New labels come from the gap after
        ``anchor``; when it is too narrow, the tasks after it are relabelled too, as few as give an
        even spacing of at least ``_MIN_GAP`` (the order-maintenance list of Dietz and Sleator,
        simplified)."""
        labels, nxt = self._ord, self._next
        for n in block:
            self._unlink(n)
        after = nxt[anchor] if anchor is not None else self._head
        if anchor is None:
            hi = labels[after] if after is not None else 0
            lo = hi - (len(block) + 1) * _GAP
        else:
            lo = labels[anchor]
            hi = labels[after] if after is not None else lo + (len(block) + 1) * _GAP
        spread = list(block)
        cursor = after
        while hi - lo <= len(spread) * _MIN_GAP and cursor is not None:
            # Too narrow: take the next task into the relabelled stretch and widen it to the one
            # after (past the tail there is room without limit).
            spread.append(cursor)
            cursor = nxt[cursor]
            hi = labels[cursor] if cursor is not None else lo + (len(spread) + 1) * _GAP
        previous = anchor
        for n in block:
            self._link_after(previous, n)
            previous = n
        step = len(spread) + 1
        for i, n in enumerate(spread, 1):
            labels[n] = lo + (hi - lo) * i // step

    def add_node(self, node_id: str, info: Any = None) -> None:
        """Add a task (no edges). Adding a known id replaces its info, like :meth:`update_node`."""
        if node_id in self._info:
            self.update_node(node_id, info if info is not None else NodeInfo())
            return
        self._put_node(node_id, NodeInfo.of(info) if info is not None else NodeInfo())

    def update_node(self, node_id: str, info: Any = None, **changes: Any) -> BlockChange:
        """Replace a task's info (or change some fields); reports blocked-state changes of its
        dependents when it moves between finished and unfinished."""
        old = self._require(node_id)
        new = NodeInfo.of(info) if info is not None else old
        if changes:
            new = replace(new, **changes)
        if old.parent_id != new.parent_id:
            if old.parent_id is not None:
                self._children.get(old.parent_id, set()).discard(node_id)
            if new.parent_id is not None:
                self._children.setdefault(new.parent_id, set()).add(node_id)
        if old.finished == new.finished:
            self._info[node_id] = new
            return BlockChange()
        affected = [d for d in self._rdeps[node_id] if d != node_id]
        before = {d: self.is_blocked(d) for d in affected}
        self._info[node_id] = new
        delta = -1 if new.finished else 1
        for d in affected:
            self._open[d] += delta
        return self._diff(before)

    def set_status(self, node_id: str, status: str) -> BlockChange:
        return self.update_node(node_id, status=status)

    def remove_node(self, node_id: str) -> BlockChange:
        """Forget a task and all its edges (a deleted task). Dependents it blocked may unblock."""
        info = self._require(node_id)
        dependents = list(self._rdeps[node_id])
        before = {d: self.is_blocked(d) for d in dependents}
        for d in dependents:
            self._deps[d].discard(node_id)
            if not info.finished:
                self._open[d] -= 1
        for b in self._deps[node_id]:
            self._rdeps[b].discard(node_id)
        for r in self._related[node_id]:
            self._related_in[r].discard(node_id)
        for r in self._related_in[node_id]:
            self._related[r].discard(node_id)
        if info.parent_id is not None:
            self._children.get(info.parent_id, set()).discard(node_id)
        del self._info[node_id], self._deps[node_id], self._rdeps[node_id]
        del self._related[node_id], self._related_in[node_id], self._open[node_id], self._ord[node_id]
        self._unlink(node_id)
        self._searched = None
        return self._diff(before)

    def _require(self, node_id: str) -> NodeInfo:
        try:
            return self._info[node_id]
        except KeyError:
            raise NotFoundError(f"No task {node_id!r} in the dependency graph.") from None

    def _diff(self, before: Mapping[str, bool]) -> BlockChange:
        blocked, unblocked = [], []
        for d, was in before.items():
            now = self.is_blocked(d)
            if now and not was:
                blocked.append(d)
            elif was and not now:
                unblocked.append(d)
        return BlockChange(tuple(sorted(blocked, key=self._key)), tuple(sorted(unblocked, key=self._key)))

    # ----------------------------------------------------------------------------- reading

    def __len__(self) -> int:
        return len(self._info)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._info

    def nodes(self) -> list[str]:
        return list(self._info)

    def info(self, node_id: str) -> NodeInfo:
        return self._require(node_id)

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        if kind in (None, BLOCKS):
            for task, deps in self._deps.items():
                for dep in deps:
                    yield Edge(task, dep, BLOCKS)
        if kind in (None, RELATED):
            for task, others in self._related.items():
                for other in others:
                    yield Edge(task, other, RELATED)

    def edges_among(self, nodes: Iterable[str]) -> list[Edge]:
        """Edges with both ends in ``nodes``: O(edges of those nodes), not of the whole graph."""
        scope = nodes if isinstance(nodes, set | frozenset) else set(nodes)
        out = [Edge(n, d, BLOCKS) for n in scope for d in self._deps.get(n, ()) if d in scope]
        out += [Edge(n, o, RELATED) for n in scope for o in self._related.get(n, ()) if o in scope]
        return out

    def edge_kind(self, task: str, depends_on: str) -> str | None:
        if depends_on in self._deps.get(task, ()):
            return BLOCKS
        if depends_on in self._related.get(task, ()):
            return RELATED
        return None

    def has_edge(self, task: str, depends_on: str, kind: str | None = None) -> bool:
        found = self.edge_kind(task, depends_on)
        return found is not None and (kind is None or found == kind)

    def related(self, node_id: str) -> list[str]:
        """Tasks related to this one, in either direction."""
        self._require(node_id)
        return sorted(self._related[node_id] | self._related_in[node_id], key=self._key)

    def _key(self, node_id: str) -> tuple[int, str]:
        return (self._info[node_id].number, node_id)

    def _closure(self, start: str, step: Mapping[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for nxt in step[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        seen.discard(start)
        return seen

    def blockers(self, node_id: str, *, transitive: bool = False, open_only: bool = False) -> list[str]:
        """What this task waits for (directly, or everything upstream), ordered by number."""
        self._require(node_id)
        found = self._closure(node_id, self._deps) if transitive else set(self._deps[node_id])
        if open_only:
            found = {b for b in found if not self._info[b].finished}
        return sorted(found, key=self._key)

    def dependents(self, node_id: str, *, transitive: bool = False) -> list[str]:
        """What waits for this task (directly, or everything downstream), ordered by number."""
        self._require(node_id)
        found = self._closure(node_id, self._rdeps) if transitive else set(self._rdeps[node_id])
        return sorted(found, key=self._key)

    def is_blocked(self, node_id: str) -> bool:
        """An unfinished task with at least one unfinished ``blocks`` blocker."""
        return self._open[node_id] > 0 and not self._info[node_id].finished

    def mark_blocked_outside(self, node_id: str) -> None:
        """Count one unfinished blocker that is not in this graph (a view cut out of a larger
        graph keeps the task's true blocked state)."""
        self._open[node_id] += 1

    def is_blocking(self, node_id: str) -> bool:
        """An unfinished task that some unfinished task waits for (Taskwarrior's BLOCKING)."""
        if self._info[node_id].finished:
            return False
        return any(not self._info[d].finished for d in self._rdeps[node_id])

    def unblocked_by(self, node_id: str) -> list[str]:
        """Tasks that would become unblocked if this one finished now."""
        if self._require(node_id).finished:
            return []
        return sorted(
            (d for d in self._rdeps[node_id] if self._open[d] == 1 and not self._info[d].finished),
            key=self._key,
        )

    def children(self, parent_id: str) -> list[str]:
        return sorted((c for c in self._children.get(parent_id, ()) if c in self._info), key=self._key)

    def progress(self, parent_id: str) -> Progress:
        return subtask_progress(self._info[c].status for c in self.children(parent_id))

    # ----------------------------------------------------------------------------- edges

    def would_create_cycle(self, task: str, depends_on: str) -> list[str] | None:
        """The cycle that ``task blocks-on depends_on`` would close, e.g. ``[a, b, c, a]``, or None.

        A self-dependency is the 1-cycle ``[a, a]``. Unknown ids cannot be part of a cycle. The
        search is kept for :meth:`add_edge` of the same edge, so checking then adding searches once.
        """
        if task == depends_on:
            return [task, task]
        if task not in self._info or depends_on not in self._info:
            return None
        if depends_on in self._deps[task]:
            return None
        cycle, forward, region = self._two_way_search(task, depends_on)
        self._searched = None if cycle is not None else (task, depends_on, forward, region)
        return cycle

    def _two_way_search(self, task: str, dep: str) -> tuple[list[str] | None, bool, list[str]]:
        """The new edge needs ``ord[dep] < ord[task]``. If that holds already, nothing to do.
        Otherwise search both ways at once, one task per side in turn, only inside the region
        between the two labels: forward from ``task`` through the tasks that wait for it (labels
        below ``ord[dep]``) and backward from ``dep`` through its blockers (labels above
        ``ord[task]``). The sides meeting is a cycle (returned); a side running out first proves
        there is none, and that side is the set of tasks to move (``forward`` says which). Each
        side goes deepest first towards the other end (the highest label forward, the lowest
        backward), so a long cycle is found along its path instead of after the whole region."""
        order = self._ord
        upper, lower = order[dep], order[task]
        if upper < lower:
            return None, True, []
        rdeps, deps = self._rdeps, self._deps
        # parent links: forward, a task -> the task it waits for on the way back to ``task``;
        # backward, a task -> the task that waits for it on the way back to ``dep``.
        ahead: dict[str, str | None] = {task: None}
        behind: dict[str, str | None] = {dep: None}
        fstack, bstack = [task], [dep]
        while fstack and bstack:
            n = fstack.pop()
            best, best_label = None, lower
            for s in rdeps[n]:
                if s in ahead:
                    continue
                if s in behind:
                    ahead[s] = n
                    return self._join(task, s, ahead, behind), True, []
                label = order[s]
                if label < upper:
                    ahead[s] = n
                    if label > best_label:  # the highest label goes on top of the stack
                        if best is not None:
                            fstack.append(best)
                        best, best_label = s, label
                    else:
                        fstack.append(s)
            if best is not None:
                fstack.append(best)
            n = bstack.pop()
            best, best_label = None, upper
            for p in deps[n]:
                if p in behind:
                    continue
                if p in ahead:
                    behind[p] = n
                    return self._join(task, p, ahead, behind), False, []
                label = order[p]
                if label > lower:
                    behind[p] = n
                    if label < best_label:  # the lowest label goes on top of the stack
                        if best is not None:
                            bstack.append(best)
                        best, best_label = p, label
                    else:
                        bstack.append(p)
            if best is not None:
                bstack.append(best)
        if not fstack:
            return None, True, list(ahead)
        return None, False, list(behind)

    @staticmethod
    def _join(
        task: str, meet: str, ahead: Mapping[str, str | None], behind: Mapping[str, str | None]
    ) -> list[str]:
        """The cycle through the new edge ``task -> dep``: ``dep`` waits (through ``behind``) for
        ``meet``, which waits (through ``ahead``) for ``task``."""
        back = [meet]
        while (nxt := behind[back[-1]]) is not None:
            back.append(nxt)
        back.reverse()  # dep ... meet
        cur = ahead[meet]
        while cur is not None:
            back.append(cur)
            cur = ahead[cur]
        if back[-1] != task:  # meet is task itself
            back.append(task)
        return [task, *back]

    def add_edge(self, task: str, depends_on: str, kind: str = BLOCKS) -> BlockChange:
        """Add ``task -> depends_on``. Raises :class:`CycleError` (with ``details['cycle']``) for a
        self-dependency or a cycle and leaves the graph unchanged. Unknown ids are added as bare
        nodes. Re-adding an existing edge does nothing; a different kind replaces the old one."""
        if kind not in EDGE_KINDS:
            raise ValueError(f"unknown dependency kind {kind!r}")
        if task == depends_on:
            raise self._cycle_error([task, task])
        self._ensure(task)
        self._ensure(depends_on)
        current = self.edge_kind(task, depends_on)
        if current == kind:
            return BlockChange()
        if kind == RELATED:
            change = self.remove_edge(task, depends_on) if current == BLOCKS else BlockChange()
            self._related[task].add(depends_on)
            self._related_in[depends_on].add(task)
            return change
        searched, self._searched = self._searched, None
        if searched is not None and searched[0] == task and searched[1] == depends_on:
            forward, region = searched[2], searched[3]
        else:
            cycle, forward, region = self._two_way_search(task, depends_on)
            if cycle is not None:
                raise self._cycle_error(cycle)
        if region:
            region.sort(key=self._ord.__getitem__)
            if forward:  # task and what waits for it move to right after depends_on
                self._move_after(depends_on, region)
            else:  # depends_on and its blockers move to right before task
                self._move_after(self._prev[task], region)
        if current == RELATED:
            self._related[task].discard(depends_on)
            self._related_in[depends_on].discard(task)
        was = self.is_blocked(task)
        self._deps[task].add(depends_on)
        self._rdeps[depends_on].add(task)
        if not self._info[depends_on].finished:
            self._open[task] += 1
        return self._diff({task: was})

    def remove_edge(self, task: str, depends_on: str) -> BlockChange:
        """Remove the edge of either kind; :class:`NotFoundError` when there is none."""
        kind = self.edge_kind(task, depends_on)
        if kind is None:
            raise NotFoundError(
                f"{self._label(task)} does not depend on {self._label(depends_on)}.",
                "List the task's blockers with `mhv show`.",
            )
        if kind == RELATED:
            self._related[task].discard(depends_on)
            self._related_in[depends_on].discard(task)
            return BlockChange()
        was = self.is_blocked(task)
        self._searched = None
        self._deps[task].discard(depends_on)
        self._rdeps[depends_on].discard(task)
        if not self._info[depends_on].finished:
            self._open[task] -= 1
        return self._diff({task: was})

    def _label(self, node_id: str) -> str:
        info = self._info.get(node_id)
        return info.label if info is not None and info.number else node_id

    def describe_cycle(self, cycle: list[str]) -> str:
        """``#1 → #2 → #1`` (read "waits for"); a long cycle by its two ends (:func:`name_cycle`)."""
        return name_cycle(cycle, self._label)

    def numbers(self, node_ids: Iterable[str]) -> list[int]:
        """The task numbers of these tasks, in the same order (:class:`KeyError` for an unknown id)."""
        info = self._info
        return [info[n].number for n in node_ids]

    def _cycle_error(self, cycle: list[str]) -> CycleError:
        if len(cycle) == 2 and cycle[0] == cycle[1]:
            return CycleError(
                f"A task cannot depend on itself ({self._label(cycle[0])}).",
                "Pick a different task to depend on.",
                cycle=cycle,
            )
        # The new link is cycle[0] -> cycle[1]; the existing one after it is a good one to drop.
        hint = "Remove one of the existing links in the cycle first, or depend the other way round."
        if len(cycle) >= 3:
            waiting, blocker = (self._label(n).lstrip("#") for n in cycle[1:3])
            hint = f"Remove an existing link first (e.g. `mhv unblock {waiting} --from {blocker}`), or depend the other way round."
        size = len(cycle) - 1
        what = "a cycle" if size <= 2 * CYCLE_ENDS_SHOWN else f"a cycle of {size:,} tasks"
        return CycleError(
            f"That dependency would form {what}: {self.describe_cycle(cycle)}.",
            hint,
            cycle=cycle,
        )

    # ----------------------------------------------------------------------------- order

    def _scope(self, nodes: Iterable[str] | None) -> set[str]:
        if nodes is None:
            return set(self._info)
        scope = set(nodes)
        unknown = scope - self._info.keys()
        if unknown:
            raise NotFoundError(f"Unknown task ids: {sorted(unknown)[:5]}")
        return scope

    def topological_order(self, nodes: Iterable[str] | None = None) -> list[str]:
        """Blockers before the tasks that wait for them; ties broken by task number (stable).
        With ``nodes``, only those tasks and the edges among them are considered."""
        scope = self._scope(nodes)
        indegree = {n: sum(1 for d in self._deps[n] if d in scope) for n in scope}
        heap = [(self._info[n].number, n) for n, d in indegree.items() if d == 0]
        heapq.heapify(heap)
        out: list[str] = []
        while heap:
            _, n = heapq.heappop(heap)
            out.append(n)
            for m in self._rdeps[n]:
                if m in indegree:
                    indegree[m] -= 1
                    if indegree[m] == 0:
                        heapq.heappush(heap, (self._info[m].number, m))
        return out

    def depths(self, nodes: Iterable[str] | None = None) -> dict[str, int]:
        """Layer of each task: 0 for tasks with no blocker in scope, else 1 + deepest blocker."""
        order = self.topological_order(nodes)
        scope = set(order)
        depth: dict[str, int] = {}
        for n in order:
            depth[n] = max((depth[d] + 1 for d in self._deps[n] if d in scope), default=0)
        return depth

    def estimate(self, node_id: str, default: int | None = None) -> int:
        value = self._info[node_id].estimate_minutes
        if value is None:
            return self.default_estimate_minutes if default is None else default
        return max(0, int(value))

    def schedule(
        self,
        nodes: Iterable[str] | None = None,
        *,
        default_estimate_minutes: int | None = None,
        include_finished: bool = False,
    ) -> Schedule:
        """Critical-path method: earliest/latest start and finish of each task, in minutes.

        Finished tasks are left out unless ``include_finished`` (they no longer constrain anything).
        A task with no estimate counts ``default_estimate_minutes`` (the graph's default if None).
        """
        scope = self._scope(nodes)
        if not include_finished:
            scope = {n for n in scope if not self._info[n].finished}
        order = self.topological_order(scope)
        duration = {n: self.estimate(n, default_estimate_minutes) for n in order}
        es: dict[str, int] = {}
        ef: dict[str, int] = {}
        for n in order:
            es[n] = max((ef[d] for d in self._deps[n] if d in scope), default=0)
            ef[n] = es[n] + duration[n]
        length = max(ef.values(), default=0)
        lf: dict[str, int] = {}
        ls: dict[str, int] = {}
        for n in reversed(order):
            lf[n] = min((ls[s] for s in self._rdeps[n] if s in scope), default=length)
            ls[n] = lf[n] - duration[n]
        path: list[str] = []
        if order:
            # End on the earliest-numbered task finishing last, then walk back through blockers
            # that finish exactly when the current task can start.
            current = min((n for n in order if ef[n] == length), key=self._key)
            path.append(current)
            while True:
                prev = [d for d in self._deps[current] if d in scope and ef[d] == es[current]]
                if not prev:
                    break
                current = min(prev, key=self._key)
                path.append(current)
            path.reverse()
        return Schedule(es, ef, ls, lf, CriticalPath(tuple(path), length))

    def critical_path(
        self, nodes: Iterable[str] | None = None, *, default_estimate_minutes: int | None = None
    ) -> CriticalPath:
        """The longest chain of unfinished work by estimate, blockers first, and its length."""
        return self.schedule(nodes, default_estimate_minutes=default_estimate_minutes).critical_path

    def slack(
        self, node_id: str, nodes: Iterable[str] | None = None, *, default_estimate_minutes: int | None = None
    ) -> int:
        """Minutes this task can slip without delaying the end of the work in scope (0 = critical)."""
        return self.schedule(nodes, default_estimate_minutes=default_estimate_minutes).slack(node_id)

    # ----------------------------------------------------------------------------- views

    def component(
        self,
        node_id: str,
        direction: Direction = "both",
        *,
        max_nodes: int | None = None,
        include_related: bool = False,
    ) -> Component:
        """Tasks around one task, nearest first: ``up`` (what it waits for), ``down`` (what waits
        for it), ``both`` (up and down) or ``connected`` (everything linked by blocks edges, in any
        direction). ``include_related`` adds related tasks of every visited task (not expanded).
        With ``max_nodes`` the breadth-first walk stops early and ``truncated`` is set."""
        self._require(node_id)
        if direction not in ("up", "down", "both", "connected"):
            raise ValueError(f"unknown direction {direction!r}")
        up = direction in ("up", "both", "connected")
        down = direction in ("down", "both", "connected")
        # Each queued entry remembers which way it may keep going (only "connected" turns around).
        seen: dict[str, None] = {node_id: None}
        queue: deque[tuple[str, bool, bool]] = deque([(node_id, up, down)])
        limit = max_nodes if max_nodes is not None else len(self._info) + 1
        truncated = False
        while queue and not truncated:
            n, go_up, go_down = queue.popleft()
            steps: list[tuple[Iterable[str], bool, bool]] = []
            if go_up:
                steps.append((sorted(self._deps[n], key=self._key), True, direction == "connected"))
            if go_down:
                steps.append((sorted(self._rdeps[n], key=self._key), direction == "connected", True))
            if include_related:
                steps.append((self.related(n), False, False))
            for neighbours, nu, nd in steps:
                for m in neighbours:
                    if m in seen:
                        continue
                    if len(seen) >= limit:
                        truncated = True
                        break
                    seen[m] = None
                    if nu or nd:
                        queue.append((m, nu, nd))
                if truncated:
                    break
        return Component(tuple(seen), truncated)

    def subgraph(self, nodes: Iterable[str]) -> DependencyGraph:
        """A new graph over these tasks and every edge among them."""
        scope = self._scope(nodes)
        edges = self.edges_among(scope)
        return DependencyGraph(
            edges,
            {n: self._info[n] for n in sorted(scope, key=self._key)},
            default_estimate_minutes=self.default_estimate_minutes,
        )

    def _with_neighbours(self, members: set[str]) -> set[str]:
        out = set(members)
        for n in members:
            out |= self._deps[n] | self._rdeps[n] | self._related[n] | self._related_in[n]
        return out

    def subgraph_for_repo(self, repo: str | None, *, include_neighbours: bool = True) -> DependencyGraph:
        """Tasks of one repository; with ``include_neighbours``, also the tasks in other
        repositories linked to them directly, so cross-repository edges stay visible."""
        members = {n for n, info in self._info.items() if info.repo == repo}
        return self.subgraph(self._with_neighbours(members) if include_neighbours else members)

    def subgraph_for_tag(self, tag: str, *, include_neighbours: bool = True) -> DependencyGraph:
        members = {n for n, info in self._info.items() if tag in info.tags}
        return self.subgraph(self._with_neighbours(members) if include_neighbours else members)


def repair_chain_on_delete(graph: DependencyGraph, deleted: str) -> list[Edge]:
    """Edges that keep a chain intact when ``deleted`` goes away, as Taskwarrior does.

    In ``A -> B -> C`` (A waits for B, B waits for C), deleting B gives ``A -> C``: every unfinished
    task waiting for B now waits for every unfinished blocker of B. Taskwarrior does the same when B
    is *completed* (``dependencyChainOnComplete``, asked "Would you like the dependency chain
    fixed?"). Edges that already exist are left out. The result can never close a cycle in a DAG:
    A already reached C through B. The graph is not changed; the service applies the edges.
    """
    graph.info(deleted)
    waiting = [d for d in graph.dependents(deleted) if not graph.info(d).finished]
    upstream = graph.blockers(deleted, open_only=True)
    return [
        Edge(left, right, BLOCKS)
        for left in waiting
        for right in upstream
        if left != right and not graph.has_edge(left, right, BLOCKS)
    ]
