"""The shape of ``config.toml`` (DESIGN section 10) as Pydantic models. Unknown keys are errors."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Priority = Literal["critical", "high", "medium", "low"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TuiConfig(_Strict):
    """``[tui]``: kept for files written before ``theme`` moved to the top level."""

    theme: str | None = None


class QuickAddDefaults(_Strict):
    """``[quick_add]``: what a new task gets when the line does not say."""

    priority: Priority | None = None
    repo: str | None = None
    tags: list[str] = Field(default_factory=list)


CRACKERJACK_MCP_URL = "http://localhost:8676/mcp"


class GateConfig(_Strict):
    """One quality gate: ``tests = "pytest -q"`` (a command) or a table with these keys."""

    command: str | None = None  # kind "command": the shell command (run in the task's worktree)
    kind: Literal["command", "crackerjack"] = "command"
    timeout: float = Field(default=600.0, gt=0, le=86_400)  # seconds; a gate past it fails
    required: bool = True  # `mhv td` refuses to complete while a required gate fails
    # kind "crackerjack": `python -m crackerjack run FLAGS` (mode "cli") or its MCP server (mode "mcp")
    mode: Literal["cli", "mcp"] = "cli"
    flags: list[str] = Field(default_factory=list)
    python: str = "python"
    mcp_url: str = CRACKERJACK_MCP_URL
    min_coverage: float | None = Field(default=None, ge=0, le=100)  # totals.percent_covered of coverage.json

    @model_validator(mode="after")
    def _needs_command(self) -> GateConfig:
        if self.kind == "command" and not (self.command or "").strip():
            raise ValueError('a command (a command gate needs one) || add command = "pytest -q", or kind = "crackerjack"')
        return self


class RepoConfig(_Strict):
    """``[repos.NAME]``: a repository, its worktrees and its quality gates (gate name -> command or table)."""

    path: str | None = None
    remote: str | None = None
    default_branch: str | None = None
    gates: dict[str, GateConfig] = Field(default_factory=dict)
    worktrees: bool = False  # `mhv start N` makes a git worktree for the task (else only --worktree)
    worktree_path: str | None = None  # a template like [worktrees] path, for this repository only
    post_create: str | None = None  # a shell command run in a new worktree (failure only warns)
    post_create_timeout: float = Field(default=120.0, gt=0, le=3600)

    @field_validator("gates", mode="before")
    @classmethod
    def _command_strings(cls, value: Any) -> Any:
        """``tests = "pytest -q"`` is short for ``tests = { command = "pytest -q" }``."""
        if isinstance(value, dict):
            return {k: {"command": v} if isinstance(v, str) else v for k, v in value.items()}
        return value


class WorktreesConfig(_Strict):
    """``[worktrees]``: where task worktrees go. ``{worktrees}`` is ``root`` (default: the data folder's
    ``worktrees``); ``{repo}``, ``{branch}`` and ``{number}`` are the task's."""

    root: str | None = None
    path: str = "{worktrees}/{repo}/{branch}"

    @field_validator("path")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        import string

        names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        unknown = names - {"worktrees", "repo", "branch", "number"}
        if unknown or ("{branch}" not in value and "{number}" not in value):
            raise ValueError("a template with {branch} or {number}, using only {worktrees} {repo} {branch} {number}"
                             ' || write path = "{worktrees}/{repo}/{branch}"')
        return value


class ServiceConfig(_Strict):
    """``[service]``: where `mhv serve` listens and its secrets (environment variables win)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=1, le=65535)
    github_secret: str | None = None
    gitlab_token: str | None = None
    ws_token: str | None = None

    def secret(self, name: Literal["github_secret", "gitlab_token", "ws_token"]) -> str | None:
        """``MHV_GITHUB_SECRET`` / ``MHV_GITLAB_TOKEN`` / ``MHV_WS_TOKEN``, else the file's value."""
        return os.environ.get(SECRET_ENV[name]) or getattr(self, name)


SECRET_ENV = {"github_secret": "MHV_GITHUB_SECRET", "gitlab_token": "MHV_GITLAB_TOKEN", "ws_token": "MHV_WS_TOKEN"}


class Config(_Strict):
    theme: str | None = None
    date_order: Literal["mdy", "dmy"] = "mdy"
    week_start: Weekday = "monday"
    keymap: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
    quick_add: QuickAddDefaults = Field(default_factory=QuickAddDefaults)
    repos: dict[str, RepoConfig] = Field(default_factory=dict)
    worktrees: WorktreesConfig = Field(default_factory=WorktreesConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    urgency: dict[str, float] = Field(default_factory=dict)
    tui: TuiConfig = Field(default_factory=TuiConfig)

    @property
    def chosen_theme(self) -> str | None:
        return self.theme or self.tui.theme

    @property
    def week_start_index(self) -> int:
        """0 = Monday ... 6 = Sunday (what the quick-add parser takes)."""
        return WEEKDAYS.index(self.week_start)


# Example values used in "Fix:" hints, by dotted key.
EXAMPLES: dict[str, str] = {
    "theme": '"mhv-dark"',
    "date_order": '"mdy"  (or "dmy")',
    "week_start": '"monday"',
    "quick_add.priority": '"medium"',
    "quick_add.repo": '"crackerjack"',
    "quick_add.tags": '["inbox"]',
    "service.host": '"127.0.0.1"',
    "service.port": "8787",
    "urgency": "2.0",
    "repos.worktrees": "true",
    "repos.post_create_timeout": "120",
    "repos.gates": '{ tests = "pytest -q" }',
    "repos.gates.timeout": "600",
    "repos.gates.required": "true",
    "repos.gates.kind": '"command"  (or "crackerjack")',
    "repos.gates.mode": '"cli"  (or "mcp")',
    "repos.gates.flags": '["-t"]',
    "repos.gates.min_coverage": "80",
    "worktrees.path": '"{worktrees}/{repo}/{branch}"',
}
