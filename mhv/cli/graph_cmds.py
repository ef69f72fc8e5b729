"""`mhv next` (tasks by urgency, with the terms behind each score) and `mhv graph` (the dependency
graph of a task, a repository or a tag as text, Graphviz DOT, Mermaid or JSON)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from mhv.cli.config_file import urgency_overrides
from mhv.cli.context import state
from mhv.errors import UsageError, ValidationError
from mhv.tasks.models import TaskFilter

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    app.command("next")(next_tasks)
    app.command("graph")(graph)


def next_tasks(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many tasks.")] = 10,
    repo: Annotated[str | None, typer.Option("--repo", help="Only this repository.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only tasks with this tag.")] = None,
    include_blocked: Annotated[
        bool, typer.Option("--blocked", help="Include blocked tasks (ranked low).")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the terms that make up each score.")
    ] = False,
    predicted: Annotated[
        bool,
        typer.Option(
            "--predicted", help="Adjust by predicted duration and due date; flag tasks likely to miss it."
        ),
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """What to do next: open tasks by urgency (Taskwarrior's formula; coefficients in config.toml [urgency])."""
    st = state()
    out = st.output
    out.json = out.json or json_
    if not predicted:  # the same view, through the service when one answers (mhv/cli/reads.py)
        from mhv.cli.reads import run_read

        run_read(st, "cli.next", {"limit": limit, "repo": repo, "tag": tag, "blocked": include_blocked,
                                  "explain": explain, "json": out.json, "urgency": urgency_overrides()})  # fmt: skip
        return
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
        {
            **r.to_json(i),
            **({"predicted": adjusted[r.task.number].to_json()} if r.task.number in adjusted else {}),
        }
        for i, r in enumerate(ranked, start=1)
    ]

    def human() -> None:
        if not ranked:
            out.message("Nothing to do: no open tasks match.")
            return
        from mhv.tasks.views.ranking import next_lines

        for line in next_lines(ranked, adjusted, explain=explain):
            out.message(line)

    out.result(data, human)


def graph(
    task: Annotated[
        str | None, typer.Argument(help="A task: its upstream and downstream, across repositories.")
    ] = None,
    repo: Annotated[str | None, typer.Option("--repo", help="Every task of a repository.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Every task with a tag.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, dot (Graphviz), mermaid or json.")
    ] = "text",
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
