"""Every repository at a glance (`mhv repo status`, the Repositories screen): task counts, active
worktrees with their dirty state, the last gate result and blockers that cross repositories."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhv.config.model import Config
from mhv.repos.errors import GitError
from mhv.repos.settings import all_repo_names
from mhv.tasks.models import Task
from mhv.tasks.repo_records import (
    GateRunRecord,
    cross_repo_blockers,
    last_gate_run_by_repo,
    repo_counts,
    tasks_with_worktrees,
)
from mhv.tasks.service import TaskService


@dataclass(slots=True)
class WorktreeLine:
    task: int
    branch: str | None
    path: str
    modified: int | None = None  # None: the folder is missing or git failed
    untracked: int | None = None

    @property
    def dirty(self) -> bool:
        return bool(self.modified or self.untracked)


@dataclass(slots=True)
class RepoLine:
    name: str
    open: int = 0
    in_progress: int = 0
    blocked: int = 0
    overdue: int = 0
    worktrees: list[WorktreeLine] = field(default_factory=list)
    last_gate: GateRunRecord | None = None

    @property
    def dirty_worktrees(self) -> int:
        return sum(1 for w in self.worktrees if w.dirty)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "open": self.open, "in_progress": self.in_progress, "blocked": self.blocked,
                "overdue": self.overdue,
                "worktrees": [{"task": w.task, "branch": w.branch, "path": w.path, "modified": w.modified,
                               "untracked": w.untracked, "dirty": w.dirty} for w in self.worktrees],
                "last_gate": self.last_gate.to_json() if self.last_gate else None}  # fmt: skip


@dataclass(slots=True)
class RepoStatus:
    repos: list[RepoLine]
    blockers: list[tuple[Task, Task]]

    def blocker_lines(self) -> list[str]:
        return [f"{a.repo} #{a.number} waits on {b.repo} #{b.number}" for a, b in self.blockers]

    def to_json(self) -> dict[str, Any]:
        return {"repos": [r.to_json() for r in self.repos],
                "blockers": [{"task": a.number, "repo": a.repo, "waits_on": b.number, "waits_on_repo": b.repo,
                              "text": f"{a.repo} #{a.number} waits on {b.repo} #{b.number}"}
                             for a, b in self.blockers]}  # fmt: skip


def repo_status(service: TaskService, config: Config, *, git_state: bool = True) -> RepoStatus:
    from mhv.repos.worktrees import dirty_counts

    counts = repo_counts(service, service.clock())
    gates = last_gate_run_by_repo(service)
    names = sorted(set(all_repo_names(service, config)) | set(counts))
    lines = {}
    for n in names:
        c = counts.get(n, {})
        lines[n] = RepoLine(n, c.get("open", 0), c.get("in_progress", 0), c.get("blocked", 0), c.get("overdue", 0),
                            last_gate=gates.get(n))  # fmt: skip
    for task in tasks_with_worktrees(service):
        if task.repo not in lines:
            continue
        w = WorktreeLine(task.number, task.branch, task.worktree_path or "")
        if git_state and Path(w.path).is_dir():
            with contextlib.suppress(GitError):
                w.modified, w.untracked = dirty_counts(Path(w.path))
        lines[task.repo].worktrees.append(w)
    return RepoStatus(list(lines.values()), cross_repo_blockers(service))
