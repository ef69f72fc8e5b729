"""The graph screen: Pilot tests for its keys, and SVG snapshots (chain, diamond, cross-repo, a
200-task repository). Snapshots live in snapshots/ like the others."""

from __future__ import annotations

from typing import Any

from mhv.app.graph_screen import GraphScreen, TaskPrompt
from mhv.tasks.service import TaskService
from mhv.widgets.detail import TaskDetail
from mhv.widgets.graph_view import GraphView
from tests.ui.conftest import SIZE, settle


def make_chain(svc: TaskService, n: int = 4, repo: str | None = "api") -> None:
    for i in range(1, n + 1):
        svc.create({"title": f"step {i}", "repo": repo})
    for i in range(2, n + 1):
        svc.add_dependency(i, i - 1)


def make_diamond(svc: TaskService) -> None:
    """#1 migrate; #2 and #3 wait for it; #4 deploy waits for both."""
    for title in ("migrate schema", "update api", "update web", "deploy"):
        svc.create({"title": title, "repo": "shop"})
    for task, on in ((2, 1), (3, 1), (4, 2), (4, 3)):
        svc.add_dependency(task, on)


def make_cross_repo(svc: TaskService) -> None:
    """deploy @ops waits for migrate @db (which waits for a review @db) and for the api @api change;
    docs @web is related to deploy."""
    for title, repo in (("review migration", "db"), ("migrate orders table", "db"), ("api: new orders endpoint", "api"),
                        ("deploy orders v2", "ops"), ("document orders v2", "web")):  # fmt: skip
        svc.create({"title": title, "repo": repo})
    for task, on in ((2, 1), (4, 2), (4, 3)):
        svc.add_dependency(task, on)
    svc.add_dependency(5, 4, kind="related")
    svc.complete(1)


def make_repo_200(svc: TaskService) -> None:
    """200 tasks in @big: ten chains of twenty, every fifth task also waiting on the chain before."""
    with svc.bulk("seed") as act:
        for i in range(200):
            svc._new_task(act, {"title": f"component {i // 20} part {i % 20}", "repo": "big"})
    for i in range(200):
        n = i + 1
        if i % 20:
            svc.add_dependency(n, n - 1)
        if i % 5 == 0 and i >= 20:
            svc.add_dependency(n, n - 20)


def graph_of(app: Any) -> GraphView:
    return app.screen.query_one(GraphView)


def at(view: GraphView) -> int:
    assert view.graph is not None and view.cursor is not None
    return view.graph.info(view.cursor).number


class TestGraphKeys:
    async def test_v_opens_the_selected_tasks_graph_and_escape_returns(
        self, make: Any, ui_service: Any
    ) -> None:
        make_chain(ui_service, 3)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("v")  # the Next view's first task: #1, which blocks the others
            await pilot.pause()
            assert isinstance(app.screen, GraphScreen)
            view = graph_of(app)
            assert at(view) == 1 and len(view.drawing.order) == 3
            await pilot.press("j", "j")
            assert at(view) == 3
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, GraphScreen)
            assert app.query_one(TaskDetail).shown.number == 3  # the cursor's task is shown

    async def test_move_along_edges_and_siblings(self, make: Any, ui_service: Any) -> None:
        make_diamond(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_graph(task=4)
            await pilot.pause()
            view = graph_of(app)
            assert at(view) == 4
            await pilot.press("h")  # nearest blocker: the one just above
            assert at(view) == 3
            await pilot.press("right_square_bracket")  # the other blocker of #4
            assert at(view) == 2
            await pilot.press("h")
            assert at(view) == 1
            await pilot.press("h")  # nothing above #1: stays
            assert at(view) == 1
            await pilot.press("l", "l")
            assert at(view) == 4
            status = app.screen.query_one("#graph-status").render()
            assert "waits for #2, #3" in str(status)

    async def test_enter_recentres_and_r_switches_to_the_repository(self, make: Any, ui_service: Any) -> None:
        make_cross_repo(ui_service)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_graph(task=3)
            await pilot.pause()
            view = graph_of(app)
            assert {view.graph.info(n).number for n in view.graph.nodes()} == {3, 4, 5}  # type: ignore[union-attr]
            await pilot.press("l", "enter")  # open #4 deploy: its graph spans three repositories
            await pilot.pause()
            assert app.screen.task_number == 4  # type: ignore[attr-defined]
            assert {view.graph.info(n).number for n in view.graph.nodes()} == {1, 2, 3, 4, 5}  # type: ignore[union-attr]
            await pilot.press("h")  # the nearest blocker: #2 migrate @db
            assert at(view) == 2
            await pilot.press("r")  # the graph of @db, cursor kept
            await pilot.pause()
            assert app.screen.repo == "db"  # type: ignore[attr-defined]
            assert {view.graph.info(n).number for n in view.graph.nodes()} == {1, 2, 4}  # type: ignore[union-attr]
            assert at(view) == 2

    async def test_add_and_remove_a_blocker_from_the_view(self, make: Any, ui_service: Any) -> None:
        make_chain(ui_service, 3)
        ui_service.create({"title": "extra", "repo": "api"})
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_graph(task=3)
            await pilot.pause()
            view = graph_of(app)
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, TaskPrompt)
            await pilot.press("4", "enter")
            await pilot.pause()
            assert [t.number for t, _ in ui_service.links(3)["blocked_by"]] == [2, 4]
            assert at(view) == 3 and len(view.drawing.order) == 4  # redrawn with the new blocker
            await pilot.press("x")  # two blockers: asks which
            await pilot.pause()
            assert isinstance(app.screen, TaskPrompt)
            await pilot.press("2", "enter")
            await pilot.pause()
            assert [t.number for t, _ in ui_service.links(3)["blocked_by"]] == [4]
            await pilot.press("x")  # one blocker left: removed without asking
            await pilot.pause()
            assert ui_service.links(3)["blocked_by"] == [] and ui_service.get(3).status == "pending"

    async def test_a_cycle_is_refused_with_its_name(self, make: Any, ui_service: Any) -> None:
        make_chain(ui_service, 3)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_graph(task=1)
            await pilot.pause()
            await pilot.press("a", "3", "enter")
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert any("#1 -> #3 -> #2 -> #1" in m for m in messages)
            assert ui_service.links(1)["blocked_by"] == []

    async def test_palette_opens_a_repository_graph(self, make: Any, ui_service: Any) -> None:
        make_chain(ui_service, 2, repo="api")
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_graph(repo="api")
            await pilot.pause()
            assert "@api" in str(app.screen.query_one("#graph-title").render())

    async def test_ctrl_g_opens_every_open_task_with_links(self, make: Any, ui_service: Any) -> None:
        make_diamond(ui_service)
        ui_service.create({"title": "lonely chore"})  # #5: no links, not drawn
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+g")
            await pilot.pause()
            assert isinstance(app.screen, GraphScreen)
            title = str(app.screen.query_one("#graph-title").render())
            assert "every open task" in title and "4 tasks" in title
            view = graph_of(app)
            assert view.graph is not None
            assert sorted(view.graph.info(n).number for n in view.graph.nodes()) == [1, 2, 3, 4]

    async def test_detail_lists_blockers_with_state_and_what_finishing_unblocks(
        self, make: Any, ui_service: Any
    ) -> None:
        make_diamond(ui_service)
        ui_service.complete(2)
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.jump(4)
            await settle(pilot)
            text = str(app.query_one("#detail-links").render())
            assert "Blocked by (1 open)" in text and "✓ #2" in text and "⊘ #3" in text
            app.jump(3)
            await settle(pilot)
            assert "Finishing it unblocks #4" in str(app.query_one("#detail-links").render())


class TestGraphSnapshots:
    def _run(self, make: Any, snap_compare: Any, **where: Any) -> bool:
        app = make()

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            app.show_graph(**where)
            await pilot.pause()

        return bool(snap_compare(app, terminal_size=SIZE, run_before=run_before))

    def test_chain(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        make_chain(ui_service, 5)
        ui_service.complete(1)
        assert self._run(make, snap_compare, task=3)

    def test_diamond(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        make_diamond(ui_service)
        assert self._run(make, snap_compare, task=4)

    def test_cross_repo(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        make_cross_repo(ui_service)
        assert self._run(make, snap_compare, task=4)

    def test_repo_200(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        make_repo_200(ui_service)
        assert self._run(make, snap_compare, repo="big")

    def test_every_open_task(self, make: Any, ui_service: Any, snap_compare: Any) -> None:
        make_diamond(ui_service)
        ui_service.create({"title": "lonely chore"})  # #5: no links, not drawn
        for title in ("write the guide", "publish the guide", "announce v2"):  # #6-#8
            ui_service.create({"title": title, "repo": "web"})
        ui_service.add_dependency(7, 6)
        ui_service.add_dependency(8, 4, kind="related")
        assert self._run(make, snap_compare)
