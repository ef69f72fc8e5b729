"""`mhv next`, `mhv graph`, `mhv block/unblock` (with --related), run in-process like the console
script; DOT output goes through the real Graphviz `dot`."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest


@pytest.fixture
def diamond(mhv):
    """#1 migrate @db; #2 api and #3 web wait for #1; #4 deploy @ops waits for #2 and #3."""
    for text in ("migrate @db", "api change @api", "web change @web", "deploy @ops"):
        assert mhv("tc", text)[0] == 0
    for task, on in (("2", "1"), ("3", "1"), ("4", "2"), ("4", "3")):
        code, _, err = mhv("block", task, "--on", on)
        assert code == 0, err


def test_block_unblock_and_cycle_named(mhv, diamond):
    code, out, _ = mhv("show", "4", "--json")
    assert json.loads(out)["status"] == "blocked"
    code, _, err = mhv("block", "1", "--on", "4")
    assert code == 5 and "MHV-104" in err
    # a shortest cycle is named (through #2 or #3, both are two links long)
    assert ("#1 -> #4 -> #2 -> #1" in err or "#1 -> #4 -> #3 -> #1" in err) and "hint: remove a link" in err
    code, _, err = mhv("block", "1", "--on", "4", "--json")
    assert json.loads(err)["details"]["cycle"] in ([1, 4, 2, 1], [1, 4, 3, 1])
    code, out, _ = mhv("unblock", "4", "--from", "2")
    assert code == 0 and "no longer waits for 2" in out
    code, out, _ = mhv("block", "1", "--on", "4", "--related")
    assert code == 0 and "related to 4" in out
    code, out, _ = mhv("show", "1", "--json")
    assert json.loads(out)["status"] == "pending"  # related never blocks


def test_a_long_cycle_is_named_by_its_ends_and_json_has_all_of_it(mhv):
    assert mhv("tc", "first step")[0] == 0
    for n in range(2, 21):  # 20 waits for 19 ... 2 waits for 1
        assert mhv("tc", "next step", "--after", str(n - 1))[0] == 0
    code, _, err = mhv("block", "1", "--on", "20")
    assert code == 5 and "MHV-104" in err
    assert (
        "#1 waiting for #20 would make a cycle of 20 tasks: #1 -> #20 -> #19 -> #18 -> #17 -> #16 -> #15 "
        "-> #14 -> (5 more) -> #8 -> #7 -> #6 -> #5 -> #4 -> #3 -> #2 -> #1"
    ) in err
    assert "mhv unblock 20 --from 19" in err
    code, _, err = mhv("block", "1", "--on", "20", "--json")
    assert code == 5
    assert json.loads(err)["details"]["cycle"] == [1, *range(20, 0, -1)]
    code, out, _ = mhv("show", "1", "--json")
    assert json.loads(out)["status"] == "pending"  # nothing was written


@pytest.mark.usefixtures("way")
def test_next_ranks_blocking_first_with_breakdown(mhv, diamond):
    assert mhv("tc", "unrelated chore")[0] == 0
    code, out, _ = mhv("next", "--json")
    rows = json.loads(out)
    assert rows[0]["task"]["number"] == 1  # blocks two tasks
    assert all(r["task"]["status"] != "blocked" for r in rows)
    first = rows[0]
    assert first["blocking"] and abs(sum(t["value"] for t in first["breakdown"]) - first["urgency"]) < 1e-3
    code, out, _ = mhv("next", "--limit", "2", "--explain")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4 and "blocking +8.00" in lines[1]
    code, out, _ = mhv("next", "--blocked", "--json")
    assert {r["task"]["number"] for r in json.loads(out)} == {1, 2, 3, 4, 5}


@pytest.mark.usefixtures("way")
def test_next_coefficients_from_config(mhv, mhv_home):
    mhv("tc", "a chore #later")
    mhv("tc", "b chore")
    mhv_home.mkdir(parents=True, exist_ok=True)
    (mhv_home / "config.toml").write_text("[urgency]\nblocking = 9.5\n[urgency.tag]\nlater = -20\n")
    code, out, _ = mhv("next", "--json")
    assert [r["task"]["number"] for r in json.loads(out)] == [2, 1]
    (mhv_home / "config.toml").write_text("[urgency]\nbogus = 1\n")
    code, _, err = mhv("next")
    assert code == 4 and "bogus" in err


def test_graph_formats(mhv, diamond):
    code, out, _ = mhv("graph", "4")
    assert code == 0 and "◉ #4 deploy" in out and "#1 migrate" in out and "@db" in out
    code, out, _ = mhv("graph", "--repo", "api", "--format", "json")
    data = json.loads(out)
    assert {n["number"] for n in data["nodes"]} == {1, 2, 4}  # neighbours from other repos kept
    code, out, _ = mhv("graph", "1", "-f", "mermaid")
    assert out.startswith("flowchart LR")
    code, _, err = mhv("graph", "1", "--repo", "api")
    assert code == 2 and "MHV-110" in err and "or none" in err
    code, _, err = mhv("graph", "1", "--format", "png")
    assert code == 4 and "png" in err


def test_graph_with_no_scope_draws_every_linked_open_task(mhv, diamond):
    assert mhv("tc", "unrelated chore")[0] == 0  # #5: open, no links
    assert mhv("tc", "old parent")[0] == 0  # #6 blocks #7, then #6 is done: the link is gone from the view
    assert mhv("tc", "old child")[0] == 0
    assert mhv("block", "7", "--on", "6")[0] == 0
    assert mhv("td", "6")[0] == 0
    code, out, err = mhv("graph", "--json")
    assert code == 0
    data = json.loads(out)
    assert [n["number"] for n in data["nodes"]] == [1, 2, 3, 4]  # blockers first
    assert len(data["edges"]) == 4
    assert "2 open tasks without links are not drawn" in err  # #5 and #7
    assert mhv("td", "5")[0] == 0
    assert "1 open task without links is not drawn" in mhv("graph")[2]
    code, out, err = mhv("graph")
    assert code == 0 and "#4 deploy" in out and "#5" not in out
    # --max caps it, and says so
    code, out, err = mhv("graph", "--max", "2", "--json")
    assert code == 0 and [n["number"] for n in json.loads(out)["nodes"]] == [1, 2]
    assert "showing 2 of 4 tasks (--max 2)" in err and "raise --max" in err


def test_graph_with_no_scope_and_no_links_says_how_to_make_one(mhv):
    assert mhv("tc", "lonely")[0] == 0
    code, out, err = mhv("graph")
    assert code == 0 and out == "" and "no links between open tasks yet" in err
    code, out, _ = mhv("graph", "-f", "dot")
    assert code == 0 and out.startswith("digraph")


def test_open_view_is_the_same_in_memory_and_from_the_store(service):
    """One-shot commands read the view in SQL; the workspace uses the graph it keeps: same tasks."""
    from mhv.tasks.graph.formats import graph_data

    made = [service.create({"title": f"t{i}", "repo": "api" if i % 2 else "web"}) for i in range(8)]
    for a, b in ((1, 0), (2, 1), (3, 1), (5, 4)):
        service.add_dependency(made[a].number, made[b].number)
    service.add_dependency(made[6].number, made[7].number, kind="related")
    service.complete(made[4].number)  # #5 done: #6 no longer linked to an open task
    from dateutil.tz import UTC

    from mhv.tasks.service import TaskService

    one_shot = TaskService(service.store, clock=service.clock, tz=UTC, actor="test", keep_graph=False)
    store_view = one_shot.graph_view(max_nodes=1000)
    assert not one_shot._graph.loaded  # read in SQL, the graph was not loaded
    with service.dependency_graph():
        kept_view = service.graph_view(max_nodes=1000)
    for view in (store_view, kept_view):
        assert view.unlinked == 1 and view.total == 6 and not view.truncated
    assert graph_data(store_view.graph) == graph_data(kept_view.graph)
    numbers = [n["number"] for n in graph_data(kept_view.graph)["nodes"]]
    assert sorted(numbers) == [1, 2, 3, 4, 7, 8]
    for svc in (one_shot, service):
        capped = svc.graph_view(max_nodes=3)
        assert capped.truncated and capped.total == 6 and len(capped.graph) == 3


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
@pytest.mark.parametrize("args", [("4",), ("--repo", "ops"), ("1",)])
def test_dot_renders_with_graphviz(mhv, diamond, args):
    code, out, _ = mhv("graph", *args, "--format", "dot")
    assert code == 0
    svg = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, check=False)
    assert svg.returncode == 0, svg.stderr
    assert "<svg" in svg.stdout and "#4 deploy" in svg.stdout and svg.stdout.count('class="node"') >= 3


@pytest.mark.usefixtures("way")
def test_show_lists_what_finishing_unblocks_and_subtasks(mhv, diamond):
    code, out, _ = mhv("show", "1")
    assert code == 0 and "Finishing it unblocks #2, #3" in out
    assert mhv("tc", "part one", "--parent", "4")[0] == 0
    assert mhv("tc", "part two", "--parent", "4")[0] == 0
    assert mhv("td", "6")[0] == 0
    code, out, _ = mhv("show", "4")
    assert "Subtasks 1/2 done" in out and "Blocked by" in out
