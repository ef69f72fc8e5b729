"""mhv vs Taskwarrior 2.6 on the same N pending tasks: import, then the everyday commands (add,
list, list as JSON, show one task, next), each without and with a running sync service (`python -m
mhv.sync.rpc` on the same MHV_HOME), side by side in one run; `--before PATH` adds an older checkout
of mhv (e.g. `git archive main | tar -x -C /tmp/mhv-before`), timed directly on the same database.

Run on purpose (not collected by pytest):
    .venv/bin/python tests/bench/bench_vs_taskwarrior.py --sizes 10000 100000 --runs 10 [--before PATH]

Each timing is the median (and p90) wall time of a whole process, output to /dev/null, with the
database already at N tasks (adds add to it: N grows by a few tasks). Every mhv is run by the same
one-line runner (`python -c ... ROOT ARGS`: mhv imported from ROOT, then `main(ARGS)`), which is what
the `mhv` console script does, on the interpreter an ordinary `pip install .` gives (tests/bench/userpy.py;
``MHV_BENCH_PYTHON=dev`` for this venv's own, which loads the editable install's finder at start-up).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

WORDS = ["fix", "add", "remove", "refactor", "document", "test", "migrate", "deploy", "review", "triage", "speed", "up", "clean", "handle", "auth", "login", "cache", "index", "query", "websocket", "parser", "config", "release", "build", "ci", "flaky", "memory", "leak", "api", "endpoint", "schema", "docs", "readme", "benchmark", "profile", "retry", "timeout", "backoff"]  # fmt: skip
PROJECTS = ["crackerjack", "crackerjack.ci", "mahavishnu", "mahavishnu.db", "session-buddy", "akosha", "acb"]
TAGS = ["bug", "ci", "perf", "docs", "db", "review", "security", "ux"]


def make_export(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for _i in range(n):
        rec = {
            "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "description": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 8))),
            "entry": "20261101T090000Z",
            "modified": "20261101T090000Z",
            "status": "pending",
            "project": rnd.choice(PROJECTS),
            "tags": rnd.sample(TAGS, rnd.randint(0, 2)),
        }
        if rnd.random() < 0.3:
            rec["priority"] = rnd.choice("HML")
        if rnd.random() < 0.25:
            rec["due"] = f"202612{rnd.randint(1, 28):02d}T120000Z"
        if not rec["tags"]:
            del rec["tags"]
        out.append(rec)
    return out


# What the console script runs (`mhv.cli.entry:run`, which ends with quick_exit; a tree from
# before session 16 has only `main`), with the mhv of the checkout given first.
RUNNER = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import mhv.cli.entry as e; "
    "getattr(e, 'run', e.main)()"
)
ROOT = str(Path(__file__).resolve().parents[2])
sys.path.insert(0, str(Path(__file__).resolve().parent))
from userpy import user_python  # noqa: E402

USER_PYTHON = user_python()


def mhv_cmd(root: str, *args: str) -> list[str]:
    """`mhv ARGS` with the mhv of checkout ``root`` (this one, or --before's), on the interpreter an
    ordinary install gives (tests/bench/userpy.py: no editable-install finder at start-up)."""
    return [USER_PYTHON, "-c", RUNNER, root, *args]


def timed(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                   check=True)  # fmt: skip
    return time.perf_counter() - t0


def stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median_ms": round(statistics.median(s) * 1000, 1),
        "p90_ms": round(s[int(0.9 * (len(s) - 1))] * 1000, 1),
    }


@contextlib.contextmanager
def running_service(env: dict[str, str], root: Path) -> Iterator[None]:
    """The JSON-RPC service on ``env``'s MHV_HOME until the block ends (the CLI finds its socket)."""
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "mhv.sync.rpc"], env=env, stdout=subprocess.PIPE,
                            stderr=log, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            sys.exit(f"the service did not start: {(root / 'serve.log').read_text()}")
        time.sleep(2)  # let it finish warming up (its graph, the first poll) before timing beside it
        yield
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


# (name, mhv's arguments, Taskwarrior's): what is timed directly, through the service, and --before
COMMANDS = [
    ("list", ("tl",), ("list",)),
    ("list --json", ("tl", "--json"), ("export",)),
    ("show", ("show", "42"), ("42", "info")),
    ("next", ("next",), ("next",)),
]


def compare(runs: int, roots: dict[str, str], mhv_env: dict[str, str], tw_env: dict[str, str],
            root: Path) -> dict[str, dict[str, object]]:  # fmt: skip
    """Each command: mhv directly (this checkout and --before's), through the service, and Taskwarrior."""
    direct_env = mhv_env | {"MHV_NO_SERVICE": "1"}
    out: dict[str, dict[str, list[float]]] = {name: {} for name, _, _ in COMMANDS}
    out["add"] = {}
    for name, mine, theirs in COMMANDS:
        subprocess.run(["task", *theirs], env=tw_env, capture_output=True)  # warm caches, gc
        for label, where in roots.items():
            out[name][label] = [timed(mhv_cmd(where, *mine), direct_env) for _ in range(runs)]
        out[name]["task"] = [timed(["task", *theirs], tw_env) for _ in range(runs)]
    for label, where in roots.items():
        out["add"][label] = [timed(mhv_cmd(where, "tc", f"{label} add {i} #bench @crackerjack"), direct_env)
                             for i in range(runs)]  # fmt: skip
    out["add"]["task"] = [timed(["task", "add", f"bench add {i}", "+bench", "project:crackerjack"], tw_env)
                          for i in range(runs)]  # fmt: skip
    with running_service(mhv_env, root):
        for name, mine, _ in COMMANDS:
            out[name]["service"] = [timed(mhv_cmd(ROOT, *mine), mhv_env) for _ in range(runs)]
        out["add"]["service"] = [timed(mhv_cmd(ROOT, "tc", f"served add {i} #bench @crackerjack"), mhv_env)
                                 for i in range(runs)]  # fmt: skip
    row: dict[str, dict[str, object]] = {}
    for name, samples in out.items():
        row[name] = {label: stats(values) for label, values in samples.items()}
        task_ms = row[name]["task"]["median_ms"]  # type: ignore[index]
        for label in samples:
            if label != "task":
                row[name][f"ratio_{label}"] = round(row[name][label]["median_ms"] / task_ms, 2)  # type: ignore[index]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--before", help="an older mhv checkout, timed directly beside this one")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    if shutil.which("task") is None:
        sys.exit("Taskwarrior is not installed: apt-get install taskwarrior")
    version = subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
    roots = {"direct": ROOT} | ({"before": str(Path(args.before).resolve())} if args.before else {})
    results: dict[str, object] = {"taskwarrior": version, "load_average": os.getloadavg(), "sizes": {}}
    print(f"load average {os.getloadavg()}; mhv runs on {USER_PYTHON}", flush=True)
    for n in args.sizes:
        root = Path(tempfile.mkdtemp(prefix=f"mhv-bench-{n}-", dir="/tmp"))
        export = root / "export.json"
        export.write_text(json.dumps(make_export(n)))
        tw_rc = root / "taskrc"
        tw_rc.write_text(
            f"data.location={root / 'tw'}\nconfirmation=off\nverbose=nothing\nhooks=off\ngc=on\n"
        )
        tw_env = os.environ | {"TASKRC": str(tw_rc), "TASKDATA": str(root / "tw")}
        mhv_env = {k: v for k, v in os.environ.items() if k != "MHV_NO_SERVICE"} | {
            "MHV_HOME": str(root / "mhv")
        }
        # import (once each, from empty): the first mhv run also creates the schema
        subprocess.run(
            mhv_cmd(ROOT, "tl"), env=mhv_env | {"MHV_NO_SERVICE": "1"}, capture_output=True, check=True
        )
        row: dict[str, object] = {}
        imp = {"mhv_s": round(timed(mhv_cmd(ROOT, "import", "taskwarrior", str(export)), mhv_env), 2),
               "task_s": round(timed(["task", "import", str(export)], tw_env), 2)}  # fmt: skip
        imp["ratio"] = round(imp["mhv_s"] / imp["task_s"], 2)
        row["import"] = imp
        print(f"[{n}] import: {imp}", flush=True)
        for name, measured in compare(args.runs, roots, mhv_env, tw_env, root).items():
            row[name] = measured
            print(f"[{n}] {name}: {measured}", flush=True)
        results["sizes"][n] = row  # type: ignore[index]
        shutil.rmtree(root, ignore_errors=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))
    print(table(results, list(roots)))


def table(results: dict[str, object], labels: list[str]) -> str:
    """The markdown table docs/performance.md shows."""
    cols = [*labels, "service"]
    head = "| work | N | " + " | ".join(f"mhv {c}" for c in cols) + " | Taskwarrior | " + " | ".join(
        f"ratio {c}" for c in cols) + " |"  # fmt: skip
    lines = [head, "|" + "---|" * (3 + 2 * len(cols))]
    theirs = {name: " ".join(tw) for name, _, tw in COMMANDS} | {"add": "add"}
    mine = {name: " ".join(m) for name, m, _ in COMMANDS} | {"add": "tc"}
    for n, row in results["sizes"].items():  # type: ignore[attr-defined]
        for name in [c[0] for c in COMMANDS] + ["add"]:
            r = row[name]
            ms = [f"{r[c]['median_ms']:.1f} ms" for c in cols]
            ratios = [f"{r['ratio_' + c]:.2f}" for c in cols]
            lines.append(f"| `mhv {mine[name]}` vs `task {theirs[name]}` | {int(n):,} | " + " | ".join(ms)
                         + f" | {r['task']['median_ms']:.1f} ms | " + " | ".join(ratios) + " |")  # fmt: skip
        imp = row["import"]
        lines.append(f"| `mhv import taskwarrior` vs `task import` | {int(n):,} | {imp['mhv_s']:.2f} s"
                     + " | —" * len(cols[1:]) + f" | {imp['task_s']:.2f} s | {imp['ratio']:.2f}"
                     + " | —" * len(cols[1:]) + " |")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
