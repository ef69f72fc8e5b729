"""Taskwarrior's dependency behaviours (test/dependencies.t, 2.6), ported as data.

Each scenario creates tasks numbered 1..N (ids "t1".."tN"), then runs steps:
- ("dep", task, on, outcome)    outcome: "ok", "noop" (already there) or the expected cycle
- ("undep", task, on, outcome)  outcome: "ok" or "not found"
- ("done", n, unblocked, repair) complete n: the tasks it unblocks, and the chain repair
                                Taskwarrior offers (then applied, as answering "y" does)
- ("delete", n, unblocked, repair)
- ("state", blocked, blocking)  the BLOCKED and BLOCKING virtual tags
"""

from __future__ import annotations

from typing import Any

import pytest

from mhv.errors import CycleError, NotFoundError
from mhv.tasks.graph.algorithms import DependencyGraph, Edge, NodeInfo, repair_chain_on_delete

SCENARIOS: list[tuple[str, int, list[tuple[Any, ...]]]] = [
    ("test_circular_1: a task cannot depend on itself", 2, [("dep", 1, 1, [1, 1])]),
    (
        "test_circular_2: 2-task cycle",
        2,
        [("dep", 2, 1, "ok"), ("dep", 1, 2, [1, 2, 1])],
    ),
    (
        "test_circular_5: 5-task cycle",
        5,
        [
            ("dep", 5, 4, "ok"),
            ("dep", 4, 3, "ok"),
            ("dep", 3, 2, "ok"),
            ("dep", 2, 1, "ok"),
            ("dep", 1, 5, [1, 5, 4, 3, 2, 1]),
        ],
    ),
    (
        "test_dag: a diamond is not a cycle",
        3,
        [("dep", 1, 2, "ok"), ("dep", 1, 3, "ok"), ("dep", 2, 3, "ok"), ("dep", 1, 2, "noop")],
    ),
    ("test_double_dep: adding a dependency twice", 2, [("dep", 2, 1, "ok"), ("dep", 2, 1, "noop")]),
    (
        "test_blocked_blocking",
        2,
        [("dep", 2, 1, "ok"), ("state", {2}, {1})],
    ),
    (
        "test_modify_multiple: dep:2,3,4 then dep:5,-4",
        5,
        [
            ("dep", 1, 2, "ok"),
            ("dep", 1, 3, "ok"),
            ("dep", 1, 4, "ok"),
            ("dep", 1, 5, "ok"),
            ("undep", 1, 4, "ok"),
            ("state", {1}, {2, 3, 5}),
        ],
    ),
    ("test_removing_missing_dep", 2, [("undep", 1, 2, "not found")]),
    (
        "test_done_dep: completing a blocker unblocks",
        2,
        [("dep", 1, 2, "ok"), ("state", {1}, {2}), ("done", 2, [1], []), ("state", set(), set())],
    ),
    (
        "feature 725: unblocked feedback",
        4,
        [
            ("dep", 1, 2, "ok"),
            ("dep", 1, 3, "ok"),
            ("dep", 4, 1, "ok"),
            ("done", 2, [], []),
            ("done", 3, [1], []),
            ("delete", 1, [4], []),
        ],
    ),
    (
        "test_chain_repair: 1 <- 2 <- 3 <- 4",
        4,
        [
            ("dep", 2, 1, "ok"),
            ("dep", 3, 2, "ok"),
            ("dep", 4, 3, "ok"),
            ("done", 2, [], [(3, 1)]),  # "Would you like the dependency chain fixed?" y
            ("state", {3, 4}, {1, 3}),
            ("done", 1, [3], []),  # no repair: 1 had no blockers
            ("delete", 4, [], []),  # no repair: nothing waits for 4
        ],
    ),
    (
        "delete repairs the chain: A -> B -> C becomes A -> C",
        3,
        [("dep", 1, 2, "ok"), ("dep", 2, 3, "ok"), ("delete", 2, [], [(1, 3)]), ("state", {1}, {3})],
    ),
    (
        "delete with fan-in and fan-out: 1,4 -> [2] -> 3,5",
        5,
        [
            ("dep", 1, 2, "ok"),
            ("dep", 4, 2, "ok"),
            ("dep", 2, 3, "ok"),
            ("dep", 2, 5, "ok"),
            ("delete", 2, [], [(1, 3), (1, 5), (4, 3), (4, 5)]),
        ],
    ),
    (
        "repair skips finished blockers",
        3,
        [("dep", 1, 2, "ok"), ("dep", 2, 3, "ok"), ("done", 3, [2], []), ("delete", 2, [1], [])],
    ),
]


def tid(n: int) -> str:
    return f"t{n}"


def run_step(graph: DependencyGraph, step: tuple[Any, ...]) -> None:
    op = step[0]
    if op == "dep":
        _, task, on, outcome = step
        if isinstance(outcome, list):
            assert graph.would_create_cycle(tid(task), tid(on)) == [tid(n) for n in outcome]
            with pytest.raises(CycleError) as caught:
                graph.add_edge(tid(task), tid(on))
            assert caught.value.details["cycle"] == [tid(n) for n in outcome]
            assert "#" in caught.value.message
            return
        before = set(graph.edges())
        assert graph.would_create_cycle(tid(task), tid(on)) is None
        graph.add_edge(tid(task), tid(on))
        assert graph.has_edge(tid(task), tid(on))
        if outcome == "noop":
            assert set(graph.edges()) == before
    elif op == "undep":
        _, task, on, outcome = step
        if outcome == "not found":
            with pytest.raises(NotFoundError):
                graph.remove_edge(tid(task), tid(on))
        else:
            graph.remove_edge(tid(task), tid(on))
    elif op in ("done", "delete"):
        _, n, unblocked, repair = step
        edges = repair_chain_on_delete(graph, tid(n))
        assert edges == [Edge(tid(a), tid(b)) for a, b in repair]
        if not edges:
            assert graph.unblocked_by(tid(n)) == [tid(u) for u in unblocked]
        blocked_before = {t for t in graph.nodes() if graph.is_blocked(t)}
        waiting = graph.dependents(tid(n))
        if op == "done":
            graph.set_status(tid(n), "completed")
            for edge in edges:  # Taskwarrior rewires: waiting tasks drop n and take n's blockers
                graph.add_edge(*edge)
            if edges:
                for w in waiting:
                    graph.remove_edge(w, tid(n))
        else:
            change = graph.remove_node(tid(n))
            if not edges:
                assert list(change.unblocked) == [tid(u) for u in unblocked]
            for edge in edges:
                graph.add_edge(*edge)
        # The net effect of the whole action (completion or deletion plus its repair).
        blocked_after = {t for t in graph.nodes() if graph.is_blocked(t)}
        assert sorted(blocked_before - blocked_after - {tid(n)}) == [tid(u) for u in unblocked]
    elif op == "state":
        _, blocked, blocking = step
        assert {n for n in graph.nodes() if graph.is_blocked(n)} == {tid(b) for b in blocked}
        assert {n for n in graph.nodes() if graph.is_blocking(n)} == {tid(b) for b in blocking}
    else:  # pragma: no cover
        raise AssertionError(op)


@pytest.mark.parametrize(("name", "count", "steps"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_taskwarrior_dependency_behaviour(name: str, count: int, steps: list[tuple[Any, ...]]) -> None:
    graph = DependencyGraph([], {tid(n): NodeInfo(number=n, title=f"task {n}") for n in range(1, count + 1)})
    for step in steps:
        run_step(graph, step)
