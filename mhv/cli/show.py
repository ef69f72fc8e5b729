"""`mhv show`'s text for a task this process holds (a `show 42` line typed to `mhv tc`): the view of
mhv/tasks/views/detail.py, for this process's terminal."""

from __future__ import annotations

import sys
from typing import Any

from mhv.tasks.views.detail import describe_event

__all__ = ["describe_event", "print_task"]


def print_task(service: Any, task: Any) -> None:
    from mhv.cli.reads import client_json
    from mhv.tasks.views import Client
    from mhv.tasks.views.detail import render_task

    client = Client.from_json(client_json(rich=True))
    client = Client(
        service.clock(), client.tz_name, client.columns, client.color, client.color_err, client.term
    )
    sys.stdout.write(render_task(service, task, client))
