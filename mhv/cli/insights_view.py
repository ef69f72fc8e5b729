"""How `mhv stats`, `mhv predict` and `mhv forecast` read for a person: Rich tables and bar charts
drawn with block characters (no plotting library to import for a one-shot command)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Console
from rich.table import Table

from mhv.cli.output import use_color
from mhv.insights.predict import span

BLOCKS = " ▏▎▍▌▋▊▉█"


def _console() -> Console:
    return Console(no_color=not use_color(), highlight=False, soft_wrap=False)


def duration(minutes: float | None) -> str:
    """12 min, 3.5 h, 4.2 d (calendar days), 9 w."""
    if minutes is None:
        return "-"
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.1f} h"
    days = hours / 24
    return f"{days:.1f} d" if days < 60 else f"{days / 7:.0f} w"


def bar(value: float, top: float, width: int = 30) -> str:
    if top <= 0 or value <= 0:
        return ""
    cells = value / top * width
    full = int(cells)
    part = int((cells - full) * 8)
    return "█" * full + (BLOCKS[part] if part and full < width else "")


def print_stats(data: dict[str, Any]) -> None:
    con = _console()
    flt = data.get("filter") or {}
    scope = ", ".join(f"{k} {v}" for k, v in flt.items() if v) or "all tasks"
    con.print(f"[bold]History[/bold] ({scope}): {data['finished']} finished, {data['open']} open, "
              f"{data['cancelled']} cancelled, {data['reopened']} reopened")  # fmt: skip
    if not data["finished"]:
        con.print("Nothing finished yet: finish a few tasks and their numbers show here.")
        return
    weeks = data["throughput"]["weeks"][-12:]
    if weeks:
        con.print(f"\n[bold]Finished per week[/bold] (last {len(weeks)} of {len(data['throughput']['weeks'])}; "
                  f"mean {data['throughput']['mean']}, median {data['throughput']['median']:g})")  # fmt: skip
        top = max(w["finished"] for w in weeks)
        for w in weeks:
            con.print(f"  {w['week']}  {w['finished']:>4}  {bar(w['finished'], top)}")
    dist = Table(title="Durations (finished tasks)", title_justify="left", box=None, pad_edge=False)
    for col in ("", "n", "p10", "p25", "median", "p75", "p90"):
        dist.add_column(col, justify="left" if not col else "right")
    for label, key in (("time to start", "time_to_start"), ("in progress", "cycle"), ("blocked", "blocked"),
                       ("lead (created to done)", "lead")):  # fmt: skip
        d = data.get(key)
        if d:
            dist.add_row(
                label, str(d["n"]), *(duration(d[q]) for q in ("p10", "p25", "median", "p75", "p90"))
            )
    con.print()
    con.print(dist)
    acc = data.get("accuracy")
    if acc:
        con.print(f"\n[bold]Estimate accuracy[/bold] (actual / estimate, {acc['n']} tasks): median "
                  f"{acc['median']:.2f}x, 80% between {acc['p10']:.2f}x and {acc['p90']:.2f}x; "
                  f"{acc['on_time']:.0%} finished within their estimate")  # fmt: skip
    for kind in ("repo", "tag", "priority", "assignee"):
        rows = data["groups"].get(kind) or []
        if len(rows) < 2 and kind != "repo":
            continue
        t = Table(title=f"By {kind}", title_justify="left", box=None, pad_edge=False)
        for col in (kind, "finished", "per week", "median in progress", "median lead", "actual/estimate"):
            t.add_column(col, justify="left" if col == kind else "right")
        for g in rows[:10]:
            acc_g = g["accuracy"]
            t.add_row(g["name"], str(g["finished"]), f"{g['per_week']:.1f}",
                      duration(g["cycle"]["median"]) if g["cycle"] else "-",
                      duration(g["lead"]["median"]) if g["lead"] else "-",
                      f"{acc_g['median']:.2f}x ({acc_g['n']})" if acc_g else "-")  # fmt: skip
        con.print()
        con.print(t)
    days = data["weekday"]
    top = max(d["finished"] for d in days)
    con.print("\n[bold]When work gets finished[/bold]")
    for d in days:
        con.print(f"  {d['day']}  {d['finished']:>5}  {bar(d['finished'], top, 24)}")
    if data["patterns"]:
        con.print("\n[bold]Patterns[/bold]")
        for p in data["patterns"]:
            con.print(f"  • {p['text']}")


def print_predictions(preds: Sequence[Any], history: int) -> None:
    con = _console()
    if not preds:
        con.print("No open tasks to predict.")
        return
    width = max(len(str(p.number)) for p in preds) + 1
    pad = " " * (width + 2)
    for p in preds:
        con.print(f"[bold]{'#' + str(p.number):>{width}}[/bold]  {p.title}", markup=True, highlight=False)
        for name, est in (("in progress", p.duration), ("lead time", p.lead)):
            if est is None:
                con.print(f"{pad}{name:<12} not enough history")
            else:
                con.print(f"{pad}{name:<12} likely {span(est.low, est.high)} (median {duration(est.minutes)}), "
                          f"from {est.based_on}")  # fmt: skip
        if p.blocker_risk is not None:
            con.print(f"{pad}{'blocker risk':<12} {p.blocker_risk:.0%}: {p.blocker_why}")
    con.print(f"[dim]learned from {history} finished tasks; each range holds the actual value 8 times in 10[/dim]")


def print_forecast(result: Any, tz: tzinfo) -> None:
    con = _console()
    if result.dates is None:
        con.print(f"{result.tasks} open tasks: {result.based_on}.")
        return

    def day(at: datetime) -> str:
        return at.astimezone(tz).strftime("%a %Y-%m-%d")

    con.print(f"[bold]{result.tasks} open tasks[/bold] done by")
    for p in (50, 80, 95):
        con.print(f"  {p}%  {day(result.dates[p])}  ({result.weeks[p]:.1f} weeks)")
    con.print(f"[dim]{result.based_on}[/dim]")
