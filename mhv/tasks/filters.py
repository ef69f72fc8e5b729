"""A `TaskFilter` as SQL (the ``WHERE`` clause and the orders), and the task table's rows read with
the store alone: what `mhv tl` needs, without importing the task service (its writes, the graph, the
urgency model: ~25 ms of a one-shot `mhv tl`). TaskService's reads use the same clause and orders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from mhv.store import Dialect, Store
from mhv.tasks.task_filter import OPEN_STATUSES, TaskFilter

# The columns of a task table's row (`mhv tl`), in the order line_rows reads them (rows.line_from_row).
LINE_COLUMNS = ("number", "status", "created_at", "priority", "repo", "tags", "due", "due_all_day", "title")
SELECT_LINE = "SELECT " + ", ".join(f"task.{c}" for c in LINE_COLUMNS) + " FROM task"

ORDERS = {
    "number": "task.number",
    "due": "task.due IS NULL, task.due, task.number",
    "priority": "CASE task.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "ELSE 3 END, task.due IS NULL, task.due, task.number",
    "updated": "task.updated_at DESC, task.number DESC",
    "created": "task.created_at DESC, task.number DESC",
    "title": "lower(task.title), task.number",
    "wait": "task.wait IS NULL, task.wait, task.number",  # the Waiting view: the soonest to show first
}
ORDERS["default"] = (
    "CASE task.status WHEN 'in_progress' THEN 0 WHEN 'pending' THEN 1 WHEN 'blocked' THEN 2 ELSE 3 END, "
    + ORDERS["priority"]
)


def in_clause(column: str, values: Sequence[Any]) -> str:
    """``column IN (?, ?, ...)``, one placeholder per value; ``IN (NULL)`` (matches nothing) for none."""
    return f"{column} IN ({', '.join('?' * len(values)) or 'NULL'})"


def filter_where(flt: TaskFilter, d: Dialect, clock: Callable[[], datetime]) -> tuple[str, list[Any]]:
    """`` WHERE ...`` (or nothing) and its parameters; ``clock`` is read only when ``flt.now`` is
    None and the open lists' wait/until test needs "now"."""
    clauses: list[str] = []
    params: list[Any] = []
    statuses = flt.statuses if flt.statuses is not None else OPEN_STATUSES
    if statuses:
        clauses.append(in_clause("task.status", statuses))
        params.extend(statuses)
    # Open lists (no statuses, or only open ones: the Next and Blocked views, `mhv next`) leave out
    # the waiting and the expired tasks; the Waiting view lists only the waiting ones.
    if flt.waiting or flt.statuses is None or (statuses and set(statuses) <= set(OPEN_STATUSES)):
        now = d.dt_in(flt.now or clock())
        if flt.waiting:
            clauses.append("task.wait > ?")
            params.append(now)
        else:
            clauses.append("(task.wait IS NULL OR task.wait <= ?) AND (task.until IS NULL OR task.until > ?)")
            params.extend([now, now])
    if flt.repo is not None:
        clauses.append("task.repo = ?")
        params.append(flt.repo)
    if flt.repos is not None:
        clauses.append(in_clause("task.repo", flt.repos))
        params.extend(flt.repos)
    for tag in flt.tags:
        cond, cparams = d.tag_condition("task.tags", tag.lstrip("#").lower())
        clauses.append(cond)
        params.extend(cparams)
    if flt.priority is not None:
        clauses.append("task.priority = ?")
        params.append(flt.priority)
    if flt.due_before is not None:
        clauses.append("task.due IS NOT NULL AND task.due < ?")
        params.append(d.dt_in(flt.due_before))
    if flt.due_after is not None:
        clauses.append("task.due IS NOT NULL AND task.due >= ?")
        params.append(d.dt_in(flt.due_after))
    if flt.completed_after is not None:
        clauses.append("task.completed_at IS NOT NULL AND task.completed_at >= ?")
        params.append(d.dt_in(flt.completed_after))
    if flt.completed_before is not None:
        clauses.append("task.completed_at IS NOT NULL AND task.completed_at < ?")
        params.append(d.dt_in(flt.completed_before))
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
        clauses.append(in_clause("task.number", flt.numbers))
        params.extend(flt.numbers)
    if flt.ids is not None:
        clauses.append(in_clause("task.id", flt.ids))
        params.extend(flt.ids)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def line_rows(store: Store, flt: TaskFilter, clock: Callable[[], datetime]) -> list[tuple[Any, ...]]:
    """The table's columns (LINE_COLUMNS) of the tasks ``flt`` matches, in its order (one of
    ORDERS), as the database returns them (dates as stored, tags as JSON text on SQLite): plain
    tuples, not the store's ``sqlite3.Row``s (10,000 rows: ~5 ms less)."""
    where, params = filter_where(flt, store.dialect, clock)
    sql = SELECT_LINE + where + " ORDER BY " + ORDERS[flt.order]
    if flt.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend([flt.limit, flt.offset])
    with store.read() as conn:
        if store.dialect.name == "sqlite":
            cursor = conn.raw.cursor()
            cursor.row_factory = None
            try:
                return cursor.execute(sql, params).fetchall()  # type: ignore[no-any-return]
            finally:
                cursor.close()
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in conn.all(sql, params)]


def count(store: Store, flt: TaskFilter, clock: Callable[[], datetime]) -> int:
    where, params = filter_where(flt, store.dialect, clock)
    with store.read() as conn:
        return int(conn.scalar("SELECT COUNT(*) FROM task" + where, params))


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreReader:
    """What the task table of `mhv tl` reads from a `TaskService` (``store``, ``clock``, the zone
    views.with_client sets), on the store alone: the one-shot CLI lists without the service."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock: Callable[[], datetime] = clock or utc_now
        self._tz: tzinfo | None = None
