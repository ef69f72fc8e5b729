"""`mhv next`: open tasks by urgency, with the terms behind each score, or their JSON."""

from __future__ import annotations

from typing import Any

from mhv.tasks.models import TaskFilter
from mhv.tasks.views.client import Client, Rendered, dumps

# ``urgency``: the client's config.toml [urgency] table (mhv/cli/graph_cmds.py urgency_overrides).
ARGS: dict[str, type | tuple[type, ...]] = {
    "limit": int, "repo": str, "tag": str, "blocked": bool, "explain": bool, "json": bool, "urgency": dict,
}  # fmt: skip


def next_view(svc: Any, args: dict[str, Any], client: Client, *, batch: bool = False) -> Rendered:
    """`mhv next` (without --predicted, which needs mhv.insights): ``svc`` reads with the client's
    clock (views.with_client); the coefficients are the client's and are put back after."""
    limit = args.get("limit") or 10
    repo, tag = args.get("repo"), args.get("tag")
    statuses = ("in_progress", "pending", "blocked") if args.get("blocked") else ("in_progress", "pending")
    flt = TaskFilter(statuses=statuses, repo=repo.lstrip("@") if repo else None,
                     tags=(tag.lstrip("#").lower(),) if tag else (), limit=limit)  # fmt: skip
    before = svc.urgency_coefficients
    try:
        svc.set_urgency_coefficients(args.get("urgency") or {})
        ranked = svc.ranked(flt)
    finally:
        svc.urgency_coefficients = before
    data = [r.to_json(i) for i, r in enumerate(ranked, start=1)]
    if batch:
        return Rendered(data=data)
    if args.get("json"):
        return Rendered(dumps(data) + "\n")
    if not ranked:
        return Rendered("Nothing to do: no open tasks match.\n")
    return Rendered(
        "".join(line + "\n" for line in next_lines(ranked, {}, explain=bool(args.get("explain"))))
    )


def next_lines(ranked: list[Any], adjusted: dict[int, Any], *, explain: bool) -> list[str]:
    """The lines for people (``adjusted``: `mhv next --predicted`'s predictions by task number)."""
    lines = []
    width = max(len(f"#{r.task.number}") for r in ranked)
    for i, r in enumerate(ranked, start=1):
        t = r.task
        flags = " ⊘ blocked" if r.blocked else (" ▲ blocking" if r.blocking else "")
        adj = adjusted.get(t.number)
        if adj is not None and adj.likely_miss:
            flags += f" ⚠ likely late ({adj.miss_probability:.0%})"
        where = f" @{t.repo}" if t.repo else ""
        lines.append(f"{i:>3}. {r.urgency.score:6.2f}  {f'#{t.number}':<{width}}  {t.title}{where}{flags}")
        if explain:
            terms = "  ".join(f"{term.term} {term.value:+.2f}" for term in r.urgency.terms)
            lines.append(f"     {'':6}  {'':<{width}}  = {terms}")
    return lines
