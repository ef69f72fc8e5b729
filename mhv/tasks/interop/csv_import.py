"""CSV import: the columns `mhv export --format csv` writes (so an export imports back unchanged),
or any subset with at least ``title``. Rows with an ``id`` update that task; ``depends_on`` holds
task numbers of rows in the same file (or of tasks already stored)."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import datetime
from typing import Any

from mhv.errors import ImportFormatError
from mhv.tasks.interop.importing import Progress, check_fields, write_mapped
from mhv.tasks.models import DATETIME_FIELDS, GATE_STATUSES, PRIORITIES, STATUSES, TASK_COLUMNS, ImportSummary
from mhv.tasks.service import TaskService

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TEXT_FIELDS = ("description", "repo", "recurrence", "parent_id", "assignee", "source", "source_ref", "source_url",
               "worktree_path", "branch")  # fmt: skip


def _row_fields(row: dict[str, str], tz: Any) -> dict[str, Any]:
    title = (row.get("title") or "").strip()
    if not title:
        raise ValueError("empty title")
    fields: dict[str, Any] = {"title": title, "source": "csv"}
    status = (row.get("status") or "pending").strip() or "pending"
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r} (use {', '.join(STATUSES)})")
    fields["status"] = status
    priority = (row.get("priority") or "medium").strip() or "medium"
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r} (use {', '.join(PRIORITIES)})")
    fields["priority"] = priority
    fields["tags"] = (row.get("tags") or "").split()
    for name in TEXT_FIELDS:
        value = (row.get(name) or "").strip()
        if value:
            fields[name] = value
    if fields.get("description") is None:
        fields["description"] = ""
    gate = (row.get("gate_status") or "").strip()
    if gate:
        if gate not in GATE_STATUSES:
            raise ValueError(f"unknown gate_status {gate!r}")
        fields["gate_status"] = gate
    for name in DATETIME_FIELDS:
        value = (row.get(name) or "").strip()
        if value:
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{name} {value!r} is not an ISO date") from None
            fields[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    if (row.get("due_all_day") or "").strip():
        fields["due_all_day"] = row["due_all_day"].strip().lower() in ("true", "1", "yes")
    estimate = (row.get("estimate_minutes") or "").strip()
    if estimate:
        if not estimate.isdigit():
            raise ValueError(f"estimate_minutes {estimate!r} is not a whole number")
        fields["estimate_minutes"] = int(estimate)
    metadata = (row.get("metadata") or "").strip()
    try:
        fields["metadata"] = json.loads(metadata) if metadata else {}
    except json.JSONDecodeError:
        raise ValueError("metadata is not JSON") from None
    check_fields(fields)
    return fields


def import_csv(service: TaskService, text: str, *, source: str = "input",
               progress: Progress | None = None) -> ImportSummary:  # fmt: skip
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    if "title" not in header:
        raise ImportFormatError(
            f"{source}: the first line has no 'title' column (found: {', '.join(header) or 'nothing'})",
            f"start the file with a header line such as: {','.join(TASK_COLUMNS[:8])}; nothing was imported",
        )
    rows = list(reader)
    summary = ImportSummary()
    mapped: dict[str, tuple[str, dict[str, Any], list[str]]] = {}
    by_number: dict[str, str] = {}
    pending_deps: dict[str, list[str]] = {}
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        what = f"line {n}" + (f" ({row.get('title', '')[:40]!r})" if row.get("title") else "")
        try:
            fields = _row_fields(row, service.tz)
        except ValueError as exc:
            summary.skipped.append((what, str(exc)))
            continue
        uid = (row.get("id") or "").strip().lower()
        if uid and not _UUID.match(uid):
            summary.skipped.append((what, f"id {uid!r} is not a uuid"))
            continue
        uid = uid or str(uuid.uuid4())
        if (row.get("number") or "").strip().isdigit():
            by_number[row["number"].strip()] = uid
        pending_deps[uid] = (row.get("depends_on") or "").replace(",", " ").split()
        mapped[uid] = (uid, fields, [])
        if progress is not None and n % 200 == 0:
            progress(n - 1, len(rows))
    for uid, numbers in pending_deps.items():
        deps: list[str] = []
        for number in numbers:
            number = number.lstrip("#")
            if number in by_number:
                deps.append(by_number[number])
            elif number.isdigit():
                try:
                    deps.append(service.get(int(number)).id)
                except Exception:
                    summary.warnings.append(f"task {mapped[uid][1]['title']!r} depends on #{number}, which is not here; skipped")
        mapped[uid] = (uid, mapped[uid][1], deps)
    return write_mapped(service, f"import {len(mapped)} tasks from CSV", list(mapped.values()), summary, progress)
