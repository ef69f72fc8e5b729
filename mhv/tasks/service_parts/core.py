"""The service's base: its state (store, clock, time zone, actor, the in-memory graph), the action
(one transaction of one user action that records its events and its ``txn`` row, the unit of undo)
and the row writes every part shares inside an action."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, tzinfo
from typing import Any

from mhv.store import Connection, Store
from mhv.tasks.models import TASK_COLUMNS, Task, TaskFilter
from mhv.tasks.rows import task_params
from mhv.tasks.zones import local_tz  # here for the service's callers

Clock = Callable[[], datetime]
INSERT_TASK = f"INSERT INTO task ({', '.join(TASK_COLUMNS)}) VALUES ({', '.join('?' * len(TASK_COLUMNS))})"
UPDATE_TASK = f"UPDATE task SET {', '.join(f'{c} = ?' for c in TASK_COLUMNS[1:])} WHERE id = ?"


_EVENT_COLUMNS = ("txn", "task_id", "kind", "at", "actor", "before", "after", "before_status", "after_status")


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` makes it (16 random bytes, the
    version and variant bits set), without importing uuid: it brings platform (~2 ms of `mhv tc`)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Action:
    """One transaction of one user action: collects its events and records it as a txn."""

    def __init__(self, conn: Connection, service: ServiceCore, label: str, kind: str, target: str | None):
        self.conn = conn
        self.service = service
        self.dialect = service.store.dialect
        self.id = new_id()
        self.label = label
        self.kind = kind
        self.target = target
        self.at = service.clock()
        self.last_seq: int | None = None
        self.events = 0

    def _mirror(self, kind: str, task_id: str | None, before: Any, after: Any) -> None:
        """Keep the service's in-memory graph equal to the store (see mhv.tasks.graph.cache)."""
        self.service._graph.written(kind, task_id, before, after, self.last_seq)

    def event(self, kind: str, task_id: str | None, before: Any, after: Any) -> None:
        d = self.dialect
        sql = (
            "INSERT INTO event (txn, task_id, kind, at, actor, before, after, before_status, after_status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        params = (
            self.id,
            task_id,
            kind,
            d.dt_in(self.at),
            self.service.actor,
            d.json_in(before),
            d.json_in(after),
            _status(before),
            _status(after),
        )
        if d.name == "postgresql":
            self.last_seq = self.conn.scalar(sql + " RETURNING seq", params)
        else:
            self.last_seq = self.conn.execute(sql, params).lastrowid
        self.events += 1
        self._mirror(kind, task_id, before, after)

    def events_many(self, events: list[tuple[str, str | None, Any, Any]],
                    encoded: list[tuple[Any, Any]] | None = None,
                    statuses: list[tuple[str | None, str | None]] | None = None) -> None:  # fmt: skip
        """Append many events at once (imports): ``(kind, task_id, before, after)`` each, a thousand
        rows to a statement; ``encoded``: the same ``before`` / ``after`` already as stored JSON text,
        ``statuses``: their ``status`` (then ``before`` / ``after`` may be None in ``events`` while the
        service holds no graph to follow them: nothing else reads them)."""
        if events:
            with self.events_in_chunks(len(events)) as add:
                add(events, encoded, statuses)

    @contextmanager
    def events_in_chunks(self, count: int) -> Iterator[Callable[..., None]]:
        """``events_many`` for ``count`` events that come a part at a time (an import writing each
        thousand tasks' rows and events while the next thousand are built): the block calls the
        function it gets as ``events_many``, in order; at its end the action holds them all."""
        d = self.dialect
        at, actor = d.dt_in(self.at), self.service.actor
        following = self.service._graph.loaded  # else each event's _mirror would return at once
        written: list[tuple[str, str | None, Any, Any]] = []
        added = 0

        def add(events: list[tuple[str, str | None, Any, Any]],
                encoded: list[tuple[Any, Any]] | None = None,
                statuses: list[tuple[str | None, str | None]] | None = None) -> None:  # fmt: skip
            if encoded is None:
                encoded = [(d.json_in(b), d.json_in(a)) for _, _, b, a in events]
            if statuses is None:
                statuses = [(_status(bo), _status(ao)) for _, _, bo, ao in events]
            rows = [
                (self.id, tid, kind, at, actor, b, a, sb, sa)
                for (kind, tid, _, _), (b, a), (sb, sa) in zip(events, encoded, statuses, strict=True)
            ]
            self.conn.insert_rows("event", _EVENT_COLUMNS, rows)
            nonlocal added
            added += len(rows)
            if following:
                written.extend(events)

        # More events than the log holds (the first import into a store): its indexes built once after
        # them (SQLite; 100,000 events: 0.6 -> 0.45 s of CPU with the builds)
        defer = (
            d.name == "sqlite"
            and count >= 1_000
            and count >= (self.conn.scalar("SELECT MAX(seq) FROM event") or 0)
        )
        with self.conn.indexes_deferred("event") if defer else nullcontext():
            yield add
        if not added:
            return
        self.last_seq = self.conn.scalar("SELECT MAX(seq) FROM event WHERE txn = ?", (self.id,))
        self.events += added
        for kind, tid, b, a in written:
            self._mirror(kind, tid, b, a)

    def finish(self) -> None:
        if not self.events:
            return
        self.conn.execute(
            "INSERT INTO txn (id, seq, kind, target, undone, label, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.id, self.last_seq, self.kind, self.target, False, self.label[:300], self.service.actor,
             self.dialect.dt_in(self.at)),
        )  # fmt: skip


class ServiceCore:
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
        from mhv.tasks.graph.cache import GraphCache

        self.store = store
        self.clock: Clock = clock or utc_now
        self._tz = tz
        self.actor = actor or os.environ.get("MHV_ACTOR") or os.environ.get("USER") or "mhv"
        self.keep_graph = keep_graph
        self._graph = GraphCache(store)
        self._bulk_local = threading.local()
        # Orders computed above this layer (``"predicted"``: urgency adjusted by insights, registered
        # by the workspace): filter -> the matching ids in order. Without one, such an order is urgency.
        self.order_providers: dict[str, Callable[[TaskFilter], list[str]]] = {}

    @property
    def tz(self) -> tzinfo:
        if self._tz is None:
            self._tz = local_tz()
        return self._tz

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def _action(self, label: str, kind: str = "action", target: str | None = None) -> Iterator[_Action]:
        joined: _Action | None = getattr(self._bulk_local, "act", None)
        if joined is not None:  # inside bulk(): the public actions join its transaction
            yield joined
            return
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

    # ------------------------------------------------------------------ bulk (import)
    @contextmanager
    def bulk(self, label: str) -> Iterator[_Action]:
        """One transaction for many changes (an import, a webhook delivery): all or nothing, one undo
        step. The service's public actions called inside it (on this thread) join that transaction, and
        ``act.conn`` may write rows of its own in it (the sync service's delivery record)."""
        with self._action(label) as act:
            outer, self._bulk_local.act = getattr(self._bulk_local, "act", None), act
            try:
                yield act
            finally:
                self._bulk_local.act = outer

    # ------------------------------------------------------------------ row writes inside an action
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

    def _insert_repo(self, conn: Connection, snap: dict[str, Any]) -> None:
        d = self.store.dialect
        conn.execute(
            "INSERT INTO repo (name, path, remote, default_branch, gates, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (snap["name"], snap.get("path"), snap.get("remote"), snap.get("default_branch"),
             d.json_in(snap.get("gates") or {}), d.dt_in(d.dt_out(snap.get("created_at")) or self.clock())),
        )  # fmt: skip


def _copy(task: Task) -> Task:
    from dataclasses import replace

    return replace(task, tags=list(task.tags), metadata=json.loads(json.dumps(task.metadata, default=str)))


def _status(snapshot: Any) -> str | None:
    """A snapshot's ``status``, for the event's ``before_status`` / ``after_status`` columns."""
    if isinstance(snapshot, dict):
        value = snapshot.get("status")
        return None if value is None else str(value)
    return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
