"""DependencyGraph operations on small hand-made graphs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from mhv.errors import CycleError, NotFoundError
from mhv.tasks.graph.algorithms import (
    BlockChange,
    DependencyGraph,
    NodeInfo,
    name_cycle,
    subtask_progress,
)


def build(edges: list[tuple[str, ...]], **extra: dict[str, object]) -> DependencyGraph:
    names = sorted({n for e in edges for n in e[:2]} | set(extra))
    nodes = {n: {"number": i + 1, "title": n, **extra.get(n, {})} for i, n in enumerate(names)}
    return DependencyGraph(edges, nodes)  # type: ignore[arg-type]


def test_constructor_rejects_a_cycle_and_names_it() -> None:
    with pytest.raises(CycleError) as caught:
        build([("a", "b"), ("b", "c"), ("c", "a")])
    assert caught.value.details["cycle"] == ["a", "b", "c", "a"]
    assert "#1 → #2 → #3 → #1" in caught.value.message


def test_self_dependency_message() -> None:
    graph = build([("a", "b")])
    with pytest.raises(CycleError, match="cannot depend on itself"):
        graph.add_edge("a", "a")


def test_cycle_error_hint_names_an_existing_link() -> None:
    graph = build([("b", "a"), ("c", "b")])
    with pytest.raises(CycleError) as caught:
        graph.add_edge("a", "c")
    assert caught.value.details["cycle"] == ["a", "c", "b", "a"]
    assert "mhv unblock 3 --from 2" in caught.value.hint
    assert graph.blockers("a") == []  # unchanged


def test_blockers_and_dependents_direct_and_transitive() -> None:
    graph = build([("d", "c"), ("c", "b"), ("c", "a"), ("e", "c")])
    assert graph.blockers("c") == ["a", "b"]
    assert graph.blockers("d", transitive=True) == ["a", "b", "c"]
    assert graph.dependents("a") == ["c"]
    assert graph.dependents("a", transitive=True) == ["c", "d", "e"]


def test_unblocked_by_and_events() -> None:
    graph = build([("c", "a"), ("c", "b"), ("d", "a")])
    assert graph.unblocked_by("a") == ["d"]
    assert graph.set_status("b", "completed") == BlockChange()
    assert graph.unblocked_by("a") == ["c", "d"]
    assert graph.set_status("a", "cancelled") == BlockChange(unblocked=("c", "d"))
    assert graph.set_status("a", "pending") == BlockChange(blocked=("c", "d"))
    assert graph.add_edge("a", "b") == BlockChange()  # b is completed: a is not blocked
    assert graph.add_edge("b", "e") == BlockChange()  # b is finished: never "blocked"


def test_related_edges_never_block_or_cycle() -> None:
    graph = build([("a", "b", "related"), ("b", "a", "related")])
    assert not graph.is_blocked("a")
    assert graph.related("a") == ["b"]
    assert graph.would_create_cycle("a", "b") is None
    graph.add_edge("a", "b")  # switching kind to blocks
    assert graph.edge_kind("a", "b") == "blocks"
    assert graph.is_blocked("a")
    with pytest.raises(CycleError):
        graph.add_edge("b", "a")  # b related a exists, but as blocks it would cycle
    assert graph.edge_kind("b", "a") == "related"


def test_unknown_ids() -> None:
    graph = build([("a", "b")])
    assert graph.would_create_cycle("a", "zzz") is None
    graph.add_edge("new", "a")  # unknown ids become bare nodes
    assert graph.info("new") == NodeInfo()
    with pytest.raises(NotFoundError):
        graph.blockers("missing")


def test_topological_order_is_stable_by_number() -> None:
    graph = build([("c", "a"), ("b", "a")], d={"number": 0})
    assert graph.topological_order() == ["d", "a", "b", "c"]
    assert graph.topological_order(["b", "c"]) == ["b", "c"]


def test_critical_path_and_slack_on_a_diamond() -> None:
    #   a(30) <- b(120) <- d(10)
    #   a(30) <- c(None -> default 60) <- d
    graph = build(
        [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")],
        a={"estimate_minutes": 30},
        b={"estimate_minutes": 120},
        d={"estimate_minutes": 10},
    )
    cp = graph.critical_path()
    assert cp.path == ("a", "b", "d") and cp.length_minutes == 160
    assert graph.slack("c") == 60
    assert graph.slack("b") == 0
    assert graph.critical_path(default_estimate_minutes=200).path == ("a", "c", "d")
    graph.set_status("a", "completed")
    assert graph.critical_path().length_minutes == 130  # finished work is left out
    assert graph.critical_path([]).path == ()


def test_component_directions_and_limit() -> None:
    graph = build(
        [("b", "a"), ("c", "b"), ("d", "c"), ("x", "b"), ("b", "y"), ("z", "y"), ("b", "r", "related")]
    )
    assert graph.component("c", "up").nodes == ("c", "b", "a", "y")
    assert graph.component("c", "down").nodes == ("c", "d")
    assert set(graph.component("c", "both").nodes) == {"a", "b", "c", "d", "y"}
    assert set(graph.component("c", "connected").nodes) == {"a", "b", "c", "d", "x", "y", "z"}
    assert "r" in graph.component("c", "both", include_related=True).nodes
    limited = graph.component("c", "connected", max_nodes=3)
    assert len(limited.nodes) == 3 and limited.truncated
    assert not graph.component("d", "down").truncated


def test_subgraph_for_repo_keeps_cross_repo_neighbours() -> None:
    graph = build(
        [("deploy", "migrate"), ("migrate", "review"), ("other", "x")],
        deploy={"repo": "web"},
        migrate={"repo": "api"},
        review={"repo": "api"},
        other={"repo": "web", "tags": ("ci",)},
    )
    web = graph.subgraph_for_repo("web")
    assert sorted(web.nodes()) == ["deploy", "migrate", "other", "x"]
    assert web.has_edge("deploy", "migrate")
    assert sorted(graph.subgraph_for_repo("web", include_neighbours=False).nodes()) == ["deploy", "other"]
    assert sorted(graph.subgraph_for_tag("ci").nodes()) == ["other", "x"]


def test_subtasks_and_progress() -> None:
    graph = DependencyGraph(
        [],
        {
            "p": NodeInfo(number=1),
            "c1": NodeInfo(number=2, parent_id="p", status="completed"),
            "c2": NodeInfo(number=3, parent_id="p", status="cancelled"),
            "c3": NodeInfo(number=4, parent_id="p"),
        },
    )
    assert graph.children("p") == ["c1", "c2", "c3"]
    progress = graph.progress("p")
    assert (progress.completed, progress.cancelled, progress.open, progress.total) == (1, 1, 1, 2)
    assert progress.fraction == 0.5 and not progress.all_finished
    graph.set_status("c3", "completed")
    assert graph.progress("p").all_finished
    graph.update_node("c3", parent_id=None)
    assert graph.children("p") == ["c1", "c2"]
    assert subtask_progress([]).fraction is None
    assert subtask_progress(["cancelled"]).fraction == 1.0


def test_node_info_from_objects_and_mappings() -> None:
    @dataclass
    class Task:
        number: int
        title: str
        status: str
        repo: str | None
        estimate_minutes: int | None
        tags: list[str]
        parent_id: str | None

    info = NodeInfo.of(Task(7, "x", "in_progress", "api", 30, ["a"], None))
    assert info == NodeInfo(7, "x", "in_progress", "api", 30, ("a",), None)
    assert NodeInfo.of({"number": 3, "tags": None}).tags == ()


def test_remove_node_unblocks_and_forgets_edges() -> None:
    graph = build([("b", "a"), ("c", "a"), ("c", "d"), ("a", "e", "related")])
    assert graph.remove_node("a") == BlockChange(unblocked=("b",))
    assert "a" not in graph and graph.blockers("c") == ["d"] and graph.related("e") == []


def test_a_long_cycle_is_named_by_its_ends_and_details_keep_all_of_it() -> None:
    names = [f"n{i:02d}" for i in range(20)]  # n01 waits for n00, ..., n19 for n18; numbers 1..20
    graph = build([(b, a) for a, b in itertools.pairwise(names)])
    with pytest.raises(CycleError) as caught:
        graph.add_edge("n00", "n19")
    assert caught.value.details["cycle"] == ["n00", *reversed(names)]
    assert caught.value.message == (
        "That dependency would form a cycle of 20 tasks: #1 → #20 → #19 → #18 → #17 → #16 → #15 → #14"
        " → (5 more) → #8 → #7 → #6 → #5 → #4 → #3 → #2 → #1."
    )
    assert "mhv unblock 20 --from 19" in caught.value.hint
    assert name_cycle(list(range(17)), str, "-") == "-".join(map(str, range(17)))  # 16 tasks: whole
