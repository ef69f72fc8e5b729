"""The Swift companion (companion-mac/): `swift build` and `swift test` (its integration tests start
this checkout's own server, `python -m mhv.sync.rpc`, in temporary homes), and the `mhv-companion`
binary driven as a user would: offline errors, and `watch --json` printing the notification of a
real unblock made by the CLI. Required when `MHV_REQUIRE_SWIFT` is set (`.ci/run` sets it when swift
is installed), as the Taskwarrior tests are."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "companion-mac"
TOOLCHAIN = Path("/opt/swift/usr/bin")  # where this project's machines keep Swift when it is not on PATH


def _swift() -> str:
    found = shutil.which("swift") or (str(TOOLCHAIN / "swift") if (TOOLCHAIN / "swift").exists() else None)
    if found is None:
        if os.environ.get("MHV_REQUIRE_SWIFT"):
            pytest.fail("MHV_REQUIRE_SWIFT is set but `swift` is not installed")
        pytest.skip("swift is not installed")
    return found


FAKETIME_VARS = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "FAKETIME_SHARED")


def _env(home: Path) -> dict[str, str]:
    """The environment of the Python processes (server, CLI) and, through ``_swift_env``, of Swift's."""
    swift_dir = str(Path(_swift()).parent)
    return dict(
        os.environ,
        MHV_HOME=str(home),
        TZ="UTC",
        PATH=f"{swift_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        MHV_SERVE_CMD=f"{sys.executable} -m mhv.sync.rpc",
        MHV_CLI_CMD=f"{sys.executable} -m mhv",
    )


def _swift_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of a Swift process (swift build/test, mhv-companion).

    Under the clock-ahead run (tests/clock_ahead/run: libfaketime preloaded, the wall clock moved a
    year ahead) a Swift process would hang: libfaketime 0.9.10 shifts the absolute deadlines of timers,
    so Swift's `Task.sleep` never returns (seen with a five-line program). The Swift processes then run
    on the real clock, and the server and CLI they start (MHV_SERVE_CMD, MHV_CLI_CMD) still run ahead,
    through `env` with the same libfaketime settings. Everywhere else: ``env`` unchanged."""
    if "libfaketime" not in env.get("LD_PRELOAD", ""):
        return env
    ahead = " ".join(f"{k}={env[k]}" for k in FAKETIME_VARS[:3] if k in env)
    out = {k: v for k, v in env.items() if k not in FAKETIME_VARS}
    out["MHV_SERVE_CMD"] = f"/usr/bin/env {ahead} {env['MHV_SERVE_CMD']}"
    out["MHV_CLI_CMD"] = f"/usr/bin/env {ahead} {env['MHV_CLI_CMD']}"
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`swift build`, once: the path of the built `mhv-companion`."""
    env = _swift_env(_env(tmp_path_factory.mktemp("build-home")))
    done = subprocess.run(
        [_swift(), "build"], cwd=PACKAGE, env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, f"swift build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    where = subprocess.run([_swift(), "build", "--show-bin-path"], cwd=PACKAGE, env=env, capture_output=True,
                           text=True, timeout=600)  # fmt: skip
    binary = Path(where.stdout.strip()) / "mhv-companion"
    assert binary.exists(), where.stderr
    return binary


def test_swift_test_against_the_real_server(built: Path, tmp_path: Path) -> None:
    done = subprocess.run([_swift(), "test"], cwd=PACKAGE, env=_swift_env(_env(tmp_path / "home")), capture_output=True,
                          text=True, timeout=1800)  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"swift test failed:\n{out[-6000:]}"
    assert "ServerTests" in out and " skipped" not in out.split("ServerTests", 1)[1][:2000], (
        "the integration tests must run against the server, not skip"
    )


def _lines(stream: object) -> queue.Queue[str]:
    """The stream's lines on a queue, read by a thread, so a test waits with a timeout, never forever."""
    out: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            out.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return out


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mhv", *args], env=dict(env, MHV_NO_SERVICE="1"),
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_companion_without_a_server_says_so(built: Path, tmp_path: Path) -> None:
    env = _swift_env(_env(tmp_path / "home"))
    for args in (["status"], ["list"]):
        done = subprocess.run([str(built), *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 69, (args, done.stdout, done.stderr)
        assert "no mhv server" in done.stderr and "hint:" in done.stderr, done.stderr
    usage = subprocess.run([str(built), "frobnicate"], env=env, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 64 and "unknown command frobnicate" in usage.stderr
    queued = subprocess.run([str(built), "add", "written offline"], env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert queued.returncode == 0 and queued.stdout.startswith("Queued (add"), queued.stdout
    status = subprocess.run(
        [str(built), "status", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert json.loads(status.stdout)["queued_writes"] == "1"


def test_watch_prints_the_notification_of_a_real_unblock(built: Path, tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    assert _cli(env, "tc", "the blocker").returncode == 0
    assert _cli(env, "tc", "waits after #1").returncode == 0
    server = subprocess.Popen([sys.executable, "-m", "mhv.sync.rpc"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    watch = None
    try:
        assert server.stdout is not None and server.stdout.readline().startswith("listening on ")
        listing = subprocess.run(
            [str(built), "list", "--json"], env=_swift_env(env), capture_output=True, text=True, timeout=60
        )
        assert listing.returncode == 0, listing.stderr
        assert [t["title"] for t in json.loads(listing.stdout)] == ["the blocker", "waits"]
        watch = subprocess.Popen([str(built), "watch", "--json", "--quiet", "00:00-00:00"], env=_swift_env(env),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        notes, printed = _lines(watch.stderr), _lines(watch.stdout)
        deadline = time.monotonic() + 30
        while "watching events" not in notes.get(timeout=max(0.1, deadline - time.monotonic())):
            assert time.monotonic() < deadline, "watch did not connect"
        assert _cli(env, "td", "1").returncode == 0  # another writer, straight to the database
        line = json.loads(printed.get(timeout=30))
        assert (line["action"], line["kind"], line["task"], line["title"]) == (
            "post",
            "unblocked",
            2,
            "Unblocked",
        )
        assert line["id"].startswith("unblocked:")
    finally:
        if watch is not None:
            watch.terminate()
            watch.wait(10)
        server.terminate()
        server.wait(30)
    assert server.returncode == 0
