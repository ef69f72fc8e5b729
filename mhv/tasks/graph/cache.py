"""The service's in-memory dependency graph, kept fresh by following the event log.

Loading 100,000 tasks and 200,000 edges takes a second or two, so a long-lived service (the TUI, the
sync service, a benchmark) loads the graph once and then keeps it current:

- every event the service writes is applied to the graph as it is written (``apply``), and undone
  in memory if the transaction rolls back, so the graph always equals the committed store;
- changes made by other processes are read from the event log: at the start of every write, and
  before every read of the graph, the events after the graph's ``seq`` are applied. The check is one
  ``SELECT MAX(seq)`` on the primary key.

Events carry full snapshots (``after`` of a task, the dependency row), so applying them is
idempotent: replaying an event the graph already reflects changes nothing. Anything unexpected
(an event that does not fit) drops the graph; the next use reloads it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mhv.errors import MhvError

if TYPE_CHECKING:
    from mhv.store import Connection, Store
    from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo

# mhv.tasks.graph.algorithms is imported when a graph is loaded: every service makes a GraphCache,
# and a one-shot command (keep_graph=False) never loads one, so it never pays that import.

# Past this many unseen events, reloading is cheaper than replaying them one by one.
RELOAD_AFTER_EVENTS = 20_000
_NODE_COLUMNS = "id, number, title, status, repo, estimate_minutes, tags, parent_id"

Change = tuple[str, str | None, Any, Any]  # (kind, task_id, before, after)


class GraphCache:
    """One :class:`DependencyGraph` per service, with the event ``seq`` it reflects."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.graph: DependencyGraph | None = None
        self.seq = 0
        self.lock = threading.RLock()
        self.loads = 0  # how many full loads happened (tests and benchmarks look)
        self._changes: list[Change] | None = None  # applied by the write in progress
        self._write_seq = 0

    @property
    def loaded(self) -> bool:
        return self.graph is not None

    def drop(self) -> None:
        with self.lock:
            self.graph = None
            self.seq = 0

    # ------------------------------------------------------------------ loading and following
    def current(self, conn: Connection) -> DependencyGraph:
        """The graph as of the latest committed event (loading it on first use)."""
        with self.lock:
            head = int(conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM event"))
            if self.graph is None or head - self.seq > RELOAD_AFTER_EVENTS:
                self._load(conn)
            elif head > self.seq:
                self._follow(conn, head)
            assert self.graph is not None
            return self.graph

    def _load(self, conn: Connection) -> None:
        # Building millions of objects triggers full collections over and over (quadratic-ish);
        # none of them is garbage, so collect once at the end instead.
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._load_all(conn)
        finally:
            if enabled:
                gc.enable()

    def _load_all(self, conn: Connection) -> None:
        from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo

        d = self.store.dialect
        start = int(conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM event"))
        nodes: dict[str, NodeInfo] = {}
        for r in conn.execute(f"SELECT {_NODE_COLUMNS} FROM task").fetchall():
            nodes[r["id"]] = NodeInfo(
                number=int(r["number"]),
                title=r["title"],
                status=r["status"],
                repo=r["repo"],
                estimate_minutes=r["estimate_minutes"],
                tags=tuple(d.json_out(r["tags"]) or ()),
                parent_id=r["parent_id"],
            )
        edges = [
            (r["task_id"], r["depends_on_id"], r["kind"])
            for r in conn.execute("SELECT task_id, depends_on_id, kind FROM dependency").fetchall()
        ]
        self.graph = DependencyGraph(edges, nodes)
        self.seq = start
        self.loads += 1
        # A loaded 100k-task graph is millions of long-lived objects; without this every full
        # collection walks them all (tens of ms, the tail of an edge insert). freeze() moves what
        # exists now out of the collector's way; objects made later are collected as usual.
        gc.collect()
        gc.freeze()
        # Writers that committed while we read: their events are replayed (idempotent).
        head = int(conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM event"))
        if head > start:
            self._follow(conn, head)

    def _follow(self, conn: Connection, head: int) -> None:
        d = self.store.dialect
        rows = conn.all(
            "SELECT seq, kind, task_id, before, after FROM event WHERE seq > ? AND seq <= ? ORDER BY seq",
            (self.seq, head),
        )
        try:
            for r in rows:
                self.apply(r["kind"], r["task_id"], d.json_out(r["before"]), d.json_out(r["after"]))
        except (MhvError, KeyError, TypeError, ValueError):
            self.graph = None  # something did not fit: reload on next use
            self._load(conn)
            return
        self.seq = head

    # ------------------------------------------------------------------ applying changes
    def apply(self, kind: str, task_id: str | None, before: Any, after: Any) -> None:
        """Make the graph reflect one event: a task's ``after`` snapshot (None: deleted), or a
        dependency row added (``after``) or removed (``before``)."""
        graph = self.graph
        if graph is None:
            return
        from mhv.tasks.graph.algorithms import BLOCKS, NodeInfo

        entity = kind.split(".", 1)[0]
        if entity == "task":
            node = task_id or (after or before or {}).get("id")
            if node is None:
                return
            if after is None:
                if node in graph:
                    graph.remove_node(node)
            elif node in graph:
                graph.update_node(node, NodeInfo.of(after))
            else:
                graph.add_node(node, NodeInfo.of(after))
        elif entity == "dependency":
            if after is not None:
                task, dep = after["task_id"], after["depends_on_id"]
                if graph.edge_kind(task, dep) != after.get("kind", BLOCKS):
                    graph.add_edge(task, dep, after.get("kind", BLOCKS))
            elif before is not None:
                task, dep = before["task_id"], before["depends_on_id"]
                if task in graph and dep in graph and graph.has_edge(task, dep):
                    graph.remove_edge(task, dep)

    @contextmanager
    def transaction(self, conn: Connection) -> Iterator[list[Change]]:
        """Around one write: bring the graph up to date, collect the changes applied during the
        write, and on an error take them back (the store rolls back too)."""
        with self.lock:
            was_loaded = self.graph is not None
            if was_loaded:
                self.current(conn)
            applied: list[Change] = []
            self._changes, self._write_seq = applied, 0
            try:
                yield applied
            except BaseException:
                self._changes = None
                if not was_loaded:  # loaded inside this transaction: it saw writes now undone
                    self.drop()
                    raise
                try:
                    for kind, task_id, before, after in reversed(applied):
                        self.apply(kind, task_id, after, before)
                except (MhvError, KeyError, TypeError, ValueError):
                    self.drop()
                raise

            self._changes = None

    def written(self, kind: str, task_id: str | None, before: Any, after: Any, seq: int | None) -> None:
        """The service wrote one event inside :meth:`transaction`: follow it."""
        if self.graph is None or self._changes is None:
            return
        self.apply(kind, task_id, before, after)
        self._changes.append((kind, task_id, before, after))
        self._write_seq = max(self._write_seq, seq or 0)

    def committed(self) -> None:
        """The write committed: the graph now reflects the log up to its last event."""
        with self.lock:
            if self.graph is not None and self._write_seq:
                self.seq = max(self.seq, self._write_seq)
            self._write_seq = 0
