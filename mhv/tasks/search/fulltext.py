"""The full-text source: FTS5 on SQLite, the ``tsvector`` column on PostgreSQL.

FTS5: ``MATCH`` of the query's words OR-ed, bm25 with title 10 / description 2 / tags 5, porter
stemming. PostgreSQL: ``to_tsquery('english', 'a | b')`` and ``ts_rank_cd``. Document counts per word
(for the idf weights) are cached a few minutes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mhv.tasks.search.hits import LIGHT_COLUMNS, Light, light
from mhv.tasks.search.terms import idf_weights, rare_terms

if TYPE_CHECKING:
    from mhv.store import Store

DF_CACHE_SECONDS = 300.0
"""Document counts behind the idf weights are cached this long (they drift slowly; a COUNT per word
per query cost 5-20 ms at 100,000 tasks)."""
FTS_RANK_UP_TO = 2_000
"""Rank full-text matches by bm25 when about this many match at most; above it (a query of common
words only) take the newest matches: ranking 20,000 matches cost 30-60 ms at 100,000 tasks."""


class FullText:
    """Full-text hits and document counts over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._df_cache: dict[str, tuple[float, int]] = {}

    def hits(
        self, terms: list[str], cond: str, params: Sequence[Any], depth: int, *, half: bool = False
    ) -> list[tuple[Light, float]]:
        """Full-text hits passing ``cond``, best first: (id, title, description, tags) and bm25 / ts_rank_cd.

        ``half``: only tasks that can cover half of the query's idf mass matter (the fusion ignores
        the rest), so match only the rarest terms that every such task must contain one of.
        """
        if not terms:
            return []
        total, df = self.doc_freqs(terms)
        chosen = rare_terms(terms, idf_weights(terms, total, df)) if half else terms
        expected = sum(df.get(t, 0) for t in chosen)
        ranked = expected <= FTS_RANK_UP_TO
        extra = f" AND {cond}" if cond else ""
        with self.store.read() as conn:
            if self.store.dialect.name == "sqlite":
                match = " OR ".join(f'"{t}"' for t in chosen)
                order = "s" if ranked else "task_fts.rowid DESC"
                sql = (
                    f"SELECT {LIGHT_COLUMNS}, bm25(task_fts, 10.0, 2.0, 5.0) AS s FROM task_fts "
                    f"JOIN task ON task.number = task_fts.rowid WHERE task_fts MATCH ?{extra} "
                    f"ORDER BY {order} LIMIT ?"
                )
                rows = conn.all(sql, [match, *params, depth])
                hits = [(light(r), -float(r["s"])) for r in rows]
            else:
                order = "s DESC, task.number" if ranked else "task.number DESC"
                sql = (
                    f"SELECT {LIGHT_COLUMNS}, ts_rank_cd(task.search_tsv, q) AS s "
                    "FROM task, to_tsquery('english', ?) AS q "
                    f"WHERE task.search_tsv @@ q{extra} ORDER BY {order} LIMIT ?"
                )
                rows = conn.all(sql, [" | ".join(chosen), *params, depth])
                hits = [(light(r), float(r["s"])) for r in rows]
        if not ranked:
            hits.sort(key=lambda hit: -hit[1])
        return hits

    def light_by_id(self, ids: Sequence[str]) -> dict[str, Light]:
        """Title, description and tags of these tasks (for coverage and fuzzy titles)."""
        out: dict[str, Light] = {}
        with self.store.read() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                sql = f"SELECT {LIGHT_COLUMNS} FROM task WHERE task.id IN ({', '.join('?' * len(chunk))})"
                for row in conn.all(sql, chunk):
                    out[row["id"]] = light(row)
        return out

    def doc_freqs(self, terms: list[str]) -> tuple[int, dict[str, int]]:
        """(tasks, documents per term) from the full-text index; counts cached for a few minutes."""
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

    def idf(self, terms: list[str]) -> dict[str, float]:
        """BM25's idf per term, from the full-text index's document counts."""
        total, df = self.doc_freqs(terms)
        return idf_weights(terms, total, df)
