"""`mhv stats`, `mhv predict`, `mhv forecast`: what the user's history says and predicts.

Registered on the main app by :func:`register`; cheap to import (mhv.insights, NumPy and Rich load
only when one of these commands runs, so `mhv tc` / `mhv tl` never pay for them)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mhv.cli.context import state
from mhv.cli.insights_run import clean, run_stats, service_at
from mhv.errors import ValidationError

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
NowOpt = Annotated[
    str | None, typer.Option("--now", help="Pretend it is this ISO time (reproducible output).")
]
RepoOpt = Annotated[str | None, typer.Option("--repo", "-r", help="Only this repository.")]
TagOpt = Annotated[str | None, typer.Option("--tag", "-t", help="Only tasks with this tag.")]


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("predict")(predict)
    app.command("forecast")(forecast)


def _service(now: str | None) -> Any:
    return service_at(state(), now)


# ------------------------------------------------------------------------------------ stats
def stats(
    repo: RepoOpt = None,
    tag: TagOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="Only work finished since this date.")] = None,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """What your history says: throughput per week, cycle times, estimate accuracy, patterns."""
    run_stats(state(), repo=repo, tag=tag, since=since, now=now, as_json=json_)


# ------------------------------------------------------------------------------------ predict
def predict(
    numbers: Annotated[
        list[str] | None, typer.Argument(help="Task numbers (default: with --open, every open task).")
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Predict every open task.")] = False,
    repo: RepoOpt = None,
    tag: TagOpt = None,
    at_creation: Annotated[
        bool,
        typer.Option(
            "--at-creation", help="Predict as when each task was created (ignore time already passed)."
        ),
    ] = False,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Predict how long open tasks will take (in progress, and created to done), with 80% intervals."""
    from mhv.insights import history
    from mhv.insights.predict import Model

    out = state().output
    out.json = out.json or json_
    svc = _service(now)
    repo, tag = clean(repo, tag)
    wanted: list[int] = []
    for n in numbers or []:
        text = n.lstrip("#").removeprefix("mhv-")
        if not text.isdigit():
            raise ValidationError(f"{n!r} is not a task number", "give numbers like 42 or #42")
        wanted.append(int(text))
    if not wanted and not open_:
        raise ValidationError(
            "which tasks?", "give task numbers (mhv predict 42 43) or --open for every open task"
        )
    records = history.load(svc)
    model = Model(records)
    by_number = {r.number: r for r in records}
    missing = [n for n in wanted if n not in by_number]
    if missing:
        from mhv.errors import NotFoundError

        raise NotFoundError(f"no task #{missing[0]}", "list tasks with `mhv tl --all` to find its number")
    if wanted:
        targets = [by_number[n] for n in wanted]
    else:
        targets = [
            r for r in records if r.is_open and (not repo or r.repo == repo) and (not tag or tag in r.tags)
        ]
    preds = model.predict_many(targets, None if at_creation else svc.clock())
    data = [p.to_json() for p in preds]

    def human() -> None:
        from mhv.cli.insights_view import print_predictions

        print_predictions(preds, model.n)

    out.result(data, human)


# ------------------------------------------------------------------------------------ forecast
def forecast(
    repo: RepoOpt = None,
    tag: TagOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo (same seed, same dates).")] = 0,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """When will the open tasks (of a repository, a tag) be done? 50/80/95% dates (Monte Carlo)."""
    from mhv.insights import history
    from mhv.insights.forecast import forecast as run
    from mhv.insights.predict import Model

    out = state().output
    out.json = out.json or json_
    svc = _service(now)
    repo, tag = clean(repo, tag)
    records = history.load(svc)
    model = Model(records, calibrate=False)
    targets = [
        r for r in records if r.is_open and (not repo or r.repo == repo) and (not tag or tag in r.tags)
    ]
    result = run(model, targets, svc.clock(), svc.tz, seed=seed)
    data = result.to_json() | {"filter": {"repo": repo, "tag": tag}}

    def human() -> None:
        from mhv.cli.insights_view import print_forecast

        print_forecast(result, svc.tz)

    out.result(data, human)


def adjusted_order(svc: Any, ranked: list[Any], limit: int) -> tuple[list[Any], dict[int, Any]]:
    """`mhv next --predicted`: the urgency ranking re-ordered by the chance of missing the due date."""
    from mhv.insights import history
    from mhv.insights.order import predicted_order
    from mhv.insights.predict import Model

    records = history.load(svc)
    order = predicted_order(ranked, Model(records), {r.id: r for r in records}, svc.clock())[:limit]
    by_number = {r.task.number: r for r in ranked}
    return [by_number[o.number] for o in order], {o.number: o for o in order}
