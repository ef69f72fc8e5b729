"""Budgets of issue 17, measured: `mhv stats` over 100,000 tasks (<= 1 s), predictions for 10,000
open tasks at once (<= 10 s, one pass), one prediction for the detail pane (<= 20 ms).

    .venv/bin/python tests/bench/bench_insights.py [--tasks 100000] [--open 10000] [--status-events]

Seeds a deterministic history (CSV import through the task service, dates spread over two years),
then times the library calls and the real commands (subprocesses, warm file cache).

An import leaves no status events (insights read the tasks' own dates). ``--status-events`` gives
every finished task the two a task started and completed in mhv has (``task.started`` at its start,
``task.completed`` at its completion: the task's snapshot with the status before and after, in time
order after the import's events), so the timelines are read and folded as a real history's are.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPOS = ["api", "web", "infra", "docs", "mobile", "data"]
TAGS = ["db", "ui", "ci", "perf", "bug", "docs", "security", "refactor"]
WORDS = [
    "fix",
    "add",
    "migrate",
    "cache",
    "login",
    "schema",
    "page",
    "flaky",
    "test",
    "deploy",
    "index",
    "query",
]


def history_csv(n: int, n_open: int, seed: int = 17) -> str:
    rnd = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["title", "repo", "tags", "priority", "assignee", "estimate_minutes", "status", "created_at",
                "started_at", "completed_at"])  # fmt: skip
    for i in range(n):
        created = start + timedelta(minutes=rnd.randrange(0, 2 * 365 * 24 * 60))
        tags = " ".join(rnd.sample(TAGS, rnd.randint(0, 2)))
        est = rnd.choice([30, 60, 120, 240, 480])
        row = [f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}", rnd.choice(REPOS), tags,
               rnd.choice(["critical", "high", "medium", "low"]), rnd.choice(["ana", "bo", "cy", ""]), est]  # fmt: skip
        if i < n - n_open:
            began = created + timedelta(minutes=rnd.lognormvariate(7, 1.5))
            done = began + timedelta(minutes=est * rnd.lognormvariate(0.3, 0.7))
            row += ["completed", created.isoformat(), began.isoformat(), done.isoformat()]
        else:
            row += ["pending", created.isoformat(), "", ""]
        w.writerow(row)
    return buf.getvalue()


def add_status_events(conn) -> int:  # type: ignore[no-untyped-def]
    """task.started and task.completed for every finished task (SQLite), after the existing events."""
    seq = conn.scalar("SELECT max(seq) FROM event") or 0
    conn.execute("""
        CREATE TEMP TABLE status_ev AS
        SELECT e.txn AS txn, e.task_id AS task_id, 'task.started' AS kind, t.started_at AS at,
               json_set(e.after, '$.status', 'pending') AS before, json_set(e.after, '$.status', 'in_progress') AS after
          FROM event e JOIN task t ON t.id = e.task_id
         WHERE e.kind = 'task.created' AND t.status = 'completed' AND t.started_at IS NOT NULL
        UNION ALL
        SELECT e.txn, e.task_id, 'task.completed', t.completed_at,
               json_set(e.after, '$.status', 'in_progress'), json_set(e.after, '$.status', 'completed')
          FROM event e JOIN task t ON t.id = e.task_id
         WHERE e.kind = 'task.created' AND t.status = 'completed'""")
    conn.execute(
        """
        INSERT INTO event (seq, txn, task_id, kind, at, actor, before, after, before_status, after_status)
        SELECT ? + row_number() OVER (ORDER BY at), txn, task_id, kind, at, 'bench', before, after,
               json_extract(before, '$.status'), json_extract(after, '$.status')
          FROM status_ev ORDER BY at""",
        (seq,),
    )
    added = conn.scalar("SELECT count(*) FROM status_ev")
    conn.execute("DROP TABLE status_ev")
    return int(added)


def best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument(
        "--status-events", action="store_true", help="a started and a completed event per finished task"
    )
    ap.add_argument(
        "--seed-only", metavar="HOME", help="seed this new MHV_HOME, keep it, time nothing (ab_stats.py)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mhv-bench-insights-") as tmp:
        if args.seed_only:
            tmp = args.seed_only
            Path(tmp).mkdir(parents=True, exist_ok=False)
        os.environ["MHV_HOME"] = tmp
        from dateutil.tz import UTC as tz

        from mhv.insights import columns, history
        from mhv.insights.predict import Model
        from mhv.insights.stats import summarize, summarize_columns
        from mhv.store import open_store
        from mhv.tasks.interop.csv_import import import_csv
        from mhv.tasks.service import TaskService

        now = datetime(2026, 1, 15, 9, tzinfo=UTC)
        svc = TaskService(open_store(), clock=lambda: now, tz=tz, actor="bench", keep_graph=False)
        t = time.perf_counter()
        import_csv(svc, history_csv(args.tasks, args.open))
        print(f"seeded {args.tasks} tasks ({args.open} open) in {time.perf_counter() - t:.1f} s")
        if args.status_events:
            t = time.perf_counter()
            with svc.store.write() as conn:
                added = add_status_events(conn)
            print(f"added {added} status events in {time.perf_counter() - t:.1f} s")
        if args.seed_only:
            svc.store.close()
            return
        cols = best(lambda: summarize_columns(columns.load(svc), tz))
        print(f"stats, library (columns): load + summarize {cols * 1000:.0f} ms")
        load = best(lambda: history.load(svc))
        recs = history.load(svc)
        summ = best(lambda: summarize(recs, tz))
        print(f"stats, library: load {load * 1000:.0f} ms + summarize {summ * 1000:.0f} ms")
        fit = best(lambda: Model(recs), runs=1)
        model = Model(recs)
        todo = [r for r in recs if r.is_open]
        many = best(lambda: model.predict_many(todo, now), runs=1)
        print(f"predict, library: fit {fit:.2f} s + {len(todo)} predictions {many:.2f} s")
        one = [0.0] * 200
        for i in range(200):
            t = time.perf_counter()
            model.predict(todo[i], now)
            one[i] = time.perf_counter() - t
        print(f"one prediction (model built): median {statistics.median(one) * 1000:.2f} ms, "
              f"max {max(one) * 1000:.2f} ms")  # fmt: skip
        env = dict(os.environ, MHV_HOME=tmp, NO_COLOR="1", TZ="UTC")
        for argv in (["stats", "--json"], ["stats"], ["predict", "--open", "--json"], ["forecast", "--json"]):
            cmd = [sys.executable, "-m", "mhv", *argv, "--now", now.isoformat()]
            took = best(lambda cmd=cmd: subprocess.run(cmd, env=env, capture_output=True, check=True), runs=2)
            print(f"mhv {' '.join(argv)}: {took:.2f} s (whole process)")
        svc.store.close()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
