"""The one-shot read commands (`mhv tl`, `mhv show`, `mhv next`, `mhv ts`) through the sync service
when one answers, else directly: the same view (mhv/tasks/views/) builds the output either way,
from the same arguments and the same `Client` (this process's clock, time zone and terminal), so
the text, the JSON, the errors and the exit codes are the same.

Through the service this process imports only the standard library and mhv/cli/remote.py: no store,
no parser, no Rich. ``--batch`` always runs directly (its results are collected as data), and so does
`mhv tl --json`: every field of every task is the work either way, and through the service it is
encoded twice and piped (10,000 tasks: 326 ms directly, 440 ms through the service; docs/performance.md).
The service still answers ``cli.list`` with ``"json": true`` for other clients.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from typing import Any

from mhv.cli.context import CliState
from mhv.cli.output import use_color

# method -> (module, function) of mhv/tasks/views/
VIEWS = {
    "cli.list": ("listing", "list_view"),
    "cli.show": ("detail", "show_view"),
    "cli.next": ("ranking", "next_view"),
    "cli.search": ("hits", "search_view"),
}
RICH_ENV = (
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def client_json(*, rich: bool = False) -> dict[str, Any]:
    """What the view needs to print as this process would (mhv/tasks/views/client.py reads it)."""
    data: dict[str, Any] = {
        "now": datetime.now(UTC).isoformat(),
        "tz": os.environ.get("TZ"),
        "columns": shutil.get_terminal_size((120, 24)).columns,
        "color": use_color(),
        "color_err": use_color(sys.stderr),
    }
    if rich:  # as rich.console.Console would see this process's stdout
        size = None
        for fd in (0, 1, 2):
            try:
                size = list(os.get_terminal_size(fd))
            except (AttributeError, ValueError, OSError):
                continue
            break
        data["term"] = {
            "env": {k: os.environ[k] for k in RICH_ENV if k in os.environ},
            "isatty": _isatty(sys.stdout),
            "size": size,
            "encoding": getattr(sys.stdout, "encoding", None) or "utf-8",
        }
    if "MHV_EMBED_MODEL_DIR" in os.environ:  # search: the service must use the same model
        data["model_dir"] = os.environ["MHV_EMBED_MODEL_DIR"]
    return data


def run_read(st: CliState, method: str, args: dict[str, Any]) -> None:
    """Print what the read command ``method`` prints, through the service when one answers."""
    out = st.output
    client = client_json(rich=method == "cli.show")
    answer: Any = None
    if not out.batch and not (method == "cli.list" and args.get("json")):
        from mhv.cli import remote

        try:
            answer = remote.call(method, {"args": args, "client": client}, write=False)
        except remote.Unavailable:
            answer = None
        if not (isinstance(answer, dict) and isinstance(answer.get("stdout"), str)):
            answer = None  # {"direct": why} (the service cannot answer this one alike), or a stranger reply
    if answer is None:
        answer = direct(st, method, args, client)
        if answer is None:
            return
    if answer.get("stderr"):
        sys.stderr.write(answer["stderr"])
        sys.stderr.flush()
    sys.stdout.write(answer["stdout"])


def direct(st: CliState, method: str, args: dict[str, Any], client: dict[str, Any]) -> dict[str, str] | None:
    """The view run here; in batch mode its data is collected and None is returned."""
    import importlib

    from mhv.tasks.views import Client, with_client

    module, name = VIEWS[method]
    view = getattr(importlib.import_module(f"mhv.tasks.views.{module}"), name)
    svc = st.service
    who = Client.from_json(client)
    with with_client(svc, who):
        rendered = view(svc, args, who, batch=st.output.batch)
    if st.output.batch:
        if rendered.data is not None:
            st.output.result(rendered.data)
        return None
    return rendered.to_json()  # type: ignore[no-any-return]
