"""Printing a one-shot command's report (mhv/tasks/report.py) for people or as JSON: the same
function for the direct path and for an answer from the sync service. Imports nothing heavy."""

from __future__ import annotations

from mhv.cli.output import use_color

TYPE_CHECKING = False  # no typing at start-up (the thin client prints through here)
if TYPE_CHECKING:
    from typing import Any

    from mhv.cli.output import Output


def _dim(text: str) -> str:
    return f"\x1b[2m{text}\x1b[0m" if use_color() else text


def print_outcome(out: Output, report: dict[str, Any]) -> None:
    """A create or update: warnings, then the JSON, or the sentence and what was understood."""
    for warning in report["warnings"]:
        out.warn(warning)
    if out.json or out.batch:
        out.result(report["json"])
        return
    kind, status = report["kind"], report["status"]
    shown = f"  [{status}]" if status is not None and status != "pending" and kind == "create" else ""
    out.message(report["message"] + shown)
    pieces = report["pieces"]
    if kind == "create" and pieces:
        out.message(_dim("  understood: " + " · ".join(pieces)))
    elif kind == "update" and pieces:
        out.message(_dim("  changed: " + " · ".join(pieces)))
    nxt = report["next"]
    if nxt is not None:
        out.message(f"  next occurrence: task {nxt['number']}{nxt['when']}")


def print_completed(out: Output, done: list[dict[str, Any]]) -> None:
    """`mhv td`: each completed task, its next occurrence and what it unblocked (or the JSON)."""
    for item in done:
        out.message(f"Completed task {item['number']}: {item['title']}")
        nxt = item["next"]
        if nxt is not None:
            out.message(f"  next occurrence: task {nxt['number']}{nxt['when']}")
        for number, title in item["unblocked"]:
            out.message(f"  unblocked: task {number}: {title}")
    if out.json or out.batch:
        results = [item["json"] for item in done]
        out.result(results[0] if len(results) == 1 else results)
