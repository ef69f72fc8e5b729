"""Approximate vector search with pgvector's HNSW index (PostgreSQL with the ``vector`` extension).

``embedding.vec vector(384)`` with an HNSW index (``m = 32, ef_construction = 200``, migration
0002_search). ``hnsw.ef_search`` follows the table size; ``hnsw.iterative_scan = relaxed_order`` keeps
a ``WHERE`` filter from starving the result. Bulk loads drop the index and build it after.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhv.store import Connection, Store

HNSW_EF_SEARCH: int | None = None
"""Fixed ``hnsw.ef_search``; ``None`` picks it from the number of vectors (``PgVector.ef_search``)."""
HNSW_EF_BY_ROWS = ((20_000, 100),)
"""Measured with m = 32, ef_construction = 200 (docs/search.md). At 100,000 rows on a quiet machine:
recall@10 0.972 / 0.981 / 0.990 / 0.986 with ef_search 100 / 130 / 160 / 200, p99 of the vector query
7.3 / 8.9 / 8.9 / 10.2 ms. Above the last bound: ``HNSW_EF_MAX``."""
HNSW_EF_MAX = 160
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 200
"""As created by migration 0002_search; used when the index is rebuilt after a bulk load."""
PG_VECTOR_DIM = 384
PG_EXACT_UP_TO = 1_000
"""A selective filter allowing at most this many tasks is searched exactly in SQL (recall 1.0).
Measured at 100,000 tasks (docs/search.md): 6-8 microseconds per row, so ~7 ms p50 at 1,000 rows,
but 86 ms at 10,000, where the HNSW index's iterative scan is the faster way."""


def pg_vector(vec: Iterable[float]) -> str:
    """A vector as a pgvector literal."""
    return "[" + ",".join(f"{float(x):.7g}" for x in vec) + "]"


class PgVector:
    """pgvector queries of one store (whether the ``vec`` column exists is asked once)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.available: bool | None = None
        self._rows: tuple[float, int] | None = None

    def uses_pgvector(self, conn: Connection) -> bool:
        if self.store.dialect.name != "postgresql":
            return False
        if self.available is None:
            self.available = bool(
                conn.scalar(
                    "SELECT COUNT(*) FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'embedding' AND column_name = 'vec'"
                )
            )
        return self.available

    def ef_search(self, conn: Connection) -> int:
        """``hnsw.ef_search`` for the current number of vectors (PostgreSQL's estimate, cached 60 s)."""
        if HNSW_EF_SEARCH is not None:
            return int(HNSW_EF_SEARCH)
        now = time.monotonic()
        if self._rows is None or now - self._rows[0] > 60:
            rows = conn.scalar(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relname = 'embedding'"
            )
            self._rows = (now, int(rows or 0))
        for bound, ef in HNSW_EF_BY_ROWS:
            if self._rows[1] <= bound:
                return ef
        return HNSW_EF_MAX

    def search(
        self,
        conn: Connection,
        qvec: Any,
        model: str,
        cond: str,
        params: list[Any],
        want: int,
        *,
        selective: bool,
    ) -> list[tuple[str, float]]:
        """The ``want`` nearest tasks passing ``cond``: (task id, cosine), best first."""
        literal = pg_vector(qvec)
        # Session settings on a pooled connection: only HNSW scans read them, and only search
        # runs those. One round trip (a transaction + SET LOCAL took three more).
        ef = self.ef_search(conn)
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
        return hits

    def exact(
        self, conn: Connection, qvec: Any, model: str, cond: str, params: list[Any], want: int
    ) -> list[tuple[str, float]]:
        """The ``want`` nearest tasks passing ``cond``, computed exactly for every allowed task.

        Ordering by the cosine (not by the ``<=>`` operator the index serves) keeps the planner from
        using HNSW: the rows come from the task indexes, and each is scored.
        """
        literal = pg_vector(qvec)
        extra = f" AND {cond}" if cond else ""
        sql = (
            "SELECT task.id, 1 - (e.vec <=> ?::vector) AS s FROM embedding e "
            f"JOIN task ON task.id = e.task_id WHERE e.model = ? AND e.vec IS NOT NULL{extra} "
            "ORDER BY s DESC, task.number LIMIT ?"
        )
        rows = conn.all(sql, [literal, model, *params, want])
        return [(str(r["id"]), float(r["s"])) for r in rows]

    @staticmethod
    def count_up_to(conn: Connection, cond: str, params: list[Any], limit: int) -> int:
        """How many tasks pass ``cond``, counting no further than ``limit + 1`` (cheap either way)."""
        where = f" WHERE {cond}" if cond else ""
        sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM task{where} LIMIT ?) AS c"
        return int(conn.scalar(sql, [*params, limit + 1]) or 0)

    @contextmanager
    def bulk_load(self, enabled: bool = True) -> Iterator[None]:
        """Many vectors to store: drop the HNSW index first and build it after.

        Searches meanwhile scan exactly (same results, slower); the build runs even if the load
        fails half-way, so the index is never left missing.
        """
        if not enabled or self.store.dialect.name != "postgresql":
            yield
            return
        with self.store.read() as conn:
            if not self.uses_pgvector(conn):
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
