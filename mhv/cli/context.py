"""The CLI's shared state: the output mode and a service opened on first use (so --help stays fast)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mhv.cli.output import Output

if TYPE_CHECKING:
    from mhv.tasks.service import TaskService


@dataclass
class CliState:
    output: Output = field(default_factory=Output)
    assume_yes: bool = False  # `mhv --batch FILE --yes`: do not refuse unsure lines and deletes
    _service: TaskService | None = None

    @property
    def service(self) -> TaskService:
        if self._service is None:
            from mhv.store import open_store
            from mhv.tasks.service import TaskService

            # One-shot: cycle checks in SQL instead of loading every task into memory (docs/graph.md).
            self._service = TaskService(open_store(), actor=None, keep_graph=False)
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.store.close()
            self._service = None


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
