"""Property tests: the graph against brute force on small random graphs."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from mhv.errors import CycleError
from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo, find_cycle_in_edges

Pair = tuple[int, int]


def reaches(edges: set[Pair], start: int, goal: int) -> bool:
    """Brute force: can ``start`` reach ``goal`` following waits-for edges?"""
    seen, stack = {start}, [start]
    while stack:
        n = stack.pop()
        if n == goal:
            return True
        for a, b in edges:
            if a == n and b not in seen:
                seen.add(b)
                stack.append(b)
    return False


def node_ids(n: int) -> dict[str, NodeInfo]:
    return {str(i): NodeInfo(number=i + 1, title=f"task {i}") for i in range(n)}


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 9) -> tuple[int, list[Pair]]:
    """A DAG: a hidden order, edges only from later to earlier tasks, in a random insert order."""
    n = draw(st.integers(1, max_nodes))
    hidden = draw(st.permutations(range(n)))
    pairs = [(hidden[j], hidden[i]) for i, j in itertools.combinations(range(n), 2)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    return n, chosen


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=25)
        )
    )
)
def test_never_accepts_a_cycle(case: tuple[int, list[Pair]]) -> None:
    n, attempts = case
    graph = DependencyGraph([], node_ids(n))
    accepted: set[Pair] = set()
    for a, b in attempts:
        closes = a == b or reaches(accepted, b, a)
        cycle = graph.would_create_cycle(str(a), str(b))
        assert (cycle is not None) == closes
        if closes:
            assert cycle is not None
            # The reported cycle is real: the new edge followed by existing edges back to the start.
            assert cycle[0] == cycle[-1] == str(a)
            assert cycle[1] == str(b)
            assert all((int(x), int(y)) in accepted for x, y in itertools.pairwise(cycle[1:]))
            try:
                graph.add_edge(str(a), str(b))
            except CycleError:
                pass
            else:  # pragma: no cover
                raise AssertionError("cycle accepted")
        else:
            graph.add_edge(str(a), str(b))
            accepted.add((a, b))
    assert find_cycle_in_edges(list(graph.edges())) is None
    order = graph._ord  # the maintained order agrees with every edge
    assert all(order[e.depends_on] < order[e.task] for e in graph.edges())


@settings(max_examples=200, deadline=None)
@given(dags())
def test_random_dags_are_accepted_and_reverse_edges_rejected(case: tuple[int, list[Pair]]) -> None:
    n, pairs = case
    graph = DependencyGraph([], node_ids(n))
    for a, b in pairs:
        graph.add_edge(str(a), str(b))
    for a, b in pairs:
        assert graph.would_create_cycle(str(b), str(a)) is not None


@settings(max_examples=200, deadline=None)
@given(dags())
def test_topological_order_respects_every_edge(case: tuple[int, list[Pair]]) -> None:
    n, pairs = case
    graph = DependencyGraph([(str(a), str(b)) for a, b in pairs], node_ids(n))
    order = graph.topological_order()
    assert sorted(order) == sorted(graph.nodes())
    position = {t: i for i, t in enumerate(order)}
    assert all(position[e.depends_on] < position[e.task] for e in graph.edges())
    # Stable: whenever two neighbours in the order could swap, the lower number comes first.
    for x, y in itertools.pairwise(order):
        if not graph.has_edge(y, x):
            ready_together = set(graph.blockers(y)) <= set(order[: position[x]])
            if ready_together:
                assert graph.info(x).number < graph.info(y).number


def longest_path(n: int, pairs: list[Pair], weight: dict[int, int]) -> int:
    waits_for: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, b in pairs:
        waits_for[a].append(b)

    def walk(node: int) -> int:  # brute force over every path ending at node
        return weight[node] + max((walk(b) for b in waits_for[node]), default=0)

    return max((walk(i) for i in range(n)), default=0)


@settings(max_examples=200, deadline=None)
@given(dags(max_nodes=8), st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=8, max_size=8))
def test_critical_path_is_the_longest_path(case: tuple[int, list[Pair]], estimates: list[int | None]) -> None:
    n, pairs = case
    nodes = {str(i): NodeInfo(number=i + 1, estimate_minutes=estimates[i]) for i in range(n)}
    graph = DependencyGraph([(str(a), str(b)) for a, b in pairs], nodes, default_estimate_minutes=45)
    weight = {i: 45 if e is None else e for i, e in enumerate(estimates[:n])}
    schedule = graph.schedule()
    path = schedule.critical_path
    assert path.length_minutes == longest_path(n, pairs, weight)
    assert sum(weight[int(t)] for t in path.path) == path.length_minutes
    assert all(graph.has_edge(b, a) for a, b in itertools.pairwise(path.path))  # a chain, blockers first
    for t in graph.nodes():
        assert schedule.slack(t) >= 0
    assert all(schedule.slack(t) == 0 for t in path.path)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=15))
def test_find_cycle_in_edges_matches_brute_force(pairs: list[Pair]) -> None:
    edges = set(pairs)
    cyclic = any(reaches(edges - {(a, b)}, b, a) or a == b for a, b in edges)
    cycle = find_cycle_in_edges([(str(a), str(b)) for a, b in pairs])
    assert (cycle is not None) == cyclic
    if cycle is not None:
        assert cycle[0] == cycle[-1]
        assert all((int(x), int(y)) in edges for x, y in itertools.pairwise(cycle))


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(st.just("remove"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(
            st.just("status"),
            st.integers(0, 5),
            st.sampled_from(["pending", "completed", "cancelled", "in_progress"]),
        ),
        st.tuples(st.just("delete"), st.integers(0, 5), st.just(0)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_incremental_blocked_state_matches_recomputation(ops: list[tuple[str, int, object]]) -> None:
    graph = DependencyGraph([], node_ids(6))
    for op, x, y in ops:
        a = str(x)
        if a not in graph:
            continue
        before = {t: graph.is_blocked(t) for t in graph.nodes()}
        change = None
        if op == "add" and str(y) in graph and graph.would_create_cycle(a, str(y)) is None:
            change = graph.add_edge(a, str(y))
        elif op == "remove" and graph.has_edge(a, str(y)):
            change = graph.remove_edge(a, str(y))
        elif op == "status":
            change = graph.set_status(a, str(y))
        elif op == "delete":
            change = graph.remove_node(a)
        for t in graph.nodes():
            expected = not graph.info(t).finished and any(
                not graph.info(b).finished for b in graph.blockers(t)
            )
            assert graph.is_blocked(t) == expected
        if change is not None:
            flipped = {t for t in graph.nodes() if t in before and before[t] != graph.is_blocked(t)}
            if op == "status":
                flipped.discard(a)
            assert set(change.blocked) | set(change.unblocked) == flipped


def assert_order_valid(graph: DependencyGraph) -> None:
    """The maintained labels are a topological order, and the linked list walks them in order."""
    order = graph._ord
    assert all(order[e.depends_on] < order[e.task] for e in graph.edges("blocks"))
    walked, node = [], graph._head
    while node is not None:
        walked.append(node)
        node = graph._next[node]
    assert sorted(walked) == sorted(graph.nodes())
    assert all(order[a] < order[b] for a, b in itertools.pairwise(walked))


GRAPH_OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "add", "remove", "delete", "new"]),
        st.integers(0, 11),
        st.integers(0, 11),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), GRAPH_OPS)
def test_incremental_order_stays_topological_and_agrees_with_dfs(
    preload: int, ops: list[tuple[str, int, int]]
) -> None:
    """Random inserts, edge removals, task deletions and new tasks: after each, the order is a
    valid topological order, and every cycle verdict agrees with a plain DFS over the edges."""
    rng = __import__("random").Random(preload)
    n = 12
    hidden = list(range(n))
    rng.shuffle(hidden)
    start = {(hidden[j], hidden[i]) for i, j in (sorted(rng.sample(range(n), 2)) for _ in range(preload))}
    graph = DependencyGraph([(str(a), str(b)) for a, b in start], node_ids(n))
    assert_order_valid(graph)
    for op, x, y in ops:
        a, b = str(x), str(y)
        if op == "new":
            if a not in graph:
                graph.add_node(a, NodeInfo(number=x + 1))
        elif a not in graph or b not in graph:
            continue
        elif op == "add":
            edges = {(int(e.task), int(e.depends_on)) for e in graph.edges("blocks")}
            closes = x == y or reaches(edges, y, x)
            assert (find_cycle_in_edges([*edges, (x, y)]) is not None) == closes
            checked = graph.would_create_cycle(a, b)
            assert (checked is not None) == closes
            if closes:
                assert checked is not None and checked[0] == checked[-1] == a and checked[1] == b
                assert all((int(p), int(q)) in edges for p, q in itertools.pairwise(checked[1:]))
                try:
                    graph.add_edge(a, b)
                except CycleError as error:
                    assert error.details["cycle"] == checked
                else:  # pragma: no cover
                    raise AssertionError("cycle accepted")
            elif x % 2:  # half the time check first (the search is kept), half add directly
                graph.add_edge(a, b)
            else:
                graph.would_create_cycle(a, b)
                graph.add_edge(a, b)
        elif op == "remove":
            if graph.has_edge(a, b):
                graph.remove_edge(a, b)
        elif op == "delete":
            graph.remove_node(a)
        assert_order_valid(graph)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 60), st.integers(0, 10_000))
def test_two_way_search_agrees_with_dfs_on_larger_random_graphs(n: int, seed: int) -> None:
    """Bigger graphs than the brute-force tests (up to 60 tasks, dense or sparse), edges offered
    in a random order, so many go against the maintained order and both search sides move."""
    rng = __import__("random").Random(seed)
    graph = DependencyGraph([], node_ids(n))
    accepted: set[Pair] = set()
    for _ in range(rng.randint(1, 4 * n)):
        a, b = rng.sample(range(n), 2)
        closes = reaches(accepted, b, a)
        assert (graph.would_create_cycle(str(a), str(b)) is not None) == closes
        if not closes:
            graph.add_edge(str(a), str(b))
            accepted.add((a, b))
    assert_order_valid(graph)


def test_moves_into_the_same_gap_relabel_the_neighbours() -> None:
    """Sixty tasks each moved to right after the same task halve its gap every time; once it is
    too narrow the neighbours are relabelled, and the order stays valid throughout."""
    names = [f"t{i}" for i in range(60)] + ["z", "s"]
    graph = DependencyGraph([], {n: NodeInfo(number=i + 1) for i, n in enumerate(names)})
    graph.add_edge("s", "z")
    for i in range(60):
        graph.add_edge(f"t{i}", "z")
        assert_order_valid(graph)
    labels = sorted(graph._ord[f"t{i}"] for i in range(60))
    assert min(b - a for a, b in itertools.pairwise(labels)) >= 2  # relabelled, never crowded to 1
