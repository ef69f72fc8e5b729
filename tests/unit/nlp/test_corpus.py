"""The table-driven corpus: every DESIGN section 6 form, every intent, negatives, several clocks."""

from __future__ import annotations

from typing import Any

import pytest
from nlp_corpus import CASES, Case

from mhv.nlp import Parse, parse

IGNORED = {"entities", "confidence", "alternatives", "changes"}


def meaning(p: Parse) -> dict[str, Any]:
    return {k: v for k, v in p.to_json().items() if k not in IGNORED}


def run(case: Case) -> Parse:
    return parse(case.text, now=case.now, known_repos=case.known, settings=case.settings)


CLEAR = [c for c in CASES if not c.ambiguous]


@pytest.mark.parametrize("case", CLEAR, ids=[c.id for c in CLEAR])
def test_corpus(case: Case) -> None:
    assert meaning(run(case)) == case.expected


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 300
    assert len({c.id for c in CASES}) == len(CASES), "duplicate cases"


def test_every_intent_is_covered() -> None:
    from mhv.nlp import Intent

    seen = {c.expected["intent"] for c in CLEAR}
    assert seen == {i.value for i in Intent}


def test_several_clocks() -> None:
    assert len({c.now for c in CASES}) >= 6
