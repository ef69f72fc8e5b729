"""First-run and setup commands: `mhv config`, `mhv import todotxt|csv`, `mhv repo scan`, `mhv tour`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mhv.cli.app import JsonOpt, _out, app, import_app, repo_app
from mhv.cli.context import state
from mhv.cli.import_run import read_file, report_import
from mhv.errors import ConfigError, UsageError, ValidationError

config_app = typer.Typer(help="Check, edit and locate config.toml.", no_args_is_help=True)
app.add_typer(config_app, name="config")


# ---------------------------------------------------------------------------------- config
def builtin_commands() -> set[str]:
    """Names an alias may not take (an alias never replaces a built-in command)."""
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    names |= {g.name or "" for g in app.registered_groups}
    return names - {""}


def _check(path: Path) -> list[Any]:
    from mhv.config import check_text
    from mhv.config.load import ConfigProblem

    text = path.read_text(encoding="utf-8")
    config, problems = check_text(text, path.parent)
    builtins = builtin_commands()
    for name in config.aliases:
        if name in builtins:
            from mhv.config.load import key_lines

            problems.append(ConfigProblem(key_lines(text).get(("aliases", name)),
                                          f'alias "{name}" has the name of a built-in command',
                                          "a name mhv does not use", "rename it (built-in commands win)"))  # fmt: skip
    return problems


@config_app.command("path")
def config_path_cmd(json_: JsonOpt = False) -> None:
    """Print where config.toml is (whether or not it exists)."""
    from mhv.config import config_path

    out = _out(json_)
    path = config_path()
    out.result({"path": str(path), "exists": path.is_file()}, lambda: sys.stdout.write(f"{path}\n"))


@config_app.command("check")
def config_check(json_: JsonOpt = False) -> None:
    """Check config.toml: each problem with its line, what was expected and a fix (exit 4 if any)."""
    from mhv.config import config_path

    out = _out(json_)
    path = config_path()
    if not path.is_file():
        out.result({"path": str(path), "exists": False, "problems": []},
                   lambda: out.message(f"No {path} yet: the defaults apply (`mhv config edit` creates one)."))  # fmt: skip
        return
    problems = _check(path)
    if json_:
        sys.stdout.write(__import__("json").dumps({"path": str(path), "exists": True, "problems": [
            {"line": p.line, "message": p.message, "expected": p.expected, "fix": p.fix} for p in problems]}) + "\n")  # fmt: skip
    elif not problems:
        out.message(f"{path}: no problems")
    else:
        for p in problems:
            sys.stderr.write(f"{path.name}:{p.line or '?'}: {str(p).split(': ', 1)[1]}\n")
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in {path}", "fix the lines above (mhv config edit); until then mhv uses the defaults for them")


@config_app.command("edit")
def config_edit() -> None:
    """Open config.toml in $VISUAL or $EDITOR (creating a commented one first), then check it."""
    from mhv.config import DEFAULT_CONFIG, config_path

    path = config_path()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_CONFIG, encoding="utf-8")
        state().output.message(f"Created {path}")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UsageError("neither $VISUAL nor $EDITOR is set", f"set one (export EDITOR=vim) or edit {path} by hand")
    try:
        done = subprocess.run([*shlex.split(editor), str(path)])
    except OSError as exc:
        raise UsageError(f"cannot run the editor {editor!r}: {exc}", "check $VISUAL / $EDITOR") from None
    if done.returncode != 0:
        raise UsageError(f"the editor exited with status {done.returncode}", "the file was not checked")
    config_check()


# ---------------------------------------------------------------------------------- import
def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


@import_app.command("todotxt")
def import_todotxt_cmd(
    file: Annotated[str, typer.Argument(help="A todo.txt file, or - for stdin.")], json_: JsonOpt = False
) -> None:
    """Import a todo.txt file (re-importing the same lines updates, never duplicates)."""
    from mhv.tasks.interop.todotxt import import_todotxt

    _out(json_)
    text = sys.stdin.read() if file == "-" else read_file(file)
    report_import(import_todotxt(state().service, text, progress=_progress("todo.txt")), "todo.txt")


@import_app.command("csv")
def import_csv_cmd(
    file: Annotated[str, typer.Argument(help="A CSV file with a header line (at least 'title'), or -.")],
    json_: JsonOpt = False,
) -> None:
    """Import CSV (the columns `mhv export --format csv` writes; rows with an id update that task)."""
    from mhv.tasks.interop.csv_import import import_csv

    _out(json_)
    text = sys.stdin.read() if file == "-" else read_file(file)
    report_import(import_csv(state().service, text, source=file, progress=_progress("CSV")), "CSV")


# ---------------------------------------------------------------------------------- repo scan
@repo_app.command("scan")
def repo_scan(
    folder: Annotated[Path, typer.Argument(help="Where to look for git checkouts (3 levels deep).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Register every new one without asking.")] = False,
    depth: Annotated[int, typer.Option("--depth", help="How many folder levels to descend.")] = 3,
    json_: JsonOpt = False,
) -> None:
    """Find git repositories under FOLDER and register them (asks first unless --yes)."""
    from mhv.repos.scan import register, scan_repos

    out = _out(json_)
    if not folder.expanduser().is_dir():
        raise ValidationError(f"{folder} is not a folder", "give a folder that holds your checkouts, e.g. ~/src")
    svc = state().service
    found = scan_repos(folder, svc, max_depth=depth)
    new = [f for f in found if not f.registered]
    for f in found:
        mark = "registered" if f.registered else "new"
        out.message(f"  @{f.name:<24} {f.path!s:<48} {f.remote or '(no remote)'}  [{mark}]")
    if not new:
        out.result({"found": [f.to_json() for f in found], "registered": []},
                   lambda: out.message(f"No new repositories under {folder} ({len(found)} already registered)."))  # fmt: skip
        return
    if not yes:
        if json_ or not sys.stdin.isatty():
            raise UsageError(f"{len(new)} new repositories found; nothing registered", "add --yes to register them")
        if not typer.confirm(f"Register {len(new)} new repositories?", default=True):
            from mhv.errors import CancelledError

            raise CancelledError("nothing registered", "run again and answer y, or add --yes")
    names = register(svc, new)
    out.result({"found": [f.to_json() for f in found], "registered": names},
               lambda: out.message(f"Registered {len(names)}: " + ", ".join(f"@{n}" for n in names)))  # fmt: skip


# ---------------------------------------------------------------------------------- tour
@app.command("tour")
def tour() -> None:
    """Open the workspace with the onboarding tour (in a sandbox: your tasks are never touched)."""
    from mhv.cli.entry import open_workspace

    open_workspace(tour=True)
