"""What every part of the sync service shares: the store, the config, the paths, the event bus, and
ONE worker thread that runs task-service calls.

Task-service calls block (SQLite, psycopg), so async code hands them to `SyncContext.run`, which
runs them on a single dedicated thread: the loop never blocks, writes are serialised in this process,
and SQLite's connection stays on the thread that made it. One long-lived `TaskService` lives on that
thread (its dependency graph in memory, following other writers by ``seq``); each call sets its
``actor`` first (``github``, ``gitlab``, ``rpc:<client>``), so every event says who made it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mhv import paths
from mhv.store import Store, open_store
from mhv.sync.bus import EventBus
from mhv.tasks.service import TaskService

if TYPE_CHECKING:
    from mhv.config.model import Config

T = TypeVar("T")
SOCKET_NAME = "mhv.sock"


def default_socket_path() -> Path:
    """``$MHV_HOME/run/mhv.sock``, or ``run/mhv.sock`` in the platform data folder."""
    return paths.run_dir() / SOCKET_NAME


class SyncContext:
    def __init__(
        self,
        store: Store,
        *,
        config: Config | None = None,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
        socket_path: Path | str | None = None,
        poll_interval: float = 5.0,
        watch_files: bool = True,
    ) -> None:
        self.store = store
        if config is None:
            from mhv.config.load import load_config

            config = load_config().config
        self.config: Config = config
        self.clock = clock
        self.tz = tz
        self.socket_path = Path(socket_path) if socket_path is not None else default_socket_path()
        self.bus = EventBus(store, poll_interval=poll_interval, watch_files=watch_files)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="mhv-tasks")
        self._service: TaskService | None = None
        self._closed = False

    @classmethod
    def open(cls, url: str | None = None, **kwargs: Any) -> SyncContext:
        """Open (and migrate) the store at ``url`` / ``MHV_DATABASE_URL`` / the default file."""
        store = open_store(url)
        store.checkpoint_in_background()  # a long-lived writer: keep WAL checkpoints off its path
        return cls(store, **kwargs)

    # -- running task-service calls ------------------------------------------------------------------
    async def run(self, actor: str, fn: Callable[[TaskService], T]) -> T:
        """Run ``fn(service)`` on the task thread with ``service.actor = actor``; wakes the bus after
        (so this process's own writes reach subscribers at once, not at the next poll)."""
        if self._closed:
            raise RuntimeError("SyncContext is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._call, actor, fn)
        finally:
            self.notify_written()

    def _call(self, actor: str, fn: Callable[[TaskService], T]) -> T:
        svc = self._service
        if svc is None:
            svc = self._service = TaskService(self.store, clock=self.clock, tz=self.tz, actor=actor)
        svc.actor = actor
        return fn(svc)

    def notify_written(self) -> None:
        """Something was written in this process: read the log now (safe from any thread)."""
        self.bus.wake()

    def close(self) -> None:
        """Stop the task thread and close the store (stop the bus first: ``await ctx.bus.stop()``)."""
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=True)
        self.store.close()
