"""The one adapter between the quick-add line and the parser (``mhv.nlp``).

Everything the TUI needs from a parse goes through ``understand``: the fields to create a task with,
chips to preview, whether to ask first. If the parser is missing it falls back to title + ``#tag`` +
``@repo``, so switching parsers touches only this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhv.config import Config

CONFIRM_BELOW = 0.6


@dataclass(slots=True)
class Chip:
    kind: str  # tag, repo, due, priority, estimate, recurrence, depends_on, title, intent
    text: str
    confidence: float


@dataclass(slots=True)
class Understood:
    intent: str
    confidence: float
    fields: dict[str, Any]
    chips: list[Chip] = field(default_factory=list)
    needs_confirmation: bool = False
    target: int | None = None

    @property
    def title(self) -> str:
        return str(self.fields.get("title") or "")


def understand(text: str, *, now: datetime, known_repos: list[str], config: Config | None = None) -> Understood:
    """The parse of ``text``; ``config`` gives the date order, week start and quick-add defaults."""
    understood = _understand(text, now=now, known_repos=known_repos, config=config)
    if config is not None and understood.intent == "create":
        _apply_defaults(understood, config)
    return understood


def _apply_defaults(understood: Understood, config: Config) -> None:
    """``[quick_add]`` defaults fill what the line did not say (default tags are added to its own)."""
    defaults, fields = config.quick_add, understood.fields
    if defaults.priority and "priority" not in fields:
        fields["priority"] = defaults.priority
        understood.chips.append(Chip("priority", f"{defaults.priority} (default)", 1.0))
    if defaults.repo and "repo" not in fields:
        fields["repo"] = defaults.repo
        understood.chips.append(Chip("repo", f"@{defaults.repo} (default)", 1.0))
    extra = [t for t in defaults.tags if t not in fields.get("tags", [])]
    if extra:
        fields["tags"] = [*fields.get("tags", []), *extra]
        understood.chips += [Chip("tag", f"#{t} (default)", 1.0) for t in extra]


def _understand(text: str, *, now: datetime, known_repos: list[str], config: Config | None) -> Understood:
    try:
        from mhv.nlp import parse
        from mhv.nlp.model import ParseSettings
    except ImportError:  # pragma: no cover - the parser ships with mhv; kept for partial installs
        return _fallback(text)
    settings = ParseSettings(date_order=config.date_order, week_start=config.week_start_index) if config else None
    p = parse(text, now=now, known_repos=known_repos, settings=settings)
    fields: dict[str, Any] = {"title": p.title}
    if p.priority:
        fields["priority"] = p.priority
    if p.tags:
        fields["tags"] = list(p.tags)
    if p.repo:
        fields["repo"] = p.repo
    if p.due_date:
        if p.due_time:
            fields["due"] = datetime.combine(p.due_date, p.due_time, tzinfo=now.tzinfo)
        else:
            fields["due"] = p.due_date
    if getattr(p, "scheduled_date", None):
        fields["scheduled"] = p.scheduled_date
    if p.estimate_minutes:
        fields["estimate_minutes"] = p.estimate_minutes
    if p.recurrence:
        fields["recurrence"] = p.recurrence
    if p.depends_on:
        fields["depends_on"] = list(p.depends_on)
    chips = [Chip(e.kind, _chip_text(e.kind, e.value, e.text), e.confidence) for e in p.entities]
    return Understood(
        intent=str(p.intent),
        confidence=float(p.confidence),
        fields=fields,
        chips=chips,
        needs_confirmation=bool(p.needs_confirmation) or p.confidence < CONFIRM_BELOW,
        target=getattr(p, "target", None),
    )


def _chip_text(kind: str, value: Any, text: str) -> str:
    if kind == "tag":
        return f"#{value}"
    if kind == "repo":
        return f"@{value}"
    if kind == "estimate" and isinstance(value, int):
        return f"~{value // 60}h{value % 60:02d}" if value >= 60 else f"~{value}m"
    if kind in ("depends_on", "blocks") and isinstance(value, list):
        return ("after " if kind == "depends_on" else "blocks ") + ", ".join(f"#{n}" for n in value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return f"{value}" if value not in (None, "") else text


def _fallback(text: str) -> Understood:
    words, tags, repo = [], [], None
    chips: list[Chip] = []
    for word in text.split():
        if word.startswith("#") and len(word) > 1 and not word[1:].isdigit():
            tags.append(word[1:].lower())
            chips.append(Chip("tag", word, 1.0))
        elif word.startswith("@") and len(word) > 1:
            repo = word[1:]
            chips.append(Chip("repo", word, 1.0))
        else:
            words.append(word)
    fields: dict[str, Any] = {"title": " ".join(words)}
    if tags:
        fields["tags"] = tags
    if repo:
        fields["repo"] = repo
    return Understood("create", 1.0 if words else 0.0, fields, chips, needs_confirmation=False)
