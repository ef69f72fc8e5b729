"""The vector source: nearest tasks to a query vector, exact (NumPy) or through pgvector's HNSW.

SQLite, and PostgreSQL without the ``vector`` extension, scan the in-memory matrix exactly
(:mod:`.exact`); PostgreSQL with pgvector asks the HNSW index (:mod:`.pgvector`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mhv.tasks.search.exact import ExactIndex
from mhv.tasks.search.pgvector import PG_VECTOR_DIM, PgVector

if TYPE_CHECKING:
    from mhv.store import Store


class VectorSource:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.exact = ExactIndex(store)
        self.pg = PgVector(store)

    def nearest(
        self,
        qvec: Any,
        model: str,
        cond: str,
        params: list[Any],
        depth: int,
        *,
        selective: bool,
        exclude: str | None = None,
    ) -> list[tuple[str, float]]:
        """The ``depth`` nearest tasks passing ``cond`` (but ``exclude``): (task id, cosine), best first."""
        want = depth + (1 if exclude is not None else 0)
        hits: list[tuple[str, float]] = []
        with self.store.read() as conn:
            pg = self.pg.uses_pgvector(conn) and len(qvec) == PG_VECTOR_DIM
            if pg:
                hits = self.pg.search(conn, qvec, model, cond, params, want, selective=selective)
        if not pg:
            hits = self.exact.search(qvec, model, cond, params, want, selective=selective)
        return [hit for hit in hits if hit[0] != exclude][:depth]

    def cosines(self, qvec: Any, model: str, ids: Sequence[str]) -> dict[str, float]:
        """Cosine of the query with these tasks' stored vectors (tasks without one are left out)."""
        if not ids:
            return {}
        if self.store.dialect.name == "sqlite":
            return self.exact.cosines(qvec, model, ids)
        import numpy as np

        from mhv.embed.index import from_blob

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
