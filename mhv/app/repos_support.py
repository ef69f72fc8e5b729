"""The workspace's repository parts, as a mixin of the app: `s` makes the task's worktree (when its
repository has ``worktrees = true``), `d` runs required gates first (the gate panel on a failure, with
the override prompt), `W` opens a shell or ``$EDITOR`` in the worktree, `R` the Repositories screen.

Git and the gates run in thread workers (real processes can take minutes). While gates run, the gate
run panel shows each gate (waiting, running with its time, passed or failed) and their output as it
comes; escape hides it and the run goes on (its verdicts come to the footer). Worktree progress goes
to the footer as notifications.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, RichLog, Static

from mhv.errors import MhvError
from mhv.tasks.models import Task
from mhv.widgets.frames import PromptFrames


class GatePanel(PromptFrames, ModalScreen[str | None]):
    """A failing gate: its verdicts and output tail, and a prompt for an override reason."""

    HELP = """\
## Gates

A required quality gate failed, so the task was **not** completed. Fix it and press **d** again,
or type why you complete it anyway and press **enter** (recorded; gate status becomes *overridden*).
"""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_panel", "Keep open", id="gates.cancel")]

    def __init__(self, task: Task, results: list[Any]) -> None:
        super().__init__()
        self.task_shown = task
        self.results = results

    def compose(self) -> ComposeResult:
        lines = [f"[b]#{self.task_shown.number} {escape(self.task_shown.title)}[/b]: not completed", ""]
        for r in self.results:
            mark = "[$success]✓[/]" if r.passed else "[$error]✗[/]"
            why = f" [dim]{escape(r.reason)}[/]" if r.reason else ""
            lines.append(f"{mark} {escape(r.name)} [dim]{r.duration_ms / 1000:.2f} s[/]{why}")
        failing = next((r for r in self.results if not r.passed and r.required), None)
        with Vertical(id="gate-box"):
            yield Static("\n".join(lines), id="gate-verdicts")
            with VerticalScroll(id="gate-tail"):
                tail = "\n".join((failing.tail if failing else "").splitlines()[-15:])
                yield Static(escape(tail) or "[dim](no output)[/]", id="gate-output")
            yield Label("Complete anyway? Reason (enter overrides, escape keeps the task open):")
            yield Input(placeholder="flaky test, tracked in #51", id="gate-reason")

    def on_mount(self) -> None:
        field = self.query_one("#gate-reason", Input)
        field.cursor_blink = not self.app.is_headless
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_dismiss_panel(self) -> None:
        self.dismiss(None)


class GateRunPanel(ModalScreen[None]):
    """The required gates while they run: one row per gate and their output, live."""

    HELP = """\
## Gates running

The task's required quality gates run before it is completed, in parallel. Each row says whether a
gate waits, runs (with its time so far), passed or failed; their output follows below. **escape**
hides this panel: the gates keep running and their verdicts come to the footer.
"""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "hide", "Hide (gates go on)", id="gates.hide")]

    def __init__(self, task: Task, names: list[str], clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.task_shown = task
        self.clock = clock
        self.states: dict[str, Any] = {name: None for name in names}  # None waiting, float started, result
        self.hidden = False

    def compose(self) -> ComposeResult:
        with Vertical(id="gate-run-box"):
            yield Static(f"[b]#{self.task_shown.number} {escape(self.task_shown.title)}[/b]: running its gates",
                         id="gate-run-title")  # fmt: skip
            yield Static(self._rows(), id="gate-run-rows")
            yield RichLog(id="gate-run-log", max_lines=400, wrap=True, markup=False, auto_scroll=True)
            yield Static("[dim]escape hides this panel; the gates go on and report in the footer[/]")

    def on_mount(self) -> None:
        self.set_interval(0.2, self._tick, pause=self.app.is_headless)

    def _tick(self) -> None:
        if any(isinstance(v, float) for v in self.states.values()):
            self.query_one("#gate-run-rows", Static).update(self._rows())

    def _rows(self) -> str:
        now = self.clock()
        width = max([len(n) for n in self.states] + [5])
        lines = []
        for name, state in self.states.items():
            label = escape(name.ljust(width))
            if state is None:
                lines.append(f"[dim]·[/] {label}  [dim]waiting[/]")
            elif isinstance(state, float):
                lines.append(f"[$accent]▸[/] {label}  running {now - state:.1f} s")
            else:
                mark = "[$success]✓[/]" if state.passed else "[$error]✗[/]"
                how = "reused (same commit)" if state.reused else f"{state.duration_ms / 1000:.2f} s"
                why = f" [dim]{escape(state.reason)}[/]" if state.reason else ""
                lines.append(f"{mark} {label}  [dim]{how}[/]{why}")
        return "\n".join(lines)

    # the worker calls these through call_from_thread
    def gate_started(self, name: str) -> None:
        self.states[name] = self.clock()
        self._refresh_rows()

    def gate_line(self, name: str, line: str) -> None:
        if self.is_attached:
            self.query_one("#gate-run-log", RichLog).write(f"{name} │ {line}")

    def gate_done(self, result: Any) -> None:
        self.states[result.name] = result
        self._refresh_rows()

    def _refresh_rows(self) -> None:
        if self.is_attached:
            self.query_one("#gate-run-rows", Static).update(self._rows())

    def action_hide(self) -> None:
        self.hidden = True
        self.app.notify(f"#{self.task_shown.number}: gates still running…", timeout=3)
        self.dismiss(None)


class RepositoriesScreen(Screen[None]):
    """Every repository at a glance (mhv repo status)."""

    HELP = """\
## Repositories

Per repository: open, in-progress, blocked and overdue tasks, active worktrees with their dirty
state, the last gate result, and blockers that cross repositories. **r** refreshes, **escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="repos.close"),
        Binding("r", "refresh_status", "Refresh", id="repos.refresh"),
    ]

    class Loaded(Message):
        def __init__(self, status: Any) -> None:
            super().__init__()
            self.status = status

    def compose(self) -> ComposeResult:
        yield Static("[b]mhv[/b]  ▸ [b $accent]Repositories[/]", id="repos-title")
        with VerticalScroll(id="repos-body"):
            yield Static("[dim]reading repositories…[/]", id="repos-table")
            yield Static("", id="repos-blockers")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh_status()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh_status(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="repo-status", exit_on_error=False)
    def _load(self) -> None:
        from mhv.repos.status import repo_status

        app: Any = self.app
        self.post_message(self.Loaded(repo_status(app.service, app.settings.config)))

    def on_repositories_screen_loaded(self, message: Loaded) -> None:
        status = message.status
        width = max([len(r.name) + 1 for r in status.repos] + [12]) + 2
        rows = [f"[b]{'repository'.ljust(width)}{'open':>6}{'doing':>7}{'blocked':>9}{'overdue':>9}   "
                f"{'worktrees'.ljust(22)}last gate[/b]"]
        for r in status.repos:
            trees = " ".join(f"#{w.task}" + ("[$warning]●[/]" if w.dirty else "[$success]✓[/]") for w in r.worktrees)
            shown = " ".join(f"#{w.task}x" for w in r.worktrees)  # the visible width of ``trees``
            gate = "[dim]—[/]"
            if r.last_gate is not None:
                colour = {"passed": "$success", "failed": "$error"}.get(r.last_gate.status, "$warning")
                gate = f"[{colour}]{r.last_gate.status}[/] {escape(r.last_gate.name)}"
            blocked = f"[$status-blocked]{r.blocked:>9}[/]" if r.blocked else f"{0:>9}"
            overdue = f"[$error]{r.overdue:>9}[/]" if r.overdue else f"{0:>9}"
            rows.append(f"[b]{escape(('@' + r.name).ljust(width))}[/]{r.open:>6}{r.in_progress:>7}{blocked}{overdue}   "
                        f"{trees or '[dim]—[/]'}{' ' * (22 - (len(shown) if trees else 1))}{gate}")
        self.query_one("#repos-table", Static).update("\n".join(rows) if status.repos else "No repositories yet: mhv repo add NAME PATH")
        lines = ["[b]Waiting across repositories[/b]"] + [f"  {escape(line)}" for line in status.blocker_lines()]
        self.query_one("#repos-blockers", Static).update("\n".join(lines) if status.blockers else "")


class RepoSupport:
    """Mixed into MhvApp (which provides service, settings, notify, _write, apply_changes...)."""

    class WorktreeReady(Message):
        def __init__(self, task_number: int, created: Any, error: MhvError | None) -> None:
            super().__init__()
            self.task_number = task_number
            self.created = created
            self.error = error

    class GatesDone(Message):
        def __init__(self, task_number: int, outcome: Any, error: MhvError | None) -> None:
            super().__init__()
            self.task_number = task_number
            self.outcome = outcome
            self.error = error

    # ------------------------------------------------------------------ start with a worktree
    def wants_worktree(self, task: Task) -> bool:
        app: Any = self
        repo = app.settings.config.repos.get(task.repo) if task.repo else None
        return bool(repo and repo.worktrees)

    def start_with_worktree(self, task: Task) -> None:
        app: Any = self
        app.notify(f"#{task.number}: making its worktree…", timeout=2)
        self._make_worktree(task.number)

    @work(thread=True, exclusive=True, group="worktree", exit_on_error=False)
    def _make_worktree(self, number: int) -> None:
        from mhv.repos.worktrees import Worktrees

        app: Any = self
        try:
            created = Worktrees(app.service, app.settings.config).create(
                number, progress=lambda text: app.call_from_thread(app.notify, text, timeout=2))  # fmt: skip
        except MhvError as err:
            app.post_message(RepoSupport.WorktreeReady(number, None, err))
            return
        app.post_message(RepoSupport.WorktreeReady(number, created, None))

    def on_repo_support_worktree_ready(self, message: WorktreeReady) -> None:
        app: Any = self
        if message.error is not None:
            app._error(message.error)
            return
        created = message.created
        verb = "reused" if created.reused else "made"
        app._write(f"started #{message.task_number} · worktree {verb}: {created.path}",
                   lambda: app.service.start(message.task_number))  # fmt: skip
        for warning in created.warnings:
            app.notify(warning, severity="warning", timeout=6)

    # ------------------------------------------------------------------ complete behind gates
    def required_gates(self, task: Task) -> bool:
        from mhv.repos.gates import Gates

        app: Any = self
        return bool(Gates(app.service, app.settings.config).required(task))

    def complete_behind_gates(self, task: Task) -> None:
        from mhv.repos.gates import Gates

        app: Any = self
        panel = GateRunPanel(task, list(Gates(app.service, app.settings.config).required(task)))
        app.push_screen(panel)
        self._run_gates(task.number, panel)

    @work(thread=True, exclusive=True, group="gates", exit_on_error=False)
    def _run_gates(self, number: int, panel: GateRunPanel) -> None:
        from mhv.repos.gates import Gates

        app: Any = self
        gates = Gates(app.service, app.settings.config)

        def done(result: Any) -> None:
            app.call_from_thread(panel.gate_done, result)
            if panel.hidden:
                verdict = "passed" if result.passed else f"failed ({result.reason})"
                app.call_from_thread(app.notify, f"gate {result.name} {verdict}", timeout=3)

        try:
            task = app.service.get(number)
            outcome = gates.run(number, only=list(gates.required(task)), reuse=True, on_done=done,
                                on_start=lambda name: app.call_from_thread(panel.gate_started, name),
                                on_line=lambda name, line: app.call_from_thread(panel.gate_line, name, line))  # fmt: skip
        except MhvError as err:
            app.post_message(RepoSupport.GatesDone(number, None, err))
            return
        app.post_message(RepoSupport.GatesDone(number, outcome, None))

    def on_repo_support_gates_done(self, message: GatesDone) -> None:
        app: Any = self
        if isinstance(app.screen, GateRunPanel):
            app.screen.dismiss(None)
        if message.error is not None:
            app._error(message.error)
            return
        outcome = message.outcome
        if outcome.passed:
            self.finish_task(message.task_number)
            return

        def answer(reason: str | None) -> None:
            if reason:
                from mhv.repos.gates import Gates

                Gates(app.service, app.settings.config).override(message.task_number, reason)
                self.finish_task(message.task_number)
            else:
                app.notify(f"#{message.task_number} kept open: gate failed", severity="warning", timeout=4)
                app.apply_changes({outcome.task.id})

        app.push_screen(GatePanel(outcome.task, outcome.results), answer)

    def finish_task(self, number: int) -> None:
        """Complete, then remove a clean, merged worktree (or say why it is kept)."""
        from mhv.repos.worktrees import Worktrees

        app: Any = self
        result = app._write(f"completed #{number}", lambda: app.service.complete(number))
        if result is None:
            return
        removal = Worktrees(app.service, app.settings.config).finish(number)
        if removal is not None:
            app.notify(removal.describe(), severity="information" if removal.removed else "warning", timeout=5)

    # ------------------------------------------------------------------ open the worktree, the screen
    def action_open_worktree(self) -> None:
        app: Any = self
        task = app.current_task
        if task is None or not task.worktree_path:
            app.notify("no worktree for this task: start it with s (worktrees = true) or mhv worktree create N",
                       severity="warning", timeout=4)  # fmt: skip
            return
        program = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        argv = [*shlex.split(program), "."] if program else [os.environ.get("SHELL", "/bin/sh")]
        with app.suspend():
            subprocess.call(argv, cwd=task.worktree_path)

    def action_show_repos(self) -> None:
        app: Any = self
        app.push_screen(RepositoriesScreen())
