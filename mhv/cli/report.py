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


def report_completed(out: Output, svc: Any, done: list[tuple[Task, Task | None]]) -> None:
    results = []
    for task, nxt in done:
        item = task.to_json()
        if nxt is not None:
            item["next"] = nxt.to_json()
        results.append(item)
        out.message(f"Completed task {task.number}: {task.title}")
        if nxt is not None:
            when = f", due {nxt.due.astimezone(svc.tz):%a %Y-%m-%d}" if nxt.due else ""
            out.message(f"  next occurrence: task {nxt.number}{when}")
    if out.json or out.batch:
        out.result(results[0] if len(results) == 1 else results)
