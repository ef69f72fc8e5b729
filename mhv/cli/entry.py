"""The `mhv` console script: errors become clear messages and documented exit codes."""

from __future__ import annotations

import sys

from mhv.errors import MhvError

EXIT_CODES = {
    0: "success",
    1: "an error (see the message)",
    2: "usage: unknown command or option, or nothing to do",
    3: "not found: no such task or repository",
    4: "invalid input: a value, date, file or import line could not be used",
    5: "conflict: a dependency cycle, or the task is already in that state",
    6: "storage: the database is unreadable, newer than this mhv, or unreachable",
    7: "cancelled: a confirmation was declined or missing",
    130: "interrupted (Ctrl+C)",
}


def open_workspace() -> None:
    """`mhv` with no command: the full-screen workspace (help until the TUI is installed)."""
    try:
        from mhv.app.main import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from mhv.cli.app import app

        app(["--help"], prog_name="mhv")
        return
    run_app()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    from mhv.cli.context import new_state
    from mhv.cli.fast import try_fast
    from mhv.cli.output import print_error

    current = new_state()
    try:
        if try_fast(args, current):
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
    sys.exit(0)
