"""mhv's JSON-RPC methods through the real socket, on SQLite and PostgreSQL: results are the CLI's
JSON, every write is one action by ``rpc:<client>`` (undo takes it back), mhv's errors come back as
server errors with their code and hint, and rejected calls store nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from dateutil.tz import UTC

from mhv.sync.context import SyncContext
from mhv.sync.rpc import start_unix_server
from tests.sync.conftest import LineClient


@pytest.fixture
async def rpc(database_url, clock, sock_dir):
    ctx = SyncContext.open(
        database_url, clock=clock, tz=UTC, socket_path=sock_dir / "mhv.sock", poll_interval=0.5
    )
    await ctx.bus.start()
    server = await start_unix_server(ctx)
    client = await LineClient.connect(server.path)
    assert (await client.result("server.hello", {"client": "companion"}))["actor"] == "rpc:companion"
    client.ctx = ctx  # type: ignore[attr-defined]
    yield client
    await client.close()
    await server.close()
    await ctx.bus.stop()
    ctx.close()


async def last_seq(client):
    return await client.ctx.run("test", lambda s: s.last_seq())


async def test_create_from_a_quick_add_line_is_the_tasks_show_json(rpc, database_url):
    task = await rpc.result("tasks.create", {"text": "fix auth tomorrow 5pm p1 #ci ~2h"})
    assert task["title"] == "fix auth" and task["priority"] == "critical" and task["tags"] == ["ci"]
    assert task["due"] == "2026-11-25T17:00:00+00:00" and task["estimate_minutes"] == 120
    env = {**os.environ, "MHV_DATABASE_URL": database_url, "TZ": "UTC"}
    shown = subprocess.run([sys.executable, "-m", "mhv", "show", str(task["number"]), "--json"],
                           capture_output=True, text=True, env=env, timeout=60, check=True)  # fmt: skip
    assert json.loads(shown.stdout) == task == await rpc.result("tasks.get", {"ref": task["number"]})
    history = await rpc.ctx.run("t", lambda s: s.history(task["id"]))
    assert [e.actor for e in history] == ["rpc:companion"]


async def test_create_from_fields_and_the_errors_that_store_nothing(rpc):
    first = await rpc.result(
        "tasks.create", {"fields": {"title": "write docs", "priority": "high", "due": "2026-12-05"}}
    )
    assert first["due_all_day"] is True and first["priority"] == "high"
    before = await last_seq(rpc)
    bad = await rpc.call("tasks.create", {"fields": {"title": "x", "priorty": "high"}})
    assert bad["error"]["code"] == -32000 and bad["error"]["data"]["code"] == "MHV-102"
    assert "priority" in bad["error"]["data"]["hint"]
    cycle = await rpc.call("tasks.create", {"fields": {"title": "y", "depends_on": [999]}})
    assert cycle["error"]["data"]["code"] == "MHV-101"
    for params in ({"text": "a", "fields": {"title": "b"}}, {"text": 5}, {"fields": "no"}, [], {"nope": 1},
                   {"text": "bad\x00nul"}, {"text": "\ud800 lone"}):  # fmt: skip
        msg = await rpc.call("tasks.create", params)
        assert msg["error"]["code"] == -32602, (params, msg)
    command = await rpc.call("tasks.create", {"text": "done #1"})
    assert command["error"]["data"]["code"] == "MHV-110"
    assert await last_seq(rpc) == before


async def test_get_list_and_not_found(rpc):
    for title in ("alpha #ci", "beta #ci p1", "gamma"):
        await rpc.result("tasks.create", {"text": title})
    missing = await rpc.call("tasks.get", {"ref": 999})
    assert missing["error"]["code"] == -32000 and "999" in missing["error"]["message"]
    assert missing["error"]["data"] == {
        "code": "MHV-101",
        "hint": "list tasks with `mhv tl --all` to find its number",
    }
    listed = await rpc.result("tasks.list", {"tags": ["ci"], "order": "number"})
    assert [t["title"] for t in listed] == ["alpha", "beta"]
    assert [
        t["number"] for t in await rpc.result("tasks.list", {"limit": 2, "offset": 1, "order": "number"})
    ] == [2, 3]
    assert (await rpc.call("tasks.list", {"limit": 0}))["error"]["code"] == -32602
    assert (await rpc.call("tasks.list", {"status": ["nope"]}))["error"]["code"] == -32602
    assert (await rpc.call("tasks.get", {"ref": True}))["error"]["code"] == -32602
    assert (await rpc.call("tasks.get", [1]))["error"]["code"] == -32602


async def test_list_answers_each_tasks_show_json_with_its_links_in_every_order(rpc):
    """tasks.list builds its answer from the rows (`list_json`), not from Task objects: the same JSON,
    links (depends_on / blocks) included, whatever the order, filter or page."""
    await rpc.result("tasks.create", {"text": "alpha #ci tomorrow 5pm p1 ~2h"})
    await rpc.result("tasks.create", {"text": "beta after #1 @nowhere"})
    await rpc.result("tasks.create", {"text": "gamma blocks #2 friday"})
    await rpc.result("tasks.complete", {"ref": 3})
    for order in ("default", "number", "due", "priority", "updated", "created", "title"):
        for status in ("open", "all"):
            listed = await rpc.result("tasks.list", {"order": order, "status": status})
            shown = [await rpc.result("tasks.get", {"ref": t["number"]}) for t in listed]
            assert listed == shown, (order, status)
    everything = await rpc.result("tasks.list", {"status": "all", "order": "number"})
    assert [(t["depends_on"], t["blocks"]) for t in everything] == [([], [2]), ([1, 3], []), ([], [2])]
    assert [
        t["number"] for t in await rpc.result("tasks.list", {"status": "all", "order": "number", "offset": 1})
    ] == [2, 3]


async def test_update_start_complete_and_undo(rpc):
    a = await rpc.result("tasks.create", {"text": "first"})
    b = await rpc.result("tasks.create", {"text": "second"})
    waits = await rpc.result("tasks.update", {"ref": b["number"], "depends_on": [a["number"]]})
    assert waits["status"] == "blocked" and waits["depends_on"] == [a["number"]]
    changed = await rpc.result("tasks.update", {"ref": a["number"], "text": "friday p2 +docs renamed"})
    assert changed["title"] == "renamed" and changed["priority"] == "high" and changed["tags"] == ["docs"]
    fields = await rpc.result("tasks.update", {"ref": a["number"], "fields": {"description": "notes"}})
    assert fields["description"] == "notes"
    assert (await rpc.result("tasks.start", {"ref": a["number"]}))["status"] == "in_progress"
    done = await rpc.result("tasks.complete", {"ref": a["number"]})
    assert done["status"] == "completed"
    assert (await rpc.result("tasks.get", {"ref": b["number"]}))["status"] == "pending"
    undone = await rpc.result("tasks.undo")
    assert undone["undone"].startswith("complete") and undone["tasks"]
    assert (await rpc.result("tasks.get", {"ref": a["number"]}))["status"] == "in_progress"
    assert (await rpc.result("tasks.get", {"ref": b["number"]}))["status"] == "blocked"
    redone = await rpc.result("tasks.redo")
    assert redone["redone"].startswith("complete")
    nothing = await rpc.call("tasks.update", {"ref": a["number"]})
    assert nothing["error"]["code"] == -32602


async def test_recurring_completion_has_its_next_occurrence(rpc):
    t = await rpc.result("tasks.create", {"text": "water plants every monday"})
    done = await rpc.result("tasks.complete", {"ref": t["number"]})
    assert done["next"]["title"] == "water plants" and done["next"]["status"] == "pending"


async def test_next_search_parse_repos_ping_version(rpc):
    await rpc.result("tasks.create", {"text": "urgent login fix p1 today"})
    await rpc.result("tasks.create", {"text": "someday tidy p4"})
    ranked = await rpc.result("tasks.next", {"limit": 5})
    assert [r["rank"] for r in ranked] == [1, 2] and ranked[0]["task"]["title"] == "login fix"
    assert set(ranked[0]) == {"rank", "urgency", "blocking", "blocked", "breakdown", "task"}
    found = await rpc.result("tasks.search", {"query": "login", "mode": "text"})
    assert found["mode"] == "text" and found["hits"][0]["task"]["title"] == "login fix"
    from mhv.nlp import parse

    now = "2026-11-24T09:00"
    from datetime import datetime

    expected = parse(
        "fix auth tomorrow 5pm p1 #ci", now=datetime.fromisoformat(now).replace(tzinfo=UTC)
    ).to_json()
    assert await rpc.result("nlp.parse", {"text": "fix auth tomorrow 5pm p1 #ci", "now": now}) == expected
    assert await rpc.result("repos.list") == []
    assert await rpc.result("server.ping") == "pong"
    version = await rpc.result("server.version")
    assert version["protocol"] == 1 and version["database"] in ("sqlite", "postgresql")
    assert (await rpc.call("nope.nope"))["error"] == {"code": -32601, "message": "Method not found"}


async def test_subscribe_backlog_then_live_as_event_notifications(rpc):
    for i in range(3):
        await rpc.result("tasks.create", {"text": f"t{i}"})
    await rpc.send_bytes(b'{"jsonrpc":"2.0","method":"events.subscribe","params":{"since":1},"id":"s"}\n')
    first = await rpc.message()
    assert first == {
        "jsonrpc": "2.0",
        "result": {"subscription": first["result"]["subscription"], "seq": 1},
        "id": "s",
    }
    backlog = [await rpc.message(), await rpc.message()]
    assert [m["params"]["seq"] for m in backlog] == [2, 3] and all(m["method"] == "event" for m in backlog)
    created = await rpc.call("tasks.create", {"text": "live one"})  # its event may come before or after it
    seen = [*backlog, *rpc.notes]
    while len(seen) < 3:
        m = await rpc.message()
        if m.get("method") == "event":
            seen.append(m)
    assert seen[-1]["params"]["seq"] == 4 and seen[-1]["params"]["after"]["title"] == "live one"
    assert seen[-1]["params"]["actor"] == "rpc:companion" and "result" in created
    again = await rpc.call("events.subscribe", {})
    assert again["error"]["data"]["code"] == "MHV-706"
    assert await rpc.result("events.unsubscribe", {"subscription": first["result"]["subscription"]}) is True
    await rpc.ctx.run("cli", lambda s: s.create({"title": "unseen"}))
    await asyncio.sleep(0.2)
    assert await rpc.result("server.ping") == "pong"  # no event notification came before it


async def test_if_updated_at_refuses_a_change_to_a_task_changed_meanwhile(rpc, clock):
    t = await rpc.result("tasks.create", {"text": "guarded"})
    seen = t["updated_at"]
    clock.advance(minutes=1)
    renamed = await rpc.result("tasks.update", {"ref": t["number"], "text": "renamed", "if_updated_at": seen})
    assert renamed["title"] == "renamed" and renamed["updated_at"] != seen
    seq = await last_seq(rpc)
    for method, params in (
        ("tasks.complete", {}),
        ("tasks.start", {}),
        ("tasks.update", {"text": "stale p1"}),
        ("tasks.update", {"fields": {"description": "stale"}}),
    ):
        answer = await rpc.call(method, {"ref": t["number"], "if_updated_at": seen, **params})
        error = answer["error"]
        assert error["code"] == -32000 and error["data"]["code"] == "MHV-103", answer
        assert error["data"]["details"]["task"]["updated_at"] == renamed["updated_at"]
        assert "changed since you saw it" in error["message"] and error["data"]["hint"]
    assert await last_seq(rpc) == seq  # nothing written by a refused change
    current = await rpc.result("tasks.get", {"ref": t["number"]})
    assert current["title"] == "renamed" and current["status"] == "pending"
    done = await rpc.result("tasks.complete", {"ref": t["number"], "if_updated_at": renamed["updated_at"]})
    assert done["status"] == "completed"
    undone = await rpc.result("tasks.undo")  # the guarded change is one undo step, named as itself
    assert undone["undone"] == f"complete {t['number']}"
    bad = await rpc.call("tasks.complete", {"ref": t["number"], "if_updated_at": 5})
    assert bad["error"]["code"] == -32602


async def test_client_key_makes_a_retried_create_return_the_first_task(rpc):
    first = await rpc.result("tasks.create", {"text": "only once p1", "client_key": "k-1"})
    assert first["metadata"]["client_key"] == "k-1" and first["priority"] == "critical"
    seq = await last_seq(rpc)
    again = await rpc.result("tasks.create", {"text": "only once p1", "client_key": "k-1"})
    assert again["id"] == first["id"] and await last_seq(rpc) == seq
    other = await rpc.result("tasks.create", {"text": "only once p1", "client_key": "k-2"})
    assert other["number"] == first["number"] + 1
    by_fields = await rpc.result(
        "tasks.create", {"fields": {"title": "f", "metadata": {"a": 1}}, "client_key": "k-3"}
    )
    assert by_fields["metadata"] == {"a": 1, "client_key": "k-3"}
    assert (await rpc.result("tasks.create", {"fields": {"title": "f"}, "client_key": "k-3"}))[
        "id"
    ] == by_fields["id"]
    plain = await rpc.result("tasks.list", {"text": "only once"})
    assert len(plain) == 2


HOSTILE_CLIENTS = [
    None,
    "now",
    {"now": "yesterday", "columns": 80},
    {"now": "2030-01-01T00:00:00", "columns": 80},  # no offset
    {"now": "2030-01-01T00:00:00+00:00", "columns": 0},
    {"now": "2030-01-01T00:00:00+00:00", "columns": True},
    {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "tz": "x" * 100_000},
    {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "tz": "/etc/passwd"},
    {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "tz": "Europe/Paris\x00"},
    {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "tz": 5},
    {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "term": []},
    {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "term": {"encoding": "no-such-codec"}},
]


async def test_read_views_refuse_a_hostile_client_and_bound_its_terminal(rpc):
    await rpc.result("tasks.create", {"text": "alpha #ci"})
    for client in HOSTILE_CLIENTS:
        for method, args in (("cli.list", {}), ("cli.show", {"ref": "1"}), ("cli.next", {})):
            msg = await rpc.call(method, {"args": args, "client": client})
            assert "error" in msg and msg["error"]["code"] == -32602, (method, client, msg)
    # A terminal "wider" than any screen is laid out at most MAX_SIDE wide, not allocated as sent.
    huge = {"now": "2030-01-01T00:00:00+00:00", "columns": 80, "color": False, "color_err": False,
            "term": {"isatty": True, "size": [10**12, 10**12], "env": {"COLUMNS": "99999999999"}}}  # fmt: skip
    shown = await rpc.result("cli.show", {"args": {"ref": "1"}, "client": huge})
    assert "alpha" in shown["stdout"] and max(map(len, shown["stdout"].splitlines())) <= 10_000
    # The far end of the calendar is an answer, not an internal error.
    for now in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"):
        edge = {"now": now, "columns": 80, "color": False, "color_err": False}
        for method, args in (("cli.list", {}), ("cli.show", {"ref": "1"}), ("cli.next", {})):
            msg = await rpc.call(method, {"args": args, "client": edge})
            assert "result" in msg or msg["error"]["code"] in (-32000, -32602), (method, now, msg)
    assert (await rpc.result("server.ping")) is not None
