"""TUI benchmark (run on purpose, not in the suite):

    .venv/bin/python tests/bench/bench_tui.py [--sizes 10000 100000] [--runs 7] [--baseline main] [--keys 200] [--keys-only]

1. launch to the first task row drawn: `mhv` started as a user starts it (no command, in a
   pseudo-terminal, bytecode caching on), from spawning the process until the terminal receives a
   task row; the working tree and ``--baseline`` (a git ref, default main) alternate in one run, and
   the load average is printed with the numbers;
2. keystroke-to-screen latency (p50/p99) in the quick-add line and in the palette at the largest size:
   a Key event posted as the driver does, until the next frame is written to the terminal;
3. `task export` of the same tasks when Taskwarrior is installed;
4. with ``--live``: another process creates a task; time from its commit to the first frame that shows
   it, with the workspace following the event log as it does for a user.
Databases are seeded once under /tmp/mhv-bench-<n> from tests/bench/seed.py (Taskwarrior records).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.userpy import user_python  # noqa: E402  (the interpreter a user's install gives)

LAUNCH = r"""
import sys
sys.path.insert(0, {root!r})
from mhv.cli.entry import main
main([])
"""
# A seeded task row: "<verb> <noun> <i>" (tests/bench/seed.py); the sidebar and title bar never show one.
ROW = re.compile(rb"(?:fix|add|refactor|document|test|speed up|remove|review) [a-zA-Z ]+ \d+")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def home_for(n: int) -> Path:
    home = Path(tempfile.gettempdir()) / f"mhv-bench-{n}"
    if not (home / "data" / "mhv.db").exists():
        os.environ["MHV_HOME"] = str(home)
        from mhv.store import open_store
        from mhv.tasks.service import TaskService
        from tests.bench.seed import seed

        store = open_store()
        seed(TaskService(store, actor="bench"), n)
        store.close()
    return home


def tree_at(ref: str) -> Path:
    """The source tree of git ``ref`` (the "before" side), extracted once under /tmp."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    out = Path(tempfile.gettempdir()) / f"mhv-bench-tree-{sha}"
    if not (out / "mhv" / "__init__.py").exists():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch_once(root: Path, home: Path, size: tuple[int, int] = (120, 40)) -> tuple[float, float]:
    """Seconds from spawning `mhv` (no command, in a pseudo-terminal of ``size``, as a user starts it)
    until the terminal has received a task row, and the CPU seconds the process used until then (on
    a shared machine wall time includes waiting for a core); then ``q`` quits it."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as on a user's machine
    env.update(MHV_HOME=str(home), TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen([user_python(), "-c", LAUNCH.format(root=str(root))], stdin=follower,
                            stdout=follower, stderr=follower, env=env, cwd=str(root), close_fds=True)  # fmt: skip
    os.close(follower)
    seen, shown, cpu = b"", None, 0.0
    try:
        while shown is None and time.perf_counter() - start < 30:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            seen += chunk
            if ROW.search(ANSI.sub(b"", seen[-200_000:])):
                shown = time.perf_counter() - start
                cpu = _cpu_seconds(proc.pid)
        if shown is None:
            raise RuntimeError(f"no task row drawn; the terminal got: {ANSI.sub(b'', seen)[-2000:]!r}")
        os.write(leader, b"q")
        deadline = time.perf_counter() + 10
        while proc.poll() is None and time.perf_counter() < deadline:  # drain: the app writes as it quits
            if select.select([leader], [], [], 0.1)[0]:
                try:
                    os.read(leader, 65536)
                except OSError:
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(leader)
    return shown, cpu


def first_rows(n: int, baseline: str | None, runs: int = 7) -> dict[str, list[tuple[float, float]]]:
    """Launch to the first task row, the working tree and ``baseline`` alternating, each on its own
    copy of the seeded database (the workspace writes state and WAL). One warm-up launch each (bytecode)."""
    source = home_for(n)
    trees = {"after": ROOT} if baseline is None else {"before": tree_at(baseline), "after": ROOT}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    homes = {}
    for name in trees:
        homes[name] = Path(tempfile.mkdtemp(prefix=f"mhv-bench-launch-{name}-"))
        shutil.copytree(source / "data", homes[name] / "data")
    try:
        for name, root in trees.items():
            launch_once(root, homes[name])
        for _ in range(runs):
            for name, root in trees.items():
                times[name].append(launch_once(root, homes[name]))
    finally:
        for home in homes.values():
            shutil.rmtree(home, ignore_errors=True)
    return times


def task_export(n: int, runs: int = 3) -> float | None:
    """Median of ``runs`` ``task export`` runs over the same tasks (imported once, kept beside the
    mhv database: a 100,000-task import takes minutes)."""
    if shutil.which("task") is None:
        return None
    from tests.bench.seed import records

    data = Path(tempfile.gettempdir()) / f"mhv-bench-tw-{n}"
    env = {**os.environ, "TASKDATA": str(data), "TASKRC": str(data / "rc")}
    if not (data / "done").exists():
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir()
        (data / "rc").write_text("confirmation=off\nverbose=nothing\n")
        subprocess.run(["task", "import", "-"], input=json.dumps(records(n)), env=env, text=True,
                       capture_output=True, check=True)  # fmt: skip
        (data / "done").write_text("")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["task", "export"], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def _key_to_screen(app: object, ch: str) -> tuple[float, float, float]:
    """Post a key as the terminal driver does; time until the next frame is written (ms).

    Also returns the time until the screen settles (ms): the last frame before 30 ms without one,
    which shows what the key set off after the echo (the completion list, the palette's results);
    and the CPU time the event-loop thread spent until the first frame (ms): on a machine shared
    with other work, wall time includes waiting for a core, CPU time does not.
    """
    import asyncio

    from textual import events

    frames: list[float] = []
    cpu: list[float] = []
    original = app._display  # type: ignore[attr-defined]

    def display(screen: object, renderable: object) -> None:
        original(screen, renderable)
        frames.append(time.perf_counter())
        cpu.append(time.thread_time())

    app._display = display  # type: ignore[attr-defined]
    key = {" ": "space", "#": "number_sign", "@": "at", "~": "tilde"}.get(ch, ch)
    start, cpu_start = time.perf_counter(), time.thread_time()
    app.post_message(events.Key(key, ch))  # type: ignore[attr-defined]
    while not frames and time.perf_counter() - start < 2:
        await asyncio.sleep(0.0005)
    while frames and time.perf_counter() - frames[-1] < QUIET and time.perf_counter() - start < 2:
        await asyncio.sleep(0.0005)  # trailing work: autocomplete, palette search
    app._display = original  # type: ignore[attr-defined]
    end = time.perf_counter()
    first = ((frames[0] if frames else end) - start) * 1000
    settled = ((frames[-1] if frames else end) - start) * 1000
    return first, settled, ((cpu[0] if cpu else time.thread_time()) - cpu_start) * 1000


QUIET = 0.03  # seconds without a frame after which a keystroke's effects count as drawn


def _p50_p99(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.99) - 1)]


async def keystrokes(n: int, count: int) -> dict[str, tuple[float, ...]]:
    os.environ["MHV_HOME"] = str(home_for(n))
    from mhv.app.main import make_app
    from mhv.store import open_store
    from mhv.tasks.service import TaskService
    from tests.ui.conftest import settle

    app = make_app(TaskService(open_store(), actor="bench"), live=False)
    text = ("fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41 " * 10)[:count]
    results: dict[str, tuple[float, ...]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for name, opener, closer in (("quick-add", "a", "escape"), ("palette", "ctrl+k", "escape")):
            await pilot.press(opener)
            await pilot.pause()
            samples, settled, cpu = [], [], []
            for ch in text:
                wall, done, spent = await _key_to_screen(app, ch)
                samples.append(wall)
                settled.append(done)
                cpu.append(spent)
                if name == "palette" and len(samples) % 20 == 0:
                    await pilot.press(*["backspace"] * 20)  # keep queries short, like a person
                    await pilot.pause()
            await pilot.press(closer)
            results[name] = (*_p50_p99(samples), *_p50_p99(cpu), *_p50_p99(settled))
            slow = sorted(range(len(samples)), key=samples.__getitem__)[-5:]
            SLOWEST[name] = [
                (f"{samples[i]:.1f} ms", i, text[max(0, i - 12) : i + 1]) for i in reversed(slow)
            ]
            slow = sorted(range(len(settled)), key=settled.__getitem__)[-5:]
            SLOWEST[f"{name} settled"] = [
                (f"{settled[i]:.1f} ms", i, text[max(0, i - 12) : i + 1]) for i in reversed(slow)
            ]
    return results


WRITER = r"""
import sys, time
sys.path.insert(0, {root!r})
from mhv.store import open_store
from mhv.tasks.service import TaskService
svc = TaskService(open_store(), actor="other-terminal")
svc.create({{"title": sys.argv[1], "priority": "critical"}})
print(time.time())
"""


async def live_updates(n: int, runs: int = 5) -> list[float]:
    """Another process creates a task; ms from its commit to the first frame that shows it (the
    list's count moved), with the workspace following the log as it does for a user (live=True).
    Runs on a copy of the seeded database, which it writes to."""
    import asyncio

    source = home_for(n)
    home = Path(tempfile.mkdtemp(prefix="mhv-bench-live-"))
    shutil.copytree(source / "data", home / "data")
    os.environ["MHV_HOME"] = str(home)
    from mhv.app.main import make_app
    from mhv.store import open_store
    from mhv.tasks.service import TaskService
    from mhv.widgets.task_list import TaskList

    app = make_app(TaskService(open_store(), actor="bench"), live=True)
    shown: list[float] = []
    original = app._display

    def display(screen: object, renderable: object) -> None:
        original(screen, renderable)
        tasks = app.query(TaskList)
        if tasks and tasks.first().total != total[0] and not shown:
            shown.append(time.time())

    out: list[float] = []
    total = [0]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(2)  # first rows, counts; the watcher (a worker that never ends) is running
            app._display = display
            for i in range(runs):
                total[0] = app.query_one(TaskList).total
                shown.clear()
                env = {**os.environ, "MHV_HOME": str(home)}
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", WRITER.format(root=str(ROOT)), f"live probe {i}", env=env,
                    stdout=asyncio.subprocess.PIPE)  # fmt: skip
                stdout, _ = await proc.communicate()
                committed = float(stdout.decode().split()[-1])
                for _ in range(500):
                    if shown:
                        break
                    await asyncio.sleep(0.01)
                out.append(((shown[0] if shown else time.time()) - committed) * 1000)
                await asyncio.sleep(0.5)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return out


SLOWEST: dict[
    str, list[tuple[str, int, str]]
] = {}  # the five slowest keys of each surface (to the first frame,
# and to settle): ms, index, text up to it


def main() -> None:
    import asyncio

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7, help="launches of each tree (part 1)")
    parser.add_argument(
        "--baseline",
        default="main",
        help="git ref launched alongside the working tree (part 1); 'none': only the working tree",
    )
    parser.add_argument("--keys-only", action="store_true", help="only the keystroke latencies (part 2)")
    parser.add_argument(
        "--live", action="store_true", help="only another process's change to the screen (part 4)"
    )
    args = parser.parse_args()
    if args.live:
        ms = asyncio.run(live_updates(max(args.sizes)))
        print(
            f"another process's new task on screen at {max(args.sizes):,} tasks: "
            + ", ".join(f"{m:.0f}" for m in ms)
            + f" ms (max {max(ms):.0f})"
        )
        return
    for n in [] if args.keys_only else args.sizes:
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        times = first_rows(n, None if args.baseline == "none" else args.baseline, args.runs)
        tw = task_export(n, args.runs)
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        print(
            f"{n:,} tasks, launch of `mhv` to the first task row drawn (pty 120x40, {args.runs} runs"
            f" alternating; load average {' '.join(load_before)} -> {' '.join(load_after)}):"
        )
        for name, pairs in times.items():
            samples, cpu = [w for w, _ in pairs], [c for _, c in pairs]
            median = statistics.median(samples)
            ratio = f", {median / tw:.2f}x task export" if tw else ""
            label = f"{name} ({args.baseline})" if name == "before" else f"{name} (working tree)"
            print(
                f"  {label:<24} median {median * 1000:4.0f} ms, min {min(samples) * 1000:4.0f} ms,"
                f" max {max(samples) * 1000:4.0f} ms{ratio}; CPU until then median"
                f" {statistics.median(cpu) * 1000:4.0f} ms"
            )
        print(
            f"  {'task export':<24} median {tw * 1000:4.0f} ms" if tw is not None else "  task not installed"
        )
    if args.keys <= 0:
        return
    for name, (p50, p99, c50, c99, s50, s99) in asyncio.run(keystrokes(max(args.sizes), args.keys)).items():
        print(
            f"{name:>9} keystroke to screen at {max(args.sizes):,} tasks: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            f" (CPU on the UI thread: p50 {c50:.1f} ms, p99 {c99:.1f} ms)"
        )
        print(f"{'':>9} until the screen settles (list or results drawn): p50 {s50:.1f} ms, p99 {s99:.1f} ms")
        print(f"{'':>9} slowest keys: {SLOWEST[name]}")
        print(f"{'':>9} slowest to settle: {SLOWEST[name + ' settled']}")


if __name__ == "__main__":
    main()
