"""What a one-shot command reports, as JSON-ready data. The CLI's direct path and the sync service's
``cli.*`` methods both build it here, and the CLI renders it (mhv/cli/render.py), so `mhv tc` and
`td` print the same text whether or not they went through the service."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhv.tasks.models import Task


def next_occurrence(nxt: Task | None, tz: tzinfo) -> dict[str, Any] | None:
    if nxt is None:
        return None
    return {"number": nxt.number, "when": f", due {nxt.due.astimezone(tz):%a %Y-%m-%d}" if nxt.due else ""}


def outcome_report(outcome: Any, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """A create or update from the quick-add line (`mhv.tasks.intents.Outcome`): its JSON, its sentence,
    what was understood, the warnings, and a recurring task's next occurrence."""
    action, task = outcome.action, outcome.task
    return {
        "kind": action.kind,
        "json": outcome.to_json(),
        "message": outcome.message,
        "status": task.status if task is not None else None,
        "pieces": action.pieces(now),
        "warnings": list(action.warnings),
        "next": next_occurrence(outcome.next_task, tz),
    }


def completion(svc: Any, ref: int | str) -> dict[str, Any]:
    """Complete one task (`mhv td`): its JSON (with ``next`` and ``unblocked``), and for people its
    title, the next occurrence and the tasks its completion unblocked (read from the event log)."""
    seq = svc.last_seq()
    task, nxt = svc.complete(ref)
    freed = [svc.get(e.task_id) for e in svc.events_since(seq) if e.kind == "task.unblocked" and e.task_id]
    item = task.to_json()
    if nxt is not None:
        item["next"] = nxt.to_json()
    item["unblocked"] = [t.number for t in freed]
    return {"json": item, "number": task.number, "title": task.title, "next": next_occurrence(nxt, svc.tz),
            "unblocked": [[t.number, t.title] for t in freed]}  # fmt: skip
