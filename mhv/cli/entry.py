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
    141: "the output was closed before it was all written (`mhv tl | head`), as a shell reports SIGPIPE",
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


def run() -> None:
    """The console script (and ``python -m mhv``): `main`, then `quick_exit`."""
    try:
        main()
    except SystemExit as done:
        quick_exit(done.code)
    quick_exit(0)


def quick_exit(code: object) -> None:
    """End the process without the interpreter's teardown, when nothing is left for it to do.

    After a one-shot command Python's shutdown frees every module and object one by one: ~7 ms
    after `mhv tc` at 10,000 tasks (strace: from the store's last close to ``exit_group``), a tenth
    of the command. By the time `main` returns, the work is committed and the store closed; what the
    teardown would still do that matters is run the exit handlers a library registered (logging's
    flush, coverage's data) and flush stdout and stderr, and both are done here. Anything unusual
    takes the ordinary exit, with the same result as before: a message as the exit code, another
    thread still running (the interpreter would wait for it), an output that cannot be flushed
    (a closed pipe: Python reports it), or an interpreter without ``atexit._run_exitfuncs``.
    """
    import atexit

    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    threading = sys.modules.get("threading")
    if (
        (code is not None and not isinstance(code, int))
        or run_exitfuncs is None
        or (threading is not None and threading.active_count() > 1)
    ):
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    run_exitfuncs()
    import os

    for stream in (sys.stdout, sys.stderr):  # what an exit handler printed
        try:  # noqa: SIM105 (contextlib is not loaded on the thin client's path)
            stream.flush()
        except (OSError, ValueError):
            pass

    os._exit(code or 0)


def output_closed() -> None:
    """stdout's reader went away (`mhv tl | head -1`): stop quietly with 141, what a shell shows for
    a program ended by SIGPIPE (`task list | head -1` exits so). What is still buffered goes to
    /dev/null, so the exit's own flush does not fail again with a traceback."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    sys.exit(141)


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
    except BrokenPipeError:
        output_closed()
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
    except BrokenPipeError:
        output_closed()
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
