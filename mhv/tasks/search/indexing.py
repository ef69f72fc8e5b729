"""Keeping vectors up to date: which tasks are stale, embedding them in batches, storing vectors.

Vectors are stored per task with the model name and a SHA-256 of the embedded text (title +
description); a changed title/description or another model makes the row stale. Every store bumps
the generation counter the in-memory matrix follows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mhv.tasks.search.exact import bump_generation
from mhv.tasks.search.hits import IndexReport
from mhv.tasks.search.pgvector import PG_VECTOR_DIM, pg_vector
from mhv.tasks.search.terms import content_hash

if TYPE_CHECKING:
    from mhv.embed.model import Embedder
    from mhv.store import Store
    from mhv.tasks.search.vectors import VectorSource
    from mhv.tasks.service import TaskService

BULK_REBUILD_AT = 5_000
"""Storing this many vectors at once on PostgreSQL drops the HNSW index and builds it again after:
inserting into the live index ran at ~220 vectors/s (slower than the model), a build takes seconds."""


class IndexingMixin:
    """The vector-index half of :class:`~mhv.tasks.search.SearchService`."""

    service: TaskService
    store: Store
    vectors: VectorSource

    def embedder(self) -> Embedder:  # pragma: no cover - provided by SearchService
        raise NotImplementedError

    def model_name(self) -> str:  # pragma: no cover - provided by SearchService
        raise NotImplementedError

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
        with self.vectors.pg.bulk_load(enabled):
            yield

    def store_vectors(self, model: str, keys: Sequence[tuple[str, str]], vectors: Any) -> None:
        """Upsert ``(task id, content hash)`` -> vector rows in one transaction (skips deleted tasks)."""
        from mhv.embed.index import to_blob

        dim = int(vectors.shape[1]) if len(keys) else 0
        now = self.store.dialect.dt_in(self.service.clock())
        with self.store.write() as conn:
            pg_vec = self.vectors.pg.uses_pgvector(conn) and dim == PG_VECTOR_DIM
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
                    row.append(pg_vector(vec))
                row.append(task_id)
                rows.append(row)
            conn.executemany(sql, rows)
            bump_generation(conn)

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
