"""One repository's settings: config.toml ``[repos.NAME]`` over its registration (``mhv repo add``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhv import paths
from mhv.config.model import Config, GateConfig, RepoConfig
from mhv.tasks.service import TaskService


@dataclass(slots=True)
class RepoSettings:
    name: str
    path: Path | None = None
    path_source: str = ""  # "config.toml" or "mhv repo add": where a moved path must be fixed
    default_branch: str | None = None
    worktrees: bool = False
    template: str = "{worktrees}/{repo}/{branch}"
    root: Path = field(default_factory=lambda: paths.data_dir() / "worktrees")
    post_create: str | None = None
    post_create_timeout: float = 120.0
    gates: dict[str, GateConfig] = field(default_factory=dict)
    registered: bool = False

    @property
    def required_gates(self) -> dict[str, GateConfig]:
        return {k: g for k, g in self.gates.items() if g.required}


def _db_gates(raw: dict[str, Any]) -> dict[str, GateConfig]:
    out: dict[str, GateConfig] = {}
    for name, value in (raw or {}).items():
        try:
            out[name] = GateConfig.model_validate({"command": value} if isinstance(value, str) else value)
        except ValueError:
            continue  # `mhv config check` cannot see these; a broken stored gate is skipped
    return out


def repo_settings(service: TaskService, config: Config, name: str) -> RepoSettings:
    rc: RepoConfig | None = config.repos.get(name)
    row = next((r for r in service.list_repos() if r.name == name), None)
    s = RepoSettings(name=name, registered=row is not None)
    root = config.worktrees.root
    s.root = Path(root).expanduser() if root else paths.data_dir() / "worktrees"
    s.template = config.worktrees.path
    if row is not None:
        s.path = Path(row.path).expanduser() if row.path else None
        s.path_source = "mhv repo add"
        s.default_branch = row.default_branch
        s.gates = _db_gates(row.gates)
    if rc is not None:
        if rc.path:
            s.path, s.path_source = Path(rc.path).expanduser(), "config.toml"
        s.default_branch = rc.default_branch or s.default_branch
        s.worktrees = rc.worktrees
        s.template = rc.worktree_path or s.template
        s.post_create = rc.post_create
        s.post_create_timeout = rc.post_create_timeout
        s.gates = {**s.gates, **rc.gates}
    return s


def all_repo_names(service: TaskService, config: Config) -> list[str]:
    return sorted({r.name for r in service.list_repos()} | set(config.repos))
