"""What every importer shares: an upsert of mapped records in one transaction (one undo step), a
progress callback, and a summary of what was created, updated and skipped (with reasons)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from mhv.tasks.models import ImportSummary
from mhv.tasks.service import TaskService

# progress(done, total): called while records are read and once more when they are written.
Progress = Callable[[int, int], None]
# Stable ids for formats without one (todo.txt): the same line imported twice is the same task.
IMPORT_NAMESPACE = uuid.UUID("5d1f6c1e-6a43-4d0b-9b8e-3f1c2a7d9e10")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(IMPORT_NAMESPACE, "\x1f".join(parts)))


def check_fields(fields: dict[str, Any]) -> None:
    """The task rules (title, tags, repo, recurrence) a record must pass; ValueError says why not."""
    from mhv.tasks.interop.taskwarrior import _check

    _check(fields)


def write_mapped(service: TaskService, label: str, mapped: list[tuple[str, dict[str, Any], list[str]]],
                 summary: ImportSummary, progress: Progress | None = None) -> ImportSummary:  # fmt: skip
    """Upsert ``(uuid, fields, depends_on uuids)`` records; unchanged ones are reported as skipped."""
    from mhv.tasks.interop.taskwarrior import _upsert

    total = len(mapped)
    changed = [m for m in mapped if not _unchanged(service, m[0], m[1], m[2])]
    unchanged = total - len(changed)
    if changed:
        with service.bulk(label) as act:
            _upsert(service, act, changed, summary)
    if unchanged > 0:
        summary.skipped.append((f"{unchanged} task(s)", "already imported and unchanged"))
    if progress is not None:
        progress(total, total)
    return summary


def _unchanged(service: TaskService, uid: str, fields: dict[str, Any], depends: list[str]) -> bool:
    """True when the stored task already has every imported value (so a re-import touches nothing)."""
    from mhv.errors import NotFoundError

    try:
        old = service.get(uid, links=bool(depends))
    except NotFoundError:
        return False
    for name, value in fields.items():
        if name in ("updated_at", "status") or (name == "created_at" and value is None):
            continue
        if getattr(old, name) != value:
            return False
    status = fields.get("status")
    if status is not None and old.status != status and not (status == "pending" and old.status == "blocked"):
        return False
    if depends:
        numbers = {service.get(d).number for d in depends}
        return numbers == set(old.depends_on or [])
    return True
