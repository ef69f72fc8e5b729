"""Following other writers: wake on changes to the SQLite files, then read the event log by seq.

``watchfiles`` watches the database folder (the db file and its -wal); each wake reads only the
events after the last seen ``seq`` — never the task table. PostgreSQL has no file to watch, so there
the same loop wakes on a timer and asks for ``events_since`` (one indexed query).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from mhv.tasks.models import Event
from mhv.tasks.service import TaskService

Deliver = Callable[[list[Event]], None]


class EventFollower:
    def __init__(self, service: TaskService, deliver: Deliver, *, start_seq: int) -> None:
        self.service = service
        self.deliver = deliver
        self.seq = start_seq
        self.stop_event = threading.Event()

    def catch_up(self) -> list[Event]:
        """Read and deliver everything after ``seq``; returns what was delivered."""
        out: list[Event] = []
        while True:
            batch = self.service.events_since(self.seq, 1000)
            if not batch:
                break
            self.seq = batch[-1].seq
            out.extend(batch)
            if len(batch) < 1000:
                break
        if out:
            self.deliver(out)
        return out

    def database_file(self) -> Path | None:
        path = getattr(self.service.store, "path", None)
        return Path(path) if path else None

    def run(self) -> None:
        """Block until ``stop_event`` is set (runs in a thread worker)."""
        db = self.database_file()
        if db is None or not db.parent.is_dir():
            while not self.stop_event.wait(0.5):
                self.catch_up()
            return
        from watchfiles import watch

        names = {db.name, db.name + "-wal"}
        self.catch_up()  # what was written between start_seq and this thread starting to watch
        for _changes in watch(db.parent, stop_event=self.stop_event, debounce=30, step=20, rust_timeout=1000,
                              yield_on_timeout=True, watch_filter=lambda _c, p: Path(p).name in names):  # fmt: skip
            if self.stop_event.is_set():
                break
            self.catch_up()

    def stop(self) -> None:
        self.stop_event.set()
