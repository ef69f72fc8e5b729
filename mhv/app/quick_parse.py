"""The one adapter between the quick-add line and the quick-add language.

Everything the TUI needs from a line goes through ``understand``: the planned action (the same
`mhv.tasks.intents.Action` that `mhv tc` and `--batch` carry out), chips to preview, whether to ask
first. Executing it is `mhv.tasks.intents.apply`, so a line does the same thing in the TUI and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mhv.nlp.entities import format_minutes
from mhv.nlp.recurrence import describe_rrule
from mhv.tasks.intents import Action, quick_settings
from mhv.tasks.intents import understand as plan_line


@dataclass(slots=True)
class Chip:
    kind: str  # tag, repo, due, priority, estimate, recurrence, depends_on, title, intent
    text: str
    confidence: float


@dataclass(slots=True)
class Understood:
    intent: str  # the action: create, update, complete, start, block, unblock, delete, show, list, search
    confidence: float
    fields: dict[str, Any]
    chips: list[Chip] = field(default_factory=list)
    needs_confirmation: bool = False
    target: int | None = None
    action: Action | None = None

    @property
    def title(self) -> str:
        return str(self.fields.get("title") or "")

    def question(self) -> str:
        """What the confirmation modal asks."""
        action = self.action
        what = action.describe() if action is not None else self.intent
        if self.intent == "delete":
            return f"{what}?"
        maybe = f"\nmaybe: {'; '.join(action.alternatives)}" if action is not None and action.alternatives else ""
        return f"The parse is unsure ({self.confidence:.0%}): {what}.{maybe}\nGo ahead?"


def understand(text: str, *, now: datetime, known_repos: list[str], settings: Any = None,
               config: Any = None) -> Understood:  # fmt: skip
    """The plan for ``text``. ``settings`` (or ``config``: an ``mhv.config.Config``) gives the date
    order, week start and ``[quick_add]`` defaults; a default the line did not override shows as a
    chip marked "(default)"."""
    settings = settings if settings is not None else config
    action = plan_line(text, now=now, known_repos=known_repos, settings=settings)
    p = action.parse
    entities = p.entities if p is not None else []
    chips = [Chip(e.kind, _chip_text(e.kind, e.value, e.text), e.confidence) for e in entities
             if e.kind not in ("intent", "target")]  # fmt: skip
    if action.kind == "create" and settings is not None:
        chips += _default_chips(action.fields, {e.kind for e in entities}, settings)
    return Understood(
        intent=action.kind,
        confidence=float(action.confidence),
        fields=dict(action.fields),
        chips=chips,
        needs_confirmation=action.needs_confirmation,
        target=action.target,
        action=action,
    )


def _default_chips(fields: dict[str, Any], said: set[str], settings: Any) -> list[Chip]:
    qs = quick_settings(settings)
    chips = []
    if qs.default_priority and "priority" not in said and fields.get("priority") == qs.default_priority:
        chips.append(Chip("priority", f"{qs.default_priority} (default)", 1.0))
    if qs.default_repo and "repo" not in said and fields.get("repo") == qs.default_repo:
        chips.append(Chip("repo", f"@{qs.default_repo} (default)", 1.0))
    chips += [Chip("tag", f"#{t} (default)", 1.0) for t in qs.default_tags if t in fields.get("tags", [])]
    return chips


def _chip_text(kind: str, value: Any, text: str) -> str:
    if kind == "tag":
        return f"#{value}"
    if kind == "repo":
        return f"@{value}"
    if kind == "estimate" and isinstance(value, int):
        return f"~{format_minutes(value)}"
    if kind in ("depends_on", "blocks") and isinstance(value, list):
        return ("after " if kind == "depends_on" else "blocks ") + ", ".join(f"#{n}" for n in value)
    if kind == "recurrence" and isinstance(value, str):
        return describe_rrule(value)
    if kind in ("due", "scheduled") and isinstance(value, str):  # entity values are ISO text
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{when:%a} {when.day} {when:%b}" + (f" {when:%H:%M}" if "T" in value else "")
    return f"{value}" if value not in (None, "") else text
