"""Row <-> model conversion for the task service (the only code that knows column encodings)."""

from __future__ import annotations

from typing import Any

from mhv.store import Dialect
from mhv.tasks.filters import LINE_COLUMNS
from mhv.tasks.models import DATETIME_FIELDS, TASK_COLUMNS, Event, Repo, Task, TaskLine

SELECT_TASK = "SELECT " + ", ".join(f"task.{c}" for c in TASK_COLUMNS) + " FROM task"
_DT_OUT = Dialect.dt_out
_JSON_OUT = Dialect.json_out


def line_from_row(row: Any, tags_seen: dict[str, list[str]] | None = None) -> TaskLine:
    """A `TaskLine`; ``tags_seen``: tag lists already decoded, by their stored text (shared, read-only)."""
    number, status, created_at, priority, repo, tags, due, due_all_day, title = (
        tuple(row) if not isinstance(row, dict) else tuple(row[c] for c in LINE_COLUMNS)
    )
    if tags_seen is not None and isinstance(tags, str):
        decoded = tags_seen.get(tags)
        if decoded is None:
            decoded = tags_seen[tags] = _JSON_OUT(tags) or []
    else:
        decoded = _JSON_OUT(tags) or []
    return TaskLine(number, status, _DT_OUT(created_at), priority, repo, decoded, _DT_OUT(due),
                    bool(due_all_day), title)  # fmt: skip


def task_from_row(row: Any) -> Task:
    (id_, number, title, description, status, priority, repo, tags, due, due_all_day, scheduled,
     estimate, recurrence, parent_id, assignee, source, source_ref, source_url, worktree_path, branch,
     gate_status, created_at, updated_at, started_at, completed_at, metadata, wait, until) = (
        tuple(row) if not isinstance(row, dict) else tuple(row[c] for c in TASK_COLUMNS)
    )  # fmt: skip
    return Task(
        id=id_,
        number=number,
        title=title,
        description=description or "",
        status=status,
        priority=priority,
        repo=repo,
        tags=_JSON_OUT(tags) or [],
        due=_DT_OUT(due),
        due_all_day=bool(due_all_day),
        scheduled=_DT_OUT(scheduled),
        estimate_minutes=estimate,
        recurrence=recurrence,
        parent_id=parent_id,
        assignee=assignee,
        source=source,
        source_ref=source_ref,
        source_url=source_url,
        worktree_path=worktree_path,
        branch=branch,
        gate_status=gate_status,
        created_at=_DT_OUT(created_at),
        updated_at=_DT_OUT(updated_at),
        started_at=_DT_OUT(started_at),
        completed_at=_DT_OUT(completed_at),
        metadata=_JSON_OUT(metadata) or {},
        wait=_DT_OUT(wait),
        until=_DT_OUT(until),
    )


_JSON_DATETIMES = tuple(i for i, c in enumerate(TASK_COLUMNS) if c in DATETIME_FIELDS)
_I_DESCRIPTION, _I_TAGS, _I_ALL_DAY, _I_METADATA = (
    TASK_COLUMNS.index(c) for c in ("description", "tags", "due_all_day", "metadata")
)


def json_from_row(row: Any) -> dict[str, Any]:
    """``task_from_row(row).to_json()`` (without links), without building the `Task`."""
    values = list(row) if not isinstance(row, dict) else [row[c] for c in TASK_COLUMNS]
    values[_I_DESCRIPTION] = values[_I_DESCRIPTION] or ""
    values[_I_TAGS] = _JSON_OUT(values[_I_TAGS]) or []
    values[_I_ALL_DAY] = bool(values[_I_ALL_DAY])
    values[_I_METADATA] = _JSON_OUT(values[_I_METADATA]) or {}
    for i in _JSON_DATETIMES:
        if values[i] is not None:
            values[i] = _DT_OUT(values[i]).isoformat()  # type: ignore[union-attr]
    return dict(zip(TASK_COLUMNS, values, strict=True))


def task_params(task: Task, dialect: Dialect) -> list[Any]:
    """Values in TASK_COLUMNS order, encoded for ``dialect``."""
    out: list[Any] = []
    for name in TASK_COLUMNS:
        value = getattr(task, name)
        if name in DATETIME_FIELDS:
            value = dialect.dt_in(value)
        elif name in ("tags", "metadata"):
            value = dialect.json_in(value)
        out.append(value)
    return out


def snapshot_params(snapshot: dict[str, Any], dialect: Dialect) -> list[Any]:
    """Values in TASK_COLUMNS order from an event snapshot (JSON-safe values)."""
    out: list[Any] = []
    for name in TASK_COLUMNS:
        value = snapshot.get(name)
        if name in DATETIME_FIELDS:
            value = dialect.dt_in(_DT_OUT(value))
        elif name in ("tags", "metadata"):
            value = dialect.json_in(value if value is not None else ([] if name == "tags" else {}))
        elif name == "due_all_day":
            value = bool(value)
        out.append(value)
    return out


def repo_from_row(row: Any) -> Repo:
    return Repo(
        name=row["name"],
        path=row["path"],
        remote=row["remote"],
        default_branch=row["default_branch"],
        gates=_JSON_OUT(row["gates"]) or {},
        created_at=_DT_OUT(row["created_at"]),
    )


def event_from_row(row: Any) -> Event:
    return Event(
        seq=row["seq"],
        txn=row["txn"],
        task_id=row["task_id"],
        kind=row["kind"],
        at=_DT_OUT(row["at"]),  # type: ignore[arg-type]
        actor=row["actor"],
        before=_JSON_OUT(row["before"]),
        after=_JSON_OUT(row["after"]),
    )
