"""Exact top-k and the blob format."""

from __future__ import annotations

import numpy as np
import pytest

from mhv.embed.index import from_blob, stack_blobs, to_blob, top_k


def _unit_rows(rows: int, dim: int, seed: int = 7) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_top_k_matches_a_full_sort() -> None:
    matrix = _unit_rows(1000, 32)
    query = matrix[17] + 0.1 * matrix[400]
    indices, scores = top_k(query, matrix, 10)
    expected = np.argsort(-(matrix @ query.astype(np.float32)), kind="stable")[:10]
    assert indices.tolist() == expected.tolist()
    assert indices[0] == 17
    assert scores.dtype == np.float32 and list(scores) == sorted(scores, reverse=True)


def test_k_larger_than_rows_returns_all_sorted() -> None:
    matrix = _unit_rows(5, 8)
    indices, scores = top_k(matrix[3], matrix, 50)
    assert len(indices) == 5 and indices[0] == 3
    assert np.all(np.diff(scores) <= 0)


def test_empty_matrix_and_zero_k() -> None:
    assert top_k(np.ones(4), np.zeros((0, 4), np.float32), 5)[0].shape == (0,)
    assert top_k(np.ones(4), _unit_rows(3, 4), 0)[0].shape == (0,)


def test_ties_keep_row_order() -> None:
    matrix = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=np.float32)
    indices, _ = top_k([1, 0], matrix, 2)
    assert indices.tolist() == [0, 2]


def test_mask_keeps_only_eligible_rows() -> None:
    matrix = _unit_rows(100, 16)
    mask = np.zeros(100, dtype=bool)
    mask[[5, 50, 70]] = True
    indices, _ = top_k(matrix[5], matrix, 10, mask=mask)
    assert sorted(indices.tolist()) == [5, 50, 70] and indices[0] == 5
    assert top_k(matrix[5], matrix, 10, mask=np.zeros(100, dtype=bool))[0].shape == (0,)


def test_dimension_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        top_k(np.ones(3), _unit_rows(4, 8), 2)


def test_blob_round_trip_is_little_endian_float32() -> None:
    vec = np.array([1.0, -2.5, 3.25], dtype=np.float64)
    blob = to_blob(vec)
    assert blob == np.array([1.0, -2.5, 3.25], dtype="<f4").tobytes()
    assert len(blob) == 12
    back = from_blob(blob, 3)
    assert back.dtype == np.float32 and back.tolist() == [1.0, -2.5, 3.25]
    back[0] = 9  # a private, writable copy
    with pytest.raises(ValueError):
        from_blob(blob, 4)


def test_stack_blobs() -> None:
    rows = _unit_rows(4, 6)
    matrix = stack_blobs([to_blob(row) for row in rows], 6)
    assert matrix.shape == (4, 6) and np.array_equal(matrix, rows)
    assert stack_blobs([], 6).shape == (0, 6)
    with pytest.raises(ValueError, match="blob 1"):
        stack_blobs([to_blob(rows[0]), b"\x00" * 8], 6)


@pytest.mark.parametrize("share", [0.05, 0.5])  # scored as a copied subset / picked from all scores
def test_rows_give_the_same_result_as_the_mask(share: float) -> None:
    matrix = _unit_rows(3000, 24)
    rng = np.random.default_rng(3)
    mask = rng.random(3000) < share
    query = matrix[5] + matrix[2999]
    by_mask = top_k(query, matrix, 20, mask=mask)
    by_rows = top_k(query, matrix, 20, rows=np.flatnonzero(mask))
    assert by_rows[0].tolist() == by_mask[0].tolist()
    assert by_rows[1].tolist() == by_mask[1].tolist()
    assert set(by_rows[0].tolist()) <= set(np.flatnonzero(mask).tolist())
    assert top_k(query, matrix, 20, rows=np.zeros(0, np.int64))[0].shape == (0,)


def test_bad_rows_are_refused() -> None:
    matrix = _unit_rows(10, 4)
    with pytest.raises(ValueError, match="ascending"):
        top_k(matrix[0], matrix, 3, rows=np.array([3, 1]))
    with pytest.raises(ValueError, match="ascending"):
        top_k(matrix[0], matrix, 3, rows=np.array([2, 10]))
    with pytest.raises(ValueError, match="not both"):
        top_k(matrix[0], matrix, 3, rows=np.array([1]), mask=np.ones(10, bool))
