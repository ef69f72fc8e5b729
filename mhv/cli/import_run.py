"""`mhv import taskwarrior FILE`: read, import, report. Shared by the Typer command (mhv/cli/app.py)
and the fast path (mhv/cli/fast.py), which runs the plain form without building the Typer app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mhv.cli.context import CliState, state
from mhv.errors import ValidationError


def run_import_taskwarrior(st: CliState, file: str) -> None:
    from mhv.tasks.interop.taskwarrior import import_records, read_export

    text = sys.stdin.read() if file == "-" else read_file(file)
    records = read_export(text, source=file)
    report_import(import_records(st.service, records), "Taskwarrior", st)


def report_import(summary: Any, source: str, st: CliState | None = None) -> None:
    """What an import did: counts, then the first 20 skipped records and warnings (or the JSON)."""
    out = (st or state()).output

    def human() -> None:
        out.message(f"Imported from {source}: {summary.created} created, {summary.updated} updated, "
                    f"{len(summary.skipped)} skipped")  # fmt: skip
        for what, why in summary.skipped[:20]:
            out.message(f"  skipped {what}: {why}")
        for w in summary.warnings[:20]:
            out.warn(w)

    out.result(summary.to_json(), human)


def read_file(file: str) -> str:
    try:
        return Path(file).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"no file {file!r}", "check the path (or pass - to read stdin)") from None
    except UnicodeDecodeError as exc:
        from mhv.errors import ImportFormatError

        raise ImportFormatError(
            f"{file} is not UTF-8 text ({exc.reason})", "export it again as JSON"
        ) from None
