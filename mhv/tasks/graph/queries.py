"""What the task service answers from the dependency graph: views, "what would finishing this
unblock", subtask progress, critical path, and the urgency ranking behind ``mhv next``.

A mixin of :class:`mhv.tasks.service.TaskService` (kept apart so the service module stays about
writes). Every answer reads the graph under its lock, so a writer in another thread (the TUI writes
on its main thread and reads on a worker) never changes it half way through.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mhv.errors import NotFoundError, ValidationError
from mhv.tasks.models import Task, TaskFilter

if TYPE_CHECKING:
    from mhv.store import Store
    from mhv.tasks.graph.algorithms import DependencyGraph, Progress
    from mhv.tasks.graph.answers import GraphView, Ranked
    from mhv.tasks.graph.cache import GraphCache
    from mhv.tasks.graph.urgency import UrgencyCoefficients

# mhv.tasks.graph.algorithms and .urgency (~15 ms to import: dozens of dataclasses) and the answers'
# classes (mhv/tasks/graph/answers.py) are imported by the answers that use them, not with the service:
# a one-shot `mhv tc` that links nothing needs none of them (tests/unit/cli/test_tc_lazy.py).

FORMATS = ("text", "dot", "mermaid", "json")
FINISHED = ("completed", "cancelled")
DEFAULT_VIEW_NODES = 1_000


class GraphQueries:
    store: Store
    _graph: GraphCache
    keep_graph: bool
    clock: Any
    _coefficients: UrgencyCoefficients | None = None

    if TYPE_CHECKING:  # provided by TaskService

        def get(self, ref: int | str, *, links: bool = False) -> Task: ...
        def list_tasks(self, flt: TaskFilter | None = None, *, links: bool = False) -> list[Task]: ...

    @contextmanager
    def dependency_graph(self) -> Iterator[DependencyGraph]:
        """The whole graph, current with the event log, locked while you read it. Do not mutate it."""
        with self._graph.lock, self.store.read() as conn:
            yield self._graph.current(conn)

    @property
    def urgency_coefficients(self) -> UrgencyCoefficients:
        """The coefficients of the ranking: the defaults until config.toml's ``[urgency]`` is applied."""
        if self._coefficients is None:
            from mhv.tasks.graph.urgency import DEFAULT_COEFFICIENTS

            return DEFAULT_COEFFICIENTS
        return self._coefficients

    @urgency_coefficients.setter
    def urgency_coefficients(self, value: UrgencyCoefficients) -> None:
        self._coefficients = value

    def set_urgency_coefficients(self, overrides: Mapping[str, Any]) -> None:
        """Apply the ``[urgency]`` table of config.toml (keys as in docs/graph.md)."""
        from mhv.tasks.graph.urgency import DEFAULT_COEFFICIENTS

        try:
            self.urgency_coefficients = DEFAULT_COEFFICIENTS.with_overrides(overrides)
        except ValueError as exc:
            raise ValidationError(
                f"config [urgency]: {exc}", "fix the key or value in config.toml (see docs/graph.md)"
            ) from None

    # ------------------------------------------------------------------ one task
    def would_unblock(self, ref: int | str) -> list[Task]:
        """Tasks that become unblocked when this one is finished now (their only open blocker).
        In SQL, like the subtask queries below: the detail pane asks on every cursor move and must
        not wait for the whole graph to load."""
        task = self.get(ref)
        if task.status in FINISHED:
            return []
        with self.store.read() as conn:
            rows = conn.all(
                "SELECT t.number FROM dependency d JOIN task t ON t.id = d.task_id "
                "WHERE d.depends_on_id = ? AND d.kind = 'blocks' AND t.status NOT IN ('completed', 'cancelled') "
                "AND NOT EXISTS (SELECT 1 FROM dependency o JOIN task b ON b.id = o.depends_on_id "
                "WHERE o.task_id = d.task_id AND o.kind = 'blocks' AND o.depends_on_id <> d.depends_on_id "
                "AND b.status NOT IN ('completed', 'cancelled')) ORDER BY t.number",
                (task.id,),
            )
        return self._by_numbers([r["number"] for r in rows])

    def subtasks(self, ref: int | str) -> list[Task]:
        task = self.get(ref)
        from mhv.tasks.models import STATUSES

        return self.list_tasks(TaskFilter(statuses=STATUSES, parent_id=task.id, order="number"))

    def subtask_progress(self, ref: int | str) -> Progress:
        """Completed / total children (cancelled ones do not count), as DependencyGraph.progress."""
        from mhv.tasks.graph.algorithms import subtask_progress

        return subtask_progress(t.status for t in self.subtasks(ref))

    def _by_numbers(self, numbers: list[int]) -> list[Task]:
        if not numbers:
            return []
        from mhv.tasks.models import STATUSES

        return self.list_tasks(TaskFilter(statuses=STATUSES, numbers=tuple(numbers), order="number"))

    # ------------------------------------------------------------------ views
    def graph_view(
        self,
        ref: int | str | None = None,
        *,
        repo: str | None = None,
        tag: str | None = None,
        direction: str = "both",
        max_nodes: int = DEFAULT_VIEW_NODES,
    ) -> GraphView:
        """The tasks around one task (upstream and downstream, across repositories), every task
        of a repository or tag (plus the tasks linked to them from elsewhere), or with none of
        these the whole graph of open tasks: every open task linked to another open task."""
        if sum(x is not None for x in (ref, repo, tag)) > 1:
            raise ValidationError(
                "give at most one of: a task, --repo or --tag",
                "e.g. `mhv graph 42` or `mhv graph --repo api`",
            )
        focus_task = self.get(ref) if ref is not None else None
        if not self.keep_graph and not self._graph.loaded:  # one-shot: read only what the view needs
            if focus_task is None and repo is None and tag is None:
                return self._open_view_from_store(max_nodes)
            return self._view_from_store(focus_task, repo, tag, direction, max_nodes)
        with self.dependency_graph() as graph:
            if focus_task is None and repo is None and tag is None:
                return _open_view(graph, max_nodes)
            if focus_task is not None:
                comp = graph.component(focus_task.id, direction, max_nodes=max_nodes, include_related=True)  # type: ignore[arg-type]
                nodes, truncated = set(comp.nodes), comp.truncated
                total = len(nodes)
                title = f"#{focus_task.number} {focus_task.title}"
            else:
                members = {n for n in graph.nodes() if (graph.info(n).repo == repo if repo is not None
                                                         else tag in graph.info(n).tags)}  # fmt: skip
                if not members:
                    what = f"repository {repo!r}" if repo is not None else f"tag {tag!r}"
                    raise NotFoundError(
                        f"no tasks in {what}", "list repositories and tags with `mhv tl --all`"
                    )
                nodes = set(members)
                for n in members:
                    nodes.update(graph.blockers(n))
                    nodes.update(graph.dependents(n))
                    nodes.update(graph.related(n))
                total = len(nodes)
                truncated = total > max_nodes
                if truncated:
                    keep = sorted(members, key=lambda n: graph.info(n).number)[:max_nodes]
                    nodes = set(keep)
                title = f"@{repo}" if repo is not None else f"#{tag}"
            sub = _subgraph_keeping_state(graph, nodes)
        from mhv.tasks.graph.answers import GraphView

        return GraphView(sub, focus_task.id if focus_task else None, truncated, title, total=total)

    def _open_view_from_store(self, max_nodes: int) -> GraphView:
        """The whole graph of open tasks read in SQL: the links whose two ends are open, then those
        tasks (lowest numbers first when capped)."""
        from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo

        d = self.store.dialect
        done = ", ".join(f"'{s}'" for s in FINISHED)
        with self.store.read() as conn:
            links = conn.all(
                "SELECT dependency.task_id, dependency.depends_on_id, dependency.kind FROM dependency "
                "JOIN task a ON a.id = dependency.task_id JOIN task b ON b.id = dependency.depends_on_id "
                f"WHERE a.status NOT IN ({done}) AND b.status NOT IN ({done}) AND a.id <> b.id"
            )
            linked = {r["task_id"] for r in links} | {r["depends_on_id"] for r in links}
            open_count = int(conn.scalar(f"SELECT COUNT(*) FROM task WHERE status NOT IN ({done})"))
            infos: dict[str, NodeInfo] = {}
            statuses: dict[str, str] = {}
            ids = list(linked)
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                for r in conn.all("SELECT id, number, title, status, repo, estimate_minutes, tags, parent_id FROM task "
                                  f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk):  # fmt: skip
                    infos[r["id"]] = NodeInfo(number=int(r["number"]), title=r["title"], status=r["status"],
                                              repo=r["repo"], estimate_minutes=r["estimate_minutes"],
                                              tags=tuple(d.json_out(r["tags"]) or ()), parent_id=r["parent_id"])  # fmt: skip
                    statuses[r["id"]] = r["status"]
        ordered = sorted(infos.items(), key=lambda kv: kv[1].number)
        truncated = len(ordered) > max_nodes
        kept = dict(ordered[:max_nodes])
        edges = [(r["task_id"], r["depends_on_id"], r["kind"]) for r in links
                 if r["task_id"] in kept and r["depends_on_id"] in kept]  # fmt: skip
        sub = DependencyGraph(edges, kept)
        for n in kept:
            if statuses[n] == "blocked" and not sub.is_blocked(n):
                sub.mark_blocked_outside(n)
        from mhv.tasks.graph.answers import GraphView

        return GraphView(sub, None, truncated, "every open task", total=len(ordered),
                         unlinked=open_count - len(ordered))  # fmt: skip

    def _view_from_store(self, focus: Task | None, repo: str | None, tag: str | None, direction: str,
                         max_nodes: int) -> GraphView:  # fmt: skip
        """graph_view without loading the whole graph: a breadth-first walk in SQL (a one-shot
        `mhv graph 42` on 100,000 tasks reads tens of rows, not 300,000)."""
        from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo

        d = self.store.dialect
        with self.store.read() as conn:

            def links(ids: list[str], column: str) -> list[Any]:
                out: list[Any] = []
                for i in range(0, len(ids), 500):
                    chunk = ids[i : i + 500]
                    out += conn.all(f"SELECT task_id, depends_on_id, kind FROM dependency WHERE {column} IN "
                                    f"({', '.join('?' * len(chunk))})", chunk)  # fmt: skip
                return out

            if focus is not None:
                up, down = (
                    direction in ("up", "both", "connected"),
                    direction in ("down", "both", "connected"),
                )
                seen: dict[str, None] = {focus.id: None}
                frontier: list[tuple[str, bool, bool]] = [(focus.id, up, down)]
                truncated = False
                while frontier and not truncated:
                    nxt: list[tuple[str, bool, bool]] = []
                    ups = [n for n, u, _ in frontier if u]
                    downs = [n for n, _, dn in frontier if dn]
                    found: list[tuple[str, bool, bool]] = []
                    for r in links(ups, "task_id"):
                        if r["kind"] == "blocks":
                            found.append((r["depends_on_id"], True, direction == "connected"))
                    for r in links(downs, "depends_on_id"):
                        if r["kind"] == "blocks":
                            found.append((r["task_id"], direction == "connected", True))
                    here = [n for n, _, _ in frontier]
                    found += [
                        (r["depends_on_id"], False, False)
                        for r in links(here, "task_id")
                        if r["kind"] == "related"
                    ]
                    found += [
                        (r["task_id"], False, False)
                        for r in links(here, "depends_on_id")
                        if r["kind"] == "related"
                    ]
                    for n, u, dn in found:
                        if n in seen:
                            continue
                        if len(seen) >= max_nodes:
                            truncated = True
                            break
                        seen[n] = None
                        if u or dn:
                            nxt.append((n, u, dn))
                    frontier = nxt
                nodes = list(seen)
                title = f"#{focus.number} {focus.title}"
            else:
                if repo is not None:
                    rows = conn.all("SELECT id FROM task WHERE repo = ? ORDER BY number", (repo,))
                else:
                    cond, cparams = d.tag_condition("task.tags", tag or "")
                    rows = conn.all(f"SELECT id FROM task WHERE {cond} ORDER BY number", cparams)
                members = [r["id"] for r in rows]
                if not members:
                    what = f"repository {repo!r}" if repo is not None else f"tag {tag!r}"
                    raise NotFoundError(
                        f"no tasks in {what}", "list repositories and tags with `mhv tl --all`"
                    )
                around = dict.fromkeys(members)
                for r in links(members, "task_id") + links(members, "depends_on_id"):
                    around.setdefault(r["task_id"], None)
                    around.setdefault(r["depends_on_id"], None)
                truncated = len(around) > max_nodes  # as the in-memory view: members only, by number
                nodes = members[:max_nodes] if truncated else list(around)
                title = f"@{repo}" if repo is not None else f"#{tag}"
            infos: dict[str, NodeInfo] = {}
            statuses: dict[str, str] = {}
            for i in range(0, len(nodes), 500):
                chunk = nodes[i : i + 500]
                for r in conn.all("SELECT id, number, title, status, repo, estimate_minutes, tags, parent_id FROM task "
                                  f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk):  # fmt: skip
                    infos[r["id"]] = NodeInfo(number=int(r["number"]), title=r["title"], status=r["status"],
                                              repo=r["repo"], estimate_minutes=r["estimate_minutes"],
                                              tags=tuple(d.json_out(r["tags"]) or ()), parent_id=r["parent_id"])  # fmt: skip
                    statuses[r["id"]] = r["status"]
            in_view = set(infos)
            edges = [(r["task_id"], r["depends_on_id"], r["kind"]) for r in links(list(in_view), "task_id")
                     if r["depends_on_id"] in in_view]  # fmt: skip
        sub = DependencyGraph(edges, dict(sorted(infos.items(), key=lambda kv: kv[1].number)))
        for n, status in statuses.items():
            if status == "blocked" and not sub.is_blocked(n):
                sub.mark_blocked_outside(n)
        from mhv.tasks.graph.answers import GraphView

        return GraphView(
            sub,
            focus.id if focus else None,
            truncated,
            title,
            total=len(around) if focus is None else len(nodes),
        )

    def render_graph(self, ref: int | str | None = None, *, repo: str | None = None, tag: str | None = None,
                     fmt: str = "text", max_nodes: int = DEFAULT_VIEW_NODES) -> str:  # fmt: skip
        from mhv.tasks.graph.formats import render_graph

        if fmt not in FORMATS:
            raise ValidationError(f"unknown graph format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
        view = self.graph_view(ref, repo=repo, tag=tag, max_nodes=max_nodes)
        return render_graph(view.graph, fmt, focus=view.focus)

    # ------------------------------------------------------------------ ranking
    def _blocking_ids(self, ids: list[str]) -> set[str]:
        """Which of these tasks are BLOCKING (Taskwarrior's word: unfinished, and an unfinished task
        waits for them), in SQL: ranking needs no graph in memory."""
        marks = ", ".join("?" * len(ids))
        with self.store.read() as conn:
            rows = conn.all(f"SELECT task.id AS id FROM task WHERE task.id IN ({marks}) AND {_BLOCKING}", ids)
        return {r["id"] for r in rows}

    def urgency_order(self, now: datetime | None = None) -> tuple[str, list[Any]]:
        """The urgency score as SQL (for ``ORDER BY``) and its parameters, at ``now``."""
        from mhv.tasks.graph.urgency import urgency_sql

        d = self.store.dialect
        return urgency_sql(d.name, d.dt_in(now or self.clock()), self.urgency_coefficients,
                           tag_condition=lambda tag: d.tag_condition("task.tags", tag), blocking=_BLOCKING)  # fmt: skip

    def ranked_ids(self, flt: TaskFilter, *, now: datetime | None = None) -> list[str]:
        """Ids of the tasks matching ``flt`` (limit and offset ignored), most urgent first, sorted
        by the database. Kept while nothing changes (same filter, event seq, minute and
        coefficients), so the TUI scrolling through the Next view ranks once, not once per page."""

        when = now or self.clock()
        whole = replace(flt, limit=None, offset=0, order="number")
        where, params = self._where(whole)  # type: ignore[attr-defined]
        with self.store.read() as conn:
            head = int(conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM event"))
            key = (
                where,
                repr(params),
                head,
                when.replace(second=0, microsecond=0),
                self.urgency_coefficients,
            )
            cached = self.__dict__.get("_ranked_ids")
            if cached is not None and cached[0] == key:
                return list(cached[1])
            score, score_params = self.urgency_order(when)
            rows = conn.all(f"SELECT task.id FROM task{where} ORDER BY {score} DESC, task.number",
                            [*params, *score_params])  # fmt: skip
        ids = [r["id"] for r in rows]
        self.__dict__["_ranked_ids"] = (key, ids)
        return list(ids)

    def ranked(self, flt: TaskFilter | None = None, *, now: datetime | None = None) -> list[Ranked]:
        """Tasks matching ``flt`` (default: pending and in progress) by urgency, highest first (ties:
        lower number first), each with its breakdown. The database sorts and pages (the score in
        SQL); the breakdown is computed in Python for the returned page only."""
        flt = flt or TaskFilter(statuses=("in_progress", "pending"))
        when = now or self.clock()
        everything = self.ranked_ids(flt, now=when)
        ids = everything[flt.offset : None if flt.limit is None else flt.offset + flt.limit]
        if not ids:
            return []
        from mhv.tasks.graph.answers import Ranked
        from mhv.tasks.graph.urgency import urgency
        from mhv.tasks.models import STATUSES

        by_id = {
            t.id: t for t in self.list_tasks(TaskFilter(statuses=STATUSES, ids=tuple(ids), order="number"))
        }
        blocking = self._blocking_ids(ids)
        out = []
        for task_id in ids:
            t = by_id[task_id]
            is_blocking, is_blocked = t.id in blocking, t.status == "blocked"
            u = urgency(
                t,
                when,
                is_blocking=is_blocking,
                is_blocked=is_blocked,
                coefficients=self.urgency_coefficients,
            )
            out.append(Ranked(t, u, is_blocking, is_blocked))
        return out


_BLOCKING = (  # one set of blocker ids for the whole query, not a lookup per ranked row
    "task.status NOT IN ('completed', 'cancelled') AND task.id IN (SELECT bd.depends_on_id FROM dependency bd "
    "JOIN task bw ON bw.id = bd.task_id WHERE bd.kind = 'blocks' AND bw.status NOT IN ('completed', 'cancelled'))"
)


def _open_view(graph: DependencyGraph, max_nodes: int) -> GraphView:
    """The whole graph of open tasks from the graph in memory: every open task linked (blocks or
    related) to another open task; lowest numbers first when capped."""
    linked: list[str] = []
    open_count = 0
    for n in graph.nodes():
        if graph.info(n).finished:
            continue
        open_count += 1
        near = (*graph.blockers(n), *graph.dependents(n), *graph.related(n))
        if any(m != n and not graph.info(m).finished for m in near):
            linked.append(n)
    linked.sort(key=lambda n: graph.info(n).number)
    truncated = len(linked) > max_nodes
    sub = _subgraph_keeping_state(graph, set(linked[:max_nodes]))
    from mhv.tasks.graph.answers import GraphView

    return GraphView(
        sub, None, truncated, "every open task", total=len(linked), unlinked=open_count - len(linked)
    )


def _subgraph_keeping_state(graph: DependencyGraph, nodes: set[str]) -> DependencyGraph:
    """A subgraph whose tasks stay blocked when their open blocker is outside the view: each
    outside blocker is counted through the node's info (a view shows the true state)."""
    sub = graph.subgraph(nodes)
    for n in nodes:
        if graph.is_blocked(n) and not sub.is_blocked(n):
            sub.mark_blocked_outside(n)
    return sub
