"""The vector source: nearest tasks to a query vector, exact (NumPy or SQL) or through pgvector's HNSW.

SQLite, and PostgreSQL without the ``vector`` extension, scan the in-memory matrix exactly
(:mod:`.exact`). PostgreSQL with pgvector (:mod:`.pgvector`):

- no filter or only statuses: the HNSW index (recall@10 0.99 at 100,000 tasks);
- a filter an index answers (a repository, a tag, a parent): exactly, so recall is 1.0 where HNSW's
  iterative scan has to walk far past other repositories' tasks (p99 30-35 ms at 100,000 tasks):
  with the in-memory matrix when this process has it (a few ms), in SQL when the filter allows at
  most ``PG_EXACT_UP_TO`` tasks, and through HNSW otherwise. A process that runs a second such
  search (the workspace, a server; not a one-shot ``mhv ts``) loads the matrix in a background
  thread and keeps it fresh the same way; searches never wait for it.
- other selective filters (priority, dates without a repository or tag): HNSW's iterative scan,
  which checks them on the candidates it walks; listing every allowed task would take a scan of
  the task table.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mhv.tasks.search import pgvector
from mhv.tasks.search.exact import ExactIndex, Matrix
from mhv.tasks.search.pgvector import PG_VECTOR_DIM, PgVector

if TYPE_CHECKING:
    from mhv.store import Store

MATRIX_AFTER = 2
"""On PostgreSQL, load the in-memory matrix after this many selective searches in one process."""


class VectorSource:
    def __init__(self, store: Store, *, matrix_on_postgres: bool | None = None) -> None:
        """``matrix_on_postgres``: ``None`` loads it after ``MATRIX_AFTER`` selective searches,
        ``False`` never, ``True`` from the first one (and waits for it: benchmarks, tests)."""
        self.store = store
        self.exact = ExactIndex(store)
        self.pg = PgVector(store)
        self.matrix_on_postgres = matrix_on_postgres
        self.last_path = ""
        """How the last search ran: ``exact`` (NumPy), ``sql-exact``, ``hnsw`` (for benchmarks)."""
        self._selective_searches = 0
        self._loader: threading.Thread | None = None
        self._loader_lock = threading.Lock()

    def nearest(
        self,
        qvec: Any,
        model: str,
        cond: str,
        params: list[Any],
        depth: int,
        *,
        selective: bool,
        indexed: bool = False,
        exclude: str | None = None,
    ) -> list[tuple[str, float]]:
        """The ``depth`` nearest tasks passing ``cond`` (but ``exclude``): (task id, cosine), best first."""
        want = depth + (1 if exclude is not None else 0)
        hits: list[tuple[str, float]] | Matrix | None = None
        with self.store.read() as conn:
            pg = self.pg.uses_pgvector(conn) and len(qvec) == PG_VECTOR_DIM
            if pg and indexed:
                hits = self._selective_pg(conn, qvec, model, cond, params, want)
            elif pg:
                self.last_path = "hnsw"
                hits = self.pg.search(conn, qvec, model, cond, params, want, selective=selective)
        if not isinstance(hits, list):
            self.last_path = "exact"
            hits = self.exact.search(qvec, model, cond, params, want, selective=selective, data=hits)
        return [hit for hit in hits if hit[0] != exclude][:depth]

    def _selective_pg(
        self, conn: Any, qvec: Any, model: str, cond: str, params: list[Any], want: int
    ) -> list[tuple[str, float]] | Matrix | None:
        """Hits for a selective filter on PostgreSQL, or the in-memory matrix to search (``None``:
        load it first)."""
        self._selective_searches += 1
        dim = len(qvec)
        if self.matrix_on_postgres is not False:
            data = self.exact.loaded(conn, model, dim)
            if data is not None:
                return data
        if self.matrix_on_postgres is True:
            return None  # exact.search loads it now
        if self.matrix_on_postgres is None and (
            self._selective_searches >= MATRIX_AFTER or self.exact.ever_loaded()
        ):
            self._load_in_background(model, dim)
        if self.pg.count_up_to(conn, cond, params, pgvector.PG_EXACT_UP_TO) <= pgvector.PG_EXACT_UP_TO:
            self.last_path = "sql-exact"
            return self.pg.exact(conn, qvec, model, cond, params, want)
        self.last_path = "hnsw"
        return self.pg.search(conn, qvec, model, cond, params, want, selective=True)

    def _load_in_background(self, model: str, dim: int) -> None:
        with self._loader_lock:
            if self._loader is not None and self._loader.is_alive():
                return
            self._loader = threading.Thread(
                target=self._load_quietly, args=(model, dim), name="mhv-vector-matrix", daemon=True
            )
            self._loader.start()

    def _load_quietly(self, model: str, dim: int) -> None:
        # A failed load (the database went away) costs nothing but speed: searches keep using
        # SQL / HNSW, and the next selective search tries again. Nothing to print from a thread.
        with contextlib.suppress(Exception):
            self.exact.load(model, dim)

    def wait_for_matrix(self, timeout: float | None = None) -> bool:
        """Wait for a background load to finish (tests, benchmarks); whether none is running."""
        loader = self._loader
        if loader is not None:
            loader.join(timeout)
            return not loader.is_alive()
        return True

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
