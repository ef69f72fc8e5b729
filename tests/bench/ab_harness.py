"""What the interleaved before/after benches of one mhv command beside Taskwarrior share
(ab_import.py, ab_tc.py): their arguments, the environment, the Taskwarrior data folder, the timing
of a whole process (wall and CPU), and the table of medians and ratios.

Every mhv runs as bench_vs_taskwarrior.py's ``mhv_cmd`` does: the console script's runner on the
interpreter an ordinary install gives (tests/bench/userpy.py; ``MHV_BENCH_PYTHON=dev`` for this venv's).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_vs_taskwarrior import ROOT, USER_PYTHON, make_export, mhv_cmd

__all__ = ["ROOT", "USER_PYTHON", "ab_args", "ab_env", "load_line", "make_export", "medians", "mhv_cmd",
           "taskwarrior_env", "timed_cpu"]  # fmt: skip

Sample = tuple[float, float]


def timed_cpu(cmd: list[str], env: dict[str, str]) -> Sample:
    """Run ``cmd`` to the end (output discarded, from ``/``): its wall time and CPU (user + sys) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd="/", check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def ab_args(runs: int, before_help: str) -> tuple[argparse.Namespace, dict[str, str]]:
    """--before / --after / --sizes / --runs, and the trees to time by name (``after`` first)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", help=before_help)
    ap.add_argument("--after", default=ROOT)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--runs", type=int, default=runs)
    args = ap.parse_args()
    trees = {"after": args.after} | ({"before": args.before} if args.before else {})
    return args, trees


def ab_env() -> dict[str, str]:
    """The environment both sides run in: UTC, no service, bytecode cached as a user's is, SQLite."""
    base = dict(os.environ, TZ="UTC", MHV_NO_SERVICE="1")
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base.pop("MHV_DATABASE_URL", None)
    return base


def taskwarrior_env(base: dict[str, str], root: Path, data: Path) -> dict[str, str]:
    """``base`` with a taskrc under ``root`` that keeps Taskwarrior's data in ``data`` (quiet, no hooks)."""
    rc = root / "taskrc"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\ngc=on\n")
    return base | {"TASKRC": str(rc), "TASKDATA": str(data)}


def load_line(when: str) -> str:
    return f"load average {when}: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def medians(got: dict[str, list[Sample]]) -> dict[str, tuple[Sample, Sample | None]]:
    """Each side's median (wall, CPU) and its ratios to the ``task`` side's (None for ``task`` itself)."""
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in got.items()
    }
    tw_wall, tw_cpu = med["task"]
    return {k: ((w, c), None if k == "task" else (w / tw_wall, c / tw_cpu)) for k, (w, c) in med.items()}
