"""Evidence-Based Scheduling's Monte Carlo: when will a set of open tasks be done?

Each trial draws, for every open task, how long it will take: its estimate times a velocity drawn from
the user's own history (actual / estimate of finished tasks), or, with no estimate, a duration drawn
from the task's predicted distribution (log-normal through its 10% / 50% / 90% quantiles). Work is then
spent at the pace the history shows: each simulated week's capacity (minutes of finished work) is drawn
from the real weeks. The dates by which the work is done in 50%, 80% and 95% of the trials are the
forecast. Seeded: the same history gives the same dates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from mhv.insights.history import Record
from mhv.insights.predict import MIN_SIMILAR, Model
from mhv.insights.stats import week_start

TRIALS = 2000
_Z80 = 1.2815515655446004


@dataclass(slots=True)
class Forecast:
    tasks: int
    dates: dict[int, datetime] | None  # 50 / 80 / 95 -> date
    weeks: dict[int, float] | None
    based_on: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "p50": self.dates[50].isoformat() if self.dates else None,
            "p80": self.dates[80].isoformat() if self.dates else None,
            "p95": self.dates[95].isoformat() if self.dates else None,
            "weeks": {str(k): round(v, 2) for k, v in self.weeks.items()} if self.weeks else None,
            "based_on": self.based_on,
        }


def weekly_capacity(done: Sequence[Record], tz: tzinfo, last_weeks: int = 26) -> list[float]:
    """Minutes of work finished in each of the last ``last_weeks`` weeks that saw any work."""
    per: dict[str, float] = defaultdict(float)
    for r in done:
        if r.completed is not None and r.in_progress:
            per[week_start(r.completed, tz)] += r.in_progress
    weeks = sorted(per)[-last_weeks:]
    return [per[w] for w in weeks]


def forecast(model: Model, open_tasks: Sequence[Record], now: datetime, tz: tzinfo, *,
             trials: int = TRIALS, seed: int = 0) -> Forecast:  # fmt: skip
    if not open_tasks:
        return Forecast(0, {p: now for p in (50, 80, 95)}, {p: 0.0 for p in (50, 80, 95)}, "nothing open")
    done = model.history
    capacity = weekly_capacity(done, tz)
    if len(capacity) < 2 or model.n < MIN_SIMILAR:
        return Forecast(len(open_tasks), None, None,
                        f"not enough history: {model.n} finished tasks over {len(capacity)} weeks with work")  # fmt: skip
    rng = np.random.default_rng(seed)
    ratios = np.asarray(
        [r.in_progress / r.estimate for r in done if r.estimate and r.in_progress], dtype=float
    )
    total = np.zeros(trials)
    used_ebs = used_pred = 0
    for rec in open_tasks:
        spent = rec.in_progress or 0.0
        if rec.estimate and len(ratios) >= MIN_SIMILAR:
            draw = rec.estimate * rng.choice(ratios, size=trials)
            used_ebs += 1
        else:
            est = model._estimate(rec, "duration", model.similar(rec))
            if est is None:
                continue
            mu = math.log(est.minutes)
            sigma = max((math.log(est.high) - math.log(est.low)) / (2 * _Z80), 1e-3)
            draw = np.exp(rng.normal(mu, sigma, size=trials))
            used_pred += 1
        total += np.maximum(draw - spent, 0.0)
    cap = np.asarray(capacity)
    # Weeks needed per trial: draw weekly capacities until the work is covered (vectorised in blocks).
    weeks = np.zeros(trials)
    remaining = total.copy()
    for _ in range(520):  # ten years at most
        if not (remaining > 0).any():
            break
        c = rng.choice(cap, size=trials)
        active = remaining > 0
        part = np.where(active, np.minimum(1.0, remaining / np.maximum(c, 1e-9)), 0.0)
        weeks += part
        remaining = np.where(active, remaining - c, 0.0)
    q = {p: float(np.quantile(weeks, p / 100)) for p in (50, 80, 95)}
    dates = {p: now + timedelta(weeks=w) for p, w in q.items()}
    skipped = len(open_tasks) - used_ebs - used_pred
    based = (f"{used_ebs} tasks by estimate x {len(ratios)} velocities, {used_pred} by predicted duration; "
             f"pace from {len(capacity)} weeks of finished work")  # fmt: skip
    if skipped:
        based += f"; {skipped} tasks left out (not enough history)"
    return Forecast(len(open_tasks), dates, q, based)
