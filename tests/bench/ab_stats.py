"""`mhv stats` before and after, whole process, interleaved: each round runs every command once, so
a shared machine's load falls on both alike. Median wall time and CPU (user + sys) per command.

    git archive main | tar -x -C /tmp/main-tree
    .venv/bin/python tests/bench/ab_stats.py --before /tmp/main-tree --runs 5 HOME [HOME ...]

Each HOME is an ``MHV_HOME`` holding a database (for instance one seeded by ``bench_insights.py
--seed-only HOME``); both trees run with this interpreter, the tree first on ``PYTHONPATH``. When the
after tree migrates the schema, give ``BEFORE_HOME:AFTER_HOME``: a copy of the same database for
each (``cp -a``, then ``MHV_HOME=AFTER_HOME mhv db upgrade``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, help="the tree to compare with (e.g. git archive main)")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--now", default="2026-01-15T09:00")
    ap.add_argument("homes", nargs="+", help="HOME, or BEFORE_HOME:AFTER_HOME when the schema differs")
    args = ap.parse_args()
    trees = {"before": args.before, "after": args.after}

    def home_of(home: str, name: str) -> str:
        # A migration in between: the same data, a copy for each tree (the newer one migrated).
        return home.split(":")[0 if name == "before" else -1]

    cmds = [(f"{Path(home_of(home, name)).name} {' '.join(argv)} [{name}]", tree, home_of(home, name), argv)
            for home in args.homes for argv in (["stats", "--json"], ["stats"]) for name, tree in trees.items()]  # fmt: skip
    got: dict[str, tuple[list[float], list[float]]] = {c[0]: ([], []) for c in cmds}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r in range(args.runs + 1):
        for label, tree, home, argv in cmds:
            env = dict(os.environ, PYTHONPATH=tree, MHV_HOME=home, NO_COLOR="1", TZ="UTC")
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            cmd = [sys.executable, "-m", "mhv", *argv, "--now", args.now]
            subprocess.run(cmd, env=env, cwd="/", check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r:  # round 0 warms the file cache and the bytecode
                got[label][0].append(wall)
                got[label][1].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| command | wall, median (min) | CPU, median |\n|---|---:|---:|")
    for label, (walls, cpus) in got.items():
        print(
            f"| {label} | {statistics.median(walls):.2f} s ({min(walls):.2f}) | {statistics.median(cpus):.2f} s |"
        )


if __name__ == "__main__":
    main()
