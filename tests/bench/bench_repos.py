"""Worktree and gate benchmarks (run on purpose, not in the suite):

    .venv/bin/python tests/bench/bench_repos.py [--repeat 10]

1. making a task's worktree: `git worktree add -b` alone vs mhv's Worktrees.create in-process (the
   same git call plus branch lookup, the hook, the task update), and the whole `mhv start N
   --worktree` process vs `mhv start N` without one vs a plain `git worktree add` process;
2. gates' scheduling overhead: three gates run by Gates.run (parallel, streamed, stored) against the
   same three commands started by hand in parallel.

    .venv/bin/python tests/bench/bench_repos.py --hyperfine [--before main] [--runs 20]

3. the one-shot processes under hyperfine, before and after side by side in one run: a plain
   `git worktree add -b`, and `mhv start N` with and without `--worktree` from this checkout and from
   ``--before`` (a git ref of this repository, unpacked to a temporary folder with `git archive`). Each
   run starts a fresh task (hyperfine's --prepare makes it and writes its number to a file the command
   reads with `cat`, the same for every command). The overhead is mhv's worktree part less git's own:
   (start --worktree) - (start) - (git worktree add).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
MHV = str(Path(sys.executable).with_name("mhv"))


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(base: Path) -> Path:
    repo = base / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "b@x")
    git(repo, "config", "user.name", "b")
    for i in range(200):  # a small real project: 200 files
        (repo / f"f{i}.py").write_text(f"x = {i}\n" * 20)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    return repo


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f})"


LAUNCH = """import sys
src = sys.argv[1]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]  # not the editable install
sys.path.insert(0, src)
from mhv.cli.entry import main
main(sys.argv[2:])
"""

PREPARE = """import sys
sys.path.insert(0, sys.argv[1])
from mhv.store import open_store
from mhv.tasks.service import TaskService
svc = TaskService(open_store(), actor="bench", keep_graph=False)
task = svc.create({"title": "bench task", "repo": "repo"})
open(sys.argv[2], "w").write(str(task.number))
"""


def hyperfine(runs: int, before_ref: str) -> None:
    """`mhv start N [--worktree]` before and after, and git's own `worktree add`, in one hyperfine run."""
    base = Path(tempfile.mkdtemp())
    os.environ["MHV_HOME"] = str(base / "home")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    repo = make_repo(base)
    before = base / "before"
    before.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", before_ref, "mhv"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
    (base / "launch.py").write_text(LAUNCH)
    (base / "prepare.py").write_text(PREPARE)
    number = base / "n"
    py = shlex.quote(sys.executable)
    subprocess.run([sys.executable, str(base / "launch.py"), str(ROOT), "repo", "add", "repo", str(repo), "--branch", "main"],
                   check=True, capture_output=True)  # fmt: skip
    prepare = f"{py} {base / 'prepare.py'} {ROOT} {number}"
    n = f"$(cat {number})"
    commands = {
        "git worktree add -b": f"git -C {repo} worktree add -q --no-track -b plain-{n} {base}/plain/{n} main",
    }
    for label, src in (("before", before), ("after", ROOT)):
        mhv = f"{py} {base / 'launch.py'} {src}"
        commands[f"{label}: mhv start N"] = f"{mhv} start {n}"
        commands[f"{label}: mhv start N --worktree"] = f"{mhv} start {n} --worktree"
    out = base / "hyperfine.json"
    argv = ["hyperfine", "--runs", str(runs), "--warmup", "2", "--prepare", prepare, "--export-json", str(out), "--style", "basic"]
    for label, cmd in commands.items():
        argv += ["-n", label, cmd]
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    subprocess.run(argv, check=True)
    print(f"load average after : {Path('/proc/loadavg').read_text().strip()}")
    results = {r["command"]: r for r in json.loads(out.read_text())["results"]}
    med = {k: statistics.median(r["times"]) * 1000 for k, r in results.items()}
    git_ms = med["git worktree add -b"]
    print(f"\n{'':8} {'start':>9} {'start --worktree':>17} {'worktree part':>14} {'over git':>9}   (medians, ms; git {git_ms:.1f})")
    for label in ("before", "after"):
        plain, wt = med[f"{label}: mhv start N"], med[f"{label}: mhv start N --worktree"]
        print(f"{label:8} {plain:9.1f} {wt:17.1f} {wt - plain:14.1f} {wt - plain - git_ms:9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--hyperfine", action="store_true", help="only the one-shot processes, before and after")
    ap.add_argument("--before", default="main", help="the git ref to compare with (--hyperfine)")
    ap.add_argument("--runs", type=int, default=20, help="hyperfine runs per command")
    args = ap.parse_args()
    if args.hyperfine:
        hyperfine(args.runs, args.before)
        return
    n = args.repeat
    base = Path(tempfile.mkdtemp())
    os.environ["MHV_HOME"] = str(base / "home")
    repo = make_repo(base)
    from mhv.repos.worktrees import Worktrees
    from mhv.store import open_store
    from mhv.tasks.service import TaskService

    raw = []
    for i in range(n):
        t0 = time.perf_counter()
        git(repo, "worktree", "add", "-q", "-b", f"plain-{i}", str(base / "plain" / str(i)), "main")
        raw.append(time.perf_counter() - t0)
    svc = TaskService(open_store(), actor="bench", keep_graph=False)
    svc.add_repo("repo", str(repo), None, "main")
    wt = Worktrees(svc)
    inproc = []
    for i in range(n):
        task = svc.create({"title": f"in process {i}", "repo": "repo"})
        t0 = time.perf_counter()
        wt.create(task.number)
        inproc.append(time.perf_counter() - t0)
    cli_wt, cli_plain, git_proc = [], [], []
    for i in range(n):
        a = svc.create({"title": f"cli worktree {i}", "repo": "repo"})
        b = svc.create({"title": f"cli plain {i}", "repo": "repo"})
        t0 = time.perf_counter()
        subprocess.run([MHV, "start", str(a.number), "--worktree"], check=True, capture_output=True)
        cli_wt.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([MHV, "start", str(b.number)], check=True, capture_output=True)
        cli_plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        git(repo, "worktree", "add", "-q", "-b", f"proc-{i}", str(base / "proc" / str(i)), "main")
        git_proc.append(time.perf_counter() - t0)
    print(f"git worktree add (subprocess from Python) : {ms(raw)}")
    print(
        f"Worktrees.create in-process                 : {ms(inproc)}  overhead p50 "
        f"{(statistics.median(inproc) - statistics.median(raw)) * 1000:.1f} ms"
    )
    print(f"mhv start N --worktree (process)            : {ms(cli_wt)}")
    print(f"mhv start N (process, no worktree)          : {ms(cli_plain)}")
    print(f"git worktree add (another run)              : {ms(git_proc)}")
    print(
        f"  => worktree part of `mhv start` p50 {(statistics.median(cli_wt) - statistics.median(cli_plain)) * 1000:.1f} ms, "
        f"over git's own {(statistics.median(cli_wt) - statistics.median(cli_plain) - statistics.median(git_proc)) * 1000:.1f} ms"
    )

    from mhv.config import check_text
    from mhv.repos.gates import Gates

    cmd = f"{sys.executable} -c 'import time; time.sleep(0.2)'"
    config = check_text(f'[repos.repo]\ngates = {{ a = "{cmd}", b = "{cmd}", c = "{cmd}" }}\n')[0]
    gates = Gates(svc, config)
    task = svc.create({"title": "gates", "repo": "repo"})
    by_gates, by_hand = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        gates.run(task.number)
        by_gates.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        procs = [subprocess.Popen(["sh", "-c", cmd], cwd=repo) for _ in range(3)]
        for p in procs:
            p.wait()
        by_hand.append(time.perf_counter() - t0)
    print(f"3 gates (0.2 s each) by Gates.run           : {ms(by_gates)}")
    print(
        f"the same 3 commands by hand, in parallel    : {ms(by_hand)}  overhead p50 "
        f"{(statistics.median(by_gates) - statistics.median(by_hand)) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
