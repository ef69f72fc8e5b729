"""The detail pane: every field of one task, its dependencies as jump links, its history; inline edit.

The description's Markdown and the edit form (a TextArea, a Select, buttons: ~45 widgets and ~35 ms
of imports with markdown-it and Pygments) are mounted by :meth:`TaskDetail.build`, which the
workspace awaits once its first rows are drawn (docs/tui.md, "Launch"), and before any edit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Label, Static

from mhv.nlp import parse
from mhv.nlp.entities import format_minutes, parse_duration
from mhv.nlp.recurrence import describe_rrule
from mhv.tasks.models import PRIORITIES, Event, Task

if TYPE_CHECKING:
    from textual.widgets import Button

Links = dict[str, list[tuple[Task, str]]]


def _when(value: datetime | None, tz: tzinfo | None, all_day: bool = False) -> str:
    if value is None:
        return "—"
    local = value.astimezone(tz) if tz else value
    return local.strftime("%a %Y-%m-%d") if all_day else local.strftime("%a %Y-%m-%d %H:%M")


def _minutes_text(minutes: int | None) -> str:
    return format_minutes(minutes) if minutes else ""


def _rrule_from(text: str) -> str:
    """ "every other friday" (the quick-add language) or an RRULE as it is."""
    if text.upper().startswith(("FREQ=", "RRULE:")):
        return text.upper().removeprefix("RRULE:")
    # A placeholder title in front, so the words are read as a quick-add line's recurrence piece.
    return parse("x " + text, now=datetime.now().astimezone()).recurrence or text


def _short_when(value: datetime, tz: tzinfo | None) -> str:
    local = value.astimezone(tz) if tz else value
    return local.strftime("%b %d %H:%M")


def _link(task: Task) -> str:
    return f"[@click=app.jump({task.number})]#{task.number}[/] {escape(task.title)} [dim]({task.status})[/]"


def _state_link(task: Task) -> str:
    """A linked task with its state at a glance: ✓ finished, ⊘ itself blocked, ● open."""
    if task.status in ("completed", "cancelled"):
        mark = "[$success]✓[/]"
    elif task.status == "blocked":
        mark = "[$status-blocked]⊘[/]"
    else:
        mark = "[$warning]●[/]"
    where = f" [dim]@{escape(task.repo)}[/]" if task.repo else ""
    return f"{mark} {_link(task)}{where}"


def describe_event(event: Event) -> str:
    before, after = event.before or {}, event.after or {}
    if event.kind == "task.updated":
        changed = [k for k in after if k != "updated_at" and before.get(k) != after.get(k)]
        return "updated " + ", ".join(changed[:4]) if changed else "updated"
    return event.kind.removeprefix("task.").replace("_", " ")


class TaskDetail(Vertical, can_focus=False):
    HELP = """\
## Detail

Every field of the selected task, what it waits for (**blocked by**) and what waits for it
(**blocks**) — click a number to jump to it — and its history from the event log.

- **e** edits every field inline, **t** edits the tags; **ctrl+s** saves, **escape** cancels.
- The description is markdown, edited in a text area.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="detail.save"),
        Binding("escape", "cancel", "Cancel", id="detail.cancel"),
    ]

    class Save(Message):
        def __init__(self, number: int, changes: dict[str, Any]) -> None:
            super().__init__()
            self.number = number
            self.changes = changes

    class Cancelled(Message):
        pass

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz
        self.shown: Task | None = None
        self._similar_for: str | None = None
        self._prediction_for: str | None = None
        self._description = ""  # shown by the Markdown once built
        self._built = False
        self._building: asyncio.Future[None] | None = None

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="detail-view", id="detail-switcher"):
            with VerticalScroll(id="detail-view"):
                yield Static("No task selected.", id="detail-fields")
                yield Static("", id="detail-links")
                yield Static("", id="detail-prediction")
                yield Static("", id="detail-similar")
                yield Static("", id="detail-history")
            yield VerticalScroll(id="detail-edit")

    @property
    def built(self) -> bool:
        return self._built

    async def build(self) -> None:
        """Mount the description (Markdown, under the fields) and the edit form; once."""
        if self._built:
            return
        if self._building is None:
            self._building = asyncio.ensure_future(self._build())
        await asyncio.shield(self._building)

    async def _build(self) -> None:
        from textual.widgets import Markdown

        text = self._description
        description = Markdown(text, id="detail-description")
        await self.query_one("#detail-view").mount(description, after="#detail-fields")
        await self.query_one("#detail-edit").mount_all(self._form())
        self._built = True
        if self._description != text:  # another task shown while it was mounting
            description.update(self._description)

    @staticmethod
    def _form() -> list[Widget]:
        from textual.widgets import Button, Select, TextArea

        def field(label: str, widget: Widget) -> Vertical:
            return Vertical(Label(label), widget)

        return [
            Label("Title"),
            Input(id="edit-title"),
            Horizontal(field("Priority", Select([(p, p) for p in PRIORITIES], allow_blank=False, id="edit-priority")),
                       field("Due", Input(id="edit-due", placeholder="YYYY-MM-DD HH:MM")), classes="edit-row"),
            Horizontal(field("Repository", Input(id="edit-repo")),
                       field("Tags", Input(id="edit-tags", placeholder="ci perf")), classes="edit-row"),
            Horizontal(field("Scheduled", Input(id="edit-scheduled", placeholder="YYYY-MM-DD")),
                       field("Estimate", Input(id="edit-estimate", placeholder="2h, 90m")), classes="edit-row"),
            Horizontal(field("Repeats", Input(id="edit-recurrence", placeholder="every monday")),
                       field("Assignee", Input(id="edit-assignee", placeholder="name")), classes="edit-row"),
            Label("Description (markdown)"),
            TextArea(id="edit-description", language=None, soft_wrap=True),
            Horizontal(Button("Save (ctrl+s)", id="edit-save", variant="primary"),
                       Button("Cancel (esc)", id="edit-cancel"), classes="edit-buttons"),
        ]  # fmt: skip

    def _show_description(self, text: str) -> None:
        self._description = text
        if self._built:
            from textual.widgets import Markdown

            self.query_one("#detail-description", Markdown).update(text)

    @property
    def editing(self) -> bool:
        return self.query_one(ContentSwitcher).current == "detail-edit"

    def show_task(self, task: Task | None, links: Links | None = None, history: list[Event] | None = None,
                  graph_facts: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.shown = task
        fields = self.query_one("#detail-fields", Static)
        links_view = self.query_one("#detail-links", Static)
        history_view = self.query_one("#detail-history", Static)
        similar = self.query_one("#detail-similar", Static)
        if similar.display and (task is None or self._similar_for != task.id):
            similar.display = False  # shown again by show_similar for the new task
        prediction = self.query_one("#detail-prediction", Static)
        if prediction.display and (task is None or self._prediction_for != task.id):
            prediction.display = False  # shown again by show_prediction for the new task
        if task is None:
            fields.update("[dim]No task selected. Press [b]a[/b] to add one.[/]")
            self._show_description("")
            links_view.update("")
            history_view.update("")
            return
        prio_var = f"$priority-{task.priority}"
        status_var = f"$status-{task.status.replace('_', '-')}"
        rows = [
            f"[b]#{task.number}[/b]  [b]{escape(task.title)}[/b]",
            "",
            f"[dim]status   [/] [{status_var}]{task.status.replace('_', ' ')}[/]",
            f"[dim]priority [/] [{prio_var}]{task.priority}[/]",
            f"[dim]repo     [/] {escape(task.repo or '—')}",
            f"[dim]tags     [/] {escape(' '.join('#' + t for t in task.tags) or '—')}",
            f"[dim]due      [/] {_when(task.due, self.tz, task.due_all_day)}",
            f"[dim]scheduled[/] {_when(task.scheduled, self.tz, True)}",
            *([f"[dim]waits    [/] until {_when(task.wait, self.tz, True)}"] if task.wait else []),
            f"[dim]estimate [/] {_minutes_text(task.estimate_minutes) or '—'}",
            f"[dim]repeats  [/] {escape(describe_rrule(task.recurrence)) if task.recurrence else '—'}",
            f"[dim]assignee [/] {escape(task.assignee or '—')}",
            f"[dim]source   [/] {escape(task.source)}{escape(' ' + task.source_ref) if task.source_ref else ''}",
            f"[dim]branch   [/] {escape(task.branch or '—')}",
            f"[dim]gate     [/] {task.gate_status}",
            f"[dim]created  [/] {_when(task.created_at, self.tz)}",
            f"[dim]updated  [/] {_when(task.updated_at, self.tz)}",
        ]
        if task.worktree_path:
            rows.insert(
                rows.index(f"[dim]gate     [/] {task.gate_status}"),
                f"[dim]worktree [/] {escape(task.worktree_path)}",
            )
        if task.started_at:
            rows.append(f"[dim]started  [/] {_when(task.started_at, self.tz)}")
        if task.completed_at:
            rows.append(f"[dim]finished [/] {_when(task.completed_at, self.tz)}")
        fields.update("\n".join(rows))
        self._show_description(task.description or "*No description.*")
        links = links or {}
        parts: list[str] = []
        for key, heading in (("blocked_by", "Blocked by"), ("blocks", "Blocks"), ("related", "Related")):
            items = links.get(key) or []
            if items:
                open_count = sum(1 for t, _ in items if t.status not in ("completed", "cancelled"))
                count = f" [dim]({open_count} open)[/]" if key != "related" else ""
                parts.append(f"[b]{heading}[/b]{count}")
                parts.extend("  " + _state_link(t) for t, _kind in items)
        facts = graph_facts or {}
        if facts.get("unblocks"):
            parts.append("[b]Finishing it unblocks[/b] " + ", ".join(
                f"[@click=app.jump({t.number})]#{t.number}[/]" for t in facts["unblocks"]))  # fmt: skip
        progress = facts.get("progress")
        if progress is not None and (progress.total or progress.cancelled):
            done = progress.completed
            bar = "█" * round(10 * done / progress.total) if progress.total else ""
            parts.append(
                f"[b]Subtasks[/b] {done}/{progress.total} done [$success]{bar}[/][dim]{'░' * (10 - len(bar))}[/]"
            )
        links_view.update("\n".join(parts))
        lines = ["[b]History[/b]"]
        for event in (history or [])[-12:]:
            lines.append(
                f"  [dim]{_short_when(event.at, self.tz)}[/] {escape(describe_event(event))} [dim]· {escape(event.actor)}[/]"
            )
        history_view.update("\n".join(lines) if history else "")

    def on_mount(self) -> None:
        self.query_one("#detail-similar").display = False
        self.query_one("#detail-prediction").display = False

    def show_prediction(self, task_id: str, lines: list[str]) -> None:
        """The selected task's prediction ("likely 2-5 h, from 14 similar tasks"), if ``task_id`` is
        still the one shown; lines are plain text."""
        if self.shown is None or self.shown.id != task_id:
            return
        view = self.query_one("#detail-prediction", Static)
        self._prediction_for = task_id
        view.display = bool(lines)
        view.update("\n".join(["", "[b]Prediction[/b]", *("  " + escape(line) for line in lines)]))

    def show_similar(self, task_id: str, hits: list[tuple[Task, float]]) -> None:
        """ "Similar tasks" (by meaning) under the links, if ``task_id`` is still the one shown."""
        if self.shown is None or self.shown.id != task_id:
            return
        similar = self.query_one("#detail-similar", Static)
        self._similar_for = task_id
        similar.display = bool(hits)
        lines = ["[b]Similar tasks[/b]"]
        lines.extend(f"  {_link(t)} [dim]{score:.2f}[/]" for t, score in hits)
        similar.update("\n".join(lines))

    # ------------------------------------------------------------------ editing
    def start_edit(self, focus: str = "edit-title") -> None:
        from textual.widgets import Select, TextArea

        task = self.shown
        if task is None:
            return
        self.query_one("#edit-title", Input).value = task.title
        self.query_one("#edit-priority", Select).value = task.priority
        due = ""
        if task.due is not None:
            local = task.due.astimezone(self.tz) if self.tz else task.due
            due = local.strftime("%Y-%m-%d") if task.due_all_day else local.strftime("%Y-%m-%d %H:%M")
        self.query_one("#edit-due", Input).value = due
        self.query_one("#edit-repo", Input).value = task.repo or ""
        self.query_one("#edit-tags", Input).value = " ".join(task.tags)
        scheduled = task.scheduled.astimezone(self.tz) if task.scheduled and self.tz else task.scheduled
        self.query_one("#edit-scheduled", Input).value = scheduled.strftime("%Y-%m-%d") if scheduled else ""
        self.query_one("#edit-estimate", Input).value = _minutes_text(task.estimate_minutes)
        self.query_one("#edit-recurrence", Input).value = (
            describe_rrule(task.recurrence) if task.recurrence else ""
        )
        self.query_one("#edit-assignee", Input).value = task.assignee or ""
        self.query_one("#edit-description", TextArea).text = task.description or ""
        self.query_one(ContentSwitcher).current = "detail-edit"
        self.query_one(f"#{focus}").focus()

    def collect_changes(self) -> dict[str, Any]:
        from textual.widgets import Select, TextArea

        task = self.shown
        assert task is not None
        changes: dict[str, Any] = {}
        title = self.query_one("#edit-title", Input).value.strip()
        if title != task.title:
            changes["title"] = title
        priority = self.query_one("#edit-priority", Select).value
        if isinstance(priority, str) and priority != task.priority:
            changes["priority"] = priority
        repo = self.query_one("#edit-repo", Input).value.strip().lstrip("@") or None
        if repo != task.repo:
            changes["repo"] = repo
        tags = [t.lstrip("#") for t in self.query_one("#edit-tags", Input).value.replace(",", " ").split()]
        if tags != task.tags:
            changes["tags"] = tags
        description = self.query_one("#edit-description", TextArea).text
        if description != (task.description or ""):
            changes["description"] = description
        due_text = self.query_one("#edit-due", Input).value.strip()
        changes.update(self._due_change(due_text, task))
        changes.update(self._more_changes(task))
        return changes

    def _more_changes(self, task: Task) -> dict[str, Any]:
        """Scheduled, estimate, recurrence and assignee; text the service cannot read is passed on
        as it is, so its validation error (with a hint) is what the user sees."""
        from datetime import date

        changes: dict[str, Any] = {}
        text = self.query_one("#edit-scheduled", Input).value.strip()
        old = task.scheduled.astimezone(self.tz) if task.scheduled and self.tz else task.scheduled
        if not text:
            if task.scheduled is not None:
                changes["scheduled"] = None
        elif old is None or old.strftime("%Y-%m-%d") != text:
            try:
                changes["scheduled"] = date.fromisoformat(text)
            except ValueError:
                changes["scheduled"] = text
        text = self.query_one("#edit-estimate", Input).value.strip().lstrip("~")
        if text != _minutes_text(task.estimate_minutes):
            minutes = int(text) if text.isdigit() else parse_duration(text.lower()) if text else None
            changes["estimate_minutes"] = minutes if minutes is not None or not text else text
        text = self.query_one("#edit-recurrence", Input).value.strip()
        if text != (describe_rrule(task.recurrence) if task.recurrence else ""):
            changes["recurrence"] = _rrule_from(text) if text else None
        assignee = self.query_one("#edit-assignee", Input).value.strip() or None
        if assignee != task.assignee:
            changes["assignee"] = assignee
        return changes

    def _due_change(self, text: str, task: Task) -> dict[str, Any]:
        from datetime import date

        if not text:
            return {"due": None} if task.due is not None else {}
        try:
            value: date | datetime = (
                datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=self.tz)
                if " " in text
                else date.fromisoformat(text)
            )
        except ValueError:
            return {"due": text}  # the service explains what it cannot read
        old = task.due.astimezone(self.tz) if task.due and self.tz else task.due
        if isinstance(value, datetime):
            return {} if old is not None and old.replace(second=0, microsecond=0) == value else {"due": value}
        return {} if old is not None and task.due_all_day and old.date() == value else {"due": value}

    def stop_edit(self) -> None:
        self.query_one(ContentSwitcher).current = "detail-view"

    def action_save(self) -> None:
        if self.editing and self.shown is not None:
            self.post_message(self.Save(self.shown.number, self.collect_changes()))

    def action_cancel(self) -> None:
        if self.editing:
            self.stop_edit()
            self.post_message(self.Cancelled())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "cancel"):
            return self.editing
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "edit-save":
            self.action_save()
        else:
            self.action_cancel()
