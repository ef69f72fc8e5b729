"""`mhv --batch FILE|-`: one command per line, one JSON result per line, bad lines reported and skipped.

Each line runs through the same commands as the shell (so a line reads exactly like `mhv ...` without
the `mhv`), and each line's action is one transaction: a crash leaves every line all-or-nothing.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from typing import TextIO

from mhv.cli.context import state
from mhv.cli.output import dumps
from mhv.errors import MhvError


def _lines(source: str) -> Iterator[tuple[int, str]]:
    stream: TextIO = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    try:
        for n, line in enumerate(stream, start=1):
            yield n, line.rstrip("\n")
    finally:
        if stream is not sys.stdin:
            stream.close()


def run_batch(source: str) -> int:
    """Run every line; return 0 when all succeeded, 1 when any failed."""
    from mhv.cli.app import app

    out = state().output
    out.batch = True
    failures = 0
    try:
        lines = _lines(source)
        for n, line in lines:
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            out.collected.clear()
            result: dict[str, object] = {"line": n, "command": text}
            try:
                args = shlex.split(text)
                if args and args[0] == "mhv":
                    args = args[1:]
                if args and args[0] in ("--batch",):
                    raise MhvError("--batch cannot be nested", "remove --batch from the line", code="MHV-110")
                app(args, prog_name="mhv", standalone_mode=False)
                result["ok"] = True
                result["result"] = out.collected[0] if len(out.collected) == 1 else list(out.collected)
            except MhvError as err:
                result["ok"] = False
                result["error"] = err.to_dict()
            except ValueError as err:  # shlex: unbalanced quotes
                result["ok"] = False
                result["error"] = {"code": "MHV-110", "error": f"cannot split the line: {err}",
                                   "hint": "close the quote or escape it with \\"}  # fmt: skip
            except SystemExit as exc:
                result["ok"] = exc.code in (0, None)
            except Exception as exc:  # click usage errors
                if not hasattr(exc, "format_message"):
                    raise
                result["ok"] = False
                result["error"] = {"code": "MHV-110", "error": exc.format_message(),
                                   "hint": "see `mhv --help` for commands and options"}  # fmt: skip
            if not result.get("ok"):
                failures += 1
            sys.stdout.write(dumps(result) + "\n")
            sys.stdout.flush()
    except FileNotFoundError:
        from mhv.cli.output import print_error
        from mhv.errors import UsageError

        print_error(UsageError(f"no batch file {source!r}", "give a file path or - for stdin"))
        return 2
    return 1 if failures else 0
