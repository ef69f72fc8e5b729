"""Per-task facts from the task table and the event log, in one pass over each.

A task's status timeline comes from its status-changing events (started, stopped, blocked, unblocked,
completed, cancelled, reopened, and undo/redo's ``task.updated`` when it changed the status). A task
that has none (made finished or started by an import) falls back to its own ``started_at`` /
``completed_at``: that is how history imported from another tracker is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mhv.store import Dialect
from mhv.store.schema import STATUS_CHANGE
from mhv.tasks.models import FINISHED_STATUSES
from mhv.tasks.service import TaskService

STATUS_KINDS = (
    "task.started", "task.stopped", "task.blocked", "task.unblocked", "task.completed", "task.cancelled",
    "task.reopened", "task.updated",
)  # fmt: skip


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ts(value: datetime | None) -> float | None:
    return None if value is None else (value - _EPOCH).total_seconds()


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else _EPOCH + timedelta(seconds=ts)


class Record:
    """One task as insights see it. Durations are minutes (None when not known).

    Instants are kept as POSIX seconds (``created_ts`` ...), the form the loader reads straight from
    SQL; ``created``, ``started``, ``completed`` and ``due`` are the same instants as aware UTC
    datetimes, made when asked (100,000 tasks: ~400,000 datetimes not built for `mhv stats`)."""

    __slots__ = (
        "assignee",
        "blocked",
        "completed_ts",
        "created_ts",
        "due_ts",
        "estimate",
        "ever_blocked",
        "id",
        "in_progress",
        "lead",
        "number",
        "priority",
        "reopens",
        "repo",
        "started_ts",
        "status",
        "tags",
        "title",
        "to_start",
        "transitions",
    )  # fmt: skip

    def __init__(self, id: str, number: int, title: str, status: str, priority: str, repo: str | None,
                 tags: list[str], assignee: str | None, estimate: int | None, due: datetime | None,
                 created: datetime | None, started: datetime | None, completed: datetime | None) -> None:  # fmt: skip
        self.id, self.number, self.title, self.status, self.priority = id, number, title, status, priority
        self.repo, self.tags, self.assignee, self.estimate = repo, tags, assignee, estimate
        self.due_ts, self.created_ts = _ts(due), _ts(created)
        self.started_ts, self.completed_ts = _ts(started), _ts(completed)
        self.in_progress: float | None = None  # started -> completed, pauses and blocked time excluded
        self.blocked = 0.0
        self.to_start: float | None = None  # created -> first start
        self.lead: float | None = None  # created -> (last) completion
        self.reopens = 0
        self.ever_blocked = False
        self.transitions: list[tuple[float, str, str]] = []  # (at, POSIX seconds; new status; kind)

    @classmethod
    def from_row(cls, row: tuple[Any, ...], tags: list[str]) -> Record:
        """A row of the loader's query: instants already POSIX seconds."""
        rec = cls.__new__(cls)
        (rec.id, rec.number, rec.title, rec.status, rec.priority, rec.repo, _, rec.assignee, rec.estimate,
         rec.due_ts, rec.created_ts, rec.started_ts, rec.completed_ts) = row  # fmt: skip
        rec.tags = tags
        rec.in_progress = rec.to_start = rec.lead = None
        rec.blocked = 0.0
        rec.reopens = 0
        rec.ever_blocked = False
        rec.transitions = []
        return rec

    def __repr__(self) -> str:
        return f"Record(#{self.number} {self.status} {self.title!r})"

    due = property(lambda self: _dt(self.due_ts), lambda self, v: setattr(self, "due_ts", _ts(v)))
    created = property(lambda self: _dt(self.created_ts), lambda self, v: setattr(self, "created_ts", _ts(v)))
    started = property(lambda self: _dt(self.started_ts), lambda self, v: setattr(self, "started_ts", _ts(v)))
    completed = property(
        lambda self: _dt(self.completed_ts), lambda self, v: setattr(self, "completed_ts", _ts(v))
    )

    @property
    def done(self) -> bool:
        return self.status == "completed"

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATUSES


def fold(rec: Record, initial: str | None, now: float) -> None:
    """Fill the durations of ``rec`` from its transitions (time order) and the status it had when
    created (``initial``: the ``before`` status of its first transition). ``now``: POSIX seconds."""
    created = rec.created_ts
    started, completed = rec.started_ts, rec.completed_ts
    if not rec.transitions or created is None or initial is None:
        finished = rec.status == "completed"
        if started is not None and completed is not None and finished:
            rec.in_progress = max(0.0, (completed - started) / 60.0)
        if created is not None and started is not None:
            rec.to_start = max(0.0, (started - created) / 60.0)
        if created is not None and completed is not None and finished:
            rec.lead = max(0.0, (completed - created) / 60.0)
        rec.ever_blocked = rec.status == "blocked"
        return
    status, since = initial, created
    progress = blocked = 0.0
    first_start: float | None = since if initial == "in_progress" else None
    ever_blocked = initial == "blocked"
    for at, new, kind in rec.transitions:
        if at < since:
            at = since
        if status == "in_progress":
            progress += at - since
        elif status == "blocked":
            blocked += at - since
        if status in FINISHED_STATUSES and new not in FINISHED_STATUSES and kind != "task.updated":
            rec.reopens += 1  # an undo of a completion (task.updated) is not a reopening
        if new == "in_progress" and first_start is None:
            first_start = at
        ever_blocked = ever_blocked or new == "blocked"
        status, since = new, at
    if status not in FINISHED_STATUSES:  # still open: count up to now
        if status == "in_progress":
            progress += max(0.0, now - since)
        elif status == "blocked":
            blocked += max(0.0, now - since)
    rec.blocked = blocked / 60.0
    rec.ever_blocked = ever_blocked
    rec.to_start = (first_start - created) / 60.0 if first_start is not None else None
    if status == "completed":
        rec.in_progress = progress / 60.0 if first_start is not None else None
        rec.lead = max(0.0, (since - created) / 60.0)
    elif first_start is not None:
        rec.in_progress = progress / 60.0  # so far (open tasks: time already spent)


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


def _epoch(dialect: str, column: str) -> str:
    """SQL for ``column``'s instant as POSIX seconds (a float, or NULL), read by the database itself:
    no ISO parse in Python. SQLite's julianday is rounded to the millisecond (its double carries
    ~10 us of noise at today's dates)."""
    if dialect == "sqlite":
        return f"round((julianday({column}) - 2440587.5) * 86400000.0) / 1000.0"
    return f"extract(epoch from {column})::float8"


def status_events_sql(dialect: str) -> str:
    """The log's status changes, in ``seq`` order, for the timelines (parameters: ``STATUS_KINDS``).

    Only events whose two statuses are known and differ count (``fold`` skips the rest), so they
    are read from the partial index ``ix_event_status_change`` alone, without the JSON snapshots."""
    return (
        f"SELECT task_id, kind, {_epoch(dialect, 'at')} AS at_ts, before_status, after_status FROM event "
        f"WHERE kind IN ({', '.join('?' * len(STATUS_KINDS))}) AND {STATUS_CHANGE} ORDER BY seq"
    )


def load(service: TaskService, *, repo: str | None = None, tag: str | None = None,
         since: datetime | None = None, statuses: Sequence[str] | None = None,
         numbers: Iterable[int] | None = None) -> list[Record]:  # fmt: skip
    """Every task matching the filters (all statuses unless told), with its durations.

    Two queries whatever the count: the tasks, then the status-changing events of all tasks (the
    JSON of each event is not parsed: only its two statuses are read by the database). Instants come
    back as POSIX seconds (see :func:`_epoch`)."""
    store = service.store
    d: Dialect = store.dialect
    where: list[str] = []
    params: list[Any] = []
    if repo:
        where.append("(repo = ? OR repo LIKE ?)")
        params += [repo, repo + ".%"]
    if tag:
        cond, cparams = d.tag_condition("tags", tag)
        where.append(cond)
        params.extend(cparams)
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    wanted = set(numbers) if numbers is not None else None
    ep = d.name
    columns = "id, number, title, status, priority, repo, tags, assignee, estimate_minutes, " + ", ".join(
        f"{_epoch(ep, c)} AS {c}_ts" for c in ("due", "created_at", "started_at", "completed_at")
    )
    sql = f"SELECT {columns} FROM task" + (" WHERE " + " AND ".join(where) if where else "")
    ev_sql = status_events_sql(ep)
    now = _ts(service.clock())
    assert now is not None
    tag_cache: dict[Any, list[str]] = {}

    def jo(value: Any) -> list[str]:
        # Records with the same tags share one list: nothing in insights changes a record's tags.
        if not isinstance(value, str):
            return list(value or [])
        got = tag_cache.get(value)
        if got is None:
            got = tag_cache[value] = Dialect.json_out(value) or []
        return got

    with store.read() as conn:
        rows = _rows(conn, sql, params)
        by_id: dict[str, Record] = {}
        from_row = Record.from_row
        for r in rows:
            if wanted is not None and r[1] not in wanted:
                continue
            by_id[r[0]] = from_row(r, jo(r[6]))
        initial: dict[str, str] = {}
        for task_id, kind, at, before, after in _rows(conn, ev_sql, STATUS_KINDS):
            rec = by_id.get(task_id)
            if rec is None or before == after or after is None or before is None:
                continue
            if task_id not in initial:
                initial[task_id] = before
            rec.transitions.append((at, after, kind))
    cut = _ts(since)
    out: list[Record] = []
    for rec in by_id.values():
        fold(rec, initial.get(rec.id), now)
        if cut is not None and rec.done and rec.completed_ts is not None and rec.completed_ts < cut:
            continue
        out.append(rec)
    out.sort(key=lambda r: r.number)
    return out
