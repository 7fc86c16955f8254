"""Deciding whether the article answers the question at all.

E5 cosines of unrelated text are high (about 0.72-0.82) and overlap with those
of related text, so no single cosine threshold separates them. A small
logistic model combines the best cosine, how far it stands out from the rest
of the article, and how much of the question's vocabulary the article shares.
It was fitted on a training split: questions asked of their own article are
answerable, the same questions asked of another article are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.ranking import Signals


@dataclass(frozen=True, slots=True)
class AbstentionModel:
    """Logistic weights over :func:`abstention_features`; ``threshold`` on the probability."""

    bias: float
    best_dense: float
    dense_margin: float
    best_coverage: float
    known_share: float
    threshold: float = 0.5

    def confidence(self, features: tuple[float, float, float, float]) -> float:
        best_dense, dense_margin, best_coverage, known_share = features
        z = (
            self.bias
            + self.best_dense * best_dense
            + self.dense_margin * dense_margin
            + self.best_coverage * best_coverage
            + self.known_share * known_share
        )
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, features: tuple[float, float, float, float]) -> bool:
        return self.confidence(features) >= self.threshold


def abstention_features(signals: Signals, known_share: float) -> tuple[float, float, float, float]:
    """Best cosine, its margin over the median sentence, best term coverage, known-term share."""
    if signals.size == 0:
        return 0.0, 0.0, 0.0, 0.0
    best_dense = float(signals.dense.max())
    margin = best_dense - float(np.median(signals.dense))
    return best_dense, margin, float(signals.coverage.max()), known_share


# Fitted by ``python -m bench.calibrate`` on the training file named in the README; the
# threshold refuses 95% of the training file's off-topic pairs and answers 98% of its questions.
DEFAULT_ABSTENTION = AbstentionModel(
    bias=-26.780,
    best_dense=27.426,
    dense_margin=5.460,
    best_coverage=-1.155,
    known_share=8.592,
    threshold=0.247,
)
