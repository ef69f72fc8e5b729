"""`mhv ts` (search by meaning, with score and why) and `mhv index` (compute stale vectors).

Registered on the main Typer app by :func:`register`. Importing this module is cheap: NumPy and the
model load only when one of these commands runs.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from mhv.cli.context import state
from mhv.errors import ValidationError

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
STATUSES = ("pending", "in_progress", "blocked", "completed", "cancelled")


def register(app: typer.Typer) -> None:
    app.command("ts")(search)
    app.command("index")(index)


def _out(json_flag: bool) -> Any:
    out = state().output
    out.json = out.json or json_flag
    return out


def search(
    query: Annotated[list[str], typer.Argument(help="What the task is about, in any words.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many hits.")] = 10,
    repo: Annotated[str | None, typer.Option("--repo", "-r", help="Only this repository.")] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", "-s", help="Only these statuses (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only tasks with this tag.")] = None,
    due_before: Annotated[str | None, typer.Option("--due-before", help="Due before this date.")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Search finished tasks too.")] = False,
    mode: Annotated[
        str, typer.Option("--mode", help="hybrid (default), text (words only) or vector (meaning only).")
    ] = "hybrid",
    json_: JsonOpt = False,
) -> None:
    """Search tasks by meaning and words; each hit shows its score and why it matched."""
    from mhv.cli.reads import run_read

    out = _out(json_)
    run_read(state(), "cli.search", {"query": list(query), "limit": limit, "repo": repo, "status": list(status or []),
                                     "tag": list(tag or []), "due_before": due_before, "all": all_, "mode": mode,
                                     "json": out.json})  # fmt: skip


def index(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute every vector, not just stale ones.")
    ] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Texts per model call.")] = 64,
    json_: JsonOpt = False,
) -> None:
    """Compute the vectors search uses, for tasks that are new or changed since the last run."""
    from mhv.tasks.search import SearchService

    out = _out(json_)
    if batch_size < 1:
        raise ValidationError("--batch-size must be at least 1", "e.g. --batch-size 64")
    search_service = SearchService(state().service)
    search_service.embedder()  # a missing model fails here, before any progress bar
    if out.json or out.batch or not sys.stderr.isatty():
        report = search_service.index(rebuild=rebuild, batch_size=batch_size)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            job = bar.add_task("embed", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(job, completed=done, total=total)

            report = search_service.index(rebuild=rebuild, batch_size=batch_size, progress=progress)
    data = {
        "model": report.model,
        "embedded": report.embedded,
        "up_to_date": report.skipped,
        "seconds": round(report.seconds, 2),
    }
    rate = f" ({report.embedded / report.seconds:.0f} tasks/s)" if report.embedded and report.seconds else ""
    out.result(
        data,
        lambda: out.message(
            f"Indexed {report.embedded} tasks in {report.seconds:.1f} s{rate}; "
            f"{report.skipped} were up to date. Model: {report.model}"
        ),
    )
