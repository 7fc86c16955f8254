"""Deciding whether the article answers the question at all.

E5 cosines of unrelated text are high (about 0.72-0.82) and overlap with those
of related text, so no single cosine threshold separates them. A small
logistic model combines the best cosine with how far it stands out from the
rest of the article. Both come from the question's vector alone, so they mean
the same for a question asked in English as in Arabic; a feature built on the
question's words (the share the article knows) refused nearly every English
question. It was fitted on question sets: questions asked of their own article
are answerable, the same questions asked of another article are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.ranking import Signals

Features = tuple[float, float]


@dataclass(frozen=True, slots=True)
class AbstentionModel:
    """Logistic weights over :func:`abstention_features`; ``threshold`` on the probability."""

    bias: float
    best_dense: float
    dense_margin: float
    threshold: float = 0.5

    def features(self, signals: Signals) -> Features:
        return abstention_features(signals)

    def confidence(self, features: Features) -> float:
        best_dense, dense_margin = features
        z = self.bias + self.best_dense * best_dense + self.dense_margin * dense_margin
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, features: Features) -> bool:
        return self.confidence(features) >= self.threshold


def abstention_features(signals: Signals) -> Features:
    """The best cosine, and its margin over the article's median sentence."""
    if signals.size == 0:
        return 0.0, 0.0
    best_dense = float(signals.dense.max())
    return best_dense, best_dense - float(np.median(signals.dense))


# Fitted by ``python -m bench.calibrate`` (see the README); the threshold answers
# the share of the fitting sets' own-context questions given there.
DEFAULT_ABSTENTION = AbstentionModel(
    bias=-26.780,
    best_dense=27.426,
    dense_margin=5.460,
    threshold=0.247,
)
