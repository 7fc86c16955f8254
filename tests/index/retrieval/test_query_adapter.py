"""The query adapter: identity by default, fitted towards the answers, saved and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.retrieval.query_adapter import QueryAdapter, fit_query_adapter


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_identity_changes_nothing():
    q = _unit(np.random.default_rng(0).normal(size=(5, 8))).astype(np.float32)
    np.testing.assert_allclose(QueryAdapter(np.eye(8, dtype=np.float32)).apply(q), q, atol=1e-6)


def test_fitting_moves_questions_towards_their_answers():
    rng = np.random.default_rng(1)
    q = _unit(rng.normal(size=(400, 16)))
    rotation = np.linalg.qr(rng.normal(size=(16, 16)))[0]
    targets = _unit(0.6 * q + 0.4 * q @ rotation)
    adapter = fit_query_adapter(q, targets, strength=0.1)
    before = float(np.mean(np.sum(q * targets, axis=1)))
    after = float(np.mean(np.sum(adapter.apply(q) * targets, axis=1)))
    assert after > before + 0.05


def test_a_strong_penalty_keeps_the_identity():
    rng = np.random.default_rng(2)
    q, t = _unit(rng.normal(size=(50, 8))), _unit(rng.normal(size=(50, 8)))
    adapter = fit_query_adapter(q, t, strength=1e6)
    np.testing.assert_allclose(adapter.matrix, np.eye(8), atol=1e-3)


def test_saved_and_loaded(tmp_path: Path):
    adapter = QueryAdapter(np.arange(9, dtype=np.float32).reshape(3, 3))
    loaded = QueryAdapter.load(adapter.save(tmp_path / "a.npy"))
    np.testing.assert_array_equal(loaded.matrix, adapter.matrix)
    np.save(tmp_path / "bad.npy", np.zeros((2, 3)))
    with pytest.raises(ValueError, match="square"):
        QueryAdapter.load(tmp_path / "bad.npy")
