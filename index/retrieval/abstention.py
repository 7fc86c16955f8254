"""Deciding whether the article answers the question at all.

E5 cosines of unrelated text are high (about 0.72-0.82) and overlap with those
of related text, so no single cosine threshold separates them. A small
logistic model combines two signals:

- the best cosine in the article, standardised against the same question's
  cosines to unrelated background text (see :mod:`index.retrieval.background`), which
  makes it comparable across question languages and styles;
- the best sentence's coverage of the question's terms (lexical evidence; an
  English question has none and is judged on the first).

A feature built on the share of the question's words the article knows refused
nearly every English question and was dropped; the best cosine's margin over the
article's median sentence added nothing once the first signal was there. The
model is fitted on question sets: questions asked of their own article are
answerable, the same questions asked of other articles of the same set are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.retrieval.ranking import Signals

Features = tuple[float, float]


@dataclass(frozen=True, slots=True)
class AbstentionModel:
    """Logistic weights over :func:`abstention_features`; ``threshold`` on the probability."""

    bias: float
    best_vs_background: float
    best_coverage: float
    threshold: float = 0.5

    def confidence(self, features: Features) -> float:
        relative, coverage = features
        z = self.bias + self.best_vs_background * relative + self.best_coverage * coverage
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, features: Features) -> bool:
        return self.confidence(features) >= self.threshold


def abstention_features(signals: Signals, background: np.ndarray) -> Features:
    """The best cosine in background standard deviations, and the best term coverage.

    ``background``: the question's mean and standard deviation of cosines to the
    background sentences (one row of :meth:`index.retrieval.background.Background.stats`).
    """
    if signals.size == 0:
        return 0.0, 0.0
    best = float(signals.dense.max())
    mean, std = float(background[0]), max(float(background[1]), 1e-6)
    return (best - mean) / std, float(signals.coverage.max())


# Fitted by ``python -m bench.calibrate`` on the three fitting files named in the README;
# the threshold answers 98% of their own-context questions (and declines 98.9% of the
# same questions asked of another article).
DEFAULT_ABSTENTION = AbstentionModel(
    bias=-8.973,
    best_vs_background=2.185,
    best_coverage=6.789,
    threshold=0.333,
)
