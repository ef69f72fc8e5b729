"""What commands print, shared by the Typer commands and the fast path (neither imports the other)."""

from __future__ import annotations

import sys
from typing import Any

from mhv.cli.output import Output, use_color
from mhv.tasks.models import Task


def print_tasks(svc: Any, tasks: list[Task], total: int | None = None) -> None:
    from mhv.tasks.views.table import render_tasks

    lines = render_tasks(tasks, now=svc.clock(), tz=svc.tz, color=use_color(), total=total)
    sys.stdout.write("\n".join(lines) + "\n")


def complete_all(svc: Any, refs: list[str]) -> list[dict[str, Any]]:
    """Complete each task in turn; each one's report (mhv/tasks/report.py) with what it unblocked."""
    from mhv.tasks.report import completion

    return [completion(svc, ref) for ref in refs]


def report_completed(out: Output, done: list[dict[str, Any]]) -> None:
    from mhv.cli.render import print_completed

    print_completed(out, done)
