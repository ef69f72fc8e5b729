"""What the workspace does at start for a new user: first-run choices, then the tour (or resume it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mhv.tasks.models import STATUSES, TaskFilter

if TYPE_CHECKING:
    from mhv.app.app import MhvApp


def on_start(app: MhvApp) -> None:
    from mhv.app.tour import STEP_IDS

    state = app.settings.state()
    found = state.get("tour")
    tour: dict[str, Any] = found if isinstance(found, dict) else {}
    if app.start_tour_on_mount:  # `mhv tour`: the tour itself, the first-run choices wait for a plain start
        start_tour(app)
    elif app.settings.first_run and not state.get("onboarded") and app.service.count(TaskFilter(statuses=STATUSES)) == 0:
        from mhv.app.first_run import FirstRunScreen

        app.push_screen(FirstRunScreen(), lambda take: start_tour(app) if take else None)
    elif tour.get("status") == "active" and tour.get("step") in STEP_IDS:
        start_tour(app, str(tour["step"]))
        app.notify("Resuming the tour where you left it (escape on the task list skips it).", title="mhv tour")


def start_tour(app: MhvApp, step: str | None = None) -> None:
    """Start (or restart) the tour over the app, in a sandbox workspace."""
    from mhv.app.tour import Tour

    if app.tour is not None:
        return
    while len(app.screen_stack) > 1:  # the tour points at the workspace itself
        app.pop_screen()
    app.tour = Tour(app, start_at=step)
    app.tour.start()
