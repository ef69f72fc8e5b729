"""Reading facts from a git checkout (remote URL, default branch) with the real `git` program."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(path: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def git_defaults(path: Path) -> tuple[str | None, str | None]:
    """(remote URL of origin, default branch) of the checkout at ``path``; None where unknown."""
    remote = _git(path, "remote", "get-url", "origin")
    head = _git(path, "symbolic-ref", "--short", "refs/remotes/origin/HEAD")
    branch = head.split("/", 1)[1] if head and "/" in head else _git(path, "symbolic-ref", "--short", "HEAD")
    return remote, branch
