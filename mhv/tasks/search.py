"""Search by meaning: hybrid ranking of full text, vectors and fuzzy titles, and the vector index.

Sources (docs/search.md):

- ``text``: FTS5 (SQLite, porter stemming, bm25 with title 10 / description 2 / tags 5) or the
  ``tsvector`` column (PostgreSQL, ``ts_rank_cd``), any query term matching.
- ``vector``: cosine similarity of the query's embedding with each task's stored vector: exact with
  NumPy over an in-memory matrix (SQLite; PostgreSQL without pgvector), or pgvector's HNSW index
  (``hnsw.ef_search`` 100 or 160 by table size, iterative scan so filters do not starve the result).
- ``title``: rapidfuzz WRatio of the query against the other sources' titles (near matches, >= 85).

Fusion (measured best on the evaluation set): ``cosine + 0.2 x coverage + 0.05 x title``, where
coverage is the idf-weighted share of the query's terms a text hit contains, counted only when it
covers at least half of the query. A text hit whose task has no vector yet gets ``coverage x`` the
best cosine of the query as a stand-in, so unindexed tasks are still found, near the top when they
contain the query's words. Without a model (``EmbeddingModelError``, MHV-501) search falls back to
text and title alone and says why in ``SearchResult.warning``.

Filters (repo, status, tags, priority, due dates) come from :class:`~mhv.tasks.models.TaskFilter`
and are applied in the database. NumPy and the model load lazily: importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from mhv.embed.errors import EmbeddingModelError
from mhv.errors import ValidationError
from mhv.tasks.models import TASK_COLUMNS, Task, TaskFilter
from mhv.tasks.rows import task_from_row

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mhv.embed.model import Embedder
    from mhv.store import Connection, Store
    from mhv.tasks.service import TaskService

Mode = Literal["hybrid", "text", "vector"]

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 16
DEPTH = 50
"""Hits taken from each source before fusing."""
COVERAGE_WEIGHT = 0.2
COVERAGE_FLOOR = 0.5
TITLE_WEIGHT = 0.05
TITLE_FLOOR = 85.0
DF_CACHE_SECONDS = 300.0
"""Document counts behind the idf weights are cached this long (they drift slowly; a COUNT per word
per query cost 5-20 ms at 100,000 tasks)."""
HNSW_EF_SEARCH: int | None = None
"""Fixed ``hnsw.ef_search``; ``None`` picks it from the number of vectors (``hnsw_ef_search``)."""
HNSW_EF_BY_ROWS = ((20_000, 100),)
"""Measured with m = 32, ef_construction = 200 (docs/search.md). At 100,000 rows on a quiet machine:
recall@10 0.972 / 0.981 / 0.990 / 0.986 with ef_search 100 / 130 / 160 / 200, p99 of the vector query
7.3 / 8.9 / 8.9 / 10.2 ms. Above the last bound: ``HNSW_EF_MAX``."""
HNSW_EF_MAX = 160
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 200
"""As created by migration 0002_search; used when the index is rebuilt after a bulk load."""
BULK_REBUILD_AT = 5_000
"""Storing this many vectors at once on PostgreSQL drops the HNSW index and builds it again after:
inserting into the live index ran at ~220 vectors/s (slower than the model), a build takes seconds."""
FTS_RANK_UP_TO = 2_000
"""Rank full-text matches by bm25 when about this many match at most; above it (a query of common
words only) take the newest matches: ranking 20,000 matches cost 30-60 ms at 100,000 tasks."""
PG_VECTOR_DIM = 384
STANDIN_COSINE = 0.6
"""Stand-in for the best cosine when the vector source returned nothing (no vectors stored yet)."""
MIN_SCORE = 0.25
"""Hits scoring below this are not shown: unrelated texts score ~0-0.2 with the offline model."""
DUPLICATE_COSINE = 0.85
DUPLICATE_TITLE = 92.0

STOPWORDS = frozenset(
    "a an the to of in on for and or is are be it its at by with from as after before when while "  # noqa: SIM905
    "into out up down not no we our my me i you your they them this that there their what who "
    "can cannot do does did dont so too very than then until about via per".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SELECT = ", ".join(f"task.{c}" for c in TASK_COLUMNS)


# ---------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class SourceHit:
    """How one source ranked a task: 1-based rank and the source's own score."""

    rank: int
    score: float


@dataclass(frozen=True)
class SearchHit:
    task: Task
    score: float
    why: dict[str, SourceHit]
    """Sources that matched: ``text`` (bm25 / ts_rank), ``coverage`` (0..1), ``vector`` (cosine),
    ``title`` (fuzzy ratio 0..100)."""

    def explain(self) -> str:
        """A short human reading of ``why``: ``vector #2 0.71 · text #1 (3/3 words)``."""
        parts = []
        if "vector" in self.why:
            hit = self.why["vector"]
            place = f"#{hit.rank} " if hit.rank else ""
            parts.append(f"meaning {place}{hit.score:.2f}")
        cov = self.why.get("coverage")
        share = f" {cov.score:.0%} of words" if cov is not None else ""
        if "text" in self.why:
            parts.append(f"text #{self.why['text'].rank}{share}")
        elif cov is not None:
            parts.append(f"words{share}")
        if "title" in self.why:
            parts.append(f"title ~{self.why['title'].score:.0f}")
        return " · ".join(parts) or "-"

    def to_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "why": {name: {"rank": h.rank, "score": round(h.score, 4)} for name, h in self.why.items()},
            "task": self.task.to_json(),
        }


@dataclass
class SearchResult:
    query: str
    mode: Mode
    """What actually ran: ``hybrid``/``vector`` need the model; ``text`` when it is unavailable."""
    hits: list[SearchHit]
    model: str | None = None
    warning: EmbeddingModelError | None = None
    """Why vectors were not used (the model could not be loaded), when they were asked for."""
    unindexed: int = 0
    """Tasks matching the filters that have no vector for the current model yet."""
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class IndexReport:
    model: str
    embedded: int = 0
    skipped: int = 0
    """Tasks already up to date."""
    seconds: float = 0.0


# ------------------------------------------------------------------------------------ text helpers
def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def query_terms(text: str) -> list[str]:
    """Lower-cased words of a query without stopwords (all words if only stopwords), deduplicated."""
    all_words = words(text)
    terms = [w for w in all_words if w not in STOPWORDS] or all_words
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


class _Stemmer:
    """Snowball English (close to FTS5's porter), falling back to plain words when unavailable."""

    def __init__(self) -> None:
        try:
            import py_rust_stemmers

            self._stem: Callable[[list[str]], list[str]] | None = py_rust_stemmers.SnowballStemmer(
                "english"
            ).stem_words
        except ImportError:  # pragma: no cover - it comes with fastembed
            self._stem = None

    def __call__(self, items: list[str]) -> list[str]:
        return list(self._stem(items)) if self._stem is not None else items


_stemmer: _Stemmer | None = None


def stems(items: list[str]) -> list[str]:
    global _stemmer
    if _stemmer is None:
        _stemmer = _Stemmer()
    return _stemmer(items)


def content_text(task: Task | dict[str, Any]) -> str:
    """What gets embedded for a task: its title, and its description when there is one."""
    title = task["title"] if isinstance(task, dict) else task.title
    description = (task["description"] if isinstance(task, dict) else task.description) or ""
    return f"{title}\n{description}".strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_query(query: str) -> str:
    text = " ".join(query.split())
    if not text:
        raise ValidationError("the search query is empty", "give one or more words: mhv ts login bug")
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(
            f"the search query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}",
            "search with the few words that matter (a title, a phrase), not a whole document",
        )
    return text


class _Light(NamedTuple):
    """What fusion needs of a candidate; full ``Task`` objects are built only for the final hits."""

    id: str
    title: str
    description: str
    tags: str


_LIGHT = "task.id, task.title, task.description, task.tags"


def _light(row: Any) -> _Light:
    tags = row["tags"]
    text = " ".join(tags) if isinstance(tags, list) else str(tags or "")
    return _Light(str(row["id"]), row["title"], row["description"] or "", text)


# ---------------------------------------------------------------------------------- vector matrix
@dataclass
class _Matrix:
    generation: str
    ids: list[str]
    numbers: npt.NDArray[np.int64]
    row_of: dict[str, int]
    matrix: npt.NDArray[np.float32]


_GEN_KEY = "embedding_generation"


class SearchService:
    """Hybrid search over one store. Thread-safe; the model loads on first use (or never)."""

    def __init__(
        self,
        service: TaskService,
        *,
        embedder: Embedder | None = None,
        load_model: Callable[[], Embedder] | None = None,
    ) -> None:
        self.service = service
        self.store: Store = service.store
        self._embedder = embedder
        self._load_model = load_model
        self._model_error: EmbeddingModelError | None = None
        self._lock = threading.Lock()
        self._matrix: _Matrix | None = None
        self._pg_vec: bool | None = None
        self._df_cache: dict[str, tuple[float, int]] = {}
        self._pg_rows: tuple[float, int] | None = None

    # -- the model ---------------------------------------------------------------------------
    def embedder(self) -> Embedder:
        """The loaded model; ``EmbeddingModelError`` (remembered) when it cannot be loaded."""
        with self._lock:
            if self._embedder is not None:
                return self._embedder
            if self._model_error is not None:
                raise self._model_error
            try:
                if self._load_model is not None:
                    self._embedder = self._load_model()
                else:
                    from mhv.embed.model import load_embedder

                    self._embedder = load_embedder(allow_download=False)
            except EmbeddingModelError as exc:
                self._model_error = exc
                raise
            return self._embedder

    def model_name(self) -> str:
        """The name vectors are stored under, without loading the model (raises MHV-501 if broken)."""
        if self._embedder is not None:
            return self._embedder.model_name
        from mhv.embed.model import resolve_model

        return resolve_model().name

    # -- search ------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        flt: TaskFilter | None = None,
        *,
        limit: int = 20,
        mode: Mode = "hybrid",
        min_score: float | None = MIN_SCORE,
    ) -> SearchResult:
        """The best ``limit`` tasks for ``query`` among those ``flt`` selects (open tasks by default).

        ``min_score`` drops weak hits (cosine of unrelated texts is ~0-0.2 with the offline model);
        ``None`` keeps every candidate (the evaluation ranks them all).
        """
        import time

        text = check_query(query)
        if limit < 1:
            raise ValidationError("--limit must be at least 1", "e.g. --limit 20")
        flt = replace(flt or TaskFilter(), text=None, limit=None, offset=0)
        depth = max(DEPTH, limit)
        timings: dict[str, float] = {}
        result = SearchResult(query=text, mode=mode, hits=[])
        embedder = None
        if mode != "text":
            try:
                embedder = self.embedder()
                result.model = embedder.model_name
            except EmbeddingModelError as exc:
                result.warning = exc
                result.mode = "text"
        t0 = time.perf_counter()
        terms = query_terms(text)
        text_hits: list[tuple[_Light, float]] = []
        if result.mode != "vector":
            text_hits = self._text_light(terms, flt, depth, half=result.mode == "hybrid")
        t1 = time.perf_counter()
        timings["text"] = t1 - t0
        vector_hits: list[tuple[str, float]] = []
        qvec = None
        if embedder is not None:
            qvec = embedder.embed_query(text)
            t2 = time.perf_counter()
            timings["embed"] = t2 - t1
            vector_hits = self._vector_ids(qvec, embedder.model_name, flt, depth)
            timings["vector"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if result.mode == "vector":
            scored = [
                (i, score, {"vector": SourceHit(rank, score)})
                for rank, (i, score) in enumerate(vector_hits, 1)
            ]
        else:
            scored = self._fuse(text, terms, text_hits, vector_hits, qvec, result)
        if min_score is not None:
            scored = [item for item in scored if item[1] >= min_score]
        scored = scored[:limit]
        found = self._tasks_by_id([task_id for task_id, _, _ in scored])
        result.hits = [SearchHit(found[i], score, why) for i, score, why in scored if i in found]
        timings["fuse"] = time.perf_counter() - t3
        result.timings = timings
        return result

    def _fuse(
        self,
        text: str,
        terms: list[str],
        text_hits: list[tuple[_Light, float]],
        vector_hits: list[tuple[str, float]],
        qvec: Any,
        result: SearchResult,
    ) -> list[tuple[str, float, dict[str, SourceHit]]]:
        """``(task id, score, why)`` best first, from the sources' hits (see the module docstring)."""
        light: dict[str, _Light] = {}
        why: dict[str, dict[str, SourceHit]] = {}
        for rank, (row, score) in enumerate(text_hits, start=1):
            light[row.id] = row
            why.setdefault(row.id, {})["text"] = SourceHit(rank, score)
        for rank, (task_id, score) in enumerate(vector_hits, start=1):
            why.setdefault(task_id, {})["vector"] = SourceHit(rank, score)
        # Coverage of the query's terms, idf-weighted, for every candidate (a vector hit that has the
        # query's words gets the bonus too, even when the text source did not return it).
        from rapidfuzz import fuzz, process

        light.update(self._light_by_id([i for i in why if i not in light]))
        if terms and light:
            idf = self._idf(terms)
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
        if qvec is not None and result.model is not None:
            missing = [task_id for task_id, w in why.items() if "vector" not in w]
            for task_id, cos in self._cosines(qvec, result.model, missing).items():
                why[task_id]["vector"] = SourceHit(0, cos)
            best = vector_hits[0][1] if vector_hits else STANDIN_COSINE
        scored: list[tuple[float, int, str]] = []
        for task_id, sources in why.items():
            cov_hit = sources.get("coverage")
            cov = cov_hit.score if cov_hit is not None else 0.0
            title_hit = sources.get("title")
            title = title_hit.score / 100 if title_hit is not None else 0.0
            if result.mode == "text":
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

    # -- sources -----------------------------------------------------------------------------
    def _filter_sql(self, flt: TaskFilter) -> tuple[str, list[Any]]:
        where, params = self.service._where(flt)
        return (where.removeprefix(" WHERE "), params) if where else ("", params)

    def _text_light(
        self, terms: list[str], flt: TaskFilter, depth: int, *, half: bool = False
    ) -> list[tuple[_Light, float]]:
        """Full-text hits, best first: (id, title, description, tags) and bm25 / ts_rank_cd.

        ``half``: only tasks that can cover half of the query's idf mass matter (the fusion ignores
        the rest), so match only the rarest terms that every such task must contain one of.
        """
        if not terms:
            return []
        total, df = self._doc_freqs(terms)
        chosen = _rare_terms(terms, _idf_weights(terms, total, df)) if half else terms
        expected = sum(df.get(t, 0) for t in chosen)
        ranked = expected <= FTS_RANK_UP_TO
        cond, params = self._filter_sql(flt)
        extra = f" AND {cond}" if cond else ""
        with self.store.read() as conn:
            if self.store.dialect.name == "sqlite":
                match = " OR ".join(f'"{t}"' for t in chosen)
                order = "s" if ranked else "task_fts.rowid DESC"
                sql = (
                    f"SELECT {_LIGHT}, bm25(task_fts, 10.0, 2.0, 5.0) AS s FROM task_fts "
                    f"JOIN task ON task.number = task_fts.rowid WHERE task_fts MATCH ?{extra} "
                    f"ORDER BY {order} LIMIT ?"
                )
                rows = conn.all(sql, [match, *params, depth])
                hits = [(_light(r), -float(r["s"])) for r in rows]
            else:
                order = "s DESC, task.number" if ranked else "task.number DESC"
                sql = (
                    f"SELECT {_LIGHT}, ts_rank_cd(task.search_tsv, q) AS s "
                    "FROM task, to_tsquery('english', ?) AS q "
                    f"WHERE task.search_tsv @@ q{extra} ORDER BY {order} LIMIT ?"
                )
                rows = conn.all(sql, [" | ".join(chosen), *params, depth])
                hits = [(_light(r), float(r["s"])) for r in rows]
        if not ranked:
            hits.sort(key=lambda hit: -hit[1])
        return hits

    def _light_by_id(self, ids: Sequence[str]) -> dict[str, _Light]:
        out: dict[str, _Light] = {}
        with self.store.read() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                sql = f"SELECT {_LIGHT} FROM task WHERE task.id IN ({', '.join('?' * len(chunk))})"
                for row in conn.all(sql, chunk):
                    out[row["id"]] = _light(row)
        return out

    def _doc_freqs(self, terms: list[str]) -> tuple[int, dict[str, int]]:
        """(tasks, documents per term) from the full-text index; counts cached for a few minutes."""
        import time

        now = time.monotonic()
        out: dict[str, int] = {}
        with self.store.read() as conn:
            total = int(conn.scalar("SELECT COALESCE(MAX(number), 0) FROM task") or 0)
            for term in terms:
                cached = self._df_cache.get(term)
                if cached is not None and now - cached[0] < DF_CACHE_SECONDS:
                    out[term] = cached[1]
                    continue
                if self.store.dialect.name == "sqlite":
                    sql = "SELECT COUNT(*) FROM task_fts WHERE task_fts MATCH ?"
                    counted = conn.scalar(sql, (f'"{term}"',))
                else:
                    sql = "SELECT COUNT(*) FROM task WHERE search_tsv @@ to_tsquery('english', ?)"
                    counted = conn.scalar(sql, (term,))
                out[term] = int(counted or 0)
                self._df_cache[term] = (now, out[term])
        return total, out

    def _idf(self, terms: list[str]) -> dict[str, float]:
        """BM25's idf per term, from the full-text index's document counts."""
        total, df = self._doc_freqs(terms)
        return _idf_weights(terms, total, df)

    def _uses_pgvector(self, conn: Connection) -> bool:
        if self.store.dialect.name != "postgresql":
            return False
        if self._pg_vec is None:
            self._pg_vec = bool(
                conn.scalar(
                    "SELECT COUNT(*) FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'embedding' AND column_name = 'vec'"
                )
            )
        return self._pg_vec

    def _vector_search(
        self, qvec: Any, model: str, flt: TaskFilter, depth: int, exclude: str | None = None
    ) -> list[tuple[Task, float]]:
        hits = self._vector_ids(qvec, model, flt, depth, exclude)
        found = self._tasks_by_id([task_id for task_id, _ in hits])
        return [(found[i], score) for i, score in hits if i in found]

    def hnsw_ef_search(self, conn: Connection) -> int:
        """``hnsw.ef_search`` for the current number of vectors (PostgreSQL's estimate, cached 60 s)."""
        import time

        if HNSW_EF_SEARCH is not None:
            return int(HNSW_EF_SEARCH)
        now = time.monotonic()
        if self._pg_rows is None or now - self._pg_rows[0] > 60:
            rows = conn.scalar(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relname = 'embedding'"
            )
            self._pg_rows = (now, int(rows or 0))
        for bound, ef in HNSW_EF_BY_ROWS:
            if self._pg_rows[1] <= bound:
                return ef
        return HNSW_EF_MAX

    def _vector_ids(
        self, qvec: Any, model: str, flt: TaskFilter, depth: int, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``depth`` nearest tasks passing ``flt``: (task id, cosine), best first."""
        cond, params = self._filter_sql(flt)
        want = depth + (1 if exclude is not None else 0)
        hits: list[tuple[str, float]]
        selective = bool(flt.repo or flt.tags or flt.priority or flt.due_before or flt.due_after
                         or flt.parent_id or flt.numbers is not None)  # fmt: skip
        with self.store.read() as conn:
            pg = self._uses_pgvector(conn) and len(qvec) == PG_VECTOR_DIM
            if pg:
                literal = _pg_vector(qvec)
                # Session settings on a pooled connection: only HNSW scans read them, and only search
                # runs those. One round trip (a transaction + SET LOCAL took three more).
                ef = self.hnsw_ef_search(conn)
                conn.raw.execute(f"SET hnsw.ef_search = {ef}; SET hnsw.iterative_scan = relaxed_order")
                where = f" WHERE {cond}" if cond else ""
                rows = []
                if not selective:
                    # The nearest rows of the embedding table alone (always planned on the HNSW
                    # index), then the status filter: with a JOIN in the same query the planner
                    # often preferred an exact scan and sort (40-70 ms at 10,000 rows here).
                    sql = (
                        "SELECT task.id, 1 - c.d AS s FROM (SELECT task_id, vec <=> ?::vector AS d "
                        "FROM embedding WHERE model = ? AND vec IS NOT NULL ORDER BY vec <=> ?::vector "
                        f"LIMIT ?) AS c JOIN task ON task.id = c.task_id{where} ORDER BY c.d LIMIT ?"
                    )
                    inner = max(2 * want, 100)
                    rows = conn.all(sql, [literal, model, literal, inner, *params, want])
                if selective or len(rows) < want:
                    extra = f" AND {cond}" if cond else ""
                    sql = (
                        "SELECT task.id, 1 - (e.vec <=> ?::vector) AS s FROM embedding e "
                        f"JOIN task ON task.id = e.task_id WHERE e.model = ? AND e.vec IS NOT NULL{extra} "
                        "ORDER BY e.vec <=> ?::vector LIMIT ?"
                    )
                    rows = conn.all(sql, [literal, model, *params, literal, want])
                hits = [(str(r["id"]), float(r["s"])) for r in rows]
                hits.sort(key=lambda item: -item[1])  # relaxed order: re-sort the few hits
        if not pg:
            hits = self._exact_search(qvec, model, cond, params, want, selective=selective)
        return [hit for hit in hits if hit[0] != exclude][:depth]

    def _load_matrix(self, model: str, dim: int) -> _Matrix:
        import numpy as np

        from mhv.embed.index import stack_blobs

        with self.store.read() as conn:
            generation = f"{model}:{dim}:{conn.scalar('SELECT value FROM meta WHERE key = ?', (_GEN_KEY,))}"
            current = self._matrix
            if current is not None and current.generation == generation:
                return current
            rows = conn.all(
                "SELECT e.task_id, task.number, e.vector FROM embedding e JOIN task ON task.id = e.task_id "
                "WHERE e.model = ? AND e.dim = ?",
                (model, dim),
            )
        ids = [r["task_id"] for r in rows]
        numbers = np.fromiter((r["number"] for r in rows), dtype=np.int64, count=len(rows))
        matrix = (
            stack_blobs([bytes(r["vector"]) for r in rows], dim) if rows else np.zeros((0, dim), np.float32)
        )
        loaded = _Matrix(generation, ids, numbers, {task_id: i for i, task_id in enumerate(ids)}, matrix)
        self._matrix = loaded
        return loaded

    def _exact_search(
        self, qvec: Any, model: str, cond: str, params: list[Any], depth: int, *, selective: bool = False
    ) -> list[tuple[str, float]]:
        """Exact cosine top-``depth`` over the in-memory matrix, filtered by the database.

        Unselective filters (the default open statuses): score all rows, keep the best 200 and let
        the database say which pass (one query on 200 task numbers). Selective ones (a repository,
        a tag, dates) or too few survivors: mask the matrix with the task numbers the filters allow.
        """
        import numpy as np

        from mhv.embed.index import top_k

        data = self._load_matrix(model, len(qvec))
        n = len(data.ids)
        if not n:
            return []
        if not cond:
            indices, scores = top_k(qvec, data.matrix, depth)
        else:
            chosen: list[int] = []
            k = min(n, max(depth * 4, 200))
            if not selective:
                indices, scores = top_k(qvec, data.matrix, k)
                keep = self._passing(data.numbers[indices], cond, params)
                chosen = [pos for pos, number in enumerate(data.numbers[indices]) if int(number) in keep]
            if selective or (len(chosen) < depth and k < n):
                with self.store.read() as conn:
                    sql = f"SELECT task.number FROM task WHERE {cond}"
                    allowed = np.fromiter((r["number"] for r in conn.all(sql, params)), dtype=np.int64)
                mask = np.isin(data.numbers, allowed)
                indices, scores = top_k(qvec, data.matrix, depth, mask=mask)
                chosen = list(range(len(indices)))
            indices, scores = indices[chosen[:depth]], scores[chosen[:depth]]
        return [(data.ids[i], float(score)) for i, score in zip(indices, scores, strict=True)]

    def _passing(self, numbers: Any, cond: str, params: list[Any]) -> set[int]:
        """Which of these task numbers pass the filters (one query on the primary key and numbers)."""
        chunk = [int(x) for x in numbers]
        if not chunk:
            return set()
        sql = f"SELECT task.number FROM task WHERE task.number IN ({', '.join('?' * len(chunk))}) AND {cond}"
        with self.store.read() as conn:
            return {int(r["number"]) for r in conn.all(sql, [*chunk, *params])}

    def _tasks_by_id(self, ids: Sequence[str], cond: str = "", params: Sequence[Any] = ()) -> dict[str, Task]:
        out: dict[str, Task] = {}
        extra = f" AND {cond}" if cond else ""
        with self.store.read() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                sql = f"SELECT {_SELECT} FROM task WHERE task.id IN ({', '.join('?' * len(chunk))}){extra}"
                for row in conn.all(sql, [*chunk, *params]):
                    task = task_from_row(row)
                    out[task.id] = task
        return out

    def _cosines(self, qvec: Any, model: str, ids: list[str]) -> dict[str, float]:
        """Cosine of the query with these tasks' stored vectors (tasks without one are left out)."""
        if not ids:
            return {}
        import numpy as np

        from mhv.embed.index import from_blob

        if self.store.dialect.name == "sqlite":
            data = self._load_matrix(model, len(qvec))
            rows = [(task_id, data.row_of[task_id]) for task_id in ids if task_id in data.row_of]
            if not rows:
                return {}
            sub = data.matrix[[row for _, row in rows]]
            scores = np.einsum("ij,j->i", sub, np.asarray(qvec, dtype=np.float32))
            return {task_id: float(s) for (task_id, _), s in zip(rows, scores, strict=True)}
        with self.store.read() as conn:
            sql = (
                f"SELECT task_id, vector FROM embedding WHERE model = ? AND dim = ? "
                f"AND task_id IN ({', '.join('?' * len(ids))})"
            )
            stored = conn.all(sql, [model, len(qvec), *ids])
        query = np.asarray(qvec, dtype=np.float32)
        out: dict[str, float] = {}
        for row in stored:
            out[str(row["task_id"])] = float(from_blob(bytes(row["vector"]), len(qvec)) @ query)
        return out

    # -- neighbours ----------------------------------------------------------------------------
    def similar(self, ref: int | str, *, limit: int = 5, flt: TaskFilter | None = None) -> list[SearchHit]:
        """Tasks closest in meaning to task ``ref`` (any status unless ``flt`` says otherwise)."""
        task = self.service.get(ref)
        embedder = self.embedder()
        qvec = self._stored_vector(task, embedder.model_name)
        if qvec is None:
            qvec = embedder.embed_query(content_text(task))
        flt = flt or TaskFilter(statuses=())
        hits = self._vector_search(qvec, embedder.model_name, flt, limit, exclude=task.id)
        return [SearchHit(t, s, {"vector": SourceHit(i, s)}) for i, (t, s) in enumerate(hits, start=1)]

    def duplicates(self, title: str, description: str = "", *, limit: int = 3) -> list[SearchHit]:
        """Open tasks that look like a new one: cosine >= 0.85, or a near-identical title."""
        text = " ".join(title.split())
        if not text:
            return []
        from rapidfuzz import fuzz

        out: dict[str, SearchHit] = {}
        flt = TaskFilter()
        try:
            embedder = self.embedder()
        except EmbeddingModelError:
            embedder = None
        if embedder is not None:
            qvec = embedder.embed_query(content_text({"title": text, "description": description}))
            for rank, (task, score) in enumerate(
                self._vector_search(qvec, embedder.model_name, flt, limit), 1
            ):
                if score >= DUPLICATE_COSINE:
                    out[task.id] = SearchHit(task, score, {"vector": SourceHit(rank, score)})
        terms = query_terms(text)
        close = []
        for rank, (row, _s) in enumerate(self._text_light(terms, flt, DEPTH), start=1):
            ratio = float(fuzz.token_set_ratio(text.lower(), row.title.lower()))
            if ratio >= DUPLICATE_TITLE and row.id not in out:
                close.append((row.id, rank, ratio))
        found = self._tasks_by_id([task_id for task_id, _, _ in close])
        for task_id, rank, ratio in close:
            if task_id in found:
                out[task_id] = SearchHit(found[task_id], ratio / 100, {"title": SourceHit(rank, ratio)})
        return sorted(out.values(), key=lambda hit: -hit.score)[:limit]

    def _stored_vector(self, task: Task, model: str) -> Any | None:
        from mhv.embed.index import from_blob

        with self.store.read() as conn:
            row = conn.one(
                "SELECT dim, vector, content_hash FROM embedding WHERE task_id = ? AND model = ?",
                (task.id, model),
            )
        if row is None or row["content_hash"] != content_hash(content_text(task)):
            return None
        return from_blob(bytes(row["vector"]), int(row["dim"]))

    # -- indexing ------------------------------------------------------------------------------
    def stale(
        self, *, rebuild: bool = False, model: str | None = None, ids: Sequence[str] | None = None
    ) -> list[tuple[str, str, str]]:
        """``(task id, text, content hash)`` of tasks whose vector is missing or out of date.

        Out of date: the title or description changed (content hash) or the model changed. Open
        tasks first, newest first. ``ids`` looks at these tasks only (after an edit). Reads the
        store only; loads no model.
        """
        model = model or self.model_name()
        where, params = "", list(ids or ())
        if ids is not None:
            where = f"WHERE task.id IN ({', '.join('?' * len(params)) or 'NULL'}) "
        with self.store.read() as conn:
            rows = conn.all(
                "SELECT task.id, task.title, task.description, e.model, e.content_hash FROM task "
                f"LEFT JOIN embedding e ON e.task_id = task.id {where}"
                "ORDER BY CASE WHEN task.status IN ('completed', 'cancelled') THEN 1 ELSE 0 END, "
                "task.number DESC",
                params,
            )
        out = []
        for row in rows:
            task_id, title, description, stored_model, stored_hash = tuple(
                row if not isinstance(row, dict) else row.values()
            )
            text = f"{title}\n{description or ''}".strip()
            digest = content_hash(text)
            if rebuild or stored_model != model or stored_hash != digest:
                out.append((task_id, text, digest))
        return out

    def index(
        self,
        *,
        rebuild: bool = False,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        ids: Sequence[str] | None = None,
    ) -> IndexReport:
        """Embed every stale task (of ``ids``, when given) in batches; ``progress(done, total)``."""
        import time

        started = time.perf_counter()
        embedder = self.embedder()
        todo = self.stale(rebuild=rebuild, model=embedder.model_name, ids=ids)
        report = IndexReport(model=embedder.model_name)
        with self.store.read() as conn:
            report.skipped = int(conn.scalar("SELECT COUNT(*) FROM task") or 0) - len(todo)
        if progress is not None:
            progress(0, len(todo))
        with self.bulk_load(len(todo) >= BULK_REBUILD_AT):
            for start in range(0, len(todo), batch_size):
                if should_stop is not None and should_stop():
                    break
                batch = todo[start : start + batch_size]
                vectors = embedder.embed([text for _, text, _ in batch], batch_size=batch_size)
                self.store_vectors(embedder.model_name, [(i, h) for i, _, h in batch], vectors)
                report.embedded += len(batch)
                if progress is not None:
                    progress(report.embedded, len(todo))
        report.seconds = time.perf_counter() - started
        return report

    @contextmanager
    def bulk_load(self, enabled: bool = True) -> Iterator[None]:
        """Many vectors to store: on PostgreSQL drop the HNSW index first and build it after.

        Searches meanwhile scan exactly (same results, slower); the build runs even if the load
        fails half-way, so the index is never left missing.
        """
        if not enabled or self.store.dialect.name != "postgresql":
            yield
            return
        with self.store.read() as conn:
            if not self._uses_pgvector(conn):
                yield
                return
            conn.execute("DROP INDEX IF EXISTS ix_embedding_vec_hnsw")
        try:
            yield
        finally:
            with self.store.read() as conn:
                conn.raw.execute("SET maintenance_work_mem = '512MB'")
                conn.execute(
                    "CREATE INDEX IF NOT EXISTS ix_embedding_vec_hnsw ON embedding USING hnsw "
                    f"(vec vector_cosine_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
                )
                conn.raw.execute("RESET maintenance_work_mem")
                conn.execute("ANALYZE embedding")  # fresh statistics, so the planner picks the index

    def store_vectors(self, model: str, keys: Sequence[tuple[str, str]], vectors: Any) -> None:
        """Upsert ``(task id, content hash)`` -> vector rows in one transaction (skips deleted tasks)."""
        from mhv.embed.index import to_blob

        dim = int(vectors.shape[1]) if len(keys) else 0
        now = self.store.dialect.dt_in(self.service.clock())
        with self.store.write() as conn:
            pg_vec = self._uses_pgvector(conn) and dim == PG_VECTOR_DIM
            vec_col, vec_val, vec_set = (
                (", vec", ", ?::vector", ", vec = excluded.vec") if pg_vec else ("", "", "")
            )
            sql = (
                f"INSERT INTO embedding (task_id, model, dim, content_hash, vector, updated_at{vec_col}) "
                f"SELECT ?, ?, ?, ?, ?, ?{vec_val} WHERE EXISTS (SELECT 1 FROM task WHERE id = ?) "
                "ON CONFLICT (task_id) DO UPDATE SET model = excluded.model, dim = excluded.dim, "
                "content_hash = excluded.content_hash, vector = excluded.vector, "
                f"updated_at = excluded.updated_at{vec_set}"
            )
            rows = []
            for (task_id, digest), vec in zip(keys, vectors, strict=True):
                row: list[Any] = [task_id, model, dim, digest, to_blob(vec), now]
                if pg_vec:
                    row.append(_pg_vector(vec))
                row.append(task_id)
                rows.append(row)
            conn.executemany(sql, rows)
            _bump_generation(conn)

    def missing_vectors(self, model: str) -> int:
        """How many tasks have no vector for ``model`` (changed texts are not counted: one query)."""
        with self.store.read() as conn:
            return int(
                conn.scalar(
                    "SELECT COUNT(*) FROM task LEFT JOIN embedding e ON e.task_id = task.id AND e.model = ? "
                    "WHERE e.task_id IS NULL",
                    (model,),
                )
                or 0
            )

    def counts(self) -> tuple[int, int]:
        """(tasks, tasks with an up-to-date vector for the current model)."""
        model = self.model_name()
        total = 0
        with self.store.read() as conn:
            total = int(conn.scalar("SELECT COUNT(*) FROM task") or 0)
        return total, total - len(self.stale(model=model))


def _ordered(why: dict[str, SourceHit]) -> dict[str, SourceHit]:
    order = ("vector", "text", "coverage", "title")
    return {name: why[name] for name in order if name in why}


def _bump_generation(conn: Connection) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET "
        "value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
        (_GEN_KEY,),
    )


def _pg_vector(vec: Iterable[float]) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vec) + "]"


def _idf_weights(terms: list[str], total: int, df: dict[str, int]) -> dict[str, float]:
    """BM25 idf per term; a term in no task gets the highest idf seen (``term_coverage``'s rule)."""
    out = {
        t: math.log(1 + (max(total, df[t]) - df[t] + 0.5) / (df[t] + 0.5)) for t in terms if df.get(t, 0) > 0
    }
    rarest = max(out.values(), default=1.0)
    return {t: out.get(t, rarest) for t in terms}


def _rare_terms(terms: list[str], idf: dict[str, float]) -> list[str]:
    """The fewest rarest terms such that a task containing none of them covers < half the idf mass."""
    total = sum(idf.values()) or 1.0
    chosen: list[str] = []
    rest = total
    for term in sorted(terms, key=lambda t: -idf[t]):
        if rest / total < COVERAGE_FLOOR:
            break
        chosen.append(term)
        rest -= idf[term]
    return chosen or list(terms)
