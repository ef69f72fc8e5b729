"""The workspace's repository parts: `s` makes the worktree, `d` behind failing gates opens the gate
panel with the override prompt, the Repositories screen (snapshots in snapshots/test_repos_ui.py/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mhv.app.repos_support import GatePanel, GateRunPanel, RepositoriesScreen
from mhv.config import check_text
from tests.ui.conftest import SIZE, settle

PY = sys.executable


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "api"
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "config", "user.email", "dev@example.com")
    _git(path, "config", "user.name", "Dev")
    (path / "README.md").write_text("# api\n")
    _git(path, "add", ".")
    _git(path, "commit", "-qm", "initial")
    return path


def _configure(settings: Any, text: str) -> None:
    config, problems = check_text(text)
    assert problems == []
    settings.config = config


async def _watch(pilot: Any, cond: Any) -> None:
    """Like ``_wait`` without waiting for the workers (to see a gate while it runs)."""
    for _ in range(200):
        await pilot.pause(0.05)
        if cond():
            return
    raise AssertionError("condition never held")


async def _wait(pilot: Any, cond: Any) -> None:
    for _ in range(100):
        await settle(pilot)
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never held")


class TestWorktreeAndGates:
    async def test_s_makes_the_worktree_and_starts(
        self, make: Any, ui_service: Any, settings: Any, repo: Path
    ):
        ui_service.add_repo("api", str(repo), None, "main")
        ui_service.create({"title": "add login page", "repo": "api"})
        _configure(settings, "[repos.api]\nworktrees = true\n")
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await _wait(pilot, lambda: ui_service.get(1).status == "in_progress")
            task = ui_service.get(1)
            assert task.branch == "mhv-1-add-login-page" and Path(task.worktree_path).is_dir()
            await _wait(pilot, lambda: "worktree" in str(app.query_one("#detail-fields").render()))

    async def test_d_with_a_failing_gate_shows_the_panel_then_overrides(self, make: Any, ui_service: Any,
                                                                         settings: Any, repo: Path):  # fmt: skip
        ui_service.add_repo("api", str(repo), None, "main")
        ui_service.create({"title": "fix flaky auth", "repo": "api"})
        _configure(
            settings, f"[repos.api]\ngates = {{ tests = \"{PY} -c 'import sys; print(1); sys.exit(1)'\" }}\n"
        )
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("d")
            await _wait(pilot, lambda: isinstance(app.screen, GatePanel))
            assert ui_service.get(1).status == "pending" and ui_service.get(1).gate_status == "failed"
            await pilot.press(*"flaky", "enter")
            await _wait(pilot, lambda: ui_service.get(1).status == "completed")
            assert ui_service.get(1).gate_status == "overridden"


    async def test_d_shows_the_gates_running_then_completes(self, make: Any, ui_service: Any, settings: Any,
                                                            repo: Path, tmp_path: Path):  # fmt: skip
        ui_service.add_repo("api", str(repo), None, "main")
        ui_service.create({"title": "fix flaky auth", "repo": "api"})
        release = tmp_path / "release"
        _configure(settings, f"[repos.api]\ngates = {{ lint = \"{PY} -c pass\", tests = \"{_held(release)}\" }}\n")
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("d")
            assert isinstance(app.screen, GateRunPanel)
            panel = app.screen
            rows = panel.query_one("#gate-run-rows")
            await _watch(pilot, lambda: "running" in str(rows.render()) and "✓" in str(rows.render()))
            await _watch(pilot, lambda: "collecting" in "".join(s.text for s in panel.query_one("#gate-run-log").lines))
            assert ui_service.get(1).status == "pending"  # not before the gates pass
            release.touch()
            await _wait(pilot, lambda: ui_service.get(1).status == "completed")
            await _wait(pilot, lambda: not isinstance(app.screen, GateRunPanel))
            assert ui_service.get(1).gate_status == "passed"

    async def test_escape_hides_the_run_and_a_failure_still_opens_the_panel(self, make: Any, ui_service: Any,
                                                                            settings: Any, repo: Path,
                                                                            tmp_path: Path):  # fmt: skip
        ui_service.add_repo("api", str(repo), None, "main")
        ui_service.create({"title": "fix flaky auth", "repo": "api"})
        release = tmp_path / "release"
        _configure(settings, f"[repos.api]\ngates = {{ tests = \"{_held(release, exit_code=1)}\" }}\n")
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("d")
            assert isinstance(app.screen, GateRunPanel)
            await pilot.press("escape")
            assert not isinstance(app.screen, GateRunPanel)
            release.touch()
            await _wait(pilot, lambda: isinstance(app.screen, GatePanel))
            assert ui_service.get(1).status == "pending" and ui_service.get(1).gate_status == "failed"


def _held(release: Path, exit_code: int = 0) -> str:
    """A gate command (TOML-escaped) that prints, then runs until ``release`` exists (at most 60 s)."""
    code = (f"import os, sys, time; print('collecting', flush=True); end = time.monotonic() + 60; "
            f"[time.sleep(0.02) for _ in iter(lambda: os.path.exists({str(release)!r}) or time.monotonic() > end, True)]; "
            f"sys.exit({exit_code})")  # fmt: skip
    return f"{PY} -c \\\"{code}\\\""


def _fill(ui_service: Any, repo: Path, clock: Any) -> None:
    ui_service.add_repo("api", str(repo), None, "main")
    ui_service.add_repo("crackerjack", None, None, "main")
    ui_service.add_repo("akosha", None, None, "main")
    for title, name, due in (("add login page", "api", None), ("retry on 502", "api", "2026-11-20"),
                             ("publish wheel", "crackerjack", None), ("index embeddings", "akosha", None),
                             ("ship release", "crackerjack", "2026-11-30")):  # fmt: skip
        ui_service.create({"title": title, "repo": name, "due": due})
    ui_service.add_dependency(3, 4)
    ui_service.start(1)
    from mhv.repos.worktrees import Worktrees
    from mhv.tasks.repo_records import GateRunRecord, add_gate_run

    path = Worktrees(ui_service).create(1).path
    (path / "wip.py").write_text("draft\n")  # dirty: shown as ●
    add_gate_run(
        ui_service,
        GateRunRecord(
            task_id=ui_service.get(1).id,
            repo="api",
            name="tests",
            command="pytest -q",
            status="failed",
            started_at=clock(),
            finished_at=clock(),
            exit_code=1,
        ),
    )


class TestRepositoriesScreen:
    async def test_screen_lists_repositories_and_blockers(
        self, make: Any, ui_service: Any, repo: Path, clock: Any
    ):
        _fill(ui_service, repo, clock)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("R")
            await _wait(pilot, lambda: isinstance(app.screen, RepositoriesScreen)
                        and "crackerjack #3 waits on akosha #4" in str(app.screen.query_one("#repos-blockers").render()))  # fmt: skip
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, RepositoriesScreen)

    def test_snapshot(self, make: Any, ui_service: Any, repo: Path, clock: Any, snap_compare: Any):
        _fill(ui_service, repo, clock)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("R")
            for _ in range(60):
                await settle(pilot)
                screen = pilot.app.screen
                if isinstance(screen, RepositoriesScreen) and "waits on" in str(
                    screen.query_one("#repos-blockers").render()
                ):
                    break
                await pilot.pause(0.05)

        assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


def test_gate_panel_snapshot(make: Any, ui_service: Any, snap_compare: Any):
    """The panel as `d` opens it on a failing gate (results fixed here: durations are real time)."""
    from mhv.repos.gates import GateResult

    task = ui_service.create({"title": "fix flaky auth test", "repo": "api"})
    results = [
        GateResult("lint", "ruff check .", True, 0, 840, "All checks passed!"),
        GateResult(
            "tests",
            "pytest -q",
            False,
            1,
            12_400,
            "tests/test_auth.py::test_login FAILED\nE   assert 401 == 200\n1 failed, 41 passed in 12.1s",
            reason="exit code 1",
        ),
    ]

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.push_screen(GatePanel(task, results))
        await settle(pilot)  # the reason field takes focus on mount
        await pilot.press(*"flaky on CI")
        await settle(pilot)

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


def test_gate_run_panel_snapshot(make: Any, ui_service: Any, snap_compare: Any):
    """The panel while gates run: one passed, one running (the clock is pinned), one waiting, output."""
    from mhv.repos.gates import GateResult

    task = ui_service.create({"title": "fix flaky auth test", "repo": "api"})
    now = [100.0]

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        panel = GateRunPanel(task, ["lint", "tests", "types"], clock=lambda: now[0])
        pilot.app.push_screen(panel)
        await settle(pilot)
        now[0] = 96.8
        panel.gate_started("lint")
        panel.gate_started("tests")
        now[0] = 100.0
        panel.gate_done(GateResult("lint", "ruff check .", True, 0, 840, "All checks passed!"))
        panel.gate_line("lint", "All checks passed!")
        for line in ("============ test session starts ============", "collected 42 items", "tests/test_auth.py ....."):
            panel.gate_line("tests", line)
        await settle(pilot)

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)
