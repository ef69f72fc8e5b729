"""The `mhv` console script: errors become clear messages and documented exit codes."""

from __future__ import annotations

import sys

EXIT_CODES = {
    0: "success",
    1: "an error (see the message)",
    2: "usage: unknown command or option, or nothing to do",
    3: "not found: no such task or repository",
    4: "invalid input: a value, date, file or import line could not be used",
    5: "conflict: a dependency cycle, or the task is already in that state",
    6: "storage: the database is unreadable, newer than this mhv, or unreachable",
    7: "cancelled: a confirmation was declined or missing",
    8: "a required quality gate failed: the task was not completed",
    9: "a schema migration is due (mhv db check): run mhv db upgrade",
    130: "interrupted (Ctrl+C)",
}


def open_workspace(*, tour: bool = False) -> None:
    """`mhv` with no command: the full-screen workspace (help until the TUI is installed)."""
    try:
        from mhv.app.main import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from mhv.cli.app import app

        app(["--help"], prog_name="mhv")
        return
    run_app(tour=tour)


def expand_alias(args: list[str]) -> list[str]:
    """``mhv NAME ...`` where NAME is in config.toml ``[aliases]``: the alias's words, then the rest.

    Read with tomllib alone (no Pydantic: the fast path stays fast); a broken file expands nothing
    (`mhv config check` reports it). Built-in command names always win over an alias.
    """
    if not args or args[0].startswith("-"):
        return args
    from mhv import paths

    try:
        with open(paths.config_dir() / "config.toml", "rb") as fh:
            data = fh.read()
    except OSError:
        return args
    if b"aliases" not in data:  # no [aliases] table: no TOML parse (tomllib is ~5 ms to import)
        return args
    import tomllib

    try:
        aliases = tomllib.loads(data.decode()).get("aliases")
    except (UnicodeDecodeError, ValueError):
        return args
    if not isinstance(aliases, dict) or not isinstance(aliases.get(args[0]), str):
        return args
    import shlex

    from mhv.cli.app import app
    from mhv.cli.setup_cmds import builtin_commands

    del app
    if args[0] in builtin_commands():
        return args
    try:
        words = shlex.split(aliases[args[0]])
    except ValueError:
        return args
    return [*words, *args[1:]] if words else args


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    from mhv.cli import thin

    try:  # through a running service, before importing anything else (mhv/cli/thin.py)
        served = thin.run(args)
        if served is True:
            sys.exit(0)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    from mhv.cli.context import new_state
    from mhv.cli.fast import try_fast
    from mhv.cli.output import print_error
    from mhv.errors import MhvError

    current = new_state()
    try:
        args = expand_alias(args)
        if not args:  # the workspace: straight there, without building the whole command line (~0.1 s)
            open_workspace()
            sys.exit(0)
        # a list: `td`'s tasks the service completed before it handed the rest back (thin.run)
        if try_fast(args, current, done=served if isinstance(served, list) else []):
            sys.exit(0)
        from mhv.cli.app import app

        rv = app(args, prog_name="mhv", standalone_mode=False)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except MhvError as err:
        print_error(err, as_json=current.output.json)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # a click usage error or an internal bug
        code = getattr(exc, "exit_code", None)
        if code is not None and hasattr(exc, "show"):
            exc.show()
            sys.exit(code)
        raise
    finally:
        current.close()
        thin.declined.clear()
    sys.exit(0)
