"""Benchmark the dependency graph: run on purpose, not collected by pytest.

    .venv/bin/python tests/bench/bench_graph.py            # the issue's graph: 100,000 tasks, 200,000 edges
    .venv/bin/python tests/bench/bench_graph.py --deep     # stress: long chains (edges span <= 20 tasks)
    .venv/bin/python tests/bench/bench_graph.py --service  # the same through TaskService on SQLite
    .venv/bin/python tests/bench/bench_graph.py --service --deep
    .venv/bin/python tests/bench/bench_graph.py --view     # TUI graph screen of a 1,000-task component
    .venv/bin/python tests/bench/bench_graph.py --deep --baseline main   # before (main) and after, one run
    .venv/bin/python tests/bench/bench_graph.py --service --deep --baseline main   # main's whole service, then this tree
    .venv/bin/python tests/bench/bench_graph.py --service --deep --rpc   # also: the random edges over the JSON-RPC socket

Numbers for docs/graph.md. Times are wall clock on one core (time.perf_counter).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from types import ModuleType

from mhv.errors import CycleError
from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo
from mhv.tasks.graph.formats import layout_text


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return (
        f"p50 {at(0.50):.3f} ms  p99 {at(0.99):.3f} ms  max {ordered[-1] * 1e3:.3f} ms  (n={len(ordered):,})"
    )


def load_baseline(ref: str) -> ModuleType:
    """The graph module as it is at git ``ref`` (e.g. ``main``), imported under another name, so
    the same run can measure before and after on the same graphs."""
    source = subprocess.run(
        ["git", "show", f"{ref}:mhv/tasks/graph/algorithms.py"], check=True, capture_output=True, text=True
    ).stdout
    path = os.path.join(tempfile.mkdtemp(prefix="mhv-graph-baseline-"), "algorithms.py")
    with open(path, "w") as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location("mhv_graph_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_edges(rng: random.Random, ids: list[str], count: int, span: int) -> list[tuple[str, str]]:
    """A random DAG: a hidden order of the tasks; each edge makes a later task wait for an
    earlier one, chosen uniformly (span 0) or at most ``span`` places earlier (deep chains)."""
    hidden = ids[:]
    rng.shuffle(hidden)
    n = len(ids)
    edges: set[tuple[str, str]] = set()
    while len(edges) < count:
        a = rng.randrange(n)
        b = a + rng.randint(1, span) if span else rng.randrange(n)
        if a == b or b >= n:
            continue
        lo, hi = min(a, b), max(a, b)
        edges.add((hidden[hi], hidden[lo]))
    out = sorted(edges)  # a set's order changes with the process's hash seed; the shuffle must not
    rng.shuffle(out)
    return out


def seed_store(path: str, n_tasks: int, edges: list[tuple[int, int]]) -> None:
    """A real SQLite store: tasks created through the service (one bulk action), the edges written
    in bulk, blocked status set as the service would derive it (every task starts pending)."""
    from mhv.store import open_store
    from mhv.tasks.service import TaskService

    store = open_store(f"sqlite:///{path}")
    svc = TaskService(store, actor="bench", keep_graph=False)
    repos = ["api", "web", "infra"]
    with svc.bulk("seed") as act:
        for i in range(n_tasks):
            svc._new_task(act, {"title": f"task {i}", "repo": repos[i % 3]}, number=i + 1)
        act.conn.execute("INSERT INTO meta (key, value) VALUES ('next_number', ?)", (str(n_tasks + 1),))
        ids = {r["number"]: r["id"] for r in act.conn.all("SELECT number, id FROM task")}
        act.conn.executemany(
            "INSERT INTO dependency (task_id, depends_on_id, kind, created_at) VALUES (?, ?, 'blocks', ?)",
            [(ids[a], ids[b], "2026-11-24T00:00:00.000000+00:00") for a, b in edges],
        )
        act.conn.execute("UPDATE task SET status = 'blocked' WHERE id IN (SELECT task_id FROM dependency)")
    store.close()


def service_bench(args: argparse.Namespace, rng: random.Random) -> int:
    """Cycle check + blocked-state update per edge insert, through TaskService.add_dependency on
    SQLite (a whole transaction each: resolve, check, insert, event, derive status, commit).

    With ``--baseline REF`` the whole ``mhv`` package of REF (graph, cache and service: a rejected
    edge's cost is mostly outside the graph module) runs first, in a child process importing an
    export of that tree, on the same seed; then this tree, in this process."""
    if not args.baseline:
        return service_run(args, rng, sql=not args.no_sql_bfs)
    with tempfile.TemporaryDirectory(prefix="mhv-service-baseline-") as tree:
        archive = subprocess.run(["git", "archive", args.baseline, "mhv"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        argv = [a for a in sys.argv[1:] if a != "--baseline" and a != args.baseline] + ["--no-sql-bfs"]
        boot = (
            "import runpy, sys\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith('__editable__')]\n"
            f"sys.path.insert(0, {tree!r})\n"
            "import mhv\n"
            "print('    (mhv imported from', mhv.__file__, ')', flush=True)\n"
            f"sys.argv = [{os.path.abspath(__file__)!r}, *{argv!r}]\n"
            f"runpy.run_path({os.path.abspath(__file__)!r}, run_name='__main__')\n"
        )
        print(f"==== before: mhv of {args.baseline} (load average {loadavg()})", flush=True)
        child = subprocess.run([sys.executable, "-c", boot], check=False)
        if child.returncode:
            return child.returncode
    print(f"==== after: this tree (load average {loadavg()})", flush=True)
    code = service_run(args, random.Random(args.seed), sql=not args.no_sql_bfs)
    print(f"load average at the end: {loadavg()}")
    return code


def service_run(args: argparse.Namespace, rng: random.Random, *, sql: bool = True) -> int:
    from pathlib import Path

    from mhv.store import open_store
    from mhv.tasks.service import TaskService

    span = 20 if args.deep else 0
    numbers = [str(i + 1) for i in range(args.tasks)]
    all_edges = [(int(a), int(b)) for a, b in make_edges(rng, numbers, args.edges, span)]
    seeded, fresh = all_edges[: args.edges - args.inserts], all_edges[args.edges - args.inserts :]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        seconds = timed(lambda: seed_store(path, args.tasks, seeded))
        print(f"seed {args.tasks:,} tasks + {len(seeded):,} edges in SQLite:   {seconds:.1f} s")
        store = open_store(f"sqlite:///{path}")
        if not args.no_checkpointer:
            store.checkpoint_in_background()
        svc = TaskService(store, actor="bench")

        def first_use() -> None:
            with svc.dependency_graph():
                pass

        load = timed(first_use)
        print(f"first use: load the graph from the store:       {load:.2f} s")

        cpu: list[float] = []
        refused: list[int] = []  # indexes of the inserts refused as cycles

        def insert_all(pairs: list[tuple[int, int]], service: TaskService) -> tuple[list[float], int]:
            """Wall time per insert; the CPU time of this thread goes to ``cpu`` (the difference is
            waiting: for the disk, or for a core on a shared machine)."""
            samples = []
            cpu.clear()
            refused.clear()
            for a, b in pairs:
                start, start_cpu = time.perf_counter(), time.thread_time()
                try:
                    service.add_dependency(a, b)
                except CycleError:
                    refused.append(len(samples))
                samples.append(time.perf_counter() - start)
                cpu.append(time.thread_time() - start_cpu)
            return samples, len(refused)

        samples, _ = insert_all(fresh, svc)
        print(f"service: last {len(fresh):,} edges (to {args.edges:,}, kept graph): {percentiles(samples)}")
        print(f"    CPU time of the same inserts:               {percentiles(cpu)}")
        pairs = [tuple(rng.sample(range(1, args.tasks + 1), 2)) for _ in range(args.inserts // 2)]
        samples, rejected = insert_all(pairs, svc)  # type: ignore[arg-type]
        print(
            f"service: {len(pairs):,} random edges (kept graph):       {percentiles(samples)}; {rejected:,} cycles rejected"
        )
        print(f"    CPU time of the same inserts:               {percentiles(cpu)}")
        if refused:
            print(
                f"    the refused ones alone:                     {percentiles([samples[i] for i in refused])}"
            )
            print(f"    their CPU time:                             {percentiles([cpu[i] for i in refused])}")
        samples = []
        for n in rng.sample(range(1, args.tasks + 1), min(2_000, args.inserts)):
            start = time.perf_counter()
            svc.complete(n)
            samples.append(time.perf_counter() - start)
        print(f"service: complete a task (unblock dependents):  {percentiles(samples)}")
        assert svc._graph.loads == 1, "the graph was reloaded instead of followed"
        store.close()
        if args.rpc:
            rpc_run(path, rng, args)
        if not sql:
            return 0

        # Before: the same inserts with the SQL breadth-first search (one-shot commands still use it).
        store = open_store(f"sqlite:///{path}")
        sql = TaskService(store, actor="bench", keep_graph=False)
        pairs = [tuple(rng.sample(range(1, args.tasks + 1), 2)) for _ in range(args.sql_samples)]
        samples, rejected = insert_all(pairs, sql)  # type: ignore[arg-type]
        print(
            f"before (SQL BFS), {len(pairs):,} random edges:         {percentiles(samples)}; {rejected:,} rejected"
        )
        print(f"    CPU time of the same inserts:               {percentiles(cpu)}")
        store.close()
    return 0


def rpc_run(path: str, rng: random.Random, args: argparse.Namespace) -> None:
    """Random edges as the sync service gets them: ``tasks.update`` with ``depends_on`` over the
    JSON-RPC Unix socket (one client, calls one after another), answered by a SyncContext on the same
    store; the graph is loaded before the first timed call."""
    import asyncio
    import json

    from mhv.sync.context import SyncContext
    from mhv.sync.rpc import start_unix_server
    from mhv.tasks.service import TaskService

    async def run() -> None:
        sock = os.path.join(os.path.dirname(path), "mhv.sock")
        ctx = SyncContext.open(f"sqlite:///{path}", socket_path=sock)

        def load(svc: TaskService) -> None:
            with svc.dependency_graph():
                pass

        await ctx.run("bench", load)
        server = await start_unix_server(ctx, sock)
        reader, writer = await asyncio.open_unix_connection(sock, limit=64 << 20)
        samples, refused = [], 0
        try:
            for i in range(args.inserts // 2):
                a, b = rng.sample(range(1, args.tasks + 1), 2)
                line = {"jsonrpc": "2.0", "method": "tasks.update", "params": {"ref": a, "depends_on": [b]}}
                data = json.dumps({**line, "id": i + 1}).encode() + b"\n"
                start = time.perf_counter()
                writer.write(data)
                await writer.drain()
                answer = json.loads(await reader.readline())
                samples.append(time.perf_counter() - start)
                if "error" in answer:
                    assert answer["error"]["data"]["code"] == "MHV-104", answer
                    refused += 1
        finally:
            writer.close()
            await server.close()
            ctx.close()
        print(
            f"JSON-RPC tasks.update depends_on, {len(samples):,} random edges: {percentiles(samples)}; {refused:,} refused"
        )

    asyncio.run(run())


def view_bench(runs: int = 10) -> int:
    """The TUI graph screen of a 1,000-task component (in a 10,000-task store): time from the
    action to the first frame written, and keystroke-to-frame while moving in it."""
    import asyncio
    import os
    import tempfile
    from pathlib import Path

    async def frame_after(app: object, act: Callable[[], object]) -> float:
        frames: list[float] = []
        original = app._display  # type: ignore[attr-defined]

        def display(screen: object, renderable: object) -> None:
            original(screen, renderable)
            frames.append(time.perf_counter())

        app._display = display  # type: ignore[attr-defined]
        start = time.perf_counter()
        act()
        while not frames and time.perf_counter() - start < 5:
            await asyncio.sleep(0.0005)
        app._display = original  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
        return (frames[0] if frames else time.perf_counter()) - start

    async def run(path: str) -> None:
        from textual import events
        from textual.app import ComposeResult
        from textual.screen import Screen
        from textual.widgets import Footer

        from mhv.app.main import make_app
        from mhv.store import open_store
        from mhv.tasks.graph.formats import layout_text
        from mhv.tasks.service import TaskService

        store = open_store(f"sqlite:///{path}")
        svc = TaskService(store, actor="bench")
        app = make_app(svc, live=False)
        async with app.run_test(size=(160, 50)) as pilot:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            with svc.dependency_graph():
                pass  # the graph is loaded once per process; not part of drawing a view
            view = svc.graph_view(1000)
            print(
                f"component around #1000: {len(view.graph):,} tasks, {sum(1 for _ in view.graph.edges()):,} links"
            )
            lay = [timed(lambda: layout_text(view.graph, focus=view.focus)) for _ in range(runs)]
            print(
                f"layout_text alone:                    median {statistics.median(lay) * 1e3:.1f} ms, max {max(lay) * 1e3:.1f} ms"
            )
            if os.environ.get("MHV_BENCH_PROFILE"):
                import cProfile
                import pstats

                prof = cProfile.Profile()
                await frame_after(app, lambda: app.show_graph(task=1000))
                prof.enable()
                for key in ("k",) * 10:
                    await frame_after(app, lambda key=key: app.post_message(events.Key(key, key)))
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(25)
                await pilot.press("escape")
                await pilot.pause()
            opens, keys, first_keys = [], [], []
            for _ in range(runs):
                opens.append(await frame_after(app, lambda: app.show_graph(task=1000)))
                for i, key in enumerate(
                    ("k",) * 10 + ("j",) * 10
                ):  # the cursor starts on #1000, the last line
                    took = await frame_after(app, lambda key=key: app.post_message(events.Key(key, key)))
                    (first_keys if i == 0 else keys).append(took)
                await pilot.press("escape")
                await pilot.pause()
            print(f"open the graph screen to first frame: {percentiles(opens)}")

            class Empty(Screen[None]):
                def compose(self) -> ComposeResult:
                    yield Footer()

            empty = []
            for _ in range(runs):
                empty.append(await frame_after(app, lambda: app.push_screen(Empty())))
                await pilot.press("escape")
                app.pop_screen()
                await pilot.pause()
            print(f"(an empty screen with a footer:        {percentiles(empty)})")
            print(f"keystroke to frame in the view:       {percentiles(keys)}")
            print(f"  the first key after opening:        {percentiles(first_keys)}")
        store.close()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MHV_HOME"] = tmp
        path = str(Path(tmp) / "view.db")
        rng = random.Random(7)
        # 10,000 tasks; #1-#1000 form one component: 20 chains of 50, each chain also waiting on
        # a random task of the previous chain every 5 steps.
        edges = []
        for i in range(1, 1001):
            if (i - 1) % 50:
                edges.append((i, i - 1))
            if i > 50 and i % 5 == 0:
                edges.append((i, rng.randrange(i - 50 - (i - 1) % 50, i - (i - 1) % 50)))
        seed_store(path, 10_000, edges)
        asyncio.run(run(path))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--deep", action="store_true", help="edges span at most 20 tasks: long chains")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--view", action="store_true", help="the TUI graph screen of a 1,000-task component")
    parser.add_argument("--service", action="store_true", help="through TaskService on a SQLite store")
    parser.add_argument("--no-checkpointer", action="store_true", help="leave WAL checkpoints to the writer")
    parser.add_argument("--inserts", type=int, default=10_000, help="edges inserted through the service")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also run this git ref first (before/after): its graph module, or with --service its mhv package",
    )
    parser.add_argument("--sql-samples", type=int, default=200, help="random edges for the SQL 'before'")
    parser.add_argument(
        "--no-sql-bfs", action="store_true", help="--service: skip the SQL breadth-first search"
    )
    parser.add_argument("--rpc", action="store_true", help="--service: also random edges over JSON-RPC")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.view:
        return view_bench()
    if args.service:
        print(
            f"python {platform.python_version()} on {platform.machine()}; service on SQLite; "
            f"{'deep (span 20)' if args.deep else 'uniform random'} DAG, seed {args.seed}"
        )
        return service_bench(args, rng)
    span = 20 if args.deep else 0
    if args.baseline:
        base = load_baseline(args.baseline)
        print(f"==== before: the graph of {args.baseline} (load average {loadavg()})")
        pure_bench(args, random.Random(args.seed), span, base.DependencyGraph, base.NodeInfo)
        print(f"==== after: this tree (load average {loadavg()})")
        rng = random.Random(args.seed)
    code = pure_bench(args, rng, span, DependencyGraph, NodeInfo)
    print(f"load average at the end: {loadavg()}")
    return code


def pure_bench(
    args: argparse.Namespace, rng: random.Random, span: int, graph_cls: type, node_cls: type
) -> int:
    print(
        f"python {platform.python_version()} on {platform.machine()}; {args.tasks:,} tasks, "
        f"{args.edges:,} edges, {'deep (span 20)' if args.deep else 'uniform random'} DAG, seed {args.seed}"
    )

    ids = [f"t{i}" for i in range(args.tasks)]
    nodes = {
        t: node_cls(
            number=i + 1,
            title=f"task {i}",
            estimate_minutes=rng.choice([None, 30, 60, 120]),
            repo=rng.choice(["api", "web", "infra"]),
        )
        for i, t in enumerate(ids)
    }
    edges = make_edges(rng, ids, args.edges, span)

    bulk: list[DependencyGraph] = []
    seconds = timed(lambda: bulk.append(graph_cls(edges, nodes)))
    print(f"bulk load (constructor, topological sort):      {seconds:.2f} s")
    graph = bulk[0]

    if not args.deep:
        # Insert every edge one by one into an empty graph: cycle check + insert + blocked update.
        graph = graph_cls([], nodes)
        samples = []
        for task, dep in edges:
            start = time.perf_counter()
            graph.would_create_cycle(task, dep)
            graph.add_edge(task, dep)
            samples.append(time.perf_counter() - start)
        print(f"insert one by one (check + insert):             {percentiles(samples)}")

    # Random edges on the full graph; those that would close a cycle are rejected (and named).
    samples, cpu, rejected, longest = [], [], 0, 0
    for _ in range(10_000 if not args.deep else 2_000):
        task, dep = rng.sample(ids, 2)
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            graph.add_edge(task, dep)
        except CycleError as error:
            rejected += 1
            longest = max(longest, len(error.details["cycle"]))
        samples.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    print(f"random edge on the full graph (check + insert): {percentiles(samples)}")
    print(f"    CPU time of the same inserts:               {percentiles(cpu)}")
    print(f"    rejected as cycles: {rejected:,}, longest cycle named: {longest - 1} tasks")

    # Blocked state: queries are O(1) (a counter per task); status changes update dependents.
    queries = timed(lambda: [graph.is_blocked(t) for t in ids])
    print(
        f"is_blocked over all tasks:                      {queries * 1e3:.1f} ms "
        f"({queries / len(ids) * 1e9:.0f} ns per task)"
    )
    samples = []
    for t in rng.sample(ids, 10_000):
        start = time.perf_counter()
        graph.set_status(t, "completed")
        graph.unblocked_by(t)
        graph.set_status(t, "pending")
        samples.append((time.perf_counter() - start) / 2)
    print(f"status change + BlockChange (+unblocked_by):    {percentiles(samples)}")

    # The text view of a 1,000-task component.
    component = graph.component(ids[0], "connected", max_nodes=1000).nodes
    runs = [timed(lambda: layout_text(graph, component, focus=ids[0])) for _ in range(5)]
    layout = layout_text(graph, component)
    width = max(len(line) for line in layout.lines)
    print(
        f"text view of a {len(component):,}-task component:           "
        f"median {statistics.median(runs) * 1e3:.1f} ms, max {max(runs) * 1e3:.1f} ms "
        f"({len(layout.lines):,} lines, widest {width} chars)"
    )
    cp = timed(lambda: graph.critical_path())
    print(f"critical path over the whole graph:             {cp * 1e3:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
