"""Deciding whether the article answers the question at all.

E5 cosines of unrelated text are high (about 0.72-0.82) and overlap with those
of related text, so no single cosine threshold separates them. A small
logistic model combines three signals:

- the best cosine in the article, standardised against the same question's
  cosines to unrelated background text (see :mod:`index.retrieval.background`), which
  makes it comparable across question languages and styles;
- the best sentence's coverage of the question's terms (lexical evidence);
- the share of the question's letters that are Latin script: an English question
  shares no terms with an Arabic article, so its missing coverage is no evidence
  that the article is off-topic. Fitted without English questions, the model read
  that missing coverage as off-topic and refused about a third of them.

A feature built on the share of the question's words the article knows refused
nearly every English question and was dropped; the best cosine's margin over the
article's median sentence added nothing once the first signal was there. The
model is fitted on question sets, in Arabic and in English translation: questions
asked of their own article are answerable, the same questions asked of other articles
of the same set are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.retrieval.ranking import Signals
from index.text.transliteration import latin_letter_share

Features = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class AbstentionModel:
    """Logistic weights over :func:`abstention_features`; ``threshold`` on the probability."""

    bias: float
    best_vs_background: float
    best_coverage: float
    threshold: float = 0.5
    # 0 for a calibration fitted before the feature existed: it then reads as before.
    latin_share: float = 0.0

    def confidence(self, features: Features) -> float:
        relative, coverage, latin = features
        z = (
            self.bias
            + self.best_vs_background * relative
            + self.best_coverage * coverage
            + self.latin_share * latin
        )
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, features: Features) -> bool:
        return self.confidence(features) >= self.threshold


def abstention_features(signals: Signals, background: np.ndarray, question: str) -> Features:
    """The best cosine in background standard deviations, the best term coverage, and
    the question's share of Latin letters.

    ``background``: the question's mean and standard deviation of cosines to the
    background sentences (one row of :meth:`index.retrieval.background.Background.stats`).
    """
    latin = latin_letter_share(question)
    if signals.size == 0:
        return 0.0, 0.0, latin
    best = float(signals.dense.max())
    mean, std = float(background[0]), max(float(background[1]), 1e-6)
    return (best - mean) / std, float(signals.coverage.max()), latin


# Fitted by ``make calibrate`` on the three fitting files named in the README and their
# questions in English; the threshold answers 98% of their Arabic own-context questions.
# Left out of the fit, it answers 0.97-0.99 of a set's Arabic questions and 0.91-0.97 of
# its English ones, and declines 0.93-1.00 of both asked of another article.
DEFAULT_ABSTENTION = AbstentionModel(
    bias=-10.257,
    best_vs_background=2.524,
    best_coverage=7.949,
    threshold=0.344,
    latin_share=3.388,
)
