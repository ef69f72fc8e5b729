"""Reads and filters: resolving a task reference, the task list with its filter and order, counts,
links, history, the event log, and the names and counts the sidebar and completion show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mhv.errors import NotFoundError
from mhv.store import Connection
from mhv.tasks.filters import ORDERS, filter_where, line_rows
from mhv.tasks.models import OPEN_STATUSES, TASK_COLUMNS, Event, Task, TaskFilter, TaskLine
from mhv.tasks.rows import (
    SELECT_TASK,
    event_from_row,
    json_from_row,
    line_from_row,
    task_from_row,
)
from mhv.tasks.service_parts.core import ServiceCore, _chunks

_ORDERS = ORDERS  # the orders SQL sorts by (mhv/tasks/filters.py)


class Reads(ServiceCore):
    if TYPE_CHECKING:  # provided by mhv.tasks.graph.queries.GraphQueries

        def ranked_ids(self, flt: TaskFilter, *, now: datetime | None = None) -> list[str]: ...

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
        return filter_where(flt, self.store.dialect, self.clock)

    def list_tasks(self, flt: TaskFilter | None = None, *, links: bool = False) -> list[Task]:
        flt = flt or TaskFilter()
        where, params = self._where(flt)
        provider = self.order_providers.get(flt.order) if flt.order not in _ORDERS else None
        if flt.order in ("urgency", "predicted") or provider is not None:
            # ranked by the database (or by a provider above this layer); pages served from the ranking
            ids = provider(flt) if provider is not None else self.ranked_ids(flt)
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

    def list_lines(self, flt: TaskFilter | None = None) -> list[TaskLine]:
        """`list_tasks` with only the columns of a task table (`mhv tl`): at 10,000 tasks a third of
        the list's time went to building 28-field `Task` rows the table never shows."""
        flt = flt or TaskFilter()
        if flt.order not in _ORDERS:
            tasks = self.list_tasks(flt)
            return [TaskLine(t.number, t.status, t.created_at, t.priority, t.repo, t.tags, t.due, t.due_all_day,
                             t.title) for t in tasks]  # fmt: skip
        tags: dict[str, list[str]] = {}  # a few distinct tag sets: each JSON text decoded once
        return [line_from_row(r, tags) for r in line_rows(self.store, flt, self.clock)]

    def count(self, flt: TaskFilter | None = None) -> int:
        where, params = self._where(flt or TaskFilter())
        with self.store.read() as conn:
            return int(conn.scalar("SELECT COUNT(*) FROM task" + where, params))

    def counts_by_status(self) -> dict[str, int]:
        with self.store.read() as conn:
            rows = conn.all("SELECT status, COUNT(*) AS n FROM task GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    def _fill_links(self, conn: Connection, tasks: Sequence[Task]) -> None:
        ups, downs = self._link_numbers(conn, [t.id for t in tasks])
        for t in tasks:
            t.depends_on, t.blocks = ups[t.id], downs[t.id]

    def _link_numbers(
        self, conn: Connection, ids: list[str]
    ) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """For each task id: the numbers of the tasks it waits for, and of those it holds up."""
        ups: dict[str, list[int]] = {i: [] for i in ids}
        downs: dict[str, list[int]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 500):
            marks = ", ".join("?" * len(chunk))
            for row in conn.all(
                "SELECT d.task_id, b.number FROM dependency d JOIN task b ON b.id = d.depends_on_id "
                f"WHERE d.kind = 'blocks' AND d.task_id IN ({marks}) ORDER BY b.number",
                chunk,
            ):
                ups[row["task_id"]].append(row["number"])
            for row in conn.all(
                "SELECT d.depends_on_id, t.number FROM dependency d JOIN task t ON t.id = d.task_id "
                f"WHERE d.kind = 'blocks' AND d.depends_on_id IN ({marks}) ORDER BY t.number",
                chunk,
            ):
                downs[row["depends_on_id"]].append(row["number"])
        return ups, downs

    def list_json(self, flt: TaskFilter | None = None) -> list[dict[str, Any]]:
        """``[t.to_json() for t in list_tasks(flt, links=True)]`` (`mhv tl --json`), built from the rows
        without a `Task` in between (at 10,000 tasks the objects were a third of the time)."""
        flt = flt or TaskFilter()
        if flt.order not in _ORDERS:
            return [t.to_json() for t in self.list_tasks(flt, links=True)]
        where, params = self._where(flt)
        sql = SELECT_TASK + where + " ORDER BY " + _ORDERS[flt.order]
        if flt.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([flt.limit, flt.offset])
        with self.store.read() as conn:
            items = [json_from_row(r) for r in conn.execute(sql, params).fetchall()]
            ups, downs = self._link_numbers(conn, [item["id"] for item in items])
        for item in items:
            item["depends_on"], item["blocks"] = ups[item["id"]], downs[item["id"]]
        return items

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
