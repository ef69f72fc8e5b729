"""Renderers: text lanes (golden), DOT checked by Graphviz when installed, Mermaid, JSON."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from mhv.errors import ValidationError
from mhv.tasks.graph.algorithms import DependencyGraph, NodeInfo
from mhv.tasks.graph.formats import layout_text, render_graph, render_mermaid


def chain() -> DependencyGraph:
    return DependencyGraph(
        [("b", "a"), ("c", "b")],
        {
            "a": {"number": 1, "title": "design", "status": "completed"},
            "b": {"number": 2, "title": "build"},
            "c": {"number": 3, "title": "ship"},
        },
    )


def diamond() -> DependencyGraph:
    return DependencyGraph(
        [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")],
        {k: {"number": i + 1, "title": k * 3} for i, k in enumerate("abcd")},
    )


def cross_repo() -> DependencyGraph:
    return DependencyGraph(
        [("deploy", "migrate"), ("migrate", "review"), ("docs", "deploy", "related")],
        {
            "review": {"number": 40, "title": "review", "repo": "api", "status": "completed"},
            "migrate": {"number": 41, "title": "migrate", "repo": "api"},
            "deploy": {"number": 42, "title": "deploy", "repo": "web"},
            "docs": {"number": 43, "title": 'say "hi" <b> #1; \\ back', "repo": "web"},
        },
    )


def random_repo_graph(n: int, seed: int = 3) -> DependencyGraph:
    rng = random.Random(seed)
    nodes = {
        f"t{i}": NodeInfo(number=i + 1, title=f"task {i}", repo=rng.choice(["api", "web"])) for i in range(n)
    }
    edges = {(f"t{j}", f"t{rng.randrange(j)}") for j in range(1, n) for _ in range(2)}
    return DependencyGraph(sorted(edges), nodes)


def test_text_chain() -> None:
    assert render_graph(chain(), "text") == (
        "○ #1 design [completed]\n│\n● #2 build [pending]\n│\n● #3 ship [pending, blocked]"
    )


def test_text_diamond_with_focus() -> None:
    layout = layout_text(diamond(), focus="b")
    assert str(layout) == (
        "● #1 aaa [pending]\n"
        "├─┐\n"
        "◉ │ #2 bbb [pending, blocked]\n"
        "│ │\n"
        "│ ● #3 ccc [pending, blocked]\n"
        "├─┘\n"
        "● #4 ddd [pending, blocked]"
    )
    assert layout.node_lines == {"a": 0, "b": 2, "c": 4, "d": 6}


def test_text_cross_repo_shows_repos_and_related() -> None:
    text = render_graph(cross_repo(), "text")
    assert "#41 migrate [pending] @api" in text
    assert "#42 deploy [pending, blocked] @web  ~ #43" in text
    single = render_graph(chain(), "text")
    assert "@" not in single


def test_text_of_a_component_only() -> None:
    graph = diamond()
    text = render_graph(graph, "text", graph.component("b", "up").nodes)
    assert text.splitlines() == ["● #1 aaa [pending]", "│", "● #2 bbb [pending, blocked]"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz `dot`")
@pytest.mark.parametrize("make", [chain, diamond, cross_repo, lambda: random_repo_graph(200)])
def test_dot_renders_with_graphviz(make: object) -> None:
    source = render_graph(make(), "dot", focus="b")  # type: ignore[operator]
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout and not done.stderr


def test_dot_shape() -> None:
    source = render_graph(cross_repo(), "dot")
    assert source.startswith("digraph mhv {")
    assert '"migrate" -> "deploy";' in source  # blocker -> waiting task
    assert "subgraph cluster_" in source
    assert r"say \"hi\" <b> #1; \\ back" in source
    assert "dir=none, style=dashed" in source


def test_mermaid_escapes_and_links() -> None:
    source = render_mermaid(cross_repo(), focus="deploy")
    assert source.startswith("flowchart LR\n")
    assert "#35;43 say #quot;hi#quot; #lt;b#gt; #35;1; \\ back" in source
    assert "-->" in source and "-.-" in source
    assert "class " in source and "focus;" in source


def test_json_round_trip() -> None:
    data = json.loads(render_graph(cross_repo(), "json", focus="deploy"))
    assert data["focus"] == "deploy"
    assert [n["number"] for n in data["nodes"]] == [40, 41, 42, 43]
    assert {"task": "deploy", "depends_on": "migrate", "kind": "blocks"} in data["edges"]
    deploy = next(n for n in data["nodes"] if n["id"] == "deploy")
    assert deploy["blocked"] is True and deploy["depth"] == 2


def test_unknown_format_is_a_user_error() -> None:
    with pytest.raises(ValidationError) as caught:
        render_graph(chain(), "png")
    assert "text, dot, mermaid, json" in caught.value.hint


def test_a_large_component_renders() -> None:
    graph = random_repo_graph(1000)
    layout = layout_text(graph)
    assert len(layout.node_lines) == 1000
    assert len(layout.lines) == 1999
