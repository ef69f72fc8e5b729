"""The event bus: follows the ``event`` table by ``seq`` and fans each event out to subscribers.

One pump reads what is new (in pages, on the bus's own reader thread) whenever it is woken, decodes
each event once and puts the same dict into every subscriber's bounded queue. Wakes come from:

- this process's writes (``wake()``, called by `SyncContext.run` after every task-service call);
- PostgreSQL: ``LISTEN mhv_events`` on a dedicated autocommit connection (the ``0004_event_notify``
  trigger sends the new ``seq`` on every insert, so every writer — CLI, TUI, any instance — wakes
  every instance), reconnecting with backoff and catching up after each reconnect;
- SQLite: ``watchfiles`` on the database file and its ``-wal`` (as the workspace follows writers);
- a slow poll as the backstop for anything the above could miss.

Reads are ``seq > last`` queries; writers commit in ``seq`` order (SQLite's single writer,
PostgreSQL's advisory write lock), so following by ``seq`` never skips a committed event.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from mhv.store import Store
from mhv.sync.errors import SubscriberTooSlow
from mhv.tasks.service import TaskService

__all__ = ["NOTIFY_CHANNEL", "EventBus", "SubscriberTooSlow", "Subscription"]

log = logging.getLogger("mhv.sync.bus")
NOTIFY_CHANNEL = "mhv_events"
T = TypeVar("T")
EventDict = dict[str, Any]
_ids = itertools.count(1)


class Subscription:
    """An async iterator of event dicts in ``seq`` order: the backlog after ``since`` (read in pages),
    then live events; never a gap or a repeat. Raises `SubscriberTooSlow` when its queue overflowed.

    The dicts are shared with every other subscriber: treat them as read-only."""

    def __init__(self, bus: EventBus, since: int | None, head: int, maxsize: int) -> None:
        self.id = next(_ids)
        self._bus = bus
        self.last_seq = head if since is None else max(0, since)  # the last seq handed to the consumer
        self._backlog_until = head  # events up to here are read from the table; later ones arrive live
        self._page: deque[EventDict] = deque()
        self._queue: deque[EventDict] = deque()
        self.maxsize = maxsize
        self._wake = asyncio.Event()
        self.closed = False
        self.too_slow = False
        self._live_only = since is None  # "from now": now is the table's head, which the bus may trail

    async def ready(self) -> int:
        """The seq this subscription starts after (events later than it are delivered). For a live-only
        subscription this reads the table's head once, so nothing written before it is delivered."""
        if self._live_only:
            self._live_only = False
            head = await self._bus._call(lambda svc: svc.last_seq())
            self.last_seq = max(self.last_seq, head)
        return self.last_seq

    # -- called by the bus (on the loop) ---------------------------------------------------------
    def _offer(self, event: EventDict) -> bool:
        if len(self._queue) >= self.maxsize:
            self.too_slow = True
            self._queue.clear()
            self._wake.set()
            return False
        self._queue.append(event)
        if len(self._queue) == 1:
            self._wake.set()
        return True

    # -- the consumer's side -----------------------------------------------------------------------
    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> EventDict:
        if self._live_only:
            await self.ready()
        while True:
            if self.too_slow:
                self.close()
                raise SubscriberTooSlow(self.last_seq)
            if self.closed:
                raise StopAsyncIteration
            if self._page:
                event = self._page.popleft()
                self.last_seq = event["seq"]
                return event
            if self.last_seq < self._backlog_until:
                page = await self._bus.read_after(self.last_seq, self._bus.page_size)
                page = [e for e in page if e["seq"] <= self._backlog_until]
                if not page:
                    self._backlog_until = self.last_seq
                self._page.extend(page)
                continue
            if self._queue:
                event = self._queue.popleft()
                if event["seq"] <= self.last_seq:
                    continue
                self.last_seq = event["seq"]
                return event
            self._wake.clear()
            await self._wake.wait()

    def pending(self) -> int:
        """Live events queued and not yet taken (the consumer's lag)."""
        return len(self._queue)

    def close(self) -> None:
        self.closed = True
        self._bus._subs.pop(self.id, None)
        self._wake.set()


class EventBus:
    def __init__(self, store: Store, *, poll_interval: float = 5.0, page_size: int = 1000,
                 watch_files: bool = True) -> None:  # fmt: skip
        self.store = store
        self.poll_interval = poll_interval
        self.page_size = page_size
        self.watch_files = watch_files
        self.seq: int | None = None  # the last seq fanned out
        self._subs: dict[int, Subscription] = {}
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="mhv-bus")
        self._reader: TaskService | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_event: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping: asyncio.Event | None = None
        self.listener_pid: int | None = None  # PostgreSQL: the backend pid of the LISTEN connection
        self.listening: asyncio.Event | None = None  # PostgreSQL: set while LISTEN is active
        self.wakes = 0  # how many times the pump ran (for tests and the benchmark)

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake_event = asyncio.Event()
        self._stopping = asyncio.Event()
        self.listening = asyncio.Event()
        self.seq = await self._call(lambda svc: svc.last_seq())
        self._tasks = [asyncio.create_task(self._pump(), name="mhv-bus-pump"),
                       asyncio.create_task(self._poll(), name="mhv-bus-poll")]  # fmt: skip
        if self.store.dialect.name == "postgresql":
            self._tasks.append(asyncio.create_task(self._listen(), name="mhv-bus-listen"))
        elif self.watch_files and self.store.path is not None:
            self._tasks.append(asyncio.create_task(self._watch(self.store.path), name="mhv-bus-watch"))

    async def stop(self) -> None:
        if self._loop is None:
            return
        assert self._stopping is not None
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for sub in list(self._subs.values()):
            sub.close()
        await asyncio.to_thread(self._executor.shutdown, True)
        self._loop = None

    @property
    def started(self) -> bool:
        return self._loop is not None

    # -- subscribing -------------------------------------------------------------------------------
    def subscribe(self, since: int | None = None, maxsize: int = 10_000) -> Subscription:
        """Events after ``since`` (backlog first), then live; ``None``: live ones only, from now."""
        if self.seq is None or self._loop is None:
            raise RuntimeError("EventBus.subscribe() before `await bus.start()`")
        sub = Subscription(self, since, self.seq, maxsize)
        self._subs[sub.id] = sub
        return sub

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    # -- waking --------------------------------------------------------------------------------------
    def wake(self) -> None:
        """Read the log now. Safe from any thread; wakes in a burst coalesce into one read."""
        loop, event = self._loop, self._wake_event
        if loop is None or event is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    # -- reading -----------------------------------------------------------------------------------
    async def _call(self, fn: Callable[[TaskService], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._on_reader, fn)

    def _on_reader(self, fn: Callable[[TaskService], T]) -> T:
        if self._reader is None:
            self._reader = TaskService(self.store, actor="mhv-bus", keep_graph=False)
        return fn(self._reader)

    async def read_after(self, seq: int, limit: int) -> list[EventDict]:
        """Events with ``seq`` greater than ``seq``, oldest first, at most ``limit``, as dicts."""
        return await self._call(lambda svc: [e.to_json() for e in svc.events_since(seq, limit)])

    async def _pump(self) -> None:
        assert self._wake_event is not None
        failures = 0
        while True:
            await self._wake_event.wait()
            self._wake_event.clear()
            self.wakes += 1
            try:
                while True:
                    assert self.seq is not None
                    events = await self.read_after(self.seq, self.page_size)
                    if not events:
                        break
                    self.seq = events[-1]["seq"]
                    self._fan_out(events)
                    if len(events) < self.page_size:
                        break
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: the poll (or a reconnect) wakes us again
                failures += 1
                if failures == 1 or failures % 100 == 0:
                    log.warning("event bus: reading the log failed (%s); retrying", exc)
                await asyncio.sleep(min(0.05 * failures, 2.0))

    def _fan_out(self, events: list[EventDict]) -> None:
        for sub in list(self._subs.values()):
            for event in events:
                if not sub._offer(event):
                    self._subs.pop(sub.id, None)
                    break

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            self.wake()

    async def _watch(self, db: Path) -> None:
        from watchfiles import awatch

        names = {db.name, db.name + "-wal"}
        stop = threading.Event()
        try:
            while True:
                if not db.parent.is_dir():
                    await asyncio.sleep(self.poll_interval)
                    continue
                try:
                    async for _changes in awatch(db.parent, watch_filter=lambda _c, p: Path(p).name in names,
                                                 debounce=30, step=10, stop_event=stop,
                                                 rust_timeout=1000, recursive=False):  # fmt: skip
                        self.wake()
                except (OSError, RuntimeError) as exc:  # folder removed, watcher limit: the poll still runs
                    log.warning("event bus: watching %s failed (%s); polling only", db.parent, exc)
                    await asyncio.sleep(self.poll_interval)
        finally:
            stop.set()

    async def _listen(self) -> None:
        import psycopg

        url = self.store.url.replace("postgresql+psycopg://", "postgresql://")
        backoff = 0.1
        assert self.listening is not None
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listener_pid = conn.info.backend_pid
                    self.listening.set()
                    backoff = 0.1
                    self.wake()  # whatever was written while we were not listening
                    async for note in conn.notifies():
                        try:
                            seq = int(note.payload)
                        except ValueError:
                            seq = None
                        if seq is None or self.seq is None or seq > self.seq:
                            self.wake()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "event bus: the LISTEN connection failed (%s); reconnecting in %.1fs", exc, backoff
                )
            self.listening.clear()
            self.listener_pid = None
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
