"""A cross-encoder re-ranker, trained on the CPU and measured; not part of the product.

Usage: ``python -m bench.reranker_trial --train A.jsonl --train B.jsonl --score C.jsonl
[--score HELDOUT.jsonl]``: trains on the fitting files given with ``--train`` and scores
the others, so that run once per fitting file left out it gives the leave-one-set-out
figures of the README's directions table.

Why a cross-encoder: 72-89% of the shipped ranking's misses on the fitting sets (63% on the
held-out set) have the answering sentence among its first three, and 46-63% of the misses
rank a sentence next to it first; the bi-encoder sees the question and the sentence apart, a
cross-encoder reads them together. It starts from the bundled e5 weights (the
word-embedding table frozen, as ``make finetune`` does), reads ``query: Q`` and
``passage: S`` as one pair, mean-pools and scores with one linear unit, and learns with a
softmax over each question's gold sentence and the three sentences of its own context the
shipped ranking puts highest. At answer time it would re-score only the shipped
ranking's first three sentences: shipped score + lambda x cross-encoder score.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.logs import configure_logging
from bot.settings import load_settings
from index.embedding.convert import (
    WEIGHTS_FILE,
    default_model_dir,
    ensure_converted_model,
    release_weights,
)
from index.embedding.embedder import Embedder, load_embedder
from index.evaluation.context_sets import embed_contexts
from index.evaluation.datasets import read_context_sets
from index.evaluation.fitting import FitSet, prepare_set
from index.retrieval.ranking import HYBRID_WEIGHTS, Method, combine_signals, dense_signals, fuse

TRAIN_CANDIDATES = 4  # the gold sentence and the three best others of its context
RERANKED = 3  # the shipped ranking's first sentences the cross-encoder re-scores
QUESTIONS_PER_STEP = 4
MAX_PIECES = 128
ENCODER_RATE, HEAD_RATE = 3e-5, 1e-3
LAMBDAS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
# Shipped-score gaps (fused units) below which the re-ranker is applied, in a second table.
GATE_MARGINS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One question with its context's sentences in the shipped ranking's order."""

    question: str
    sentences: list[str]
    order: list[int]
    gold: list[int]
    shipped: np.ndarray


def ranked_questions(fit_set: FitSet) -> list[Ranked]:
    out = []
    for corpus, questions in fit_set.contexts:
        texts = [s.text for s in corpus.sentences]
        for q in questions:
            signals = combine_signals(q.lexical, dense_signals(corpus, q.vector))
            scores = fuse(signals, Method.HYBRID, HYBRID_WEIGHTS)
            order = [int(i) for i in np.argsort(-scores, kind="stable")]
            out.append(Ranked(q.question, texts, order, sorted(q.gold), scores))
    return out


class CrossEncoder:
    """e5's encoder over a (question, sentence) pair, mean-pooled, then one linear unit."""

    def __init__(self, model_dir: Path) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.encoder = AutoModel.from_pretrained(str(model_dir))
        self.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def scores(self, questions: Sequence[str], sentences: Sequence[str]) -> Any:
        batch = self.tokenizer(
            ["query: " + q for q in questions],
            ["passage: " + s for s in sentences],
            truncation="only_second",
            max_length=MAX_PIECES,
            padding=True,
            return_tensors="pt",
        )
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        return self.head(pooled).squeeze(-1)

    def train(self, questions: Sequence[Ranked], epochs: float) -> None:
        torch = self.torch
        trainable = [p for p in self.encoder.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(
            [
                {"params": trainable, "lr": ENCODER_RATE},
                {"params": self.head.parameters(), "lr": HEAD_RATE},
            ],
            weight_decay=0.01,
        )
        steps = int(len(questions) * epochs / QUESTIONS_PER_STEP)
        warmup = 0.1 * steps
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / steps)
        )
        order: list[int] = []
        while len(order) < steps * QUESTIONS_PER_STEP:
            shuffled = list(range(len(questions)))
            random.shuffle(shuffled)
            order += shuffled
        self.encoder.train()
        started = time.monotonic()
        for step in range(steps):
            picked = order[step * QUESTIONS_PER_STEP : (step + 1) * QUESTIONS_PER_STEP]
            pair_questions: list[str] = []
            pair_sentences: list[str] = []
            sizes: list[int] = []
            for item in (questions[i] for i in picked):
                others = [i for i in item.order if i not in item.gold][: TRAIN_CANDIDATES - 1]
                group = [random.choice(item.gold), *others]
                sizes.append(len(group))
                pair_questions += [item.question] * len(group)
                pair_sentences += [item.sentences[i] for i in group]
            logits = self.scores(pair_questions, pair_sentences)
            loss: Any = 0.0
            offset = 0
            for size in sizes:  # the gold sentence is each group's first
                group_logits = logits[offset : offset + size].unsqueeze(0)
                loss = loss + torch.nn.functional.cross_entropy(
                    group_logits, torch.zeros(1, dtype=torch.long)
                )
                offset += size
            loss = loss / len(sizes)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            if step % 25 == 0:
                elapsed = time.monotonic() - started
                print(f"  step {step}/{steps} loss {loss.item():.3f} ({elapsed:.0f} s)", flush=True)
        self.encoder.eval()
        print(f"  trained in {time.monotonic() - started:.0f} s", flush=True)

    def rerank_scores(self, item: Ranked) -> np.ndarray:
        top = item.order[:RERANKED]
        with self.torch.no_grad():
            values: np.ndarray = (
                self.scores([item.question] * len(top), [item.sentences[i] for i in top])
                .numpy()
                .astype(np.float64)
            )
        return values


def reranked_gold_rank(
    item: Ranked, reranked: np.ndarray | None, weight: float, margin: float = float("inf")
) -> int:
    """0-based rank of the first gold sentence after re-ranking the first sentences.

    ``margin``: re-rank only when the shipped ranking's first two are closer than this.
    """
    order = list(item.order)
    top = order[:RERANKED]
    shipped = np.asarray([item.shipped[i] for i in top], dtype=np.float64)
    close = len(top) < 2 or shipped[0] - shipped[1] < margin
    if reranked is not None and close:
        combined = reranked if weight == float("inf") else shipped + weight * reranked
        order[:RERANKED] = [top[i] for i in np.argsort(-combined, kind="stable")]
    return min(order.index(g) for g in item.gold)


def _ranks(
    items: Sequence[Ranked], reranked: Sequence[np.ndarray], weight: float, margin: float
) -> np.ndarray:
    return np.asarray(
        [
            reranked_gold_rank(item, r if weight else None, weight, margin)
            for item, r in zip(items, reranked, strict=True)
        ]
    )


def report(name: str, items: Sequence[Ranked], reranked: Sequence[np.ndarray]) -> None:
    for weight in (*LAMBDAS, float("inf")):
        ranks = _ranks(items, reranked, weight, float("inf"))
        label = "alone" if weight == float("inf") else f"{weight:g}"
        print(
            f"  {name} lambda {label}: top-1 {float((ranks == 0).mean()):.3f} "
            f"top-3 {float((ranks < 3).mean()):.3f} MRR {float((1 / (ranks + 1)).mean()):.3f}",
            flush=True,
        )
    for margin in GATE_MARGINS:
        top1 = [
            float((_ranks(items, reranked, weight, margin) == 0).mean()) for weight in LAMBDAS[1:]
        ]
        cells = " / ".join(f"{v:.3f}" for v in top1)
        print(f"  {name} λ 0.5-4 only where the first two are under {margin:g} apart: {cells}")


def load_set(path: Path, embedder: Embedder, cache: Path) -> FitSet:
    contexts = read_context_sets(path)
    return prepare_set(path.stem, embed_contexts(contexts, embedder, cache))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, action="append", required=True)
    parser.add_argument("--score", type=Path, action="append", required=True)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--cache", type=Path, default=Path("data") / "cache")
    args = parser.parse_args()
    configure_logging("WARNING")
    import torch

    settings = load_settings()
    if settings.torch_threads > 0:
        torch.set_num_threads(settings.torch_threads)
    embedder = load_embedder(settings.model_spec)
    models_dir = settings.models_dir
    # The float32 weights are rebuilt for training and removed again only if they were absent.
    had_weights = (default_model_dir(models_dir) / WEIGHTS_FILE).is_file()
    model_dir = ensure_converted_model(models_dir, weights=True)
    try:
        torch.manual_seed(0)  # dropout masks and the order of the questions
        random.seed(0)
        model = CrossEncoder(model_dir)
        training = [
            item
            for path in args.train
            for item in ranked_questions(load_set(path, embedder, args.cache))
            if len(item.sentences) >= 2
        ]
        print(f"training on {len(training)} questions", flush=True)
        model.train(training, args.epochs)
        for path in args.score:
            items = ranked_questions(load_set(path, embedder, args.cache))
            started = time.monotonic()
            reranked = [model.rerank_scores(item) for item in items]
            print(f"{path.stem}: scored in {time.monotonic() - started:.0f} s", flush=True)
            report(path.stem, items, reranked)
    finally:
        if not had_weights:
            release_weights(models_dir)


if __name__ == "__main__":
    main()
