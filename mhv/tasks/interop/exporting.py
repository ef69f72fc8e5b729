"""Export formats: Taskwarrior JSON, mhv JSON (the DESIGN field names) and CSV."""

from __future__ import annotations

import csv
import io
import json

from mhv.errors import UsageError
from mhv.tasks.models import TASK_COLUMNS, TaskFilter
from mhv.tasks.service import TaskService

FORMATS = ("taskwarrior", "json", "csv")


def export_text(service: TaskService, fmt: str, *, include_finished: bool = True) -> str:
    fmt = fmt.lower()
    if fmt == "taskwarrior":
        from mhv.tasks.interop.taskwarrior import export_records

        records = export_records(service, include_finished=include_finished)
        # The layout of `task export`: an array with one task per line.
        return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
    tasks = service.list_tasks(TaskFilter(statuses=() if include_finished else None, order="number"), links=True)
    if fmt == "json":
        return json.dumps([t.to_json() for t in tasks], ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        columns = [*TASK_COLUMNS, "depends_on"]
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for t in tasks:
            row = t.to_json()
            row["tags"] = " ".join(t.tags)
            row["metadata"] = json.dumps(t.metadata, ensure_ascii=False) if t.metadata else ""
            row["depends_on"] = " ".join(str(n) for n in t.depends_on or [])
            writer.writerow(row)
        return buf.getvalue()
    raise UsageError(f"unknown export format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
