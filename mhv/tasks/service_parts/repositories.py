"""Registered repositories: add (or replace), remove, list, and the repository names in use."""

from __future__ import annotations

from typing import Any

from mhv.errors import ConflictError, NotFoundError, ValidationError
from mhv.tasks.models import Repo
from mhv.tasks.rows import repo_from_row
from mhv.tasks.service_parts.core import ServiceCore


class Repositories(ServiceCore):
    def add_repo(self, name: str, path: str | None = None, remote: str | None = None,
                 default_branch: str | None = None, *, replace: bool = False) -> Repo:  # fmt: skip
        from mhv.tasks.rules import REPO_RE

        name = name.strip().lstrip("@")
        if not REPO_RE.match(name):
            raise ValidationError(
                f"invalid repository name {name!r}", "use letters, digits, dots, dashes, slashes"
            )
        with self._action(f"repo add {name}") as act:
            existing = act.conn.one("SELECT * FROM repo WHERE name = ?", (name,))
            if existing is not None and not replace:
                raise ConflictError(
                    f"repository {name!r} is already registered", "use --replace to change it"
                )
            snap: dict[str, Any] = {"name": name, "path": path, "remote": remote, "default_branch": default_branch,
                    "gates": {}, "created_at": act.at.isoformat()}  # fmt: skip
            before = None
            if existing is not None:
                before = repo_from_row(existing).to_json()
                snap["gates"] = before["gates"]
                act.conn.execute("DELETE FROM repo WHERE name = ?", (name,))
            self._insert_repo(act.conn, snap)
            act.event("repo.updated" if before else "repo.added", None, before, snap)
            return repo_from_row(act.conn.one("SELECT * FROM repo WHERE name = ?", (name,)))

    def remove_repo(self, name: str) -> Repo:
        with self._action(f"repo remove {name}") as act:
            row = act.conn.one("SELECT * FROM repo WHERE name = ?", (name,))
            if row is None:
                raise NotFoundError(f"no repository {name!r}", "see registered ones with `mhv repo list`")
            repo = repo_from_row(row)
            act.conn.execute("DELETE FROM repo WHERE name = ?", (name,))
            act.event("repo.removed", None, repo.to_json(), None)
            return repo

    def list_repos(self) -> list[Repo]:
        with self.store.read() as conn:
            return [repo_from_row(r) for r in conn.all("SELECT * FROM repo ORDER BY name")]

    def repo_names(self) -> list[str]:
        """Registered repositories plus every repo name tasks use (for completion and the parser)."""
        with self.store.read() as conn:
            rows = conn.all(
                "SELECT name FROM repo UNION SELECT DISTINCT repo FROM task WHERE repo IS NOT NULL"
            )
        return sorted(r[0] if not isinstance(r, dict) else r["name"] for r in rows)

    def repo_names_registered(self) -> set[str]:
        with self.store.read() as conn:
            return {r["name"] for r in conn.all("SELECT name FROM repo")}
