"""The task service: the one door to the store for the TUI, the CLI, batch mode and the sync service.

Every user action is one transaction that also appends its events to the log (DESIGN section 4), so
undo/redo, history and live updates all come from the same place.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from mhv.errors import ConflictError, CycleError, NotFoundError, NothingToUndoError, ValidationError
from mhv.store import Connection, Store
from mhv.tasks.graph_queries import GraphQueries
from mhv.tasks.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    TASK_COLUMNS,
    ActionResult,
    Event,
    Repo,
    Task,
    TaskFilter,
)
from mhv.tasks.rows import (
    SELECT_TASK,
    event_from_row,
    repo_from_row,
    snapshot_params,
    task_from_row,
    task_params,
)

Clock = Callable[[], datetime]
INSERT_TASK = f"INSERT INTO task ({', '.join(TASK_COLUMNS)}) VALUES ({', '.join('?' * len(TASK_COLUMNS))})"
UPDATE_TASK = f"UPDATE task SET {', '.join(f'{c} = ?' for c in TASK_COLUMNS[1:])} WHERE id = ?"
_ORDERS = {
    "number": "task.number",
    "due": "task.due IS NULL, task.due, task.number",
    "priority": "CASE task.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "ELSE 3 END, task.due IS NULL, task.due, task.number",
    "updated": "task.updated_at DESC, task.number DESC",
    "created": "task.created_at DESC, task.number DESC",
    "title": "lower(task.title), task.number",
}
_ORDERS["default"] = (
    "CASE task.status WHEN 'in_progress' THEN 0 WHEN 'pending' THEN 1 WHEN 'blocked' THEN 2 ELSE 3 END, "
    + _ORDERS["priority"]
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_tz() -> tzinfo:
    from dateutil.tz import gettz, tzlocal

    name = os.environ.get("TZ")
    return (gettz(name) if name else None) or tzlocal()


class _Action:
    """One transaction of one user action: collects its events and records it as a txn."""

    def __init__(self, conn: Connection, service: TaskService, label: str, kind: str, target: str | None):
        self.conn = conn
        self.service = service
        self.dialect = service.store.dialect
        self.id = str(uuid.uuid4())
        self.label = label
        self.kind = kind
        self.target = target
        self.at = service.clock()
        self.last_seq: int | None = None
        self.events = 0

    def _mirror(self, kind: str, task_id: str | None, before: Any, after: Any) -> None:
        """Keep the service's in-memory graph equal to the store (see graph_cache)."""
        self.service._graph.written(kind, task_id, before, after, self.last_seq)

    def event(self, kind: str, task_id: str | None, before: Any, after: Any) -> None:
        d = self.dialect
        sql = "INSERT INTO event (txn, task_id, kind, at, actor, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)"
        params = (
            self.id,
            task_id,
            kind,
            d.dt_in(self.at),
            self.service.actor,
            d.json_in(before),
            d.json_in(after),
        )
        if d.name == "postgresql":
            self.last_seq = self.conn.scalar(sql + " RETURNING seq", params)
        else:
            self.last_seq = self.conn.execute(sql, params).lastrowid
        self.events += 1
        self._mirror(kind, task_id, before, after)

    def events_many(self, events: list[tuple[str, str | None, Any, Any]]) -> None:
        """Append many events at once (imports): ``(kind, task_id, before, after)`` each."""
        if not events:
            return
        d = self.dialect
        at, actor = d.dt_in(self.at), self.service.actor
        self.conn.executemany(
            "INSERT INTO event (txn, task_id, kind, at, actor, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(self.id, tid, kind, at, actor, d.json_in(b), d.json_in(a)) for kind, tid, b, a in events],
        )
        self.last_seq = self.conn.scalar("SELECT MAX(seq) FROM event WHERE txn = ?", (self.id,))
        self.events += len(events)
        for kind, tid, b, a in events:
            self._mirror(kind, tid, b, a)

    def finish(self) -> None:
        if not self.events:
            return
        self.conn.execute(
            "INSERT INTO txn (id, seq, kind, target, undone, label, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.id, self.last_seq, self.kind, self.target, False, self.label[:300], self.service.actor,
             self.dialect.dt_in(self.at)),
        )  # fmt: skip


class TaskService(GraphQueries):
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        tz: tzinfo | None = None,
        actor: str | None = None,
        keep_graph: bool = True,
    ) -> None:
        """``keep_graph``: hold the dependency graph in memory and follow the event log (long-lived
        processes: the TUI, the sync service). One-shot commands pass False and check cycles in SQL
        rather than load every task (see docs/graph.md)."""
        from mhv.tasks.graph_cache import GraphCache

        self.store = store
        self.clock: Clock = clock or utc_now
        self._tz = tz
        self.actor = actor or os.environ.get("MHV_ACTOR") or os.environ.get("USER") or "mhv"
        self.keep_graph = keep_graph
        self._graph = GraphCache(store)

    @property
    def tz(self) -> tzinfo:
        if self._tz is None:
            self._tz = local_tz()
        return self._tz

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def _action(self, label: str, kind: str = "action", target: str | None = None) -> Iterator[_Action]:
        with self._writing() as conn:
            act = _Action(conn, self, label, kind, target)
            yield act
            act.finish()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction with the in-memory graph following it (applied as events are written,
        taken back on rollback)."""
        changes: list[Any] = []
        try:
            with self.store.write() as conn, self._graph.transaction(conn) as changes:
                yield conn
        except BaseException:
            if changes:  # the commit itself failed after the graph followed the writes
                self._graph.drop()
            raise
        self._graph.committed()

    # ------------------------------------------------------------------ reads
    def _resolve(self, conn: Connection, ref: int | str) -> Task:
        row = None
        text = str(ref).strip()
        number_text = text.lstrip("#").removeprefix("mhv-")
        if isinstance(ref, int) or (number_text.isdigit() and len(number_text) < 8):
            row = conn.one(SELECT_TASK + " WHERE number = ?", (int(number_text),))
        elif len(text) == 36:
            row = conn.one(SELECT_TASK + " WHERE id = ?", (text.lower(),))
        elif len(text) >= 8 and all(c in "0123456789abcdef-" for c in text.lower()):
            rows = conn.all(SELECT_TASK + " WHERE id LIKE ? LIMIT 2", (text.lower() + "%",))
            if len(rows) > 1:
                raise NotFoundError(f"task id prefix {text!r} is ambiguous", "give more characters of the id")
            row = rows[0] if rows else None
            if row is None and text.isdigit():
                row = conn.one(SELECT_TASK + " WHERE number = ?", (int(text),))
        else:
            raise NotFoundError(
                f"{text!r} is not a task reference", "refer to a task by its number (42 or #42) or its uuid"
            )
        if row is None:
            raise NotFoundError(
                f"no task {('#' + number_text) if number_text.isdigit() else text!r}",
                "list tasks with `mhv tl --all` to find its number",
            )
        return task_from_row(row)

    def get(self, ref: int | str, *, links: bool = False) -> Task:
        with self.store.read() as conn:
            task = self._resolve(conn, ref)
            if links:
                self._fill_links(conn, [task])
            return task

    def _where(self, flt: TaskFilter) -> tuple[str, list[Any]]:
        d = self.store.dialect
        clauses: list[str] = []
        params: list[Any] = []
        statuses = flt.statuses if flt.statuses is not None else OPEN_STATUSES
        if statuses:
            clauses.append(f"task.status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        if flt.waiting or flt.statuses is None:  # the open view: not the waiting or expired tasks
            now = d.dt_in(flt.now or self.clock())
            if flt.waiting:
                clauses.append("task.wait > ?")
                params.append(now)
            else:
                clauses.append("(task.wait IS NULL OR task.wait <= ?) AND (task.until IS NULL OR task.until > ?)")
                params.extend([now, now])
        if flt.repo is not None:
            clauses.append("task.repo = ?")
            params.append(flt.repo)
        for tag in flt.tags:
            clauses.append(d.has_tag("task.tags"))
            params.append(d.tag_param(tag.lstrip("#").lower()))
        if flt.priority is not None:
            clauses.append("task.priority = ?")
            params.append(flt.priority)
        if flt.due_before is not None:
            clauses.append("task.due IS NOT NULL AND task.due < ?")
            params.append(d.dt_in(flt.due_before))
        if flt.due_after is not None:
            clauses.append("task.due IS NOT NULL AND task.due >= ?")
            params.append(d.dt_in(flt.due_after))
        if flt.text:
            words = flt.text.split()
            for word in words:
                clauses.append(f"(task.title {d.ilike()} ? OR task.description {d.ilike()} ?)")
                pattern = f"%{word}%"
                params.extend([pattern, pattern])
        if flt.parent_id is not None:
            clauses.append("task.parent_id = ?")
            params.append(flt.parent_id)
        if flt.numbers is not None:
            clauses.append(f"task.number IN ({', '.join('?' * len(flt.numbers)) or 'NULL'})")
            params.extend(flt.numbers)
        if flt.ids is not None:
            clauses.append(f"task.id IN ({', '.join('?' * len(flt.ids)) or 'NULL'})")
            params.extend(flt.ids)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list_tasks(self, flt: TaskFilter | None = None, *, links: bool = False) -> list[Task]:
        flt = flt or TaskFilter()
        where, params = self._where(flt)
        if flt.order == "urgency":  # ranked by the database, pages served from the ranking
            ids = self.ranked_ids(flt)
            page = ids[flt.offset : None if flt.limit is None else flt.offset + flt.limit]
            # The page's ids already passed the filter: look them up by primary key alone (with the
            # status clause SQLite would walk the status index instead: 30 ms for 100 rows at 100k).
            found = self.list_tasks(TaskFilter(statuses=(), ids=tuple(page), order="number"), links=links)
            by_id = {t.id: t for t in found}
            return [by_id[i] for i in page if i in by_id]
        else:
            sql = SELECT_TASK + where + " ORDER BY " + _ORDERS.get(flt.order, _ORDERS["default"])
        if flt.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([flt.limit, flt.offset])
        with self.store.read() as conn:
            tasks = [task_from_row(r) for r in conn.execute(sql, params).fetchall()]
            if links:
                self._fill_links(conn, tasks)
        return tasks

    def count(self, flt: TaskFilter | None = None) -> int:
        where, params = self._where(flt or TaskFilter())
        with self.store.read() as conn:
            return int(conn.scalar("SELECT COUNT(*) FROM task" + where, params))

    def counts_by_status(self) -> dict[str, int]:
        with self.store.read() as conn:
            rows = conn.all("SELECT status, COUNT(*) AS n FROM task GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    def _fill_links(self, conn: Connection, tasks: Sequence[Task]) -> None:
        by_id = {t.id: t for t in tasks}
        for t in tasks:
            t.depends_on, t.blocks = [], []
        ids = list(by_id)
        for chunk in _chunks(ids, 500):
            marks = ", ".join("?" * len(chunk))
            for row in conn.all(
                "SELECT d.task_id, b.number FROM dependency d JOIN task b ON b.id = d.depends_on_id "
                f"WHERE d.kind = 'blocks' AND d.task_id IN ({marks}) ORDER BY b.number",
                chunk,
            ):
                by_id[row["task_id"]].depends_on.append(row["number"])  # type: ignore[union-attr]
            for row in conn.all(
                "SELECT d.depends_on_id, t.number FROM dependency d JOIN task t ON t.id = d.task_id "
                f"WHERE d.kind = 'blocks' AND d.depends_on_id IN ({marks}) ORDER BY t.number",
                chunk,
            ):
                by_id[row["depends_on_id"]].blocks.append(row["number"])  # type: ignore[union-attr]

    def links(self, ref: int | str) -> dict[str, list[tuple[Task, str]]]:
        """Blockers (``blocked_by``), dependents (``blocks``) and ``related`` tasks, with their kind."""
        with self.store.read() as conn:
            task = self._resolve(conn, ref)
            up = conn.all(
                SELECT_TASK.replace(
                    "FROM task", ", d.kind FROM dependency d JOIN task ON task.id = d.depends_on_id"
                )
                + " WHERE d.task_id = ? ORDER BY task.number",
                (task.id,),
            )
            down = conn.all(
                SELECT_TASK.replace(
                    "FROM task", ", d.kind FROM dependency d JOIN task ON task.id = d.task_id"
                )
                + " WHERE d.depends_on_id = ? ORDER BY task.number",
                (task.id,),
            )

        def split(rows: list[Any]) -> list[tuple[Task, str]]:
            out = []
            for r in rows:
                values = tuple(r) if not isinstance(r, dict) else tuple(r.values())
                out.append((task_from_row(values[: len(TASK_COLUMNS)]), values[-1]))
            return out

        ups, downs = split(up), split(down)
        return {
            "blocked_by": [x for x in ups if x[1] == "blocks"],
            "blocks": [x for x in downs if x[1] == "blocks"],
            "related": [x for x in ups + downs if x[1] == "related"],
        }

    def history(self, ref: int | str) -> list[Event]:
        """The task's events, oldest first; a deleted task's history is still there by uuid."""
        with self.store.read() as conn:
            try:
                task_id = self._resolve(conn, ref).id
            except NotFoundError:
                if not (isinstance(ref, str) and len(ref) == 36):
                    raise
                task_id = ref.lower()
            rows = conn.all("SELECT * FROM event WHERE task_id = ? ORDER BY seq", (task_id,))
        return [event_from_row(r) for r in rows]

    def events_since(self, seq: int, limit: int = 1000) -> list[Event]:
        with self.store.read() as conn:
            rows = conn.all("SELECT * FROM event WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [event_from_row(r) for r in rows]

    def last_seq(self) -> int:
        with self.store.read() as conn:
            return int(conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM event"))

    def highest_number(self) -> int:
        """The highest task number in use (0 when there is none): how wide numbers are shown."""
        with self.store.read() as conn:
            return int(conn.scalar("SELECT COALESCE(MAX(number), 0) FROM task"))

    # ------------------------------------------------------------------ writes: helpers
    def _next_number(self, conn: Connection) -> int:
        value = conn.scalar("SELECT value FROM meta WHERE key = 'next_number'")
        if value is None:
            current = int(conn.scalar("SELECT COALESCE(MAX(number), 0) FROM task")) + 1
            conn.execute("INSERT INTO meta (key, value) VALUES ('next_number', ?)", (str(current + 1),))
            return current
        conn.execute("UPDATE meta SET value = ? WHERE key = 'next_number'", (str(int(value) + 1),))
        return int(value)

    def _reserve_numbers(self, conn: Connection, count: int) -> int:
        first = self._next_number(conn)
        if count > 1:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'next_number'", (str(first + count),))
        return first

    def _insert(self, conn: Connection, task: Task) -> None:
        conn.execute(INSERT_TASK, task_params(task, self.store.dialect))

    def _save(
        self, act: _Action, before: Task, after: Task, kind: str = "task.updated", *, touch: bool = True
    ) -> Task:
        if touch:  # derived changes (blocked/unblocked) do not count as the task being modified
            after.updated_at = act.at
        params = task_params(after, self.store.dialect)
        act.conn.execute(UPDATE_TASK, [*params[1:], after.id])
        act.event(kind, after.id, before.snapshot(), after.snapshot())
        return after

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

    def _cycle_for(self, conn: Connection, task_id: str, depends_on_id: str) -> list[str] | None:
        """The cycle ``task waits for depends_on`` would close (ids, first repeated at the end), or
        None. With the graph kept in memory this is Pearce-Kelly (O(1) when the edge agrees with the
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
                nums = self._numbers(act.conn, cycle)
                shown = " -> ".join(f"#{nums[i]}" for i in cycle)
                hint = f"remove one of these dependencies first (mhv unblock {task.number} --from N)"
                if len(cycle) >= 3:
                    hint = f"remove a link of the cycle first, e.g. `mhv unblock {nums[cycle[1]]} --from {nums[cycle[2]]}`"
                raise CycleError(
                    f"#{task.number} waiting for #{blocker.number} would make a cycle: {shown}",
                    hint,
                    cycle=[nums[i] for i in cycle],
                )
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

    def _delete_dependency(self, act: _Action, task: Task, blocker: Task, row: Any) -> None:
        act.conn.execute(
            "DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?", (task.id, blocker.id)
        )
        snap = {"task_id": task.id, "depends_on_id": blocker.id, "kind": row["kind"],
                "created_at": _iso(self.store.dialect.dt_out(row["created_at"]))}  # fmt: skip
        act.event("dependency.removed", task.id, snap, None)

    def _coerce(self, data: dict[str, Any], task: Task | None) -> dict[str, Any]:
        """Validated fields -> stored values (local dates to UTC, parent ref to id)."""
        from mhv.tasks.rules import as_aware

        out = dict(data)
        for name in ("due", "scheduled"):
            if name in out:
                value, all_day = as_aware(out[name], self.tz)
                out[name] = value
                if name == "due" and "due_all_day" not in data:
                    out["due_all_day"] = all_day
        for name in ("wait", "until"):  # a day: wait from its start, until its end
            if out.get(name) is not None:
                value = out[name]
                if not isinstance(value, datetime):
                    value = datetime.combine(value, time(0, 0) if name == "wait" else time(23, 59, 59))
                out[name] = as_aware(value, self.tz)[0]
        return out

    # ------------------------------------------------------------------ writes: tasks
    def create(self, data: dict[str, Any]) -> Task:
        fields = _simple_create(data)
        if fields is not None and ("due" in fields or "scheduled" in fields):
            fields = self._coerce(fields, None)
        if fields is None:
            from mhv.tasks.validation import validate_create

            fields = self._coerce(validate_create(data).model_dump(exclude_unset=True), None)
        depends = fields.pop("depends_on", [])
        blocks = fields.pop("blocks", [])
        parent_ref = fields.pop("parent", None)
        with self._action(f"create {fields['title']}") as act:
            task = self._new_task(act, fields, parent_ref)
            self._relink(act, task, depends_on=depends, blocks=blocks)
            if depends:
                task = task_from_row(act.conn.one(SELECT_TASK + " WHERE id = ?", (task.id,)))
        return task

    def _relink(self, act: _Action, task: Task, *, depends_on: Sequence[int | str] = (),
                blocks: Sequence[int | str] = (), drop: Sequence[int | str] | None = ()) -> None:  # fmt: skip
        """Inside one action: ``task`` waits for ``depends_on``, ``blocks`` wait for ``task``, and it
        stops waiting for ``drop`` (``None``: for every blocker). Statuses are derived afterwards."""
        conn = act.conn
        if drop is None:
            drop = [r["number"] for r in conn.all(
                "SELECT b.number FROM dependency d JOIN task b ON b.id = d.depends_on_id "
                "WHERE d.task_id = ? AND d.kind = 'blocks' ORDER BY b.number", (task.id,))]  # fmt: skip
        for ref in drop:
            blocker = self._resolve(conn, ref)
            row = conn.one("SELECT kind, created_at FROM dependency WHERE task_id = ? AND depends_on_id = ?",
                           (task.id, blocker.id))  # fmt: skip
            if row is None:
                raise NotFoundError(f"#{task.number} does not depend on #{blocker.number}",
                                    f"see its blockers with `mhv show {task.number}`")  # fmt: skip
            conn.execute(
                "DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?", (task.id, blocker.id)
            )
            act.event("dependency.removed", task.id, {"task_id": task.id, "depends_on_id": blocker.id,
                      "kind": row["kind"], "created_at": _iso(self.store.dialect.dt_out(row["created_at"]))},
                      None)  # fmt: skip
        for ref in depends_on:
            self._add_dependency(act, task, self._resolve(conn, ref), "blocks")
        dependents = [self._resolve(conn, ref) for ref in blocks]
        for other in dependents:
            self._add_dependency(act, other, task, "blocks")
        if drop or depends_on:
            self._derive_status(act, [task.id])
        if dependents:
            self._derive_status(act, [d.id for d in dependents])

    def _new_task(self, act: _Action, fields: dict[str, Any], parent_ref: Any = None, *, number: int | None = None,
                  task_id: str | None = None) -> Task:  # fmt: skip
        now = act.at
        status = fields.pop("status", None) or "pending"
        task = Task(
            id=task_id or str(uuid.uuid4()),
            number=number or self._next_number(act.conn),
            title=fields.pop("title"),
        )
        for name, value in fields.items():
            if value is None and name in ("tags", "metadata", "description"):
                continue
            setattr(task, name, value)
        task.status = status
        if parent_ref is not None:
            task.parent_id = self._resolve(act.conn, parent_ref).id
        task.created_at = task.created_at or now
        task.updated_at = now
        if status == "in_progress" and task.started_at is None:
            task.started_at = now
        if status in FINISHED_STATUSES and task.completed_at is None:
            task.completed_at = now
        self._insert(act.conn, task)
        act.event("task.created", task.id, None, task.snapshot())
        return task

    def update(self, ref: int | str, changes: dict[str, Any], *, depends_on: Sequence[int | str] = (),
               blocks: Sequence[int | str] = (), unblock: Sequence[int | str] | None = ()) -> Task:  # fmt: skip
        """Change fields and, in the same action, dependencies: wait for ``depends_on``, make ``blocks``
        wait for this task, stop waiting for ``unblock`` (``None``: for every blocker)."""
        from mhv.tasks.validation import validate_patch

        model = validate_patch(changes)
        fields = self._coerce(model.model_dump(exclude_unset=True), None)
        if "title" in fields and fields["title"] is None:
            raise ValidationError("the title cannot be cleared", "give a new title instead")
        with self._action(f"update {ref}") as act:
            task = self._resolve(act.conn, ref)
            before = _copy(task)
            parent_ref = fields.pop("parent", ...)
            if parent_ref is not ...:
                task.parent_id = None if parent_ref is None else self._resolve(act.conn, parent_ref).id
                if task.parent_id == task.id:
                    raise ValidationError("a task cannot be its own parent", "choose another parent task")
            status = fields.pop("status", None)
            for name, value in fields.items():
                if name in ("tags",) and value is None:
                    value = []
                if name == "metadata" and value is None:
                    value = {}
                if name == "description" and value is None:
                    value = ""
                setattr(task, name, value)
            if task.snapshot() != before.snapshot():
                self._save(act, before, task)
            if status is not None and status != task.status:
                self._set_status(act, task, status)
            if depends_on or blocks or unblock is None or unblock:
                self._relink(act, task, depends_on=depends_on, blocks=blocks, drop=unblock)
            return self._resolve(act.conn, task.id)

    def _set_status(self, act: _Action, task: Task, status: str) -> Task:
        before = _copy(task)
        kind = {
            "completed": "task.completed",
            "cancelled": "task.cancelled",
            "in_progress": "task.started",
        }.get(status, "task.updated")
        if status == "blocked":
            raise ValidationError(
                "blocked is derived from unfinished blockers and cannot be set",
                f"add a blocker instead: mhv block {task.number} --on N",
            )
        now = act.at
        if status == "in_progress":
            task.started_at = task.started_at or now
            task.completed_at = None
        elif status in FINISHED_STATUSES:
            task.completed_at = now
        elif status == "pending":
            task.completed_at = None
            if before.status == "in_progress":
                task.started_at = None
                kind = "task.stopped"
            elif before.status in FINISHED_STATUSES:
                kind = "task.reopened"
        task.status = status
        if status in ("pending", "in_progress") and self._has_open_blockers(act.conn, task.id):
            task.status = "blocked"
        self._save(act, before, task, kind)
        if status in FINISHED_STATUSES or before.status in FINISHED_STATUSES:
            self._derive_status(act, self._dependents(act.conn, task.id))
        return task

    def start(self, ref: int | str) -> Task:
        with self._action(f"start {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.status == "in_progress":
                raise ConflictError(
                    f"#{task.number} is already in progress", f"stop it with `mhv stop {task.number}`"
                )
            if task.status in FINISHED_STATUSES:
                raise ConflictError(
                    f"#{task.number} is {task.status}",
                    f"reopen it first: mhv tu {task.number} --status pending",
                )
            return self._set_status(act, task, "in_progress")

    def stop(self, ref: int | str) -> Task:
        with self._action(f"stop {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.started_at is None or task.status in FINISHED_STATUSES:
                raise ConflictError(
                    f"#{task.number} is not in progress", f"start it with `mhv start {task.number}`"
                )
            return self._set_status(act, task, "pending")

    def complete(self, ref: int | str) -> tuple[Task, Task | None]:
        """Complete a task; a recurring one spawns its next occurrence in the same transaction."""
        with self._action(f"complete {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.status == "completed":
                raise ConflictError(
                    f"#{task.number} is already completed",
                    f"reopen it with `mhv tu {task.number} --status pending`",
                )
            task = self._set_status(act, task, "completed")
            nxt = self._spawn_next(act, task) if task.recurrence else None
            return task, nxt

    def cancel(self, ref: int | str) -> Task:
        with self._action(f"cancel {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.status == "cancelled":
                raise ConflictError(f"#{task.number} is already cancelled", "nothing to do")
            return self._set_status(act, task, "cancelled")

    def _spawn_next(self, act: _Action, task: Task) -> Task | None:
        from mhv.tasks.recurrence import next_occurrence

        anchor = task.due or task.scheduled or act.at
        nxt_due = next_occurrence(
            task.recurrence or "", anchor, after=max(anchor, act.at) if not task.due else anchor, tz=self.tz
        )
        if nxt_due is None:
            return None
        fields: dict[str, Any] = {
            "title": task.title, "description": task.description, "priority": task.priority, "repo": task.repo,
            "tags": list(task.tags), "estimate_minutes": task.estimate_minutes, "recurrence": task.recurrence,
            "assignee": task.assignee, "parent_id": task.parent_id, "due_all_day": task.due_all_day,
            "metadata": {k: v for k, v in task.metadata.items() if k != "taskwarrior"} | {"recurs_from": task.id},
        }  # fmt: skip
        if task.due:
            fields["due"] = nxt_due
        if task.scheduled:
            fields["scheduled"] = task.scheduled + (nxt_due - anchor)
        elif not task.due:
            fields["due"] = nxt_due
        return self._new_task(act, fields)

    def delete(self, ref: int | str) -> Task:
        """Remove a task for good (undo brings it back). Its dependents inherit its blockers."""
        with self._action(f"delete {ref}") as act:
            task = self._resolve(act.conn, ref)
            conn = act.conn
            deps = conn.all(
                "SELECT task_id, depends_on_id, kind, created_at FROM dependency WHERE task_id = ? OR depends_on_id = ?",
                (task.id, task.id),
            )
            ups = [r["depends_on_id"] for r in deps if r["task_id"] == task.id and r["kind"] == "blocks"]
            downs = [r["task_id"] for r in deps if r["depends_on_id"] == task.id and r["kind"] == "blocks"]
            for r in deps:
                row = {k: r[k] for k in ("task_id", "depends_on_id", "kind")} | {
                    "created_at": _iso(self.store.dialect.dt_out(r["created_at"]))
                }
                conn.execute("DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?",
                             (r["task_id"], r["depends_on_id"]))  # fmt: skip
                act.event("dependency.removed", r["task_id"], row, None)
            for child in conn.all(SELECT_TASK + " WHERE parent_id = ?", (task.id,)):
                kid = task_from_row(child)
                before = _copy(kid)
                kid.parent_id = task.parent_id
                self._save(act, before, kid)
            conn.execute("DELETE FROM task WHERE id = ?", (task.id,))
            act.event("task.deleted", task.id, task.snapshot(), None)
            # Repair the chain as Taskwarrior does: A -> deleted -> C becomes A -> C.
            for down in downs:
                dependent = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (down,)))
                for up in ups:
                    blocker = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (up,)))
                    if dependent.id != blocker.id and self._cycle_for(conn, dependent.id, blocker.id) is None:
                        self._add_dependency(act, dependent, blocker, "blocks")
            self._derive_status(act, downs)
            return task

    # ------------------------------------------------------------------ writes: dependencies
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

    # ------------------------------------------------------------------ undo / redo
    def undo(self) -> ActionResult:
        with self._writing() as conn:
            row = conn.one(
                "SELECT id, label FROM txn WHERE kind IN ('action', 'redo') AND undone = ? ORDER BY seq DESC LIMIT 1",
                (False,),
            )
            if row is None:
                raise NothingToUndoError("nothing to undo", "every recorded action has been undone already")
            act = _Action(conn, self, f"undo {row['label']}", "undo", row["id"])
            tasks = self._replay(act, row["id"], backwards=True)
            conn.execute("UPDATE txn SET undone = ? WHERE id = ?", (True, row["id"]))
            act.finish()
            return ActionResult(label=row["label"], txn=row["id"], tasks=tasks)

    def redo(self) -> ActionResult:
        with self._writing() as conn:
            last_action = conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM txn WHERE kind = 'action'")
            row = conn.one(
                "SELECT u.target AS target, t.label AS label FROM txn u JOIN txn t ON t.id = u.target "
                "WHERE u.kind = 'undo' AND u.seq > ? AND t.undone = ? ORDER BY u.seq DESC LIMIT 1",
                (last_action, True),
            )
            if row is None:
                raise NothingToUndoError(
                    "nothing to redo", "redo works right after an undo, before any new change"
                )
            act = _Action(conn, self, f"redo {row['label']}", "redo", row["target"])
            tasks = self._replay(act, row["target"], backwards=False)
            conn.execute("UPDATE txn SET undone = ? WHERE id = ?", (False, row["target"]))
            act.finish()
            return ActionResult(label=row["label"], txn=row["target"], tasks=tasks)

    def _replay(self, act: _Action, txn: str, *, backwards: bool) -> list[Task]:
        conn, d = act.conn, self.store.dialect
        events = [
            event_from_row(r) for r in conn.all("SELECT * FROM event WHERE txn = ? ORDER BY seq", (txn,))
        ]
        if backwards:
            events.reverse()
        touched: dict[str, None] = {}
        for ev in events:
            target = ev.before if backwards else ev.after
            entity = ev.kind.split(".")[0]
            if entity == "task":
                task_id = ev.task_id or (target or {}).get("id")
                current = conn.one(SELECT_TASK + " WHERE id = ?", (task_id,))
                cur_snap = task_from_row(current).snapshot() if current else None
                if target is None:
                    if current is not None:
                        conn.execute("DELETE FROM task WHERE id = ?", (task_id,))
                        act.event("task.deleted", task_id, cur_snap, None)
                elif current is None:
                    conn.execute(INSERT_TASK, snapshot_params(target, d))
                    act.event("task.created", task_id, None, target)
                    touched[str(task_id)] = None
                else:
                    conn.execute(UPDATE_TASK, [*snapshot_params(target, d)[1:], task_id])
                    act.event("task.updated", task_id, cur_snap, target)
                    touched[str(task_id)] = None
            elif entity == "dependency":
                snap = target or (ev.after if backwards else ev.before) or {}
                key = (snap["task_id"], snap["depends_on_id"])
                exists = conn.one("SELECT 1 FROM dependency WHERE task_id = ? AND depends_on_id = ?", key)
                if target is None and exists is not None:
                    conn.execute("DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?", key)
                    act.event("dependency.removed", key[0], snap, None)
                elif target is not None and exists is None:
                    conn.execute(
                        "INSERT INTO dependency (task_id, depends_on_id, kind, created_at) VALUES (?, ?, ?, ?)",
                        (*key, target["kind"], d.dt_in(d.dt_out(target["created_at"]))),
                    )
                    act.event("dependency.added", key[0], None, target)
            elif entity == "repo":
                name = (target or ev.before or ev.after or {})["name"]
                conn.execute("DELETE FROM repo WHERE name = ?", (name,))
                if target is not None:
                    self._insert_repo(conn, target)
                act.event(
                    f"repo.{'added' if target else 'removed'}", None, None if target else ev.after, target
                )
        rows = [conn.one(SELECT_TASK + " WHERE id = ?", (i,)) for i in touched]
        return [task_from_row(r) for r in rows if r is not None]

    # ------------------------------------------------------------------ repositories
    def _insert_repo(self, conn: Connection, snap: dict[str, Any]) -> None:
        d = self.store.dialect
        conn.execute(
            "INSERT INTO repo (name, path, remote, default_branch, gates, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (snap["name"], snap.get("path"), snap.get("remote"), snap.get("default_branch"),
             d.json_in(snap.get("gates") or {}), d.dt_in(d.dt_out(snap.get("created_at")) or self.clock())),
        )  # fmt: skip

    def add_repo(self, name: str, path: str | None = None, remote: str | None = None,
                 default_branch: str | None = None, *, replace: bool = False) -> Repo:  # fmt: skip
        from mhv.tasks.rules import REPO_RE

        name = name.strip().lstrip("@")
        if not REPO_RE.match(name):
            raise ValidationError(
                f"invalid repository name {name!r}", "use letters, digits, dots, dashes, slashes"
            )
        with self._action(f"repo add {name}") as act:
            existing = act.conn.one("SELECT * FROM repo WHERE name = ?", (name,))
            if existing is not None and not replace:
                raise ConflictError(
                    f"repository {name!r} is already registered", "use --replace to change it"
                )
            snap: dict[str, Any] = {"name": name, "path": path, "remote": remote, "default_branch": default_branch,
                    "gates": {}, "created_at": act.at.isoformat()}  # fmt: skip
            before = None
            if existing is not None:
                before = repo_from_row(existing).to_json()
                snap["gates"] = before["gates"]
                act.conn.execute("DELETE FROM repo WHERE name = ?", (name,))
            self._insert_repo(act.conn, snap)
            act.event("repo.updated" if before else "repo.added", None, before, snap)
            return repo_from_row(act.conn.one("SELECT * FROM repo WHERE name = ?", (name,)))

    def remove_repo(self, name: str) -> Repo:
        with self._action(f"repo remove {name}") as act:
            row = act.conn.one("SELECT * FROM repo WHERE name = ?", (name,))
            if row is None:
                raise NotFoundError(f"no repository {name!r}", "see registered ones with `mhv repo list`")
            repo = repo_from_row(row)
            act.conn.execute("DELETE FROM repo WHERE name = ?", (name,))
            act.event("repo.removed", None, repo.to_json(), None)
            return repo

    def list_repos(self) -> list[Repo]:
        with self.store.read() as conn:
            return [repo_from_row(r) for r in conn.all("SELECT * FROM repo ORDER BY name")]

    def repo_names(self) -> list[str]:
        """Registered repositories plus every repo name tasks use (for completion and the parser)."""
        with self.store.read() as conn:
            rows = conn.all(
                "SELECT name FROM repo UNION SELECT DISTINCT repo FROM task WHERE repo IS NOT NULL"
            )
        return sorted(r[0] if not isinstance(r, dict) else r["name"] for r in rows)

    def repo_names_registered(self) -> set[str]:
        with self.store.read() as conn:
            return {r["name"] for r in conn.all("SELECT name FROM repo")}

    def tag_names(self) -> list[str]:
        d = self.store.dialect
        sql = (
            "SELECT DISTINCT json_each.value FROM task, json_each(task.tags)"
            if d.name == "sqlite"
            else "SELECT DISTINCT jsonb_array_elements_text(tags) AS value FROM task"
        )
        with self.store.read() as conn:
            return sorted(r[0] if not isinstance(r, dict) else r["value"] for r in conn.all(sql))

    def open_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Open tasks per repository and per tag, one grouped query each (the sidebar's counts:
        one pass over the tags instead of one per tag)."""
        d = self.store.dialect
        marks = ", ".join("?" * len(OPEN_STATUSES))
        by_tag = (
            f"SELECT json_each.value AS name, COUNT(*) AS n FROM task, json_each(task.tags) "
            f"WHERE task.status IN ({marks}) GROUP BY json_each.value"
            if d.name == "sqlite"
            else f"SELECT t.value AS name, COUNT(*) AS n FROM task, jsonb_array_elements_text(task.tags) AS t(value) "
            f"WHERE task.status IN ({marks}) GROUP BY t.value"
        )
        with self.store.read() as conn:
            repos = conn.all(f"SELECT repo AS name, COUNT(*) AS n FROM task WHERE status IN ({marks}) "
                             "AND repo IS NOT NULL GROUP BY repo", list(OPEN_STATUSES))  # fmt: skip
            tags = conn.all(by_tag, list(OPEN_STATUSES))
        return {r["name"]: int(r["n"]) for r in repos}, {r["name"]: int(r["n"]) for r in tags}

    # ------------------------------------------------------------------ bulk (import)
    @contextmanager
    def bulk(self, label: str) -> Iterator[_Action]:
        """One transaction for many changes (an import): all or nothing, one undo step."""
        with self._action(label) as act:
            yield act


_SIMPLE_FIELDS = frozenset({"title", "tags", "repo", "priority", "description", "depends_on", "blocks", "due",
                           "scheduled", "estimate_minutes", "recurrence"})  # fmt: skip


def _simple_create(data: dict[str, Any]) -> dict[str, Any] | None:
    """The common create (title, tags, repo, priority, notes, blockers) checked by the same rules as the
    Pydantic model, without importing Pydantic; None sends anything else, or any problem, to Pydantic
    (which then reports it in full)."""
    from mhv.tasks.rules import PRIORITIES, clean_repo, clean_rrule, clean_tags, clean_title, priority_word

    if not data.keys() <= _SIMPLE_FIELDS or not isinstance(data.get("title"), str):
        return None
    try:
        out: dict[str, Any] = {"title": clean_title(data["title"])}
        if "tags" in data:
            out["tags"] = clean_tags(data["tags"])
        if "repo" in data:
            if data["repo"] is not None and not isinstance(data["repo"], str):
                return None
            out["repo"] = clean_repo(data["repo"])
        if "priority" in data:
            out["priority"] = priority_word(data["priority"])
            if out["priority"] not in PRIORITIES:
                return None
        if "description" in data:
            if not isinstance(data["description"], str):
                return None
            out["description"] = data["description"].strip()
        for name in ("depends_on", "blocks"):
            if name in data:
                deps = data[name]
                if not isinstance(deps, list) or not all(isinstance(d, int | str) for d in deps):
                    return None
                out[name] = list(deps)
        for name in ("due", "scheduled"):  # already read (by the quick-add parser): date or datetime
            if name in data:
                if not isinstance(data[name], date | datetime | None):
                    return None
                out[name] = data[name]
        if "recurrence" in data:
            if not isinstance(data["recurrence"], str | None):
                return None
            out["recurrence"] = clean_rrule(data["recurrence"])
        if "estimate_minutes" in data:
            minutes = data["estimate_minutes"]
            if type(minutes) is not int or not 0 <= minutes <= 100_000:
                return None
            out["estimate_minutes"] = minutes
    except ValueError:
        return None
    return out


def _copy(task: Task) -> Task:
    from dataclasses import replace

    return replace(task, tags=list(task.tags), metadata=json.loads(json.dumps(task.metadata, default=str)))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
