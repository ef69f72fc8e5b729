"""`mhv tc WORDS` without the service, before and after, beside `task add`, on the same N pending tasks:
whole processes, interleaved (each round runs every command once), so a shared machine's load falls
on all alike. Median wall time and CPU (user + sys) per command, and the ratios to Taskwarrior.

    rm -rf /tmp/tc-before && mkdir /tmp/tc-before && git archive main | tar -x -C /tmp/tc-before
    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python tests/bench/ab_tc.py --before /tmp/tc-before --sizes 10000 --runs 30

The stores are bench_vs_taskwarrior.py's ``make_export(N)``, imported once into one mhv store (both
trees add to it: the same schema) and one Taskwarrior data folder; each add grows N by one. The line
is the comparison bench's (``… #bench @crackerjack`` / ``+bench project:crackerjack``). Both trees run
with this interpreter and the runner the console script uses (``from mhv.cli.entry import main``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_vs_taskwarrior import RUNNER, make_export


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd="/", check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", help="the tree to compare with (e.g. `git archive main` unpacked)")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    trees = {"after": args.after} | ({"before": args.before} if args.before else {})
    base = dict(os.environ, TZ="UTC", MHV_NO_SERVICE="1")
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base.pop("MHV_DATABASE_URL", None)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows = []
    for n in args.sizes:
        root = Path(tempfile.mkdtemp(prefix=f"ab-tc-{n}-", dir="/tmp"))
        export = root / "export.json"
        export.write_text(json.dumps(make_export(n)))
        env = base | {"MHV_HOME": str(root / "mhv")}
        runner = [sys.executable, "-c", RUNNER, args.after]
        subprocess.run([*runner, "tl"], env=env, check=True, capture_output=True)  # the schema
        subprocess.run([*runner, "import", "taskwarrior", str(export)], env=env, check=True, capture_output=True)
        rc = root / "taskrc"
        rc.write_text(f"data.location={root / 'tw'}\nconfirmation=off\nverbose=nothing\nhooks=off\ngc=on\n")
        tw_env = base | {"TASKRC": str(rc), "TASKDATA": str(root / "tw")}
        subprocess.run(["task", "import", str(export)], env=tw_env, check=True, capture_output=True)
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in [*trees, "task"]}
        for r in range(args.runs + 1):  # round 0 warms the file cache and the bytecode
            for name, tree in trees.items():
                sample = timed([sys.executable, "-c", RUNNER, tree, "tc", f"{name} add {r} #bench @crackerjack"], env)
                if r:
                    got[name].append(sample)
            sample = timed(["task", "add", f"bench add {r}", "+bench", "project:crackerjack"], tw_env)
            if r:
                got["task"].append(sample)
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in got.items()}
        for name in got:
            wall, cpu = med[name]
            ratio = "— | —" if name == "task" else f"{wall / med['task'][0]:.2f} | {cpu / med['task'][1]:.2f}"
            what = "`task add`" if name == "task" else f"`mhv tc` {name}"
            rows.append(f"| {n:,} | {what} | {wall * 1000:.1f} ms | {cpu * 1000:.1f} ms | {ratio} |")
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| N | command | wall, median | CPU, median | ratio wall | ratio CPU |\n|---|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
