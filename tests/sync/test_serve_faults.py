"""Faults: `mhv serve` SIGKILLed in the middle of a stream of deliveries, then everything redelivered
(each applied exactly once); two instances on one PostgreSQL (a delivery sent to both is applied once,
an event written through one reaches the other's WebSocket clients, one killed while the other serves;
both started at once on an empty database, then one killed under load)."""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SHARED_DATA
from tests.sync.serving import WS_TOKEN, github_headers, start

pytestmark = pytest.mark.slow
ISSUE = json.loads((SHARED_DATA / "webhooks" / "github" / "issues.opened.0.json").read_text(encoding="utf-8"))


def issue_body(n: int) -> bytes:
    payload = copy.deepcopy(ISSUE)
    payload["issue"]["number"] = n
    payload["issue"]["title"] = f"issue {n}"
    return json.dumps(payload).encode()


def state(url: str) -> tuple[list[str], list[str], list[str]]:
    """(source_refs of tasks, delivery ids, txn ids of task.created events) in the database."""
    from mhv.store import open_store

    store = open_store(url)
    try:
        with store.read() as conn:
            refs = [r["source_ref"] for r in conn.all("SELECT source_ref FROM task ORDER BY number")]
            ids = [r["delivery_id"] for r in conn.all("SELECT delivery_id FROM webhook_delivery ORDER BY id")]
            created = [r["txn"] for r in conn.all("SELECT txn FROM event WHERE kind = 'task.created'")]
        return refs, ids, created
    finally:
        store.close()


@pytest.fixture
def homes() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mhv-f-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_sigkill_mid_stream_then_redeliver_all_applies_each_once(homes: Path, database_url: str) -> None:
    total = 300
    served = start(homes / "a", database_url=database_url)
    answered: list[int] = []

    def stream() -> None:
        with httpx.Client(base_url=served.url, timeout=10) as client:
            for n in range(1, total + 1):
                body = issue_body(n)
                try:
                    client.post(
                        "/webhooks/github", content=body, headers=github_headers(body, "issues", f"k-{n}")
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                answered.append(n)

    sender = threading.Thread(target=stream)
    sender.start()
    while len(answered) < total // 3 and sender.is_alive():
        threading.Event().wait(0.01)
    served.proc.send_signal(signal.SIGKILL)
    served.proc.wait(10)
    sender.join(30)
    assert 0 < len(answered) < total, "the kill should land in the middle of the stream"
    refs, ids, _ = state(database_url)
    assert len(refs) == len(ids) >= len(answered)  # every answered delivery is stored; a task per delivery

    again = start(homes / "b", database_url=database_url)  # the forge redelivers everything
    try:
        outcomes: dict[str, int] = {}
        with httpx.Client(base_url=again.url, timeout=30) as client:
            for n in range(1, total + 1):
                body = issue_body(n)
                r = client.post(
                    "/webhooks/github", content=body, headers=github_headers(body, "issues", f"k-{n}")
                )
                outcomes[r.json()["outcome"]] = outcomes.get(r.json()["outcome"], 0) + 1
    finally:
        again.stop()
    refs, ids, created = state(database_url)
    assert sorted(refs) == sorted(f"github:Codertocat/Hello-World#{n}" for n in range(1, total + 1))
    assert sorted(ids) == sorted(f"k-{n}" for n in range(1, total + 1)) and len(created) == total
    assert outcomes["duplicate"] >= len(answered) and outcomes["applied"] + outcomes["duplicate"] == total


@pytest.mark.postgres
def test_two_instances_on_one_postgres(homes: Path, pg_server_url: str) -> None:
    import websockets

    from tests.pg import fresh_database

    url = fresh_database(pg_server_url)
    a = start(homes / "a", database_url=url, name="a")
    b = start(homes / "b", database_url=url, name="b")
    try:

        async def scenario() -> None:
            auth = {"Authorization": f"Bearer {WS_TOKEN}"}
            async with (
                websockets.connect(b.ws_url, additional_headers=auth) as ws_b,
                httpx.AsyncClient(timeout=30) as http,
            ):
                # the same deliveries sent to both at once: each applied once
                async def both(n: int) -> list[str]:
                    body = issue_body(n)
                    headers = github_headers(body, "issues", f"two-{n}")
                    answers = await asyncio.gather(
                        http.post(a.url + "/webhooks/github", content=body, headers=headers),
                        http.post(b.url + "/webhooks/github", content=body, headers=headers),
                    )
                    return sorted(r.json()["outcome"] for r in answers)

                results = [await both(n) for n in range(1, 11)]
                assert results == [["applied", "duplicate"]] * 10
                # written through either instance, seen by B's WebSocket client: 10 task.created events
                seen: list[dict[str, Any]] = []
                while len(seen) < 10:
                    seen.append(json.loads(await asyncio.wait_for(ws_b.recv(), 15)))
                assert [e["kind"] for e in seen] == ["task.created"] * 10
                assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)
                # one written only through A reaches B's client
                body = issue_body(99)
                r = await http.post(
                    a.url + "/webhooks/github", content=body, headers=github_headers(body, "issues", "only-a")
                )
                assert r.json()["outcome"] == "applied"
                event = json.loads(await asyncio.wait_for(ws_b.recv(), 15))
                assert event["kind"] == "task.created" and event["after"]["source_ref"].endswith("#99")
                # A dies; B keeps serving
                a.proc.send_signal(signal.SIGKILL)
                await asyncio.to_thread(a.proc.wait, 10)
                body = issue_body(100)
                r = await http.post(
                    b.url + "/webhooks/github",
                    content=body,
                    headers=github_headers(body, "issues", "after-a"),
                )
                assert r.status_code == 200 and r.json()["outcome"] == "applied"
                event = json.loads(await asyncio.wait_for(ws_b.recv(), 15))
                assert event["after"]["source_ref"].endswith("#100")
                assert (await http.get(b.url + "/readyz")).status_code == 200

        asyncio.run(scenario())
    finally:
        a.stop()
        b.stop()
    refs, ids, created = state(url)
    assert len(refs) == len(set(refs)) == 12 and len(ids) == 12 and len(created) == 12


def test_two_instances_started_together_then_one_killed_under_load(homes: Path, pg_server_url: str) -> None:
    """Issue 21 as a team runs it: two `mhv serve` started at the same moment on an empty PostgreSQL
    (one migration, both serve), a WebSocket client on each, 240 deliveries spread over both, and A
    SIGKILLed a third of the way in. Deliveries A never answered are redelivered to B, as a forge
    retries. Every delivery is applied once, and each client received every event of the database
    from its first one on, in `seq` order, with none missing (A's until it died)."""
    import psycopg
    import websockets

    from tests.pg import fresh_database

    url = fresh_database(pg_server_url)
    both: list[Any] = [None, None]

    def launch(k: int) -> None:
        both[k] = start(homes / "ab"[k], database_url=url, name="ab"[k])

    starters = [threading.Thread(target=launch, args=(k,)) for k in range(2)]
    for t in starters:
        t.start()
    for t in starters:
        t.join(120)
    a, b = both
    assert a is not None and b is not None, "both instances serve"
    total = 240
    try:
        with psycopg.connect(url) as conn:  # the schema was made by one transaction: one migration
            xids = conn.execute(
                "SELECT DISTINCT xmin::text FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                "'public'::regnamespace AND relname IN ('task', 'event', 'alembic_version', 'txn', 'meta')"
            ).fetchall()
        assert len(xids) == 1

        async def scenario() -> tuple[list[int], list[int], list[int]]:
            auth = {"Authorization": f"Bearer {WS_TOKEN}"}
            got_a: list[int] = []
            got_b: list[int] = []
            answered: dict[int, str] = {}
            killed = asyncio.Event()

            async def listen(ws: Any, into: list[int], done: asyncio.Event) -> None:
                try:
                    while not done.is_set():
                        try:
                            frame = await asyncio.wait_for(ws.recv(), 0.5)
                        except TimeoutError:
                            continue
                        into.append(json.loads(frame)["seq"])
                except websockets.ConnectionClosed:
                    return  # A's client when A dies

            finished = asyncio.Event()
            async with (
                websockets.connect(a.ws_url, additional_headers=auth) as ws_a,
                websockets.connect(b.ws_url, additional_headers=auth) as ws_b,
                httpx.AsyncClient(timeout=10) as http,
            ):
                listeners = [
                    asyncio.create_task(listen(ws_a, got_a, finished)),
                    asyncio.create_task(listen(ws_b, got_b, finished)),
                ]
                queue: asyncio.Queue[int] = asyncio.Queue()
                for n in range(1, total + 1):
                    queue.put_nowait(n)

                async def sender(k: int) -> None:
                    while not queue.empty():
                        n = queue.get_nowait()
                        target = (a, b)[n % 2] if not killed.is_set() else b
                        body = issue_body(n)
                        try:
                            r = await http.post(target.url + "/webhooks/github", content=body,
                                                headers=github_headers(body, "issues", f"load-{n}"))  # fmt: skip
                            answered[n] = r.json()["outcome"]
                        except (httpx.HTTPError, ValueError):
                            queue.put_nowait(n)  # no answer: the forge redelivers (to B once A is gone)
                        if len(answered) >= total // 3 and not killed.is_set():
                            killed.set()
                            a.proc.send_signal(signal.SIGKILL)

                await asyncio.gather(*(sender(k) for k in range(6)))
                assert killed.is_set() and sorted(answered) == list(range(1, total + 1))
                assert set(answered.values()) <= {"applied", "duplicate"}
                assert (await http.get(b.url + "/readyz")).status_code == 200
                with psycopg.connect(url) as conn:
                    seqs = [r[0] for r in conn.execute("SELECT seq FROM event ORDER BY seq").fetchall()]
                deadline = asyncio.get_running_loop().time() + 20
                while (not got_b or got_b[-1] < seqs[-1]) and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(0.05)
                finished.set()
                await asyncio.gather(*listeners)
            return seqs, got_a, got_b

        seqs, got_a, got_b = asyncio.run(scenario())
    finally:
        a.stop(signal.SIGKILL)
        b.stop()
    refs, ids, created = state(url)
    assert sorted(refs) == sorted(f"github:Codertocat/Hello-World#{n}" for n in range(1, total + 1))
    assert len(ids) == total and len(created) == total  # each delivery applied once
    assert got_b and got_b == [s for s in seqs if s >= got_b[0]]  # B's client: every event from its first
    assert got_a and got_a == [s for s in seqs if got_a[0] <= s <= got_a[-1]]  # A's, until it died
