"""The very first start: how to begin (empty, a sample workspace, or an import), registering the
git repositories under a folder, then the tour. Shown when there is no ``onboarded`` mark in
state.json and the workspace has no tasks yet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, ProgressBar, SelectionList, Static
from textual.widgets.option_list import Option

from mhv.errors import MhvError
from mhv.tasks.models import ImportSummary
from mhv.widgets.frames import PromptFrames

if TYPE_CHECKING:
    from mhv.app.app import MhvApp
    from mhv.repos.scan import FoundRepo

CHOICES = (
    ("open", "Open the workspace", "start empty, or go on with what you brought in"),
    ("sample", "Load a sample workspace", "17 tasks in 3 repositories, with dependencies and history"),
    ("taskwarrior", "Import from Taskwarrior", "`task export`, or a file it wrote"),
    ("todotxt", "Import a todo.txt file", ""),
    ("csv", "Import a CSV file", "the columns `mhv export --format csv` writes; at least title"),
    ("scan", "Find my git repositories", "register the checkouts under a folder, so @repo completes"),
)


def summary_text(source: str, summary: ImportSummary) -> str:
    lines = [f"[b]{source}[/b]: {summary.created} created, {summary.updated} updated, {len(summary.skipped)} skipped"]
    lines += [f"  [dim]skipped {what}: {why}[/]" for what, why in summary.skipped[:5]]
    lines += [f"  [$warning]{w}[/]" for w in summary.warnings[:3]]
    return "\n".join(lines)


class FirstRunScreen(PromptFrames, ModalScreen[bool]):
    """Returns whether to take the tour."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="first-run.back")]
    DEFAULT_CSS = """
    FirstRunScreen { align: center middle; background: $background 60%; }
    #first-run { width: 86; height: auto; max-height: 90%; padding: 1 2; background: $surface; border: round $accent; }
    #first-run OptionList { height: auto; max-height: 14; margin: 1 0; }
    #first-run Input, #first-run SelectionList, #first-run ProgressBar, #fr-summary { margin-top: 1; }
    #first-run SelectionList { height: auto; max-height: 10; }
    #fr-ask { margin-top: 1; }
    """

    def __init__(self, *, taskwarrior_installed: bool | None = None) -> None:
        super().__init__()
        self.mode = "menu"  # menu | path | picking | working
        self.choice = ""
        self.found: list[FoundRepo] = []
        self.tw = shutil.which("task") is not None if taskwarrior_installed is None else taskwarrior_installed

    @property
    def mhv(self) -> MhvApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="first-run"):
            yield Label("[b]Welcome to mhv[/b] — tasks across all your repositories, from the keyboard.")
            yield Label("How would you like to start? [dim](↑ ↓ and enter)[/]")
            yield OptionList(*[Option(self._label(key, title, note), id=key) for key, title, note in CHOICES],
                             id="fr-choices")  # fmt: skip
            yield Label("", id="fr-ask")
            yield Input(id="fr-path")
            yield SelectionList[int](id="fr-repos")
            yield ProgressBar(id="fr-progress", show_eta=False)
            yield Static("", id="fr-summary")
            yield Checkbox("Then take the 2-minute tour (in a sandbox; your tasks stay untouched)", True, id="fr-tour")

    def _label(self, key: str, title: str, note: str) -> str:
        if key == "taskwarrior" and self.tw:
            note = "runs `task export` (Taskwarrior is installed), or give a file"
        return f"{title}  [dim]{note}[/]" if note else title

    def on_mount(self) -> None:
        self._show("menu")
        if self.app.is_headless:
            self.query_one("#fr-path", Input).cursor_blink = False

    def _show(self, mode: str) -> None:
        self.mode = mode
        self.query_one("#fr-choices").display = mode == "menu"
        self.query_one("#fr-path").display = mode == "path"
        self.query_one("#fr-ask").display = mode in ("path", "picking")
        self.query_one("#fr-repos").display = mode == "picking"
        self.query_one("#fr-progress").display = mode == "working"
        self.query_one("#fr-tour").display = mode == "menu"
        focus = {"menu": "#fr-choices", "path": "#fr-path", "picking": "#fr-repos"}.get(mode)
        if focus:
            self.query_one(focus).focus()

    def action_back(self) -> None:
        if self.mode in ("path", "picking"):
            self._show("menu")
        elif self.mode == "menu":
            self._done()

    def _done(self) -> None:
        self.mhv.settings.save(onboarded=True)
        self.dismiss(self.query_one("#fr-tour", Checkbox).value)

    # ------------------------------------------------------------------ choosing
    @on(OptionList.OptionSelected, "#fr-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.choice = key = event.option.id or ""
        if key == "open":
            self._done()
        elif key == "sample":
            self._run(key, "")
        else:
            ask, placeholder, value = {
                "taskwarrior": ("A Taskwarrior export file (leave empty to run `task export`):" if self.tw else
                                "A file written by `task export`:", "~/tasks.json", ""),
                "todotxt": ("Your todo.txt file:", "~/todo.txt", str(Path("~/todo.txt"))),
                "csv": ("A CSV file:", "~/tasks.csv", ""),
                "scan": ("The folder that holds your checkouts:", "~/src", str(Path.cwd())),
            }[key]  # fmt: skip
            self.query_one("#fr-ask", Label).update(ask)
            field = self.query_one("#fr-path", Input)
            field.placeholder, field.value = placeholder, value
            self._show("path")

    @on(Input.Submitted, "#fr-path")
    def _path_given(self, event: Input.Submitted) -> None:
        self._run(self.choice, event.value.strip())

    @on(SelectionList.SelectionToggled, "#fr-repos")
    def _noop(self) -> None:
        pass

    def on_key(self, event: Any) -> None:
        if self.mode == "picking" and event.key == "enter":
            event.stop()
            self._register()

    # ------------------------------------------------------------------ doing (in a worker)
    def _run(self, key: str, value: str) -> None:
        self.query_one("#fr-progress", ProgressBar).update(total=None, progress=0)
        self._show("working")
        self._work(key, value)

    def _progress(self, done: int, total: int) -> None:
        self.app.call_from_thread(self.query_one("#fr-progress", ProgressBar).update, total=total, progress=done)

    @work(thread=True, exclusive=True, group="first-run", exit_on_error=False)
    def _work(self, key: str, value: str) -> None:
        svc = self.mhv.service
        try:
            if key == "sample":
                from mhv.tasks.sample import load_sample

                text = f"[b]Sample workspace[/b]: {load_sample(svc)} tasks in 3 repositories"
            elif key == "scan":
                from mhv.repos.scan import scan_repos

                self.found = scan_repos(Path(value or ".").expanduser(), svc)
                self.app.call_from_thread(self._pick)
                return
            else:
                text = self._import(key, value)
        except MhvError as err:
            text = f"[$error]{err.message}[/]\n[dim]{err.hint}[/]"
        except OSError as err:
            text = f"[$error]{err}[/]"
        self.app.call_from_thread(self._finished, text)

    def _import(self, key: str, value: str) -> str:
        svc = self.mhv.service
        if key == "taskwarrior":
            from mhv.tasks.interop.taskwarrior import import_records, read_export

            if value:
                text = _read(value)
            else:
                done = subprocess.run(["task", "export"], capture_output=True, text=True, timeout=120)
                if done.returncode != 0:
                    return f"[$error]`task export` failed: {done.stderr.strip()[:200]}[/]"
                text = done.stdout
            records = read_export(text, source=value or "task export")
            self._progress(0, len(records))
            summary = import_records(svc, records)
            self._progress(len(records), len(records))
            return summary_text("Taskwarrior", summary)
        if key == "todotxt":
            from mhv.tasks.interop.todotxt import import_todotxt

            return summary_text("todo.txt", import_todotxt(svc, _read(value), progress=self._progress))
        from mhv.tasks.interop.csv_import import import_csv

        return summary_text("CSV", import_csv(svc, _read(value), source=value, progress=self._progress))

    def _finished(self, text: str) -> None:
        self.query_one("#fr-summary", Static).update(text)
        choices = self.query_one("#fr-choices", OptionList)
        choices.replace_option_prompt("open", "[b]Open the workspace[/b]  [dim]or bring in more below[/]")
        choices.highlighted = 0
        self.mhv.apply_changes(set())
        self._show("menu")

    # ------------------------------------------------------------------ repositories
    def _pick(self) -> None:
        repos = self.query_one("#fr-repos", SelectionList)
        repos.clear_options()
        new = [(i, f) for i, f in enumerate(self.found) if not f.registered]
        if not new:
            self._finished(f"No new git repositories there ({len(self.found)} already registered).")
            return
        for i, f in new:
            repos.add_option((f"@{f.name}  [dim]{f.path}  {f.remote or '(no remote)'}[/]", i, True))
        repos.highlighted = 0
        self.query_one("#fr-ask", Label).update(f"{len(new)} found: space toggles, enter registers the ticked ones")
        self._show("picking")

    def _register(self) -> None:
        from mhv.repos.scan import register

        chosen = [self.found[i] for i in self.query_one("#fr-repos", SelectionList).selected]
        try:
            names = register(self.mhv.service, chosen)
        except MhvError as err:
            self._finished(f"[$error]{err.message}[/]")
            return
        self._finished(f"[b]Registered {len(names)}[/b]: " + ", ".join(f"@{n}" for n in names) if names else "Nothing registered.")


def _read(value: str) -> str:
    from mhv.errors import ValidationError

    path = Path(value).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"no file {str(path)!r}", "check the path and try again") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text", "export it again as text") from None
