"""Search by meaning: hybrid ranking of full text, vectors and fuzzy titles, and the vector index.

The package, by part (docs/search.md):

- :mod:`.service`: ``SearchService``: ``search`` (hybrid / text / vector), ``similar``, ``duplicates``.
- Sources: :mod:`.fulltext` (FTS5 on SQLite, the ``tsvector`` column on PostgreSQL), :mod:`.vectors`
  (the vector source), which runs :mod:`.exact` (cosine over an in-memory NumPy matrix: SQLite, and
  PostgreSQL without pgvector) or :mod:`.pgvector` (the HNSW index, ``hnsw.ef_search`` by table size,
  iterative scan so filters do not starve the result).
- :mod:`.ranking`: fusion, ``cosine + 0.2 x coverage + 0.05 x title``; :mod:`.hits`: what a search
  returns and the per-source "why"; :mod:`.terms`: query words, stemming, idf, the embedded text.
- :mod:`.indexing`: stale vectors, ``index``, ``store_vectors``, bulk loads.

Without a model (``EmbeddingModelError``, MHV-501) search falls back to text and title alone and says
why in ``SearchResult.warning``. Filters (repo, status, tags, priority, due dates) come from
:class:`~mhv.tasks.models.TaskFilter` and are applied in the database. NumPy and the model load
lazily: importing this package is cheap.
"""

from __future__ import annotations

from mhv.tasks.search.hits import IndexReport, Mode, SearchHit, SearchResult, SourceHit
from mhv.tasks.search.indexing import BULK_REBUILD_AT
from mhv.tasks.search.ranking import COVERAGE_WEIGHT, DEPTH, TITLE_FLOOR, TITLE_WEIGHT
from mhv.tasks.search.service import DUPLICATE_COSINE, DUPLICATE_TITLE, MIN_SCORE, SearchService
from mhv.tasks.search.terms import (
    COVERAGE_FLOOR,
    MAX_QUERY_CHARS,
    check_query,
    content_hash,
    content_text,
    query_terms,
    words,
)

__all__ = [
    "BULK_REBUILD_AT",
    "COVERAGE_FLOOR",
    "COVERAGE_WEIGHT",
    "DEPTH",
    "DUPLICATE_COSINE",
    "DUPLICATE_TITLE",
    "MAX_QUERY_CHARS",
    "MIN_SCORE",
    "TITLE_FLOOR",
    "TITLE_WEIGHT",
    "IndexReport",
    "Mode",
    "SearchHit",
    "SearchResult",
    "SearchService",
    "SourceHit",
    "check_query",
    "content_hash",
    "content_text",
    "query_terms",
    "words",
]
