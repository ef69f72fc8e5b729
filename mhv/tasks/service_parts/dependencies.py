"""Dependencies: adding and removing links, the cycle check (in memory: a maintained order searched from both ends; or a
breadth-first search in SQL for one-shot commands) and the derived blocked status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mhv.errors import CycleError, NotFoundError, ValidationError
from mhv.store import Connection
from mhv.tasks.models import OPEN_STATUSES, Task
from mhv.tasks.rows import SELECT_TASK, task_from_row
from mhv.tasks.service_parts.core import _Action, _chunks, _copy, _iso
from mhv.tasks.service_parts.reads import Reads


def _hash(number: int) -> str:
    return f"#{number}"


class Dependencies(Reads):
    def _has_open_blockers(self, conn: Connection, task_id: str) -> bool:
        return (
            conn.one(
                "SELECT 1 FROM dependency d JOIN task b ON b.id = d.depends_on_id WHERE d.task_id = ? "
                "AND d.kind = 'blocks' AND b.status NOT IN ('completed', 'cancelled') LIMIT 1",
                (task_id,),
            )
            is not None
        )

    def _derive_status(self, act: _Action, task_ids: Iterable[str]) -> None:
        """Blocked is derived: an open task with an unfinished blocker is blocked, else it is not."""
        for task_id in dict.fromkeys(task_ids):
            row = act.conn.one(SELECT_TASK + " WHERE id = ?", (task_id,))
            if row is None:
                continue
            task = task_from_row(row)
            if task.status not in OPEN_STATUSES:
                continue
            blocked = self._has_open_blockers(act.conn, task.id)
            want = "blocked" if blocked else ("in_progress" if task.started_at else "pending")
            if want != task.status:
                before = _copy(task)
                task.status = want
                self._save(act, before, task, "task.blocked" if blocked else "task.unblocked", touch=False)

    def _dependents(self, conn: Connection, task_id: str) -> list[str]:
        return [
            r[0] if not isinstance(r, dict) else r["task_id"]
            for r in conn.all(
                "SELECT task_id FROM dependency WHERE depends_on_id = ? AND kind = 'blocks'", (task_id,)
            )
        ]

    def _find_cycle(self, conn: Connection, task_id: str, depends_on_id: str) -> list[str] | None:
        """Would ``task -> depends_on`` close a loop? Breadth-first from depends_on along blockers."""
        parent: dict[str, str] = {depends_on_id: ""}
        frontier = [depends_on_id]
        while frontier:
            nxt: list[str] = []
            for chunk in _chunks(frontier, 500):
                rows = conn.all(
                    "SELECT task_id, depends_on_id FROM dependency WHERE kind = 'blocks' "
                    f"AND task_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                for r in rows:
                    src, dst = r["task_id"], r["depends_on_id"]
                    if dst in parent:
                        continue
                    parent[dst] = src
                    if dst == task_id:
                        path = [dst]
                        while parent[path[-1]]:
                            path.append(parent[path[-1]])
                        path.reverse()  # depends_on ... task
                        return [task_id, *path]
                    nxt.append(dst)
            frontier = nxt
        return None

    def _numbers(self, conn: Connection, ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(list(ids), 500):
            for r in conn.all(
                f"SELECT id, number FROM task WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            ):
                out[r["id"]] = r["number"]
        return out

    def _cycle_numbers(self, conn: Connection, cycle: Sequence[str]) -> list[int]:
        """The task numbers along a cycle: from the graph kept in memory (which the cycle was found
        in, brought up to date at the start of this write), else one query per 500 tasks."""
        graph = self._graph.graph if self.keep_graph else None
        if graph is not None:
            try:
                numbers = graph.numbers(cycle)
            except KeyError:
                numbers = []
            if numbers and all(numbers):
                return numbers
        found = self._numbers(conn, cycle)
        return [found[i] for i in cycle]

    def _cycle_error(self, conn: Connection, task: Task, blocker: Task, cycle: Sequence[str]) -> CycleError:
        """``#1 waiting for #5 would make a cycle: #1 -> #5 -> #4 -> #3 -> #2 -> #1`` with a link to
        remove. A cycle of more than 16 tasks is named by its first and last 8 links with the count
        between; ``details["cycle"]`` always holds every task number (``--json`` prints it)."""
        from mhv.tasks.graph.algorithms import CYCLE_ENDS_SHOWN, name_cycle  # only for the error

        numbers = self._cycle_numbers(conn, cycle)
        shown = name_cycle(numbers, _hash, " -> ")
        size = len(numbers) - 1
        what = "a cycle" if size <= 2 * CYCLE_ENDS_SHOWN else f"a cycle of {size:,} tasks"
        hint = f"remove one of these dependencies first (mhv unblock {task.number} --from N)"
        if len(numbers) >= 3:
            hint = f"remove a link of the cycle first, e.g. `mhv unblock {numbers[1]} --from {numbers[2]}`"
        return CycleError(
            f"#{task.number} waiting for #{blocker.number} would make {what}: {shown}", hint, cycle=numbers
        )

    def _cycle_for(self, conn: Connection, task_id: str, depends_on_id: str) -> list[str] | None:
        """The cycle ``task waits for depends_on`` would close (ids, first repeated at the end), or
        None. With the graph kept in memory this is the two-way search of the kept order (O(1) when the edge agrees with the
        maintained order); otherwise a breadth-first search in SQL."""
        if not self.keep_graph:
            return self._find_cycle(conn, task_id, depends_on_id)
        cache = self._graph
        graph = cache.graph if cache.graph is not None else cache.current(conn)
        return graph.would_create_cycle(task_id, depends_on_id)

    def _add_dependency(self, act: _Action, task: Task, blocker: Task, kind: str) -> bool:
        if task.id == blocker.id:
            raise CycleError(
                f"#{task.number} cannot depend on itself (#{task.number} -> #{task.number})",
                "pick a different task to wait for",
                cycle=[task.number, task.number],
            )
        exists = act.conn.one(
            "SELECT kind, created_at FROM dependency WHERE task_id = ? AND depends_on_id = ?",
            (task.id, blocker.id),
        )
        if exists is not None and exists["kind"] == kind:
            return False
        if kind == "blocks":
            cycle = self._cycle_for(act.conn, task.id, blocker.id)
            if cycle:
                raise self._cycle_error(act.conn, task, blocker, cycle)
        if exists is not None:  # the other kind: the new link replaces it
            self._delete_dependency(act, task, blocker, exists)
        row = {
            "task_id": task.id,
            "depends_on_id": blocker.id,
            "kind": kind,
            "created_at": act.at.isoformat(),
        }
        act.conn.execute(
            "INSERT INTO dependency (task_id, depends_on_id, kind, created_at) VALUES (?, ?, ?, ?)",
            (task.id, blocker.id, kind, self.store.dialect.dt_in(act.at)),
        )
        act.event("dependency.added", task.id, None, row)
        return True

    def _link_many(self, act: _Action, links: Sequence[tuple[str, str]]) -> bool:
        """Add ``(task, depends_on)`` ``blocks`` links of existing tasks in bulk (an import), then
        derive the statuses; False (nothing written) when one of them would close a cycle with the
        stored links or the others, is a self-link, or replaces a ``related`` link: the caller adds
        them one by one then (:meth:`_add_dependency`), which says which link it skipped and why."""
        from mhv.tasks.graph.algorithms import find_cycle_in_edges

        conn = act.conn
        stored = {(r["task_id"], r["depends_on_id"]): r["kind"]
                  for r in conn.all("SELECT task_id, depends_on_id, kind FROM dependency")}  # fmt: skip
        if any(a == b or stored.get((a, b), "blocks") != "blocks" for a, b in links):
            return False
        fresh = list(dict.fromkeys(link for link in links if link not in stored))
        if not fresh:
            return True
        edges = [(a, b) for (a, b), kind in stored.items() if kind == "blocks"] + fresh
        if find_cycle_in_edges(edges) is not None:
            return False
        d = self.store.dialect
        at, at_iso = d.dt_in(act.at), act.at.isoformat()
        conn.insert_rows("dependency", ("task_id", "depends_on_id", "kind", "created_at"),
                         [(a, b, "blocks", at) for a, b in fresh])  # fmt: skip
        act.events_many([("dependency.added", a, None, {"task_id": a, "depends_on_id": b, "kind": "blocks",
                                                         "created_at": at_iso}) for a, b in fresh])  # fmt: skip
        self._derive_status(act, [a for a, _ in fresh])
        return True

    def _delete_dependency(self, act: _Action, task: Task, blocker: Task, row: Any) -> None:
        act.conn.execute(
            "DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?", (task.id, blocker.id)
        )
        snap = {"task_id": task.id, "depends_on_id": blocker.id, "kind": row["kind"],
                "created_at": _iso(self.store.dialect.dt_out(row["created_at"]))}  # fmt: skip
        act.event("dependency.removed", task.id, snap, None)

    def add_dependency(self, ref: int | str, on: int | str, kind: str = "blocks") -> bool:
        if kind not in ("blocks", "related"):
            raise ValidationError(f"unknown dependency kind {kind!r}", "use blocks or related")
        with self._action(f"block {ref} on {on}") as act:
            task, blocker = self._resolve(act.conn, ref), self._resolve(act.conn, on)
            added = self._add_dependency(act, task, blocker, kind)
            self._derive_status(act, [task.id])
            return added

    def remove_dependency(self, ref: int | str, on: int | str) -> bool:
        with self._action(f"unblock {ref} from {on}") as act:
            task, blocker = self._resolve(act.conn, ref), self._resolve(act.conn, on)
            row = act.conn.one(
                "SELECT kind, created_at FROM dependency WHERE task_id = ? AND depends_on_id = ?",
                (task.id, blocker.id),
            )
            if row is None:
                raise NotFoundError(
                    f"#{task.number} does not depend on #{blocker.number}",
                    f"see its blockers with `mhv show {task.number}`",
                )
            self._delete_dependency(act, task, blocker, row)
            self._derive_status(act, [task.id])
            return True
