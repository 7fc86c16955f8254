"""Retrieval quality on evaluation files, ranking with the shipped code paths.

Context sets are ranked within their own article; article questions are asked of the
built index (an empty ``gold_contains`` means the right answer is to abstain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.embedder import Embedder
from index.errors import EvalFileError
from index.evaluation.context_sets import (
    MISS,
    ContextSet,
    EmbeddedContexts,
    context_corpora,
    embed_contexts,
    gold_rank,
    other_context,
    rank_metrics,
)
from index.evaluation.datasets import ArticleQuestion
from index.retrieval.abstention import AbstentionModel, abstention_features
from index.retrieval.background import load_background
from index.retrieval.calibration import DEFAULT_CALIBRATION, Calibration
from index.retrieval.corpus import Corpus
from index.retrieval.ranking import FusionWeights, Method, compute_signals, fuse
from index.retrieval.reranker import Reranker
from index.retrieval.supporting import supporting_sentences
from index.service import AnsweringService, AnswerPolicy


@dataclass(frozen=True, slots=True)
class EvalResult:
    questions: int
    top1: float
    top3: float
    mrr: float
    answered: int
    abstained: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Scorer = Callable[[Corpus, str, np.ndarray], np.ndarray]


def _embedded(
    contexts: Sequence[ContextSet] | EmbeddedContexts, embedder: Embedder
) -> EmbeddedContexts:
    """The contexts' vectors: given, or computed now."""
    if isinstance(contexts, EmbeddedContexts):
        return contexts
    return embed_contexts(contexts, embedder)


def method_scorer(
    method: Method,
    calibration: Calibration | FusionWeights = DEFAULT_CALIBRATION,
    reranker: Reranker | None = None,
) -> Scorer:
    """Scores as the shipped ranking computes them for ``method``.

    Only the shipped method uses the calibration (its weights and query adapter) and the
    re-ranker, if given; the others are the plain references. Bare weights mean a
    calibration without adapter.
    """
    if isinstance(calibration, FusionWeights):
        calibration = Calibration(calibration, DEFAULT_CALIBRATION.abstention)

    def score(corpus: Corpus, question: str, vector: np.ndarray) -> np.ndarray:
        if method is Method.HYBRID:
            vector = calibration.query_vectors(vector)
        scores = fuse(compute_signals(corpus, question, vector), method, calibration.weights)
        if method is Method.HYBRID and reranker is not None:
            scores = reranker.rerank(question, corpus.sentences, scores)
        return scores

    return score


def evaluate_contexts(
    contexts: Sequence[ContextSet] | EmbeddedContexts, embedder: Embedder, scorer: Scorer
) -> EvalResult:
    """Rank each question within its own context; top-1, top-3 and MRR over all questions."""
    embedded = _embedded(contexts, embedder)
    ranks = [
        gold_rank(scorer(corpus, q.question, q.vector), q.gold)
        for corpus, questions in context_corpora(embedded)
        for q in questions
    ]
    return _result(ranks, answered=len(ranks), abstained=0)


@dataclass(frozen=True, slots=True)
class ShownResult:
    """How often the answering sentence is among those an answer shows, and how many it shows."""

    questions: int
    shown: float
    sentences: float


def evaluate_shown(
    contexts: Sequence[ContextSet] | EmbeddedContexts,
    embedder: Embedder,
    calibration: Calibration = DEFAULT_CALIBRATION,
    policy: AnswerPolicy | None = None,
) -> ShownResult:
    """Rank each question within its context as the service does and pick what it shows.

    The policy's re-ranker, if any, re-scores every question (the service would skip the
    ones it declines, which this does not decide).
    """
    policy = policy or AnswerPolicy()
    embedded = _embedded(contexts, embedder)
    score = method_scorer(Method.HYBRID, calibration, policy.reranker)
    hits = count = total = 0
    for corpus, questions in context_corpora(embedded):
        for q in questions:
            scores = score(corpus, q.question, q.vector)
            order = np.argsort(-scores, kind="stable")
            shown = supporting_sentences(
                corpus.sentences, order, scores, policy.max_supporting, policy.supporting_gap
            )
            hits += any(i in q.gold for i in shown)
            count += len(shown)
            total += 1
    if not total:
        return ShownResult(0, 0.0, 0.0)
    return ShownResult(total, round(hits / total, 4), round(count / total, 3))


@dataclass(frozen=True, slots=True)
class AbstentionResult:
    """Own-context questions answered, and the same questions declined on another article."""

    questions: int
    answered_own: float
    declined_other: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_abstention_pairs(
    contexts: Sequence[ContextSet] | EmbeddedContexts,
    embedder: Embedder,
    calibration: Calibration = DEFAULT_CALIBRATION,
    cache_dir: Path | None = None,
) -> AbstentionResult:
    """Ask each question of its own context and of another article of the same file.

    The other article is off-topic by construction, so declining there is right and
    answering is not; at the own context it is the other way round.
    """
    embedded = _embedded(contexts, embedder)
    items = list(context_corpora(embedded))
    if len(items) < 2:
        raise EvalFileError("the abstention check needs at least two contexts")
    model: AbstentionModel = calibration.abstention
    background = load_background(embedder, cache_dir)
    answered = declined = total = 0
    for index, (corpus, questions) in enumerate(items):
        other = items[other_context(index, len(items))][0]
        for q in questions:
            vector = calibration.query_vectors(q.vector)
            stats = background.stats(vector)[0]
            for asked, own in ((corpus, True), (other, False)):
                signals = compute_signals(asked, q.question, vector)
                said_yes = model.answers(abstention_features(signals, stats, q.question))
                answered += own and said_yes
                declined += not own and not said_yes
            total += 1
    return AbstentionResult(total, round(answered / total, 4), round(declined / total, 4))


def evaluate_article_questions(
    questions: list[ArticleQuestion], service: AnsweringService
) -> EvalResult:
    """Ask the built index; an abstention is right exactly when the gold list is empty."""
    answers = service.ask_many([q.question for q in questions], k=len(service.corpus))
    ranks: list[int] = []
    answered = 0
    for q, answer in zip(questions, answers, strict=True):
        answered += answer.answered
        if not q.gold_contains:
            ranks.append(0 if not answer.answered else MISS)
            continue
        if not answer.answered:
            ranks.append(MISS)
            continue
        hits = [r for r, p in enumerate(answer.ranked) if any(g in p.text for g in q.gold_contains)]
        ranks.append(hits[0] if hits else MISS)
    return _result(ranks, answered=answered, abstained=len(questions) - answered)


def _result(ranks: list[int], *, answered: int, abstained: int) -> EvalResult:
    m = rank_metrics(ranks)
    return EvalResult(m.questions, m.top1, m.top3, m.mrr, answered, abstained)
