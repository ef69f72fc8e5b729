"""Hypothesis: no input crashes the parser or makes it slow; spans never overlap and always index
the original text; removing the recognised spans yields the title."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhv.nlp import ParseSettings, parse
from mhv.nlp.lexer import remove_spans, tidy_title

EXAMPLES = int(os.environ.get("MHV_HYPOTHESIS_EXAMPLES", "400"))  # raise it for a long hunt
NOW = datetime(2025, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=1)))
KNOWN = ("crackerjack", "mhv")

# Pieces of the language, so random lines hit the recognisers and not only the title path.
FRAGMENTS = [
    "#ci", "#perf/db", "@crackerjack", "@x", "repo:mhv", "in", "for", "crackerjack", "p1", "p4", "urgent",
    "high", "priority", "pri:H", "today", "tonight", "tomorrow", "fri", "friday", "this", "next", "week",
    "month", "in 3 days", "a", "dec", "5", "5th", "december", "2026-12-05", "12/5", "eod", "eow", "eom",
    "end", "of", "5pm", "17:00", "at", "noon", "morning", "due:eom", "start", "monday", "scheduled:2026-12-01",
    "~2h", "~1.5h", "est:90m", "takes", "2", "hours", "every", "other", "day", "weekday", "daily", "on",
    "the", "1st", "after", "#41", "blocked", "by", "depends", "41", "blocks", "#43", '"', '"quoted p1"',
    "\\tomorrow", "done", "mark", "move", "set", "tag", "rename", "to", "delete", "show", "list", "?",
    "find", "unblock", "#42", "42", ",", ".", "(", ")", "é", "☕", "mhv-42", "may", "sat", "~", "+docs",
    "tomorow", "every 2 weeks", "what's", "due", "overdue", ":", "\\", "'",
]  # fmt: skip

lines = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(" ".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=20).map(" ".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=30).map("".join),
)
clocks = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)
parse_settings = st.builds(
    ParseSettings, date_order=st.sampled_from(["mdy", "dmy"]), week_start=st.integers(0, 6)
)


def timed_parse(text: str, now: datetime, cfg: ParseSettings | None = None):  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(2):  # the better of two runs: a GC pause is not the parser being slow
        t0 = time.perf_counter()
        p = parse(text, now=now, known_repos=KNOWN, settings=cfg)
        best = min(best, time.perf_counter() - t0)
    return p, best


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=lines, now=clocks, cfg=parse_settings)
def test_any_line_parses_quickly_with_consistent_spans(text: str, now: datetime, cfg: ParseSettings) -> None:
    p, seconds = timed_parse(text, now, cfg)
    assert seconds < 0.010, f"{seconds * 1000:.2f} ms for {text!r}"
    assert 0.0 <= p.confidence <= 1.0
    previous_end = 0
    for e in p.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.text
        assert e.start >= previous_end, f"overlapping spans in {text!r}"
        previous_end = e.end
        assert 0.0 <= e.confidence <= 1.0
    assert p.title == tidy_title(remove_spans(text, [(e.start, e.end) for e in p.entities]))
    assert p.intent in {"create", "list", "search", "show", "start", "complete", "update", "block", "delete"}
    p.to_json()  # always serialisable


# --- a grammar: plain title words interleaved with one piece of each kind -----------------------

TITLE_WORDS = [
    "fix",
    "flaky",
    "auth",
    "test",
    "login",
    "cache",
    "write",
    "docs",
    "api",
    "café",
    "日本",
    "über",
    "readme",
]
PIECES = {
    "tag": ["#ci", "#perf/db", "+docs"],
    "repo": ["@crackerjack", "repo:mhv", "in crackerjack", "for crackerjack"],
    "priority": ["p1", "p3", "urgent", "high priority", "pri:L", "priority:high"],
    "due": [
        "tomorrow",
        "by friday",
        "next week",
        "in 3 days",
        "dec 5",
        "2026-12-05",
        "eom",
        "due:eom",
        "tomorrow 5pm",
        "tonight",
    ],
    "scheduled": ["start monday", "scheduled:2026-12-01"],
    "estimate": ["~2h", "~30m", "est:90m", "takes 2 hours"],
    "recurrence": ["every day", "every other friday", "every month on the 1st", "every week"],
    "depends_on": ["after #41", "blocked by #41", "depends on 41"],
    "blocks": ["blocks #43"],
}


@st.composite
def composed(draw: st.DrawFn) -> tuple[str, list[str], set[str]]:
    words = draw(st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=6))
    kinds = draw(st.lists(st.sampled_from(sorted(PIECES)), unique=True, max_size=len(PIECES)))
    items: list[tuple[str, str | None]] = [(w, None) for w in words]
    for kind in kinds:
        pos = draw(st.integers(0, len(items)))
        items.insert(pos, (draw(st.sampled_from(PIECES[kind])), kind))
    return " ".join(t for t, _ in items), [t for t, k in items if k is None], set(kinds)


@settings(max_examples=EXAMPLES, deadline=None)
@given(composed())
def test_removing_the_pieces_leaves_the_title(case: tuple[str, list[str], set[str]]) -> None:
    text, words, kinds = case
    p = parse(text, now=NOW, known_repos=KNOWN)
    assert p.intent == "create"
    assert p.title == " ".join(words)
    found = {e.kind for e in p.entities}
    found |= {"due"} if "time" in found else set()
    assert found == kinds
