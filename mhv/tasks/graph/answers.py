"""What the graph answers return: a view of the graph (`GraphView`) and one ranked task (`Ranked`).

Apart from mhv/tasks/graph/queries.py, which every TaskService imports, so a one-shot command that
asks neither (`mhv tc`) does not build these classes (tests/unit/cli/test_tc_lazy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhv.tasks.graph.algorithms import DependencyGraph
    from mhv.tasks.graph.urgency import Urgency
    from mhv.tasks.models import Task


@dataclass(frozen=True, slots=True)
class GraphView:
    """The tasks of one view (a subgraph with the true blocked state of each task), the focused
    task (None for a repository or tag view) and whether the walk stopped at ``max_nodes``.
    ``total``: the tasks the view would hold without the cap; ``unlinked``: for the view of every
    open task, the open tasks left out because nothing links them to another open task."""

    graph: DependencyGraph
    focus: str | None
    truncated: bool
    title: str
    total: int = 0
    unlinked: int = 0


@dataclass(frozen=True, slots=True)
class Ranked:
    task: Task
    urgency: Urgency
    blocking: bool
    blocked: bool

    def to_json(self, rank: int) -> dict[str, Any]:
        """One line of `mhv next --json` (and the JSON-RPC ``tasks.next``)."""
        return {
            "rank": rank,
            "urgency": round(self.urgency.score, 4),
            "blocking": self.blocking,
            "blocked": self.blocked,
            "breakdown": [
                {
                    "term": t.term,
                    "value": round(t.value, 4),
                    "factor": round(t.factor, 4),
                    "coefficient": t.coefficient,
                }
                for t in self.urgency.terms
            ],
            "task": self.task.to_json(),
        }
