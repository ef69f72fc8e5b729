"""``SearchService``: hybrid search, similar tasks and duplicate checks over one store."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mhv.embed.errors import EmbeddingModelError
from mhv.errors import ValidationError
from mhv.tasks.models import TASK_COLUMNS, Task, TaskFilter
from mhv.tasks.rows import task_from_row
from mhv.tasks.search.fulltext import FullText
from mhv.tasks.search.hits import Light, Mode, SearchHit, SearchResult, SourceHit
from mhv.tasks.search.indexing import IndexingMixin
from mhv.tasks.search.ranking import DEPTH, fuse
from mhv.tasks.search.terms import check_query, content_hash, content_text, query_terms
from mhv.tasks.search.vectors import VectorSource

if TYPE_CHECKING:
    from mhv.embed.model import Embedder
    from mhv.store import Connection, Store
    from mhv.tasks.service import TaskService

MIN_SCORE = 0.25
"""Hits scoring below this are not shown: unrelated texts score ~0-0.2 with the offline model."""
DUPLICATE_COSINE = 0.85
DUPLICATE_TITLE = 92.0
_FTS_SAFE_TAG = re.compile(r"[!#-\[\]-~]*[a-z0-9][!#-\[\]-~]*")
"""Tags the FTS prefilter may look for: printable ASCII but quote and backslash (so the JSON text
holds the tag as is, and it fits in an FTS5 string), with a letter or digit."""
_SELECT = ", ".join(f"task.{c}" for c in TASK_COLUMNS)


class SearchService(IndexingMixin):
    """Hybrid search over one store. Thread-safe; the model loads on first use (or never)."""

    def __init__(
        self,
        service: TaskService,
        *,
        embedder: Embedder | None = None,
        load_model: Callable[[], Embedder] | None = None,
        matrix_on_postgres: bool | None = None,
    ) -> None:
        """``matrix_on_postgres``: whether selective searches on PostgreSQL may use the in-memory
        matrix (``None``: from the second one on, loaded in the background; see ``vectors``)."""
        self.service = service
        self.store: Store = service.store
        self._embedder = embedder
        self._load_model = load_model
        self._model_error: EmbeddingModelError | None = None
        self._lock = threading.Lock()
        self.fulltext = FullText(self.store)
        self.vectors = VectorSource(self.store, matrix_on_postgres=matrix_on_postgres)

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
        text_hits: list[tuple[Light, float]] = []
        if result.mode != "vector":
            cond, params = self.filter_sql(flt)
            text_hits = self.fulltext.hits(terms, cond, params, depth, half=result.mode == "hybrid")
        t1 = time.perf_counter()
        timings["text"] = t1 - t0
        vector_hits: list[tuple[str, float]] = []
        qvec = None
        if embedder is not None:
            qvec = embedder.embed_query(text)
            t2 = time.perf_counter()
            timings["embed"] = t2 - t1
            vector_hits = self.vector_ids(qvec, embedder.model_name, flt, depth)
            timings["vector"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if result.mode == "vector":
            scored = [
                (i, score, {"vector": SourceHit(rank, score)})
                for rank, (i, score) in enumerate(vector_hits, 1)
            ]
        else:
            scored = fuse(
                text,
                terms,
                text_hits,
                vector_hits,
                qvec,
                result.model,
                result.mode,
                self.fulltext,
                self.vectors,
            )
        if min_score is not None:
            scored = [item for item in scored if item[1] >= min_score]
        scored = scored[:limit]
        found = self._tasks_by_id([task_id for task_id, _, _ in scored])
        result.hits = [SearchHit(found[i], score, why) for i, score, why in scored if i in found]
        timings["fuse"] = time.perf_counter() - t3
        result.timings = timings
        return result

    def filter_sql(self, flt: TaskFilter) -> tuple[str, list[Any]]:
        """The ``WHERE`` condition (without the keyword) and parameters for ``flt``.

        On SQLite a tag filter tests every open task's tags (30 ms at 100,000 tasks); the full-text
        index's ``tags`` column narrows it first (18 ms): a task with the tag has the tag's words, in
        order, in that column, so the prefilter only drops tasks the exact test would drop too (tags
        whose JSON text differs from the tag itself, i.e. non-ASCII ones, skip it).
        """
        where, params = self.service._where(flt)
        cond = where.removeprefix(" WHERE ") if where else ""
        if self.store.dialect.name == "sqlite" and flt.tags:
            phrases = [
                f'tags : "{tag}"'
                for tag in (t.lstrip("#").lower() for t in flt.tags)
                if _FTS_SAFE_TAG.fullmatch(tag)
            ]
            if phrases:
                pre = "task.number IN (SELECT rowid FROM task_fts WHERE task_fts MATCH ?)"
                cond = f"{pre} AND {cond}" if cond else pre
                params = [" AND ".join(phrases), *params]
        return cond, params

    def vector_ids(
        self, qvec: Any, model: str, flt: TaskFilter, depth: int, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``depth`` nearest tasks passing ``flt``: (task id, cosine), best first."""
        cond, params = self.filter_sql(flt)
        selective = bool(flt.repo or flt.tags or flt.priority or flt.due_before or flt.due_after
                         or flt.parent_id or flt.numbers is not None)  # fmt: skip
        # Filters an index answers (repository: ix_task_repo_status_number; tags: ix_task_tags_gin):
        # the allowed tasks are cheap to list, so PostgreSQL can search them exactly (see ``vectors``).
        indexed = bool(flt.repo or flt.tags or flt.parent_id or flt.numbers is not None or flt.ids is not None)
        return self.vectors.nearest(
            qvec, model, cond, params, depth, selective=selective, indexed=indexed, exclude=exclude
        )

    def hnsw_ef_search(self, conn: Connection) -> int:
        """``hnsw.ef_search`` for the current number of vectors (PostgreSQL's estimate, cached 60 s)."""
        return self.vectors.pg.ef_search(conn)

    def _vector_search(
        self, qvec: Any, model: str, flt: TaskFilter, depth: int, exclude: str | None = None
    ) -> list[tuple[Task, float]]:
        hits = self.vector_ids(qvec, model, flt, depth, exclude)
        found = self._tasks_by_id([task_id for task_id, _ in hits])
        return [(found[i], score) for i, score in hits if i in found]

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
        cond, params = self.filter_sql(flt)
        for rank, (row, _s) in enumerate(self.fulltext.hits(terms, cond, params, DEPTH), start=1):
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
