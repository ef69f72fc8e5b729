"""Fuse ranked lists from several searches (full text, vectors, fuzzy title) into one ranking.

Each source gives its hits best first as ``(id, score)``. Two fusions:

- ``reciprocal_rank_fusion``: score = sum over sources of ``weight / (k + rank)``. It uses ranks only,
  so sources whose scores are on different scales (BM25, cosine, 0-100 fuzzy) mix safely.
- ``weighted_score_fusion``: score = sum over sources of ``weight * normalised score``, scores
  min-max normalised per source over its returned list. It keeps how *much* better a hit was, which
  helps when one source is confident, at the price of depending on each list's score spread.

Both return every id that any source returned, best first, each with the "why": which sources
matched, at which rank (1-based) and with which score. Pure functions; ids may be any hashable.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Id = TypeVar("Id", bound=Hashable)

DEFAULT_RRF_K = 60


@dataclass(frozen=True)
class SourceMatch:
    """How one source ranked a hit."""

    source: str
    rank: int
    """1-based position in that source's list."""
    score: float
    """The source's own score (BM25, cosine similarity, fuzzy ratio, ...)."""


@dataclass(frozen=True)
class FusedHit(Generic[Id]):
    id: Id
    score: float
    matches: tuple[SourceMatch, ...]
    """The sources that returned this id, in the order the sources were given."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(match.source for match in self.matches)


Rankings = Mapping[str, Sequence[tuple[Id, float]]]


def reciprocal_rank_fusion(
    rankings: Rankings[Id],
    *,
    k: float = DEFAULT_RRF_K,
    weights: Mapping[str, float] | None = None,
    limit: int | None = None,
) -> list[FusedHit[Id]]:
    """Reciprocal rank fusion (Cormack et al., 2009), optionally weighted per source.

    ``k`` damps the head of each list: small ``k`` lets a source's first hits dominate, large ``k``
    flattens them. ``weights`` defaults to 1.0 for every source; a source missing from it counts 1.0.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    weight_of = _weights(rankings, weights)
    return _fuse(rankings, lambda source, rank, _score: weight_of[source] / (k + rank), limit)


def weighted_score_fusion(
    rankings: Rankings[Id],
    *,
    weights: Mapping[str, float] | None = None,
    limit: int | None = None,
) -> list[FusedHit[Id]]:
    """Sum of per-source min-max normalised scores times the source's weight.

    In each source, its best score maps to 1 and its worst returned score to 0 (all equal -> 1).
    """
    weight_of = _weights(rankings, weights)
    bounds: dict[str, tuple[float, float]] = {}
    for source, hits in rankings.items():
        scores = [score for _, score in hits]
        bounds[source] = (min(scores), max(scores)) if scores else (0.0, 0.0)

    def contribution(source: str, _rank: int, score: float) -> float:
        low, high = bounds[source]
        normalised = 1.0 if high == low else (score - low) / (high - low)
        return weight_of[source] * normalised

    return _fuse(rankings, contribution, limit)


def _weights(rankings: Rankings[Id], weights: Mapping[str, float] | None) -> dict[str, float]:
    chosen = {source: 1.0 for source in rankings}
    if weights:
        for source, weight in weights.items():
            if weight < 0:
                raise ValueError(f"weight of {source!r} must be >= 0")
            if source in chosen:
                chosen[source] = float(weight)
    return chosen


def _fuse(
    rankings: Rankings[Id], contribution: Callable[[str, int, float], float], limit: int | None
) -> list[FusedHit[Id]]:
    totals: dict[Id, float] = {}
    matches: dict[Id, list[SourceMatch]] = {}
    best_rank: dict[Id, int] = {}
    for source, hits in rankings.items():
        seen: set[Id] = set()
        for position, (item, score) in enumerate(hits, start=1):
            if item in seen:  # a source listing an id twice counts once, at its best rank
                continue
            seen.add(item)
            totals[item] = totals.get(item, 0.0) + contribution(source, position, float(score))
            matches.setdefault(item, []).append(SourceMatch(source, position, float(score)))
            best_rank[item] = min(best_rank.get(item, position), position)
    # Ties: the id some source ranked higher first, then more sources, then first seen (dict order).
    order = sorted(
        enumerate(totals),
        key=lambda pair: (-totals[pair[1]], best_rank[pair[1]], -len(matches[pair[1]]), pair[0]),
    )
    fused = [FusedHit(item, totals[item], tuple(matches[item])) for _, item in order]
    return fused if limit is None else fused[: max(limit, 0)]
