"""UI test fixtures: a SQLite-only service with a fixed clock and the app from the one factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dateutil.tz import UTC
from textual.worker import WorkerCancelled

from mhv.app.main import make_app
from mhv.app.settings import Settings
from mhv.store import open_store
from mhv.tasks.service import TaskService

SIZE = (120, 34)


@pytest.fixture
def ui_service(tmp_path: Path, clock: Any) -> Iterator[TaskService]:
    store = open_store(f"sqlite:///{tmp_path / 'ui.db'}")
    yield TaskService(store, clock=clock, tz=UTC, actor="test")
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(config_dir=tmp_path / "config")


@pytest.fixture
def make(ui_service: TaskService, clock: Any, settings: Settings) -> Any:
    def build(**kwargs: Any) -> Any:
        return make_app(
            ui_service, clock=clock, live=False, settings=kwargs.pop("settings", settings), **kwargs
        )

    return build


def add_tasks(svc: TaskService, n: int = 20) -> None:
    repos = ["crackerjack", "acb", None]
    prios = ["critical", "high", "medium", "low"]
    for i in range(1, n + 1):
        svc.create(
            {
                "title": f"task number {i} fix the thing",
                "priority": prios[i % 4],
                "repo": repos[i % 3],
                "tags": ["ci"] if i % 2 else ["perf", "db"],
                "due": f"2026-12-{(i % 28) + 1:02d}" if i % 3 else None,
            }
        )


async def settle(pilot: Any) -> None:
    """Let workers (counts, pages) finish and their messages land. A reload that a newer one
    replaced (exclusive workers) is cancelled, which ``wait_for_complete`` reports by raising: wait
    again."""
    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()
