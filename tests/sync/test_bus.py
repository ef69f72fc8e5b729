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

    c = SyncContext.open(
        database_url, clock=clock, tz=UTC, socket_path=tmp_path / "s.sock", poll_interval=0.2
    )
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


async def test_an_event_written_by_another_process_reaches_a_subscriber(ctx, database_url, mhv_home):
    sub = ctx.bus.subscribe(None)
    await sub.ready()
    code = (
        "from mhv.store import open_store; from mhv.tasks.service import TaskService;"
        f"s = open_store({database_url!r}); TaskService(s, actor='other-process').create({{'title': 'from afar'}});"
        "s.close()"
    )
    await asyncio.to_thread(subprocess.run, [sys.executable, "-c", code], check=True, timeout=60)
    (ev,) = await take(sub, 1)
    assert ev["actor"] == "other-process" and ev["after"]["title"] == "from afar"


async def test_two_buses_on_one_database_both_see_a_write(ctx, database_url, clock, tmp_path):
    other = SyncContext.open(database_url, clock=clock, socket_path=tmp_path / "o.sock", poll_interval=30)
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
