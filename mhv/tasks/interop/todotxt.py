"""todo.txt import (http://todotxt.org format): one task per line.

``x 2026-11-20 2026-11-01 (A) Call Mom +family @phone due:2026-12-05 t:2026-12-01``
- ``x`` and the completion date: completed; the next date is when it was created
- ``(A)`` critical, ``(B)`` high, ``(C)`` medium, ``(D)``-``(Z)`` low; ``pri:A`` on completed lines
- ``+project`` is the repository (the first one; others become tags), ``@context`` a tag
- ``due:`` due date, ``t:`` scheduled (threshold), ``rec:`` recurrence; other ``key:value`` pairs are
  kept in ``metadata["todotxt"]``
The same line imported twice updates the same task (its id derives from the created date and text).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from mhv.tasks.interop.importing import Progress, check_fields, stable_id, write_mapped
from mhv.tasks.models import ImportSummary
from mhv.tasks.service import TaskService

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PRI = re.compile(r"^\(([A-Z])\)$")
_KV = re.compile(r"^([A-Za-z][\w-]*):(\S+)$")
PRIORITY = {"A": "critical", "B": "high", "C": "medium"}


def _day(text: str, tz: Any) -> datetime:
    return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=tz)


def parse_line(line: str, tz: Any) -> tuple[str, dict[str, Any]]:
    """One todo.txt line -> (stable uuid, task fields). ValueError says what is wrong."""
    words = line.split()
    fields: dict[str, Any] = {"source": "todotxt", "status": "pending", "priority": "medium"}
    completed_on = created_on = None
    if words and words[0] == "x":
        fields["status"] = "completed"
        words = words[1:]
        if words and _DATE.match(words[0]):
            completed_on = words.pop(0)
    if words and (m := _PRI.match(words[0])):  # no (X) at all: the mhv default, medium
        fields["priority"] = PRIORITY.get(m.group(1), "low")
        words = words[1:]
    if words and _DATE.match(words[0]):
        created_on = words.pop(0)
    if words and (m := _PRI.match(words[0])):  # some tools write the priority after the dates
        fields["priority"] = PRIORITY.get(m.group(1), "low")
        words = words[1:]
    title: list[str] = []
    tags: list[str] = []
    extra: dict[str, str] = {}
    repo = None
    for word in words:
        if word.startswith("+") and len(word) > 1:
            if repo is None:
                repo = word[1:]
            else:
                tags.append(word[1:])
        elif word.startswith("@") and len(word) > 1:
            tags.append(word[1:])
        elif (m := _KV.match(word)) and not word.startswith(("http:", "https:")):
            extra[m.group(1).lower()] = m.group(2)
        else:
            title.append(word)
    if not title:
        raise ValueError("no task text")
    if "pri" in extra and extra["pri"].upper() in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        fields["priority"] = PRIORITY.get(extra.pop("pri").upper(), "low")
    fields["title"] = " ".join(title)
    fields["tags"] = tags
    if repo:
        fields["repo"] = repo
    try:
        if created_on:
            fields["created_at"] = _day(created_on, tz)
        if completed_on:
            fields["completed_at"] = _day(completed_on, tz)
        if "due" in extra:
            fields["due"] = _day(extra.pop("due"), tz)
            fields["due_all_day"] = True
        if "t" in extra:
            fields["scheduled"] = _day(extra.pop("t"), tz)
    except ValueError as exc:
        raise ValueError(f"bad date ({exc})") from None
    if "rec" in extra:
        from mhv.tasks.interop.taskwarrior import recur_to_rrule

        rule = recur_to_rrule(extra["rec"].lstrip("+"))
        if rule:
            fields["recurrence"] = rule
            extra.pop("rec")
    if extra:
        fields["metadata"] = {"todotxt": extra}
    check_fields(fields)
    uid = stable_id("todotxt", created_on or "", fields["title"], repo or "")
    fields["source_ref"] = f"todotxt:{uid[:8]}"
    return uid, fields


def import_todotxt(service: TaskService, text: str, *, progress: Progress | None = None) -> ImportSummary:
    summary = ImportSummary()
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    mapped: dict[str, tuple[str, dict[str, Any], list[str]]] = {}
    for i, (n, line) in enumerate(lines, start=1):
        try:
            uid, fields = parse_line(line, service.tz)
        except ValueError as exc:
            summary.skipped.append((f"line {n} ({line[:40]!r})", str(exc)))
            continue
        if uid in mapped:
            summary.warnings.append(f"line {n} repeats an earlier line; the later one wins")
        mapped[uid] = (uid, fields, [])
        if progress is not None and i % 200 == 0:
            progress(i, len(lines))
    return write_mapped(service, f"import {len(mapped)} tasks from todo.txt", list(mapped.values()), summary, progress)
