"""Rank fusion: order, weights and the "why" of each hit."""

from __future__ import annotations

import pytest

from mhv.embed.fusion import SourceMatch, reciprocal_rank_fusion, term_coverage, weighted_score_fusion


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion(
        {"text": [("a", 9.0), ("b", 5.0), ("c", 1.0)], "vector": [("b", 0.8), ("d", 0.7), ("a", 0.1)]}, k=60
    )
    assert [hit.id for hit in fused] == ["b", "a", "d", "c"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[0].matches == (SourceMatch("text", 2, 5.0), SourceMatch("vector", 1, 0.8))
    assert fused[2].sources == ("vector",)


def test_rrf_k_changes_how_much_the_head_counts() -> None:
    rankings = {"text": [("a", 1.0), ("b", 0.9), ("c", 0.8)], "vector": [("d", 1.0), ("c", 0.5), ("e", 0.4)]}
    # With k=0 a single first place (1/1) beats two middling places; with large k agreement wins.
    assert reciprocal_rank_fusion(rankings, k=0)[0].id == "a"
    assert reciprocal_rank_fusion(rankings, k=1000)[0].id == "c"


def test_rrf_weights_and_limit() -> None:
    rankings = {"text": [("a", 1.0)], "vector": [("b", 1.0)]}
    assert reciprocal_rank_fusion(rankings, weights={"vector": 2.0})[0].id == "b"
    assert reciprocal_rank_fusion(rankings, weights={"text": 2.0})[0].id == "a"
    assert len(reciprocal_rank_fusion(rankings, limit=1)) == 1
    with pytest.raises(ValueError):
        reciprocal_rank_fusion(rankings, weights={"text": -1})


def test_weighted_score_fusion_uses_score_gaps() -> None:
    rankings = {
        "text": [("a", 10.0), ("b", 9.9), ("c", 0.0)],
        "vector": [("b", 0.9), ("c", 0.2), ("a", 0.1)],
    }
    fused = weighted_score_fusion(rankings)
    assert fused[0].id == "b"  # nearly top in text, top in vectors
    assert fused[0].score == pytest.approx(9.9 / 10 + 1.0)
    assert weighted_score_fusion(rankings, weights={"vector": 0.0})[0].id == "a"


def test_single_hit_source_and_empty_sources() -> None:
    fused = weighted_score_fusion({"text": [("only", 3.0)], "vector": []})
    assert [(hit.id, hit.score) for hit in fused] == [("only", 1.0)]
    assert reciprocal_rank_fusion({}) == []


def test_duplicate_ids_in_one_source_count_once() -> None:
    fused = reciprocal_rank_fusion({"text": [("a", 2.0), ("a", 1.0)]}, k=0)
    assert fused[0].score == pytest.approx(1.0) and len(fused[0].matches) == 1


def test_ties_prefer_the_better_single_rank() -> None:
    fused = reciprocal_rank_fusion({"text": [("a", 1.0), ("b", 0.5)], "vector": [("b", 1.0), ("a", 0.5)]})
    assert [hit.id for hit in fused] == ["a", "b"]  # equal sums: first seen wins, deterministically


def test_weighted_raw_scores_with_a_floor() -> None:
    rankings = {"vector": [("a", 0.6), ("b", 0.55)], "text": [("b", 1.0), ("a", 0.2)]}
    fused = weighted_score_fusion(rankings, normalize="none", weights={"text": 0.3})
    assert [hit.id for hit in fused] == ["b", "a"]
    assert fused[0].score == pytest.approx(0.55 + 0.3)
    floored = weighted_score_fusion(
        rankings, normalize="none", weights={"text": 0.3}, min_scores={"text": 0.5}
    )
    assert floored[1].id == "a" and floored[1].sources == ("vector",)  # the weak text match was dropped


def test_term_coverage() -> None:
    assert term_coverage(["kafka", "lag"], ["kafka", "consumer", "lag"]) == 1.0
    assert term_coverage(["kafka", "lag"], ["kafka"]) == 0.5
    assert term_coverage(["kafka", "the"], ["the"], idf={"kafka": 3.0, "the": 1.0}) == pytest.approx(0.25)
    assert term_coverage(["kafka", "zebra"], ["kafka"], idf={"kafka": 1.0, "lag": 3.0}) == pytest.approx(0.25)
    assert term_coverage([], ["x"]) == 0.0
