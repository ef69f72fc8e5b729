"""`mhv tu`, `td` and `next` through a running service: this checkout against an older one, interleaved.

    unset PYTHONDONTWRITEBYTECODE
    git archive main | tar -x -C /tmp/thin-before
    TZ=UTC .venv/bin/python tests/bench/ab_thin.py --before /tmp/thin-before [--tasks 10000] [--runs 15]

One MHV_HOME with ``--tasks`` imported tasks and a real service (`python -m mhv.sync.rpc`) on it; each
run times each command as a whole process, with each checkout's CLI in turn (the order alternates),
and reports the median and the fastest. `tu` moves task 1 between p2 and p3; `td` completes a new
task each time, so both checkouts do the same work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_vs_taskwarrior import ROOT, mhv_cmd, running_service


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, help="an older mhv checkout")
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mhv-abthin-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"MHV_HOME": str(home), "MHV_ACTOR": "bench", "TZ": env.get("TZ", "UTC")}
    os.environ.update(env)
    from mhv.store import open_store
    from mhv.tasks.service import TaskService
    from tests.bench.seed import seed

    store = open_store(f"sqlite:///{home / 'data' / 'mhv.db'}")
    seed(TaskService(store), args.tasks)
    store.close()
    roots = {"before": str(Path(args.before).resolve()), "after": ROOT}
    samples: dict[tuple[str, str], list[float]] = {}
    with running_service(env, home):
        for run in range(args.runs):
            for name in ("tu", "td", "next"):
                order = list(roots.items()) if run % 2 else list(roots.items())[::-1]
                for label, root in order:
                    if name == "tu":
                        words = ["tu", "1", "p2" if len(samples.get((name, label), [])) % 2 else "p3"]
                    elif name == "td":
                        made = subprocess.run(mhv_cmd(ROOT, "tc", f"done by the bench {run} {label}", "--json"),
                                              env=env, check=True, capture_output=True, text=True)  # fmt: skip
                        words = ["td", made.stdout.split('"number": ')[1].split(",")[0]]
                    else:
                        words = ["next"]
                    t0 = time.perf_counter()
                    done = subprocess.run(mhv_cmd(root, *words), env=env, capture_output=True, text=True)
                    took = time.perf_counter() - t0
                    if done.returncode != 0:
                        sys.exit(f"{label} {words}: exit {done.returncode}: {done.stderr}")
                    samples.setdefault((name, label), []).append(took * 1000)
    print(f"{args.tasks} tasks, {args.runs} runs, load {os.getloadavg()[0]:.2f}")
    for name in ("tu", "td", "next"):
        row = [f"{name:5}"]
        for label in roots:
            v = samples[(name, label)]
            row.append(f"{label} median {statistics.median(v):6.1f} ms (min {min(v):5.1f})")
        print("  ".join(row))


if __name__ == "__main__":
    main()
