"""Fit the fusion weights and the abstention model on a training file of context sets.

Usage: ``python -m bench.calibrate TRAIN.jsonl`` (the README names the file used).

Fusion weights are chosen by grid search on top-1 (then MRR). The abstention
model is a logistic regression: each question asked of its own context is a
positive, the same question asked of two other contexts a negative. The
printed constants are pasted into ``index/ranking.py`` and
``index/abstention.py``; nothing here runs in the product.
"""

from __future__ import annotations

import argparse
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bot.settings import load_settings
from index.abstention import abstention_features
from index.clauses import embed_sentences
from index.corpus import Corpus
from index.embedding import load_embedder
from index.evaluation import ContextSet, read_eval_file
from index.ranking import FusionWeights, Method, Signals, compute_signals, fuse
from index.sentences import Sentence

NEGATIVE_OFFSETS = (7, 31)
# The operating point: the share of off-topic questions that must be refused. Wrongly
# refusing a fair question costs a reader more than an occasional loosely related answer.
TARGET_NEGATIVES_ABSTAINED = 0.95


@dataclass(slots=True)
class Prepared:
    corpus: Corpus
    questions: list[tuple[str, np.ndarray, frozenset[int], Signals]]


def prepare(contexts: list[ContextSet]) -> list[Prepared]:
    embedder = load_embedder(load_settings().model_spec)
    sentence_vectors = embed_sentences(embedder, [s for c in contexts for s in c.sentences])
    question_vectors = embedder.embed_queries([q for c in contexts for q, _ in c.questions])
    prepared: list[Prepared] = []
    s_off = q_off = 0
    for context in contexts:
        n = len(context.sentences)
        sentences = [
            Sentence(context.context_id, i, t, 0, 0) for i, t in enumerate(context.sentences)
        ]
        corpus = Corpus(sentences, sentence_vectors.subset(s_off, s_off + n))
        questions = []
        for question, gold in context.questions:
            vector = question_vectors[q_off]
            questions.append((question, vector, gold, compute_signals(corpus, question, vector)))
            q_off += 1
        prepared.append(Prepared(corpus, questions))
        s_off += n
    return prepared


def top1_mrr(prepared: list[Prepared], weights: FusionWeights) -> tuple[float, float]:
    hits = 0
    rr = 0.0
    total = 0
    for item in prepared:
        for _, _, gold, signals in item.questions:
            order = np.argsort(-fuse(signals, Method.HYBRID, weights), kind="stable")
            rank = next(r for r, i in enumerate(order) if int(i) in gold)
            hits += rank == 0
            rr += 1 / (rank + 1)
            total += 1
    return hits / total, rr / total


def search_weights(prepared: list[Prepared]) -> FusionWeights:
    grid = itertools.product(
        (0.4, 0.5, 0.6, 0.7), (0.0, 0.3, 0.6), (0.0, 0.2, 0.4), (0.0, 0.1, 0.2)
    )
    best: tuple[tuple[float, float], FusionWeights] | None = None
    for dense, coverage, answer_type, neighbour in grid:
        weights = FusionWeights(dense, 1 - dense, coverage, answer_type, neighbour)
        score = top1_mrr(prepared, weights)
        if best is None or score > best[0]:
            best = (score, weights)
    assert best is not None
    print(f"fusion: top-1 {best[0][0]:.4f}  MRR {best[0][1]:.4f}  {best[1]}")
    return best[1]


def fit_abstention(prepared: list[Prepared]) -> None:
    features: list[tuple[float, float, float, float]] = []
    labels: list[int] = []
    for index, item in enumerate(prepared):
        for question, vector, _, signals in item.questions:
            features.append(abstention_features(signals, item.corpus.known_share(question)))
            labels.append(1)
            for offset in NEGATIVE_OFFSETS:
                other = prepared[(index + offset) % len(prepared)].corpus
                other_signals = compute_signals(other, question, vector)
                features.append(abstention_features(other_signals, other.known_share(question)))
                labels.append(0)
    x = np.asarray(features)
    y = np.asarray(labels)
    model = LogisticRegression(C=10.0, max_iter=5000).fit(x, y)
    proba = model.predict_proba(x)[:, 1]
    negatives = np.sort(proba[y == 0])
    threshold = float(negatives[int(TARGET_NEGATIVES_ABSTAINED * len(negatives))])
    answered = float((proba[y == 1] >= threshold).mean())
    abstained = float((proba[y == 0] < threshold).mean())
    b = model.intercept_[0]
    w = model.coef_[0]
    print(
        f"abstention: bias={b:.3f}, best_dense={w[0]:.3f}, dense_margin={w[1]:.3f}, "
        f"best_coverage={w[2]:.3f}, known_share={w[3]:.3f}, threshold={threshold:.3f}"
    )
    print(f"  answerable answered {answered:.3f}; off-topic abstained {abstained:.3f}")
    for target in (0.9, 0.95, 0.97, 0.99):
        cut = float(negatives[int(target * len(negatives))])
        print(f"  threshold {cut:.3f}: answered {(proba[y == 1] >= cut).mean():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("train", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    data = read_eval_file(args.train)
    contexts = [c for c in data if isinstance(c, ContextSet)]
    prepared = prepare(contexts)
    search_weights(prepared)
    fit_abstention(prepared)


if __name__ == "__main__":
    main()
