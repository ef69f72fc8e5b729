"""`mhv import taskwarrior FILE` before and after, beside `task import FILE`, whole processes,
interleaved: each round runs every command once into a fresh store, so a shared machine's load
falls on all alike. Median wall time and CPU (user + sys) per command, and the ratios to Taskwarrior.

    git -C /work/main worktree add --detach /tmp/bi-main main
    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python tests/bench/ab_import.py --before /tmp/bi-main --sizes 10000 100000 --runs 5

The export is bench_vs_taskwarrior.py's ``make_export(N)`` (the issue's table was measured with it).
Each mhv store is created (schema migrated) before the clock starts, as bench_vs_taskwarrior does;
Taskwarrior starts from an empty data folder. Both trees run as bench_vs_taskwarrior's ``mhv_cmd``:
the console script's runner (``from mhv.cli.entry import main``) on the interpreter an ordinary
install gives (tests/bench/userpy.py); the harness is ab_harness.py's.
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
    args, trees = ab_args(runs=5, before_help="the tree to compare with (e.g. a worktree of main)")
    base = ab_env()
    print(f"{load_line('before')}; mhv runs on {USER_PYTHON}", flush=True)
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
                subprocess.run(mhv_cmd(tree, "tl"), env=env, check=True, capture_output=True)  # the schema
                sample = timed_cpu(mhv_cmd(tree, "import", "taskwarrior", str(export)), env)
                if r:
                    got[name].append(sample)
            data = root / "tw"
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir()
            sample = timed_cpu(["task", "import", str(export)], taskwarrior_env(base, root, data))
            if r:
                got["task"].append(sample)
            print(
                f"[{n}] round {r}: " + ", ".join(f"{k} {v[-1][0]:.2f} s" for k, v in got.items() if v),
                flush=True,
            )
        for name, ((wall, cpu), ratio) in medians(got).items():
            ratios = "— | —" if ratio is None else f"{ratio[0]:.2f} | {ratio[1]:.2f}"
            rows.append(f"| {n:,} | {name} | {wall:.2f} s | {cpu:.2f} s | {ratios} |")
        shutil.rmtree(root, ignore_errors=True)
    print(load_line("after"))
    print(
        "| N | import | wall, median | CPU, median | ratio wall | ratio CPU |\n|---|---|---:|---:|---:|---:|"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
