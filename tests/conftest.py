from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# A copy of ../shared/data (read-only real payloads), so a checkout anywhere has them.
SHARED_DATA = REPO_ROOT / "tests" / "fixtures" / "shared"


class FakeClock:
    """A clock that only moves when told to (tests never read the real time)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture(autouse=True)
def mhv_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "mhv-home"
    monkeypatch.setenv("MHV_HOME", str(home))
    monkeypatch.delenv("MHV_DATABASE_URL", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.pg import postgres_url, stop_servers

    yield postgres_url(tmp_path_factory)
    stop_servers()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mhv.db'}"
    from tests.pg import fresh_database

    return fresh_database(request.getfixturevalue("pg_server_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[object]:
    from mhv.store import open_store

    s = open_store(database_url)
    yield s
    s.close()


@pytest.fixture
def service(store: object, clock: FakeClock) -> object:
    from dateutil.tz import UTC as tz_utc

    from mhv.tasks.service import TaskService

    return TaskService(store, clock=clock, tz=tz_utc, actor="test")  # type: ignore[arg-type]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MHV_SKIP_POSTGRES"):
        skip = pytest.mark.skip(reason="MHV_SKIP_POSTGRES is set")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


# --- TUI snapshots (DESIGN section 11): SVGs live in snapshots/<test file>/, not next to the tests.
try:
    from pytest_textual_snapshot import SVGImageExtension as _SVG

    _SVG.dirname = classmethod(  # type: ignore[method-assign,assignment]
        lambda cls, *, test_location: str(REPO_ROOT / "snapshots" / test_location.basename)
    )
except ImportError:  # pragma: no cover - the dev extras are not installed
    pass
