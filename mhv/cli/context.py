"""The CLI's shared state: the output mode and a service opened on first use (so --help stays fast)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mhv.cli.output import Output

if TYPE_CHECKING:
    from mhv.store import Store
    from mhv.tasks.service import TaskService


@dataclass
class CliState:
    output: Output = field(default_factory=Output)
    assume_yes: bool = False  # `mhv --batch FILE --yes`: do not refuse unsure lines and deletes
    _service: TaskService | None = None
    _store: Store | None = None

    @property
    def store(self) -> Store:
        """The store alone (`mhv tl` reads its table without the task service: mhv/tasks/filters.py);
        the service's, once there is one."""
        if self._service is not None:
            return self._service.store
        if self._store is None:
            from mhv.store import open_store

            self._store = open_store()
        return self._store

    @property
    def service(self) -> TaskService:
        if self._service is None:
            from mhv.tasks.service import TaskService

            # One-shot: cycle checks in SQL instead of loading every task into memory (docs/graph.md).
            self._service = TaskService(self.store, actor=None, keep_graph=False)
            self._store = None
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.store.close()
            self._service = None
        if self._store is not None:
            self._store.close()
            self._store = None


_current: ContextVar[CliState] = ContextVar("mhv_cli_state")


def state() -> CliState:
    """The state of the running invocation (each `main()` call, or each test, starts a fresh one)."""
    try:
        return _current.get()
    except LookupError:
        fresh = CliState()
        _current.set(fresh)
        return fresh


def new_state(**kwargs: object) -> CliState:
    fresh = CliState(**kwargs)  # type: ignore[arg-type]
    _current.set(fresh)
    return fresh
