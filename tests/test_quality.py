"""Lint, types and the layering contracts run as part of the suite (so the README's one command checks all)."""

from __future__ import annotations

import re
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


# Reads of the wall clock in a test make it pass or fail by the day it runs (issue 13). Tests pin the
# clock instead: the `clock` fixture, a monkeypatched default clock, `--now`, or `faketime` for real
# programs. A line that really needs the wall clock (a timeout, a duration) says so with this marker.
WALL_CLOCK = ("datetime.now(", "datetime.today(", "date.today(", "datetime.utcnow(", "time.localtime(")
WALL_CLOCK_OK = "# wall clock:"


def test_tests_do_not_read_todays_date():
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "bench" in path.parts or path.name == "test_quality.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(call in line for call in WALL_CLOCK) and WALL_CLOCK_OK not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "tests read today's date; pin the clock:\n" + "\n".join(offenders)


def test_taskwarrior_runs_under_a_pinned_clock():
    """Every test that starts the real `task` program pins its clock with libfaketime (tests/faketime.py).

    Not through Debian's `faketime` wrapper: a killed wrapper leaves its semaphore behind and a later
    one with the same pid fails ("sem_open: File exists"), which failed CI on 4 December.
    """
    direct = re.compile(r"""(run|Popen|check_output)\(\s*\[\s*["']task["']""")
    wrapper = re.compile(r"""\[\s*["']faketime["']""")
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "bench" in path.parts:
            continue
        text = path.read_text()
        for number, line in enumerate(text.splitlines(), 1):
            if direct.search(line):
                pytest.fail(f"{path.relative_to(ROOT)}:{number} runs `task` without faketime: {line.strip()}")
            if wrapper.search(line):
                pytest.fail(
                    f"{path.relative_to(ROOT)}:{number} runs the faketime wrapper; use tests.faketime.faked_env"
                )
        if re.search(r"""\[\s*["']task["'],""", text) and "subprocess" in text and "faked_env(" not in text:
            pytest.fail(f"{path.relative_to(ROOT)} starts `task` without tests.faketime.faked_env")
