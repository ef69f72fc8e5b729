"""The issue-18 date language through the CLI: `mhv parse --now`, `tc`, `tu`, `tl --waiting`.

Exact values go through `mhv parse --now` (a pinned clock). The `tc`/`tu` checks assert only what
holds on any day: a past word is refused, a `wait:` two weeks out is hidden today.
"""

from __future__ import annotations

import json


def js(mhv, *args):  # type: ignore[no-untyped-def]
    code, out, err = mhv(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_parse_reads_taskwarrior_and_todoist_forms(mhv) -> None:  # type: ignore[no-untyped-def]
    data = js(mhv, "parse", "renew cert wait:sow until:eoq due:eom est:PT90M", "--now", "2026-11-24T10:00")
    assert (data["wait_date"], data["until_date"], data["due_date"], data["estimate_minutes"]) == (
        "2026-11-23", "2026-12-31", "2026-11-30", 90)  # fmt: skip
    data = js(mhv, "parse", "gifts every dec 25 ending 2030-12-31", "--now", "2026-11-24T10:00")
    assert data["recurrence"] == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25;UNTIL=20301231T235959"
    assert data["due_date"] == "2026-12-25"
    code, out, _ = mhv("parse", "stretch every morning", "--now", "2026-11-24T10:00")
    assert code == 0 and "every day" in out and "Wed 25 Nov 09:00" in out


def test_a_past_word_is_refused_for_a_new_task_and_nothing_is_stored(mhv) -> None:  # type: ignore[no-untyped-def]
    code, _, err = mhv("tc", "call bob yesterday")
    assert code == 4 and "MHV-102" in err and "in the past" in err and "quote" in err
    assert js(mhv, "tl", "--all") == []
    code, _, err = mhv("tc", "notes from last friday")
    assert code == 4 and "'last friday' is in the past" in err
    assert js(mhv, "tc", 'call bob "yesterday"')["title"] == "call bob yesterday"  # quoted: title text


def test_wait_hides_from_tl_and_the_waiting_view_shows_it(mhv) -> None:  # type: ignore[no-untyped-def]
    plain = js(mhv, "tc", "plain task")
    later = js(mhv, "tc", "renew cert wait:2w")
    assert later["wait"] is not None
    assert [t["number"] for t in js(mhv, "tl")] == [plain["number"]]
    assert [t["number"] for t in js(mhv, "tl", "--waiting")] == [later["number"]]
    code, out, _ = mhv("show", str(later["number"]))
    assert code == 0 and "Waits until" in out
    code, _, err = mhv("tu", str(plain["number"]), "3 days ago")
    assert code == 4 and "in the past" in err


def test_completed_since_and_before_take_past_words(mhv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`tl --completed-since yesterday` / `--completed-before "3 days ago"`: past words in filters.
    One task finished today, one imported as finished in 2020: true on any day after 2020."""
    old = tmp_path / "old.csv"
    old.write_text("title,status,created_at,completed_at\nold report,completed,2020-01-02T09:00,2020-01-03T10:00\n")
    assert mhv("import", "csv", str(old))[0] == 0
    fresh = js(mhv, "tc", "fresh fix")
    assert mhv("td", str(fresh["number"]))[0] == 0
    js(mhv, "tc", "still open")
    assert [t["title"] for t in js(mhv, "tl", "--completed-since", "yesterday")] == ["fresh fix"]
    assert [t["title"] for t in js(mhv, "tl", "--completed-before", "3 days ago")] == ["old report"]
    assert [t["title"] for t in js(mhv, "tl", "--completed-since", "2019-12-31", "--sort", "number")] == [
        "old report", "fresh fix"]  # fmt: skip
    code, _, err = mhv("tl", "--completed-since", "the blue moon")
    assert code != 0 and "cannot read" in err
