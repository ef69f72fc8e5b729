"""The oracle for mhv/insights/stats.py: `summarize` as it was before the columnar path (one pass
over the records, commit 3f24666), kept verbatim so tests can check that the columns read straight
from the database (mhv.insights.columns) and the per-record summary give the same numbers."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, tzinfo
from typing import Any

import numpy as np

from mhv.insights.history import Record
from mhv.insights.predict import MIN_SIMILAR, words
from mhv.insights.stats import WEEKDAYS, LocalDates


def _dist(values: Sequence[float] | np.ndarray) -> dict[str, Any] | None:
    """Minutes: count, p10, p25, median, p75, p90, mean."""
    if len(values) == 0:
        return None
    arr = np.asarray(values, dtype=float)
    q = np.quantile(arr, (0.1, 0.25, 0.5, 0.75, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 1), "p25": round(float(q[1]), 1),
            "median": round(float(q[2]), 1), "p75": round(float(q[3]), 1), "p90": round(float(q[4]), 1),
            "mean": round(float(arr.mean()), 1)}  # fmt: skip


def _dist_arr(arr: np.ndarray) -> dict[str, Any] | None:
    arr = arr[~np.isnan(arr)]
    return _dist(arr) if len(arr) else None


def _accuracy_arr(ratios: np.ndarray) -> dict[str, Any] | None:
    arr = ratios[~np.isnan(ratios)]
    if not len(arr):
        return None
    q = np.quantile(arr, (0.1, 0.5, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 2), "median": round(float(q[1]), 2),
            "p90": round(float(q[2]), 2), "on_time": round(float((arr <= 1.0).mean()), 3)}  # fmt: skip


def summarize(records: Sequence[Record], tz: tzinfo) -> dict[str, Any]:
    """Everything `mhv stats` shows, as JSON-ready data. Minutes throughout.

    One pass over the tasks builds NumPy columns and each group's row indexes; every distribution is
    then a slice of a column (100,000 tasks: no per-group pass over the tasks)."""
    done = [r for r in records if r.done]
    open_count = sum(1 for r in records if r.is_open)
    nan = math.nan
    n = len(done)
    ip = np.empty(n)
    lead = np.empty(n)
    ratio = np.empty(n)
    monday = np.zeros(n, dtype=np.int64)  # the proleptic ordinal of each completion's Monday
    weekday = [0] * 7
    by: dict[tuple[str, str], list[int]] = defaultdict(list)
    local_date = LocalDates(tz)
    for i, r in enumerate(done):
        ip[i] = nan if r.in_progress is None else r.in_progress
        lead[i] = nan if r.lead is None else r.lead
        ratio[i] = r.in_progress / r.estimate if r.estimate and r.in_progress else nan
        if r.completed_ts is not None:
            day = local_date.ordinal(r.completed_ts)
            wd = (day - 1) % 7  # ordinal 1 (1 January of year 1) is a Monday
            weekday[wd] += 1
            monday[i] = day - wd
        by[("repo", r.repo or "-")].append(i)
        by[("priority", r.priority)].append(i)
        by[("assignee", r.assignee or "-")].append(i)
        for t in r.tags:
            by[("tag", t)].append(i)
    has_week = monday > 0
    weeks: list[tuple[str, int]] = []
    if has_week.any():
        first, last = int(monday[has_week].min()), int(monday[has_week].max())
        counts = np.bincount((monday[has_week] - first) // 7, minlength=(last - first) // 7 + 1)
        weeks = [(date.fromordinal(first + 7 * k).isoformat(), int(c)) for k, c in enumerate(counts)]
    per_week = [c for _, c in weeks]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (kind, name), rows in sorted(by.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
        idx = np.asarray(rows)
        m = monday[idx]
        m = m[m > 0]
        span_weeks = int((m.max() - m.min()) // 7 + 1) if len(m) else 1
        groups[kind].append({
            "name": name,
            "finished": len(rows),
            "per_week": round(len(rows) / span_weeks, 2),
            "cycle": _dist_arr(ip[idx]),
            "lead": _dist_arr(lead[idx]),
            "accuracy": _accuracy_arr(ratio[idx]),
        })  # fmt: skip
    return {
        "finished": n,
        "open": open_count,
        "cancelled": sum(1 for r in records if r.status == "cancelled"),
        "throughput": {
            "weeks": [{"week": w, "finished": c} for w, c in weeks],
            "mean": round(float(np.mean(per_week)), 2) if per_week else 0.0,
            "median": float(np.median(per_week)) if per_week else 0.0,
        },
        "time_to_start": _dist([r.to_start for r in done if r.to_start is not None]),
        "cycle": _dist_arr(ip),
        "lead": _dist_arr(lead),
        "blocked": _dist([r.blocked for r in done if r.blocked > 0]),
        "reopened": sum(1 for r in done if r.reopens),
        "accuracy": _accuracy_arr(ratio),
        "weekday": [{"day": WEEKDAYS[i], "finished": weekday[i]} for i in range(7)],
        "groups": dict(groups),
        "patterns": patterns(done, by, ratio),
    }


def patterns(done: Sequence[Record], by: dict[tuple[str, str], list[int]] | None = None,
             ratio: np.ndarray | None = None, limit: int = 5) -> list[dict[str, Any]]:  # fmt: skip
    """Sentences a person can act on, each with its numbers: what precedes a block (repositories,
    tags, title words blocked far more often than the rest) and tags whose tasks overrun.
    ``by`` / ``ratio``: the row indexes per (kind, name) and actual/estimate per task, when known."""
    out: list[dict[str, Any]] = []
    if len(done) < MIN_SIMILAR:
        return out
    blocked = np.fromiter((r.ever_blocked for r in done), dtype=bool, count=len(done))
    if ratio is None:
        ratio = np.array(
            [r.in_progress / r.estimate if r.estimate and r.in_progress else math.nan for r in done]
        )
    base = float(blocked.mean())
    feats: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(done):
        if by is None:
            if r.repo:
                feats[("repo", r.repo)].append(i)
            for t in r.tags:
                feats[("tag", t)].append(i)
        for w in words(r.title):
            feats[("word", w)].append(i)
    if by is not None:
        feats.update({k: v for k, v in by.items() if k[0] in ("repo", "tag") and k[1] != "-"})
    blockers = []
    for (kind, name), rows in feats.items():
        if len(rows) < MIN_SIMILAR:
            continue
        rate = float(blocked[rows].mean())
        if rate >= max(2 * base, 0.2) and rate > base:
            blockers.append((rate, len(rows), kind, name))
    for rate, n, kind, name in sorted(blockers, key=lambda b: (-b[0], -b[1], b[3]))[:limit]:
        what = {"repo": f"repository {name}", "tag": f"#{name}", "word": f"the word '{name}'"}[kind]
        out.append({"kind": "blocker", "on": kind, "name": name, "rate": round(rate, 3), "base": round(base, 3),
                    "n": n, "text": f"tasks with {what} got blocked {rate:.0%} of the time "
                    f"({n} tasks; {base:.0%} overall)"})  # fmt: skip
    overruns = []  # tags whose tasks take 1.5x their estimate or more (or two thirds or less)
    for (kind, name), rows in feats.items():
        if kind != "tag":
            continue
        acc = _accuracy_arr(ratio[rows])
        if acc is None or acc["n"] < MIN_SIMILAR:
            continue
        median = acc["median"]
        if median > 0 and abs(math.log(median)) >= math.log(1.5):
            overruns.append((median, acc["n"], name))
    for median, n, name in sorted(overruns, key=lambda o: (-abs(math.log(max(o[0], 1e-6))), o[2]))[:limit]:
        out.append({"kind": "duration", "on": "tag", "name": name, "ratio": median, "n": n,
                    "text": f"tasks tagged #{name} take {median:.1f}x their estimate ({n} tasks)"})  # fmt: skip
    return out
