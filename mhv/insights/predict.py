"""Predictions for open tasks, learned from the finished ones.

Durations are heavy-tailed, so everything works on log-minutes and with quantiles (10%, 50%, 90%:
the point value is the median, the 80% interval the outer two). A task's estimate comes from a chain
of groups, broadest first: every finished task, its repository, (repository, first tag), (repository,
all tags), then with its priority, then with its assignee, then the finished tasks whose titles share
the most distinctive words with it. Each group's quantiles pull the running estimate toward them with
weight n / (n + K): a group of 3 tasks moves it a little, a group of 300 nearly all the way (empirical
Bayes shrinkage of sparse groups toward broader ones). When the task has an estimate and there are
enough finished tasks with one, Evidence-Based Scheduling's view (estimate x the velocity
distribution, actual / estimate, of the same chain of groups) is blended in by precision.

The interval is then widened or narrowed by one factor per target, learned on the history alone: the
model is fitted on its older 80% and judged on the newer 20% (time order, nothing from the future), and
the factor is the one that makes 80% of those fall inside (split conformal calibration).

With fewer than ``MIN_SIMILAR`` finished tasks nothing is predicted: the answer says so.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from mhv.insights.history import Record

QUANTILES = (0.1, 0.5, 0.9)
MIN_SIMILAR = 5  # fewer finished tasks in every group: "not enough history"
K = 8.0  # shrinkage strength: a group of K tasks gets half the weight (blocker risk, velocities)
K_CHOICES = (4.0, 16.0, 64.0)  # durations: the one with the lowest error on the history's newest 20%
SIMILAR_TOP = 20
_Z80 = 1.2815515655446004  # the 90% point of the standard normal
_WORD = re.compile(r"[a-z][a-z0-9_]+")
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "not",
        "no",
        "add",
        "fix",
        "make",
        "use",
        "when",
        "bug",
        "task",
    ]
)
Targets = ("duration", "lead")


@dataclass(slots=True)
class Estimate:
    """A predicted duration in minutes: point (median), the 80% interval, and what it rests on."""

    minutes: float
    low: float
    high: float
    based_on: str  # the most specific group with enough tasks, e.g. "repo api, tag db (14 tasks)"
    n: int  # finished tasks in that group
    similar: list[int] = field(default_factory=list)  # numbers of the most similar finished tasks

    def to_json(self) -> dict[str, Any]:
        return {
            "minutes": round(self.minutes, 1),
            "low": round(self.low, 1),
            "high": round(self.high, 1),
            "based_on": self.based_on,
            "n": self.n,
            "similar": self.similar,
        }

    def human(self) -> str:
        return f"likely {span(self.low, self.high)}, from {self.based_on}"

    def short(self) -> str:
        """'likely 2-5 h, from 14 similar tasks' (the main source only: the detail pane)."""
        return f"likely {span(self.low, self.high)}, from {self.based_on.split(' and ')[0]}"


def span(low: float, high: float) -> str:
    """'2-5 h', '20-50 min', '1.5-4 d' (a day = 24 h of calendar time)."""
    if high < 90:
        return f"{_n(low)}-{_n(high)} min"
    if high < 48 * 60:
        return f"{_n(low / 60)}-{_n(high / 60)} h"
    return f"{_n(low / 1440)}-{_n(high / 1440)} d"


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x < 10 else f"{x:.0f}"


@dataclass(slots=True)
class Prediction:
    number: int
    title: str
    duration: Estimate | None
    lead: Estimate | None
    blocker_risk: float | None
    blocker_why: str
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "duration": self.duration.to_json() if self.duration else None,
            "lead": self.lead.to_json() if self.lead else None,
            "blocker_risk": None if self.blocker_risk is None else round(self.blocker_risk, 3),
            "why": {"blocker": self.blocker_why, "notes": self.notes},
        }


# ------------------------------------------------------------------------------------- groups
def _levels(rec: Record) -> list[tuple[str, tuple[Any, ...]]]:
    """The chain of groups of a task, broadest first: (label, key)."""
    tags = tuple(rec.tags)
    first = tags[0] if tags else None
    all_tags = tuple(sorted(tags))
    repo = f"repo {rec.repo}" if rec.repo else "no repo"
    tagged = " ".join("#" + t for t in all_tags) or "no tags"
    who = f"assigned to {rec.assignee}" if rec.assignee else "unassigned"
    return [
        ("all finished tasks", ("all",)),
        (repo, ("r", rec.repo)),
        (f"{repo}, #{first}" if first else f"{repo}, no tags", ("rt", rec.repo, first)),
        (f"{repo}, {tagged}", ("rT", rec.repo, all_tags)),
        (f"{repo}, {tagged}, {rec.priority} priority", ("rTp", rec.repo, all_tags, rec.priority)),
        (
            f"{repo}, {tagged}, {rec.priority} priority, {who}",
            ("rTpa", rec.repo, all_tags, rec.priority, rec.assignee),
        ),
    ]


def _velocity_levels(rec: Record) -> list[tuple[str, tuple[Any, ...]]]:
    repo = f"repo {rec.repo}" if rec.repo else "no repo"
    who = rec.assignee or "unassigned"
    return [
        ("all estimates", ("all",)),
        (repo, ("r", rec.repo)),
        (who, ("a", rec.assignee)),
        (f"{repo}, {who}", ("ra", rec.repo, rec.assignee)),
    ]


def words(title: str) -> set[str]:
    return {w for w in _WORD.findall(title.lower()) if w not in STOP}


def quantiles(values: Sequence[float]) -> np.ndarray:
    """The 10/50/90% quantiles (linear interpolation, as NumPy's default) without NumPy's per-call
    overhead: most groups are small, and there are tens of thousands of them."""
    xs = sorted(values)
    n = len(xs)
    out = []
    for q in QUANTILES:
        pos = q * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        out.append(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))
    return np.array(out)


class _Groups:
    """Quantiles of log values per group key (computed once)."""

    def __init__(self, keyed: dict[tuple[Any, ...], list[float]]) -> None:
        self.q: dict[tuple[Any, ...], tuple[np.ndarray, int]] = {}
        for key, values in keyed.items():
            self.q[key] = (quantiles(values), len(values))

    def get(self, key: tuple[Any, ...]) -> tuple[np.ndarray, int] | None:
        return self.q.get(key)


def _shrink(chain: Iterable[tuple[str, tuple[Any, ...]]], groups: _Groups,
            extra: Sequence[tuple[str, np.ndarray, int]] = (), k: float = K) -> tuple[np.ndarray, str, int] | None:  # fmt: skip
    est: np.ndarray | None = None
    label, used = "", 0
    items: list[tuple[str, np.ndarray, int]] = []
    for lab, key in chain:
        got = groups.get(key)
        if got is not None:
            items.append((lab, got[0], got[1]))
    items.extend(extra)
    for lab, q, n in items:
        if est is None:
            if n < MIN_SIMILAR:
                return None
            est, label, used = q.copy(), lab, n
            continue
        w = n / (n + k)
        est = w * q + (1.0 - w) * est
        if n >= MIN_SIMILAR:
            label, used = lab, n
    if est is None:
        return None
    est.sort()  # quantiles stay ordered after blending
    return est, label, used


# ------------------------------------------------------------------------------------- the model
class Model:
    """Learned from finished tasks; predicts open ones. Build once, predict many (one pass)."""

    def __init__(self, history: Sequence[Record], *, calibrate: bool = True) -> None:
        self.history = [r for r in history if r.done]
        self.n = len(self.history)
        self._fit(self.history)
        self.scale = {"duration": 1.0, "lead": 1.0}
        self.shift = {"duration": 0.0, "lead": 0.0}
        self.k = {"duration": K, "lead": K}
        if calibrate:
            self._calibrate()

    def _fit(self, done: Sequence[Record]) -> None:
        self.groups: dict[str, _Groups] = {}
        self.velocity: _Groups
        blocked: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
        for target in Targets:
            keyed: dict[tuple[Any, ...], list[float]] = defaultdict(list)
            for r in done:
                value = r.in_progress if target == "duration" else r.lead
                if value is None or value <= 0:
                    continue
                lv = math.log(value)
                for _, key in _levels(r):
                    keyed[key].append(lv)
            self.groups[target] = _Groups(keyed)
        vel: dict[tuple[Any, ...], list[float]] = defaultdict(list)
        for r in done:
            if r.estimate and r.in_progress and r.in_progress > 0:
                ratio = math.log(r.in_progress / r.estimate)
                for _, key in _velocity_levels(r):
                    vel[key].append(ratio)
            for _, key in _levels(r):
                counts = blocked[key]
                counts[0] += int(r.ever_blocked)
                counts[1] += 1
        self.velocity = _Groups(vel)
        self.blocked = dict(blocked)
        # words -> finished tasks (only words in 2..max(50, min(N/5, 400)) tasks: shared, yet distinctive)
        index: dict[str, list[int]] = defaultdict(list)
        self._done = list(done)
        for i, r in enumerate(self._done):
            for w in words(r.title):
                index[w].append(i)
        cap = max(50, min(len(self._done) // 5, 400))
        self.index = {w: ids for w, ids in index.items() if 2 <= len(ids) <= cap}
        self.idf = {w: math.log(len(self._done) / len(ids)) for w, ids in self.index.items()}

    # -- similar tasks by title words
    def similar(self, rec: Record, limit: int = SIMILAR_TOP) -> list[Record]:
        """Finished tasks of the same repository whose titles share the most distinctive words
        (idf-weighted); words naming the repository or a tag say nothing new and are left out."""
        own = set(_WORD.findall((rec.repo or "").lower())) | {t.lower() for t in rec.tags}
        scores: dict[int, float] = defaultdict(float)
        for w in words(rec.title) - own:
            ids = self.index.get(w)
            if ids is None:
                continue
            idf = self.idf[w]
            for i in ids:
                scores[i] += idf
        if not scores:
            return []
        same = [(score, i) for i, score in scores.items() if self._done[i].repo == rec.repo]
        return [self._done[i] for _, i in heapq.nlargest(limit, same)]

    def _estimate(self, rec: Record, target: str, similar: list[Record]) -> Estimate | None:
        extra: list[tuple[str, np.ndarray, int]] = []
        values = [
            v for v in ((s.in_progress if target == "duration" else s.lead) for s in similar) if v and v > 0
        ]
        if len(values) >= MIN_SIMILAR:
            extra.append(
                (f"{len(values)} similar tasks", quantiles([math.log(v) for v in values]), len(values))
            )
        got = _shrink(_levels(rec), self.groups[target], extra, self.k[target])
        # Evidence-Based Scheduling: the estimate divided by the velocity (estimate / actual), i.e.
        # times actual / estimate; blended in by precision when there is an estimate.
        ebs = None
        if rec.estimate and rec.estimate > 0 and target == "duration":
            v = _shrink(_velocity_levels(rec), self.velocity)
            if v is not None:
                ebs = (
                    math.log(rec.estimate) + v[0],
                    f"the estimate x velocity ({v[1]}, {v[2]} estimates)",
                    v[2],
                )
        if got is None and ebs is None:
            return None
        if got is None:
            q, label, n = ebs  # type: ignore[misc]
        elif ebs is None:
            q, label, n = got
        else:
            q1, q2 = got[0], ebs[0]
            s1 = max((q1[2] - q1[0]) / (2 * _Z80), 1e-3)
            s2 = max((q2[2] - q2[0]) / (2 * _Z80), 1e-3)
            w1, w2 = 1 / s1**2, 1 / s2**2
            mid = (w1 * q1[1] + w2 * q2[1]) / (w1 + w2)
            half_lo = (w1 * (q1[1] - q1[0]) + w2 * (q2[1] - q2[0])) / (w1 + w2)
            half_hi = (w1 * (q1[2] - q1[1]) + w2 * (q2[2] - q2[1])) / (w1 + w2)
            q = np.array([mid - half_lo, mid, mid + half_hi])
            first, second = (got, ebs) if w1 >= w2 else (ebs, got)
            label, n = f"{_based(first[1], first[2])} and {_based(second[1], second[2])}", first[2]
        s = self.scale[target]
        shift = self.shift[target]
        q = q + shift
        mid = float(q[1])
        lo, hi = mid - s * (mid - float(q[0])), mid + s * (float(q[2]) - mid)
        based = label if " and " in label else _based(label, n)
        return Estimate(math.exp(mid), math.exp(lo), math.exp(hi), based, n, [t.number for t in similar[:5]])

    def predict(
        self, rec: Record, now: datetime | None = None, *, graph_blocked: bool | None = None
    ) -> Prediction:
        """Predict one open task. ``now`` conditions on time already passed (a task 3 days old will
        not be finished in less than 3 days); None predicts as at its creation."""
        if self.n < MIN_SIMILAR:
            note = f"not enough history: {self.n} finished tasks, predictions need {MIN_SIMILAR}"
            return Prediction(rec.number, rec.title, None, None, None, note, [note])
        similar = self.similar(rec)
        duration = self._estimate(rec, "duration", similar)
        lead = self._estimate(rec, "lead", similar)
        notes: list[str] = []
        if now is not None:
            spent = rec.in_progress or 0.0
            if duration is not None and spent > 0:
                _at_least(duration, spent)
            if lead is not None and rec.created is not None and now > rec.created:
                _at_least(lead, (now - rec.created).total_seconds() / 60.0)
        for name, est in (("duration", duration), ("lead", lead)):
            if est is None:
                notes.append(f"{name}: not enough history (fewer than {MIN_SIMILAR} finished tasks with one)")
        risk, why = self.blocker_risk(rec, graph_blocked)
        return Prediction(rec.number, rec.title, duration, lead, risk, why, notes)

    def blocker_risk(self, rec: Record, graph_blocked: bool | None = None) -> tuple[float | None, str]:
        blocked_now = graph_blocked if graph_blocked is not None else rec.status == "blocked"
        if blocked_now:
            return 1.0, "blocked now: it waits for an unfinished task"
        p: float | None = None
        label, used = "", 0
        for lab, key in _levels(rec):
            got = self.blocked.get(key)
            if got is None:
                continue
            k, n = got
            if p is None:
                if n < MIN_SIMILAR:
                    return None, "not enough history"
                p, label, used = k / n, lab, n
                continue
            p = (k + K * p) / (n + K)
            if n >= MIN_SIMILAR:
                label, used = lab, n
        if p is None:
            return None, "not enough history"
        return p, f"{label}: blocked before in {p:.0%} of {used} tasks (shrunk)"

    def predict_many(self, recs: Iterable[Record], now: datetime | None = None,
                     blocked: Callable[[Record], bool] | None = None) -> list[Prediction]:  # fmt: skip
        return [self.predict(r, now, graph_blocked=blocked(r) if blocked else None) for r in recs]

    # -- calibration of the interval width on the history's newest 20%
    def _calibrate(self) -> None:
        # The newest 20% of each repository (repositories live at different times: a global cut by
        # date would judge one repository by another's era).
        per_repo: dict[str | None, list[Record]] = defaultdict(list)
        for r in self.history:
            if r.created is not None:
                per_repo[r.repo].append(r)
        older: list[Record] = []
        newest: list[Record] = []
        for repo in sorted(per_repo, key=lambda x: x or ""):
            rows = sorted(per_repo[repo], key=lambda r: (r.created, r.number))  # type: ignore[arg-type,return-value]
            cut = int(len(rows) * 0.8)
            older += rows[:cut]
            newest += rows[cut:]
        if len(newest) < 5 * MIN_SIMILAR:
            return
        fit = Model.__new__(Model)
        fit.history, fit.n = older, len(older)
        fit.scale, fit.shift = {"duration": 1.0, "lead": 1.0}, {"duration": 0.0, "lead": 0.0}
        fit._fit(older)
        similar = [fit.similar(r) for r in newest]
        for target in Targets:
            best: tuple[float, float, list[tuple[float, float, float, float]]] | None = None
            for k in K_CHOICES:
                fit.k = {"duration": k, "lead": k}
                pairs: list[tuple[float, float, float, float]] = []  # log actual, low, mid, high
                for r, sim in zip(newest, similar, strict=True):
                    actual = r.in_progress if target == "duration" else r.lead
                    if not actual or actual <= 0:
                        continue
                    est = fit._estimate(r, target, sim)
                    if est is not None:
                        pairs.append(
                            (math.log(actual), math.log(est.low), math.log(est.minutes), math.log(est.high))
                        )
                if len(pairs) < 5 * MIN_SIMILAR:
                    break
                shift = float(np.median([a - m for a, _, m, _ in pairs]))
                err = float(np.mean([abs(math.exp(a) - math.exp(m + shift)) for a, _, m, _ in pairs]))
                if best is None or err < best[0]:
                    best = (err, k, pairs)
            if best is None:
                continue
            self.k[target] = best[1]
            pairs = best[2]
            # Drift: newer tasks may run shorter or longer than older ones; the median error of the
            # newest fifth says by how much (applied in log space, so a ratio).
            shift = float(np.median([a - m for a, _, m, _ in pairs]))
            self.shift[target] = shift
            z = []  # how many half-widths away each actual was, after the shift
            for a, lo, m, hi in pairs:
                a -= shift
                half = (hi - m) if a >= m else (m - lo)
                z.append(abs(a - m) / max(half, 1e-6))
            self.scale[target] = float(np.clip(np.quantile(z, 0.8), 0.5, 4.0))


def _based(label: str, n: int) -> str:
    """'repo api, #db (14 tasks)'; '14 similar tasks' and the estimate's label say their count."""
    return label if label.endswith(("similar tasks", "estimates)")) else f"{label} ({n} tasks)"


def _at_least(est: Estimate, floor: float) -> None:
    est.minutes = max(est.minutes, floor)
    est.low = max(est.low, floor)
    est.high = max(est.high, floor * 1.05, est.minutes)
