"""`mhv tc WORDS` without the service, before and after, beside `task add`, on the same N pending tasks:
whole processes, interleaved (each round runs every command once), so a shared machine's load falls
on all alike. Median wall time and CPU (user + sys) per command, and the ratios to Taskwarrior.

    rm -rf /tmp/tc-before && mkdir /tmp/tc-before && git archive main | tar -x -C /tmp/tc-before
    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python tests/bench/ab_tc.py --before /tmp/tc-before --sizes 10000 --runs 30

The stores are bench_vs_taskwarrior.py's ``make_export(N)``, imported once into one mhv store (both
trees add to it: the same schema) and one Taskwarrior data folder; each add grows N by one. The line
is the comparison bench's (``… #bench @crackerjack`` / ``+bench project:crackerjack``). Both trees run
as bench_vs_taskwarrior's ``mhv_cmd``: the console script's runner (``from mhv.cli.entry import main``)
on the interpreter an ordinary install gives (tests/bench/userpy.py); the harness is ab_harness.py's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_harness import (
    USER_PYTHON,
    ab_args,
    ab_env,
    load_line,
    make_export,
    medians,
    mhv_cmd,
    taskwarrior_env,
    timed_cpu,
)


def main() -> None:
    args, trees = ab_args(runs=20, before_help="the tree to compare with (e.g. `git archive main` unpacked)")
    base = ab_env()
    print(f"{load_line('before')}; mhv runs on {USER_PYTHON}", flush=True)
    rows = []
    for n in args.sizes:
        root = Path(tempfile.mkdtemp(prefix=f"ab-tc-{n}-", dir="/tmp"))
        export = root / "export.json"
        export.write_text(json.dumps(make_export(n)))
        env = base | {"MHV_HOME": str(root / "mhv")}
        subprocess.run(mhv_cmd(args.after, "tl"), env=env, check=True, capture_output=True)  # the schema
        subprocess.run(mhv_cmd(args.after, "import", "taskwarrior", str(export)), env=env, check=True,
                       capture_output=True)  # fmt: skip
        tw_env = taskwarrior_env(base, root, root / "tw")
        subprocess.run(["task", "import", str(export)], env=tw_env, check=True, capture_output=True)
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in [*trees, "task"]}
        for r in range(args.runs + 1):  # round 0 warms the file cache and the bytecode
            for name, tree in trees.items():
                sample = timed_cpu(mhv_cmd(tree, "tc", f"{name} add {r} #bench @crackerjack"), env)
                if r:
                    got[name].append(sample)
            sample = timed_cpu(["task", "add", f"bench add {r}", "+bench", "project:crackerjack"], tw_env)
            if r:
                got["task"].append(sample)
        for name, ((wall, cpu), ratio) in medians(got).items():
            ratios = "— | —" if ratio is None else f"{ratio[0]:.2f} | {ratio[1]:.2f}"
            what = "`task add`" if name == "task" else f"`mhv tc` {name}"
            rows.append(f"| {n:,} | {what} | {wall * 1000:.1f} ms | {cpu * 1000:.1f} ms | {ratios} |")
        shutil.rmtree(root, ignore_errors=True)
    print(load_line("after"))
    print(
        "| N | command | wall, median | CPU, median | ratio wall | ratio CPU |\n|---|---|---:|---:|---:|---:|"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
