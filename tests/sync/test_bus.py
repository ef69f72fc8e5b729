"""The event bus on the real store: backlog then live, no gap or repeat, slow subscribers cut off,
writes from another process (another connection) reach subscribers."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from mhv.sync.bus import SubscriberTooSlow
from mhv.sync.context import SyncContext


@pytest.fixture
async def ctx(database_url, clock, tmp_path):
    from dateutil.tz import UTC

    # The backstop poll is slow here, so every test proves a real wake: this process's writes,
    # watchfiles on SQLite, LISTEN/NOTIFY on PostgreSQL.
    c = SyncContext.open(database_url, clock=clock, tz=UTC, socket_path=tmp_path / "s.sock", poll_interval=60)
    await c.bus.start()
    yield c
    await c.bus.stop()
    c.close()


async def take(sub, n, timeout=10.0):
    out = []

    async def go():
        async for ev in sub:
            out.append(ev)
            if len(out) == n:
                return

    await asyncio.wait_for(go(), timeout)
    return out


async def test_backlog_then_live_without_gap_or_repeat(ctx):
    for i in range(5):
        await ctx.run("rpc:test", lambda s, i=i: s.create({"title": f"before {i}"}))
    sub = ctx.bus.subscribe(since=2)
    first = await take(sub, 3)
    assert [e["seq"] for e in first] == [3, 4, 5]
    assert [e["after"]["title"] for e in first] == ["before 2", "before 3", "before 4"]
    for i in range(3):
        await ctx.run("rpc:test", lambda s, i=i: s.create({"title": f"after {i}"}))
    live = await take(sub, 3)
    assert [e["seq"] for e in live] == [6, 7, 8]
    ev = live[0]
    assert set(ev) == {"seq", "kind", "task_id", "txn", "at", "actor", "before", "after"}
    assert ev["actor"] == "rpc:test" and ev["kind"] == "task.created"
    sub.close()


async def test_subscribe_without_since_is_live_only(ctx):
    await ctx.run("a", lambda s: s.create({"title": "old"}))
    sub = ctx.bus.subscribe(None)
    assert await sub.ready() == 1  # "now" is the table's head, even if the bus has not read it yet
    await ctx.run("a", lambda s: s.create({"title": "new"}))
    (ev,) = await take(sub, 1)
    assert ev["after"]["title"] == "new"


async def test_backlog_longer_than_a_page_while_writes_continue(ctx):
    ctx.bus.page_size = 7
    await ctx.run("a", lambda s: [s.create({"title": f"t{i}"}) for i in range(30)])
    sub = ctx.bus.subscribe(since=0)
    got = await take(sub, 10)
    await ctx.run("a", lambda s: [s.create({"title": f"u{i}"}) for i in range(10)])
    got += await take(sub, 30)
    assert [e["seq"] for e in got] == list(range(1, 41))


async def test_a_slow_subscriber_is_cut_off_with_where_to_resume(ctx):
    slow = ctx.bus.subscribe(None, maxsize=3)
    fast = ctx.bus.subscribe(None)
    await slow.ready(), await fast.ready()
    await ctx.run("a", lambda s: [s.create({"title": f"t{i}"}) for i in range(5)])
    assert len(await take(fast, 5)) == 5
    with pytest.raises(SubscriberTooSlow) as info:
        await take(slow, 5)
    assert info.value.last_seq == 0
    assert ctx.bus.subscribers == 1  # the fast one is untouched
    resumed = ctx.bus.subscribe(info.value.last_seq)
    assert [e["seq"] for e in await take(resumed, 5)] == [1, 2, 3, 4, 5]


async def test_one_event_reaches_many_subscribers(ctx):
    subs = [ctx.bus.subscribe(None) for _ in range(200)]
    for s in subs:
        await s.ready()
    await ctx.run("a", lambda s: s.create({"title": "fan"}))
    got = await asyncio.gather(*(take(s, 1) for s in subs))
    assert all(g[0] is got[0][0] for g in got)  # decoded once, the same dict for everyone


def write_elsewhere(database_url, title):
    """Create a task from another process (its own connection), as the CLI would."""
    code = (
        "from mhv.store import open_store; from mhv.tasks.service import TaskService;"
        f"s = open_store({database_url!r}); TaskService(s, actor='other-process').create({{'title': {title!r}}});"
        "s.close()"
    )
    return asyncio.to_thread(subprocess.run, [sys.executable, "-c", code], check=True, timeout=60)


async def test_an_event_written_by_another_process_reaches_a_subscriber(ctx, database_url):
    sub = ctx.bus.subscribe(None)
    await sub.ready()
    await write_elsewhere(database_url, "from afar")
    (ev,) = await take(sub, 1)
    assert ev["actor"] == "other-process" and ev["after"]["title"] == "from afar"


async def test_the_backstop_poll_alone_finds_other_writers(database_url, clock, tmp_path):
    from mhv.sync.bus import EventBus

    c = SyncContext.open(database_url, clock=clock, socket_path=tmp_path / "p.sock")
    bus = EventBus(c.store, poll_interval=0.1, watch_files=False)
    await bus.start()
    if bus._tasks[-1].get_name() == "mhv-bus-listen":  # PostgreSQL: take LISTEN away, keep the poll
        bus._tasks.pop().cancel()
    try:
        sub = bus.subscribe(None)
        await sub.ready()
        await write_elsewhere(database_url, "polled")
        (ev,) = await take(sub, 1)
        assert ev["after"]["title"] == "polled"
    finally:
        await bus.stop()
        c.close()


@pytest.mark.postgres
async def test_the_listener_reconnects_after_its_connection_is_killed(ctx, database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    import psycopg

    await asyncio.wait_for(ctx.bus.listening.wait(), 10)
    old_pid = ctx.bus.listener_pid
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
    for _ in range(200):
        if ctx.bus.listener_pid not in (None, old_pid):
            break
        await asyncio.sleep(0.05)
    assert ctx.bus.listener_pid not in (None, old_pid)
    sub = ctx.bus.subscribe(None)
    await sub.ready()
    await write_elsewhere(database_url, "after reconnect")
    (ev,) = await take(sub, 1)
    assert ev["after"]["title"] == "after reconnect"


async def test_two_buses_on_one_database_both_see_a_write(ctx, database_url, clock, tmp_path):
    other = SyncContext.open(database_url, clock=clock, socket_path=tmp_path / "o.sock", poll_interval=60)
    await other.bus.start()
    try:
        mine, theirs = ctx.bus.subscribe(None), other.bus.subscribe(None)
        await mine.ready(), await theirs.ready()
        await other.run("rpc:other", lambda s: s.create({"title": "shared"}))
        a, b = await asyncio.gather(take(mine, 1), take(theirs, 1))
        assert a[0]["seq"] == b[0]["seq"] and a[0]["actor"] == "rpc:other"
    finally:
        await other.bus.stop()
        other.close()
