"""Insights in the workspace, as a mixin of the app: the selected task's prediction in the detail pane
(a thread worker; the model is built once and rebuilt only when the event log moved) and the Insights
screen (``I``). mhv.insights and NumPy load on first use, never at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import get_current_worker

from mhv.tasks.models import Task
from mhv.widgets.detail import TaskDetail

if TYPE_CHECKING:
    from mhv.insights.predict import Model


class InsightsSupport:
    _insights_model: Model | None = None
    _insights_seq: int = -1

    def insights_model(self) -> tuple[Model, dict[str, Any]]:
        """The model over the whole history (cached by the event log's last seq) and the records by id."""
        from mhv.insights import history
        from mhv.insights.predict import Model

        svc = self.service  # type: ignore[attr-defined]
        seq = svc.last_seq()
        records = {r.id: r for r in history.load(svc)}
        if self._insights_model is None or seq != self._insights_seq:
            self._insights_model = Model(list(records.values()))
            self._insights_seq = seq
        return self._insights_model, records

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
