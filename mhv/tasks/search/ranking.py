"""Fusion: one score per candidate from the sources' hits, and the per-source "why".

Measured best on the evaluation set (docs/search.md, Fusion): ``cosine + 0.2 x coverage + 0.05 x
title``, where coverage is the idf-weighted share of the query's terms a candidate contains, counted
only when it covers at least half of the query, and title is rapidfuzz's WRatio (>= 85) of the query
against the candidates' titles. A candidate without a vector gets ``coverage x`` the query's best
cosine as a stand-in. Text mode (no model) ranks by coverage, then bm25.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mhv.tasks.search.hits import Light, Mode, SourceHit
from mhv.tasks.search.terms import COVERAGE_FLOOR, stems, words

if TYPE_CHECKING:
    from mhv.tasks.search.fulltext import FullText
    from mhv.tasks.search.vectors import VectorSource

DEPTH = 50
"""Hits taken from each source before fusing."""
COVERAGE_WEIGHT = 0.2
TITLE_WEIGHT = 0.05
TITLE_FLOOR = 85.0
STANDIN_COSINE = 0.6
"""Stand-in for the best cosine when the vector source returned nothing (no vectors stored yet)."""


def fuse(
    text: str,
    terms: list[str],
    text_hits: list[tuple[Light, float]],
    vector_hits: list[tuple[str, float]],
    qvec: Any,
    model: str | None,
    mode: Mode,
    fulltext: FullText,
    vectors: VectorSource,
) -> list[tuple[str, float, dict[str, SourceHit]]]:
    """``(task id, score, why)`` best first, from the sources' hits (see the module docstring)."""
    light: dict[str, Light] = {}
    why: dict[str, dict[str, SourceHit]] = {}
    for rank, (row, score) in enumerate(text_hits, start=1):
        light[row.id] = row
        why.setdefault(row.id, {})["text"] = SourceHit(rank, score)
    for rank, (task_id, score) in enumerate(vector_hits, start=1):
        why.setdefault(task_id, {})["vector"] = SourceHit(rank, score)
    # Coverage of the query's terms, idf-weighted, for every candidate (a vector hit that has the
    # query's words gets the bonus too, even when the text source did not return it).
    from rapidfuzz import fuzz, process

    light.update(fulltext.light_by_id([i for i in why if i not in light]))
    if terms and light:
        idf = fulltext.idf(terms)
        term_stems = stems(terms)
        weight = {s: idf.get(t, 1.0) for t, s in zip(terms, term_stems, strict=True)}
        total = sum(weight.values()) or 1.0
        for task_id, row in light.items():
            doc = set(stems(words(f"{row.title} {row.description} {row.tags}")))
            cov = sum(w for s, w in weight.items() if s in doc) / total
            if cov > 0:
                text_hit = why[task_id].get("text")
                why[task_id]["coverage"] = SourceHit(text_hit.rank if text_hit else 0, cov)
    # Fuzzy titles of all candidates. (Matching every title too cost 100+ ms at 2,100 tasks and
    # changed no result on the evaluation set: typos are caught by the vectors.)
    titles = {task_id: row.title for task_id, row in light.items()}
    fuzzy = process.extract(text, titles, scorer=fuzz.WRatio, limit=DEPTH, score_cutoff=TITLE_FLOOR)
    for rank, (_title, score, task_id) in enumerate(fuzzy, start=1):
        why[task_id]["title"] = SourceHit(rank, float(score))
    # Text hits outside the vector list: their real cosine when they have a vector.
    best = STANDIN_COSINE
    if qvec is not None and model is not None:
        missing = [task_id for task_id, w in why.items() if "vector" not in w]
        for task_id, cos in vectors.cosines(qvec, model, missing).items():
            why[task_id]["vector"] = SourceHit(0, cos)
        best = vector_hits[0][1] if vector_hits else STANDIN_COSINE
    scored: list[tuple[float, int, str]] = []
    for task_id, sources in why.items():
        cov_hit = sources.get("coverage")
        cov = cov_hit.score if cov_hit is not None else 0.0
        title_hit = sources.get("title")
        title = title_hit.score / 100 if title_hit is not None else 0.0
        if mode == "text":
            score = cov + TITLE_WEIGHT * title
            first = sources["text"].rank if "text" in sources else DEPTH + 1
        else:
            vec = sources.get("vector")
            cosine = vec.score if vec is not None else cov * best
            score = cosine + (COVERAGE_WEIGHT * cov if cov >= COVERAGE_FLOOR else 0.0)
            score += TITLE_WEIGHT * title
            first = vec.rank if vec is not None and vec.rank else DEPTH + 1
        scored.append((score, first, task_id))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(task_id, score, _ordered(why[task_id])) for score, _, task_id in scored]


def _ordered(why: dict[str, SourceHit]) -> dict[str, SourceHit]:
    order = ("vector", "text", "coverage", "title")
    return {name: why[name] for name in order if name in why}
