"""The optional re-ranker, trained and scored: leave-one-set-out, and on the held-out set.

Usage: ``python -m bench.reranker --fit A.jsonl --fit B.jsonl --fit C.jsonl
[--heldout X.jsonl] [--models DIR] [--skip-left-out]``.

It trains on all the fitting files, as ``make reranker`` does, and scores the held-out
file; then, for each fitting file, it trains on the others and scores the one left out
(and the held-out file). Each is scored re-scoring the shipped ranking's first 3, 4 or 5
sentences at several weights of the re-ranker's score. The weight and count the product
uses are the ones with the best mean left-out top-1 (the README's table); the held-out
file never chooses anything. Each model is kept under ``--models`` (about 0.7 GiB each).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.logs import configure_logging
from bot.settings import load_settings
from index.embedding.embedder import load_embedder, local_model_dir
from index.evaluation.context_sets import rank_metrics
from index.evaluation.datasets import read_context_sets
from index.retrieval.calibration import calibration_for
from index.retrieval.reranker import Reranker, load_reranker, reranked_scores
from index.training.reranker import RankedQuestion, file_questions, train_reranker

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
# How many of the shipped ranking's first sentences are re-scored (the recipe's is one of them).
CANDIDATES = (3, 4, 5)


@dataclass(frozen=True, slots=True)
class Scored:
    """One question's shipped ranking and the re-ranker's scores of its first sentences."""

    item: RankedQuestion
    cross: np.ndarray


def score_questions(reranker: Reranker, items: Sequence[RankedQuestion]) -> list[Scored]:
    out = []
    for item in items:
        top = item.order[: max(CANDIDATES)]
        out.append(Scored(item, reranker.scores(item.question, [item.sentences[i] for i in top])))
    return out


def gold_rank(scored: Scored, weight: float, candidates: int) -> int:
    """0-based rank of the first gold sentence once the first sentences are re-scored."""
    item = scored.item
    top = np.asarray(item.order[:candidates])
    final = reranked_scores(np.asarray(item.scores), top, scored.cross[: len(top)], weight)
    order = list(np.argsort(-final, kind="stable"))
    return min(order.index(g) for g in item.gold)


def report(name: str, scored: Sequence[Scored], trivial: int) -> None:
    """``trivial``: questions whose context holds only answering sentences (always right)."""
    for candidates in CANDIDATES:
        for weight in WEIGHTS:
            ranks = [gold_rank(s, weight, candidates) for s in scored] + [0] * trivial
            metrics = rank_metrics(ranks)
            print(
                f"  {name} first {candidates}, weight {weight:g}: top-1 / top-3 / MRR "
                f"{metrics.cell}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fit", type=Path, action="append", required=True)
    parser.add_argument("--heldout", type=Path)
    parser.add_argument("--models", type=Path, default=Path("data") / "bench-rerankers")
    parser.add_argument("--cache", type=Path, default=Path("data") / "cache")
    parser.add_argument("--skip-left-out", action="store_true", help="train on all files only")
    parser.add_argument(
        "--reuse", action="store_true", help="score models already under --models, not retrain"
    )
    args = parser.parse_args()
    configure_logging("INFO")
    settings = load_settings()
    embedder = load_embedder(settings.model_spec)
    weights = calibration_for(settings.model_spec).weights
    base = local_model_dir(settings.model_spec)
    sets = {path.stem: file_questions([path], embedder, weights, args.cache) for path in args.fit}
    heldout = (
        file_questions([args.heldout], embedder, weights, args.cache) if args.heldout else None
    )
    # Questions whose context has no other sentence: left out of training, right at any weight.
    kept = {name: len(items) for name, items in sets.items()}
    if args.heldout and heldout is not None:
        kept[args.heldout.stem] = len(heldout)
    trivial = {
        path.stem: sum(len(c.questions) for c in read_context_sets(path)) - kept[path.stem]
        for path in [*args.fit, *([args.heldout] if args.heldout else [])]
    }
    runs = [("all", list(sets))]
    if not args.skip_left_out and len(sets) > 1:
        runs += [(f"without-{left}", [n for n in sets if n != left]) for left in sets]
    for label, names in runs:
        out = args.models / label
        if args.reuse and out.is_dir():
            print(f"\n{label}: the model trained earlier on {', '.join(names)}", flush=True)
        else:
            started = time.monotonic()
            trained = train_reranker(
                base, [q for n in names for q in sets[n]], out, trained_on=names, overwrite=True
            )
            print(
                f"\n{label}: trained on {', '.join(names)} ({trained.questions} questions, "
                f"{trained.steps} steps, {time.monotonic() - started:.0f} s)",
                flush=True,
            )
        reranker = load_reranker(out, settings.embedding_backend)
        _score(
            reranker,
            [(n, sets[n]) for n in sets if n not in names],
            heldout,
            args.heldout,
            trivial,
        )


def _score(
    reranker: Reranker,
    left_out: list[tuple[str, list[RankedQuestion]]],
    heldout: list[RankedQuestion] | None,
    heldout_path: Path | None,
    trivial: dict[str, int],
) -> None:
    named = [(name, name, items) for name, items in left_out]
    if heldout_path is not None and heldout is not None:
        named.append((heldout_path.stem, f"{heldout_path.stem} (held out)", heldout))
    for stem, name, items in named:
        started = time.monotonic()
        scored = score_questions(reranker, items)
        per_question = (time.monotonic() - started) * 1000 / max(len(items), 1)
        print(
            f"  {name}: {per_question:.0f} ms a question to re-score {max(CANDIDATES)} sentences",
            flush=True,
        )
        report(name, scored, trivial[stem])


if __name__ == "__main__":
    main()
