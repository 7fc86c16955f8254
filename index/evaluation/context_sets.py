"""Context sets (an article's sentences with questions about it) and the metrics over them.

Evaluation, calibration and fine-tuning all embed every context's sentences and
questions in one model call and then walk the contexts with running offsets;
that walk and the rank metrics are written once, here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedding.embedder import Embedder
from index.retrieval.clauses import SentenceVectors, embed_sentences
from index.retrieval.corpus import Corpus
from index.text.normalize import query_text
from index.text.sentences import Sentence


@dataclass(frozen=True, slots=True)
class ContextSet:
    context_id: str
    sentences: list[str]
    questions: list[tuple[str, frozenset[int]]]


@dataclass(frozen=True, slots=True)
class ContextSpan:
    """Where one context's sentences and questions sit in the flattened lists."""

    index: int
    context: ContextSet
    sentences: slice
    questions: slice


def context_spans(contexts: Sequence[ContextSet]) -> Iterator[ContextSpan]:
    """Each context with the slices of its sentences and questions in the flattened lists."""
    s_off = q_off = 0
    for index, context in enumerate(contexts):
        n, m = len(context.sentences), len(context.questions)
        yield ContextSpan(index, context, slice(s_off, s_off + n), slice(q_off, q_off + m))
        s_off += n
        q_off += m


def all_sentences(contexts: Sequence[ContextSet]) -> list[str]:
    return [s for c in contexts for s in c.sentences]


def all_questions(contexts: Sequence[ContextSet]) -> list[str]:
    return [q for c in contexts for q, _ in c.questions]


@dataclass(frozen=True, slots=True)
class EmbeddedContexts:
    """Context sets with their vectors, so several methods can be compared on one embedding."""

    contexts: list[ContextSet]
    sentences: SentenceVectors
    questions: np.ndarray


def embed_contexts(
    contexts: Sequence[ContextSet], embedder: Embedder, cache_dir: Path | None = None
) -> EmbeddedContexts:
    """Embed every sentence (with its clauses) and question; reuse cached vectors if given a folder.

    Questions are embedded as the answering service embeds them (:func:`query_text`). The
    cache keys cover the texts and the model's name and weights, so a changed file or
    model never reads stale vectors.
    """
    contexts = list(contexts)
    sentences = all_sentences(contexts)
    questions = [query_text(q) for q in all_questions(contexts)]
    return EmbeddedContexts(
        contexts,
        _cached_sentences(embedder, sentences, cache_dir),
        _cached_queries(embedder, questions, cache_dir),
    )


def _cache_file(cache_dir: Path, kind: str, embedder: Embedder, texts: list[str]) -> Path:
    key = hashlib.sha256(json.dumps([embedder.name, embedder.weights, texts]).encode())
    return cache_dir / f"{kind}-{key.hexdigest()[:24]}.npz"


def _cached_sentences(
    embedder: Embedder, texts: list[str], cache_dir: Path | None
) -> SentenceVectors:
    cache = _cache_file(cache_dir, "sentences", embedder, texts) if cache_dir else None
    if cache is not None and cache.is_file():
        data = np.load(cache)
        return SentenceVectors(data["sentences"], data["clauses"], data["clause_owner"])
    vectors = embed_sentences(embedder, texts)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            cache,
            sentences=vectors.sentences,
            clauses=vectors.clauses,
            clause_owner=vectors.clause_owner,
        )
    return vectors


def _cached_queries(embedder: Embedder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    cache = _cache_file(cache_dir, "queries", embedder, texts) if cache_dir else None
    if cache is not None and cache.is_file():
        vectors: np.ndarray = np.load(cache)["queries"]
        return vectors
    vectors = embedder.embed_queries(texts)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, queries=vectors)
    return vectors


@dataclass(frozen=True, slots=True)
class ContextQuestion:
    question: str
    gold: frozenset[int]
    vector: np.ndarray


def context_corpora(embedded: EmbeddedContexts) -> Iterator[tuple[Corpus, list[ContextQuestion]]]:
    """Each context as a searchable corpus, with its questions and their vectors."""
    for span in context_spans(embedded.contexts):
        context = span.context
        sentences = [
            Sentence(context.context_id, i, t, 0, 0) for i, t in enumerate(context.sentences)
        ]
        vectors = embedded.sentences.subset(span.sentences.start, span.sentences.stop)
        rows = embedded.questions[span.questions]
        yield (
            Corpus(sentences, vectors),
            [ContextQuestion(q, gold, rows[j]) for j, (q, gold) in enumerate(context.questions)],
        )


def other_context(index: int, count: int, share: float = 0.5) -> int:
    """The context ``share`` of the file away from ``index``: another article, off-topic."""
    return (index + max(int(count * share), 1)) % count


# ------------------------------------------------------------------------ rank metrics

# The rank recorded for a question whose gold sentence was not shown at all.
MISS = 10**9


def gold_rank(scores: np.ndarray, gold: frozenset[int]) -> int:
    """0-based rank of the best-placed gold sentence (ties keep corpus order)."""
    order = np.argsort(-scores, kind="stable")
    return next(r for r, i in enumerate(order) if int(i) in gold)


@dataclass(frozen=True, slots=True)
class RankMetrics:
    questions: int
    top1: float
    top3: float
    mrr: float

    @property
    def cell(self) -> str:
        return f"{self.top1:.3f} / {self.top3:.3f} / {self.mrr:.3f}"


def rank_metrics(ranks: Sequence[int]) -> RankMetrics:
    """Top-1, top-3 and mean reciprocal rank over 0-based ranks (``MISS`` counts as wrong)."""
    n = len(ranks)
    if n == 0:
        return RankMetrics(0, 0.0, 0.0, 0.0)
    return RankMetrics(
        questions=n,
        top1=round(sum(r == 0 for r in ranks) / n, 4),
        top3=round(sum(r < 3 for r in ranks) / n, 4),
        mrr=round(sum(1 / (r + 1) for r in ranks) / n, 4),
    )
