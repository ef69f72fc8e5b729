"""Entry points: ``make_app`` (used by ``mhv`` and by every UI test) and ``run_app``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mhv.app.app import MhvApp
from mhv.app.settings import Settings, load_settings
from mhv.tasks.service import TaskService


def make_app(service: TaskService, *, clock: Callable[[], datetime] | None = None, live: bool = True,
             settings: Settings | None = None) -> MhvApp:  # fmt: skip
    """The workspace over ``service``. ``live=False`` turns the file watcher off (tests drive it)."""
    return MhvApp(service, clock=clock, live=live, settings=settings)


def run_app() -> None:
    """`mhv` with no command."""
    from mhv.errors import MhvError
    from mhv.store import open_store

    try:
        store = open_store()
    except MhvError as err:
        import sys

        sys.stderr.write(f"{err}\n")
        raise SystemExit(err.exit_code) from None
    store.checkpoint_in_background()  # WAL checkpoints off the UI thread's commits (docs/graph.md)
    try:
        service = TaskService(store, actor=None)
        make_app(service, settings=load_settings()).run()
    finally:
        store.close()
