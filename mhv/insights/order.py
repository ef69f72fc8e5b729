"""The Next view's order adjusted by predictions: a task likely to miss its due date, given how long
similar tasks took, climbs; one that predictably fits comfortably keeps its urgency."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mhv.insights.predict import Prediction

_Z80 = 1.2815515655446004
MISS_WEIGHT = 6.0  # urgency points for a certain miss (Taskwarrior's due coefficient is 12)


@dataclass(slots=True)
class Ranked:
    number: int
    urgency: float
    adjusted: float
    miss_probability: float | None
    likely_miss: bool
    remaining_minutes: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "urgency": round(self.urgency, 4),
            "adjusted": round(self.adjusted, 4),
            "miss_probability": None if self.miss_probability is None else round(self.miss_probability, 3),
            "likely_miss": self.likely_miss,
            "remaining_minutes": None if self.remaining_minutes is None else round(self.remaining_minutes, 1),
        }


def _survival(minutes: float, mu: float, sigma: float) -> float:
    if minutes <= 0:
        return 1.0
    return 0.5 * math.erfc((math.log(minutes) - mu) / sigma / math.sqrt(2))


def miss_probability(pred: Prediction, created: datetime | None, due: datetime | None,
                     now: datetime) -> tuple[float | None, float | None]:  # fmt: skip
    """P(finished after due | not finished now), the lead time (created -> done) taken as log-normal
    through its 80% interval; and the expected minutes still to go."""
    est = pred.lead
    if est is None or created is None:
        return None, None
    mu = math.log(max(est.minutes, 1e-6))
    sigma = max((math.log(max(est.high, 1e-6)) - math.log(max(est.low, 1e-6))) / (2 * _Z80), 1e-3)
    age = max(0.0, (now - created).total_seconds() / 60.0)
    remaining = max(est.minutes - age, 0.0)
    if due is None:
        return None, remaining
    if due <= now:
        return 1.0, remaining
    alive = _survival(age, mu, sigma)
    if alive <= 1e-12:
        return 1.0, remaining
    to_due = (due - created).total_seconds() / 60.0
    return min(1.0, _survival(to_due, mu, sigma) / alive), remaining


def adjust(items: Sequence[tuple[int, float, datetime | None, datetime | None, Prediction]],
           now: datetime) -> list[Ranked]:  # fmt: skip
    """``items``: (number, urgency, created, due, prediction). Highest adjusted score first; ties by
    number."""
    out = []
    for number, score, created, due, pred in items:
        p, remaining = miss_probability(pred, created, due, now)
        adjusted = score + (MISS_WEIGHT * p if p is not None else 0.0)
        out.append(Ranked(number, score, adjusted, p, bool(p is not None and p >= 0.5), remaining))
    out.sort(key=lambda r: (-round(r.adjusted, 6), r.number))
    return out


def predicted_order(ranked: Sequence[Any], model: Any, records: dict[str, Any], now: datetime) -> list[Ranked]:
    """The urgency ranking (``mhv.tasks`` ``Ranked`` rows: ``task``, ``urgency.score``, ``blocked``)
    re-ordered by the chance of missing the due date, with ``model`` (a fitted
    :class:`mhv.insights.predict.Model`) over ``records`` (history records by task id). Tasks
    without a record are left out. Serves `mhv next --predicted` and the workspace's
    "predicted finish" order."""
    items = []
    for r in ranked:
        rec = records.get(r.task.id)
        if rec is not None:
            items.append((r.task.number, r.urgency.score, rec.created, rec.due,
                          model.predict(rec, now, graph_blocked=r.blocked)))  # fmt: skip
    return adjust(items, now)
