"""The dev server `python -m mhv.sync.rpc` as a real process, on SQLite and PostgreSQL: a task added
by the CLI (another process, its own connection) reaches a socket subscriber as an `event`
notification, and a task created over the socket is seen by the CLI with the client's actor."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

from tests.sync.conftest import LineClient


async def test_cli_writes_reach_a_socket_subscriber(database_url, sock_dir):
    env = {**os.environ, "MHV_HOME": str(sock_dir), "MHV_DATABASE_URL": database_url, "TZ": "UTC"}
    server = subprocess.Popen([sys.executable, "-m", "mhv.sync.rpc"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert (await asyncio.to_thread(server.stdout.readline)).startswith("listening on ")
        client = await LineClient.connect(sock_dir / "run" / "mhv.sock")
        await client.result("server.hello", {"client": "script"})
        sub = await client.result("events.subscribe", {})
        done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "mhv", "tc", "from the cli #x"],
                                       env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr
        event = await client.message(timeout=20)
        assert event["method"] == "event" and event["params"]["after"]["title"] == "from the cli"
        assert event["params"]["seq"] > sub["seq"]
        made = await client.result("tasks.create", {"text": "from the socket"})
        shown = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "mhv", "history", str(made["number"]), "--json"],
                                        env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert [e["actor"] for e in json.loads(shown.stdout)] == ["rpc:script"]
        await client.close()
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, 30)
    assert server.returncode == 0, server.stderr.read()
    assert not (sock_dir / "run" / "mhv.sock").exists()


def _block_stop_signals() -> None:
    # As Swift's Foundation `Process` starts its children on Linux: the stop signals blocked and
    # SIGINT ignored (the mask and ignored signals survive exec).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_sigterm_stops_a_server_started_with_the_stop_signals_blocked(sock_dir):
    env = {**os.environ, "MHV_HOME": str(sock_dir), "TZ": "UTC"}
    server = subprocess.Popen([sys.executable, "-m", "mhv.sync.rpc"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=_block_stop_signals)  # fmt: skip
    try:
        assert server.stdout.readline().startswith("listening on ")
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, server.stderr.read()
    assert not (sock_dir / "run" / "mhv.sock").exists()
