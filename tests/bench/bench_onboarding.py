"""Onboarding benchmark (run on purpose, not in the suite):

    .venv/bin/python tests/bench/bench_onboarding.py [--rows 10000] [--repeat 5]

1. the tour's sandbox: a fresh SQLite database (migrations) plus the 17 sample tasks, as the tour
   does before its first step (median of --repeat);
2. reading and checking config.toml (the commented default file, every key set);
3. importing --rows tasks from todo.txt and from CSV (the exporter's output), and re-importing
   the same CSV (every row unchanged);
4. `repo scan` over 50 real git checkouts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from dateutil.tz import UTC

    from mhv.app.tour import open_sandbox
    from mhv.config import DEFAULT_CONFIG, check_text
    from mhv.repos.scan import scan_repos
    from mhv.store import open_store
    from mhv.tasks.interop.csv_import import import_csv
    from mhv.tasks.interop.exporting import export_text
    from mhv.tasks.interop.todotxt import import_todotxt
    from mhv.tasks.service import TaskService

    work = Path(tempfile.mkdtemp(prefix="mhv-bench-onboard-"))

    def service(name: str) -> TaskService:
        return TaskService(open_store(f"sqlite:///{work / name}.db"), tz=UTC, actor="bench")

    real = service("real")
    print(
        f"tour sandbox (new database + 17 sample tasks): {timed(lambda: open_sandbox(real).close(), args.repeat) * 1000:.0f} ms"
    )
    full = "\n".join(line.replace("# ", "", 1) if line.startswith("# ") and ("=" in line or "[" in line) else line
                     for line in DEFAULT_CONFIG.splitlines())  # fmt: skip
    print(
        f"config check (every key set): {timed(lambda: check_text(full, work), args.repeat * 20) * 1000:.2f} ms"
    )

    lines = [f"({'ABCD'[i % 4]}) 2026-11-{1 + i % 28:02d} task number {i} +repo{i % 7} @ctx{i % 5} due:2026-12-{1 + i % 28:02d}"
             for i in range(args.rows)]  # fmt: skip
    todo = service("todo")
    t0 = time.perf_counter()
    summary = import_todotxt(todo, "\n".join(lines))
    print(
        f"todo.txt import, {args.rows:,} lines: {time.perf_counter() - t0:.2f} s ({summary.created:,} created)"
    )
    text = export_text(todo, "csv")
    other = service("csv")
    t0 = time.perf_counter()
    summary = import_csv(other, text)
    print(f"CSV import, {args.rows:,} rows: {time.perf_counter() - t0:.2f} s ({summary.created:,} created)")
    t0 = time.perf_counter()
    summary = import_csv(other, text)
    print(
        f"CSV re-import, {args.rows:,} unchanged rows: {time.perf_counter() - t0:.2f} s ({summary.skipped[0][0]} skipped)"
    )

    src = work / "src"
    for i in range(50):
        subprocess.run(["git", "init", "-q", str(src / f"group{i % 5}" / f"repo{i}")], check=True)
    t0 = time.perf_counter()
    found = scan_repos(src, real)
    print(f"repo scan, {len(found)} git checkouts: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
