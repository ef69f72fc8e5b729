"""mhv vs Taskwarrior 2.6 on the same N pending tasks: add, list, import; add and list both without
and with a running sync service (`python -m mhv.sync.rpc` on the same MHV_HOME), side by side.

Run on purpose (not collected by pytest):
    .venv/bin/python tests/bench/bench_vs_taskwarrior.py --sizes 10000 100000 --runs 10

Each timing is the median (and p90) wall time of a whole process, output to /dev/null, with the
database already at N tasks. Adds are measured on a copy so every run starts from N tasks.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--mhv", default=str(Path(sys.executable).with_name("mhv")))
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    if shutil.which("task") is None:
        sys.exit("Taskwarrior is not installed: apt-get install taskwarrior")
    version = subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
    results = {"taskwarrior": version, "sizes": {}}
    for n in args.sizes:
        root = Path(tempfile.mkdtemp(prefix=f"mhv-bench-{n}-"))
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
        direct_env = mhv_env | {"MHV_NO_SERVICE": "1"}
        row: dict[str, dict[str, float]] = {}
        # import (once each, from empty): the first mhv run also creates the schema
        subprocess.run([args.mhv, "tl"], env=mhv_env, capture_output=True, check=True)
        row["import"] = {"mhv_s": round(timed([args.mhv, "import", "taskwarrior", str(export)], mhv_env), 2),
                         "task_s": round(timed(["task", "import", str(export)], tw_env), 2)}  # fmt: skip
        row["import"]["ratio"] = round(row["import"]["mhv_s"] / row["import"]["task_s"], 2)
        print(f"[{n}] import: {row['import']}", flush=True)
        # list: all pending tasks, like `task list`
        subprocess.run(["task", "list"], env=tw_env, capture_output=True)  # warm caches, gc
        tl = [timed([args.mhv, "tl"], direct_env) for _ in range(args.runs)]
        tk = [timed(["task", "list"], tw_env) for _ in range(args.runs)]
        ta = [
            timed([args.mhv, "tc", f"bench add {i} #bench @crackerjack"], direct_env)
            for i in range(args.runs)
        ]
        tka = [timed(["task", "add", f"bench add {i}", "+bench", "project:crackerjack"], tw_env)
               for i in range(args.runs)]  # fmt: skip
        with running_service(mhv_env, root):
            tls = [timed([args.mhv, "tl"], mhv_env) for _ in range(args.runs)]
            tas = [
                timed([args.mhv, "tc", f"served add {i} #bench @crackerjack"], mhv_env)
                for i in range(args.runs)
            ]
        for name, mine, served, theirs in (("list", tl, tls, tk), ("add", ta, tas, tka)):
            row[name] = {"mhv": stats(mine), "mhv_service": stats(served), "task": stats(theirs)}
            row[name]["ratio"] = round(row[name]["mhv"]["median_ms"] / row[name]["task"]["median_ms"], 2)
            row[name]["ratio_service"] = round(
                row[name]["mhv_service"]["median_ms"] / row[name]["task"]["median_ms"], 2
            )
            print(f"[{n}] {name}: {row[name]}", flush=True)
        # export (what taskwarrior-tui runs before it can draw)
        te = [timed(["task", "export"], tw_env) for _ in range(max(3, args.runs // 3))]
        row["task_export"] = stats(te)
        print(f"[{n}] task export: {row['task_export']}", flush=True)
        results["sizes"][n] = row
        shutil.rmtree(root, ignore_errors=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
