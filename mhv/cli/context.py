"""The CLI's shared state: the output mode and a service opened on first use (so --help stays fast)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from mhv.cli.output import Output

if TYPE_CHECKING:
    from mhv.tasks.service import TaskService


@dataclass
class CliState:
    output: Output = field(default_factory=Output)
    _service: TaskService | None = None

    @property
    def service(self) -> TaskService:
        if self._service is None:
            from mhv.store import open_store
            from mhv.tasks.service import TaskService

            self._service = TaskService(open_store(), actor=None)
        return self._service

    def now(self) -> datetime:
        return self.service.clock()


STATE = CliState()
