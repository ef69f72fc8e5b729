"""The date-language corpus of issue 18 (nlp_corpus_dates.py), run like the main corpus."""

from __future__ import annotations

import pytest
from nlp_corpus import CASES, Case
from nlp_corpus_dates import DATE_CASES
from test_corpus import meaning, run

CLEAR = [c for c in DATE_CASES if not c.ambiguous]


@pytest.mark.parametrize("case", CLEAR, ids=[c.id for c in CLEAR])
def test_date_corpus(case: Case) -> None:
    assert meaning(run(case)) == case.expected


def test_date_corpus_is_big_enough_and_distinct() -> None:
    assert len(DATE_CASES) >= 150
    ids = {c.id for c in DATE_CASES}
    assert len(ids) == len(DATE_CASES), "duplicate cases"
    assert not ids & {c.id for c in CASES}, "a case already in the main corpus"


def test_date_corpus_clocks_and_settings() -> None:
    assert len({c.now for c in DATE_CASES}) >= 6
    assert {c.settings.week_start for c in DATE_CASES if c.settings} >= {0, 6}
    assert {c.settings.date_order for c in DATE_CASES if c.settings} >= {"mdy", "dmy"}
    negatives = [
        c for c in DATE_CASES if set(c.expected) == {"intent", "title"} and c.expected["title"] == c.text
    ]
    assert len(negatives) >= 15
