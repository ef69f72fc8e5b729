"""The task service: the one door to the store for the TUI, the CLI, batch mode and the sync service.

Every user action is one transaction that also appends its events to the log (DESIGN section 4), so
undo/redo, history and live updates all come from the same place. ``TaskService`` is composed of
parts with one responsibility each (mhv/tasks/service_parts/): ``core`` (state, the action and its
transaction), ``reads`` (reads and filters), ``dependencies`` (links, cycles, derived blocked status),
``writes`` (task actions), ``undo`` (undo/redo), ``repositories``; and the graph answers
(mhv/tasks/graph/queries.py). Callers import only this module.
"""

from __future__ import annotations

from mhv.tasks.graph.queries import GraphQueries
from mhv.tasks.service_parts.core import Clock, local_tz, utc_now
from mhv.tasks.service_parts.repositories import Repositories
from mhv.tasks.service_parts.undo import UndoRedo
from mhv.tasks.service_parts.writes import TaskWrites

__all__ = ["Clock", "TaskService", "local_tz", "utc_now"]


class TaskService(TaskWrites, UndoRedo, Repositories, GraphQueries):
    """TaskService(store, *, clock=None, tz=None, actor=None, keep_graph=True): see ServiceCore."""
