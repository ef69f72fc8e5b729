"""`mhv serve` as a subprocess on a free loopback port: real HTTP (httpx), a real WebSocket client
(websockets), signed real payloads; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SHARED_DATA
from tests.faketime import library as faketime_library
from tests.sync.serving import GITLAB_TOKEN, WS_TOKEN, Served, github_headers, start

HOOKS = SHARED_DATA / "webhooks"
pytestmark = pytest.mark.slow


def counts(url: str) -> tuple[int, int]:
    """(tasks, webhook deliveries) in the server's database, read directly."""
    from mhv.store import open_store

    store = open_store(url)
    try:
        with store.read() as conn:
            return int(conn.scalar("SELECT COUNT(*) FROM task")), int(
                conn.scalar("SELECT COUNT(*) FROM webhook_delivery")
            )
    finally:
        store.close()


@pytest.fixture
def home() -> Iterator[Path]:
    """A short MHV_HOME: the JSON-RPC socket inside it must fit a Unix socket path (107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="mhv-s-", dir="/tmp"))
    yield folder / "home"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server(home: Path, database_url: str) -> Iterator[tuple[Served, str]]:
    served = start(home, database_url=database_url)
    yield served, database_url
    served.stop()


def post_github(
    client: httpx.Client, name: str, delivery: str, payload: dict[str, Any] | None = None
) -> httpx.Response:
    body = json.dumps(payload).encode() if payload is not None else (HOOKS / "github" / name).read_bytes()
    event = name.split(".")[0]
    return client.post("/webhooks/github", content=body, headers=github_headers(body, event, delivery))


def test_health_ready_and_every_github_fixture(server: tuple[Served, str]) -> None:
    served, url = server
    with httpx.Client(base_url=served.url, timeout=30) as client:
        assert client.get("/healthz").json()["ok"] is True
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["schema"] == ready.json()["expected"]
        answers = {}
        for path in sorted((HOOKS / "github").iterdir()):
            answers[path.name] = post_github(client, path.name, f"d-{path.name}").status_code
        assert answers["ping.0.json"] == 200
        assert answers["push.0.json"] == 202  # a tag push: nothing mhv uses, recorded as ignored
        assert answers["issues.opened.0.json"] == 200
        assert set(answers.values()) <= {200, 202}
        # every delivery again: each is a duplicate, nothing changes
        before = counts(url)
        for path in sorted((HOOKS / "github").iterdir()):
            again = post_github(client, path.name, f"d-{path.name}")
            assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
        assert counts(url) == before
    tasks, deliveries = before
    assert tasks == 2 and deliveries == len(answers)  # the issue and the pull request
    assert (
        "POST /webhooks/github 200" in served.log_text()
        and "delivery=d-issues.opened.0.json" in served.log_text()
    )


def test_rejected_requests_store_nothing(server: tuple[Served, str]) -> None:
    served, url = server
    body = (HOOKS / "github" / "issues.opened.0.json").read_bytes()
    good = github_headers(body, "issues", "x1")
    with httpx.Client(base_url=served.url, timeout=60) as client:
        forged = good | {"X-Hub-Signature-256": "sha256=" + "0" * 64}
        assert client.post("/webhooks/github", content=body, headers=forged).status_code == 401
        wrong_secret = github_headers(body, "issues", "x1", secret="not-the-secret")
        assert client.post("/webhooks/github", content=body, headers=wrong_secret).status_code == 401
        unsigned = {k: v for k, v in good.items() if k != "X-Hub-Signature-256"}
        assert client.post("/webhooks/github", content=body, headers=unsigned).status_code == 401
        tampered = body.replace(b"Spelling", b"Spelunking")
        assert client.post("/webhooks/github", content=tampered, headers=good).status_code == 401
        for missing in ("X-GitHub-Event", "X-GitHub-Delivery"):
            r = client.post(
                "/webhooks/github", content=body, headers={k: v for k, v in good.items() if k != missing}
            )
            assert r.status_code == 400 and r.json()["error"]["code"] == "MHV-751"
        not_json = b"{not json"
        r = client.post(
            "/webhooks/github", content=not_json, headers=github_headers(not_json, "issues", "x2")
        )
        assert r.status_code == 400 and "not JSON" in r.json()["error"]["message"]
        array = b"[1, 2]"
        assert (
            client.post(
                "/webhooks/github", content=array, headers=github_headers(array, "issues", "x3")
            ).status_code
            == 400
        )
        lacking = json.dumps({"action": "opened", "repository": {"full_name": "o/r"}}).encode()
        r = client.post("/webhooks/github", content=lacking, headers=github_headers(lacking, "issues", "x4"))
        assert r.status_code == 422 and r.json()["error"]["code"] == "MHV-756"
        form = good | {"Content-Type": "application/x-www-form-urlencoded"}
        assert client.post("/webhooks/github", content=body, headers=form).status_code == 415
        huge = b'{"a": "' + b"x" * (25 * 1024 * 1024) + b'"}'
        r = client.post("/webhooks/github", content=huge, headers=github_headers(huge, "issues", "x5"))
        assert r.status_code == 413 and r.json()["error"]["code"] == "MHV-754"
        gl = (HOOKS / "gitlab" / "issue.json").read_bytes()
        gl_headers = {
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Issue Hook",
            "X-Gitlab-Event-UUID": "u1",
        }
        assert client.post("/webhooks/gitlab", content=gl, headers=gl_headers).status_code == 401
        bad = gl_headers | {"X-Gitlab-Token": GITLAB_TOKEN + "x"}
        assert client.post("/webhooks/gitlab", content=gl, headers=bad).status_code == 401
        no_id = {
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Issue Hook",
            "X-Gitlab-Token": GITLAB_TOKEN,
        }
        assert client.post("/webhooks/gitlab", content=gl, headers=no_id).status_code == 400
        assert client.get("/webhooks/github").status_code == 405
    assert counts(url) == (0, 0)


def test_gitlab_token_and_dedup_keys(server: tuple[Served, str]) -> None:
    served, url = server
    body = (HOOKS / "gitlab" / "issue.json").read_bytes()
    base = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Token": GITLAB_TOKEN,
    }
    with httpx.Client(base_url=served.url, timeout=30) as client:
        r = client.post("/webhooks/gitlab", content=body, headers=base | {"X-Gitlab-Event-UUID": "uuid-1"})
        assert r.status_code == 200 and r.json()["outcome"] == "applied"
        # the same event retried by GitLab carries the same Idempotency-Key (it wins over the UUID)
        key = base | {"Idempotency-Key": "key-1", "X-Gitlab-Event-UUID": "uuid-2"}
        assert client.post("/webhooks/gitlab", content=body, headers=key).json()["outcome"] == "applied"
        again = base | {"Idempotency-Key": "key-1", "X-Gitlab-Event-UUID": "uuid-3"}
        assert client.post("/webhooks/gitlab", content=body, headers=again).json()["outcome"] == "duplicate"
        push = json.dumps(
            {"object_kind": "push", "project": {"path_with_namespace": "g/p"}, "commits": []}
        ).encode()
        r = client.post("/webhooks/gitlab", content=push, headers=base | {"X-Gitlab-Event": "Push Hook",
                                                                          "X-Gitlab-Event-UUID": "p1"})  # fmt: skip
        assert r.status_code == 202
    assert counts(url) == (1, 3)


# Standard Webhooks: the server runs under faketime at the test vector's timestamp (2021-02-25 15:02:10
# UTC), so the documented example verifies and stale / future timestamps are judged against it.
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_TIME = 1614265330


@pytest.mark.skipif(
    faketime_library() is None, reason="libfaketime is not installed (apt-get install faketime)"
)
def test_gitlab_standard_webhooks_vector_and_stale_timestamps(home: Path) -> None:
    from standardwebhooks.webhooks import Webhook

    served = start(home, env={"MHV_GITLAB_TOKEN": SW_SECRET}, faketime="@2021-02-25 15:02:10")
    url = f"sqlite:///{home / 'data' / 'mhv.db'}"
    try:
        body = b'{"test": 2432232314}'
        vector = {"Content-Type": "application/json", "X-Gitlab-Event": "System Hook",
                  "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": str(SW_TIME),
                  "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}  # fmt: skip
        hook = Webhook(SW_SECRET)
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for shift in (-400, 400):  # outside the 5 minutes either way: refused, signature right or not
                when = SW_TIME + shift
                stale = vector | {"webhook-id": f"msg-{shift}", "webhook-timestamp": str(when),
                                  "webhook-signature": hook.sign(f"msg-{shift}", datetime.fromtimestamp(when, UTC), body)}  # fmt: skip
                r = client.post("/webhooks/gitlab", content=body, headers=stale)
                assert r.status_code == 401 and "timestamp" in r.json()["error"]["message"]
            forged = vector | {"webhook-signature": "v1,AAAA" + vector["webhook-signature"][8:]}
            assert client.post("/webhooks/gitlab", content=body, headers=forged).status_code == 401
            token_only = {"Content-Type": "application/json", "X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": SW_SECRET,
                          "X-Gitlab-Event-UUID": "t1"}  # fmt: skip
            assert client.post("/webhooks/gitlab", content=body, headers=token_only).status_code == 401
            assert counts(url) == (0, 0)
            r = client.post("/webhooks/gitlab", content=body, headers=vector)
            assert (
                r.status_code == 202 and r.json()["outcome"] == "ignored"
            )  # verified; not an event mhv uses
            assert (
                client.post("/webhooks/gitlab", content=body, headers=vector).json()["outcome"] == "duplicate"
            )
        assert counts(url) == (0, 1)
    finally:
        served.stop()


def test_no_secret_answers_503_with_how_to_set_it(home: Path) -> None:
    served = start(home, env={"MHV_GITHUB_SECRET": "", "MHV_WS_TOKEN": ""})
    try:
        body = (HOOKS / "github" / "issues.opened.0.json").read_bytes()
        with httpx.Client(base_url=served.url, timeout=30) as client:
            r = client.post("/webhooks/github", content=body, headers=github_headers(body, "issues", "n1"))
            assert r.status_code == 503 and "MHV_GITHUB_SECRET" in r.json()["error"]["hint"]
            unsigned = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": "n2",
            }
            assert client.post("/webhooks/github", content=body, headers=unsigned).status_code == 503
            ws = client.get("/ws", headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})  # fmt: skip
            assert ws.status_code == 503 and "MHV_WS_TOKEN" in ws.json()["error"]["hint"]
        assert counts(f"sqlite:///{home / 'data' / 'mhv.db'}") == (0, 0)
    finally:
        served.stop()


def test_a_public_address_without_secrets_is_refused(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHV_")} | {"MHV_HOME": str(home)}
    run = subprocess.run([sys.executable, "-m", "mhv", "serve", "--host", "0.0.0.0", "--port", "0"], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2
    assert "MHV-760" in run.stderr and "MHV_WS_TOKEN" in run.stderr and "0.0.0.0" in run.stderr


def test_sigterm_finishes_the_request_in_flight_and_removes_the_socket(home: Path) -> None:
    import socket as sockets
    import threading
    import time

    served = start(home)
    assert Path(served.socket).exists()
    with sockets.socket(sockets.AF_UNIX) as unix:  # the same process answers JSON-RPC on its socket
        unix.connect(served.socket)
        unix.sendall(b'{"jsonrpc": "2.0", "method": "server.ping", "id": 1}\n')
        assert json.loads(unix.makefile().readline())["id"] == 1
    body = (HOOKS / "github" / "issues.opened.0.json").read_bytes()
    headers = github_headers(body, "issues", "inflight")
    sent_half = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        sent_half.set()
        time.sleep(1.0)  # SIGTERM arrives while the body is still coming
        yield body[len(body) // 2 :]

    def signal_midway() -> None:
        sent_half.wait(10)
        time.sleep(0.2)
        served.proc.send_signal(signal.SIGTERM)

    killer = threading.Thread(target=signal_midway)
    killer.start()
    with httpx.Client(base_url=served.url, timeout=30) as client:
        r = client.post(
            "/webhooks/github", content=slow_body(), headers=headers | {"Content-Length": str(len(body))}
        )
    killer.join()
    assert r.status_code == 200 and r.json()["outcome"] == "applied"
    assert served.proc.wait(20) == 0
    assert "mhv serve: stopped" in served.log_text()
    assert not Path(served.socket).exists()
    assert counts(f"sqlite:///{home / 'data' / 'mhv.db'}") == (1, 1)


# ------------------------------------------------------------------ the WebSocket stream
def test_websocket_backlog_then_live_and_token_checks(server: tuple[Served, str]) -> None:
    import websockets
    from websockets.exceptions import InvalidStatus

    served, _ = server

    async def scenario() -> None:
        for bad in ({}, {"additional_headers": {"Authorization": "Bearer nope"}}):
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(served.ws_url + "?since=0", **bad):  # type: ignore[arg-type]
                    pass
            assert refused.value.response.status_code == 401
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(served.ws_url + f"?since=abc&token={WS_TOKEN}"):
                pass
        assert refused.value.response.status_code == 400
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            body = (HOOKS / "github" / "issues.opened.0.json").read_bytes()
            await client.post("/webhooks/github", content=body, headers=github_headers(body, "issues", "w1"))
            auth = {"Authorization": f"Bearer {WS_TOKEN}"}
            async with websockets.connect(served.ws_url + "?since=0", additional_headers=auth) as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert first["kind"] == "task.created" and first["actor"] == "github" and first["seq"] >= 1
                assert set(first) >= {"seq", "kind", "task_id", "txn", "at", "actor", "before", "after"}
                labeled_payload = json.loads((HOOKS / "github" / "issues.labeled.0.json").read_bytes())
                labeled_payload["issue"]["labels"].append({"name": "docs"})
                labeled = json.dumps(labeled_payload).encode()
                await client.post(
                    "/webhooks/github", content=labeled, headers=github_headers(labeled, "issues", "w2")
                )
                live = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert live["seq"] > first["seq"] and live["kind"] == "task.updated"
            # resuming with since=<last seen> gives nothing old again; ?token= works too
            async with websockets.connect(served.ws_url + f"?since={live['seq']}&token={WS_TOKEN}") as ws:
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(ws.recv(), 0.5)

    asyncio.run(scenario())


# ------------------------------------------------------------------ the CLI over the delivery log
def test_webhooks_list_and_replay(home: Path) -> None:
    served = start(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHV_")} | {"MHV_HOME": str(home)}
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            post_github(client, "issues.opened.0.json", "L1")
            post_github(client, "ping.0.json", "L2")
    finally:
        served.stop()

    def mhv(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mhv", *args], env=env, capture_output=True, text=True, timeout=60
        )

    listed = json.loads(mhv("webhooks", "list", "--json").stdout)
    assert [(d["delivery_id"], d["outcome"]) for d in listed] == [("L2", "ignored"), ("L1", "applied")]
    assert "applied" in mhv("webhooks", "list").stdout
    again = mhv("webhooks", "replay", "L1", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["outcome"] == "duplicate"
    missing = mhv("webhooks", "replay", "nope")
    assert missing.returncode == 3 and "MHV-761" in missing.stderr
    assert len(json.loads(mhv("tl", "--json").stdout)) == 1
