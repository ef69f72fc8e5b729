"""Hypothesis on JSON-RPC frames against the real mhv methods on the real socket: whatever arrives
(bytes, JSON of any shape, requests with any params, batches), the server answers with well-formed
JSON-RPC, does not crash, keeps the connection usable (or closes it cleanly), and an input it
rejects stores nothing."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhv.sync.context import SyncContext
from mhv.sync.rpc import start_unix_server

METHODS = ["tasks.list", "tasks.get", "tasks.create", "tasks.update", "tasks.start", "tasks.complete",
           "tasks.search", "tasks.next", "tasks.undo", "nlp.parse", "repos.list", "server.ping",
           "server.version", "server.hello", "nope", "rpc.x"]  # fmt: skip
KEYS = ["ref", "text", "fields", "limit", "offset", "status", "tags", "repo", "query", "mode", "now", "yes",
        "client", "depends_on", "title", "priority", "since", "order"]  # fmt: skip

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                    st.text(max_size=30))  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4),
                      max_leaves=12)  # fmt: skip
requests = st.fixed_dictionaries(
    {"method": st.sampled_from(METHODS) | st.text(max_size=10)},
    optional={"jsonrpc": st.sampled_from(["2.0", "1.0", 2.0]), "id": st.integers(0, 10**6) | st.text(max_size=5)
              | st.none() | st.booleans(), "params": values | st.dictionaries(st.sampled_from(KEYS), values, max_size=4)},
)  # fmt: skip
frames = st.one_of(
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
    values.map(lambda v: json.dumps(v).encode()),
    requests.map(lambda r: json.dumps(r).encode()),
    st.lists(requests | values, max_size=5).map(lambda r: json.dumps(r).encode()),
)


class ServerThread:
    """The real server on its own loop in a thread, so Hypothesis can drive it with plain sockets."""

    def __init__(self, database_url: str, path: str) -> None:
        self.database_url, self.path = database_url, path
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        self.ctx = SyncContext.open(self.database_url, socket_path=self.path)
        await self.ctx.bus.start()
        server = await start_unix_server(self.ctx)
        self.ready.set()
        await self.stop.wait()
        await server.close()
        await self.ctx.bus.stop()
        self.ctx.close()

    def last_seq(self) -> int:
        return asyncio.run_coroutine_threadsafe(self.ctx.run("t", lambda s: s.last_seq()), self.loop).result(
            30
        )

    def __enter__(self) -> ServerThread:
        self.thread.start()
        assert self.ready.wait(60)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)


class Conn:
    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.n = 0

    def exchange(self, frame: bytes) -> list[Any] | None:
        """Send ``frame`` then a ping; the lines before the ping's answer (None: closed cleanly)."""
        self.n += 1
        marker = f"probe-{self.n}"
        self.sock.sendall(
            frame
            + b"\n"
            + json.dumps({"jsonrpc": "2.0", "method": "server.ping", "id": marker}).encode()
            + b"\n"
        )
        out: list[Any] = []
        while True:
            line = self.file.readline()
            if not line:
                return None
            msg = json.loads(line)
            if isinstance(msg, dict) and msg.get("id") == marker:
                assert msg["result"] == "pong"
                return out
            out.append(msg)


def well_formed(response: Any) -> bool:
    if isinstance(response, dict) and response.get("method") in ("event", "events.dropped"):
        return "id" not in response
    return (isinstance(response, dict) and response.get("jsonrpc") == "2.0" and "id" in response
            and (("result" in response) != ("error" in response))
            and (("error" not in response) or (isinstance(response["error"]["code"], int)
                                              and isinstance(response["error"]["message"], str))))  # fmt: skip


def test_frames_never_break_the_server(tmp_path, sock_dir):
    with ServerThread(f"sqlite:///{tmp_path / 'h.db'}", str(sock_dir / "mhv.sock")) as srv:
        conn = [Conn(srv.path)]

        @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
        @given(frame=frames)
        def check(frame: bytes) -> None:
            before = srv.last_seq()
            got = conn[0].exchange(frame)
            if got is None:  # closed cleanly: a new connection works
                conn[0] = Conn(srv.path)
                assert conn[0].exchange(b"") == []
                return
            answers = [m for m in got if "method" not in m]
            flat = [a for m in answers for a in (m if isinstance(m, list) else [m])]
            assert all(well_formed(a) for a in flat), got
            try:
                sent = json.loads(frame)
            except ValueError:
                sent = None
            calls = sent if isinstance(sent, list) and sent else [sent]
            if flat and all("error" in a for a in flat) and len(flat) == len(calls):
                assert srv.last_seq() == before, (frame, got)  # rejected: nothing stored

        check()
