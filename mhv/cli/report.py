"""What commands print, shared by the Typer commands and the fast path (neither imports the other)."""

from __future__ import annotations

import sys
from typing import Any

from mhv.cli.output import Output, use_color
from mhv.tasks.models import Task


def print_tasks(svc: Any, tasks: list[Task], total: int | None = None) -> None:
    from mhv.cli.table import render_tasks

    lines = render_tasks(tasks, now=svc.clock(), tz=svc.tz, color=use_color(), total=total)
    sys.stdout.write("\n".join(lines) + "\n")


def complete_all(svc: Any, refs: list[str]) -> list[tuple[Task, Task | None, list[Task]]]:
    """Complete each task; with each, the tasks its completion unblocked (from the event log)."""
    done = []
    for ref in refs:
        seq = svc.last_seq()
        task, nxt = svc.complete(ref)
        freed = [e.task_id for e in svc.events_since(seq) if e.kind == "task.unblocked" and e.task_id]
        done.append((task, nxt, [svc.get(task_id) for task_id in freed]))
    return done


def report_completed(out: Output, svc: Any, done: list[tuple[Task, Task | None, list[Task]]]) -> None:
    results = []
    for task, nxt, freed in done:
        item = task.to_json()
        if nxt is not None:
            item["next"] = nxt.to_json()
        item["unblocked"] = [t.number for t in freed]
        results.append(item)
        out.message(f"Completed task {task.number}: {task.title}")
        if nxt is not None:
            when = f", due {nxt.due.astimezone(svc.tz):%a %Y-%m-%d}" if nxt.due else ""
            out.message(f"  next occurrence: task {nxt.number}{when}")
        for t in freed:
            out.message(f"  unblocked: task {t.number}: {t.title}")
    if out.json or out.batch:
        out.result(results[0] if len(results) == 1 else results)
