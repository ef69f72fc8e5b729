"""nDCG and recall against hand-computed values."""

from __future__ import annotations

import math

import pytest

from mhv.embed.evaluate import evaluate, ndcg_at_k, recall_at_k


def test_ndcg_perfect_and_empty() -> None:
    grades = {"a": 2, "b": 1}
    assert ndcg_at_k(["a", "b", "x"], grades) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], grades) == 0.0
    assert ndcg_at_k(["a"], {}) == 0.0


def test_ndcg_by_hand() -> None:
    grades = {"a": 2, "b": 1}
    got = (2**1 - 1) / math.log2(2) + (2**2 - 1) / math.log2(3)
    ideal = (2**2 - 1) / math.log2(2) + (2**1 - 1) / math.log2(3)
    assert ndcg_at_k(["b", "a"], grades) == pytest.approx(got / ideal)


def test_ndcg_cuts_at_k_and_ignores_repeats() -> None:
    assert ndcg_at_k(["x", "a"], {"a": 2}, k=1) == 0.0
    assert ndcg_at_k(["x", "x", "a"], {"a": 2}, k=2) == pytest.approx(1 / math.log2(3))


def test_recall_capped_at_k() -> None:
    grades = {f"r{i}": 1 for i in range(20)}
    assert recall_at_k([f"r{i}" for i in range(10)], grades, k=10) == 1.0
    assert recall_at_k(["r0", "x"], {"r0": 2, "r1": 1}, k=10) == 0.5
    assert recall_at_k(["r1"], {"r0": 2, "r1": 1}, k=10, min_grade=2) == 0.0


def test_evaluate_means_and_missing_runs() -> None:
    report = evaluate({"q1": ["a"]}, {"q1": {"a": 2}, "q2": {"b": 2}}, k=10)
    assert report.ndcg == pytest.approx(0.5)
    assert report.recall == pytest.approx(0.5)
    assert report.subset({"q1"}).ndcg == 1.0
    assert "nDCG@10 0.500" in report.summary()
