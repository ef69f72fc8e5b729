"""What history says, summed up: throughput per week, cycle-time distributions, estimate accuracy
(the velocity distribution of Evidence-Based Scheduling) per repository, tag, priority and assignee,
when in the week work gets finished, and the patterns that stand out (recurring blockers, tags whose
tasks overrun their estimates)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from mhv.insights.history import Record
from mhv.insights.predict import MIN_SIMILAR, words

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _dist(values: Sequence[float]) -> dict[str, Any] | None:
    """Minutes: count, p10, p25, median, p75, p90, mean."""
    if not values:
        return None
    arr = np.asarray(values, dtype=float)
    q = np.quantile(arr, (0.1, 0.25, 0.5, 0.75, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 1), "p25": round(float(q[1]), 1),
            "median": round(float(q[2]), 1), "p75": round(float(q[3]), 1), "p90": round(float(q[4]), 1),
            "mean": round(float(arr.mean()), 1)}  # fmt: skip


def week_start(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return (local.date() - timedelta(days=local.weekday())).isoformat()


def throughput(done: Sequence[Record], tz: tzinfo, weeks: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """Tasks completed per week (weeks start Monday), every week from the first to the last.
    ``weeks``: each task's week by id, when already known."""
    if weeks is None:
        weeks = {r.id: week_start(r.completed, tz) for r in done if r.completed}
    counts = Counter(weeks[r.id] for r in done if r.id in weeks)
    if not counts:
        return []
    first = datetime.fromisoformat(min(counts)).date()
    last = datetime.fromisoformat(max(counts)).date()
    out = []
    day = first
    while day <= last:
        out.append((day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=7)
    return out


def accuracy(done: Sequence[Record]) -> dict[str, Any] | None:
    """actual / estimate over finished tasks with both: the velocity distribution (EBS)."""
    ratios = [r.in_progress / r.estimate for r in done if r.estimate and r.in_progress]
    if not ratios:
        return None
    arr = np.asarray(ratios)
    q = np.quantile(arr, (0.1, 0.5, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 2), "median": round(float(q[1]), 2),
            "p90": round(float(q[2]), 2), "on_time": round(float((arr <= 1.0).mean()), 3)}  # fmt: skip


def _group_keys(r: Record) -> list[tuple[str, str]]:
    keys = [("repo", r.repo or "-"), ("priority", r.priority), ("assignee", r.assignee or "-")]
    keys += [("tag", t) for t in r.tags]
    return keys


def summarize(records: Sequence[Record], tz: tzinfo) -> dict[str, Any]:
    """Everything `mhv stats` shows, as JSON-ready data. Minutes throughout."""
    done = [r for r in records if r.done]
    open_ = [r for r in records if r.is_open]
    local = {r.id: r.completed.astimezone(tz) for r in done if r.completed}
    week_of = {i: (at.date() - timedelta(days=at.weekday())).isoformat() for i, at in local.items()}
    weeks = throughput(done, tz, week_of)
    per_week = [c for _, c in weeks]
    by: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in done:
        for key in _group_keys(r):
            by[key].append(r)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (kind, name), rs in sorted(by.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
        ws = [week_of[r.id] for r in rs if r.id in week_of]
        span_weeks = (
            (datetime.fromisoformat(max(ws)) - datetime.fromisoformat(min(ws))).days // 7 + 1 if ws else 1
        )
        groups[kind].append({
            "name": name,
            "finished": len(rs),
            "per_week": round(len(rs) / span_weeks, 2),
            "cycle": _dist([r.in_progress for r in rs if r.in_progress is not None]),
            "lead": _dist([r.lead for r in rs if r.lead is not None]),
            "accuracy": accuracy(rs),
        })  # fmt: skip
    weekday = Counter(at.weekday() for at in local.values())
    return {
        "finished": len(done),
        "open": len(open_),
        "cancelled": sum(1 for r in records if r.status == "cancelled"),
        "throughput": {
            "weeks": [{"week": w, "finished": c} for w, c in weeks],
            "mean": round(float(np.mean(per_week)), 2) if per_week else 0.0,
            "median": float(np.median(per_week)) if per_week else 0.0,
        },
        "time_to_start": _dist([r.to_start for r in done if r.to_start is not None]),
        "cycle": _dist([r.in_progress for r in done if r.in_progress is not None]),
        "lead": _dist([r.lead for r in done if r.lead is not None]),
        "blocked": _dist([r.blocked for r in done if r.blocked > 0]),
        "reopened": sum(1 for r in done if r.reopens),
        "accuracy": accuracy(done),
        "weekday": [{"day": WEEKDAYS[i], "finished": weekday.get(i, 0)} for i in range(7)],
        "groups": dict(groups),
        "patterns": patterns(done),
    }


def patterns(done: Sequence[Record], limit: int = 5) -> list[dict[str, Any]]:
    """Sentences a person can act on, each with its numbers: what precedes a block (repositories,
    tags, title words blocked far more often than the rest) and tags whose tasks overrun."""
    out: list[dict[str, Any]] = []
    if len(done) < MIN_SIMILAR:
        return out
    base = sum(r.ever_blocked for r in done) / len(done)
    feats: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in done:
        if r.repo:
            feats[("repo", r.repo)].append(r)
        for t in r.tags:
            feats[("tag", t)].append(r)
        for w in words(r.title):
            feats[("word", w)].append(r)
    blockers = []
    for (kind, name), rs in feats.items():
        if len(rs) < MIN_SIMILAR:
            continue
        rate = sum(r.ever_blocked for r in rs) / len(rs)
        if rate >= max(2 * base, 0.2) and rate > base:
            blockers.append((rate, len(rs), kind, name))
    for rate, n, kind, name in sorted(blockers, key=lambda b: (-b[0], -b[1], b[3]))[:limit]:
        what = {"repo": f"repository {name}", "tag": f"#{name}", "word": f"the word '{name}'"}[kind]
        out.append({"kind": "blocker", "on": kind, "name": name, "rate": round(rate, 3), "base": round(base, 3),
                    "n": n, "text": f"tasks with {what} got blocked {rate:.0%} of the time "
                    f"({n} tasks; {base:.0%} overall)"})  # fmt: skip
    overruns = []  # tags whose tasks take 1.5x their estimate or more (or two thirds or less)
    for (kind, name), rs in feats.items():
        if kind != "tag":
            continue
        acc = accuracy(rs)
        if acc is None or acc["n"] < MIN_SIMILAR:
            continue
        ratio = acc["median"]
        if ratio > 0 and abs(math.log(ratio)) >= math.log(1.5):
            overruns.append((ratio, acc["n"], name))
    for ratio, n, name in sorted(overruns, key=lambda o: (-abs(math.log(max(o[0], 1e-6))), o[2]))[:limit]:
        out.append({"kind": "duration", "on": "tag", "name": name, "ratio": ratio, "n": n,
                    "text": f"tasks tagged #{name} take {ratio:.1f}x their estimate ({n} tasks)"})  # fmt: skip
    return out
