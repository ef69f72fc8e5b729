"""The human view of a parse, for `mhv parse` (without --json) and `mhv tc` feedback.

    fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41     <- spans coloured by kind
    create · confidence 0.95
    @crackerjack 0.97  due Thu 27 Nov 17:00 0.96  p1 critical 0.95  #ci 0.98  ~2h 0.98  after #41 0.95
    maybe: ...                                                             <- alternatives, when ambiguous

Rich only (no Textual): the CLI layer may not import Textual.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from mhv.nlp import Parse, ParseSettings, parse
from mhv.nlp.entities import format_minutes
from mhv.nlp.recurrence import describe_rrule

KIND_STYLES: dict[str, str] = {
    "intent": "bold bright_white",
    "target": "bold bright_white",
    "tag": "cyan",
    "repo": "magenta",
    "priority": "bold red",
    "due": "green",
    "time": "green",
    "scheduled": "blue",
    "wait": "blue",
    "until": "red",
    "estimate": "yellow",
    "recurrence": "bright_blue",
    "depends_on": "dark_orange",
    "blocks": "dark_orange",
    "status": "bright_magenta",
}
PRIORITY_STYLES = {"critical": "bold red", "high": "dark_orange", "medium": "yellow", "low": "dim"}
_P_NUMBER = {"critical": 1, "high": 2, "medium": 3, "low": 4}


def parse_command_json(
    text: str,
    now: datetime,
    known_repos: Collection[str] = (),
    settings: ParseSettings | None = None,
) -> dict[str, Any]:
    """What `mhv parse TEXT --json` prints: exactly `Parse.to_json()`."""
    return parse(text, now=now, known_repos=known_repos, settings=settings).to_json()


def render_parse(p: Parse, text: str, *, now: datetime | None = None) -> RenderableType:
    """The line with its recognised spans coloured, the intent and confidence, one chip per piece
    understood (with its confidence), and the other readings when something was ambiguous."""
    parts: list[RenderableType] = [highlight(p, text), _headline(p)]
    chips = _chips(p, now)
    if chips:
        parts.append(Text("  ").join(chips))
    for alt in p.alternatives:
        parts.append(_alternative(alt))
    return Group(*parts)


def highlight(p: Parse, text: str) -> Text:
    out = Text(text)
    for e in p.entities:
        if 0 <= e.start < e.end <= len(text):
            out.stylize(KIND_STYLES.get(e.kind, "bold"), e.start, e.end)
    return out


def _headline(p: Parse) -> Text:
    out = Text()
    out.append(str(p.intent), style="bold")
    if p.target is not None:
        out.append(f" #{p.target}", style="bold")
    out.append(" · confidence ", style="dim")
    out.append(f"{p.confidence:.2f}", style=_conf_style(p.confidence, p.threshold))
    if p.intent == "delete":
        out.append(" · asks before deleting", style="yellow")
    elif p.needs_confirmation:
        out.append(" · unsure: asks before acting", style="yellow")
    return out


def _conf_style(conf: float, threshold: float = 0.6) -> str:
    if conf < threshold:
        return "bold yellow"
    return "green" if conf >= 0.85 else "default"


def _chip(label: str, style: str, conf: float | None, threshold: float) -> Text:
    out = Text()
    out.append(f" {label} ", style=f"{style} reverse")
    if conf is not None:
        out.append(f" {conf:.2f}", style="dim" if conf >= threshold else "bold yellow")
    return out


def _conf(p: Parse, *kinds: str) -> float | None:
    values = [e.confidence for e in p.entities if e.kind in kinds]
    return min(values) if values else None


def fmt_date(d: date, now: datetime | None = None) -> str:
    text = f"{d:%a} {d.day} {d:%b}"
    return text if now is None or d.year == now.year else f"{text} {d.year}"


def _when(d: date | None, t: time | None, now: datetime | None) -> str:
    bits = []
    if d is not None:
        bits.append(fmt_date(d, now))
    if t is not None:
        bits.append(t.strftime("%H:%M"))
    return " ".join(bits)


def _chips(p: Parse, now: datetime | None) -> list[Text]:
    th = p.threshold
    chips: list[Text] = []
    if p.intent in ("list", "search") and p.query:
        chips.append(_chip(f"“{p.query}”", "bold", None, th))
    if p.status:
        chips.append(
            _chip(f"status {p.status.replace('_', ' ')}", KIND_STYLES["status"], _conf(p, "status"), th)
        )
    if p.repo:
        chips.append(_chip(f"@{p.repo}", KIND_STYLES["repo"], _conf(p, "repo"), th))
    if p.due_date or p.due_time:
        chips.append(
            _chip(
                f"due {_when(p.due_date, p.due_time, now)}", KIND_STYLES["due"], _conf(p, "due", "time"), th
            )
        )
    if p.due_from or p.due_to:
        start = fmt_date(p.due_from, now) if p.due_from else "…"
        end = fmt_date(p.due_to, now) if p.due_to else "…"
        label = f"due {start}" if p.due_from == p.due_to else f"due {start} – {end}"
        chips.append(_chip(label, KIND_STYLES["due"], _conf(p, "due"), th))
    if p.scheduled_date:
        label = f"starts {_when(p.scheduled_date, p.scheduled_time, now)}"
        chips.append(_chip(label, KIND_STYLES["scheduled"], _conf(p, "scheduled"), th))
    if p.wait_date:
        chips.append(_chip(f"waits until {fmt_date(p.wait_date, now)}", KIND_STYLES["wait"], _conf(p, "wait"), th))
    if p.until_date:
        chips.append(_chip(f"expires {fmt_date(p.until_date, now)}", KIND_STYLES["until"], _conf(p, "until"), th))
    if p.priority:
        label = f"p{_P_NUMBER.get(p.priority, '?')} {p.priority}"
        chips.append(_chip(label, PRIORITY_STYLES.get(p.priority, "bold"), _conf(p, "priority"), th))
    for tag in p.tags:
        chips.append(_chip(f"#{tag}", KIND_STYLES["tag"], _tag_conf(p, tag), th))
    for tag in p.remove_tags:
        chips.append(_chip(f"−#{tag}", KIND_STYLES["tag"], _tag_conf(p, tag), th))
    if p.estimate_minutes:
        chips.append(
            _chip(f"~{format_minutes(p.estimate_minutes)}", KIND_STYLES["estimate"], _conf(p, "estimate"), th)
        )
    if p.recurrence:
        chips.append(
            _chip(f"↻ {describe_rrule(p.recurrence)}", KIND_STYLES["recurrence"], _conf(p, "recurrence"), th)
        )
    if p.depends_on:
        verb = "no longer after" if p.unblock else "after"
        refs = ", ".join(f"#{n}" for n in p.depends_on)
        chips.append(_chip(f"{verb} {refs}", KIND_STYLES["depends_on"], _conf(p, "depends_on"), th))
    elif p.unblock:
        chips.append(_chip("unblock", KIND_STYLES["depends_on"], None, th))
    if p.blocks:
        chips.append(
            _chip(
                "blocks " + ", ".join(f"#{n}" for n in p.blocks),
                KIND_STYLES["blocks"],
                _conf(p, "blocks"),
                th,
            )
        )
    if p.new_title:
        chips.append(_chip(f"→ “{p.new_title}”", "bold", None, th))
    return chips


def _tag_conf(p: Parse, tag: str) -> float | None:
    values = [e.confidence for e in p.entities if e.kind == "tag" and e.value == tag]
    return min(values) if values else None


def _alternative(alt: dict[str, Any]) -> Text:
    out = Text("  maybe: ", style="yellow")
    text = alt.get("text")
    if text:
        out.append(f"“{text}” ", style="bold")
    out.append(str(alt.get("reading", "")))
    return out
