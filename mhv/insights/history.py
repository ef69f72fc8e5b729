"""Per-task facts from the task table and the event log, in one pass over each.

A task's status timeline comes from its status-changing events (started, stopped, blocked, unblocked,
completed, cancelled, reopened, and undo/redo's ``task.updated`` when it changed the status). A task
that has none (made finished or started by an import) falls back to its own ``started_at`` /
``completed_at``: that is how history imported from another tracker is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mhv.store import Dialect
from mhv.tasks.models import FINISHED_STATUSES
from mhv.tasks.service import TaskService

STATUS_KINDS = (
    "task.started", "task.stopped", "task.blocked", "task.unblocked", "task.completed", "task.cancelled",
    "task.reopened", "task.updated",
)  # fmt: skip
_TASK_COLUMNS = (
    "id, number, title, status, priority, repo, tags, assignee, estimate_minutes, due, created_at, "
    "started_at, completed_at"
)


@dataclass(slots=True)
class Record:
    """One task as insights see it. Durations are minutes (None when not known)."""

    id: str
    number: int
    title: str
    status: str
    priority: str
    repo: str | None
    tags: list[str]
    assignee: str | None
    estimate: int | None
    due: datetime | None
    created: datetime | None
    started: datetime | None
    completed: datetime | None
    in_progress: float | None = None  # started -> completed, pauses and blocked time excluded
    blocked: float = 0.0
    to_start: float | None = None  # created -> first start
    lead: float | None = None  # created -> (last) completion
    reopens: int = 0
    ever_blocked: bool = False
    transitions: list[tuple[datetime, str, str]] = field(default_factory=list)  # (at, new status, kind)

    @property
    def done(self) -> bool:
        return self.status == "completed"

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATUSES


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60.0


def fold(rec: Record, initial: str | None, now: datetime) -> None:
    """Fill the durations of ``rec`` from its transitions (time order) and the status it had when
    created (``initial``: the ``before`` status of its first transition)."""
    created = rec.created
    if not rec.transitions or created is None or initial is None:
        if rec.started and rec.completed and rec.status == "completed":
            rec.in_progress = max(0.0, _minutes(rec.started, rec.completed))
        if created and rec.started:
            rec.to_start = max(0.0, _minutes(created, rec.started))
        if created and rec.completed and rec.status == "completed":
            rec.lead = max(0.0, _minutes(created, rec.completed))
        rec.ever_blocked = rec.status == "blocked"
        return
    status, since = initial, created
    progress = blocked = 0.0
    first_start: datetime | None = since if initial == "in_progress" else None
    ever_blocked = initial == "blocked"
    for at, new, kind in rec.transitions:
        if at < since:
            at = since
        if status == "in_progress":
            progress += _minutes(since, at)
        elif status == "blocked":
            blocked += _minutes(since, at)
        if status in FINISHED_STATUSES and new not in FINISHED_STATUSES and kind != "task.updated":
            rec.reopens += 1  # an undo of a completion (task.updated) is not a reopening
        if new == "in_progress" and first_start is None:
            first_start = at
        ever_blocked = ever_blocked or new == "blocked"
        status, since = new, at
    if status not in FINISHED_STATUSES:  # still open: count up to now
        if status == "in_progress":
            progress += max(0.0, _minutes(since, now))
        elif status == "blocked":
            blocked += max(0.0, _minutes(since, now))
    rec.blocked = blocked
    rec.ever_blocked = ever_blocked
    rec.to_start = _minutes(created, first_start) if first_start else None
    if status == "completed":
        rec.in_progress = progress if first_start is not None else None
        rec.lead = max(0.0, _minutes(created, since))
    elif first_start is not None:
        rec.in_progress = progress  # so far (open tasks: time already spent)


def _rows(conn: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples in SELECT order: SQLite through a cursor without the Row factory (a
    third of the load time at 100,000 tasks), PostgreSQL's dict rows by their values."""
    if conn.dialect == "sqlite":
        cur = conn.raw.cursor()
        cur.row_factory = None
        try:
            return cur.execute(sql, params).fetchall()  # type: ignore[no-any-return]
        finally:
            cur.close()
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in conn.all(sql, params)]


def load(service: TaskService, *, repo: str | None = None, tag: str | None = None,
         since: datetime | None = None, statuses: Sequence[str] | None = None,
         numbers: Iterable[int] | None = None) -> list[Record]:  # fmt: skip
    """Every task matching the filters (all statuses unless told), with its durations.

    Two queries whatever the count: the tasks, then the status-changing events of all tasks (the
    JSON of each event is not parsed: only its two statuses are read by the database)."""
    store = service.store
    d: Dialect = store.dialect
    where: list[str] = []
    params: list[Any] = []
    if repo:
        where.append("(repo = ? OR repo LIKE ?)")
        params += [repo, repo + ".%"]
    if tag:
        where.append(d.has_tag("tags"))
        params.append(d.tag_param(tag))
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    wanted = set(numbers) if numbers is not None else None
    sql = f"SELECT {_TASK_COLUMNS} FROM task" + (" WHERE " + " AND ".join(where) if where else "")
    if d.name == "sqlite":
        bs, as_ = "json_extract(before, '$.status')", "json_extract(after, '$.status')"
    else:
        bs, as_ = "(before::jsonb ->> 'status')", "(after::jsonb ->> 'status')"
    ev_sql = (
        f"SELECT task_id, kind, at, {bs} AS before_status, {as_} AS after_status FROM event WHERE kind IN ({', '.join('?' * len(STATUS_KINDS))}) "
        "ORDER BY seq"
    )
    now = service.clock()
    tag_cache: dict[Any, list[str]] = {}

    def dt(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite stores ISO text in UTC with its offset
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else Dialect.dt_out(value)
        return Dialect.dt_out(value)

    def jo(value: Any) -> list[str]:
        if not isinstance(value, str):
            return list(value or [])
        got = tag_cache.get(value)
        if got is None:
            got = tag_cache[value] = Dialect.json_out(value) or []
        return list(got)
    with store.read() as conn:
        rows = _rows(conn, sql, params)
        by_id: dict[str, Record] = {}
        for r in rows:
            (id_, number, title, status, priority, rrepo, tags, assignee, estimate, due, created, started,
             completed) = r  # fmt: skip
            if wanted is not None and number not in wanted:
                continue
            by_id[id_] = Record(id_, number, title, status, priority, rrepo, jo(tags), assignee, estimate,
                                dt(due), dt(created), dt(started), dt(completed))  # fmt: skip
        initial: dict[str, str] = {}
        for task_id, kind, at, before, after in _rows(conn, ev_sql, STATUS_KINDS):
            rec = by_id.get(task_id)
            if rec is None or before == after or after is None or before is None:
                continue
            if task_id not in initial:
                initial[task_id] = before
            rec.transitions.append((dt(at), after, kind))  # type: ignore[arg-type]
    out: list[Record] = []
    for rec in by_id.values():
        fold(rec, initial.get(rec.id), now)
        if since is not None and rec.done and rec.completed is not None and rec.completed < since:
            continue
        out.append(rec)
    out.sort(key=lambda r: r.number)
    return out
