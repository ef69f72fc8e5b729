"""The task table (`mhv tl`) byte for byte as it is: the renderer of Task / TaskLine objects and the
one of raw store rows (SQLite's text and JSON, PostgreSQL's datetimes and lists) against golden
outputs (table_golden.json), on random tables with wide and accented text, long titles, repos and
tags, due dates in several zones, every status and priority, and many terminal widths; then `mhv
tl`'s view on a real store (SQLite and PostgreSQL), read with the store alone and with the task service.

table_golden.json was written once from the renderer of session 16 (which the frozen copy of the
renderer before `render_rows`, table_before.py, then still agreed with byte for byte), each table
under the seed, width and colour (or the arguments and client) that make it. A change to the
renderer that moves one byte fails here: if the change is meant, say so in its commit and write the
file again from the new renderer, checking the difference by eye."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mhv.store import Dialect
from mhv.tasks.filters import StoreReader
from mhv.tasks.models import TaskLine
from mhv.tasks.views import Client, with_client
from mhv.tasks.views.listing import list_view
from mhv.tasks.views.table import render_rows, render_tasks

GOLDEN = Path(__file__).with_name("table_golden.json")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WORDS = ["fix", "login", "deploy", "a", "release-notes", "ci", "cache", "refactor", "the", "websocket"]
ODD = ["café", "naïve", "Größe", "漢字", "テスト", "数据库", "🙂", "e\u0301", "ｗｉｄｅ", "tab\there", "—"]
STATUSES = ["pending", "in_progress", "blocked", "completed", "cancelled", "weird"]
PRIORITIES = ["critical", "high", "medium", "low", "odd"]
ZONES = [UTC, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]


def _text(rnd: random.Random, words: int, odd: float) -> str:
    return " ".join(rnd.choice(ODD) if rnd.random() < odd else rnd.choice(WORDS) for _ in range(words))


def _line(rnd: random.Random, number: int, odd: float) -> TaskLine:
    created = None if rnd.random() < 0.05 else NOW - timedelta(seconds=rnd.choice(
        [-5, 0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 86400 * 14, 86400 * 90, 86400 * 730, rnd.uniform(0, 4e8)]
    ) + rnd.random())  # fmt: skip
    due = None
    if rnd.random() < 0.5:
        due = NOW + timedelta(minutes=rnd.randint(-60 * 24 * 90, 60 * 24 * 90))
        if rnd.random() < 0.3:
            due = due.astimezone(rnd.choice(ZONES))  # an aware due in another zone: same instant
    repo = rnd.choice([None, None, "api", "crackerjack.ci", "a" * rnd.randint(20, 30), _text(rnd, 1, 1.0)])
    tags = [_text(rnd, 1, odd).replace(" ", "-") for _ in range(rnd.choice([0, 0, 1, 2, 3]))]
    if rnd.random() < 0.05:
        tags.append("a-very-long-tag-that-cannot-fit")
    title = _text(rnd, rnd.choice([1, 3, 8, 20]), odd)
    return TaskLine(number, rnd.choice(STATUSES), created, rnd.choice(PRIORITIES), repo, tags, due,
                    rnd.random() < 0.4, title)  # fmt: skip


def _sqlite_row(t: TaskLine) -> tuple[Any, ...]:
    d = Dialect("sqlite")
    return (t.number, t.status, d.dt_in(t.created_at), t.priority, t.repo, d.json_in(t.tags), d.dt_in(t.due),
            int(t.due_all_day), t.title)  # fmt: skip


def _postgres_row(t: TaskLine) -> tuple[Any, ...]:
    return (t.number, t.status, t.created_at, t.priority, t.repo, list(t.tags), t.due, t.due_all_day, t.title)


@cache
def golden() -> dict[str, dict[str, str]]:
    """{"random": {case: table}, "store": {case: stdout}}: each table its lines joined by newlines."""
    return json.loads(GOLDEN.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def random_cases(seed: int) -> Iterator[tuple[str, list[TaskLine], dict[str, Any]]]:
    """The random tables of ``seed``: (its golden key, the lines, render_tasks' keywords)."""
    rnd = random.Random(seed)
    odd = rnd.choice([0.0, 0.0, 0.05, 0.3])
    lines = [
        _line(rnd, rnd.randint(1, 10 ** rnd.randint(1, 6)), odd) for _ in range(rnd.choice([1, 2, 7, 40]))
    ]
    if rnd.random() < 0.3:  # no status marks, repos or tags at all: those columns go
        lines = [TaskLine(t.number, "pending", t.created_at, t.priority, None, [], t.due, t.due_all_day, t.title)
                 for t in lines]  # fmt: skip
    for columns in (20, 45, 60, 80, 120, 200, 1000):
        for color in (False, True):
            tz = rnd.choice(ZONES)
            total = rnd.choice([None, len(lines), len(lines) + 5])
            kw = {"now": NOW, "tz": tz, "color": color, "total": total, "columns": columns}
            yield f"seed {seed} columns {columns} {'colour' if color else 'plain'}", lines, kw


@pytest.mark.parametrize("seed", range(60))
def test_random_tables_are_the_same_bytes(seed: int) -> None:
    for key, lines, kw in random_cases(seed):
        want = golden()["random"][key]
        assert "\n".join(render_tasks(lines, **kw)) == want, key
        assert "\n".join(render_rows([_sqlite_row(t) for t in lines], **kw)) == want, key
        assert "\n".join(render_rows([_postgres_row(t) for t in lines], **kw)) == want, key


def test_the_golden_file_holds_every_case() -> None:
    """No case of the tests is missing from table_golden.json, and it holds no other (a stale one)."""
    keys = {key for seed in range(60) for key, _, _ in random_cases(seed)}
    assert set(golden()["random"]) == keys and len(keys) == 60 * 14
    assert set(golden()["store"]) == {_store_key(a, c) for a in STORE_ARGS for c in STORE_CLIENTS}


def test_no_rows() -> None:
    kw: dict[str, Any] = {"now": NOW, "tz": UTC, "color": False}
    assert render_rows([], **kw) == list(render_tasks([], **kw)) == ["No tasks match."]


def _client(tz: str, columns: int, color: bool) -> Client:
    return Client.from_json({"now": NOW.isoformat(), "tz": tz, "columns": columns, "color": color})


STORE_ARGS: list[dict[str, Any]] = [
    {}, {"all": True}, {"sort": "due"}, {"sort": "title", "all": True}, {"limit": 7},
    {"tag": ["ci"], "sort": "created"}, {"words": ["@api"], "sort": "priority"}, {"sort": "number"},
    {"status": ["blocked"]}, {"words": ["nothing-matches-this"]},
]  # fmt: skip
STORE_CLIENTS = [("UTC", 120, False), ("Asia/Tokyo", 60, True), ("America/New_York", 33, False)]


def _store_key(args: dict[str, Any], client: tuple[str, int, bool]) -> str:
    return json.dumps([args, *client], sort_keys=True)


def test_tl_reads_the_same_with_the_store_alone_as_with_the_service(service: Any, clock: Any) -> None:
    """`mhv tl`'s view on a real store: through filters.StoreReader (the one-shot CLI) and through the
    TaskService (the sync service) the same bytes, the golden ones."""
    rnd = random.Random(7)
    for i in range(60):
        data: dict[str, Any] = {
            "title": _text(rnd, rnd.choice([2, 6, 15]), 0.2).replace("\t", " ").strip() or "x"
        }
        if rnd.random() < 0.6:
            data["repo"] = rnd.choice(
                ["api", "web", "crackerjack.ci", "données", "a-repository-with-a-long-name"]
            )
        if rnd.random() < 0.5:
            data["tags"] = rnd.sample(["bug", "ci", "docs", "naïve", "漢字", "perf"], rnd.randint(1, 3))
        if rnd.random() < 0.4:
            data["due"] = (NOW + timedelta(hours=rnd.randint(-500, 500))).isoformat()
        if rnd.random() < 0.4:
            data["priority"] = rnd.choice(PRIORITIES[:4])
        if i > 3 and rnd.random() < 0.15:
            data["depends_on"] = [rnd.randint(1, i)]  # blocked while that one is open
        service.create(data)
        clock.advance(minutes=rnd.randint(1, 3000))
    service.start(5)
    service.complete(6)
    service.cancel(7)
    reader = StoreReader(service.store)
    for args in STORE_ARGS:
        for where in STORE_CLIENTS:
            client = _client(*where)
            with with_client(reader, client):
                alone = list_view(reader, dict(args), client).stdout
            with with_client(service, client):
                served = list_view(service, dict(args), client).stdout
            assert alone == served == golden()["store"][_store_key(args, where)], (args, where)
    assert "(of " in list_view(reader, {"limit": 7}, _client("UTC", 120, False)).stdout
