"""Input validation with Pydantic v2: every field a person or a client may send, checked once here.

Pydantic is imported by the write paths only (listing and showing never need it).
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from mhv.errors import ValidationError
from mhv.tasks.rules import as_aware, clean_repo, clean_rrule, clean_tags, clean_title, priority_word

Priority = Literal["critical", "high", "medium", "low"]
Status = Literal["pending", "in_progress", "blocked", "completed", "cancelled"]
GateStatus = Literal["unknown", "passed", "failed", "overridden"]

TaskRef = int | str


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None)
    description: str | None = None
    status: Status | None = None
    priority: Priority | None = None
    repo: str | None = None
    tags: list[str] | None = None
    due: datetime | date | None = None
    due_all_day: bool | None = None
    scheduled: datetime | date | None = None
    estimate_minutes: int | None = Field(default=None, ge=0, le=100_000)
    recurrence: str | None = None
    parent: TaskRef | None = None
    assignee: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=32)
    source_ref: str | None = Field(default=None, max_length=300)
    source_url: str | None = None
    worktree_path: str | None = None
    branch: str | None = Field(default=None, max_length=300)
    gate_status: GateStatus | None = None
    metadata: dict[str, Any] | None = None
    wait: datetime | date | None = None
    until: datetime | date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else clean_title(value)

    @field_validator("due", "scheduled", "wait", "until", mode="before")
    @classmethod
    def _date_or_datetime(cls, value: Any) -> Any:
        # "2026-12-05" is a whole day, not midnight: keep it a date so it is stored as all-day.
        if isinstance(value, str) and len(value.strip()) == 10:
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                return value
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return None if value is None else clean_tags(value)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Any:
        return priority_word(value)

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str | None) -> str | None:
        return clean_repo(value)

    @field_validator("recurrence")
    @classmethod
    def _recurrence(cls, value: str | None) -> str | None:
        return clean_rrule(value)


class TaskCreate(_Fields):
    title: str  # type: ignore[assignment]
    depends_on: list[TaskRef] = Field(default_factory=list)
    blocks: list[TaskRef] = Field(default_factory=list)  # tasks that will wait for the new one


class TaskPatch(_Fields):
    """A partial update: only the fields given change; ``None`` clears a nullable field."""


def _explain(exc: PydanticValidationError, model: type[BaseModel]) -> ValidationError:
    problems: list[str] = []
    hints: list[str] = []
    valid = sorted(model.model_fields)
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "input"
        if err["type"] == "extra_forbidden":
            near = difflib.get_close_matches(str(err["loc"][0]), valid, n=1)
            problems.append(f"unknown field {loc!r}")
            hints.append(f"did you mean {near[0]!r}?" if near else f"valid fields: {', '.join(valid)}")
        elif err["type"] == "missing":
            problems.append(f"{loc} is required")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{loc}: {msg}")
            if loc == "priority":
                hints.append("priority is one of critical, high, medium, low (or p1-p4)")
            elif loc in {"due", "scheduled", "wait", "until"}:
                hints.append("give a date as YYYY-MM-DD or YYYY-MM-DDTHH:MM")
            elif loc == "title":
                hints.append("shorten the title and put the rest in the description")
    return ValidationError(
        "; ".join(problems),
        " ".join(dict.fromkeys(hints)) or "fix the value and try again; nothing was changed",
    )


def validate_create(data: dict[str, Any]) -> TaskCreate:
    try:
        return TaskCreate.model_validate(data)
    except PydanticValidationError as exc:
        raise _explain(exc, TaskCreate) from None


def validate_patch(data: dict[str, Any]) -> TaskPatch:
    try:
        return TaskPatch.model_validate(data)
    except PydanticValidationError as exc:
        raise _explain(exc, TaskPatch) from None


__all__ = ["TaskCreate", "TaskPatch", "as_aware", "validate_create", "validate_patch"]
