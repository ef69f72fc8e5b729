"""Does completing a task involve gates or a worktree? The CLI's fast path and the service's
``cli.complete`` ask this before they complete a task on their short road: when it does, the full
`mhv td` (gates first, then the worktree's removal) runs instead."""

from __future__ import annotations

from typing import Any


def _raw_repos() -> dict[str, Any]:
    """``[repos.*]`` of config.toml as plain TOML (no Pydantic on the fast path)."""
    import tomllib

    from mhv import paths

    try:
        with open(paths.config_dir() / "config.toml", "rb") as fh:
            repos = tomllib.load(fh).get("repos")
    except (OSError, ValueError):
        return {}
    return repos if isinstance(repos, dict) else {}


def needs_gates_or_worktree(svc: Any, refs: list[str]) -> bool:
    """True when any of these tasks has a worktree or a repository with gates (or cannot be read:
    the full command then reports it)."""
    raw = _raw_repos()
    for ref in refs:
        try:
            task = svc.get(ref)
        except Exception:
            return True
        if task.worktree_path:
            return True
        if task.repo and (isinstance(raw.get(task.repo), dict) and raw[task.repo].get("gates")):
            return True
        if task.repo and any(r.gates for r in svc.list_repos() if r.name == task.repo):
            return True
    return False
