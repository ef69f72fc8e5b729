"""The Swift companion before/after in one run, interleaved (issue 20): two homes made alike (N open
tasks, pairs of blocker/waiter), each with its own server (before: the server of another checkout's
sources, after: this one's) and its own `mhv-companion` build.

1. `mhv-companion list --json`, `mhv-companion list` and `mhv tl --json` (no service), whole
   processes, in rounds: before, after, tl, then the next round (medians of wall time).
2. Event latency: `mhv td BLOCKER` (the CLI, straight to the database) to the `watch --json` line of
   the waiter's unblock, measured from the event's commit time (`at`), alternating before and after.

Run on purpose (needs swift):
    swift build -c release --product mhv-companion   # in the before checkout and in this one
    .venv/bin/python tests/bench/ab_companion.py --before-src /path/to/main --before-bin /path/to/main/mhv-companion
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_companion import build, pct  # noqa: E402
from tests.bench.bench_vs_taskwarrior import make_export  # noqa: E402


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mhv", *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def make_home(root: Path, tasks: int, events: int) -> list[tuple[int, int]]:
    env = dict(os.environ, MHV_HOME=str(root), TZ="UTC", MHV_NO_SERVICE="1")
    export = root.parent / f"{root.name}-export.json"
    export.write_text(json.dumps(make_export(tasks - 2 * events)))
    run(env, "import", "taskwarrior", str(export))
    pairs = []
    for i in range(events):
        blocker = int(run(env, "tc", f"blocker number-{i}", "--yes").split()[2].rstrip(":"))
        waiter = int(run(env, "tc", f"waiter number-{i} after #{blocker}", "--yes").split()[2].rstrip(":"))
        pairs.append((blocker, waiter))
    return pairs


class Side:
    def __init__(self, name: str, home: Path, binary: Path, src: Path | None) -> None:
        self.name, self.home, self.binary = name, home, binary
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env.update(MHV_HOME=str(home), TZ="UTC")
        server_env = dict(self.env, PYTHONPATH=str(src)) if src else self.env
        self.server = subprocess.Popen([sys.executable, "-m", "mhv.sync.rpc"], env=server_env,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        assert self.server.stdout is not None and self.server.stdout.readline().startswith("listening on ")
        self.times: dict[str, list[float]] = {"list --json": [], "list": []}
        self.latencies: list[float] = []

    def timed(self, *args: str) -> float:
        start = time.perf_counter()
        subprocess.run([str(self.binary), *args], env=self.env, stdout=subprocess.DEVNULL, check=True)
        return (time.perf_counter() - start) * 1000

    def start_watch(self) -> None:
        self.watch = subprocess.Popen([str(self.binary), "watch", "--json", "--quiet", "00:00-00:00"], env=self.env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)  # fmt: skip
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        notes: queue.Queue[str] = queue.Queue()

        def pump(stream: object, out: queue.Queue, stamp: bool) -> None:  # type: ignore[type-arg]
            for line in stream:  # type: ignore[attr-defined]
                out.put((time.time(), line) if stamp else line)

        threading.Thread(target=pump, args=(self.watch.stdout, self.lines, True), daemon=True).start()
        threading.Thread(target=pump, args=(self.watch.stderr, notes, False), daemon=True).start()
        while "watching events" not in notes.get(timeout=120):
            pass
        while True:  # the plan lines of the start-up sync
            try:
                self.lines.get(timeout=2.0)
            except queue.Empty:
                break

    def unblock(self, blocker: int, waiter: int) -> None:
        cli = dict(self.env, MHV_NO_SERVICE="1")
        subprocess.run(
            [sys.executable, "-m", "mhv", "td", str(blocker)], env=cli, capture_output=True, check=True
        )
        while True:
            seen, line = self.lines.get(timeout=60)
            got = json.loads(line)
            if got.get("kind") == "unblocked" and got.get("task") == waiter:
                break
        history = json.loads(run(cli, "history", str(waiter), "--json"))
        at = max(
            datetime.fromisoformat(e["at"]).timestamp() for e in history if e["kind"] == "task.unblocked"
        )
        self.latencies.append((seen - at) * 1000)

    def stop(self) -> None:
        if getattr(self, "watch", None) is not None:
            self.watch.terminate()
            self.watch.wait(10)
        self.server.terminate()
        self.server.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before-src", type=Path, required=True, help="the before checkout (its mhv/ serves)")
    ap.add_argument("--before-bin", type=Path, required=True, help="the before mhv-companion (release build)")
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    after_bin = build()
    root = Path(tempfile.mkdtemp(prefix="mhv-ab-companion-"))
    sides: list[Side] = []
    try:
        pairs = make_home(root / "before", args.tasks, args.events)
        shutil.copytree(root / "before", root / "after")
        sides = [Side("before", root / "before", args.before_bin, args.before_src),
                 Side("after", root / "after", after_bin, None)]  # fmt: skip
        tl_env = dict(sides[1].env, MHV_NO_SERVICE="1")
        tl: list[float] = []
        for side in sides:  # warm-up: the first listing also writes the cache
            side.timed("list", "--json")
        for _ in range(args.rounds):
            for side in sides:
                side.times["list --json"].append(side.timed("list", "--json"))
                side.times["list"].append(side.timed("list"))
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mhv", "tl", "--json", "--limit", "100000"], env=tl_env,
                           stdout=subprocess.DEVNULL, check=True)  # fmt: skip
            tl.append((time.perf_counter() - start) * 1000)
        for side in sides:
            side.start_watch()
        for blocker, waiter in pairs:
            for side in sides:
                side.unblock(blocker, waiter)
    finally:
        for side in sides:
            side.stop()
        shutil.rmtree(root, ignore_errors=True)

    base = statistics.median(tl)
    print(f"\n{args.tasks} open tasks, {args.rounds} interleaved rounds, load {os.getloadavg()[0]:.2f}\n")
    print("| command | before median ms | after median ms | after vs `mhv tl --json` |")
    print("|---|---|---|---|")
    for name in ("list --json", "list"):
        b, a = (statistics.median(s.times[name]) for s in sides)
        print(f"| `mhv-companion {name}` | {b:.0f} | {a:.0f} | {a / base:.2f} |")
    print(f"| `mhv tl --json` (no service) | {base:.0f} | {base:.0f} | 1.00 |")
    print(f"\nevent latency, CLI commit -> watch --json line, {args.events} unblocks each, alternating:")
    for side in sides:
        lat = side.latencies
        print(f"- {side.name}: median {statistics.median(lat):.1f} ms, p90 {pct(lat, 0.9):.1f}, "
              f"p99 {pct(lat, 0.99):.1f}, max {max(lat):.1f} (goal p99 <= 100 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
