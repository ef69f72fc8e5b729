"""Faults: `mhv serve` SIGKILLed in the middle of a stream of deliveries, then everything redelivered
(each applied exactly once); two instances on one PostgreSQL (a delivery sent to both is applied once,
an event written through one reaches the other's WebSocket clients, one killed while the other serves)."""

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
