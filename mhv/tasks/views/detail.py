"""`mhv show`: one task, every field, its links and its history (Rich, rendered for the client's
terminal), or its JSON."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from mhv.tasks.models import Event, Task
from mhv.tasks.views.client import Client, Rendered, dumps

ARGS: dict[str, type | tuple[type, ...]] = {"ref": str, "json": bool}


def _fmt_dt(value: Any, tz: tzinfo, all_day: bool = False) -> str:
    if value is None:
        return ""
    local = value.astimezone(tz)
    return local.strftime("%a %Y-%m-%d") if all_day else local.strftime("%a %Y-%m-%d %H:%M")


def describe_event(ev: Event, tz: tzinfo) -> str:
    when = ev.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    detail = ""
    if ev.kind in ("task.updated", "task.blocked", "task.unblocked", "task.started", "task.stopped",
                   "task.completed", "task.cancelled", "task.reopened") and ev.before and ev.after:  # fmt: skip
        changed = [k for k in ev.after if k not in ("updated_at",) and ev.before.get(k) != ev.after.get(k)]
        detail = ", ".join(f"{k}: {_short(ev.before.get(k))} → {_short(ev.after.get(k))}" for k in changed)
    elif ev.kind.startswith("dependency.") and (ev.after or ev.before):
        detail = f"{(ev.after or ev.before or {}).get('kind', '')}"
    return f"{when}  {ev.kind:<18} {ev.actor:<10} {detail}".rstrip()


def _short(value: Any) -> str:
    text = "∅" if value in (None, "", []) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def show_view(svc: Any, args: dict[str, Any], client: Client, *, batch: bool = False) -> Rendered:
    """`mhv show N`: ``svc`` reads with the client's clock (views.with_client)."""
    task = svc.get(args["ref"], links=True)
    if batch:
        return Rendered(data=task.to_json())
    if args.get("json"):
        return Rendered(dumps(task.to_json()) + "\n")
    return Rendered(render_task(svc, task, client))


def render_task(service: Any, task: Task, client: Client) -> str:
    from rich.table import Table

    tz = client.tz
    console, buffer = client.console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", justify="right")
    grid.add_column()
    rows: list[tuple[str, str]] = [
        ("ID", f"#{task.number}  [dim]{task.id}[/]"),
        ("Title", task.title),
        ("Status", task.status.replace("_", " ")),
        ("Priority", task.priority),
        ("Repo", f"@{task.repo}" if task.repo else ""),
        ("Tags", " ".join(f"#{t}" for t in task.tags)),
        ("Due", _fmt_dt(task.due, tz, task.due_all_day)),
        ("Scheduled", _fmt_dt(task.scheduled, tz)),
        ("Waits until", _fmt_dt(task.wait, tz)),
        ("Expires", _fmt_dt(task.until, tz)),
        ("Estimate", f"{task.estimate_minutes} min" if task.estimate_minutes else ""),
        ("Recurs", task.recurrence or ""),
        ("Assignee", task.assignee or ""),
        ("Source", f"{task.source} {task.source_ref or ''}".strip() if task.source != "manual" else ""),
        ("Branch", task.branch or ""),
        ("Worktree", task.worktree_path or ""),
        ("Created", _fmt_dt(task.created_at, tz)),
        ("Updated", _fmt_dt(task.updated_at, tz)),
        ("Started", _fmt_dt(task.started_at, tz)),
        ("Finished", _fmt_dt(task.completed_at, tz)),
    ]
    for label, value in rows:
        if value:
            grid.add_row(label, value)
    console.print(grid)
    if task.description:
        from rich.markdown import Markdown
        from rich.padding import Padding

        console.print(Padding(Markdown(task.description), (1, 2)))
    links = service.links(task.id)
    for label, key in (("Blocked by", "blocked_by"), ("Blocks", "blocks"), ("Related", "related")):
        if links[key]:
            console.print(f"[bold]{label}[/]")
            for other, _kind in links[key]:
                console.print(f"  #{other.number} {other.title} [dim]({other.status.replace('_', ' ')})[/]")
    unblocks = service.would_unblock(task.id)
    if unblocks:
        console.print("[bold]Finishing it unblocks[/] " + ", ".join(f"#{t.number}" for t in unblocks))
    progress = service.subtask_progress(task.id)
    if progress.total or progress.cancelled:
        console.print(f"[bold]Subtasks[/] {progress.completed}/{progress.total} done"
                      + (f" [dim]({progress.cancelled} cancelled)[/]" if progress.cancelled else ""))  # fmt: skip
    annotations = task.metadata.get("annotations") or []
    if annotations:
        console.print("[bold]Annotations[/]")
        for a in annotations:
            console.print(f"  [dim]{a.get('entry', '')}[/] {a.get('description', '')}")
    events = service.history(task.id)
    if events:
        console.print("[bold]History[/]")
        for ev in events[-15:]:
            console.print("  " + describe_event(ev, tz), markup=False)
    return buffer.getvalue()
