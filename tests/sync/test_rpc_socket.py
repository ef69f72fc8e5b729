"""The Unix socket itself: permissions, one server per MHV_HOME (the second names the first's pid), a
crashed server's socket replaced, the line and connection caps, hostile bytes answered and survived."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import sys

import pytest

from mhv.sync.errors import ServerRunningError
from mhv.sync.rpc import start_unix_server
from tests.sync.conftest import LineClient
from tests.sync.test_jsonrpc_spec import spec_dispatcher

PING = b'{"jsonrpc": "2.0", "method": "ping", "id": 1}\n'


async def test_modes_and_the_socket_removed_on_close(sock_dir):
    run = sock_dir / "run"
    run.mkdir(mode=0o755)
    os.chmod(run, 0o755)
    server = await start_unix_server(None, run / "mhv.sock", dispatcher=spec_dispatcher([]))
    try:
        assert stat.S_IMODE(os.stat(run).st_mode) == 0o700
        st = os.lstat(run / "mhv.sock")
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
        assert (run / "mhv.pid").read_text().strip() == str(os.getpid())
    finally:
        await server.close()
    assert not (run / "mhv.sock").exists()


async def test_a_second_server_is_refused_naming_the_first(sock_dir):
    server = await start_unix_server(None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher([]))
    try:
        with pytest.raises(ServerRunningError) as info:
            await start_unix_server(None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher([]))
        assert f"pid {os.getpid()}" in info.value.message and info.value.code == "MHV-702"
        client = await LineClient.connect(server.path)  # the first one is untouched
        await client.send_bytes(PING)
        assert json.loads(await client.line())["result"] == "pong"
        await client.close()
    finally:
        await server.close()


def start_dev_server(home):
    env = {**os.environ, "MHV_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "mhv.sync.rpc"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    return proc


async def test_a_killed_server_leaves_a_socket_the_next_one_replaces(sock_dir):
    first = start_dev_server(sock_dir)
    line = await asyncio.to_thread(first.stdout.readline)
    assert line.startswith("listening on ")
    sock = sock_dir / "run" / "mhv.sock"
    second = start_dev_server(sock_dir)
    _out, err = await asyncio.to_thread(second.communicate, timeout=60)
    assert second.returncode == 5 and f"pid {first.pid}" in err and "MHV-702" in err
    first.send_signal(signal.SIGKILL)
    await asyncio.to_thread(first.wait, 30)
    assert stat.S_ISSOCK(os.lstat(sock).st_mode)  # left behind by the crash
    third = start_dev_server(sock_dir)
    try:
        assert (await asyncio.to_thread(third.stdout.readline)).startswith("listening on ")
        client = await LineClient.connect(sock)
        assert await client.result("server.ping") == "pong"
        await client.close()
    finally:
        third.send_signal(signal.SIGTERM)
        await asyncio.to_thread(third.wait, 30)
    assert third.returncode == 0 and not sock.exists()


async def test_an_over_long_line_is_refused_and_closed_others_unharmed(sock_dir):
    server = await start_unix_server(
        None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher([]), max_line=1000
    )
    try:
        other = await LineClient.connect(server.path)
        hostile = await LineClient.connect(server.path)
        await hostile.send_bytes(
            b'{"jsonrpc": "2.0", "method": "ping", "params": ["' + b"x" * 5000 + b'"], "id": 1}\n'
        )
        err = json.loads(await hostile.line())
        assert (
            err["error"]["code"] == -32600 and err["error"]["data"]["code"] == "MHV-703" and err["id"] is None
        )
        assert await hostile.line() == b""  # closed
        await other.send_bytes(PING)
        assert json.loads(await other.line())["result"] == "pong"
        await other.close()
        await hostile.close()
    finally:
        await server.close()


async def test_connections_are_capped(sock_dir):
    server = await start_unix_server(
        None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher([]), max_connections=3
    )
    try:
        clients = [await LineClient.connect(server.path) for _ in range(3)]
        for c in clients:
            await c.send_bytes(PING)
            assert json.loads(await c.line())["result"] == "pong"
        extra = await LineClient.connect(server.path)
        refused = json.loads(await extra.line())
        assert refused["error"]["data"]["code"] == "MHV-705"
        assert await extra.line() == b""
        await clients[0].close()
        await asyncio.sleep(0.1)
        again = await LineClient.connect(server.path)
        await again.send_bytes(PING)
        assert json.loads(await again.line())["result"] == "pong"
        for c in [*clients[1:], extra, again]:
            await c.close()
    finally:
        await server.close()


@pytest.mark.parametrize(
    "frame",
    [b"\xff\xfe\x00garbage", b'{"jsonrpc": "2.0", "method": "ping", "id": NaN}', b"[" * 100_000,
     b"1" * 5000, b'"\\ud800"', b'{"jsonrpc": "2.0", "method": "ping", "id": {}}', b"\x00"],
)  # fmt: skip
async def test_hostile_bytes_get_an_error_and_the_connection_stays_usable(sock_dir, frame):
    server = await start_unix_server(
        None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher([]), max_line=200_000
    )
    try:
        client = await LineClient.connect(server.path)
        await client.send_bytes(frame + b"\n")
        answer = json.loads(await client.line())
        assert answer["error"]["code"] in (-32700, -32600) and answer["id"] is None
        await client.send_bytes(PING)
        assert json.loads(await client.line())["result"] == "pong"
        await client.close()
    finally:
        await server.close()


async def test_a_last_line_without_newline_is_answered(sock_dir):
    server = await start_unix_server(None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher([]))
    try:
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        await asyncio.to_thread(raw.connect, str(server.path))
        raw.sendall(PING.rstrip(b"\n"))
        raw.shutdown(socket.SHUT_WR)
        data = await asyncio.to_thread(raw.makefile("rb").read)
        assert json.loads(data) == {"jsonrpc": "2.0", "result": "pong", "id": 1}
        raw.close()
    finally:
        await server.close()


async def test_close_answers_the_request_in_hand_then_ends_the_connection(sock_dir):
    d = spec_dispatcher([])

    @d.method("slow")
    async def slow(params, session):
        await asyncio.sleep(0.3)
        return "finished"

    server = await start_unix_server(None, sock_dir / "mhv.sock", dispatcher=d)
    client = await LineClient.connect(server.path)
    idle = await LineClient.connect(server.path)
    await client.send_bytes(b'{"jsonrpc": "2.0", "method": "slow", "id": 1}\n')
    await asyncio.sleep(0.05)
    await server.close()
    assert json.loads(await client.line())["result"] == "finished"
    assert await client.line() == b"" and await idle.line() == b""
    assert not server.path.exists()
    await client.close()
    await idle.close()
