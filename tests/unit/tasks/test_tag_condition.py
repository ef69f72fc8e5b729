"""The tag condition of the store (``Dialect.tag_condition``) against plain membership, on a real store.

On SQLite it is a substring test on the stored JSON text; these tests hold it to exactly what
``tag in tags`` says, for tags made to fool a substring test (quotes, brackets, commas, backslashes,
non-ASCII, one tag inside another)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mhv.tasks.models import STATUSES, TaskFilter

TRICKY = ["bug", "[bug", "bug]", "x]bug", "bu", "ug", "débug", "bug\\", "\\", "[", "]", "[]"]
RAW = [
    *TRICKY,
    'x"bug',
    'bug"',
    '"',
    ",bug",
    'a,"bug',
    "",
    " bug",
    ",",
]  # not valid tags, but the condition must not care


def test_tricky_tags_match_exactly(service: Any) -> None:
    made = {}
    for i, tag in enumerate(TRICKY):
        made[tag] = service.create({"title": f"t{i}", "tags": [tag, "other"] if i % 2 else [tag]}).number
    for tag in TRICKY:
        found = [
            t.number for t in service.list_tasks(TaskFilter(statuses=STATUSES, tags=(tag,), order="number"))
        ]
        assert found == [made[tag]], tag


@example(stored=[["[,", "bug"]], wanted=",")  # `,"` as a comma ending one element and its closing quote
@example(stored=[["a,", ",b"], [","]], wanted=",")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stored=st.lists(
        st.lists(st.sampled_from(RAW) | st.text(alphabet='ab"[],\\é ', max_size=4), max_size=3),
        min_size=1,
        max_size=4,
    ),
    wanted=st.sampled_from(RAW) | st.text(alphabet='ab"[],\\é ', max_size=4),
)
def test_condition_is_membership(store: Any, stored: list[list[str]], wanted: str) -> None:
    d = store.dialect
    if d.name != "sqlite":  # PostgreSQL tests jsonb containment, covered by the tricky-tags test
        return
    with store.write() as conn:
        conn.execute("CREATE TEMPORARY TABLE IF NOT EXISTS tagprobe (n INTEGER, tags TEXT)")
        conn.execute("DELETE FROM tagprobe")
        for n, tags in enumerate(stored):
            conn.execute("INSERT INTO tagprobe VALUES (?, ?)", [n, d.json_in(tags)])
        cond, params = d.tag_condition("tagprobe.tags", wanted)
        rows = conn.all(f"SELECT n FROM tagprobe WHERE {cond} ORDER BY n", params)
    assert [r["n"] for r in rows] == [n for n, tags in enumerate(stored) if wanted in tags]
