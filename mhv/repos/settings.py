"""One repository's settings: config.toml ``[repos.NAME]`` over its registration (``mhv repo add``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhv import paths

if TYPE_CHECKING:
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
    from mhv.config.model import GateConfig

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


_PLAIN_REPO_KEYS = {"path", "remote", "default_branch", "gates", "worktrees", "worktree_path", "post_create",
                    "post_create_timeout"}  # fmt: skip


def _plain_template(value: Any) -> bool:
    """The [worktrees] path rule of the config model, without the model."""
    import string

    if not isinstance(value, str):
        return False
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
    except ValueError:
        return False
    return not (names - {"worktrees", "repo", "branch", "number"}) and ("{branch}" in value or "{number}" in value)


def _str_or_none(table: dict[str, Any], key: str) -> bool:
    return table.get(key) is None or isinstance(table[key], str)


def plain_worktree_settings(service: TaskService, name: str, raw: dict[str, Any]) -> RepoSettings | None:
    """The worktree part of one repository's settings from config.toml as plain TOML (``raw``), with no
    Pydantic: `mhv start N --worktree` is one short process. None when anything there is not a plain,
    valid value (the caller then loads the config model, which reports the problem and uses the
    default). Gates are not read: making a worktree does not need them (``gates`` stays empty)."""
    worktrees = raw.get("worktrees", {})
    repos = raw.get("repos", {})
    if not isinstance(worktrees, dict) or not isinstance(repos, dict) or set(worktrees) - {"root", "path"}:
        return None
    if not _str_or_none(worktrees, "root") or ("path" in worktrees and not _plain_template(worktrees["path"])):
        return None
    rc = repos.get(name)
    if rc is not None:
        if not isinstance(rc, dict) or set(rc) - _PLAIN_REPO_KEYS:
            return None
        if not all(_str_or_none(rc, k) for k in ("path", "remote", "default_branch", "worktree_path", "post_create")):
            return None
        if not isinstance(rc.get("worktrees", False), bool):
            return None
        timeout = rc.get("post_create_timeout", 120.0)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 3600:
            return None
    row = next((r for r in service.list_repos() if r.name == name), None)
    s = RepoSettings(name=name, registered=row is not None)
    s.root = Path(worktrees["root"]).expanduser() if worktrees.get("root") else paths.data_dir() / "worktrees"
    s.template = worktrees.get("path", s.template)
    if row is not None:
        s.path = Path(row.path).expanduser() if row.path else None
        s.path_source = "mhv repo add"
        s.default_branch = row.default_branch
    if rc is not None:
        if rc.get("path"):
            s.path, s.path_source = Path(rc["path"]).expanduser(), "config.toml"
        s.default_branch = rc.get("default_branch") or s.default_branch
        s.worktrees = rc.get("worktrees", False)
        s.template = rc.get("worktree_path") or s.template
        s.post_create = rc.get("post_create")
        s.post_create_timeout = float(timeout)
    return s


def raw_config() -> dict[str, Any] | None:
    """config.toml read by tomllib alone ({} when there is none; None when it cannot be read)."""
    import tomllib

    try:
        with open(paths.config_dir() / "config.toml", "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None


def all_repo_names(service: TaskService, config: Config) -> list[str]:
    return sorted({r.name for r in service.list_repos()} | set(config.repos))
