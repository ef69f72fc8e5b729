"""`mhv ts` (search by meaning, with score and why) and `mhv index` (compute stale vectors).

Registered on the main Typer app by :func:`register`. Importing this module is cheap: NumPy and the
model load only when one of these commands runs.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from mhv.cli.context import state
from mhv.cli.output import use_color
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
    from mhv.tasks.models import TaskFilter
    from mhv.tasks.search import SearchService

    out = _out(json_)
    if mode not in ("hybrid", "text", "vector"):
        raise ValidationError(f"unknown --mode {mode!r}", "use hybrid, text or vector")
    statuses: tuple[str, ...] | None = None
    if status:
        bad = [s for s in status if s not in STATUSES]
        if bad:
            raise ValidationError(f"unknown status {bad[0]!r}", f"use one of: {', '.join(STATUSES)}")
        statuses = tuple(status)
    elif all_:
        statuses = ()
    svc = state().service
    before = None
    if due_before:
        from datetime import datetime, time

        from mhv.cli.dates import parse_when

        when = parse_when(due_before, svc.clock(), svc.tz)
        before = when if isinstance(when, datetime) else datetime.combine(when, time(), tzinfo=svc.tz)
    flt = TaskFilter(statuses=statuses, repo=repo, tags=tuple(tag or ()), due_before=before)
    searcher = SearchService(svc)
    result = searcher.search(" ".join(query), flt, limit=limit, mode=mode)  # type: ignore[arg-type]
    if result.warning is not None and not out.batch:
        w = result.warning
        out.warn(f"{w.code} {w.message}; searching by words only")
        if w.hint:
            sys.stderr.write(f"  hint: {w.hint}\n")
    if result.model is not None and not (out.json or out.batch):
        missing = searcher.missing_vectors(result.model)
        if missing:
            out.warn(f"{missing} task(s) have no vector yet and are found by words only; run `mhv index`")
    out.result(result.to_json(), lambda: _print_hits(result))


def _print_hits(result: Any) -> None:
    if not result.hits:
        sys.stdout.write(f"No tasks match {result.query!r}.\n")
        return
    color = use_color()
    dim, bold, reset = ("\x1b[2m", "\x1b[1m", "\x1b[0m") if color else ("", "", "")
    width = max(len(str(hit.task.number)) for hit in result.hits)
    for hit in result.hits:
        task = hit.task
        where = f" @{task.repo}" if task.repo else ""
        tags = "".join(f" #{t}" for t in task.tags)
        status = f" [{task.status}]" if task.status != "pending" else ""
        sys.stdout.write(
            f"{task.number:>{width}}  {hit.score:5.2f}  {bold}{task.title}{reset}{dim}{where}{tags}{status}{reset}\n"
            f"{' ' * width}         {dim}{hit.explain()}{reset}\n"
        )


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
