"""A Crackerjack gate over its MCP server (``mode = "mcp"``), with the official ``mcp`` SDK.

``execute_crackerjack(args, kwargs)`` answers at once with a job handle (``{"job_id", "status":
"running", ...}``): that is not a result. ``get_job_progress(job_id)`` is polled until
``current_stage`` is ``completed`` or ``failed``; records in between (``heartbeat``, ``retrying``,
``cancelled``...) are shown as progress. An ``{"error": ...}`` answer, a cancelled job, an answer that
is not JSON, or the gate's timeout is a failure, never a pass.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from mhv.config.model import GateConfig
from mhv.repos.gates import GateResult, OnLine

POLL_SECONDS = 0.2


def _payload(result: Any) -> Any:
    """The JSON a tool answered (its first text content, or its structured content)."""
    structured = getattr(result, "structured_content", None) or getattr(result, "structuredContent", None)
    for item in getattr(result, "content", None) or []:
        text = getattr(item, "text", None)
        if text is not None:
            return json.loads(text)
    if isinstance(structured, dict):
        return structured.get("result", structured)
    raise ValueError("the tool answered no text")


async def _run(name: str, gate: GateConfig, cwd: Path, on_line: OnLine | None) -> GateResult:
    import anyio
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    say = on_line or (lambda _n, _l: None)
    started = time.monotonic()
    command = f"mcp {gate.mcp_url} execute_crackerjack {' '.join(gate.flags)}".strip()
    tail: list[str] = []

    def fail(reason: str) -> GateResult:
        return GateResult(name, command, False, None, int((time.monotonic() - started) * 1000), "\n".join(tail[-40:]), reason)

    try:
        with anyio.fail_after(gate.timeout):
            async with streamable_http_client(gate.mcp_url) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    kwargs = json.dumps({"working_directory": str(cwd)})
                    handle = _payload(await session.call_tool(
                        "execute_crackerjack", {"args": " ".join(gate.flags), "kwargs": kwargs}))  # fmt: skip
                    if not isinstance(handle, dict) or "error" in handle or not handle.get("job_id"):
                        return fail(f"crackerjack did not start a job: {handle!r}"[:300])
                    job = str(handle["job_id"])
                    say(name, f"job {job} {handle.get('status', '')}".strip())
                    while True:
                        progress = _payload(await session.call_tool("get_job_progress", {"job_id": job}))
                        if not isinstance(progress, dict):
                            return fail(f"unreadable progress: {progress!r}"[:300])
                        if "error" in progress:
                            return fail(f"crackerjack: {progress['error']}")
                        stage = str(progress.get("current_stage", ""))
                        line = f"{stage} {progress.get('message', '')}".strip()
                        tail.append(line)
                        say(name, line)
                        if stage == "completed":
                            ms = int((time.monotonic() - started) * 1000)
                            coverage = progress.get("coverage")
                            result = GateResult(name, command, True, 0, ms, "\n".join(tail[-40:]),
                                                coverage=float(coverage) if isinstance(coverage, int | float) else None)  # fmt: skip
                            if gate.min_coverage is not None:
                                from mhv.repos.gates import _judge_coverage

                                _judge_coverage(result, gate.min_coverage, result.coverage, "the job reported none")
                            return result
                        if stage in ("failed", "cancelled"):
                            return fail(f"crackerjack job {stage}" + (f": {progress.get('error') or progress.get('message')}"
                                                                      if progress.get("message") or progress.get("error") else ""))  # fmt: skip
                        await anyio.sleep(POLL_SECONDS)
    except TimeoutError:
        return fail(f"timed out after {gate.timeout:g} s waiting for crackerjack")
    except (ValueError, KeyError) as exc:
        return fail(f"unreadable answer from crackerjack: {exc}")
    except Exception as exc:  # connection refused, protocol errors: a failure with its reason
        return fail(f"could not talk to crackerjack at {gate.mcp_url}: {exc.__class__.__name__}: {exc}"[:300])


def run_mcp_gate(name: str, gate: GateConfig, cwd: Path, on_line: OnLine | None = None) -> GateResult:
    try:
        import anyio
        import mcp  # noqa: F401
    except ImportError:
        return GateResult(name, f"mcp {gate.mcp_url}", False, None, 0, "",
                          "the mcp package is not installed: pip install 'mhv[crackerjack]'")  # fmt: skip
    return anyio.run(_run, name, gate, cwd, on_line)
