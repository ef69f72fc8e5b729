"""The thin client's guess of the service's socket without MHV_HOME (mhv/cli/thin.py) is platformdirs'
answer in the cases it guesses, and a guess that does not connect is followed by the exact path."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from pathlib import Path

import platformdirs
import pytest

from mhv.cli import thin

CASES = {
    "plain": {"HOME": "/home/ann"},
    "trailing slash": {"HOME": "/home/ann/"},
    "root home": {"HOME": "/"},
    "xdg": {"HOME": "/home/ann", "XDG_DATA_HOME": "/data/ann"},
    "xdg relative": {"HOME": "/home/ann", "XDG_DATA_HOME": "rel/data"},
    "xdg empty": {"HOME": "/home/ann", "XDG_DATA_HOME": ""},
}


@pytest.mark.parametrize("case", CASES)
def test_linux_guess_is_platformdirs(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.delenv("MHV_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    for key, value in CASES[case].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "platform", "linux")
    exact = os.path.join(platformdirs.unix.Unix("mhv").user_data_dir, "run", "mhv.sock")
    assert thin.guessed_socket_path() == exact


def test_macos_guess_is_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs.macos import MacOS

    monkeypatch.delenv("MHV_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", "/Users/ann")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert thin.guessed_socket_path() == os.path.join(MacOS("mhv").user_data_dir, "run", "mhv.sock")
    monkeypatch.setenv("XDG_DATA_HOME", "/data/ann")  # platformdirs versions differ here: no guess
    assert thin.guessed_socket_path() is None


@pytest.mark.parametrize(
    "env", [{"HOME": "relative"}, {"MHV_HOME": "/tmp/x"}], ids=["relative HOME", "MHV_HOME"]
)
def test_no_guess(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    monkeypatch.delenv("MHV_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert thin.guessed_socket_path() is None


def test_a_guess_that_does_not_connect_is_followed_by_the_exact_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A real Unix socket at the exact path (here under an XDG folder the guess does not know)."""
    exact = Path("/tmp") / f"mhv-thin-{os.getpid()}" / "run" / "mhv.sock"  # short: sun_path is 108 bytes
    exact.parent.mkdir(parents=True)
    monkeypatch.delenv("MHV_HOME", raising=False)
    monkeypatch.setattr(thin, "guessed_socket_path", lambda: str(tmp_path / "nobody" / "mhv.sock"))
    monkeypatch.setattr(thin, "socket_path", lambda: str(exact))
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(exact))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile().readline())
            conn.sendall(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": {"echo": request["method"]}})
                         .encode() + b"\n")  # fmt: skip

    worker = threading.Thread(target=answer)
    worker.start()
    try:
        assert thin.exchange("cli.ping", {}) == ("result", {"echo": "cli.ping"})
    finally:
        worker.join(5)
        server.close()
        exact.unlink()
        exact.parent.rmdir()
        exact.parent.parent.rmdir()
    kind, why = thin.exchange("cli.ping", {})  # nobody at either path now
    assert kind == "unavailable" and why
