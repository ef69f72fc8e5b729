"""Insights in the workspace, as a mixin of the app: the selected task's prediction in the detail pane
(a thread worker; the model is built once and rebuilt only when the event log moved) and the Insights
screen (``I``). mhv.insights and NumPy load on first use, never at start-up."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import get_current_worker

from mhv.tasks.models import Task, TaskFilter
from mhv.widgets.detail import TaskDetail

if TYPE_CHECKING:
    from mhv.insights.predict import Model


class InsightsSupport:
    _insights_model: Model | None = None
    _insights_seq: int = -1
    _insights_lock = threading.Lock()
    _predicted: tuple[Any, list[str]] | None = None  # (cache key, ids in predicted order)
    predicted_miss: dict[str, float] = {}  # task id -> chance of missing its due date, when likely
    predicted_note = ""  # why the predicted order is plain urgency, when it is

    def insights_model(self) -> tuple[Model, dict[str, Any]]:
        """The model over the whole history (cached by the event log's last seq) and the records by id.
        Called from worker threads and the reader thread: one builds it, the others wait for it."""
        from mhv.insights import history
        from mhv.insights.predict import Model

        svc = self.service  # type: ignore[attr-defined]
        with self._insights_lock:
            seq = svc.last_seq()
            records = {r.id: r for r in history.load(svc)}
            if self._insights_model is None or seq != self._insights_seq:
                self._insights_model = Model(list(records.values()))
                self._insights_seq = seq
            return self._insights_model, records

    def register_predicted_order(self) -> None:
        """The "predicted finish" sort order (``o``, or "sort: predicted finish" in the palette):
        urgency adjusted by the chance of missing the due date, as `mhv next --predicted`."""
        self.service.order_providers["predicted"] = self._predicted_ids  # type: ignore[attr-defined]

    def _predicted_ids(self, flt: TaskFilter) -> list[str]:
        """Every task of ``flt`` in predicted order (reader thread). Kept while the event log and the
        minute stay the same, so paging and redraws rank once."""
        from mhv.insights.order import predicted_order

        svc = self.service  # type: ignore[attr-defined]
        now = svc.clock()
        whole = replace(flt, order="urgency", limit=None, offset=0)
        key = (repr(whole), svc.last_seq(), now.replace(second=0, microsecond=0))
        if self._predicted is not None and self._predicted[0] == key:
            return list(self._predicted[1])
        ranked = svc.ranked(whole, now=now)
        model, records = self.insights_model()
        if model.n == 0:  # nothing finished yet: urgency, and no flags
            self.predicted_miss = {}
            self.predicted_note = "No finished tasks to learn from yet: sorted by urgency"
            ids = [r.task.id for r in ranked]
        else:
            self.predicted_note = ""
            order = predicted_order(ranked, model, records, now)
            by_number = {r.task.number: r.task.id for r in ranked}
            ids = [by_number[o.number] for o in order]
            placed = set(ids)
            ids += [r.task.id for r in ranked if r.task.id not in placed]
            self.predicted_miss = {by_number[o.number]: o.miss_probability for o in order
                                   if o.likely_miss and o.miss_probability is not None}  # fmt: skip
        self._predicted = (key, ids)
        return list(ids)

    def show_prediction_for(self, task: Task) -> None:
        if task.status in ("pending", "in_progress", "blocked"):
            self._predict(task)

    @work(thread=True, exclusive=True, group="insights-predict", exit_on_error=False)
    def _predict(self, task: Task) -> None:
        model, records = self.insights_model()
        rec = records.get(task.id)
        if rec is None or model.n == 0 or get_current_worker().is_cancelled:
            return  # nothing finished yet: a new user's detail pane stays as it was
        p = model.predict(rec, self.service.clock())  # type: ignore[attr-defined]
        lines = [f"in progress: {p.duration.short()}" if p.duration else "in progress: not enough history",
                 f"until done: {p.lead.short()}" if p.lead else "until done: not enough history"]  # fmt: skip
        if p.blocker_risk is not None:
            lines.append(f"blocker risk {p.blocker_risk:.0%}")
        detail = self.query_one(TaskDetail)  # type: ignore[attr-defined]
        self.call_from_thread(detail.show_prediction, task.id, lines)  # type: ignore[attr-defined]

    def action_show_insights(self) -> None:
        from mhv.app.insights_screen import InsightsScreen

        self.push_screen(InsightsScreen())  # type: ignore[attr-defined]
