"""`mhv next` (tasks by urgency, with the terms behind each score) and `mhv graph` (the dependency
graph of a task, a repository or a tag as text, Graphviz DOT, Mermaid or JSON)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mhv.cli.context import state
from mhv.errors import UsageError, ValidationError
from mhv.tasks.models import TaskFilter

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def urgency_overrides(path: Path | None = None) -> dict[str, Any]:
    """The ``[urgency]`` table of config.toml: coefficient name -> number (docs/graph.md lists the
    keys: ``due``, ``blocking``, ``priority_high``, ``tag.next``, ``repo.infra``...). Missing file or
    table: no overrides."""
    from mhv.cli.config_file import config_table

    data = config_table(path)
    table = data.get("urgency", {})
    if not isinstance(table, dict):
        raise ValidationError(f"{path or 'config.toml'}: [urgency] must be a table", "write `[urgency]` then `key = number` lines",
                              code="MHV-301")  # fmt: skip
    out: dict[str, Any] = {}
    for key, value in table.items():  # `[urgency.tag] next = 15` is the same as `"tag.next" = 15`
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def register(app: typer.Typer) -> None:
    app.command("next")(next_tasks)
    app.command("graph")(graph)


def next_tasks(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many tasks.")] = 10,
    repo: Annotated[str | None, typer.Option("--repo", help="Only this repository.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only tasks with this tag.")] = None,
    include_blocked: Annotated[bool, typer.Option("--blocked", help="Include blocked tasks (ranked low).")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show the terms that make up each score.")] = False,
    predicted: Annotated[bool, typer.Option(
        "--predicted", help="Adjust by predicted duration and due date; flag tasks likely to miss it.")] = False,
    json_: JsonOpt = False,
) -> None:
    """What to do next: open tasks by urgency (Taskwarrior's formula; coefficients in config.toml [urgency])."""
    st = state()
    out = st.output
    out.json = out.json or json_
    svc = st.service
    svc.set_urgency_coefficients(urgency_overrides())
    statuses = ("in_progress", "pending", "blocked") if include_blocked else ("in_progress", "pending")
    flt = TaskFilter(statuses=statuses, repo=repo.lstrip("@") if repo else None,
                     tags=(tag.lstrip("#").lower(),) if tag else (), limit=limit * 5 if predicted else limit)  # fmt: skip
    ranked = svc.ranked(flt)
    adjusted: dict[int, Any] = {}
    if predicted:  # mhv.insights loads only here
        from mhv.cli.insights_cmds import adjusted_order

        ranked, adjusted = adjusted_order(svc, ranked, limit)
    data = [
        {**r.to_json(i), **({"predicted": adjusted[r.task.number].to_json()} if r.task.number in adjusted else {})}
        for i, r in enumerate(ranked, start=1)
    ]

    def human() -> None:
        if not ranked:
            out.message("Nothing to do: no open tasks match.")
            return
        width = max(len(f"#{r.task.number}") for r in ranked)
        for i, r in enumerate(ranked, start=1):
            t = r.task
            flags = " ⊘ blocked" if r.blocked else (" ▲ blocking" if r.blocking else "")
            adj = adjusted.get(t.number)
            if adj is not None and adj.likely_miss:
                flags += f" ⚠ likely late ({adj.miss_probability:.0%})"
            where = f" @{t.repo}" if t.repo else ""
            out.message(f"{i:>3}. {r.urgency.score:6.2f}  {f'#{t.number}':<{width}}  {t.title}{where}{flags}")
            if explain:
                terms = "  ".join(f"{term.term} {term.value:+.2f}" for term in r.urgency.terms)
                out.message(f"     {'':6}  {'':<{width}}  = {terms}")

    out.result(data, human)


def graph(
    task: Annotated[str | None, typer.Argument(help="A task: its upstream and downstream, across repositories.")] = None,
    repo: Annotated[str | None, typer.Option("--repo", help="Every task of a repository.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Every task with a tag.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, dot (Graphviz), mermaid or json.")] = "text",
    max_nodes: Annotated[int, typer.Option("--max", min=1, help="At most this many tasks.")] = 1000,
    json_: JsonOpt = False,
) -> None:
    """Draw the dependency graph: `mhv graph` (every open task that has links), `mhv graph 42`,
    `mhv graph --repo api --format dot | dot -Tsvg`."""
    st = state()
    if json_:
        fmt = "json"
    if sum(x is not None for x in (task, repo, tag)) > 1:
        raise UsageError("give one task number, or --repo R, or --tag T (or none: every open task)",
                         "e.g. `mhv graph`, `mhv graph 42` or `mhv graph --repo api`")  # fmt: skip
    from mhv.tasks.graph.formats import render_graph
    from mhv.tasks.graph.queries import FORMATS

    svc = st.service
    if fmt not in FORMATS:
        raise ValidationError(f"unknown graph format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    view = svc.graph_view(task, repo=repo.lstrip("@") if repo else None,
                          tag=tag.lstrip("#").lower() if tag else None, max_nodes=max_nodes)  # fmt: skip
    text = render_graph(view.graph, fmt, focus=view.focus)
    notes = []
    if view.truncated:
        shown = len(view.graph)
        of = f" of {view.total:,}" if view.total > shown else ""
        notes.append(f"showing {shown:,}{of} tasks (--max {max_nodes:,}): raise --max, or narrow it to a task, "
                     "--repo or --tag")  # fmt: skip
    everything = task is None and repo is None and tag is None
    if everything and not len(view.graph):
        notes.append("no links between open tasks yet: add one with `mhv tu 42 after #41` (or `blocks #43`)")
    elif everything and view.unlinked:
        one = view.unlinked == 1
        notes.append(f"{view.unlinked:,} open {'task' if one else 'tasks'} without links {'is' if one else 'are'} "
                     "not drawn (`mhv tl` lists them)")  # fmt: skip
    if st.output.batch:
        st.output.result({"format": fmt, "graph": text, "truncated": view.truncated, "notes": notes})
        return
    if text.strip() or fmt != "text":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
