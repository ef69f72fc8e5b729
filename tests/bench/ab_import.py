"""`mhv import taskwarrior FILE` before and after, beside `task import FILE`, whole processes,
interleaved: each round runs every command once into a fresh store, so a shared machine's load
falls on all alike. Median wall time and CPU (user + sys) per command, and the ratios to Taskwarrior.

    git -C /work/main worktree add --detach /tmp/bi-main main
    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python tests/bench/ab_import.py --before /tmp/bi-main --sizes 10000 100000 --runs 5

The export is bench_vs_taskwarrior.py's ``make_export(N)`` (the issue's table was measured with it).
Each mhv store is created (schema migrated) before the clock starts, as bench_vs_taskwarrior does;
Taskwarrior starts from an empty data folder. Both trees run with this interpreter and the same
runner the console script uses (``from mhv.cli.entry import main``).
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
    ap.add_argument("--before", help="the tree to compare with (e.g. a worktree of main)")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    trees = {"after": args.after} | ({"before": args.before} if args.before else {})
    base = dict(os.environ, TZ="UTC", MHV_NO_SERVICE="1")
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base.pop("MHV_DATABASE_URL", None)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows = []
    for n in args.sizes:
        root = Path(tempfile.mkdtemp(prefix=f"ab-import-{n}-", dir="/tmp"))
        export = root / "export.json"
        export.write_text(json.dumps(make_export(n)))
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in [*trees, "task"]}
        for r in range(args.runs + 1):  # round 0 warms the file cache and the bytecode
            for name, tree in trees.items():
                home = root / f"mhv-{name}"
                shutil.rmtree(home, ignore_errors=True)
                env = base | {"MHV_HOME": str(home)}
                runner = [sys.executable, "-c", RUNNER, tree]
                subprocess.run([*runner, "tl"], env=env, check=True, capture_output=True)  # the schema
                sample = timed([*runner, "import", "taskwarrior", str(export)], env)
                if r:
                    got[name].append(sample)
            data = root / "tw"
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir()
            rc = root / "taskrc"
            rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\ngc=on\n")
            sample = timed(["task", "import", str(export)], base | {"TASKRC": str(rc), "TASKDATA": str(data)})
            if r:
                got["task"].append(sample)
            print(f"[{n}] round {r}: " + ", ".join(f"{k} {v[-1][0]:.2f} s" for k, v in got.items() if v), flush=True)
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in got.items()}
        for name in got:
            wall, cpu = med[name]
            ratio = "" if name == "task" else f"{wall / med['task'][0]:.2f} | {cpu / med['task'][1]:.2f}"
            rows.append(f"| {n:,} | {name} | {wall:.2f} s | {cpu:.2f} s | {ratio or '— | —'} |")
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| N | import | wall, median | CPU, median | ratio wall | ratio CPU |\n|---|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
