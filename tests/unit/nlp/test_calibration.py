"""Confidence that means something: on the corpus, wrong parses score lower than right ones.

The corpus holds deliberately ambiguous inputs whose expected reading is not the parser's pick
(typos, `next friday` meant as the nearest Friday, `12/5` meant as day/month, `at 5` meant as
5 am...). A parse is right when every expected field matches.
"""

from __future__ import annotations

from nlp_corpus import CASES as MAIN_CASES
from nlp_corpus_dates import DATE_CASES
from test_corpus import meaning, run

CASES = MAIN_CASES + DATE_CASES  # both corpora: the date language of issue 18 must be calibrated too


def auc(right: list[float], wrong: list[float]) -> float:
    """Probability that a random right parse scores above a random wrong one (ties count half)."""
    wins = 0.0
    for r in right:
        for w in wrong:
            wins += 1.0 if r > w else 0.5 if r == w else 0.0
    return wins / (len(right) * len(wrong))


def scores() -> tuple[list[float], list[float]]:
    right: list[float] = []
    wrong: list[float] = []
    for case in CASES:
        p = run(case)
        (right if meaning(p) == case.expected else wrong).append(p.confidence)
    return right, wrong


def test_wrong_parses_score_lower_than_right_ones() -> None:
    right, wrong = scores()
    assert len(wrong) >= 25, "the corpus needs ambiguous cases for this to measure anything"
    value = auc(right, wrong)
    print(f"AUC {value:.3f} over {len(right)} right and {len(wrong)} wrong parses")
    assert value >= 0.95


def test_most_wrong_parses_ask_first() -> None:
    right, wrong = scores()
    asked_wrong = sum(c < 0.6 for c in wrong) / len(wrong)
    asked_right = sum(c < 0.6 for c in right) / len(right)
    assert asked_wrong >= 0.6
    assert asked_right <= 0.03


def test_auc_helper() -> None:
    assert auc([0.9, 0.8], [0.1]) == 1.0
    assert auc([0.5], [0.5]) == 0.5
    assert auc([0.1], [0.9]) == 0.0
