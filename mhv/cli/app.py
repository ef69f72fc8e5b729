"""The `mhv` command line (Typer). Every command calls the task service; none imports Textual."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mhv import __version__
from mhv.cli.context import state
from mhv.cli.report import print_tasks, report_completed, report_created
from mhv.cli.words import split_words
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


def _print_tasks(tasks: list[Any], total: int | None = None) -> None:
    print_tasks(state().service, tasks, total)


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
) -> None:
    if batch is not None:
        from mhv.cli.batch import run_batch

        raise typer.Exit(run_batch(batch))
    if ctx.invoked_subcommand is None:
        from mhv.cli.entry import open_workspace

        open_workspace()


# ---------------------------------------------------------------------------------- tasks
@app.command("tc")
def create(
    text: Annotated[list[str], typer.Argument(help="The task: its title, with #tags and @repo.")],
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
    json_: JsonOpt = False,
) -> None:
    """Create a task. The text becomes the title; #tags and @repo inside it are understood."""
    out = _out(json_)
    title, tags, text_repo = split_words(text)
    data: dict[str, Any] = {"title": title, "tags": tags + list(tag or [])}
    if repo or text_repo:
        data["repo"] = repo or text_repo
    if priority:
        data["priority"] = priority
    if due:
        data["due"] = _when(due)
    if description:
        data["description"] = description
    if estimate is not None:
        data["estimate_minutes"] = estimate
    if recur:
        data["recurrence"] = recur
    if after:
        data["depends_on"] = list(after)
    svc = state().service
    report_created(out, svc, svc.create(data))


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
    all_: Annotated[bool, typer.Option("--all", "-a", help="Every task, finished ones too.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Show at most N tasks.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="default|number|due|priority|updated")] = "default",
    json_: JsonOpt = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="A template, e.g. '{number} {title} {due}'.")
    ] = None,
) -> None:
    """List tasks (open ones unless --all or --status)."""
    from mhv.tasks.models import STATUSES, TaskFilter

    out = _out(json_)
    statuses: tuple[str, ...] | None = None
    if all_:
        statuses = ()
    elif status:
        wanted: list[str] = []
        for s in status:
            for part in s.split(","):
                part = part.strip().replace("-", "_")
                if part == "open":
                    wanted += ["pending", "in_progress", "blocked"]
                elif part == "done":
                    wanted.append("completed")
                elif part in STATUSES:
                    wanted.append(part)
                else:
                    raise ValidationError(
                        f"unknown status {part!r}", f"use one of: {', '.join(STATUSES)}, open"
                    )
        statuses = tuple(dict.fromkeys(wanted))
    tags = [t.lstrip("+#") for t in (tag or [])]
    text_words = []
    for w in words or []:
        if w.startswith(("+", "#")) and len(w) > 1:
            tags.append(w[1:])
        elif w.startswith("@") and len(w) > 1:
            repo = w[1:]
        elif w.startswith("project:"):
            repo = w.split(":", 1)[1]
        else:
            text_words.append(w)
    if priority:
        from mhv.tasks.validation import TaskPatch

        priority = TaskPatch.model_validate({"priority": priority}).priority
    flt = TaskFilter(
        statuses=statuses, repo=repo, tags=tuple(tags), priority=priority,
        due_before=_as_bound(_when(due_before)), due_after=_as_bound(_when(due_after)),
        text=" ".join(text_words) or None, limit=limit, order=sort,
    )  # fmt: skip
    svc = state().service
    tasks = svc.list_tasks(flt, links=out.json or out.batch)
    if fmt:
        for t in tasks:
            out.message(_template(fmt, t))
        return
    total = svc.count(flt) if limit is not None and len(tasks) == limit else None
    out.result([t.to_json() for t in tasks], lambda: _print_tasks(tasks, total))


def _as_bound(value: Any) -> Any:
    from datetime import date, datetime, time

    if value is None or isinstance(value, datetime):
        return value
    assert isinstance(value, date)
    return datetime.combine(value, time(0, 0), tzinfo=state().service.tz)


def _template(fmt: str, task: Any) -> str:
    data = task.to_json()
    data["tags"] = " ".join(task.tags)
    try:
        return fmt.format_map({k: ("" if v is None else v) for k, v in data.items()})
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationError(f"bad --format template: {exc}", f"fields: {', '.join(sorted(data))}") from None


@app.command("ts")
def search(
    query: Annotated[list[str], typer.Argument(help="Words to look for in titles and descriptions.")],
    all_: Annotated[bool, typer.Option("--all", "-a", help="Search finished tasks too.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 20,
    json_: JsonOpt = False,
) -> None:
    """Search tasks by text."""
    from mhv.tasks.models import TaskFilter

    out = _out(json_)
    text = " ".join(query).strip()
    if not text:
        raise ValidationError("the search query is empty", "give one or more words: mhv ts login bug")
    tasks = state().service.list_tasks(TaskFilter(statuses=() if all_ else None, text=text, limit=limit))
    out.result([t.to_json() for t in tasks], lambda: _print_tasks(tasks))


@app.command("tu", context_settings={"ignore_unknown_options": True})
def update(
    ref: Annotated[str, typer.Argument(help="Task number (42 or #42) or uuid.")],
    text: Annotated[
        list[str] | None, typer.Argument(help="New title, with #tags and @repo; +tag/-tag add or remove.")
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
    json_: JsonOpt = False,
) -> None:
    """Change a task's fields."""
    out = _out(json_)
    svc = state().service
    task = svc.get(ref)
    changes: dict[str, Any] = {}
    tags = list(task.tags)
    tag_ops = list(tag or [])
    title_words = []
    for w in text or []:
        if (w.startswith("+") and len(w) > 1) or (w.startswith("-") and len(w) > 1 and not w[1:].isdigit()):
            tag_ops.append(w)
        else:
            title_words.append(w)
    if title_words:
        new_title, more_tags, text_repo = split_words(title_words)
        if new_title:
            changes["title"] = new_title
        tag_ops += [f"+{t}" for t in more_tags]
        if text_repo:
            changes["repo"] = text_repo
    for op in tag_ops:
        name = op.lstrip("+-#").lower()
        if op.startswith("-"):
            if name in tags:
                tags.remove(name)
        elif name not in tags:
            tags.append(name)
    if tags != task.tags:
        changes["tags"] = tags
    if title:
        changes["title"] = title
    if due is not None:
        changes["due"] = _when(due)
    if priority:
        changes["priority"] = priority
    if repo is not None:
        changes["repo"] = repo or None
    if status:
        changes["status"] = status.replace("-", "_")
    if description is not None:
        changes["description"] = description
    if estimate is not None:
        changes["estimate_minutes"] = estimate
    if not changes:
        raise UsageError(
            "nothing to change", f"e.g. mhv tu {task.number} --due friday, or mhv tu {task.number} new title"
        )
    task = svc.update(task.id, changes)
    out.result(task.to_json(), lambda: out.message(f"Updated task {task.number}: {task.title}"))


@app.command("td")
def done(
    refs: Annotated[list[str], typer.Argument(help="Task numbers to complete.")],
    json_: JsonOpt = False,
) -> None:
    """Complete tasks (a recurring task spawns its next occurrence)."""
    out = _out(json_)
    svc = state().service
    report_completed(out, svc, [svc.complete(ref) for ref in refs])


def _simple(verb: str, method: str, past: str) -> Any:
    def command(
        ref: Annotated[str, typer.Argument(help="Task number or uuid.")], json_: JsonOpt = False
    ) -> None:
        out = _out(json_)
        task = getattr(state().service, method)(ref)
        out.result(task.to_json(), lambda: out.message(f"{past} task {task.number}: {task.title}"))

    command.__doc__ = f"{verb.capitalize()} a task."
    return command


app.command("start")(_simple("start", "start", "Started"))
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
    out = _out(json_)
    svc = state().service
    task = svc.get(ref, links=True)
    if out.json or out.batch:
        out.result(task.to_json())
        return
    from mhv.cli.show import print_task

    print_task(svc, task)


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
    on: Annotated[str, typer.Option("--on", help="The task it waits for.")],
    json_: JsonOpt = False,
) -> None:
    """Make a task wait for another."""
    out = _out(json_)
    svc = state().service
    svc.add_dependency(ref, on)
    task = svc.get(ref, links=True)
    out.result(
        task.to_json(),
        lambda: out.message(f"Task {task.number} now waits for {on.lstrip('#')} [{task.status}]"),
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
    from mhv.tasks.taskwarrior import import_records, read_export

    out = _out(json_)
    text = sys.stdin.read() if file == "-" else _read_file(file)
    records = read_export(text, source=file)
    summary = import_records(state().service, records)

    def human() -> None:
        out.message(f"Imported from Taskwarrior: {summary.created} created, {summary.updated} updated, "
                    f"{len(summary.skipped)} skipped")  # fmt: skip
        for what, why in summary.skipped[:20]:
            out.message(f"  skipped {what}: {why}")
        for w in summary.warnings[:20]:
            out.warn(w)

    out.result(summary.to_json(), human)


def _read_file(file: str) -> str:
    try:
        return Path(file).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"no file {file!r}", "check the path (or pass - to read stdin)") from None
    except UnicodeDecodeError as exc:
        from mhv.errors import ImportFormatError

        raise ImportFormatError(
            f"{file} is not UTF-8 text ({exc.reason})", "export it again as JSON"
        ) from None


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
    from mhv.tasks.exporting import export_text

    text = export_text(state().service, fmt, include_finished=all_)
    if output:
        Path(output).expanduser().write_text(text, encoding="utf-8")
        state().output.message(f"Wrote {output}")
    else:
        sys.stdout.write(text)


import mhv.cli.setup_cmds  # noqa: E402, F401  (registers config, import todotxt/csv, repo scan, tour)
