"""Fuse ranked lists from several searches (full text, vectors, fuzzy title) into one ranking.

Each source gives its hits best first as ``(id, score)``. Two fusions:

- ``reciprocal_rank_fusion``: score = sum over sources of ``weight / (k + rank)``. It uses ranks only,
  so sources whose scores are on different scales (BM25, cosine, 0-100 fuzzy) mix safely.
- ``weighted_score_fusion``: score = sum over sources of ``weight * score``, scores min-max
  normalised per source over its returned list, or taken as they are (``normalize="none"``) when the
  sources already speak the same 0..1 language: cosine similarity and ``term_coverage``. It keeps how
  *much* better a hit was. ``min_scores`` drops weak hits of a source before fusing.

Measured on the evaluation set (docs/search.md): plain RRF of BM25 and vectors is *worse* than
vectors alone, because for a paraphrase the text source ranks incidental word matches first. What
helped: cosine + 0.3 x ``term_coverage``, counting only text hits that cover at least half of the
query's idf mass.

Both return every id that any source returned, best first, each with the "why": which sources
matched, at which rank (1-based) and with which score. Pure functions; ids may be any hashable.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

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
    normalize: Literal["minmax", "none"] = "minmax",
    min_scores: Mapping[str, float] | None = None,
    limit: int | None = None,
) -> list[FusedHit[Id]]:
    """Sum of per-source scores times the source's weight.

    ``normalize="minmax"``: in each source, its best score maps to 1 and its worst returned score to
    0 (all equal -> 1). ``"none"``: scores are used as given. ``min_scores``: a source's hits scoring
    below its floor (before normalising) are left out, as if the source had not returned them.
    """
    if min_scores:
        rankings = {
            source: [hit for hit in hits if hit[1] >= min_scores.get(source, float("-inf"))]
            for source, hits in rankings.items()
        }
    weight_of = _weights(rankings, weights)
    bounds: dict[str, tuple[float, float]] = {}
    for source, hits in rankings.items():
        scores = [score for _, score in hits]
        bounds[source] = (min(scores), max(scores)) if scores else (0.0, 0.0)

    def contribution(source: str, _rank: int, score: float) -> float:
        if normalize == "none":
            return weight_of[source] * score
        low, high = bounds[source]
        normalised = 1.0 if high == low else (score - low) / (high - low)
        return weight_of[source] * normalised

    return _fuse(rankings, contribution, limit)


def term_coverage(
    query_terms: Iterable[str], document_terms: Iterable[str], idf: Mapping[str, float] | None = None
) -> float:
    """Share of the query's terms found in a document, each weighted by its idf (default 1): 0..1.

    A lexical score on the same 0..1 scale as cosine similarity, comparable across queries, unlike
    BM25. A query term missing from ``idf`` appears in no document, so it gets the highest idf seen:
    it is the most telling word of the query. Terms are compared as given (normalise case first).
    """
    terms = set(query_terms)
    if not terms:
        return 0.0
    present = set(document_terms)
    rarest = max(idf.values(), default=1.0) if idf else 1.0
    weight = {term: (idf.get(term, rarest) if idf is not None else 1.0) for term in terms}
    total = sum(weight.values())
    if total <= 0:
        return 0.0
    return sum(w for term, w in weight.items() if term in present) / total


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
