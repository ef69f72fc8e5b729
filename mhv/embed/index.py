"""Exact nearest-neighbour search over a float32 matrix, and vectors as database blobs.

Rows are L2-normalised, so the dot product is the cosine similarity. Exact search has recall 1.0;
at 100,000 x 384 one query is one matrix-vector product (about 38 million multiply-adds).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_LITTLE_F32 = np.dtype("<f4")
SUBSET_SHARE = 3
"""Score only the eligible rows when they are fewer than 1 / SUBSET_SHARE of the matrix; above that,
scoring every row and picking the eligible scores is as fast as copying the rows out."""


def top_k(
    query_vec: npt.ArrayLike,
    matrix: npt.NDArray[np.float32],
    k: int,
    *,
    mask: npt.NDArray[np.bool_] | None = None,
    rows: npt.NDArray[np.integer] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The ``k`` rows of ``matrix`` most similar to ``query_vec``: (row indices, scores), best first.

    ``mask`` (one bool per row) or ``rows`` (the indices of the eligible rows, ascending) keeps only
    the rows that passed the database's filters; with ``rows`` only those rows are scored, which is
    what makes a selective filter cheap. Fewer than ``k`` results come back when fewer rows are
    eligible. Equal scores keep row order.
    """
    query = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    n = matrix.shape[0]
    if matrix.ndim != 2 or (n and matrix.shape[1] != query.shape[0]):
        raise ValueError(f"query has {query.shape[0]} dimensions, matrix is {matrix.shape}")
    if mask is not None and rows is not None:
        raise ValueError("give mask or rows, not both")
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    eligible: npt.NDArray[np.int64] | None = None
    if mask is not None:
        if mask.shape != (n,):
            raise ValueError(f"mask has shape {mask.shape}, expected ({n},)")
        eligible = np.flatnonzero(mask)
    elif rows is not None:
        eligible = np.asarray(rows, dtype=np.int64).reshape(-1)
        if eligible.size and (eligible[0] < 0 or eligible[-1] >= n or np.any(np.diff(eligible) <= 0)):
            raise ValueError("rows must be ascending, distinct row indices of the matrix")
    # einsum runs a single-threaded SIMD loop. ``matrix @ query`` goes to OpenBLAS, whose thread
    # wake-ups made the tail several times worse on 2 cores: at 100,000 x 384, p99 25-79 ms with
    # BLAS against 7-14 ms with einsum (tests/bench/bench_embed.py topk).
    if eligible is None:
        scores = np.einsum("ij,j->i", matrix, query)
    elif eligible.size * SUBSET_SHARE < n:
        # Few rows: copy them out and score only those (10,000 of 100,000 rows: ~2 ms, not ~8).
        scores = np.einsum("ij,j->i", matrix[eligible], query)
    else:
        scores = np.einsum("ij,j->i", matrix, query)[eligible]
    count = scores.shape[0]
    if count == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if k < count:
        candidates = np.argpartition(-scores, k - 1)[:k]
    else:
        candidates = np.arange(count)
    # lexsort: last key is primary -> by score descending, then by position for stable ties.
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    best_scores = scores[order].astype(np.float32, copy=False)
    indices = order if eligible is None else eligible[order]
    return indices.astype(np.int64, copy=False), best_scores


def to_blob(vec: npt.ArrayLike) -> bytes:
    """A vector as float32 little-endian bytes (4 bytes per dimension), the stored form."""
    return np.asarray(vec, dtype=_LITTLE_F32).reshape(-1).tobytes()


def from_blob(blob: bytes, dim: int) -> npt.NDArray[np.float32]:
    """The vector stored by ``to_blob``; ``ValueError`` when the length does not match ``dim``."""
    if len(blob) != 4 * dim:
        raise ValueError(f"a {dim}-dimension vector takes {4 * dim} bytes, got {len(blob)}")
    return np.frombuffer(blob, dtype=_LITTLE_F32).astype(np.float32)


def stack_blobs(blobs: list[bytes], dim: int) -> npt.NDArray[np.float32]:
    """Many stored vectors as one ``(len(blobs), dim)`` matrix, in one copy."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    joined = b"".join(blobs)
    if len(joined) != 4 * dim * len(blobs):
        bad = next(i for i, blob in enumerate(blobs) if len(blob) != 4 * dim)
        raise ValueError(f"blob {bad} has {len(blobs[bad])} bytes, expected {4 * dim}")
    return np.frombuffer(joined, dtype=_LITTLE_F32).reshape(len(blobs), dim).astype(np.float32)
