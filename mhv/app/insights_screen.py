"""The Insights screen: what the user's history says, with charts (textual-plotext): tasks finished
per week, the time-in-progress distribution, estimate accuracy, the weekday work gets finished, the
patterns, and the forecast for every open task. Data is read in a thread worker."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from mhv.cli.insights_view import duration


class InsightsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="insights.back"),
    ]
    DEFAULT_CSS = """
    InsightsScreen #insights-charts { height: 14; }
    InsightsScreen PlotextPlot { width: 1fr; height: 14; }
    InsightsScreen #insights-summary { padding: 0 1; }
    InsightsScreen #insights-text { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("[b]Insights  [/b][dim]reading your history…[/]", id="insights-summary")
        with Horizontal(id="insights-charts"):
            yield PlotextPlot(id="insights-weeks")
            yield PlotextPlot(id="insights-cycle")
        with VerticalScroll():
            yield Static("", id="insights-text")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="insights-screen", exit_on_error=False)
    def _load(self) -> None:
        from mhv.insights.forecast import forecast
        from mhv.insights.stats import summarize

        app: Any = self.app
        model, by_id = app.insights_model()
        records = list(by_id.values())
        data = summarize(records, app.service.tz)
        todo = [r for r in records if r.is_open]
        fc = forecast(model, todo, app.service.clock(), app.service.tz)
        cycles = [r.in_progress for r in records if r.done and r.in_progress]
        self.app.call_from_thread(self._show, data, fc, cycles)

    def _show(self, data: dict[str, Any], fc: Any, cycles: list[float]) -> None:
        app: Any = self.app
        tz = app.service.tz
        self.query_one("#insights-summary", Static).update(
            f"[b]Insights  [/b]{data['finished']} finished · {data['open']} open · {data['reopened']} reopened · "
            f"{data['throughput']['mean']:g} finished a week on average"
        )
        weeks = data["throughput"]["weeks"][-12:]
        plot = self.query_one("#insights-weeks", PlotextPlot).plt
        plot.clear_data()
        plot.title("Finished per week")
        if weeks:
            # numeric positions with explicit ticks: string labels are placed by float rounding that
            # can move a label by one cell between renders
            plot.bar(list(range(len(weeks))), [w["finished"] for w in weeks], width=0.5)
            plot.xticks(list(range(len(weeks))), [w["week"][5:] for w in weeks])
        self.query_one("#insights-weeks", PlotextPlot).refresh()
        hist = self.query_one("#insights-cycle", PlotextPlot).plt
        hist.clear_data()
        hist.title("Time in progress (hours: from ... to double)")
        if cycles:
            edges = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]
            counts = [0] * (len(edges) + 1)
            for minutes in cycles:
                hours = minutes / 60
                counts[sum(1 for e in edges if hours >= e)] += 1
            labels = ["<¼", "¼", "½", "1", "2", "4", "8", "16", "32", "64+"]  # each bucket's lower bound
            hist.bar(list(range(len(labels))), counts, width=0.5)
            hist.xticks(list(range(len(labels))), labels)
        self.query_one("#insights-cycle", PlotextPlot).refresh()
        lines: list[str] = []
        cyc, lead = data.get("cycle"), data.get("lead")
        if cyc:
            lines.append(f"[b]In progress [/b]median {duration(cyc['median'])}, 80% between "
                         f"{duration(cyc['p10'])} and {duration(cyc['p90'])} ({cyc['n']} tasks)")  # fmt: skip
        if lead:
            lines.append(f"[b]Created to done [/b]median {duration(lead['median'])}, 80% between "
                         f"{duration(lead['p10'])} and {duration(lead['p90'])}")  # fmt: skip
        acc = data.get("accuracy")
        if acc:
            lines.append(f"[b]Estimates [/b]tasks take {acc['median']:.1f}x their estimate (80% between "
                         f"{acc['p10']:.1f}x and {acc['p90']:.1f}x); {acc['on_time']:.0%} within it")  # fmt: skip
        days = data["weekday"]
        top = max((d["finished"] for d in days), default=0)
        if top:
            cells = "  ".join(f"{d['day']} {'█' * math.ceil(6 * d['finished'] / top) if d['finished'] else '·'}"
                              for d in days)  # fmt: skip
            lines.append(f"[b]Finished on [/b]{cells}")
        if fc.dates:
            when = "  ".join(f"{p}% {fc.dates[p].astimezone(tz):%a %b %d}" for p in (50, 80, 95))
            lines.append(f"[b]All {fc.tasks} open tasks done by [/b]{when}")
        elif fc.tasks:
            lines.append(f"[b]Forecast [/b]{escape(fc.based_on)}")
        if data["patterns"]:
            lines.append("")
            lines.append("[b]Patterns[/b]")
            lines.extend(f"  • {escape(p['text'])}" for p in data["patterns"])
        if not data["finished"]:
            lines = ["Nothing finished yet: finish a few tasks and what they say shows here."]
        self.query_one("#insights-text", Static).update("\n".join(lines))
