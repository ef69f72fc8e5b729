"""Entry points: ``make_app`` (used by ``mhv`` and by every UI test) and ``run_app``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mhv.app.app import MhvApp
from mhv.app.settings import Settings, load_settings
from mhv.tasks.service import TaskService


def make_app(service: TaskService, *, clock: Callable[[], datetime] | None = None, live: bool = True,
             settings: Settings | None = None, tour: bool = False) -> MhvApp:  # fmt: skip
    """The workspace over ``service``. ``live=False`` turns the file watcher off (tests drive it).

    ``tour=True`` starts the onboarding tour at once (`mhv tour`); on the very first start (no
    state.json yet) the first-run choices, then the tour, open by themselves.
    """
    app = MhvApp(service, clock=clock, live=live, settings=settings)
    app.start_tour_on_mount = tour
    return app


def run_app(*, tour: bool = False) -> None:
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
        make_app(service, settings=load_settings(), tour=tour).run()
    finally:
        store.close()
