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

import sys
from typing import Any

from mhv.cli.context import CliState
from mhv.cli.thin import client_json

__all__ = ["client_json", "direct", "run_read"]

# method -> (module, function) of mhv/tasks/views/
VIEWS = {
    "cli.list": ("listing", "list_view"),
    "cli.show": ("detail", "show_view"),
    "cli.next": ("ranking", "next_view"),
    "cli.search": ("hits", "search_view"),
}


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
    views = importlib.import_module(f"mhv.tasks.views.{module}")
    view = getattr(views, name)
    if method == "cli.list" and not st.output.batch and views.table_only(args):
        from mhv.tasks.filters import StoreReader

        svc: Any = StoreReader(st.store)  # the table needs the store alone: no task service imported
    else:
        svc = st.service
    who = Client.from_json(client)
    with with_client(svc, who):
        rendered = view(svc, args, who, batch=st.output.batch)
    if st.output.batch:
        if rendered.data is not None:
            st.output.result(rendered.data)
        return None
    return rendered.to_json()  # type: ignore[no-any-return]
