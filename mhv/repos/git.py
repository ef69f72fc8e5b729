"""Talking to the real `git` program: facts of a checkout (remote, default branch) and commands."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mhv.repos.errors import GitError

GIT_TIMEOUT = 30.0


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


def run(path: Path | str, *args: str, check: bool = True, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``git -C path ARGS``; with ``check`` a failure is a GitError carrying git's own message."""
    try:
        done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)  # fmt: skip
    except FileNotFoundError:
        raise GitError("the git program was not found", "install git and make sure it is on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])} took longer than {timeout:.0f} s in {path}",
                       "check the repository (a lock file, a slow filesystem) and try again") from None  # fmt: skip
    if check and done.returncode != 0:
        what = (done.stderr or done.stdout).strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])} failed in {path}: {what[-1] if what else done.returncode}",
                       "run the same git command yourself to see the whole message")  # fmt: skip
    return done


def out(path: Path | str, *args: str) -> str:
    return run(path, *args).stdout.strip()


def ok(path: Path | str, *args: str) -> bool:
    return run(path, *args, check=False).returncode == 0
