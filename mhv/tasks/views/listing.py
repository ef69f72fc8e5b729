"""`mhv tl`: the filter its words and options make, and the table, JSON or template lines it prints."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from mhv.errors import ValidationError
from mhv.tasks.task_filter import STATUSES, TaskFilter
from mhv.tasks.views.client import Client, Rendered, dumps

# The arguments (JSON) and their types: what mhv/cli parses from `mhv tl ...` (the service checks them).
ARGS: dict[str, type | tuple[type, ...]] = {
    "words": list, "status": list, "repo": str, "tag": list, "priority": str, "due_before": str,
    "due_after": str, "completed_since": str, "completed_before": str, "all": bool, "waiting": bool,
    "limit": int, "sort": str, "json": bool, "format": str,
}  # fmt: skip


def when(text: str | None, client: Client) -> date | datetime | None:
    """An option's date (``--due-before fri``), read with the client's clock and zone."""
    if text is None or text.strip().lower() in ("", "none", "clear"):
        return None
    from mhv.tasks.dates import parse_when

    return parse_when(text, client.now, client.tz)


def bound(value: date | datetime | None, client: Client) -> datetime | None:
    """A whole day as its first instant in the client's zone."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0, 0), tzinfo=client.tz)


def task_filter(args: dict[str, Any], client: Client) -> TaskFilter:
    statuses: tuple[str, ...] | None = None
    if args.get("all"):
        statuses = ()
    elif args.get("status"):
        wanted: list[str] = []
        for s in args["status"]:
            for part in s.split(","):
                part = part.strip().replace("-", "_")
                if part == "open":
                    wanted += ["pending", "in_progress", "blocked"]
                elif part == "done":
                    wanted.append("completed")
                elif part in STATUSES:
                    wanted.append(part)
                else:
                    raise ValidationError(
                        f"unknown status {part!r}", f"use one of: {', '.join(STATUSES)}, open"
                    )
        statuses = tuple(dict.fromkeys(wanted))
    elif args.get("completed_since") or args.get("completed_before"):
        statuses = ("completed",)  # finished since a date: the completed ones, unless --status says otherwise
    repo = args.get("repo")
    tags = [t.lstrip("+#") for t in (args.get("tag") or [])]
    text_words = []
    for w in args.get("words") or []:
        if w.startswith(("+", "#")) and len(w) > 1:
            tags.append(w[1:])
        elif w.startswith("@") and len(w) > 1:
            repo = w[1:]
        elif w.startswith("project:"):
            repo = w.split(":", 1)[1]
        else:
            text_words.append(w)
    priority = args.get("priority")
    if priority:
        from mhv.tasks.validation import validate_patch

        priority = validate_patch({"priority": priority}).priority  # an MhvError (exit 4), not a traceback
    repos = None
    if repo and "," in repo:  # --repo a,b: any of several repositories
        repos, repo = tuple(r.strip().lstrip("@") for r in repo.split(",") if r.strip()), None
    return TaskFilter(
        statuses=statuses, repo=repo, repos=repos, tags=tuple(tags), priority=priority,
        due_before=bound(when(args.get("due_before"), client), client),
        due_after=bound(when(args.get("due_after"), client), client),
        completed_after=bound(when(args.get("completed_since"), client), client),
        completed_before=bound(when(args.get("completed_before"), client), client),
        text=" ".join(text_words) or None, limit=args.get("limit"), order=args.get("sort") or "default",
        waiting=bool(args.get("waiting")),
    )  # fmt: skip


def _template(fmt: str, task: Any) -> str:
    data = task.to_json()
    data["tags"] = " ".join(task.tags)
    try:
        return fmt.format_map({k: ("" if v is None else v) for k, v in data.items()})
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationError(f"bad --format template: {exc}", f"fields: {', '.join(sorted(data))}") from None


def list_view(svc: Any, args: dict[str, Any], client: Client, *, batch: bool = False) -> Rendered:
    """`mhv tl`: ``svc`` reads with the client's clock (views.with_client)."""
    flt = task_filter(args, client)
    fmt = args.get("format")
    if fmt:
        tasks = svc.list_tasks(flt, links=batch)
        if batch or args.get("json"):  # template lines are for people: none with --json (as before)
            return Rendered()
        return Rendered("".join(_template(fmt, t) + "\n" for t in tasks))
    if batch or args.get("json"):
        data = svc.list_json(flt)
        return Rendered(data=data) if batch else Rendered(dumps(data) + "\n")
    if table_only(args):  # the store alone (a TaskService, or the CLI's filters.StoreReader)
        from mhv.tasks.filters import count, line_rows
        from mhv.tasks.views.table import render_rows

        rows = line_rows(svc.store, flt, svc.clock)
        total = count(svc.store, flt, svc.clock) if flt.limit is not None and len(rows) == flt.limit else None
        lines = render_rows(rows, now=client.now, tz=client.tz, color=client.color, total=total,
                            columns=client.columns)  # fmt: skip
        return Rendered("\n".join(lines) + "\n")
    from mhv.tasks.views.table import render_tasks

    tasks = svc.list_lines(flt)  # ranked by urgency (mhv.tasks.graph), or by an order provider
    total = svc.count(flt) if flt.limit is not None and len(tasks) == flt.limit else None
    text = "\n".join(render_tasks(tasks, now=client.now, tz=client.tz, color=client.color, total=total,
                                  columns=client.columns))  # fmt: skip
    return Rendered(text + "\n")


def table_only(args: dict[str, Any]) -> bool:
    """Whether `mhv tl ARGS` prints the task table in an order SQL sorts by: what `list_view` reads
    with ``svc.store`` and ``svc.clock`` alone (mhv.tasks.filters), no TaskService needed."""
    from mhv.tasks.filters import ORDERS

    return not (args.get("format") or args.get("json")) and (args.get("sort") or "default") in ORDERS
