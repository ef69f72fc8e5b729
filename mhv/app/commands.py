"""Commands as objects: one definition gives a key, footer text, palette entry, help and enablement.

The app builds its ``BINDINGS`` from ``COMMANDS`` (every binding has the command's id, so the user
keymap can rebind it), the palette lists the same commands under "area: verb" names, the help screen
shows their help, and ``MhvApp.check_action`` asks ``Command.available`` whether one applies now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mhv.tasks.models import OPEN_STATUSES, Task

Availability = Callable[[Task | None], bool]


def _any(task: Task | None) -> bool:
    return True


def _has_task(task: Task | None) -> bool:
    return task is not None


def _open_task(task: Task | None) -> bool:
    return task is not None and task.status in OPEN_STATUSES


def _has_repo(task: Task | None) -> bool:
    return task is not None and task.repo is not None


def _has_worktree(task: Task | None) -> bool:
    return task is not None and task.worktree_path is not None


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # binding id and keymap name, e.g. "task.complete"
    action: str  # the App action it runs
    key: str  # default keys, comma separated
    footer: str  # short text for the footer
    palette: str  # "area: verb"
    help: str  # one line for the palette and the help screen
    available: Availability = _any
    show: bool = True  # in the footer

    @property
    def display_key(self) -> str:
        first = self.key.split(",")[0]
        return {"question_mark": "?", "slash": "/", "enter": "⏎"}.get(first, first)


COMMANDS: tuple[Command, ...] = (
    Command("task.add", "quick_add", "a", "Add", "task: add", "Add a task with the quick-add line"),
    Command("task.open", "open_detail", "enter,tab", "Detail", "task: open", "Open the selected task in the detail pane", _has_task, show=False),
    Command("view.filter", "filter", "slash", "Filter", "view: filter", "Filter the list as you type"),
    Command("view.sort", "cycle_sort", "o", "Sort", "view: sort", "Cycle the sort order: view order, due, priority, number, newest, recently changed, title", show=False),
    Command("task.start", "toggle_start", "s", "Start", "task: start / stop", "Start the selected task, or stop it when in progress", _open_task),
    Command("task.complete", "complete", "d", "Done", "task: complete", "Mark the selected task completed", _open_task),
    Command("task.edit", "edit", "e", "Edit", "task: edit", "Edit every field of the selected task in the detail pane", _has_task),
    Command("task.priority", "cycle_priority", "p", "Priority", "task: cycle priority", "Cycle the priority: critical, high, medium, low", _has_task, show=False),
    Command("task.tags", "edit_tags", "t", "Tags", "task: tags", "Edit the tags of the selected task", _has_task, show=False),
    Command("task.delete", "delete", "D", "Delete", "task: delete", "Delete the selected task (asks first)", _has_task, show=False),
    Command("view.graph", "show_graph", "v", "Graph", "view: graph", "Dependency graph of the selected task: what it waits for and what waits for it, across repositories", _has_task, show=False),
    Command("view.graph_all", "show_all_graph", "ctrl+g", "All graph", "view: graph of every open task", "Dependency graph of every open task that waits for or blocks another", show=False),
    Command("view.graph_repo", "show_repo_graph", "V", "Repo graph", "view: graph of the repository", "Dependency graph of every task in the selected task's repository", _has_repo, show=False),
    Command("view.repos", "show_repos", "R", "Repos", "view: repositories", "Every repository at a glance: counts, worktrees, last gate, cross-repository blockers", show=False),
    Command("task.worktree", "open_worktree", "W", "Worktree", "task: open worktree", "Open $EDITOR (or a shell) in the task's worktree, suspending mhv", _has_worktree, show=False),
    Command("view.insights", "show_insights", "I", "Insights", "view: insights", "What your history says: finished per week, cycle times, estimate accuracy, patterns, forecast", show=False),
    Command("edit.undo", "undo", "u", "Undo", "edit: undo", "Undo the last change (yours or another terminal's)"),
    Command("edit.redo", "redo", "ctrl+r", "Redo", "edit: redo", "Redo the last undone change", show=False),
    Command("app.help", "help", "question_mark,f1", "Help", "help: keys", "Help for the focused pane with the live key table"),
    Command("app.quit", "quit", "q", "Quit", "app: quit", "Quit mhv"),
)
COMMANDS_BY_ACTION = {c.action: c for c in COMMANDS}
COMMANDS_BY_ID = {c.id: c for c in COMMANDS}
