"""Taskwarrior interop: read `task export` JSON, upsert by uuid, and write JSON Taskwarrior imports back.

Nothing is lost in a round trip: fields mhv has no column for (mask, parent, UDAs...) and
Taskwarrior statuses mhv folds into its own (recurring templates, waiting) are kept under
``metadata["taskwarrior"]`` and written back on export.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from mhv.errors import ImportFormatError
from mhv.tasks.models import ImportSummary, Task, TaskFilter
from mhv.tasks.rows import SELECT_TASK, task_from_row, task_params
from mhv.tasks.service import TaskService
from mhv.tasks.service_parts.core import INSERT_TASK, UPDATE_TASK, _Action

TW_DATE = "%Y%m%dT%H%M%SZ"
MAPPED = {"uuid", "description", "status", "project", "tags", "priority", "entry", "modified", "due",
          "scheduled", "start", "end", "annotations", "depends", "recur", "wait", "until"}  # fmt: skip
COMPUTED = {"id", "urgency"}  # Taskwarrior recomputes these; keeping them would be wrong after edits
PRIORITY_IN = {"H": "high", "M": "medium", "L": "low"}
PRIORITY_OUT = {"critical": "H", "high": "H", "medium": "M", "low": "L"}
RECUR_IN = {
    "daily": "FREQ=DAILY", "day": "FREQ=DAILY", "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY", "week": "FREQ=WEEKLY", "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "fortnight": "FREQ=WEEKLY;INTERVAL=2", "monthly": "FREQ=MONTHLY", "month": "FREQ=MONTHLY",
    "bimonthly": "FREQ=MONTHLY;INTERVAL=2", "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "semiannual": "FREQ=MONTHLY;INTERVAL=6", "annual": "FREQ=YEARLY", "yearly": "FREQ=YEARLY",
    "biannual": "FREQ=YEARLY;INTERVAL=2", "biyearly": "FREQ=YEARLY;INTERVAL=2",
}  # fmt: skip
RECUR_OUT = {v: k for k, v in reversed(list(RECUR_IN.items()))}
_RECUR_N = re.compile(r"^(\d+)\s*(d|day|days|w|wk|wks|week|weeks|mo|mos|month|months|y|yr|yrs|year|years)$")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def tw_date(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = str(value)
    if len(text) == 16 and text[8] == "T" and text[15] == "Z" and text[:8].isdigit() and text[9:15].isdigit():
        # the common form, read without strptime (3x faster, which matters at 100,000 tasks)
        return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]),
                        int(text[13:15]), tzinfo=UTC)  # fmt: skip
    try:
        return datetime.strptime(text, TW_DATE).replace(tzinfo=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fmt_tw(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(TW_DATE) if value else None


def recur_to_rrule(text: str) -> str | None:
    key = text.strip().lower()
    if key in RECUR_IN:
        return RECUR_IN[key]
    m = _RECUR_N.match(key)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    freq = {"d": "DAILY", "w": "WEEKLY", "m": "MONTHLY", "y": "YEARLY"}[unit[0]]
    return f"FREQ={freq}" + (f";INTERVAL={n}" if n != 1 else "")


def rrule_to_recur(rule: str) -> str | None:
    if rule in RECUR_OUT:
        return RECUR_OUT[rule]
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if set(parts) - {"FREQ", "INTERVAL"}:
        return None
    unit = {"DAILY": "d", "WEEKLY": "w", "MONTHLY": "mo", "YEARLY": "y"}.get(parts.get("FREQ", ""))
    return f"{parts.get('INTERVAL', '1')}{unit}" if unit else None


def read_export(text: str, *, source: str = "input") -> list[dict[str, Any]]:
    """Parse `task export` output: a JSON array, or one JSON object per line (older versions)."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(
                f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                f"fix line {exc.lineno} (or export again with `task export > FILE`); nothing was imported",
                line=exc.lineno,
            ) from None
        records = data
    else:
        records = []
        for n, line in enumerate(stripped.splitlines(), start=1):
            line = line.strip().rstrip(",")
            if not line or line in ("[", "]"):
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ImportFormatError(
                    f"{source}: line {n} is not a JSON object ({exc.msg})",
                    f"fix or remove line {n}; nothing was imported",
                    line=n,
                ) from None
    for n, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise ImportFormatError(
                f"{source}: item {n} is {type(rec).__name__}, not a task object",
                "give the output of `task export`; nothing was imported",
            )
    return records


def _estimate(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    m = _ISO_DURATION.match(value.strip().upper())
    if not m or not any(m.groups()):
        return None
    d, h, mi = (int(x) if x else 0 for x in m.groups())
    return d * 8 * 60 + h * 60 + mi


def _map(rec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Taskwarrior record -> task fields (without id/number) and the uuids it depends on."""
    tw: dict[str, Any] = {}
    status = rec.get("status", "pending")
    description = str(rec.get("description", "")).strip()
    title = " ".join(description.split())
    if len(title) > 200:
        tw["description"] = description
        title = title[:199] + "…"
    elif title != description:
        tw["description"] = description
    fields: dict[str, Any] = {
        "title": title,
        "source": "taskwarrior",
        "source_ref": f"taskwarrior:{rec['uuid']}",
    }
    start, end = tw_date(rec.get("start")), tw_date(rec.get("end"))
    if status == "pending":
        fields["status"] = "in_progress" if start else "pending"
    elif status == "waiting":
        fields["status"] = "pending"
        tw["status"] = "waiting"
    elif status == "completed":
        fields["status"] = "completed"
    elif status == "deleted":
        fields["status"] = "cancelled"
    elif status == "recurring":
        # The template of a recurring series: mhv recurs by completing the instance, so the template
        # is kept (hidden, as cancelled) only to be written back.
        fields["status"] = "cancelled"
        tw["status"] = "recurring"
    else:
        raise ValueError(f"unknown status {status!r}")
    fields["started_at"] = start
    fields["completed_at"] = end if fields["status"] in ("completed", "cancelled") else None
    if fields["status"] in ("completed", "cancelled") and end is None:
        fields["completed_at"] = tw_date(rec.get("modified")) or tw_date(rec.get("entry"))
    if rec.get("project"):
        fields["repo"] = str(rec["project"])
    tags = rec.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t]
    fields["tags"] = [str(t).lower() for t in tags]
    if [str(t) for t in tags] != fields["tags"]:
        tw["tags"] = list(tags)
    pri = rec.get("priority")
    if pri in PRIORITY_IN:
        fields["priority"] = PRIORITY_IN[pri]
    else:
        fields["priority"] = "medium"
        tw["priority"] = pri  # None (absent) or an unknown value, written back as it was
    fields["created_at"] = tw_date(rec.get("entry"))
    fields["updated_at"] = tw_date(rec.get("modified"))
    due = tw_date(rec.get("due"))
    fields["due"] = due
    fields["scheduled"] = tw_date(rec.get("scheduled"))
    fields["wait"] = tw_date(rec.get("wait"))
    fields["until"] = tw_date(rec.get("until"))
    if rec.get("recur"):
        rule = recur_to_rrule(str(rec["recur"]))
        fields["recurrence"] = rule
        if rule is None or rrule_to_recur(rule) != rec["recur"]:
            tw["recur"] = rec["recur"]
    annotations = rec.get("annotations") or []
    extra = {k: v for k, v in rec.items() if k not in MAPPED and k not in COMPUTED}
    estimate = _estimate(extra.get("estimate"))
    if estimate is not None:
        fields["estimate_minutes"] = estimate
    if extra:
        tw["extra"] = extra
    depends = rec.get("depends") or []
    if isinstance(depends, str):
        depends = [d for d in depends.split(",") if d]
    metadata: dict[str, Any] = {"taskwarrior": tw} if tw else {}
    if annotations:
        metadata["annotations"] = [
            {"entry": a.get("entry"), "description": a.get("description", "")}
            for a in annotations
            if isinstance(a, dict)
        ]
    fields["metadata"] = metadata
    return fields, [str(d) for d in depends]


def _check(fields: dict[str, Any]) -> None:
    """The same field rules as the Pydantic model (mhv.tasks.rules), without a model per record."""
    from mhv.tasks.rules import clean_repo, clean_tags, clean_title

    clean_title(fields["title"])
    fields["tags"] = clean_tags(fields["tags"])
    if fields.get("repo") is not None:
        clean_repo(fields["repo"])
    if fields.get("recurrence"):
        from dateutil.rrule import rrulestr

        rrulestr("RRULE:" + fields["recurrence"], dtstart=datetime(2026, 1, 1))


def import_records(service: TaskService, records: list[dict[str, Any]]) -> ImportSummary:
    """Upsert every record by uuid in one transaction (one undo step); bad records are skipped."""
    summary = ImportSummary()
    mapped: list[tuple[str, dict[str, Any], list[str]]] = []
    seen: set[str] = set()
    for n, rec in enumerate(records, start=1):
        what = f"item {n}" + (f" ({str(rec.get('description'))[:40]!r})" if rec.get("description") else "")
        uid = str(rec.get("uuid", "")).lower()
        if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uid):
            summary.skipped.append((what, "missing or malformed uuid"))
            continue
        if not str(rec.get("description", "")).strip():
            summary.skipped.append((what, "empty description"))
            continue
        try:
            fields, depends = _map(rec | {"uuid": uid})
            _check(fields)
        except (ValueError, TypeError) as exc:
            summary.skipped.append((what, str(exc)))
            continue
        if uid in seen:
            summary.warnings.append(f"{what}: uuid {uid} appears twice; the later record wins")
        seen.add(uid)
        mapped.append((uid, fields, depends))

    with service.bulk(f"import {len(mapped)} tasks from Taskwarrior") as act:
        _upsert(service, act, mapped, summary)
    return summary


def _upsert(service: TaskService, act: _Action, mapped: list[tuple[str, dict[str, Any], list[str]]],
            summary: ImportSummary) -> None:  # fmt: skip
    conn, d = act.conn, service.store.dialect
    latest = {uid: (fields, deps) for uid, fields, deps in mapped}
    existing: dict[str, Task] = {}
    uids = list(latest)
    for i in range(0, len(uids), 500):
        chunk = uids[i : i + 500]
        for row in conn.all(SELECT_TASK + f" WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
            t = task_from_row(row)
            existing[t.id] = t
    new_ids = [u for u in uids if u not in existing]
    number = service._reserve_numbers(conn, len(new_ids)) if new_ids else 0
    inserts: list[list[Any]] = []
    events: list[tuple[str, str | None, Any, Any]] = []
    now = act.at
    for uid in uids:
        fields, _ = latest[uid]
        if uid in existing:
            old = existing[uid]
            task = Task(id=uid, number=old.number, title=fields["title"])
        else:
            task = Task(id=uid, number=number, title=fields["title"])
            number += 1
        for name, value in fields.items():
            setattr(task, name, value)
        task.created_at = task.created_at or now
        task.updated_at = task.updated_at or now
        if task.due is not None:
            local = task.due.astimezone(service.tz)
            task.due_all_day = (local.hour, local.minute, local.second) == (0, 0, 0)
        if uid in existing:
            old = existing[uid]
            # keep what mhv knows that Taskwarrior does not
            task.description, task.parent_id = old.description, old.parent_id
            task.estimate_minutes = task.estimate_minutes or old.estimate_minutes
            if task.snapshot() != old.snapshot():
                conn.execute(UPDATE_TASK, [*task_params(task, d)[1:], uid])
                events.append(("task.updated", uid, old.snapshot(), task.snapshot()))
                summary.updated += 1
        else:
            inserts.append(task_params(task, d))
            events.append(("task.created", uid, None, task.snapshot()))
            summary.created += 1
    if inserts:
        conn.executemany(INSERT_TASK, inserts)
    act.events_many(events)
    # dependencies, once every task exists
    touched: list[str] = []
    for uid in uids:
        for dep in latest[uid][1]:
            dep = dep.lower()
            if conn.one("SELECT 1 FROM task WHERE id = ?", (dep,)) is None:
                summary.warnings.append(f"task {uid} depends on unknown task {dep}; dependency skipped")
                continue
            task = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (uid,)))
            blocker = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (dep,)))
            try:
                if service._add_dependency(act, task, blocker, "blocks"):
                    touched.append(uid)
            except Exception as exc:  # a cycle in the imported data
                summary.warnings.append(f"dependency #{task.number} -> #{blocker.number} skipped: {exc}")
    service._derive_status(act, touched)


def export_records(service: TaskService, *, include_finished: bool = True) -> list[dict[str, Any]]:
    tasks = service.list_tasks(TaskFilter(statuses=() if include_finished else None, order="number"))
    by_id = {t.id: t for t in tasks}
    depends: dict[str, list[str]] = {}
    with service.store.read() as conn:
        for row in conn.all(
            "SELECT task_id, depends_on_id FROM dependency WHERE kind = 'blocks' ORDER BY created_at"
        ):
            if row["task_id"] in by_id:
                depends.setdefault(row["task_id"], []).append(row["depends_on_id"])
    return [to_record(t, depends.get(t.id, [])) for t in tasks]


def to_record(task: Task, depends: list[str]) -> dict[str, Any]:
    tw: dict[str, Any] = task.metadata.get("taskwarrior", {}) if isinstance(task.metadata, dict) else {}
    rec: dict[str, Any] = {"uuid": task.id}
    desc = tw.get("description")
    rec["description"] = (
        desc if desc and " ".join(desc.split())[:199] == task.title[:199].rstrip("…") else task.title
    )
    status = {"pending": "pending", "in_progress": "pending", "blocked": "pending",
              "completed": "completed", "cancelled": "deleted"}[task.status]  # fmt: skip
    if tw.get("status") == "recurring" and task.status == "cancelled":
        status = "recurring"
    elif tw.get("status") == "waiting" and status == "pending":
        status = "waiting"
    rec["status"] = status
    rec["entry"] = fmt_tw(task.created_at)
    rec["modified"] = fmt_tw(task.updated_at)
    if task.repo:
        rec["project"] = task.repo
    if task.tags:
        original = tw.get("tags")
        rec["tags"] = (
            original if original and [str(t).lower() for t in original] == task.tags else list(task.tags)
        )
    if "priority" in tw and task.priority == "medium":
        if tw["priority"] is not None:
            rec["priority"] = tw["priority"]
    else:
        rec["priority"] = PRIORITY_OUT[task.priority]
    for key, value in (("due", task.due), ("scheduled", task.scheduled), ("start", task.started_at),
                       ("wait", task.wait), ("until", task.until)):  # fmt: skip
        if value is not None:
            rec[key] = fmt_tw(value)
    if task.status in ("completed", "cancelled") and status != "recurring" and task.completed_at:
        rec["end"] = fmt_tw(task.completed_at)
    annotations = task.metadata.get("annotations") if isinstance(task.metadata, dict) else None
    if annotations:
        rec["annotations"] = [
            {"entry": a.get("entry"), "description": a.get("description", "")} for a in annotations
        ]
    if depends:
        rec["depends"] = depends
    if task.recurrence:
        rec["recur"] = tw.get("recur") or rrule_to_recur(task.recurrence) or task.recurrence
    elif tw.get("recur"):
        rec["recur"] = tw["recur"]
    for key, value in (tw.get("extra") or {}).items():
        rec.setdefault(key, value)
    if task.estimate_minutes and "estimate" not in rec:
        rec["estimate"] = f"PT{task.estimate_minutes // 60}H{task.estimate_minutes % 60}M".replace("H0M", "H")
    return {k: v for k, v in rec.items() if v is not None}
