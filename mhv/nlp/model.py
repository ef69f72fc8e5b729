"""The parser's result types: `Parse`, `Entity`, `ParseSettings`, `Intent`.

Everything here is plain data (frozen dataclasses), JSON-friendly through `Parse.to_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from typing import Any, Literal


class Intent(StrEnum):
    """What a line asks for. A `StrEnum`, so `Parse.intent == "create"` works."""

    CREATE = "create"
    LIST = "list"
    SEARCH = "search"
    SHOW = "show"
    START = "start"
    COMPLETE = "complete"
    UPDATE = "update"
    BLOCK = "block"
    DELETE = "delete"


PRIORITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True, slots=True)
class ParseSettings:
    """User preferences the parser needs (from the config file, section 10 of DESIGN)."""

    date_order: Literal["mdy", "dmy"] = "mdy"
    week_start: int = 0  # 0 = Monday ... 6 = Sunday
    confidence_threshold: float = 0.6
    tonight: time = time(20, 0)
    morning: time = time(9, 0)
    afternoon: time = time(15, 0)
    evening: time = time(18, 0)
    noon: time = time(12, 0)

    def __post_init__(self) -> None:
        if self.date_order not in ("mdy", "dmy"):
            raise ValueError(f"date_order must be 'mdy' or 'dmy', not {self.date_order!r}")
        if not 0 <= self.week_start <= 6:
            raise ValueError(f"week_start must be 0 (Monday) .. 6 (Sunday), not {self.week_start!r}")
        if not 0.0 <= self.confidence_threshold <= 1.0:
            raise ValueError("confidence_threshold must be between 0 and 1")


DEFAULT_SETTINGS = ParseSettings()


@dataclass(frozen=True, slots=True)
class Entity:
    """One recognised piece of the line: `text == line[start:end]`, a normalised JSON-able `value`."""

    kind: str
    text: str
    start: int
    end: int
    value: Any
    confidence: float

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class Parse:
    """What one line means. Fields not found are `None` or empty; `to_json()` leaves them out.

    `title` is always the text left once the recognised pieces are removed (quotes and escapes
    unwrapped, whitespace collapsed). For list/search it is also `query`; for a rename, `new_title`.
    """

    intent: str = Intent.CREATE.value
    confidence: float = 1.0
    title: str = ""
    due_date: date | None = None
    due_time: time | None = None
    scheduled_date: date | None = None
    scheduled_time: time | None = None
    wait_date: date | None = None  # `wait:monday`: hidden until then (Taskwarrior's wait)
    until_date: date | None = None  # `until:eoy`: expires then (Taskwarrior's until)
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    repo: str | None = None
    estimate_minutes: int | None = None
    recurrence: str | None = None
    depends_on: list[int] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    target: int | None = None
    entities: list[Entity] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    # list / search
    query: str | None = None
    status: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    # update / block
    new_title: str | None = None
    changes: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    unblock: bool = False
    threshold: float = DEFAULT_SETTINGS.confidence_threshold

    @property
    def needs_confirmation(self) -> bool:
        """Ask before acting: the parse is unsure, or the action destroys something."""
        return self.confidence < self.threshold or self.intent == Intent.DELETE

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of DESIGN section 6; fields absent when not found.

        Beyond the design's keys, these appear only when they carry something: `query`, `status`,
        `due_from`, `due_to` (list/search), `new_title`, `changes`, `remove_tags`, `unblock`
        (update/block), `scheduled_time`, `wait_date`, `until_date`, and `alternatives` (other readings of ambiguous pieces).
        """
        out: dict[str, Any] = {"intent": str(self.intent), "confidence": self.confidence}
        if self.title and self.intent not in (Intent.LIST, Intent.SEARCH):
            out["title"] = self.title
        if self.due_date is not None:
            out["due_date"] = self.due_date.isoformat()
        if self.due_time is not None:
            out["due_time"] = self.due_time.strftime("%H:%M")
        if self.scheduled_date is not None:
            out["scheduled_date"] = self.scheduled_date.isoformat()
        if self.scheduled_time is not None:
            out["scheduled_time"] = self.scheduled_time.strftime("%H:%M")
        if self.wait_date is not None:
            out["wait_date"] = self.wait_date.isoformat()
        if self.until_date is not None:
            out["until_date"] = self.until_date.isoformat()
        if self.priority is not None:
            out["priority"] = self.priority
        if self.tags:
            out["tags"] = list(self.tags)
        if self.repo is not None:
            out["repo"] = self.repo
        if self.estimate_minutes is not None:
            out["estimate_minutes"] = self.estimate_minutes
        if self.recurrence is not None:
            out["recurrence"] = self.recurrence
        if self.depends_on:
            out["depends_on"] = list(self.depends_on)
        if self.blocks:
            out["blocks"] = list(self.blocks)
        if self.target is not None:
            out["target"] = self.target
        out["entities"] = [e.to_json() for e in self.entities]
        if self.query:
            out["query"] = self.query
        if self.status is not None:
            out["status"] = self.status
        if self.due_from is not None:
            out["due_from"] = self.due_from.isoformat()
        if self.due_to is not None:
            out["due_to"] = self.due_to.isoformat()
        if self.new_title is not None:
            out["new_title"] = self.new_title
        if self.changes:
            out["changes"] = list(self.changes)
        if self.remove_tags:
            out["remove_tags"] = list(self.remove_tags)
        if self.unblock:
            out["unblock"] = True
        if self.alternatives:
            out["alternatives"] = [dict(a) for a in self.alternatives]
        return out
