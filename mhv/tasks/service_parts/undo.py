"""Undo and redo: replay the ``before`` (undo) or ``after`` (redo) snapshots of one action's events
as a new action of its own; a new action clears the redo stack."""

from __future__ import annotations

from mhv.errors import NothingToUndoError
from mhv.tasks.models import ActionResult, Task
from mhv.tasks.rows import SELECT_TASK, event_from_row, snapshot_params, task_from_row
from mhv.tasks.service_parts.core import INSERT_TASK, UPDATE_TASK, ServiceCore, _Action


class UndoRedo(ServiceCore):
    def undo(self) -> ActionResult:
        with self._writing() as conn:
            row = conn.one(
                "SELECT id, label FROM txn WHERE kind IN ('action', 'redo') AND undone = ? ORDER BY seq DESC LIMIT 1",
                (False,),
            )
            if row is None:
                raise NothingToUndoError("nothing to undo", "every recorded action has been undone already")
            act = _Action(conn, self, f"undo {row['label']}", "undo", row["id"])
            tasks = self._replay(act, row["id"], backwards=True)
            conn.execute("UPDATE txn SET undone = ? WHERE id = ?", (True, row["id"]))
            act.finish()
            return ActionResult(label=row["label"], txn=row["id"], tasks=tasks)

    def redo(self) -> ActionResult:
        with self._writing() as conn:
            last_action = conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM txn WHERE kind = 'action'")
            row = conn.one(
                "SELECT u.target AS target, t.label AS label FROM txn u JOIN txn t ON t.id = u.target "
                "WHERE u.kind = 'undo' AND u.seq > ? AND t.undone = ? ORDER BY u.seq DESC LIMIT 1",
                (last_action, True),
            )
            if row is None:
                raise NothingToUndoError(
                    "nothing to redo", "redo works right after an undo, before any new change"
                )
            act = _Action(conn, self, f"redo {row['label']}", "redo", row["target"])
            tasks = self._replay(act, row["target"], backwards=False)
            conn.execute("UPDATE txn SET undone = ? WHERE id = ?", (False, row["target"]))
            act.finish()
            return ActionResult(label=row["label"], txn=row["target"], tasks=tasks)

    def _replay(self, act: _Action, txn: str, *, backwards: bool) -> list[Task]:
        conn, d = act.conn, self.store.dialect
        events = [
            event_from_row(r) for r in conn.all("SELECT * FROM event WHERE txn = ? ORDER BY seq", (txn,))
        ]
        if backwards:
            events.reverse()
        touched: dict[str, None] = {}
        for ev in events:
            target = ev.before if backwards else ev.after
            entity = ev.kind.split(".")[0]
            if entity == "task":
                task_id = ev.task_id or (target or {}).get("id")
                current = conn.one(SELECT_TASK + " WHERE id = ?", (task_id,))
                cur_snap = task_from_row(current).snapshot() if current else None
                if target is None:
                    if current is not None:
                        conn.execute("DELETE FROM task WHERE id = ?", (task_id,))
                        act.event("task.deleted", task_id, cur_snap, None)
                elif current is None:
                    conn.execute(INSERT_TASK, snapshot_params(target, d))
                    act.event("task.created", task_id, None, target)
                    touched[str(task_id)] = None
                else:
                    conn.execute(UPDATE_TASK, [*snapshot_params(target, d)[1:], task_id])
                    act.event("task.updated", task_id, cur_snap, target)
                    touched[str(task_id)] = None
            elif entity == "dependency":
                snap = target or (ev.after if backwards else ev.before) or {}
                key = (snap["task_id"], snap["depends_on_id"])
                exists = conn.one("SELECT 1 FROM dependency WHERE task_id = ? AND depends_on_id = ?", key)
                if target is None and exists is not None:
                    conn.execute("DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?", key)
                    act.event("dependency.removed", key[0], snap, None)
                elif target is not None and exists is None:
                    conn.execute(
                        "INSERT INTO dependency (task_id, depends_on_id, kind, created_at) VALUES (?, ?, ?, ?)",
                        (*key, target["kind"], d.dt_in(d.dt_out(target["created_at"]))),
                    )
                    act.event("dependency.added", key[0], None, target)
            elif entity == "repo":
                name = (target or ev.before or ev.after or {})["name"]
                conn.execute("DELETE FROM repo WHERE name = ?", (name,))
                if target is not None:
                    self._insert_repo(conn, target)
                act.event(
                    f"repo.{'added' if target else 'removed'}", None, None if target else ev.after, target
                )
        rows = [conn.one(SELECT_TASK + " WHERE id = ?", (i,)) for i in touched]
        return [task_from_row(r) for r in rows if r is not None]
