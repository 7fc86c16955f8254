"""A linear map on the question's vector, fitted on question / answer-sentence pairs.

E5 places a question near sentences that share its topic, not necessarily near
the one that answers it. A 384 x 384 matrix, fitted by ridge regression of the
answer sentence's vector on the question's vector and pulled towards the
identity, moves questions towards where their answers lie. Fitting takes about
a second on a CPU, so the map can be rebuilt wherever the fitting data is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

ADAPTER_FILE = "query_adapter.npy"


@dataclass(frozen=True, slots=True)
class QueryAdapter:
    """``q -> normalise(q @ matrix)``; the identity matrix changes nothing."""

    matrix: np.ndarray

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        mapped = np.asarray(vectors, dtype=np.float32) @ self.matrix
        norms = np.linalg.norm(mapped, axis=-1, keepdims=True)
        adapted: np.ndarray = (mapped / np.maximum(norms, 1e-12)).astype(np.float32)
        return adapted

    def save(self, path: Path) -> Path:
        np.save(path, self.matrix.astype(np.float32))
        return path

    @staticmethod
    def load(path: Path) -> QueryAdapter:
        matrix = np.load(path)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"expected a square matrix, found shape {matrix.shape}")
        return QueryAdapter(matrix.astype(np.float32))


def fit_query_adapter(
    queries: np.ndarray, targets: np.ndarray, strength: float = 1.0
) -> QueryAdapter:
    """Ridge regression ``Q M ~ T`` with ``M`` shrunk towards the identity.

    ``strength`` is the ridge penalty per pair: the larger, the closer ``M`` stays to
    the identity (and to the model as it was trained).
    """
    q = np.asarray(queries, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    dim = q.shape[1]
    penalty = strength * len(q) * np.eye(dim) / dim
    matrix = np.linalg.solve(q.T @ q + penalty, q.T @ t + penalty)
    return QueryAdapter(matrix.astype(np.float32))
