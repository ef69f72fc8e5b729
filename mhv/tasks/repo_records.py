"""What the repository features read and write in the store: quality-gate runs (``gate_run``), the
tasks that have a worktree, and per-repository counts for the dashboard. SQL stays in this layer;
``mhv.repos`` calls these with a :class:`TaskService`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mhv.tasks.models import Task
from mhv.tasks.rows import SELECT_TASK, task_from_row
from mhv.tasks.service import TaskService

_COLUMNS = ("id", "task_id", "repo", "name", "command", "status", "exit_code", "started_at", "finished_at",
            "duration_ms", "output_tail", "coverage", "commit_sha", "reason")  # fmt: skip


@dataclass(slots=True)
class GateRunRecord:
    task_id: str
    name: str
    command: str
    status: str  # passed | failed | overridden
    started_at: datetime
    finished_at: datetime | None = None
    exit_code: int | None = None
    duration_ms: int | None = None
    output_tail: str = ""
    coverage: float | None = None
    commit_sha: str | None = None
    reason: str = ""
    repo: str | None = None
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        out = {c: getattr(self, c) for c in _COLUMNS}
        for key in ("started_at", "finished_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def _record(row: Any) -> GateRunRecord:
    from mhv.store import Dialect

    values = {c: row[c] for c in _COLUMNS}
    values["started_at"] = Dialect.dt_out(values["started_at"])
    values["finished_at"] = Dialect.dt_out(values["finished_at"])
    return GateRunRecord(**values)


def add_gate_run(service: TaskService, run: GateRunRecord) -> GateRunRecord:
    d = service.store.dialect
    cols = [c for c in _COLUMNS if c != "id"]
    values = [getattr(run, c) for c in cols]
    values[cols.index("started_at")] = d.dt_in(run.started_at)
    values[cols.index("finished_at")] = d.dt_in(run.finished_at)
    sql = f"INSERT INTO gate_run ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    with service.store.write() as conn:
        if d.name == "postgresql":
            run.id = conn.scalar(sql + " RETURNING id", values)
        else:
            run.id = conn.execute(sql, values).lastrowid
    return run


def gate_runs(service: TaskService, task_id: str, *, limit: int = 100) -> list[GateRunRecord]:
    """The task's runs, newest first."""
    with service.store.read() as conn:
        rows = conn.all(f"SELECT {', '.join(_COLUMNS)} FROM gate_run WHERE task_id = ? ORDER BY id DESC LIMIT ?",
                        (task_id, limit))  # fmt: skip
    return [_record(r) for r in rows]


def last_gate_run_by_repo(service: TaskService) -> dict[str, GateRunRecord]:
    """The newest run of each repository (the dashboard's "last gate result")."""
    with service.store.read() as conn:
        rows = conn.all(f"SELECT {', '.join(_COLUMNS)} FROM gate_run WHERE id IN "
                        "(SELECT MAX(id) FROM gate_run WHERE repo IS NOT NULL GROUP BY repo)")  # fmt: skip
    return {r["repo"]: _record(r) for r in rows}


def tasks_with_worktrees(service: TaskService, *, repo: str | None = None) -> list[Task]:
    sql, params = SELECT_TASK + " WHERE worktree_path IS NOT NULL", []
    if repo is not None:
        sql += " AND repo = ?"
        params.append(repo)
    with service.store.read() as conn:
        return [task_from_row(r) for r in conn.all(sql + " ORDER BY number", params)]


def repo_counts(service: TaskService, now: datetime) -> dict[str, dict[str, int]]:
    """Per repository: open, in_progress, blocked and overdue (open and due before ``now``) tasks."""
    d = service.store.dialect
    with service.store.read() as conn:
        rows = conn.all(
            "SELECT repo, "
            "SUM(CASE WHEN status IN ('pending', 'in_progress', 'blocked') THEN 1 ELSE 0 END) AS open, "
            "SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress, "
            "SUM(CASE WHEN status = 'blocked' THEN 1 ELSE 0 END) AS blocked, "
            "SUM(CASE WHEN status IN ('pending', 'in_progress', 'blocked') AND due IS NOT NULL AND due < ? "
            "THEN 1 ELSE 0 END) AS overdue "
            "FROM task WHERE repo IS NOT NULL GROUP BY repo",
            (d.dt_in(now),),
        )
    keys = ("open", "in_progress", "blocked", "overdue")
    return {r["repo"]: {k: int(r[k] or 0) for k in keys} for r in rows}


def cross_repo_blockers(service: TaskService) -> list[tuple[Task, Task]]:
    """(waiting task, its unfinished blocker) pairs whose repositories differ."""
    cols = SELECT_TASK.removeprefix("SELECT ").removesuffix(" FROM task")
    other = ", ".join(f"b.{c.strip().removeprefix('task.')} AS b_{c.strip().removeprefix('task.')}"
                      for c in cols.split(","))  # distinct names: PostgreSQL rows are dicts
    with service.store.read() as conn:
        rows = conn.all(
            f"SELECT {cols}, {other} FROM dependency d JOIN task ON task.id = d.task_id "
            "JOIN task b ON b.id = d.depends_on_id WHERE d.kind = 'blocks' "
            "AND task.status IN ('pending', 'in_progress', 'blocked') AND b.status NOT IN ('completed', 'cancelled') "
            "AND task.repo IS NOT NULL AND b.repo IS NOT NULL AND task.repo <> b.repo ORDER BY task.repo, task.number"
        )
    n = cols.count(",") + 1
    out = []
    for r in rows:
        values = tuple(r) if not isinstance(r, dict) else tuple(r.values())
        out.append((task_from_row(values[:n]), task_from_row(values[n:])))
    return out
