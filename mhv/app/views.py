"""The views of the workspace: each is a name and a database filter (filters never run in Python)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from mhv.tasks.models import STATUSES, TaskFilter


@dataclass(frozen=True, slots=True)
class View:
    id: str  # "next", "repo:crackerjack", "tag:ci"
    label: str
    build: Callable[[datetime, tzinfo], TaskFilter]

    def filter(self, now: datetime, tz: tzinfo, text: str = "", order: str | None = None) -> TaskFilter:
        flt = self.build(now, tz)
        if flt.now is None:  # "waiting" as of this minute: every page of a view asks the same question
            flt = replace(flt, now=now.replace(second=0, microsecond=0))
        if order:
            flt = replace(flt, order=order)
        return replace(flt, text=text or None) if text else flt


def _day_start(now: datetime, tz: tzinfo, days: int = 0) -> datetime:
    local = now.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(local, time.min, tzinfo=tz)


BASE_VIEWS: tuple[View, ...] = (
    # Ranked by urgency (mhv.tasks.graph.urgency, the same as `mhv next`): ranked in Python, paged from a cache.
    View("next", "Next", lambda now, tz: TaskFilter(statuses=("in_progress", "pending"), order="urgency")),
    View("today", "Today", lambda now, tz: TaskFilter(due_before=_day_start(now, tz, 1), order="due")),
    View(
        "upcoming",
        "Upcoming",
        lambda now, tz: TaskFilter(due_after=_day_start(now, tz, 1), due_before=_day_start(now, tz, 15), order="due"),
    ),
    View("all", "All", lambda now, tz: TaskFilter(statuses=STATUSES, order="number")),
    View("blocked", "Blocked", lambda now, tz: TaskFilter(statuses=("blocked",), order="priority")),
    View("completed", "Completed", lambda now, tz: TaskFilter(statuses=("completed",), order="updated")),
    # Open tasks hidden by `wait:` until a later day (issue 18), the soonest to show first; the list's
    # date column says when each one shows (TaskList.date_field).
    View("waiting", "Waiting", lambda now, tz: TaskFilter(waiting=True, order="wait")),
)
VIEWS_BY_ID = {v.id: v for v in BASE_VIEWS}

# Sort orders the user can cycle through (``o``) or pick from the palette ("sort: due"); ``None`` is
# the view's own order. Every order runs in the database but "predicted": urgency adjusted by the
# chance of missing the due date (mhv.insights, as `mhv next --predicted`; see insights_support).
SORT_ORDERS: tuple[tuple[str | None, str], ...] = (
    (None, "view order"),
    ("due", "due date"),
    ("priority", "priority"),
    ("number", "number"),
    ("created", "newest"),
    ("updated", "recently changed"),
    ("title", "title"),
    ("predicted", "predicted finish"),
)
SORT_LABELS = dict(SORT_ORDERS)


def repo_view(name: str) -> View:
    return View(f"repo:{name}", f"@{name}", lambda now, tz: TaskFilter(repo=name, order="default"))


def tag_view(name: str) -> View:
    return View(f"tag:{name}", f"#{name}", lambda now, tz: TaskFilter(tags=(name,), order="default"))


def view_for(view_id: str) -> View:
    if view_id.startswith("repo:"):
        return repo_view(view_id[5:])
    if view_id.startswith("tag:"):
        return tag_view(view_id[4:])
    return VIEWS_BY_ID.get(view_id, BASE_VIEWS[0])
