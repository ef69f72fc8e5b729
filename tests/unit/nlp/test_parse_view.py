"""`mhv.cli.parse_view`: the readable breakdown shown by `mhv parse` and `mhv tc`."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

from rich.console import Console

from mhv.cli.parse_view import highlight, parse_command_json, render_parse
from mhv.nlp import parse
from mhv.nlp.entities import format_minutes as fmt_minutes
from mhv.nlp.recurrence import describe_rrule

NOW = datetime(2025, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=1)))
HEADLINE = "fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41"


def plain(text: str) -> str:
    console = Console(width=120, color_system=None, record=True)
    console.print(render_parse(parse(text, now=NOW, known_repos=["crackerjack"]), text, now=NOW))
    return console.export_text()


def test_chips_with_confidences() -> None:
    out = plain(HEADLINE)
    lines = out.splitlines()
    assert lines[0] == HEADLINE
    assert lines[1] == "create · confidence 0.95"
    for chip in (
        "@crackerjack  0.97",
        "due Thu 27 Nov 17:00  0.96",
        "p1 critical  0.95",
        "#ci  0.98",
        "~2h  0.98",
        "after #41  0.95",
    ):
        assert chip in lines[2]


def test_alternatives_and_asking() -> None:
    out = plain("call bob at 5")
    assert "unsure: asks before acting" in out
    assert "maybe: “at 5” 05:00 in the morning" in out
    assert "asks before deleting" in plain("delete #42")


def test_list_and_update_views() -> None:
    out = plain("show blocked tasks in crackerjack due this week")
    assert "status blocked" in out and "due Mon 24 Nov – Sun 30 Nov" in out
    assert "→ “better words”" in plain("rename 42 to better words")


def test_spans_are_coloured_by_kind() -> None:
    p = parse(HEADLINE, now=NOW, known_repos=["crackerjack"])
    text = highlight(p, HEADLINE)
    styled = {(span.start, span.end): str(span.style) for span in text.spans}
    assert styled[(20, 32)] == "magenta"
    assert styled[(49, 52)] == "cyan"
    assert styled[(33, 45)] == "green"


def test_helpers() -> None:
    assert describe_rrule("FREQ=WEEKLY;BYDAY=FR;INTERVAL=2") == "every 2 weeks on Fri"
    assert describe_rrule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR") == "every weekday"
    assert describe_rrule("FREQ=MONTHLY;BYMONTHDAY=1") == "every month on day 1"
    assert describe_rrule("FREQ=MONTHLY;BYDAY=-1FR") == "every month on the last Fri"
    assert fmt_minutes(90) == "1h30m" and fmt_minutes(120) == "2h" and fmt_minutes(45) == "45m"


def test_parse_command_json_is_to_json() -> None:
    assert (
        parse_command_json(HEADLINE, NOW, ["crackerjack"])
        == parse(HEADLINE, now=NOW, known_repos=["crackerjack"]).to_json()
    )


def test_parse_view_does_not_import_textual() -> None:
    code = "import sys, mhv.cli.parse_view; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
