"""The `mhv` command line (Typer). Every command calls the task service; none imports Textual."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mhv import __version__
from mhv.cli.context import state
from mhv.errors import UsageError, ValidationError

app = typer.Typer(
    name="mhv",
    help="mhv: tasks across many git repositories, from the keyboard. Run `mhv` alone to open the workspace.",
    no_args_is_help=False,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
repo_app = typer.Typer(help="Register and list git repositories.", no_args_is_help=True)
import_app = typer.Typer(help="Bring tasks in from other tools.", no_args_is_help=True)
app.add_typer(repo_app, name="repo")
app.add_typer(import_app, name="import")
from mhv.cli import graph_cmds  # noqa: E402  (next, graph)

graph_cmds.register(app)
from mhv.cli import db_cmds  # noqa: E402  (db check|upgrade|backup|restore)

db_cmds.register(app)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _out(json_flag: bool) -> Any:
    out = state().output
    out.json = out.json or json_flag
    return out


def _when(text: str | None) -> Any:
    if text is None:
        return None
    if text.strip().lower() in ("", "none", "clear"):
        return None
    from mhv.cli.dates import parse_when

    svc = state().service
    return parse_when(text, svc.clock(), svc.tz)


# ---------------------------------------------------------------------------------- top level
def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"mhv {__version__}\n")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    batch: Annotated[
        str | None,
        typer.Option("--batch", metavar="FILE|-", help="Run one command per line; one JSON result per line."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --batch: act on unsure parses and deletes too.")
    ] = False,
) -> None:
    if yes:  # batch lines re-enter this callback without it: keep it for the whole run
        state().assume_yes = True
    if batch is not None:
        from mhv.cli.batch import run_batch

        raise typer.Exit(run_batch(batch))
    if ctx.invoked_subcommand is None:
        from mhv.cli.entry import open_workspace

        open_workspace()


# ---------------------------------------------------------------------------------- tasks
@app.command("tc")
def create(
    text: Annotated[
        list[str], typer.Argument(help="The task in the quick-add language (see `mhv parse`), or a command.")
    ],
    due: Annotated[
        str | None, typer.Option("--due", "-d", help="Due date: 2026-12-05, tomorrow, fri, eow...")
    ] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="critical|high|medium|low (or p1-p4).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable).")] = None,
    repo: Annotated[
        str | None, typer.Option("--repo", "-r", help="The repository this task belongs to.")
    ] = None,
    after: Annotated[
        list[str] | None, typer.Option("--after", help="A task this one waits for (repeatable).")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="Longer notes (markdown).")] = None,
    estimate: Annotated[int | None, typer.Option("--estimate", help="Estimate in minutes.")] = None,
    recur: Annotated[str | None, typer.Option("--recur", help="RRULE, e.g. FREQ=WEEKLY;BYDAY=FR.")] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Act even when the parse is unsure, or deletes.")
    ] = False,
    parent: Annotated[str | None, typer.Option("--parent", help="Make it a subtask of this task.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Create a task from one line: "fix auth @api tomorrow 5pm p1 #ci ~2h after #41".

    Commands typed here do what they say: "done #42", "move #42 to friday", "set 42 p1", "tag 42 #ci",
    "rename 42 to ...", "start 42", "#42 blocked by #41", "unblock 42", "delete 42" (asks first).
    """
    from mhv.cli.quick import run_create

    _out(json_)
    overrides: dict[str, Any] = {}
    if tag:
        overrides["tags"] = list(tag)
    if repo:
        overrides["repo"] = repo
    if priority:
        overrides["priority"] = priority
    if due:
        overrides["due"] = _when(due)
    if description:
        overrides["description"] = description
    if estimate is not None:
        overrides["estimate_minutes"] = estimate
    if recur:
        overrides["recurrence"] = recur
    if after:
        overrides["depends_on"] = list(after)
    if parent:
        overrides["parent"] = parent.lstrip("#")
    run_create(state(), _joined(text), yes=yes or state().assume_yes, overrides=overrides)


def _joined(words: list[str]) -> str:
    """Shell words back into the line; a word that had spaces inside (it was quoted) stays quoted."""
    if len(words) == 1:
        return words[0]
    return " ".join(f'"{w}"' if " " in w and '"' not in w else w for w in words)


@app.command("tl")
def list_tasks(
    words: Annotated[list[str] | None, typer.Argument(help="Filter words: +tag, @repo or text.")] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", "-s", help="pending, in_progress, blocked, completed, cancelled, open."),
    ] = None,
    repo: Annotated[str | None, typer.Option("--repo", "-r")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t")] = None,
    priority: Annotated[str | None, typer.Option("--priority", "-p")] = None,
    due_before: Annotated[str | None, typer.Option("--due-before")] = None,
    due_after: Annotated[str | None, typer.Option("--due-after")] = None,
    completed_since: Annotated[
        str | None,
        typer.Option(
            "--completed-since", help="Finished since DATE (yesterday, last friday, 3 days ago, 2026-11-01)."
        ),
    ] = None,
    completed_before: Annotated[
        str | None, typer.Option("--completed-before", help="Finished before DATE.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Every task, finished ones too.")] = False,
    waiting: Annotated[
        bool,
        typer.Option("--waiting", help="The Waiting view: open tasks hidden by wait: until a later day."),
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Show at most N tasks.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="default|number|due|priority|updated")] = "default",
    json_: JsonOpt = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="A template, e.g. '{number} {title} {due}'.")
    ] = None,
) -> None:
    """List tasks (open ones unless --all or --status)."""
    from mhv.cli.reads import run_read

    _out(json_)
    run_read(state(), "cli.list", {
        "words": list(words or []), "status": list(status or []), "repo": repo, "tag": list(tag or []),
        "priority": priority, "due_before": due_before, "due_after": due_after, "completed_since": completed_since,
        "completed_before": completed_before, "all": all_, "waiting": waiting, "limit": limit, "sort": sort,
        "json": state().output.json, "format": fmt,
    })  # fmt: skip


@app.command("tu", context_settings={"ignore_unknown_options": True})
def update(
    ref: Annotated[str, typer.Argument(help="Task number (42 or #42) or uuid.")],
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help="Changes in the quick-add language: friday p1 #ci @repo ~2h after #41; "
            "+tag/-tag add or remove; other words become the new title."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
    due: Annotated[str | None, typer.Option("--due", "-d", help="New due date ('none' clears it).")] = None,
    priority: Annotated[str | None, typer.Option("--priority", "-p")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="+tag adds, -tag removes, tag adds.")
    ] = None,
    repo: Annotated[str | None, typer.Option("--repo", "-r")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    estimate: Annotated[int | None, typer.Option("--estimate")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Act even when the parse is unsure.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Change a task: mhv tu 42 friday p1 +ci -old after #41 (words left over become the title)."""
    from mhv.cli.quick import run_update

    _out(json_)
    overrides: dict[str, Any] = {}
    if tag:
        overrides["tags"] = list(tag)
    if title:
        overrides["title"] = title
    if due is not None:
        overrides["due"] = _when(due)
    if priority:
        overrides["priority"] = priority
    if repo is not None:
        overrides["repo"] = repo or None
    if status:
        overrides["status"] = status.replace("-", "_")
    if description is not None:
        overrides["description"] = description
    if estimate is not None:
        overrides["estimate_minutes"] = estimate
    words = [w for part in (text or []) for w in (part.split() if len(text or []) == 1 else [part])]
    run_update(state(), ref, words, yes=yes or state().assume_yes, overrides=overrides)


@app.command("parse")
def parse_line(
    text: Annotated[
        list[str], typer.Argument(help="A quick-add line, e.g. fix auth @api tomorrow 5pm p1 #ci")
    ],
    now: Annotated[
        str | None,
        typer.Option("--now", help="Fix the clock (local time unless an offset is given): 2026-11-26T10:00"),
    ] = None,
    known_repos: Annotated[
        str | None,
        typer.Option(
            "--known-repos",
            help="Comma-separated repository names (default: the registered ones and config.toml's).",
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Show how a line is understood: intent, pieces with their spans and confidence. Changes nothing."""
    from mhv.cli.quick import cli_settings
    from mhv.cli.quick import known_repos as config_and_registered
    from mhv.nlp import parse
    from mhv.tasks.intents import quick_settings
    from mhv.tasks.service import local_tz

    out = _out(json_)
    line = _joined(text)
    if not line.strip():
        raise UsageError("nothing to parse: the line is empty",
                         'give a quick-add line: mhv parse "fix auth @api tomorrow 5pm p1 #ci"')  # fmt: skip
    tz = local_tz()
    if now is None:
        clock = state().service.clock().astimezone(tz) if known_repos is None else datetime.now(tz)
    else:
        try:
            clock = datetime.fromisoformat(now.strip().upper().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"cannot read --now {now!r}", "use ISO 8601: 2026-11-26T10:00 or 2026-11-26"
            ) from None
        clock = clock.replace(tzinfo=tz) if clock.tzinfo is None else clock
    if known_repos is None:
        repos = config_and_registered(state().service)
    else:
        repos = [r.strip().lstrip("@") for r in known_repos.split(",") if r.strip()]
    p = parse(line, now=clock, known_repos=repos, settings=quick_settings(cli_settings(state())).parse)

    def human() -> None:
        from rich.console import Console

        from mhv.cli.parse_view import render_parse

        Console(highlight=False, soft_wrap=True).print(render_parse(p, line, now=clock))

    out.result(p.to_json(), human)


@app.command("td")
def done(
    refs: Annotated[list[str], typer.Argument(help="Task numbers to complete.")],
    override: Annotated[
        bool, typer.Option("--override", help="Complete despite failing gates (needs --reason).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove the worktree even if dirty or unmerged (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why gates are overridden or a worktree forced.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Complete tasks: required gates run first (exit 8 on a failure); a clean, merged worktree is removed."""
    from mhv.cli.repo_cmds import finish_tasks

    _out(json_)
    finish_tasks(refs, override=override, reason=reason, force=force)


def _simple(verb: str, method: str, past: str) -> Any:
    def command(
        ref: Annotated[str, typer.Argument(help="Task number or uuid.")], json_: JsonOpt = False
    ) -> None:
        out = _out(json_)
        task = getattr(state().service, method)(ref)
        out.result(task.to_json(), lambda: out.message(f"{past} task {task.number}: {task.title}"))

    command.__doc__ = f"{verb.capitalize()} a task."
    return command


@app.command("start")
def start(
    ref: Annotated[str, typer.Argument(help="Task number or uuid.")],
    worktree: Annotated[
        bool, typer.Option("--worktree", "-w", help="Also make the task's git worktree.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Start a task (with a git worktree when asked or when its repository has worktrees = true)."""
    from mhv.cli.repo_cmds import start_task

    _out(json_)
    start_task(ref, worktree)


app.command("stop")(_simple("stop", "stop", "Stopped"))
app.command("cancel")(_simple("cancel", "cancel", "Cancelled"))


@app.command("delete")
def delete(
    ref: Annotated[str, typer.Argument(help="Task number or uuid.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Delete a task for good (mhv undo brings it back)."""
    out = _out(json_)
    svc = state().service
    task = svc.get(ref)
    if not yes:
        if out.batch or not sys.stdin.isatty():
            from mhv.errors import CancelledError

            raise CancelledError(f"not deleting #{task.number} without confirmation", "add --yes")
        if not typer.confirm(f"Delete #{task.number} {task.title}?", default=False):
            from mhv.errors import CancelledError

            raise CancelledError("nothing was deleted", "")
    task = svc.delete(task.id)
    out.result(
        task.to_json(),
        lambda: out.message(f"Deleted task {task.number}: {task.title} (mhv undo restores it)"),
    )


@app.command("show")
def show(ref: Annotated[str, typer.Argument(help="Task number or uuid.")], json_: JsonOpt = False) -> None:
    """Show every field of a task, its dependencies and its history."""
    from mhv.cli.reads import run_read

    out = _out(json_)
    run_read(state(), "cli.show", {"ref": ref, "json": out.json})


@app.command("history")
def history(ref: Annotated[str, typer.Argument(help="Task number or uuid.")], json_: JsonOpt = False) -> None:
    """The change log of one task."""
    out = _out(json_)
    events = state().service.history(ref)
    from mhv.cli.show import describe_event

    out.result(
        [e.to_json() for e in events],
        lambda: [out.message(describe_event(e, state().service.tz)) for e in events],
    )


@app.command("undo")
def undo(json_: JsonOpt = False) -> None:
    """Undo the latest action (all of it: an import, a completion and its next occurrence...)."""
    out = _out(json_)
    res = state().service.undo()
    out.result({"undone": res.label, "txn": res.txn, "tasks": [t.to_json() for t in res.tasks]},
               lambda: out.message(f"Undid: {res.label}"))  # fmt: skip


@app.command("redo")
def redo(json_: JsonOpt = False) -> None:
    """Redo the action undone last."""
    out = _out(json_)
    res = state().service.redo()
    out.result({"redone": res.label, "txn": res.txn, "tasks": [t.to_json() for t in res.tasks]},
               lambda: out.message(f"Redid: {res.label}"))  # fmt: skip


@app.command("block")
def block(
    ref: Annotated[str, typer.Argument(help="The task that waits.")],
    on: Annotated[str, typer.Option("--on", help="The task it waits for (or is related to).")],
    related: Annotated[
        bool, typer.Option("--related", help="Only link them: related tasks never block.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Make a task wait for another (or, with --related, link them)."""
    out = _out(json_)
    svc = state().service
    svc.add_dependency(ref, on, kind="related" if related else "blocks")
    task = svc.get(ref, links=True)
    verb = "is now related to" if related else "now waits for"
    out.result(
        task.to_json(),
        lambda: out.message(f"Task {task.number} {verb} {on.lstrip('#')} [{task.status}]"),
    )


@app.command("unblock")
def unblock(
    ref: Annotated[str, typer.Argument(help="The task that waits.")],
    from_: Annotated[str, typer.Option("--from", help="The task it no longer waits for.")],
    json_: JsonOpt = False,
) -> None:
    """Remove a dependency."""
    out = _out(json_)
    svc = state().service
    svc.remove_dependency(ref, from_)
    task = svc.get(ref, links=True)
    out.result(
        task.to_json(),
        lambda: out.message(f"Task {task.number} no longer waits for {from_.lstrip('#')} [{task.status}]"),
    )


# ---------------------------------------------------------------------------------- repositories
@repo_app.command("add")
def repo_add(
    name: Annotated[str, typer.Argument(help="Short name, used as @name.")],
    path: Annotated[Path | None, typer.Argument(help="Where the git checkout lives.")] = None,
    remote: Annotated[str | None, typer.Option("--remote")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="Default branch.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Change an existing registration.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Register a repository."""
    out = _out(json_)
    where = None
    if path is not None:
        resolved = path.expanduser().resolve()
        if not resolved.is_dir():
            raise ValidationError(f"{path} is not a folder", "give the path of a git checkout")
        where = str(resolved)
        if remote is None or branch is None:
            from mhv.repos.git import git_defaults

            found_remote, found_branch = git_defaults(resolved)
            remote = remote or found_remote
            branch = branch or found_branch
    repo = state().service.add_repo(name, where, remote, branch, replace=replace)
    out.result(
        repo.to_json(),
        lambda: out.message(f"Registered @{repo.name}" + (f" at {repo.path}" if repo.path else "")),
    )


@repo_app.command("list")
def repo_list(json_: JsonOpt = False) -> None:
    """List registered repositories."""
    out = _out(json_)
    repos = state().service.list_repos()

    def human() -> None:
        if not repos:
            out.message("No repositories yet: mhv repo add NAME PATH")
        for r in repos:
            out.message(f"@{r.name:<24} {r.path or '-':<40} {r.remote or ''}")

    out.result([r.to_json() for r in repos], human)


@repo_app.command("remove")
def repo_remove(name: Annotated[str, typer.Argument()], json_: JsonOpt = False) -> None:
    """Forget a repository (its tasks keep their repo name)."""
    out = _out(json_)
    repo = state().service.remove_repo(name.lstrip("@"))
    out.result(repo.to_json(), lambda: out.message(f"Removed @{repo.name}"))


# ---------------------------------------------------------------------------------- import / export
@import_app.command("taskwarrior")
def import_taskwarrior(
    file: Annotated[
        str,
        typer.Argument(help="Output of `task export` (a JSON array or one object per line), or - for stdin."),
    ],
    json_: JsonOpt = False,
) -> None:
    """Import (upsert by uuid) tasks exported by Taskwarrior."""
    from mhv.cli.import_run import run_import_taskwarrior

    _out(json_)
    run_import_taskwarrior(state(), file)


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="taskwarrior | json | csv")] = "json",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all/--open", help="Every task (default) or only open ones.")
    ] = True,
) -> None:
    """Export tasks as Taskwarrior JSON, mhv JSON or CSV."""
    from mhv.tasks.interop.exporting import export_text

    text = export_text(state().service, fmt, include_finished=all_)
    if output:
        Path(output).expanduser().write_text(text, encoding="utf-8")
        state().output.message(f"Wrote {output}")
    else:
        sys.stdout.write(text)


# `mhv ts` and `mhv index` live in their own module (search by meaning).
from mhv.cli import search_cmds  # noqa: E402

search_cmds.register(app)
from mhv.cli import serve_cmds  # noqa: E402  (`mhv serve`, `mhv webhooks`)

serve_cmds.register(app)
import mhv.cli.setup_cmds  # noqa: E402, F401  (registers config, import todotxt/csv, repo scan, tour)
from mhv.cli import repo_cmds  # noqa: E402  (worktree, gate, repo status)

repo_cmds.register(app, repo_app)

from mhv.cli import insights_cmds  # noqa: E402  (stats, predict, forecast; mhv.insights loads lazily)

insights_cmds.register(app)
