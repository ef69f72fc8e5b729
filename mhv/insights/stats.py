"""What history says, summed up: throughput per week, cycle-time distributions, estimate accuracy
(the velocity distribution of Evidence-Based Scheduling) per repository, tag, priority and assignee,
when in the week work gets finished, and the patterns that stand out (recurring blockers, tags whose
tasks overrun their estimates)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from mhv.insights.columns import Codes, Columns
from mhv.insights.history import Record
from mhv.insights.predict import MIN_SIMILAR, words

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def quantiles(arr: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """``np.quantile(arr, qs)`` (its default, linear method) for a 1-d array without NaN, to the
    last bit: the same virtual indexes, neighbours and interpolation, operation by operation. Why
    not np.quantile itself: it calls np.unique, whose first use imports numpy.ma (~20 ms of a
    one-shot `mhv stats`)."""
    n = len(arr)
    q = np.asarray(qs, dtype=float)
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    nxt = prev + 1
    above = virtual >= n - 1
    prev[above] = -1
    nxt[above] = -1
    prev_i, next_i = prev.astype(np.intp), nxt.astype(np.intp)
    kth = sorted({0, n - 1, *(int(k) % n for k in prev_i), *(int(k) % n for k in next_i)})
    part = np.partition(arr, kth)
    a, b = part[prev_i], part[next_i]
    gamma = virtual - prev_i
    diff_b_a = b - a
    out = np.add(a, diff_b_a * gamma)
    np.subtract(b, diff_b_a * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _dist(values: Sequence[float] | np.ndarray) -> dict[str, Any] | None:
    """Minutes: count, p10, p25, median, p75, p90, mean."""
    if len(values) == 0:
        return None
    arr = np.asarray(values, dtype=float)
    q = quantiles(arr, (0.1, 0.25, 0.5, 0.75, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 1), "p25": round(float(q[1]), 1),
            "median": round(float(q[2]), 1), "p75": round(float(q[3]), 1), "p90": round(float(q[4]), 1),
            "mean": round(float(arr.mean()), 1)}  # fmt: skip


def week_start(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return (local.date() - timedelta(days=local.weekday())).isoformat()


def throughput(
    done: Sequence[Record], tz: tzinfo, weeks: dict[str, str] | None = None
) -> list[tuple[str, int]]:
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
    q = quantiles(arr, (0.1, 0.5, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 2), "median": round(float(q[1]), 2),
            "p90": round(float(q[2]), 2), "on_time": round(float((arr <= 1.0).mean()), 3)}  # fmt: skip


def _group_keys(r: Record) -> list[tuple[str, str]]:
    keys = [("repo", r.repo or "-"), ("priority", r.priority), ("assignee", r.assignee or "-")]
    keys += [("tag", t) for t in r.tags]
    return keys


class LocalDates:
    """UTC instant -> local date, fast: the zone's offset is looked up once per UTC day (a day whose
    offset is the same at both ends has it throughout; a transition day falls back to astimezone).
    dateutil's local zone costs ~13 us a conversion, 1.2 s over 90,000 completions."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._offsets: dict[date, timedelta | None] = {}
        self._by_epoch_day: dict[int, float] = {}

    def __call__(self, at: datetime) -> date:
        utc = at.astimezone(UTC) if at.utcoffset() else at
        day = utc.date()
        off = self._offsets.get(day, False)
        if off is False:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            a = start.astimezone(self.tz).utcoffset()
            b = (start + timedelta(days=1)).astimezone(self.tz).utcoffset()
            off = self._offsets[day] = a if a == b else None
        if off is None:
            return at.astimezone(self.tz).date()
        return (utc.replace(tzinfo=None) + off).date()  # type: ignore[operator]

    def ordinal(self, ts: float) -> int:
        """The proleptic ordinal (``date.toordinal``) of the local date of POSIX seconds ``ts``."""
        utc_day = int(ts // 86400)
        off = self._by_epoch_day.get(utc_day)
        if off is None:
            start = datetime.fromtimestamp(utc_day * 86400, UTC)
            a = start.astimezone(self.tz).utcoffset()
            b = (start + timedelta(days=1)).astimezone(self.tz).utcoffset()
            off = self._by_epoch_day[utc_day] = a.total_seconds() if a is not None and a == b else math.nan
        if off != off:  # the zone's offset changes this day: ask it for this instant
            return datetime.fromtimestamp(ts, UTC).astimezone(self.tz).date().toordinal()
        return _EPOCH_ORDINAL + int((ts + off) // 86400)

    def ordinals(self, ts: np.ndarray) -> np.ndarray:
        """:meth:`ordinal` of each of ``ts`` (POSIX seconds), 0 where NaN: one offset per distinct
        UTC day, the same arithmetic over the whole column."""
        out = np.zeros(len(ts), dtype=np.int64)
        known = ~np.isnan(ts)
        t = ts[known]
        if not len(t):
            return out
        days, where = np.unique(np.floor_divide(t, 86400), return_inverse=True)
        for d in days:
            if int(d) not in self._by_epoch_day:
                self.ordinal(float(d) * 86400)  # fills the day's offset (NaN: it changes that day)
        off = np.array([self._by_epoch_day[int(d)] for d in days])[where]
        got = np.floor_divide(t + off, 86400)
        odd = np.isnan(off)
        local = got.astype(np.int64, copy=False) if not odd.any() else np.where(odd, 0, got).astype(np.int64)
        local += _EPOCH_ORDINAL
        for k in np.flatnonzero(odd):
            local[k] = self.ordinal(float(t[k]))
        out[known] = local
        return out


def _dist_arr(arr: np.ndarray) -> dict[str, Any] | None:
    arr = arr[~np.isnan(arr)]
    return _dist(arr) if len(arr) else None


def _accuracy_arr(ratios: np.ndarray) -> dict[str, Any] | None:
    arr = ratios[~np.isnan(ratios)]
    if not len(arr):
        return None
    q = quantiles(arr, (0.1, 0.5, 0.9))
    return {"n": len(arr), "p10": round(float(q[0]), 2), "median": round(float(q[1]), 2),
            "p90": round(float(q[2]), 2), "on_time": round(float((arr <= 1.0).mean()), 3)}  # fmt: skip


def summarize(records: Sequence[Record], tz: tzinfo) -> dict[str, Any]:
    """Everything `mhv stats` shows, as JSON-ready data. Minutes throughout."""
    return summarize_columns(Columns.from_records(records), tz)


def _by(c: Columns) -> dict[tuple[str, str], np.ndarray]:
    """Each group's row indexes (ascending; a task listing a tag twice is in its group twice), keyed
    (kind, name) in the order a pass over the tasks meets them: per task its repository, priority,
    assignee, then its tags (the order that breaks ties between equal patterns)."""
    n = len(c)
    found: list[tuple[int, int, tuple[str, str], np.ndarray]] = []

    def split(codes: Codes) -> list[np.ndarray]:
        if not n:
            return [np.empty(0, dtype=np.int64) for _ in codes.names]
        order = np.argsort(codes.codes, kind="stable")
        counts = np.bincount(codes.codes, minlength=len(codes.names))
        return np.split(order, np.cumsum(counts)[:-1])

    for pos, kind, codes in ((0, "repo", c.repo), (1, "priority", c.priority), (2, "assignee", c.assignee)):
        for name, rows in zip(codes.names, split(codes), strict=True):
            if len(rows):
                found.append((int(rows[0]), pos, (kind, name), rows))
    per_tag: dict[str, list[np.ndarray]] = {}
    first: dict[str, tuple[int, int]] = {}
    for tags, rows in zip(c.tag_sets.names, split(c.tag_sets), strict=True):
        if not len(rows):
            continue
        for j, t in enumerate(tags):
            per_tag.setdefault(t, []).append(rows)
            at = (int(rows[0]), 3 + j)
            if t not in first or at < first[t]:
                first[t] = at
    for t, parts in per_tag.items():
        rows = parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts), kind="stable")
        found.append((*first[t], ("tag", t), rows))
    found.sort(key=lambda f: (f[0], f[1]))
    return {key: rows for _, _, key, rows in found}


def summarize_columns(c: Columns, tz: tzinfo) -> dict[str, Any]:
    """:func:`summarize` over columns (see :mod:`mhv.insights.columns`): every number is a NumPy
    operation on a column, every group a slice of one (100,000 tasks: no pass over the tasks)."""
    n = len(c)
    ip, lead, est = c.in_progress, c.lead, c.estimate
    ratio = np.full(n, math.nan)
    with np.errstate(invalid="ignore"):
        has_ratio = (est != 0) & ~np.isnan(est) & (ip != 0) & ~np.isnan(ip)
    np.divide(ip, est, out=ratio, where=has_ratio)
    day = LocalDates(tz).ordinals(c.completed_ts)  # 0: no completion instant
    has_week = day > 0
    wd = (day - 1) % 7  # ordinal 1 (1 January of year 1) is a Monday
    monday = np.where(has_week, day - wd, 0)
    weekday = np.bincount(wd[has_week], minlength=7)
    weeks: list[tuple[str, int]] = []
    if has_week.any():
        first, last = int(monday[has_week].min()), int(monday[has_week].max())
        counts = np.bincount((monday[has_week] - first) // 7, minlength=(last - first) // 7 + 1)
        weeks = [(date.fromordinal(first + 7 * k).isoformat(), int(v)) for k, v in enumerate(counts)]
    per_week = [v for _, v in weeks]
    by = _by(c)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (kind, name), idx in sorted(by.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
        m = monday[idx]
        m = m[m > 0]
        span_weeks = int((m.max() - m.min()) // 7 + 1) if len(m) else 1
        groups[kind].append({
            "name": name,
            "finished": len(idx),
            "per_week": round(len(idx) / span_weeks, 2),
            "cycle": _dist_arr(ip[idx]),
            "lead": _dist_arr(lead[idx]),
            "accuracy": _accuracy_arr(ratio[idx]),
        })  # fmt: skip
    blocked = c.blocked
    return {
        "finished": n,
        "open": c.open,
        "cancelled": c.cancelled,
        "throughput": {
            "weeks": [{"week": w, "finished": v} for w, v in weeks],
            "mean": round(float(np.mean(per_week)), 2) if per_week else 0.0,
            "median": float(np.median(per_week)) if per_week else 0.0,
        },
        "time_to_start": _dist_arr(c.to_start),
        "cycle": _dist_arr(ip),
        "lead": _dist_arr(lead),
        "blocked": _dist(blocked[blocked > 0]),
        "reopened": int(c.reopened.sum()),
        "accuracy": _accuracy_arr(ratio),
        "weekday": [{"day": WEEKDAYS[i], "finished": int(weekday[i])} for i in range(7)],
        "groups": dict(groups),
        "patterns": _patterns(c.ever_blocked, c.titles, by, ratio),
    }


def _patterns(blocked: np.ndarray, titles: Callable[[], Sequence[str]], by: dict[tuple[str, str], np.ndarray],
              ratio: np.ndarray, limit: int = 5) -> list[dict[str, Any]]:  # fmt: skip
    """``blocked``: whether each finished task was ever blocked; ``titles``: their titles, asked for
    only when one was (no blocked task, no blocker pattern: every rate is 0); ``by``: the row indexes
    per (kind, name) (:func:`_by`); ``ratio``: actual / estimate per task (NaN when not known)."""
    out: list[dict[str, Any]] = []
    if len(blocked) < MIN_SIMILAR:
        return out
    base = float(blocked.mean())
    feats: dict[tuple[str, str], Any] = {}
    if blocked.any():
        word_rows: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, title in enumerate(titles()):
            for w in words(title):
                word_rows[("word", w)].append(i)
        feats.update(word_rows)
    feats.update({k: v for k, v in by.items() if k[0] in ("repo", "tag") and k[1] != "-"})
    blockers = []
    if blocked.any():
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
