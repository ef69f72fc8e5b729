"""The shape of ``config.toml`` (DESIGN section 10) as Pydantic models. Unknown keys are errors."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class RepoConfig(_Strict):
    """``[repos.NAME]``: a repository and its quality gates (gate name -> shell command)."""

    path: str | None = None
    remote: str | None = None
    default_branch: str | None = None
    gates: dict[str, str] = Field(default_factory=dict)


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
}
