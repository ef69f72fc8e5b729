"""`mhv worktree ...`, `mhv gate ...`, `mhv repo status`, and what `mhv start` / `mhv td` do with them.

Registered on the app by ``register``; git, gates and the config model are imported inside the commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated, Any

import typer

from mhv.cli.context import state
from mhv.errors import UsageError

worktree_app = typer.Typer(help="A git worktree per task: create, list, path, open, remove, prune.", no_args_is_help=True)
gate_app = typer.Typer(help="Quality gates: run a task's gates, list its runs, override a failure.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Ref = Annotated[str, typer.Argument(help="Task number or uuid.")]


def _out(json_flag: bool) -> Any:
    out = state().output
    out.json = out.json or json_flag
    return out


def _config() -> Any:
    from mhv.config import load_config

    loaded = load_config()
    if loaded.problems:
        state().output.warn(f"{len(loaded.problems)} problem(s) in {loaded.path} (mhv config check); "
                            "their keys use the defaults")  # fmt: skip
    return loaded.config


def _worktrees() -> Any:
    from mhv.repos.worktrees import Worktrees

    return Worktrees(state().service, load_config=_config)  # the model only when config.toml needs it


def _say_created(out: Any, created: Any) -> None:
    verb = "Reused" if created.reused else "Created"
    out.message(f"{verb} worktree for #{created.task.number} on {created.branch}: {created.path}")
    for rel in created.copied:
        out.message(f"  copied {rel} (.worktreeinclude)")
    for rel in created.skipped:
        out.message(f"  not copied: {rel}")
    for w in created.warnings:
        out.warn(w)


# ---------------------------------------------------------------------------------- worktree
@worktree_app.command("create")
def worktree_create(ref: Ref, json_: JsonOpt = False) -> None:
    """Make (or reuse) the task's worktree on branch mhv-N-slug from the default branch."""
    out = _out(json_)
    created = _worktrees().create(ref)
    out.result(created.to_json(), lambda: _say_created(out, created))


@worktree_app.command("list")
def worktree_list(repo: Annotated[str | None, typer.Option("--repo", "-r")] = None, json_: JsonOpt = False) -> None:
    """Every task's worktree with its dirty state."""
    out = _out(json_)
    rows = _worktrees().listing(repo.lstrip("@") if repo else None)

    def human() -> None:
        if not rows:
            out.message("No worktrees: mhv start N --worktree, or mhv worktree create N")
        for r in rows:
            state_text = ("missing" if not r.get("exists") else
                          "clean" if not (r.get("modified") or r.get("untracked")) else
                          f"{r.get('modified', 0)} modified, {r.get('untracked', 0)} untracked")  # fmt: skip
            out.message(f"#{r['task']:<5} @{r['repo'] or '-':<14} {r['branch'] or '-':<40} {state_text:<26} {r['path']}")

    out.result(rows, human)


@worktree_app.command("path")
def worktree_path(ref: Ref) -> None:
    """Print the task's worktree path (cd "$(mhv worktree path 42)")."""
    task = state().service.get(ref)
    if not task.worktree_path:
        from mhv.errors import NotFoundError

        raise NotFoundError(f"#{task.number} has no worktree", f"make one: mhv worktree create {task.number}")
    sys.stdout.write(task.worktree_path + "\n")


@worktree_app.command("open")
def worktree_open(ref: Ref, editor: Annotated[bool, typer.Option("--editor", "-e", help="Open $VISUAL/$EDITOR instead of a shell.")] = False) -> None:
    """Open a shell (or $EDITOR) in the task's worktree, making it first if needed."""
    created = _worktrees().create(ref)
    program = (os.environ.get("VISUAL") or os.environ.get("EDITOR")) if editor else os.environ.get("SHELL", "/bin/sh")
    if not program:
        raise UsageError("neither $VISUAL nor $EDITOR is set", "export EDITOR=vim (or run without --editor)")
    import shlex

    argv = [*shlex.split(program), *(["."] if editor else [])]
    raise typer.Exit(subprocess.call(argv, cwd=created.path))


@worktree_app.command("remove")
def worktree_remove(
    ref: Ref,
    force: Annotated[bool, typer.Option("--force", help="Remove it even if dirty or unmerged (needs --reason).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is forced (recorded).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Remove the task's worktree when it is clean and merged (and its branch, if mhv made it)."""
    out = _out(json_)
    removal = _worktrees().remove(ref, force=force, reason=reason)
    out.result(removal.to_json(), lambda: out.message(removal.describe().capitalize()))


@worktree_app.command("prune")
def worktree_prune(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Say what would be removed; change nothing.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Remove clean, merged worktrees of finished tasks (and the branches mhv made); keep the rest."""
    out = _out(json_)
    removals = _worktrees().prune(dry_run=dry_run)

    def human() -> None:
        if not removals:
            out.message("Nothing to prune: no finished task has a worktree.")
        for r in removals:
            text = r.describe()
            out.message(f"#{r.task.number}: " + (f"would be {text}" if dry_run and r.removed else text))

    out.result([r.to_json() for r in removals], human)


# ---------------------------------------------------------------------------------- gates
def _progress(out: Any, stream: bool) -> Any:
    """The gate run's progress on this terminal (nothing in JSON or batch mode)."""
    from mhv.cli.gate_progress import GateProgress

    return GateProgress(stream_output=stream, enabled=not (out.json or out.batch))


@gate_app.command("run")
def gate_run(
    ref: Ref,
    gate: Annotated[list[str] | None, typer.Option("--gate", "-g", help="Only this gate (repeatable).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdicts, not the output.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Run the task's gates in its worktree (or the repository), in parallel; exit 8 on a failure."""
    from mhv.repos.gates import Gates

    out = _out(json_)
    gates = Gates(state().service, _config())
    with _progress(out, stream=not quiet) as progress:
        outcome = gates.run(ref, only=gate, **progress.callbacks)
    out.result(outcome.to_json(), lambda: out.message(
        f"#{outcome.task.number}: gates {'passed' if outcome.passed else 'failed'} (gate_status {outcome.task.gate_status})"))  # fmt: skip
    if not outcome.passed:
        raise typer.Exit(8)


@gate_app.command("list")
def gate_list(ref: Ref, json_: JsonOpt = False) -> None:
    """The task's gate runs, newest first."""
    from mhv.tasks.repo_records import gate_runs

    out = _out(json_)
    svc = state().service
    task = svc.get(ref)
    runs = gate_runs(svc, task.id)

    def human() -> None:
        out.message(f"#{task.number} gate_status {task.gate_status}")
        for r in runs:
            when = r.started_at.astimezone(svc.tz).strftime("%Y-%m-%d %H:%M")
            cov = f" cov {r.coverage:.1f}%" if r.coverage is not None else ""
            sha = (r.commit_sha or "")[:8]
            out.message(f"  {when}  {r.name:<12} {r.status:<10} {(r.duration_ms or 0) / 1000:>6.2f} s {sha}{cov} {r.reason}".rstrip())

    out.result({"task": task.number, "gate_status": task.gate_status, "runs": [r.to_json() for r in runs]}, human)


@gate_app.command("override")
def gate_override(ref: Ref, reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")], json_: JsonOpt = False) -> None:
    """Mark the task's gates as overridden (recorded with the reason)."""
    from mhv.repos.gates import Gates

    out = _out(json_)
    task = Gates(state().service, _config()).override(ref, reason)
    out.result(task.to_json(), lambda: out.message(f"#{task.number}: gates overridden ({reason})"))


# ---------------------------------------------------------------------------------- start / td
def start_task(ref: str, worktree: bool) -> None:
    """`mhv start N [--worktree]`: the worktree first (a failure changes nothing), then the start."""
    out = state().output
    svc = state().service
    task = svc.get(ref)
    created = None
    if task.status not in ("in_progress", "completed", "cancelled"):
        wt = _worktrees() if worktree or _repo_wants_worktrees(task.repo) else None
        if wt is not None and (worktree or wt.wants_worktree(task)):
            created = wt.create(task.id)
    task = svc.start(task.id)
    data = task.to_json()
    if created is not None:
        data["worktree"] = created.to_json()

    def human() -> None:
        out.message(f"Started task {task.number}: {task.title}")
        if created is not None:
            _say_created(out, created)

    out.result(data, human)


def _repo_wants_worktrees(repo: str | None) -> bool:
    """A cheap look (tomllib alone) at whether ``[repos.REPO] worktrees`` is set at all."""
    if not repo:
        return False
    from mhv.repos.completion import _raw_repos

    raw = _raw_repos().get(repo)
    return isinstance(raw, dict) and bool(raw.get("worktrees"))


def finish_tasks(refs: list[str], *, override: bool, reason: str | None, force: bool) -> None:
    """`mhv td`: required gates first (or a passing run of the same commit), then complete, then
    remove the worktree when clean and merged (else keep it and say why)."""
    from mhv.cli.report import complete_all, report_completed
    from mhv.repos.completion import needs_gates_or_worktree

    out = state().output
    svc = state().service
    if (override or force) and not (reason or "").strip():
        raise UsageError("--override and --force need --reason", 'say why: --reason "flaky test, see #51"')
    if not needs_gates_or_worktree(svc, refs):
        report_completed(out, complete_all(svc, refs))
        return
    from mhv.repos.gates import Gates
    from mhv.repos.worktrees import Worktrees

    config = _config()
    gates, worktrees = Gates(svc, config), Worktrees(svc, config)
    removals = []
    for ref in refs:
        with _progress(out, stream=False) as progress:
            gates.before_completion(ref, override_reason=reason if override else None, **progress.callbacks)
        done = complete_all(svc, [ref])
        report_completed(out, done) if not (out.json or out.batch) else None
        removal = worktrees.finish(done[0]["json"]["id"], force=force, reason=reason)
        if removal is not None:
            removals.append(removal)
            if removal.removed:
                out.message(f"  {removal.describe()}")
            else:
                out.warn(removal.describe())
        if out.json or out.batch:
            item = dict(done[0]["json"])
            if removal is not None:
                item["worktree"] = removal.to_json()
            out.result(item)


# ---------------------------------------------------------------------------------- repo status
def repo_status_cmd(json_: JsonOpt = False) -> None:
    """Every repository at a glance: open, in progress, blocked, overdue, worktrees, last gate, blockers."""
    from mhv.repos.status import repo_status

    out = _out(json_)
    svc = state().service
    status = repo_status(svc, _config())

    def human() -> None:
        if not status.repos:
            out.message("No repositories yet: mhv repo add NAME PATH")
        out.message(f"{'repository':<20} {'open':>5} {'doing':>5} {'block':>5} {'late':>5}  worktrees        last gate")
        for r in status.repos:
            wt = f"{len(r.worktrees)} ({r.dirty_worktrees} dirty)" if r.worktrees else "-"
            gate = f"{r.last_gate.name} {r.last_gate.status}" if r.last_gate else "-"
            out.message(f"@{r.name:<19} {r.open:>5} {r.in_progress:>5} {r.blocked:>5} {r.overdue:>5}  {wt:<16} {gate}")
        if status.blockers:
            out.message("Waiting across repositories:")
            for line in status.blocker_lines():
                out.message(f"  {line}")

    out.result(status.to_json(), human)


def register(app: typer.Typer, repo_app: typer.Typer) -> None:
    app.add_typer(worktree_app, name="worktree")
    app.add_typer(gate_app, name="gate")
    repo_app.command("status")(repo_status_cmd)
