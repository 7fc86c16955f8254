"""Fit the bundled fusion weights and abstention model on the fitting files of context sets.

Usage: ``python -m bench.calibrate FIT.jsonl [FIT.jsonl ...]`` (the README names the files).

Fits the shipped recipe (:data:`index.evaluation.fitting.SHIPPED_RECIPE`) on all files together,
each file weighing the same, and prints the constants to paste into ``index/ranking.py``
(``HYBRID_WEIGHTS``) and ``index/abstention.py`` (``DEFAULT_ABSTENTION``), with the
leave-one-set-out figures. Nothing here runs in the product; a fine-tuned model gets
its own calibration from ``article-bot finetune`` instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.logs import configure_logging
from bot.settings import load_settings
from index.embedding.embedder import load_embedder
from index.evaluation.context_sets import ContextSet, embed_contexts
from index.evaluation.datasets import read_eval_file
from index.evaluation.fitting import (
    SHIPPED_RECIPE,
    abstention_rows,
    fit,
    fit_abstention,
    leave_one_set_out,
    prepare_set,
)
from index.retrieval.background import load_background


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--cache", type=Path, default=Path("data") / "cache")
    args = parser.parse_args()
    configure_logging("WARNING")
    embedder = load_embedder(load_settings().model_spec)
    sets = []
    for path in args.files:
        contexts = [c for c in read_eval_file(path) if isinstance(c, ContextSet)]
        sets.append(prepare_set(path.stem, embed_contexts(contexts, embedder, args.cache)))
    fitted = fit(sets, SHIPPED_RECIPE)
    top1, mrr = fitted.in_sample
    print(f"fusion (mean over the files): top-1 {top1:.4f}  MRR {mrr:.4f}  {fitted.weights}")
    if len(sets) > 1:
        for row in leave_one_set_out(sets, SHIPPED_RECIPE):
            print(
                f"  {row.name}: left out {row.left_out[0]:.3f} / {row.left_out[1]:.3f}, "
                f"in-sample {row.in_sample[0]:.3f} / {row.in_sample[1]:.3f}"
            )
    background = load_background(embedder, args.cache)
    rows = [abstention_rows(s, fitted.adapter, background) for s in sets]
    abstention, answered, declined = fit_abstention(rows)
    print(f"abstention: {abstention}")
    print(f"  own context answered {answered:.3f}; other article declined {declined:.3f}")


if __name__ == "__main__":
    main()
