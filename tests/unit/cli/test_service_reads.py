"""The read commands (`mhv tl`, `show`, `next`, `ts`) print the same bytes, JSON, errors and exit codes
through a running service as directly, with the client's clock, time zone and terminal even when the
service's differ; a service that dies between two commands, or an older one without the ``cli.*``
read methods, leaves the command to the direct path. Real `mhv serve`, real socket."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import faketime
from tests.unit.cli.conftest import Service, served

READS = [
    ("tl",),
    ("tl", "--all"),
    ("tl", "+ci"),
    ("tl", "@api", "--sort", "due"),
    ("tl", "-n", "1"),
    ("tl", "--limit=2", "--sort", "number"),
    ("tl", "fix", "--status", "open,completed"),
    ("tl", "--due-before", "2030-01-01"),
    ("tl", "--due-after", "tomorrow"),
    ("tl", "--format", "{number} {due} {title}"),
    ("tl", "-p", "p1"),
    ("tl", "--repo", "api,web"),
    ("tl", "--status", "bogus"),
    ("tl", "--priority", "extreme"),
    ("tl", "--due-before", "someday-ish"),
    ("tl", "--format", "{nope}"),
    ("show", "1"),
    ("show", "#2"),
    ("show", "3", "--json"),
    ("show", "99"),
    ("show", "99", "--json"),
    ("next",),
    ("next", "--explain"),
    ("next", "--json"),
    ("next", "-n", "1", "--blocked"),
    ("next", "--repo", "nowhere"),
    ("ts", "login", "--mode", "text"),
    ("ts", "fix", "--json", "--mode", "text", "--all"),
    ("ts", "docs", "--mode", "text", "--status", "completed"),
    ("ts", "x", "--mode", "bogus"),
    ("ts", "x", "--status", "open"),
]


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mhv-r-", dir="/tmp"))  # a short path: sun_path is 108 bytes
    monkeypatch.setenv("MHV_HOME", str(folder))
    monkeypatch.setenv("MHV_ACTOR", "tester")
    monkeypatch.delenv("MHV_NO_SERVICE", raising=False)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _tasks(mhv, monkeypatch: pytest.MonkeyPatch) -> None:
    """Made directly, so their times are this process's (the service's clock may be faked)."""
    monkeypatch.setenv("MHV_NO_SERVICE", "1")
    for line in (
        ("fix login @api p1 #ci", "--due", "2029-03-01T09:00"),
        ("write docs for the login page after #1 #docs",),
        ("fix flaky test @web", "--due", "2020-01-01"),
        ("review release notes @api ~2h", "--due", "2099-06-01"),
        ("a title with a very long tail that a narrow terminal has to cut somewhere @api #ci",),
        ("done one #docs",),
    ):
        assert mhv("tc", *line)[0] == 0
    assert mhv("td", "6")[0] == 0
    monkeypatch.delenv("MHV_NO_SERVICE")


def _both(mhv, monkeypatch: pytest.MonkeyPatch, home: Path, args: tuple[str, ...]) -> tuple[object, object]:
    """(direct, through the service): the second with a database URL this process cannot open, so
    only an answer from the service can succeed."""
    monkeypatch.setenv("MHV_NO_SERVICE", "1")
    direct = mhv(*args)
    monkeypatch.delenv("MHV_NO_SERVICE")
    monkeypatch.setenv("MHV_DATABASE_URL", f"sqlite:///{home / 'isdir'}")
    try:
        through = mhv(*args)
    finally:
        monkeypatch.delenv("MHV_DATABASE_URL")
    return direct, through


def _seconds_old(result: object) -> object:
    """The Age of a task made seconds ago moves on between the two runs (``0s`` then ``1s`` on a
    loaded machine): blanked, with or without colour, in a `tl` table; everything else is compared."""
    code, out, err = result  # type: ignore[misc]
    return code, re.sub(r"(?m)^((?:\x1b\[[0-9;]*m)? *\d+ +)\ds ", r"\1<s> ", out), err


@pytest.mark.parametrize("terminal", ["plain", "colour, narrow"])
def test_reads_are_the_same_bytes_through_the_service(mhv, home, monkeypatch, terminal):
    """The service runs in UTC; the client in Tokyo, so due times and days differ between the two."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    if terminal != "plain":
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("COLUMNS", "60")
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        monkeypatch.delenv("COLUMNS", raising=False)
    _tasks(mhv, monkeypatch)
    (home / "isdir").mkdir()
    service = Service(home)
    service.start()
    try:
        for args in READS:
            direct, through = _both(mhv, monkeypatch, home, args)
            assert _seconds_old(through) == _seconds_old(direct), args
        code, out, _ = mhv("show", "1")
        assert code == 0 and "2029-03-01 09:00" in out  # Tokyo: 00:00 UTC is 09:00 there
    finally:
        service.stop()


def test_tl_json_runs_directly_and_the_service_answers_it_alike(mhv, home, monkeypatch):
    """`tl --json` is not sent (through the service it was slower: docs/performance.md), but
    ``cli.list`` with ``"json": true`` gives the same bytes to a client that asks."""
    from mhv.cli import remote
    from mhv.cli.fast import read_args
    from mhv.cli.reads import client_json

    _tasks(mhv, monkeypatch)
    service = Service(home)
    service.start()
    try:
        for args in (("tl", "--json"), ("tl", "--all", "--json"), ("tl", "+ci", "--sort", "due", "--json")):
            code, out, err = mhv(*args)
            assert (code, err) == (0, "")
            method, params = read_args(list(args)) or ("", {})
            answer = remote.call(method, {"args": params, "client": client_json()}, write=False)
            assert answer == {"stdout": out, "stderr": ""}, args
        monkeypatch.setenv("MHV_DATABASE_URL", f"sqlite:///{home}")  # a folder: the direct path fails
        assert mhv("tl", "--json")[0] == 6 and mhv("tl")[0] == 0
    finally:
        service.stop()


@pytest.mark.skipif(not faketime.available(), reason="needs libfaketime (apt-get install faketime)")
def test_the_clock_is_the_clients(mhv, home, monkeypatch):
    """A service whose clock reads 2030: ages, overdue marks and urgency still come from the client's."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _tasks(mhv, monkeypatch)
    (home / "isdir").mkdir()
    service = Service(home)
    service.start(faketime="2030-06-01 12:00:00")
    try:
        for args in (("tl",), ("tl", "--due-before", "tomorrow"), ("show", "1"), ("next", "--explain"),
                     ("next", "--json"), ("tl", "--due-after", "in 2 days")):  # fmt: skip
            direct, through = _both(mhv, monkeypatch, home, args)
            assert through == direct, args
        code, out, _ = mhv("tc", "made by the service", "--json")  # the service's own clock is 2030
        assert code == 0 and json.loads(out)["created_at"].startswith("2030-06-01")
    finally:
        service.stop()


def _steady(result: tuple[int, str, str]) -> tuple[int, str, str]:
    """A `tl` result with its Age column blanked: it moves on with the wall clock between two runs
    (``2s`` then ``3s`` on a loaded machine), which is not what these tests compare."""
    code, out, err = result
    return code, re.sub(r"(?m)^( *\d+ \S? +)\d+(?:s|m|h|d|w|mo|y)\b", r"\1<age>", out), err


def test_service_dies_between_two_reads(mhv, home, monkeypatch):
    _tasks(mhv, monkeypatch)
    service = Service(home)
    service.start()
    first = _steady(mhv("tl"))
    assert first[1].count("<age>") == 5
    shown = mhv("show", "1", "--json")
    assert first[0] == 0 and shown[0] == 0
    service.stop(signal.SIGKILL)  # no clean shutdown: the socket file stays, nobody listens
    assert (home / "run" / "mhv.sock").exists() and not served(home)
    assert _steady(mhv("tl")) == first
    assert mhv("show", "1", "--json") == shown
    assert mhv("next")[0] == 0 and mhv("ts", "login", "--mode", "text")[0] == 0
    service.start()  # a new server replaces the stale socket; the reads use it again
    monkeypatch.setenv("MHV_DATABASE_URL", f"sqlite:///{home}")  # a folder: only the service can answer
    try:
        assert _steady(mhv("tl")) == first
    finally:
        service.stop()


class _OlderServer:
    """A real JSON-RPC server on the CLI's socket that knows none of the ``cli.*`` methods (as a
    service from before them): every request gets -32601 Method not found, or (``mode="close"``)
    the connection is closed without an answer."""

    def __init__(self, path: Path, mode: str = "unknown") -> None:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.mode = mode
        self.methods: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data)
                self.methods.append(request["method"])
                if self.mode == "unknown":
                    error = {"code": -32601, "message": "Method not found"}
                    conn.sendall(
                        json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error}).encode() + b"\n"
                    )

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("mode", ["unknown", "close"])
def test_an_older_service_leaves_reads_to_the_direct_path(mhv, home, monkeypatch, mode):
    _tasks(mhv, monkeypatch)
    monkeypatch.setenv("MHV_NO_SERVICE", "1")
    expected = [
        mhv(*args) for args in (("tl",), ("show", "2"), ("next", "--json"), ("ts", "fix", "--mode", "text"))
    ]
    monkeypatch.delenv("MHV_NO_SERVICE")
    older = _OlderServer(home / "run" / "mhv.sock", mode)
    try:
        got = [
            mhv(*args)
            for args in (("tl",), ("show", "2"), ("next", "--json"), ("ts", "fix", "--mode", "text"))
        ]
    finally:
        older.close()
    assert got == expected
    assert older.methods == ["cli.list", "cli.show", "cli.next", "cli.search"]  # each was asked first


def test_another_embedding_model_is_searched_directly(mhv, home, monkeypatch, tmp_path):
    """`ts` with MHV_EMBED_MODEL_DIR other than the service's: the service hands it back (its hits
    would come from another model) and the CLI's own warning says the model is missing."""
    _tasks(mhv, monkeypatch)
    service = Service(home)
    service.start()
    try:
        monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path / "nowhere"))
        code, out, err = mhv("ts", "login")
        assert code == 0 and "fix login" in out and "MHV-501" in err and "searching by words only" in err
    finally:
        service.stop()
    assert os.environ["MHV_EMBED_MODEL_DIR"].endswith("nowhere")
