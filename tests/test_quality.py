"""Lint, types and the layering contracts run as part of the suite (so the README's one command checks all)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]'")
    return found


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "mhv", "tests"], ["mypy"], ["lint-imports"]],
    ids=["ruff", "mypy", "import-linter"],
)
def test_tool_is_clean(command):
    done = subprocess.run(
        [_tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = [b.strip() for b in readme.split("```")[1::2]]
    commands = [
        line.strip()
        for b in blocks[:2]
        for line in b.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(commands) >= 2
    assert commands[1] in ci
