"""The finished tasks as columns (NumPy arrays and small-int codes), the form `mhv stats` sums up.

:func:`load` reads them straight from the database: one query for the finished tasks' groups,
estimates and instants (POSIX seconds computed by the database), one ``GROUP BY status`` for the
counts of the others, and the status events (those of finished tasks are kept). Tasks without
status events, such as history imported from another tracker, get their durations as three
subtractions over whole columns; the timelines of the others are folded over whole columns of
events (:func:`_timelines`, the rule of :func:`mhv.insights.history.fold`, which folds the few
tasks the column form does not take). No object per task: at 100,000 tasks this replaces the
~0.55 s of :func:`history.load` and the per-record pass of the summary.

:meth:`Columns.from_records` gives the same columns from records (the TUI already holds them), so
both read through one summary (:func:`mhv.insights.stats.summarize_columns`).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np

from mhv.insights.history import (
    STATUS_KINDS,
    Record,
    _epoch,
    _rows,
    _ts,
    fold,
    status_events_sql,
)
from mhv.store import Dialect
from mhv.tasks.service import TaskService


class Codes:
    """A categorical column: ``codes[i]`` indexes ``names``, numbered in order of first appearance."""

    __slots__ = ("codes", "names")

    def __init__(self, codes: np.ndarray, names: list[Any]) -> None:
        self.codes, self.names = codes, names

    @classmethod
    def of(cls, values: Sequence[Any], name: Callable[[Any], Any] | None = None) -> Codes:
        """Code ``values`` (hashable); ``name`` maps a raw value to its group's name, and raw values
        with the same name share a code (``None`` and ``""`` are both the group ``-``)."""
        index = {v: k for k, v in enumerate(dict.fromkeys(values))}  # C loops: ~5 ms per 100,000
        raw = np.array(list(map(index.__getitem__, values)), dtype=np.int64)
        if name is None:
            return cls(raw, list(index))
        names: list[Any] = []
        seen: dict[Any, int] = {}
        remap = np.empty(len(index), dtype=np.int64)
        for k, v in enumerate(index):
            got = name(v)
            code = seen.get(got)
            if code is None:
                code = seen[got] = len(names)
                names.append(got)
            remap[k] = code
        if len(names) == len(index):
            return cls(raw, names)
        return cls(remap[raw] if len(raw) else raw, names)


def _dash(value: Any) -> Any:
    return value or "-"


class Columns:
    """The finished tasks, in task-number order, and the counts of the others. Durations in
    minutes with NaN for "not known" (a record's ``None``)."""

    __slots__ = (
        "assignee",
        "blocked",
        "cancelled",
        "completed_ts",
        "estimate",
        "ever_blocked",
        "in_progress",
        "lead",
        "open",
        "priority",
        "reopened",
        "repo",
        "tag_sets",
        "titles",
        "to_start",
    )  # fmt: skip

    def __init__(self, *, open: int, cancelled: int, in_progress: np.ndarray, lead: np.ndarray,
                 to_start: np.ndarray, blocked: np.ndarray, ever_blocked: np.ndarray, reopened: np.ndarray,
                 estimate: np.ndarray, completed_ts: np.ndarray, repo: Codes, priority: Codes, assignee: Codes,
                 tag_sets: Codes, titles: Callable[[], Sequence[str]]) -> None:  # fmt: skip
        self.open, self.cancelled = open, cancelled
        self.in_progress, self.lead, self.to_start, self.blocked = in_progress, lead, to_start, blocked
        self.ever_blocked, self.reopened = ever_blocked, reopened  # bool columns
        self.estimate, self.completed_ts = estimate, completed_ts  # estimate: minutes, NaN when none
        self.repo, self.priority, self.assignee = repo, priority, assignee
        self.tag_sets = tag_sets  # names: each task's tags, as a list (shared between equal lists)
        self.titles = titles  # read only when asked (the blocker patterns need them)

    def __len__(self) -> int:
        return len(self.in_progress)

    @classmethod
    def from_records(cls, records: Sequence[Record]) -> Columns:
        done = [r for r in records if r.done]
        n = len(done)

        def col(values: Any) -> np.ndarray:
            return np.fromiter((math.nan if v is None else v for v in values), dtype=float, count=n)

        tag_index: dict[tuple[str, ...], list[str]] = {}
        tag_lists = [tag_index.setdefault(tuple(r.tags), list(r.tags)) for r in done]
        tags = Codes.of([tuple(t) for t in tag_lists])
        tags.names = [tag_index[k] for k in tags.names]
        return cls(
            open=sum(1 for r in records if r.is_open),
            cancelled=sum(1 for r in records if r.status == "cancelled"),
            in_progress=col(r.in_progress for r in done),
            lead=col(r.lead for r in done),
            to_start=col(r.to_start for r in done),
            blocked=np.fromiter((r.blocked for r in done), dtype=float, count=n),
            ever_blocked=np.fromiter((r.ever_blocked for r in done), dtype=bool, count=n),
            reopened=np.fromiter((bool(r.reopens) for r in done), dtype=bool, count=n),
            estimate=col(r.estimate for r in done),
            completed_ts=col(r.completed_ts for r in done),
            repo=Codes.of([r.repo for r in done], _dash),
            priority=Codes.of([r.priority for r in done]),
            assignee=Codes.of([r.assignee for r in done], _dash),
            tag_sets=tags,
            titles=lambda: [r.title for r in done],
        )


def _float(values: Sequence[Any]) -> np.ndarray:
    return np.array(values, dtype=float) if len(values) else np.empty(0)


def load(service: TaskService, *, repo: str | None = None, tag: str | None = None,
         since: datetime | None = None) -> Columns:  # fmt: skip
    """The columns of the tasks matching the filters, exactly what ``Columns.from_records`` gives
    for ``history.load(service, repo=..., tag=..., since=...)``, read without a record per task.

    The cyclic garbage collector is paused meanwhile: the driver's rows are hundreds of thousands
    of tuples that make no cycle, and each collection would walk all of them again (at 100,000
    tasks with their events, half the load time)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(service, repo=repo, tag=tag, since=since)
    finally:
        if paused:
            gc.enable()


def _load(service: TaskService, *, repo: str | None, tag: str | None, since: datetime | None) -> Columns:
    store = service.store
    d: Dialect = store.dialect
    where: list[str] = []
    params: list[Any] = []
    if repo:
        where.append("(t.repo = ? OR t.repo LIKE ?)")
        params += [repo, repo + ".%"]
    if tag:
        cond, cparams = d.tag_condition("t.tags", tag)
        where.append(cond)
        params.extend(cparams)
    ep = d.name
    # SQLite: the finished tasks by a scan of the table (its index on status costs a seek per row).
    done_where = " AND ".join([("+t.status" if ep == "sqlite" else "t.status") + " = 'completed'", *where])
    # A task's four groups as one text (one string per row from the driver instead of four), split
    # once per distinct combination; a value holding the separator is caught by the count of parts.
    sep = "char(31)" if ep == "sqlite" else "chr(31)"
    tags_text = "t.tags" if ep == "sqlite" else "t.tags::text"
    groups = f"coalesce(t.repo, '') || {sep} || t.priority || {sep} || coalesce(t.assignee, '') || {sep} || {tags_text}"
    # (Every column named: PostgreSQL's rows are dicts, and unnamed expressions share one name.)
    instants = ", ".join(f"{_epoch(ep, 't.' + c)} AS {c}" for c in ("created_at", "started_at", "completed_at"))
    sql = (
        f"SELECT {{id}} AS id, {groups} AS grp, t.estimate_minutes, {instants} FROM task t WHERE {done_where} "
        "ORDER BY t.number"
    )
    count_sql = "SELECT t.status, count(*) AS n FROM task t" + (
        " WHERE " + " AND ".join(where) if where else ""
    ) + " GROUP BY t.status"  # fmt: skip
    # The query history.load reads (a join to the task table costs more than it saves: a task lookup
    # per event); kept for finished tasks below.
    ev_sql = status_events_sql(ep)
    now = _ts(service.clock())
    assert now is not None
    with store.read() as conn:
        events = _rows(conn, ev_sql, STATUS_KINDS)
        # The ids only match events to tasks: none to match, none read (90,000 strings fewer).
        rows = _rows(conn, sql.replace("{id}", "t.id" if events else "NULL"), params)
        counts = dict(_rows(conn, count_sql, params))
        combos = Codes.of([r[1] for r in rows])
        parts = [c.split("\x1f") for c in combos.names]
        if any(len(p) != 4 for p in parts):  # a separator inside a name: read the four columns
            by_row = _rows(conn, f"SELECT t.repo, t.priority, t.assignee, {tags_text} AS tags FROM task t WHERE {done_where} "
                           "ORDER BY t.number", params)  # fmt: skip
            combos = Codes.of(by_row)
            parts = [list(p) for p in combos.names]
    n = len(rows)
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True)) if n else [()] * 6
    created, started, completed = _float(cols[3]), _float(cols[4]), _float(cols[5])
    with np.errstate(invalid="ignore"):
        in_progress = np.maximum(0.0, (completed - started) / 60.0)
        to_start = np.maximum(0.0, (started - created) / 60.0)
        lead = np.maximum(0.0, (completed - created) / 60.0)
    blocked = np.zeros(n)
    ever_blocked = np.zeros(n, dtype=bool)
    reopened = np.zeros(n, dtype=bool)
    if events:
        _timelines(events, cols, created, now, in_progress, to_start, lead, blocked, ever_blocked, reopened)
    keep: np.ndarray | None = None
    cut = _ts(since)
    if cut is not None:
        with np.errstate(invalid="ignore"):
            keep = ~(completed < cut)  # a finished task without a completion instant stays
        if keep.all():
            keep = None

    def group(k: int, name: Callable[[Any], Any] | None = None) -> Codes:
        per_combo = Codes.of([p[k] for p in parts], name)
        return Codes(per_combo.codes[combos.codes] if n else combos.codes, per_combo.names)

    tag_sets = group(3)
    tag_sets.names = [(Dialect.json_out(v) if isinstance(v, str) else list(v)) or [] for v in tag_sets.names]
    out = Columns(
        open=sum(c for s, c in counts.items() if s not in ("completed", "cancelled")),
        cancelled=counts.get("cancelled", 0),
        in_progress=in_progress,
        lead=lead,
        to_start=to_start,
        blocked=blocked,
        ever_blocked=ever_blocked,
        reopened=reopened,
        estimate=_float(cols[2]),
        completed_ts=completed,
        repo=group(0, _dash),
        priority=group(1),
        assignee=group(2, _dash),
        tag_sets=tag_sets,
        titles=lambda: _titles(service, done_where, params, keep),
    )
    return out if keep is None else _subset(out, keep)


_STATUS = {None: -1, "pending": 0, "in_progress": 1, "blocked": 2, "completed": 3, "cancelled": 4}
_IN_PROGRESS, _BLOCKED, _COMPLETED, _CANCELLED = 1, 2, 3, 4


def _timelines(events: list[tuple[Any, ...]], cols: list[Sequence[Any]], created: np.ndarray, now: float,
               in_progress: np.ndarray, to_start: np.ndarray, lead: np.ndarray, blocked: np.ndarray,
               ever_blocked: np.ndarray, reopened: np.ndarray) -> None:  # fmt: skip
    """The durations of the finished tasks that have status events, written into the columns:
    :func:`mhv.insights.history.fold` over whole columns of events. Sums run in event order, as
    the fold adds them, so every value is the fold's to the last bit. A task whose events go back
    in time (a clock set back: the fold holds such an instant at the previous one), whose last
    status event does not say completed, or without a creation instant is folded one by one by
    ``fold`` itself."""
    row_of = {task_id: i for i, task_id in enumerate(cols[0])}
    ids, kinds, ats, befores, afters = zip(*events, strict=True)
    codes = dict(_STATUS)
    for v in dict.fromkeys((*befores, *afters)):
        codes.setdefault(v, len(codes))  # statuses outside the five get codes of their own
    row = np.array(list(map(row_of.get, ids, repeat(-1))), dtype=np.int64)
    b = np.array(list(map(codes.__getitem__, befores)), dtype=np.int64)
    a = np.array(list(map(codes.__getitem__, afters)), dtype=np.int64)
    at = np.array(ats, dtype=float)
    updated = np.array([k == "task.updated" for k in kinds], dtype=bool)
    # The events history.load folds: both statuses known and different, of a task in the columns.
    kept = np.flatnonzero((row >= 0) & (a != b) & (a >= 0) & (b >= 0))
    if not len(kept):
        return
    kept = kept[np.argsort(row[kept], kind="stable")]  # by task, each task's in seq order
    row, b, a, at, updated = row[kept], b[kept], a[kept], at[kept], updated[kept]
    first = np.ones(len(row), dtype=bool)
    first[1:] = row[1:] != row[:-1]
    last = np.ones(len(row), dtype=bool)
    last[:-1] = first[1:]
    cr = created[row]
    prev_at = np.where(first, cr, np.roll(at, 1))  # the previous instant: creation for the first
    prev = np.where(first, b, np.roll(a, 1))  # the status until this event: the initial for the first
    # Tasks the column form does not take: instants going back, not completed at the end, no creation.
    odd_task = np.zeros(len(in_progress), dtype=bool)
    odd_task[row[(at < prev_at) | np.isnan(cr) | (last & (a != _COMPLETED))]] = True
    if odd_task.any():
        odd = odd_task[row]
        _fold_each(np.flatnonzero(odd), row, kinds, ats, befores, afters, kept, cols, now,
                   in_progress, to_start, lead, blocked, ever_blocked, reopened)  # fmt: skip
        fine = ~odd
        row, b, a, at, updated = row[fine], b[fine], a[fine], at[fine], updated[fine]
        first, last, cr, prev_at, prev = first[fine], last[fine], cr[fine], prev_at[fine], prev[fine]
        if not len(row):
            return
    n = len(in_progress)
    dt = at - prev_at
    working, held = prev == _IN_PROGRESS, prev == _BLOCKED
    progress = np.bincount(row[working], weights=dt[working], minlength=n)  # adds in order, as fold
    waiting = np.bincount(row[held], weights=dt[held], minlength=n)
    tasks = row[first]
    initial = b[first]
    # The first start: creation when created in progress, else the first event into in progress.
    into = np.flatnonzero(a == _IN_PROGRESS)
    first_into = into[np.r_[True, row[into][1:] != row[into][:-1]]] if len(into) else into
    start = np.full(n, math.nan)
    start[row[first_into]] = at[first_into]
    was_in_progress = tasks[initial == _IN_PROGRESS]
    start[was_in_progress] = created[was_in_progress]
    started = ~np.isnan(start[tasks])
    in_progress[tasks] = np.where(started, progress[tasks] / 60.0, math.nan)
    to_start[tasks] = (start[tasks] - created[tasks]) / 60.0
    lead[tasks] = np.maximum(0.0, (at[last] - created[tasks]) / 60.0)
    blocked[tasks] = waiting[tasks] / 60.0
    ever = np.zeros(n, dtype=bool)
    ever[row[a == _BLOCKED]] = True
    ever[tasks[initial == _BLOCKED]] = True
    ever_blocked[tasks] = ever[tasks]
    finished = (prev == _COMPLETED) | (prev == _CANCELLED)
    reopening = finished & (a != _COMPLETED) & (a != _CANCELLED) & ~updated  # an undo (task.updated) is not one
    again = np.zeros(n, dtype=bool)
    again[row[reopening]] = True
    reopened[tasks] = again[tasks]


def _fold_each(which: np.ndarray, row: np.ndarray, kinds: Sequence[str], ats: Sequence[float],
               befores: Sequence[str], afters: Sequence[str], kept: np.ndarray, cols: list[Sequence[Any]],
               now: float, in_progress: np.ndarray, to_start: np.ndarray, lead: np.ndarray, blocked: np.ndarray,
               ever_blocked: np.ndarray, reopened: np.ndarray) -> None:  # fmt: skip
    """``fold`` itself over the events ``kept[which]`` (by task, in seq order)."""
    recs: dict[int, tuple[Record, str]] = {}
    for j in which:
        i, e = int(row[j]), int(kept[j])
        got = recs.get(i)
        if got is None:
            rec = Record.__new__(Record)
            rec.status = "completed"
            rec.created_ts, rec.started_ts, rec.completed_ts = cols[3][i], cols[4][i], cols[5][i]
            rec.in_progress = rec.to_start = rec.lead = None
            rec.blocked, rec.reopens, rec.ever_blocked, rec.transitions = 0.0, 0, False, []
            got = recs[i] = (rec, befores[e])
        got[0].transitions.append((ats[e], afters[e], kinds[e]))
    nan = math.nan
    for i, (rec, initial) in recs.items():
        fold(rec, initial, now)
        in_progress[i] = nan if rec.in_progress is None else rec.in_progress
        to_start[i] = nan if rec.to_start is None else rec.to_start
        lead[i] = nan if rec.lead is None else rec.lead
        blocked[i], ever_blocked[i], reopened[i] = rec.blocked, rec.ever_blocked, bool(rec.reopens)


def _titles(service: TaskService, done_where: str, params: list[Any], keep: np.ndarray | None) -> list[str]:
    with service.store.read() as conn:
        titles = [r[0] for r in _rows(conn, f"SELECT t.title FROM task t WHERE {done_where} ORDER BY t.number", params)]
    return titles if keep is None else [t for t, k in zip(titles, keep, strict=True) if k]


def _subset(c: Columns, keep: np.ndarray) -> Columns:
    def codes(x: Codes) -> Codes:
        return Codes(x.codes[keep], x.names)  # names without rows left simply group nothing

    return Columns(
        open=c.open, cancelled=c.cancelled, in_progress=c.in_progress[keep], lead=c.lead[keep],
        to_start=c.to_start[keep], blocked=c.blocked[keep], ever_blocked=c.ever_blocked[keep],
        reopened=c.reopened[keep], estimate=c.estimate[keep], completed_ts=c.completed_ts[keep],
        repo=codes(c.repo), priority=codes(c.priority), assignee=codes(c.assignee), tag_sets=codes(c.tag_sets),
        titles=c.titles,
    )  # fmt: skip
