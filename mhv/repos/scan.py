"""Find git checkouts under a folder, to register them in one go (first run, `mhv repo scan`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mhv.repos.git import git_defaults
from mhv.tasks.service import TaskService

SKIP = frozenset({"node_modules", ".venv", "venv", "__pycache__", "target", "build", "dist", ".tox"})
_BAD_NAME = re.compile(r"[\s@#,\"']+")


@dataclass(frozen=True, slots=True)
class FoundRepo:
    name: str
    path: Path
    remote: str | None
    branch: str | None
    registered: bool = False  # a repository with this path is already registered

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "path": str(self.path), "remote": self.remote, "branch": self.branch,
                "registered": self.registered}  # fmt: skip


def _checkouts(root: Path, max_depth: int) -> Iterator[Path]:
    """Folders holding a ``.git`` (folder, or file for worktrees), not descending into them."""
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        if (folder / ".git").exists():
            yield folder
            continue
        if depth >= max_depth:
            continue
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and entry.name not in SKIP:
                stack.append((Path(entry.path), depth + 1))


def scan_repos(root: Path, service: TaskService | None = None, *, max_depth: int = 3) -> list[FoundRepo]:
    """Every checkout under ``root`` (depth-first, by name) with a unique name, remote and branch."""
    root = root.expanduser().resolve()
    known = {r.path: r.name for r in service.list_repos()} if service is not None else {}
    taken = set(known.values())
    out: list[FoundRepo] = []
    for path in _checkouts(root, max_depth):
        if str(path) in known:
            remote, branch = git_defaults(path)
            out.append(FoundRepo(known[str(path)], path, remote, branch, registered=True))
            continue
        base = _BAD_NAME.sub("-", path.name).strip("-") or "repo"
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        remote, branch = git_defaults(path)
        out.append(FoundRepo(name, path, remote, branch))
    return out


def register(service: TaskService, found: list[FoundRepo]) -> list[str]:
    """Register the ones not yet registered; returns their names."""
    names = []
    for repo in found:
        if not repo.registered:
            service.add_repo(repo.name, str(repo.path), repo.remote, repo.branch)
            names.append(repo.name)
    return names
