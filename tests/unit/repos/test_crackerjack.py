"""Crackerjack gates. CLI mode runs `python -m crackerjack run FLAGS` (here a stand-in package in the
checkout that runs the real coverage.py) and judges exit code and coverage.json. MCP mode talks to a
real MCP server built with the `mcp` SDK that answers as Crackerjack's tools do: a job handle first,
interim progress records, then completed or failed."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mhv.config import check_text
from mhv.config.model import GateConfig
from mhv.repos.gates import run_gate

PY = sys.executable

STAND_IN = """\
import subprocess, sys
flags = sys.argv[2:]
print("crackerjack run", " ".join(flags))
subprocess.run([sys.executable, "-m", "coverage", "run", "app.py"], check=True)
subprocess.run([sys.executable, "-m", "coverage", "json", "-q"], check=True)
sys.exit(1 if "--fail" in flags else 0)
"""


class TestCliMode:
    @pytest.fixture
    def checkout(self, tmp_path: Path) -> Path:
        (tmp_path / "crackerjack").mkdir()
        (tmp_path / "crackerjack" / "__main__.py").write_text(STAND_IN)
        (tmp_path / "app.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n\nf(1)\n")
        return tmp_path

    def _gate(self, flags: list[str], minimum: float | None) -> GateConfig:
        return GateConfig(kind="crackerjack", flags=flags, python=PY, min_coverage=minimum, timeout=60)

    def test_passes_on_exit_zero_and_enough_coverage(self, checkout: Path):
        result = run_gate("cj", self._gate(["-t"], 75), checkout)
        assert result.passed and result.coverage == pytest.approx(80.0)
        assert result.command == f"{PY} -m crackerjack run -t"

    def test_fails_below_minimum_or_on_exit_code(self, checkout: Path):
        low = run_gate("cj", self._gate(["-t"], 90), checkout)
        assert not low.passed and "below the minimum 90%" in low.reason
        failed = run_gate("cj", self._gate(["-t", "--fail"], None), checkout)
        assert not failed.passed and failed.reason == "exit code 1"

    def test_missing_crackerjack_is_a_failure(self, tmp_path: Path):
        result = run_gate("cj", self._gate(["-t"], None), tmp_path)
        assert not result.passed and "No module named crackerjack" in result.tail


# ---------------------------------------------------------------------------------- MCP mode
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CrackerjackLike:
    """What Crackerjack's MCP tools answer: a handle at once, then progress records per poll."""

    def __init__(self, final: str, interim: int = 3) -> None:
        self.final = final
        self.interim = interim
        self.polls: dict[str, int] = {}
        self.kwargs: list[dict[str, Any]] = []

    def server(self) -> Any:
        from mcp.server.mcpserver import MCPServer

        srv = MCPServer("crackerjack")

        @srv.tool()
        def execute_crackerjack(args: str, kwargs: str = "{}") -> str:
            self.kwargs.append(json.loads(kwargs))
            job = f"job-{len(self.kwargs)}"
            self.polls[job] = 0
            return json.dumps({"job_id": job, "status": "running", "message": "started", "args": args})

        @srv.tool()
        def get_job_progress(job_id: str) -> str:
            if job_id not in self.polls:
                return json.dumps({"error": f"job {job_id} not found"})
            self.polls[job_id] += 1
            n = self.polls[job_id]
            if n <= self.interim:
                stage = ["heartbeat", "retrying", "heartbeat"][(n - 1) % 3]
                return json.dumps({"job_id": job_id, "current_stage": stage, "message": f"iteration {n}"})
            if self.final == "hang":
                return json.dumps({"job_id": job_id, "current_stage": "heartbeat", "message": "still going"})
            return json.dumps(
                {
                    "job_id": job_id,
                    "current_stage": self.final,
                    "status": self.final,
                    "message": "3 tests failed" if self.final == "failed" else "all hooks passed",
                    "coverage": 91.0,
                }
            )

        return srv


@pytest.fixture
def mcp_server() -> Iterator[Any]:
    import uvicorn

    servers: list[uvicorn.Server] = []

    def start(fake: CrackerjackLike) -> str:
        port = _free_port()
        app = fake.server().streamable_http_app()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        threading.Thread(target=server.run, daemon=True).start()
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        servers.append(server)
        return f"http://127.0.0.1:{port}/mcp"

    yield start
    for server in servers:
        server.should_exit = True


def _mcp_gate(url: str, **kw: Any) -> GateConfig:
    return GateConfig(kind="crackerjack", mode="mcp", mcp_url=url, flags=["-t"], **kw)


def naive_gate(url: str) -> bool:
    """Mahavishnu's reading: the answer of execute_crackerjack taken as the final result."""
    import anyio
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def go() -> bool:
        async with streamable_http_client(url) as streams, ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            res = await session.call_tool("execute_crackerjack", {"args": "-t", "kwargs": "{}"})
            return "error" not in json.loads(res.content[0].text)  # type: ignore[union-attr]

    return anyio.run(go)


class TestMcpMode:
    def test_a_failed_job_fails_the_gate_though_the_handle_looked_fine(self, mcp_server: Any, tmp_path: Path):
        fake = CrackerjackLike("failed")
        url = mcp_server(fake)
        assert naive_gate(url) is True  # the handle alone passes a client that stops there
        lines: list[str] = []
        result = run_gate("cj", _mcp_gate(url), tmp_path, lambda n, line: lines.append(line))
        assert not result.passed and result.reason == "crackerjack job failed: 3 tests failed"
        assert lines[:4] == [
            "job job-2 running",
            "heartbeat iteration 1",
            "retrying iteration 2",
            "heartbeat iteration 3",
        ]
        assert fake.kwargs[-1] == {"working_directory": str(tmp_path)}

    def test_completed_job_passes_with_its_coverage(self, mcp_server: Any, tmp_path: Path):
        url = mcp_server(CrackerjackLike("completed"))
        assert run_gate("cj", _mcp_gate(url, min_coverage=80), tmp_path).passed
        low = run_gate("cj", _mcp_gate(url, min_coverage=95), tmp_path)
        assert not low.passed and "below the minimum 95%" in low.reason

    def test_timeout_unknown_job_and_no_server_fail(self, mcp_server: Any, tmp_path: Path):
        url = mcp_server(CrackerjackLike("hang"))
        result = run_gate("cj", _mcp_gate(url, timeout=1.5), tmp_path)
        assert not result.passed and result.reason == "timed out after 1.5 s waiting for crackerjack"
        cancelled = run_gate("cj", _mcp_gate(mcp_server(CrackerjackLike("cancelled", interim=0))), tmp_path)
        assert not cancelled.passed and cancelled.reason.startswith("crackerjack job cancelled")
        gone = run_gate("cj", _mcp_gate(f"http://127.0.0.1:{_free_port()}/mcp", timeout=5), tmp_path)
        assert not gone.passed and gone.reason.startswith("could not talk to crackerjack")

    def test_config_accepts_the_mcp_gate(self):
        config, problems = check_text(
            '[repos.cj.gates.quality]\nkind = "crackerjack"\nmode = "mcp"\nflags = ["-t"]\n'
        )
        assert problems == [] and config.repos["cj"].gates["quality"].mcp_url == "http://localhost:8676/mcp"
