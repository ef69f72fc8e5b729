"""Search quality metrics over graded relevance: nDCG@k and recall@k. Pure functions, stdlib only.

Grades: 2 = exactly what the query is after, 1 = related, 0 or absent = not relevant.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 first)."""
    return sum(gain / math.log2(position + 2) for position, gain in enumerate(gains))


def ndcg_at_k(ranked: Sequence[K], grades: Mapping[K, int], k: int = 10) -> float:
    """nDCG@k with exponential gain ``2**grade - 1``; 0.0 when nothing is relevant."""
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    best = dcg([2**g - 1 for g in ideal])
    if best == 0:
        return 0.0
    got = dcg([2 ** grades.get(item, 0) - 1 for item in _unique(ranked)[:k]])
    return got / best


def recall_at_k(ranked: Sequence[K], grades: Mapping[K, int], k: int = 10, *, min_grade: int = 1) -> float:
    """Share of the items graded ``>= min_grade`` found in the top ``k``.

    The denominator is capped at ``k`` so that a query with more relevant items than ``k`` can still
    score 1.0 (the "capped recall" of BEIR); 0.0 when nothing is relevant.
    """
    relevant = {item for item, grade in grades.items() if grade >= min_grade}
    if not relevant:
        return 0.0
    found = sum(1 for item in _unique(ranked)[:k] if item in relevant)
    return found / min(len(relevant), k)


@dataclass(frozen=True)
class QueryResult:
    query_id: str
    ndcg: float
    recall: float
    recall_exact: float
    """Recall@k over grade-2 items only: did the thing itself show up?"""


@dataclass(frozen=True)
class Report:
    k: int
    queries: tuple[QueryResult, ...]
    ndcg: float = field(init=False)
    recall: float = field(init=False)
    recall_exact: float = field(init=False)

    def __post_init__(self) -> None:
        for name in ("ndcg", "recall", "recall_exact"):
            values = [getattr(q, name) for q in self.queries]
            object.__setattr__(self, name, fmean(values) if values else 0.0)

    def subset(self, query_ids: set[str]) -> Report:
        return Report(self.k, tuple(q for q in self.queries if q.query_id in query_ids))

    def summary(self) -> str:
        return (
            f"nDCG@{self.k} {self.ndcg:.3f}  recall@{self.k} {self.recall:.3f}  "
            f"exact-recall@{self.k} {self.recall_exact:.3f}  ({len(self.queries)} queries)"
        )


def evaluate(runs: Mapping[str, Sequence[K]], qrels: Mapping[str, Mapping[K, int]], k: int = 10) -> Report:
    """Score every query of ``qrels`` against its ranked list in ``runs`` (a missing run scores 0)."""
    results = []
    for query_id, grades in qrels.items():
        ranked = runs.get(query_id, ())
        results.append(
            QueryResult(
                query_id,
                ndcg_at_k(ranked, grades, k),
                recall_at_k(ranked, grades, k),
                recall_at_k(ranked, grades, k, min_grade=2),
            )
        )
    return Report(k, tuple(results))


def _unique(ranked: Sequence[K]) -> list[K]:
    seen: set[K] = set()
    out: list[K] = []
    for item in ranked:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
