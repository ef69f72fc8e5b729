"""Exact vector search over an in-memory matrix (SQLite; PostgreSQL without pgvector).

The stored vectors of one model are loaded once into a float32 matrix and reloaded when the
``embedding_generation`` counter in ``meta`` shows they changed (every ``store_vectors`` bumps it).
Rows are L2-normalised, so a dot product is the cosine; recall is 1.0 by construction.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mhv.store import Connection, Store

GEN_KEY = "embedding_generation"


def bump_generation(conn: Connection) -> None:
    """Tell every process's matrix that the stored vectors changed (inside the writing transaction)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET "
        "value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
        (GEN_KEY,),
    )


@dataclass
class Matrix:
    generation: str
    ids: list[str]
    numbers: npt.NDArray[np.int64]
    row_of: dict[str, int]
    matrix: npt.NDArray[np.float32]
    row_by_number: npt.NDArray[np.int32]
    """Row of each task number (-1: no vector), so the numbers a filter allows map to rows in NumPy."""

    def rows_of_numbers(self, numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The matrix rows of these task numbers (those with a vector), ascending."""
        import numpy as np

        numbers = numbers[(numbers >= 0) & (numbers < len(self.row_by_number))]
        rows = self.row_by_number[numbers]
        return np.sort(rows[rows >= 0]).astype(np.int64, copy=False)


ALLOWED_CACHED = 8
"""Filters whose allowed task numbers are kept (a few KB each at 100,000 tasks)."""


class ExactIndex:
    """The in-memory matrix of one store, and exact top-k filtered by the database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._matrix: Matrix | None = None
        # Allowed numbers per filter, valid while the event log does not move: searching as you type
        # ("?words" in the workspace) asks the same filter again with every key.
        self._allowed: OrderedDict[tuple[Any, ...], npt.NDArray[np.int64]] = OrderedDict()

    @staticmethod
    def generation(conn: Connection, model: str, dim: int) -> str:
        return f"{model}:{dim}:{conn.scalar('SELECT value FROM meta WHERE key = ?', (GEN_KEY,))}"

    def loaded(self, conn: Connection, model: str, dim: int) -> Matrix | None:
        """The matrix when it is in memory and up to date; ``None`` otherwise (nothing is loaded)."""
        current = self._matrix
        if current is not None and current.generation == self.generation(conn, model, dim):
            return current
        return None

    def ever_loaded(self) -> bool:
        return self._matrix is not None

    def load(self, model: str, dim: int) -> Matrix:
        import numpy as np

        from mhv.embed.index import stack_blobs

        with self.store.read() as conn:
            generation = self.generation(conn, model, dim)
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
        row_by_number = np.full(int(numbers.max()) + 1 if len(numbers) else 0, -1, dtype=np.int32)
        row_by_number[numbers] = np.arange(len(numbers), dtype=np.int32)
        loaded = Matrix(
            generation, ids, numbers, {task_id: i for i, task_id in enumerate(ids)}, matrix, row_by_number
        )
        self._matrix = loaded
        return loaded

    def search(
        self,
        qvec: Any,
        model: str,
        cond: str,
        params: list[Any],
        depth: int,
        *,
        selective: bool = False,
        data: Matrix | None = None,
    ) -> list[tuple[str, float]]:
        """Exact cosine top-``depth`` over the in-memory matrix, filtered by the database.

        Unselective filters (the default open statuses): score all rows, keep the best 200 and let
        the database say which pass (one query on 200 task numbers). Selective ones (a repository,
        a tag, dates), or too few survivors: the database lists the task numbers the filters allow
        (as one string, not a row each), they map to matrix rows through ``row_by_number``, and only
        those rows are scored. ``data``: the matrix to use (default: load it, or reuse it when fresh).
        (That list used to come back a row per task: 10,000 Python dicts per
        query at 100,000 tasks, whose garbage collections gave the filtered search a p99 of ~120 ms.)
        """
        from mhv.embed.index import top_k

        data = data or self.load(model, len(qvec))
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
                rows = data.rows_of_numbers(self.allowed_numbers(cond, params))
                indices, scores = top_k(qvec, data.matrix, depth, rows=rows)
                chosen = list(range(len(indices)))
            indices, scores = indices[chosen[:depth]], scores[chosen[:depth]]
        return [(data.ids[i], float(score)) for i, score in zip(indices, scores, strict=True)]

    def allowed_numbers(self, cond: str, params: list[Any]) -> npt.NDArray[np.int64]:
        """The numbers of the tasks passing ``cond``, fetched as one comma-separated string."""
        import numpy as np

        agg = (
            "group_concat(task.number)"
            if self.store.dialect.name == "sqlite"
            else "string_agg(task.number::text, ',')"
        )
        with self.store.read() as conn:
            # Every change to a task is an event: the log's head says whether a cached list is stale.
            key = (cond, repr(params), conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM event"))
            cached = self._allowed.get(key)
            if cached is not None:
                self._allowed.move_to_end(key)
                return cached
            joined = conn.scalar(f"SELECT {agg} FROM task WHERE {cond}", params)
        numbers = np.fromstring(joined or "", dtype=np.int64, sep=",")
        self._allowed[key] = numbers
        while len(self._allowed) > ALLOWED_CACHED:
            self._allowed.popitem(last=False)
        return numbers

    def _passing(self, numbers: Any, cond: str, params: list[Any]) -> set[int]:
        """Which of these task numbers pass the filters (one query on the primary key and numbers)."""
        chunk = [int(x) for x in numbers]
        if not chunk:
            return set()
        sql = f"SELECT task.number FROM task WHERE task.number IN ({', '.join('?' * len(chunk))}) AND {cond}"
        with self.store.read() as conn:
            return {int(r["number"]) for r in conn.all(sql, [*chunk, *params])}

    def cosines(self, qvec: Any, model: str, ids: Sequence[str]) -> dict[str, float]:
        """Cosine of the query with these tasks' rows of the matrix (tasks without one are left out)."""
        import numpy as np

        data = self.load(model, len(qvec))
        rows = [(task_id, data.row_of[task_id]) for task_id in ids if task_id in data.row_of]
        if not rows:
            return {}
        sub = data.matrix[[row for _, row in rows]]
        scores = np.einsum("ij,j->i", sub, np.asarray(qvec, dtype=np.float32))
        return {task_id: float(s) for (task_id, _), s in zip(rows, scores, strict=True)}
