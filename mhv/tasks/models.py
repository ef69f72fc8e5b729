"""The task service's read models: plain dataclasses, cheap to build by the hundred thousand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Defined apart (`mhv tl` needs them without the rest); callers import them from here too.
from mhv.tasks.task_filter import OPEN_STATUSES as OPEN_STATUSES
from mhv.tasks.task_filter import STATUSES as STATUSES
from mhv.tasks.task_filter import TaskFilter as TaskFilter

FINISHED_STATUSES = ("completed", "cancelled")
PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
GATE_STATUSES = ("unknown", "passed", "failed", "overridden")
DEPENDENCY_KINDS = ("blocks", "related")

# Columns of the task table, in the order the service selects them.
TASK_COLUMNS = (
    "id", "number", "title", "description", "status", "priority", "repo", "tags", "due", "due_all_day",
    "scheduled", "estimate_minutes", "recurrence", "parent_id", "assignee", "source", "source_ref",
    "source_url", "worktree_path", "branch", "gate_status", "created_at", "updated_at", "started_at",
    "completed_at", "metadata", "wait", "until",
)  # fmt: skip
DATETIME_FIELDS = frozenset(
    {"due", "scheduled", "created_at", "updated_at", "started_at", "completed_at", "wait", "until"}
)


@dataclass(slots=True)
class Task:
    id: str
    number: int
    title: str
    description: str = ""
    status: str = "pending"
    priority: str = "medium"
    repo: str | None = None
    tags: list[str] = field(default_factory=list)
    due: datetime | None = None
    due_all_day: bool = False
    scheduled: datetime | None = None
    estimate_minutes: int | None = None
    recurrence: str | None = None
    parent_id: str | None = None
    assignee: str | None = None
    source: str = "manual"
    source_ref: str | None = None
    source_url: str | None = None
    worktree_path: str | None = None
    branch: str | None = None
    gate_status: str = "unknown"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    wait: datetime | None = None  # hidden from the open lists until then (Taskwarrior's wait)
    until: datetime | None = None  # expires then (Taskwarrior's until)
    # Filled on request (show, --json): numbers of the tasks this one waits for / holds up.
    depends_on: list[int] | None = None
    blocks: list[int] | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, Any]:
        """The DESIGN field names; datetimes as ISO 8601 in UTC."""
        out: dict[str, Any] = {}
        for name in TASK_COLUMNS:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            out[name] = value
        if self.depends_on is not None:
            out["depends_on"] = self.depends_on
        if self.blocks is not None:
            out["blocks"] = self.blocks
        return out

    def snapshot(self) -> dict[str, Any]:
        """The stored row as JSON-safe values: what events keep in ``before`` / ``after``."""
        out: dict[str, Any] = {}
        for name in TASK_COLUMNS:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(slots=True)
class Repo:
    name: str
    path: str | None = None
    remote: str | None = None
    default_branch: str | None = None
    gates: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "remote": self.remote,
            "default_branch": self.default_branch,
            "gates": self.gates,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(slots=True)
class Event:
    seq: int
    txn: str
    task_id: str | None
    kind: str
    at: datetime
    actor: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "txn": self.txn,
            "task_id": self.task_id,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "before": self.before,
            "after": self.after,
        }


@dataclass(slots=True)
class TaskLine:
    """The columns of one row of a task table (`mhv tl`): what the table shows, read without the
    other twenty fields (TaskService.list_lines)."""

    number: int
    status: str
    created_at: datetime | None
    priority: str
    repo: str | None
    tags: list[str]
    due: datetime | None
    due_all_day: bool
    title: str


@dataclass(slots=True)
class ActionResult:
    """What an undo or redo did: the label of the reverted action and the tasks it touched."""

    label: str
    txn: str
    tasks: list[Task]


@dataclass(slots=True)
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": [{"item": what, "reason": why} for what, why in self.skipped],
            "warnings": self.warnings,
        }
