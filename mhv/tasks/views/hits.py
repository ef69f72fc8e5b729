"""`mhv ts`: search hits with their score and why they matched, the warnings, or the JSON."""

from __future__ import annotations

from typing import Any

from mhv.errors import ValidationError
from mhv.tasks.models import STATUSES, TaskFilter
from mhv.tasks.views.client import Client, Rendered, dumps

ARGS: dict[str, type | tuple[type, ...]] = {
    "query": list, "limit": int, "repo": str, "status": list, "tag": list, "due_before": str, "all": bool,
    "mode": str, "json": bool,
}  # fmt: skip


def search_view(svc: Any, args: dict[str, Any], client: Client, *, searcher: Any = None,
                batch: bool = False) -> Rendered:  # fmt: skip
    """`mhv ts`: ``svc`` reads with the client's clock (views.with_client); ``searcher``: a
    SearchService kept across calls (the sync service's: the model loads once)."""
    mode = args.get("mode") or "hybrid"
    if mode not in ("hybrid", "text", "vector"):
        raise ValidationError(f"unknown --mode {mode!r}", "use hybrid, text or vector")
    statuses: tuple[str, ...] | None = None
    status = args.get("status")
    if status:
        bad = [s for s in status if s not in STATUSES]
        if bad:
            raise ValidationError(f"unknown status {bad[0]!r}", f"use one of: {', '.join(STATUSES)}")
        statuses = tuple(status)
    elif args.get("all"):
        statuses = ()
    before = None
    if args.get("due_before"):
        from mhv.tasks.views.listing import bound, when

        before = bound(when(args["due_before"], client), client)
    flt = TaskFilter(
        statuses=statuses, repo=args.get("repo"), tags=tuple(args.get("tag") or ()), due_before=before
    )
    if searcher is None:
        from mhv.tasks.search import SearchService

        searcher = SearchService(svc)
    result = searcher.search(" ".join(args.get("query") or []), flt, limit=args.get("limit") or 10, mode=mode)
    if batch:
        return Rendered(data=result.to_json())
    err = ""
    if result.warning is not None:
        w = result.warning
        err += client.warning(f"{w.code} {w.message}; searching by words only")
        if w.hint:
            err += f"  hint: {w.hint}\n"
    if args.get("json"):
        return Rendered(dumps(result.to_json()) + "\n", err)
    if result.model is not None:
        missing = searcher.missing_vectors(result.model)
        if missing:
            err += client.warning(
                f"{missing} task(s) have no vector yet and are found by words only; run `mhv index`"
            )
    return Rendered(hits_text(result, color=client.color), err)


def hits_text(result: Any, *, color: bool) -> str:
    if not result.hits:
        return f"No tasks match {result.query!r}.\n"
    dim, bold, reset = ("\x1b[2m", "\x1b[1m", "\x1b[0m") if color else ("", "", "")
    width = max(len(str(hit.task.number)) for hit in result.hits)
    out = []
    for hit in result.hits:
        task = hit.task
        where = f" @{task.repo}" if task.repo else ""
        tags = "".join(f" #{t}" for t in task.tags)
        status = f" [{task.status}]" if task.status != "pending" else ""
        out.append(
            f"{task.number:>{width}}  {hit.score:5.2f}  {bold}{task.title}{reset}{dim}{where}{tags}{status}{reset}\n"
            f"{' ' * width}         {dim}{hit.explain()}{reset}\n"
        )
    return "".join(out)
