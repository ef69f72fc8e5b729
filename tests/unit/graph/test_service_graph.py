"""The service wired to the in-memory graph: blocked state, events, cycles named, related links,
subtasks, cross-repo views, ranking, and the graph following the event log (other writers, undo,
rolled-back writes). Run against SQLite and a real PostgreSQL."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from dateutil.tz import UTC

from mhv.errors import CycleError, NotFoundError, ValidationError
from mhv.store import open_store
from mhv.tasks.models import TaskFilter
from mhv.tasks.service import TaskService


def chain(service, n: int, repo: str | None = None) -> list[int]:
    numbers = [service.create({"title": f"step {i}", "repo": repo}).number for i in range(n)]
    for a, b in zip(numbers[1:], numbers, strict=False):
        service.add_dependency(a, b)
    return numbers


def graph_edges(service) -> set[tuple[int, int, str]]:
    with service.dependency_graph() as g:
        return {(g.info(e.task).number, g.info(e.depends_on).number, e.kind) for e in g.edges()}


class TestBlockedState:
    def test_completing_the_blocker_unblocks_with_an_event(self, service):
        a, b = chain(service, 2)
        assert service.get(b).status == "blocked"
        assert [t.number for t in service.would_unblock(a)] == [b]
        service.complete(a)
        assert service.get(b).status == "pending"
        assert [e.kind for e in service.history(b)][-1] == "task.unblocked"
        assert service.would_unblock(a) == []

    def test_reopening_the_blocker_blocks_again(self, service):
        a, b = chain(service, 2)
        service.complete(a)
        service.update(a, {"status": "pending"})
        assert service.get(b).status == "blocked"

    def test_cross_repo_blocker(self, service):
        migrate = service.create({"title": "migrate", "repo": "db"}).number
        deploy = service.create({"title": "deploy", "repo": "api"}).number
        service.add_dependency(deploy, migrate)
        assert service.get(deploy).status == "blocked"
        view = service.graph_view(repo="api")
        numbers = {view.graph.info(n).number for n in view.graph.nodes()}
        assert numbers == {migrate, deploy}  # the blocker from the other repository is shown
        deploy_id = service.get(deploy).id
        assert view.graph.is_blocked(deploy_id)


class TestCycles:
    @pytest.mark.parametrize("keep_graph", [True, False])
    def test_five_cycle_named(self, store, clock, keep_graph):
        svc = TaskService(store, clock=clock, tz=UTC, actor="t", keep_graph=keep_graph)
        nums = chain(svc, 5)  # 2 waits for 1, ..., 5 waits for 4
        with pytest.raises(CycleError) as err:
            svc.add_dependency(nums[0], nums[4])
        assert err.value.code == "MHV-104"
        assert err.value.details["cycle"] == [1, 5, 4, 3, 2, 1]
        assert "#1 -> #5 -> #4 -> #3 -> #2 -> #1" in err.value.message
        assert "mhv unblock 5 --from 4" in err.value.hint
        assert (1, 5, "blocks") not in graph_edges(svc)

    @pytest.mark.parametrize("keep_graph", [True, False])
    def test_long_cycle_named_by_its_ends_with_every_number_in_details(self, store, clock, keep_graph):
        svc = TaskService(store, clock=clock, tz=UTC, actor="t", keep_graph=keep_graph)
        nums = chain(svc, 40)  # 2 waits for 1, ..., 40 waits for 39
        seq = svc.last_seq()
        with pytest.raises(CycleError) as err:
            svc.add_dependency(nums[0], nums[-1])
        assert err.value.details["cycle"] == [1, *range(40, 0, -1)]  # all 41 links, 40 tasks
        assert err.value.message == (
            "#1 waiting for #40 would make a cycle of 40 tasks: #1 -> #40 -> #39 -> #38 -> #37 -> #36 "
            "-> #35 -> #34 -> (25 more) -> #8 -> #7 -> #6 -> #5 -> #4 -> #3 -> #2 -> #1"
        )
        assert "mhv unblock 40 --from 39" in err.value.hint
        assert svc.last_seq() == seq  # nothing written
        assert (1, 40, "blocks") not in graph_edges(svc)

    @pytest.mark.parametrize(("size", "shortened"), [(16, False), (17, True)])
    def test_cycle_named_whole_up_to_sixteen_tasks(self, service, size, shortened):
        nums = chain(service, size)
        with pytest.raises(CycleError) as err:
            service.add_dependency(nums[0], nums[-1])
        cycle = [1, *range(size, 0, -1)]
        assert err.value.details["cycle"] == cycle
        whole = " -> ".join(f"#{n}" for n in cycle)
        assert (whole in err.value.message) is not shortened
        assert ("(2 more)" in err.value.message) is shortened
        assert (f"a cycle of {size} tasks" in err.value.message) is shortened

    def test_self_dependency(self, service):
        a = service.create({"title": "a"}).number
        with pytest.raises(CycleError) as err:
            service.add_dependency(a, a)
        assert err.value.details["cycle"] == [a, a]

    def test_graph_follows_another_writer(self, store, clock, database_url):
        mine = TaskService(store, clock=clock, tz=UTC, actor="me")
        a, b = chain(mine, 2)
        assert mine._graph.loads == 1
        other_store = open_store(database_url)
        try:
            other = TaskService(other_store, clock=clock, tz=UTC, actor="other", keep_graph=False)
            c = other.create({"title": "c"}).number
            other.add_dependency(c, b)  # c waits for b, written by another "process"
        finally:
            other_store.close()
        with pytest.raises(CycleError) as err:
            mine.add_dependency(a, c)  # a -> c -> b -> a
        assert err.value.details["cycle"] == [a, c, b, a]
        assert mine._graph.loads == 1  # followed the log, did not reload

    def test_rolled_back_write_leaves_the_graph_as_the_store(self, service):
        a, b = chain(service, 2)
        with pytest.raises(NotFoundError):
            service.create({"title": "c", "depends_on": [b, 999]})
        assert graph_edges(service) == {(b, a, "blocks")}
        with service.dependency_graph() as g:
            assert sorted(g.info(n).number for n in g.nodes()) == [a, b]
        service.add_dependency(b, a)  # still fine, no phantom task

    def test_undo_redo_followed(self, service):
        a, b = chain(service, 2)
        service.undo()
        assert graph_edges(service) == set()
        service.add_dependency(a, b)  # would be a cycle if the undone edge were still there
        service.undo()
        service.redo()
        assert graph_edges(service) == {(a, b, "blocks")}

    def test_delete_repairs_the_chain(self, service):
        a, b, c = chain(service, 3)
        service.delete(b)
        assert graph_edges(service) == {(c, a, "blocks")}
        assert service.get(c).status == "blocked"


class TestRelatedAndSubtasks:
    def test_related_does_not_block_and_replaces(self, service):
        a = service.create({"title": "a"}).number
        b = service.create({"title": "b"}).number
        service.add_dependency(b, a, kind="related")
        assert service.get(b).status == "pending"
        service.add_dependency(a, b)  # related links never make cycles
        links = service.links(b)
        assert [t.number for t, _ in links["related"]] == [a]
        service.remove_dependency(a, b)
        service.add_dependency(b, a, kind="blocks")  # replaces the related link
        assert graph_edges(service) == {(b, a, "blocks")}
        assert service.get(b).status == "blocked"
        with pytest.raises(ValidationError):
            service.add_dependency(b, a, kind="sometimes")

    def test_progress(self, service):
        parent = service.create({"title": "epic"}).number
        kids = [service.create({"title": f"part {i}", "parent": parent}).number for i in range(4)]
        service.complete(kids[0])
        service.cancel(kids[1])
        p = service.subtask_progress(parent)
        assert (p.completed, p.cancelled, p.open, p.total) == (1, 1, 2, 3)
        assert [t.number for t in service.subtasks(parent)] == kids


class TestRanking:
    def test_blocking_and_due_rank_first(self, service, clock):
        plain = service.create({"title": "plain", "priority": "low"}).number
        blocker = service.create({"title": "blocker", "priority": "low"}).number
        waiting = service.create({"title": "waiting", "priority": "low"}).number
        due = service.create({"title": "due", "priority": "low", "due": clock.now - timedelta(days=8)}).number
        service.add_dependency(waiting, blocker)
        ranked = service.ranked(TaskFilter(statuses=("pending", "in_progress", "blocked")))
        assert [r.task.number for r in ranked] == [due, blocker, plain, waiting]
        top = ranked[0].urgency
        assert dict(top.breakdown)["due"] == pytest.approx(12.0)
        assert abs(sum(v for _, v in top.breakdown) - top.score) < 1e-9
        assert ranked[1].blocking and ranked[-1].blocked
        listed = service.list_tasks(TaskFilter(statuses=("pending",), order="urgency", limit=2, offset=1))
        assert [t.number for t in listed] == [blocker, plain]

    def test_coefficients_from_config(self, service):
        a = service.create({"title": "a", "tags": ["later"]}).number
        b = service.create({"title": "b"}).number
        service.set_urgency_coefficients({"tag.later": -10})
        assert [r.task.number for r in service.ranked()] == [b, a]
        with pytest.raises(ValidationError) as err:
            service.set_urgency_coefficients({"nonsense": 1})
        assert "nonsense" in err.value.message


class TestRender:
    def test_formats(self, service):
        a, b = chain(service, 2, repo="api")
        text = service.render_graph(b, fmt="text")
        assert "#1 step 0" in text and "◉ #2 step 1 [blocked]" in text
        assert service.render_graph(repo="api", fmt="dot").startswith("digraph mhv {")
        with pytest.raises(ValidationError):
            service.render_graph(a, fmt="png")
        with pytest.raises(NotFoundError):
            service.graph_view(repo="nowhere")


class TestUrgencyInSql:
    @pytest.mark.parametrize("seed", [1, 2])
    def test_database_order_equals_the_python_formula(self, service, clock, seed):
        """The SQL score (used to sort and page) against urgency() on 60 random tasks: priorities,
        repos, tags, due dates on both sides of now, scheduled, in progress, blocked, blocking, age,
        with tag and repo bonuses configured."""
        import random

        from mhv.tasks.graph.urgency import urgency

        rng = random.Random(seed)
        service.set_urgency_coefficients({"tag.next": 15, "repo.infra": 2.5, "age_max_days": 30})
        for i in range(60):
            clock.advance(hours=rng.randint(0, 30))
            data = {"title": f"t{i}", "priority": rng.choice(["critical", "high", "medium", "low"]),
                    "tags": rng.sample(["next", "ci", "db", "ux"], rng.randint(0, 3)),
                    "repo": rng.choice([None, "api", "infra", "infra.db"])}  # fmt: skip
            if rng.random() < 0.6:
                data["due"] = clock.now + timedelta(days=rng.uniform(-20, 30))
            if rng.random() < 0.2:
                data["scheduled"] = clock.now + timedelta(days=rng.uniform(-5, 5))
            service.create(data)
        for _ in range(40):
            a, b = rng.sample(range(1, 61), 2)
            with contextlib.suppress(CycleError):
                service.add_dependency(a, b)
        for n in rng.sample(range(1, 61), 8):
            if service.get(n).status == "pending":
                service.start(n)
        for n in rng.sample(range(1, 61), 5):
            service.complete(n)
        clock.advance(days=3)
        flt = TaskFilter(statuses=("pending", "in_progress", "blocked"))
        ranked = service.ranked(flt)
        with service.dependency_graph() as g:
            expected = sorted(
                (t for t in service.list_tasks(replace_order(flt, "number"))),
                key=lambda t: (-round(urgency(t, clock.now, is_blocking=g.is_blocking(t.id),
                                              is_blocked=g.is_blocked(t.id),
                                              coefficients=service.urgency_coefficients).score, 6), t.number),
            )  # fmt: skip
        assert [r.task.number for r in ranked] == [t.number for t in expected]
        paged = service.list_tasks(TaskFilter(statuses=flt.statuses, order="urgency", limit=10, offset=20))
        assert [t.number for t in paged] == [t.number for t in expected[20:30]]


def replace_order(flt: TaskFilter, order: str) -> TaskFilter:
    from dataclasses import replace

    return replace(flt, order=order)


class TestViewsWithoutTheGraphInMemory:
    def test_one_shot_views_equal_the_kept_graphs(self, store, clock):
        """A one-shot service (keep_graph=False) walks the store in SQL; its views must match the
        in-memory graph's: same tasks, links and blocked state."""
        kept = TaskService(store, clock=clock, tz=UTC, actor="t")
        for title, repo in (("review", "db"), ("migrate", "db"), ("api", "api"), ("deploy", "ops"),
                            ("docs", "web"), ("far away", "ops")):  # fmt: skip
            kept.create({"title": title, "repo": repo, "tags": ["rel"] if repo != "db" else []})
        for task, on in ((2, 1), (4, 2), (4, 3), (6, 4)):
            kept.add_dependency(task, on)
        kept.add_dependency(5, 4, kind="related")
        kept.complete(1)
        oneshot = TaskService(store, clock=clock, tz=UTC, actor="t", keep_graph=False)

        def shape(view):
            g = view.graph
            nodes = {g.info(n).number: (g.info(n).status, g.is_blocked(n)) for n in g.nodes()}
            links = {(g.info(e.task).number, g.info(e.depends_on).number, e.kind) for e in g.edges()}
            return nodes, links, view.truncated

        for kwargs in ({"ref": 4}, {"ref": 3}, {"ref": 1}, {"repo": "db"}, {"repo": "ops"}, {"tag": "rel"},
                       {"ref": 4, "direction": "up"}, {"ref": 3, "direction": "connected"}):  # fmt: skip
            assert shape(oneshot.graph_view(**kwargs)) == shape(kept.graph_view(**kwargs)), kwargs
            assert not oneshot._graph.loaded
        assert shape(oneshot.graph_view(4, max_nodes=2))[2] is True
        assert shape(oneshot.graph_view(repo="db", max_nodes=2)) == shape(
            kept.graph_view(repo="db", max_nodes=2)
        )
        assert oneshot.render_graph(4, fmt="dot") == kept.render_graph(4, fmt="dot")
