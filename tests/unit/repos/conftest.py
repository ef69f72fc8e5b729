"""Real git repositories in temporary folders (no fakes of git)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "api", *, remote: bool = False) -> Path:
        path = tmp_path / "src" / name
        path.mkdir(parents=True)
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.email", "dev@example.com")
        git(path, "config", "user.name", "Dev")
        (path / "README.md").write_text("# api\n")
        git(path, "add", ".")
        git(path, "commit", "-qm", "initial")
        if remote:
            bare = tmp_path / "remotes" / f"{name}.git"
            bare.parent.mkdir(parents=True, exist_ok=True)
            git(tmp_path, "init", "-q", "--bare", str(bare))
            git(path, "remote", "add", "origin", str(bare))
            git(path, "push", "-q", "-u", "origin", "main")
        return path

    return make


@pytest.fixture
def mhv(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`mhv` in-process: (exit code, stdout, stderr), as in tests/unit/cli."""
    from mhv.cli.entry import main

    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
