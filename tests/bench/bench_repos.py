"""Worktree and gate benchmarks (run on purpose, not in the suite):

    .venv/bin/python tests/bench/bench_repos.py [--repeat 10]

1. making a task's worktree: `git worktree add -b` alone vs mhv's Worktrees.create in-process (the
   same git call plus branch lookup, the hook, the task update), and the whole `mhv start N
   --worktree` process vs `mhv start N` without one vs a plain `git worktree add` process;
2. gates' scheduling overhead: three gates run by Gates.run (parallel, streamed, stored) against the
   same three commands started by hand in parallel.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    n = ap.parse_args().repeat
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
