from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mhv.cli.dates import parse_when
from mhv.errors import ValidationError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("2026-12-05T17:30", datetime(2026, 12, 5, 17, 30, tzinfo=UTC)),
        ("20261205T170000Z", datetime(2026, 12, 5, 17, 0, tzinfo=UTC)),
        ("fri", date(2026, 11, 27)),
        ("next friday", date(2026, 12, 4)),
        ("eom", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 27)),
        ("tomorrow 5pm", datetime(2026, 11, 25, 17, 0, tzinfo=UTC)),
    ],
)
def test_options_read_dates_like_the_quick_add_line(text, expected):
    assert parse_when(text, NOW, UTC) == expected


@pytest.mark.parametrize("text", ["someday-ish", "friday lunch with bob", ""])
def test_anything_else_is_an_error_with_examples(text):
    with pytest.raises(ValidationError) as info:
        parse_when(text, NOW, UTC)
    assert "next friday" in info.value.hint
