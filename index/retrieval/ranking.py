"""Hybrid ranking: dense and lexical evidence fused into one score per sentence.

Raw cosines and BM25 scores live on different scales that move with the
article and the question: the shipped fusion measures the cosine as its gap to
the best sentence in fixed steps and standardises BM25 within the candidate set
(z-score), scaled by how much of the question the best sentence covers; the
shares of the question's stems and of its character trigrams each sentence holds
are added as they are. The weights were fitted on three Arabic question sets,
each scored also with the weights fitted on the other two (see the README's
leave-one-set-out table).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from index.retrieval.corpus import Corpus
from index.text.answer_type import question_answer_type


class Method(Enum):
    DENSE = "dense"
    BM25 = "bm25"
    FUSION = "fusion"  # the plain 0.7/0.3 z-score fusion, kept as a reference
    HYBRID = "hybrid"  # the shipped method


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """Weights of the standardised signals; tuned on training data only."""

    dense: float = 0.7
    bm25: float = 0.3
    coverage: float = 0.0
    answer_type: float = 0.0
    neighbour: float = 0.0
    # Share of the dense signal taken from the best clause instead of the whole sentence.
    clause_share: float = 0.0
    # Share of the question's character trigrams (IDF-weighted) the sentence holds.
    char_coverage: float = 0.0


PLAIN_FUSION = FusionWeights()
# Chosen by ``python -m bench.calibrate`` (grid search on the mean top-1 over the fitting
# files, then MRR). The previous-sentence score is left out: it did not help the files
# it was not fitted on; the character-trigram coverage did (see the README's directions table).
HYBRID_WEIGHTS = FusionWeights(
    dense=0.8,
    bm25=0.2,
    coverage=1.2,
    answer_type=12.8,
    neighbour=0.0,
    clause_share=0.35,
    char_coverage=6.4,
)


@dataclass(frozen=True, slots=True)
class Signals:
    """Per-sentence evidence for one question, in corpus order."""

    dense: np.ndarray
    clause: np.ndarray
    bm25: np.ndarray
    coverage: np.ndarray
    type_match: np.ndarray
    neighbour: np.ndarray
    char_coverage: np.ndarray

    @property
    def size(self) -> int:
        return len(self.dense)


def compute_signals(corpus: Corpus, question: str, query_vector: np.ndarray) -> Signals:
    """Everything the fusion and the abstention decision look at."""
    return combine_signals(lexical_signals(corpus, question), dense_signals(corpus, query_vector))


@dataclass(frozen=True, slots=True)
class LexicalSignals:
    """The part of :class:`Signals` that depends on the question's words only."""

    bm25: np.ndarray
    coverage: np.ndarray
    type_match: np.ndarray
    char_coverage: np.ndarray


@dataclass(frozen=True, slots=True)
class DenseSignals:
    """The part of :class:`Signals` that depends on the question's vector only."""

    dense: np.ndarray
    clause: np.ndarray
    neighbour: np.ndarray


def lexical_signals(corpus: Corpus, question: str) -> LexicalSignals:
    return LexicalSignals(
        corpus.lexical_scores(question),
        corpus.lexical_coverage(question),
        corpus.type_match(question_answer_type(question)),
        corpus.char_coverage(question),
    )


def dense_signals(corpus: Corpus, query_vector: np.ndarray) -> DenseSignals:
    dense = corpus.dense_scores(query_vector)
    return DenseSignals(
        dense, corpus.clause_scores(query_vector, dense), _previous_sentence_scores(corpus, dense)
    )


def combine_signals(lexical: LexicalSignals, dense: DenseSignals) -> Signals:
    return Signals(
        dense=dense.dense,
        clause=dense.clause,
        bm25=lexical.bm25,
        coverage=lexical.coverage,
        type_match=lexical.type_match,
        neighbour=dense.neighbour,
        char_coverage=lexical.char_coverage,
    )


def _previous_sentence_scores(corpus: Corpus, dense: np.ndarray) -> np.ndarray:
    """The dense score of the sentence before, within the same article.

    "وأضاف ..." does not say who added it; the sentence before does.
    """
    prev = np.zeros_like(dense)
    for i in range(1, len(dense)):
        same_article = corpus.sentences[i - 1].article_id == corpus.sentences[i].article_id
        prev[i] = dense[i - 1] if same_article else dense[i]
    if len(dense):
        prev[0] = dense[0]
    return prev


def zscore(values: np.ndarray) -> np.ndarray:
    """Standardise within the candidate set; a constant signal contributes nothing."""
    if values.size == 0:
        return values.astype(np.float32)
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    standardised: np.ndarray = ((values - values.mean()) / std).astype(np.float32)
    return standardised


# Cosine gaps are measured in units of this size (about the spread of an article's
# cosines to a question), so that the dense term keeps its meaning in a two-sentence
# context, where a z-score is always +1 or -1 however close the two sentences are.
DENSE_UNIT = 0.03


def dense_term(signals: Signals, clause_share: float) -> np.ndarray:
    """The (clause-blended) cosine's gap to the best sentence, in :data:`DENSE_UNIT` steps."""
    dense = (1 - clause_share) * signals.dense + clause_share * signals.clause
    if dense.size == 0:
        return dense.astype(np.float32)
    gap: np.ndarray = ((dense - dense.max()) / DENSE_UNIT).astype(np.float32)
    return gap


def lexical_term(signals: Signals) -> np.ndarray:
    """Standardised BM25, scaled by how much of the question the best sentence covers.

    A question phrased without the article's words still gets BM25 scores from a word
    or two; standardising would blow that noise up to the same size as a real match.
    """
    best_coverage = float(signals.coverage.max()) if signals.size else 0.0
    scaled: np.ndarray = zscore(signals.bm25) * best_coverage
    return scaled


def fuse(signals: Signals, method: Method, weights: FusionWeights = HYBRID_WEIGHTS) -> np.ndarray:
    """One score per sentence; higher is better."""
    if method is Method.DENSE:
        return signals.dense.astype(np.float32)
    if method is Method.BM25:
        return signals.bm25.astype(np.float32)
    if method is Method.FUSION:
        return (
            PLAIN_FUSION.dense * zscore(signals.dense) + PLAIN_FUSION.bm25 * zscore(signals.bm25)
        ).astype(np.float32)
    return (
        weights.dense * dense_term(signals, weights.clause_share)
        + weights.bm25 * lexical_term(signals)
        + weights.coverage * signals.coverage
        + weights.answer_type * signals.type_match
        + weights.neighbour * zscore(signals.neighbour)
        + weights.char_coverage * signals.char_coverage
    ).astype(np.float32)
