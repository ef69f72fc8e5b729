"""The Swift companion (companion-mac/): `swift build` and `swift test`, against a real mhv server."""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "companion-mac"


def _serve_command() -> list[str] | None:
    """MHV_SERVE_CMD, else `python -m mhv.sync.rpc` when this checkout has the RPC server."""
    configured = os.environ.get("MHV_SERVE_CMD")
    if configured:
        return shlex.split(configured)
    if importlib.util.find_spec("mhv.sync.rpc") is not None:
        return [sys.executable, "-m", "mhv.sync.rpc"]
    return None


def test_swift_build_and_test(tmp_path: Path) -> None:
    if shutil.which("swift") is None:
        if os.environ.get("MHV_REQUIRE_SWIFT"):
            pytest.fail("MHV_REQUIRE_SWIFT is set but `swift` is not installed")
        pytest.skip("swift is not installed")
    env = dict(os.environ, MHV_HOME=str(tmp_path / "home"))
    server = None
    command = _serve_command()
    if command is not None:
        server = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        socket = tmp_path / "home" / "run" / "mhv.sock"
        deadline = time.monotonic() + 30
        while not socket.exists() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.05)
        assert socket.exists(), "the mhv server did not create its socket"
        env["MHV_TEST_SOCKET"] = str(socket)
    try:
        for step in (["swift", "build"], ["swift", "test"]):
            done = subprocess.run(step, cwd=PACKAGE, env=env, capture_output=True, text=True, timeout=1800)
            assert done.returncode == 0, (
                f"{' '.join(step)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
