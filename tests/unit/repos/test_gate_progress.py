"""Gate progress as it happens: each verdict as its gate ends (a fast gate is not held behind a slow
one), the live area on a terminal, plain lines in a pipe, and nothing in JSON mode. Real processes."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from mhv.cli.gate_progress import GateProgress
from mhv.config import check_text
from mhv.repos.gates import run_gates

PY = sys.executable
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _gates(toml: str):
    config, problems = check_text(f"[repos.api]\ngates = {{ {toml} }}\n")
    assert problems == []
    return config.repos["api"].gates


SLOW_FIRST = (f"slow = \"{PY} -c 'import time; print(\\\"slow out\\\"); time.sleep(0.8)'\", "
              f"fast = \"{PY} -c 'print(\\\"fast out\\\")'\"")  # fmt: skip


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_verdicts_come_as_gates_end_and_results_keep_the_configured_order(tmp_path: Path):
    events: list[str] = []
    results = run_gates(_gates(SLOW_FIRST), tmp_path, on_done=lambda r: events.append(f"done {r.name}"),
                        on_start=lambda name: events.append(f"start {name}"))  # fmt: skip
    assert [r.name for r in results] == ["slow", "fast"] and all(r.passed for r in results)
    assert sorted(events[:2]) == ["start fast", "start slow"]
    assert events[2:] == ["done fast", "done slow"]


def test_plain_lines_in_a_pipe(tmp_path: Path):
    out = io.StringIO()
    with GateProgress(stream_output=True, file=out, color=False) as progress:
        run_gates(_gates(SLOW_FIRST), tmp_path, **progress.callbacks)
    lines = out.getvalue().splitlines()
    assert "      slow │ slow out" in lines and "      fast │ fast out" in lines
    verdicts = [line for line in lines if "passed" in line]
    assert [v.split()[0] for v in verdicts] == ["fast", "slow"]
    assert re.fullmatch(r" +fast   ✓ passed in \d+\.\d\d s", verdicts[0])
    assert "\x1b" not in out.getvalue()  # no cursor movement, no colour in a pipe


def test_live_area_on_a_terminal_is_transient(tmp_path: Path):
    out = _Tty()
    gates = _gates(f"ok = \"{PY} -c 'import time; time.sleep(0.6)'\", bad = \"{PY} -c 'import sys; sys.exit(2)'\"")
    with GateProgress(stream_output=False, file=out, color=True) as progress:
        assert progress.live_mode
        results = run_gates(gates, tmp_path, **progress.callbacks)
    raw = out.getvalue()
    assert "running" in ANSI.sub("", raw)  # the live row of a gate still running was drawn
    plain = ANSI.sub("", raw)
    assert "bad   ✗ failed in" in plain and "exit code 2" in plain and "ok   ✓ passed in" in plain
    assert plain.index("bad   ✗") < plain.index("ok   ✓")  # the quick failure first
    assert not results[1].passed


def test_disabled_in_json_mode_prints_nothing(tmp_path: Path):
    out = _Tty()
    with GateProgress(stream_output=True, enabled=False, file=out) as progress:
        assert progress.callbacks == {"on_line": None, "on_done": None, "on_start": None}
        run_gates(_gates(SLOW_FIRST), tmp_path, **progress.callbacks)
    assert out.getvalue() == ""
