"""What `mhv stats`, `mhv predict` and `mhv forecast` share, without Typer: the clock pinned by
``--now``, ``--since`` read as a date, the filters cleaned, and `mhv stats` itself, which the fast
path (mhv/cli/fast.py) runs without building the Typer app."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mhv.cli.context import CliState
from mhv.errors import ValidationError


def service_at(st: CliState, now: str | None) -> Any:
    svc = st.service
    if now:
        try:
            fixed = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"--now {now!r} is not an ISO date or time", "write it like 2026-12-04T09:00"
            ) from None
        if fixed.tzinfo is None:
            fixed = fixed.replace(tzinfo=svc.tz)
        svc.clock = lambda: fixed.astimezone(UTC)
    return svc


def since_of(text: str | None, svc: Any) -> datetime | None:
    if not text:
        return None
    from datetime import date, time

    from mhv.cli.dates import parse_when

    when = parse_when(text, svc.clock(), svc.tz)
    if isinstance(when, datetime):
        return when
    assert isinstance(when, date)
    return datetime.combine(when, time(0), tzinfo=svc.tz)


def clean(repo: str | None, tag: str | None) -> tuple[str | None, str | None]:
    return (repo.lstrip("@") if repo else None), (tag.lstrip("#").lower() if tag else None)


def run_stats(st: CliState, *, repo: str | None, tag: str | None, since: str | None, now: str | None,
              as_json: bool) -> None:  # fmt: skip
    """`mhv stats`: the finished tasks read as columns straight from the database
    (mhv.insights.columns), summed up, printed as JSON or tables (Rich only for the tables)."""
    from mhv.insights import columns
    from mhv.insights.stats import summarize_columns

    out = st.output
    out.json = out.json or as_json
    svc = service_at(st, now)
    repo, tag = clean(repo, tag)
    data = summarize_columns(columns.load(svc, repo=repo, tag=tag, since=since_of(since, svc)), svc.tz)
    data["filter"] = {"repo": repo, "tag": tag, "since": since}

    def human() -> None:
        from mhv.cli.insights_view import print_stats

        print_stats(data)

    out.result(data, human)
