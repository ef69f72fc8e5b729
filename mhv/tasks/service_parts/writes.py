"""Task writes: create (with a Pydantic-free path for the common quick add), update, start, stop,
complete (spawning the next occurrence of a recurring task), cancel and delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from mhv.errors import ConflictError, NotFoundError, ValidationError
from mhv.tasks.models import FINISHED_STATUSES, Task
from mhv.tasks.rows import SELECT_TASK, task_from_row
from mhv.tasks.service_parts.core import _Action, _copy, _iso, new_id
from mhv.tasks.service_parts.dependencies import Dependencies


class TaskWrites(Dependencies):
    def _coerce(self, data: dict[str, Any], task: Task | None) -> dict[str, Any]:
        """Validated fields -> stored values (local dates to UTC, parent ref to id)."""
        from mhv.tasks.rules import as_aware

        out = dict(data)
        for name in ("due", "scheduled"):
            if name in out:
                value, all_day = as_aware(out[name], self.tz)
                out[name] = value
                if name == "due" and "due_all_day" not in data:
                    out["due_all_day"] = all_day
        for name in ("wait", "until"):  # a day: wait from its start, until its end
            if out.get(name) is not None:
                value = out[name]
                if not isinstance(value, datetime):
                    value = datetime.combine(value, time(0, 0) if name == "wait" else time(23, 59, 59))
                out[name] = as_aware(value, self.tz)[0]
        return out

    # ------------------------------------------------------------------ writes: tasks
    def create(self, data: dict[str, Any]) -> Task:
        fields = _simple_create(data)
        if fields is not None and ("due" in fields or "scheduled" in fields):
            fields = self._coerce(fields, None)
        if fields is None:
            from mhv.tasks.validation import validate_create

            fields = self._coerce(validate_create(data).model_dump(exclude_unset=True), None)
        depends = fields.pop("depends_on", [])
        blocks = fields.pop("blocks", [])
        parent_ref = fields.pop("parent", None)
        with self._action(f"create {fields['title']}") as act:
            task = self._new_task(act, fields, parent_ref)
            self._relink(act, task, depends_on=depends, blocks=blocks)
            if depends:
                task = task_from_row(act.conn.one(SELECT_TASK + " WHERE id = ?", (task.id,)))
        return task

    def _relink(self, act: _Action, task: Task, *, depends_on: Sequence[int | str] = (),
                blocks: Sequence[int | str] = (), drop: Sequence[int | str] | None = ()) -> None:  # fmt: skip
        """Inside one action: ``task`` waits for ``depends_on``, ``blocks`` wait for ``task``, and it
        stops waiting for ``drop`` (``None``: for every blocker). Statuses are derived afterwards."""
        conn = act.conn
        if drop is None:
            drop = [r["number"] for r in conn.all(
                "SELECT b.number FROM dependency d JOIN task b ON b.id = d.depends_on_id "
                "WHERE d.task_id = ? AND d.kind = 'blocks' ORDER BY b.number", (task.id,))]  # fmt: skip
        for ref in drop:
            blocker = self._resolve(conn, ref)
            row = conn.one("SELECT kind, created_at FROM dependency WHERE task_id = ? AND depends_on_id = ?",
                           (task.id, blocker.id))  # fmt: skip
            if row is None:
                raise NotFoundError(f"#{task.number} does not depend on #{blocker.number}",
                                    f"see its blockers with `mhv show {task.number}`")  # fmt: skip
            conn.execute(
                "DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?", (task.id, blocker.id)
            )
            act.event("dependency.removed", task.id, {"task_id": task.id, "depends_on_id": blocker.id,
                      "kind": row["kind"], "created_at": _iso(self.store.dialect.dt_out(row["created_at"]))},
                      None)  # fmt: skip
        for ref in depends_on:
            self._add_dependency(act, task, self._resolve(conn, ref), "blocks")
        dependents = [self._resolve(conn, ref) for ref in blocks]
        for other in dependents:
            self._add_dependency(act, other, task, "blocks")
        if drop or depends_on:
            self._derive_status(act, [task.id])
        if dependents:
            self._derive_status(act, [d.id for d in dependents])

    def _new_task(self, act: _Action, fields: dict[str, Any], parent_ref: Any = None, *, number: int | None = None,
                  task_id: str | None = None) -> Task:  # fmt: skip
        now = act.at
        status = fields.pop("status", None) or "pending"
        task = Task(
            id=task_id or new_id(),
            number=number or self._next_number(act.conn),
            title=fields.pop("title"),
        )
        for name, value in fields.items():
            if value is None and name in ("tags", "metadata", "description"):
                continue
            setattr(task, name, value)
        task.status = status
        if parent_ref is not None:
            task.parent_id = self._resolve(act.conn, parent_ref).id
        task.created_at = task.created_at or now
        task.updated_at = now
        if status == "in_progress" and task.started_at is None:
            task.started_at = now
        if status in FINISHED_STATUSES and task.completed_at is None:
            task.completed_at = now
        self._insert(act.conn, task)
        act.event("task.created", task.id, None, task.snapshot())
        return task

    def update(self, ref: int | str, changes: dict[str, Any], *, depends_on: Sequence[int | str] = (),
               blocks: Sequence[int | str] = (), unblock: Sequence[int | str] | None = ()) -> Task:  # fmt: skip
        """Change fields and, in the same action, dependencies: wait for ``depends_on``, make ``blocks``
        wait for this task, stop waiting for ``unblock`` (``None``: for every blocker)."""
        fields = _simple_patch(changes)
        if fields is None:
            from mhv.tasks.validation import validate_patch

            model = validate_patch(changes)
            fields = self._coerce(model.model_dump(exclude_unset=True), None)
        if "title" in fields and fields["title"] is None:
            raise ValidationError("the title cannot be cleared", "give a new title instead")
        with self._action(f"update {ref}") as act:
            task = self._resolve(act.conn, ref)
            before = _copy(task)
            parent_ref = fields.pop("parent", ...)
            if parent_ref is not ...:
                task.parent_id = None if parent_ref is None else self._resolve(act.conn, parent_ref).id
                if task.parent_id == task.id:
                    raise ValidationError("a task cannot be its own parent", "choose another parent task")
            status = fields.pop("status", None)
            for name, value in fields.items():
                if name in ("tags",) and value is None:
                    value = []
                if name == "metadata" and value is None:
                    value = {}
                if name == "description" and value is None:
                    value = ""
                setattr(task, name, value)
            if task.snapshot() != before.snapshot():
                self._save(act, before, task)
            if status is not None and status != task.status:
                self._set_status(act, task, status)
            if depends_on or blocks or unblock is None or unblock:
                self._relink(act, task, depends_on=depends_on, blocks=blocks, drop=unblock)
            return self._resolve(act.conn, task.id)

    def _set_status(self, act: _Action, task: Task, status: str) -> Task:
        before = _copy(task)
        kind = {
            "completed": "task.completed",
            "cancelled": "task.cancelled",
            "in_progress": "task.started",
        }.get(status, "task.updated")
        if status == "blocked":
            raise ValidationError(
                "blocked is derived from unfinished blockers and cannot be set",
                f"add a blocker instead: mhv block {task.number} --on N",
            )
        now = act.at
        if status == "in_progress":
            task.started_at = task.started_at or now
            task.completed_at = None
        elif status in FINISHED_STATUSES:
            task.completed_at = now
        elif status == "pending":
            task.completed_at = None
            if before.status == "in_progress":
                task.started_at = None
                kind = "task.stopped"
            elif before.status in FINISHED_STATUSES:
                kind = "task.reopened"
        task.status = status
        if status in ("pending", "in_progress") and self._has_open_blockers(act.conn, task.id):
            task.status = "blocked"
        self._save(act, before, task, kind)
        if status in FINISHED_STATUSES or before.status in FINISHED_STATUSES:
            self._derive_status(act, self._dependents(act.conn, task.id))
        return task

    def start(self, ref: int | str) -> Task:
        with self._action(f"start {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.status == "in_progress":
                raise ConflictError(
                    f"#{task.number} is already in progress", f"stop it with `mhv stop {task.number}`"
                )
            if task.status in FINISHED_STATUSES:
                raise ConflictError(
                    f"#{task.number} is {task.status}",
                    f"reopen it first: mhv tu {task.number} --status pending",
                )
            return self._set_status(act, task, "in_progress")

    def stop(self, ref: int | str) -> Task:
        with self._action(f"stop {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.started_at is None or task.status in FINISHED_STATUSES:
                raise ConflictError(
                    f"#{task.number} is not in progress", f"start it with `mhv start {task.number}`"
                )
            return self._set_status(act, task, "pending")

    def complete(self, ref: int | str) -> tuple[Task, Task | None]:
        """Complete a task; a recurring one spawns its next occurrence in the same transaction."""
        with self._action(f"complete {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.status == "completed":
                raise ConflictError(
                    f"#{task.number} is already completed",
                    f"reopen it with `mhv tu {task.number} --status pending`",
                )
            task = self._set_status(act, task, "completed")
            nxt = self._spawn_next(act, task) if task.recurrence else None
            return task, nxt

    def cancel(self, ref: int | str) -> Task:
        with self._action(f"cancel {ref}") as act:
            task = self._resolve(act.conn, ref)
            if task.status == "cancelled":
                raise ConflictError(f"#{task.number} is already cancelled", "nothing to do")
            return self._set_status(act, task, "cancelled")

    def _spawn_next(self, act: _Action, task: Task) -> Task | None:
        from mhv.tasks.recurrence import next_occurrence

        anchor = task.due or task.scheduled or act.at
        nxt_due = next_occurrence(
            task.recurrence or "", anchor, after=max(anchor, act.at) if not task.due else anchor, tz=self.tz
        )
        if nxt_due is None:
            return None
        fields: dict[str, Any] = {
            "title": task.title, "description": task.description, "priority": task.priority, "repo": task.repo,
            "tags": list(task.tags), "estimate_minutes": task.estimate_minutes, "recurrence": task.recurrence,
            "assignee": task.assignee, "parent_id": task.parent_id, "due_all_day": task.due_all_day,
            "metadata": {k: v for k, v in task.metadata.items() if k != "taskwarrior"} | {"recurs_from": task.id},
        }  # fmt: skip
        if task.due:
            fields["due"] = nxt_due
        if task.scheduled:
            fields["scheduled"] = task.scheduled + (nxt_due - anchor)
        elif not task.due:
            fields["due"] = nxt_due
        return self._new_task(act, fields)

    def delete(self, ref: int | str) -> Task:
        """Remove a task for good (undo brings it back). Its dependents inherit its blockers."""
        with self._action(f"delete {ref}") as act:
            task = self._resolve(act.conn, ref)
            conn = act.conn
            deps = conn.all(
                "SELECT task_id, depends_on_id, kind, created_at FROM dependency WHERE task_id = ? OR depends_on_id = ?",
                (task.id, task.id),
            )
            ups = [r["depends_on_id"] for r in deps if r["task_id"] == task.id and r["kind"] == "blocks"]
            downs = [r["task_id"] for r in deps if r["depends_on_id"] == task.id and r["kind"] == "blocks"]
            for r in deps:
                row = {k: r[k] for k in ("task_id", "depends_on_id", "kind")} | {
                    "created_at": _iso(self.store.dialect.dt_out(r["created_at"]))
                }
                conn.execute("DELETE FROM dependency WHERE task_id = ? AND depends_on_id = ?",
                             (r["task_id"], r["depends_on_id"]))  # fmt: skip
                act.event("dependency.removed", r["task_id"], row, None)
            for child in conn.all(SELECT_TASK + " WHERE parent_id = ?", (task.id,)):
                kid = task_from_row(child)
                before = _copy(kid)
                kid.parent_id = task.parent_id
                self._save(act, before, kid)
            conn.execute("DELETE FROM task WHERE id = ?", (task.id,))
            act.event("task.deleted", task.id, task.snapshot(), None)
            # Repair the chain as Taskwarrior does: A -> deleted -> C becomes A -> C.
            for down in downs:
                dependent = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (down,)))
                for up in ups:
                    blocker = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (up,)))
                    if dependent.id != blocker.id and self._cycle_for(conn, dependent.id, blocker.id) is None:
                        self._add_dependency(act, dependent, blocker, "blocks")
            self._derive_status(act, downs)
            return task


_SIMPLE_FIELDS = frozenset({"title", "tags", "repo", "priority", "description", "depends_on", "blocks", "due",
                           "scheduled", "estimate_minutes", "recurrence"})  # fmt: skip


def _simple_create(data: dict[str, Any]) -> dict[str, Any] | None:
    """The common create (title, tags, repo, priority, notes, blockers) checked by the same rules as the
    Pydantic model, without importing Pydantic; None sends anything else, or any problem, to Pydantic
    (which then reports it in full)."""
    from mhv.tasks.rules import PRIORITIES, clean_repo, clean_rrule, clean_tags, clean_title, priority_word

    if not data.keys() <= _SIMPLE_FIELDS or not isinstance(data.get("title"), str):
        return None
    try:
        out: dict[str, Any] = {"title": clean_title(data["title"])}
        if "tags" in data:
            out["tags"] = clean_tags(data["tags"])
        if "repo" in data:
            if data["repo"] is not None and not isinstance(data["repo"], str):
                return None
            out["repo"] = clean_repo(data["repo"])
        if "priority" in data:
            out["priority"] = priority_word(data["priority"])
            if out["priority"] not in PRIORITIES:
                return None
        if "description" in data:
            if not isinstance(data["description"], str):
                return None
            out["description"] = data["description"].strip()
        for name in ("depends_on", "blocks"):
            if name in data:
                deps = data[name]
                if not isinstance(deps, list) or not all(isinstance(d, int | str) for d in deps):
                    return None
                out[name] = list(deps)
        for name in ("due", "scheduled"):  # already read (by the quick-add parser): date or datetime
            if name in data:
                if not isinstance(data[name], date | datetime | None):
                    return None
                out[name] = data[name]
        if "recurrence" in data:
            if not isinstance(data["recurrence"], str | None):
                return None
            out["recurrence"] = clean_rrule(data["recurrence"])
        if "estimate_minutes" in data:
            minutes = data["estimate_minutes"]
            if type(minutes) is not int or not 0 <= minutes <= 100_000:
                return None
            out["estimate_minutes"] = minutes
    except ValueError:
        return None
    return out


_GATE_STATUSES = frozenset({"unknown", "passed", "failed", "overridden"})


def _simple_patch(changes: dict[str, Any]) -> dict[str, Any] | None:
    """The repository features' own updates (a worktree's path and branch, its metadata, the gate
    status) checked by the same rules as the Pydantic model, without importing it (`mhv start N
    --worktree` stays one short process); None sends anything else, or any problem, to Pydantic."""
    if not changes or not changes.keys() <= {"worktree_path", "branch", "gate_status", "metadata"}:
        return None
    for name in ("worktree_path", "branch"):
        value = changes.get(name)
        if value is not None and (not isinstance(value, str) or value != value.strip()):
            return None  # the model strips whitespace
    if len(changes.get("branch") or "") > 300:
        return None
    if "gate_status" in changes and changes["gate_status"] not in _GATE_STATUSES:
        return None
    meta = changes.get("metadata")
    if meta is not None and (type(meta) is not dict or not all(isinstance(k, str) for k in meta)):
        return None
    return dict(changes)
