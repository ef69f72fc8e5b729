"""`TaskFilter` (what to list) and the status names, apart from the other read models
(mhv/tasks/models.py re-exports them): the one-shot `mhv tl` reads its table with these alone, and
building the other dataclasses (Task's 28 fields, Event, Repo...) is ~4 ms of its start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATUSES = ("pending", "in_progress", "blocked", "completed", "cancelled")
OPEN_STATUSES = ("pending", "in_progress", "blocked")


@dataclass(slots=True)
class TaskFilter:
    """What to list. ``statuses=None`` means the open ones (pending, in progress, blocked)."""

    statuses: tuple[str, ...] | None = None
    repo: str | None = None
    repos: tuple[str, ...] | None = None  # any of these repositories (`mhv tl --repo a,b`)
    tags: tuple[str, ...] = ()
    priority: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    completed_after: datetime | None = None  # finished at or after (`mhv tl --completed-since`)
    completed_before: datetime | None = None
    text: str | None = None
    parent_id: str | None = None
    numbers: tuple[int, ...] | None = None
    ids: tuple[str, ...] | None = None
    limit: int | None = None
    offset: int = 0
    order: str = "default"  # default | number | due | priority | updated | created | title | urgency
    # Open lists leave out tasks still waiting (wait in the future) and expired ones (until passed),
    # as of ``now``; ``waiting=True`` lists only the waiting ones (the Waiting view). None: no test.
    now: datetime | None = None
    waiting: bool = False
