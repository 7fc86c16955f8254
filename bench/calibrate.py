"""Fit the bundled fusion weights and abstention model on the fitting files of context sets.

Usage: ``python -m bench.calibrate FIT.jsonl [FIT.jsonl ...] [--translations DIR]`` (the README
names the files). ``DIR/<name>.jsonl``, where it exists, holds the same questions of
``<name>.jsonl`` in another language (``{"id", "question"}`` lines); the abstention model is
fitted on them too, the ranking weights on the original questions only.

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
from index.evaluation.context_sets import embed_contexts
from index.evaluation.datasets import read_context_sets
from index.evaluation.fitting import (
    SHIPPED_RECIPE,
    FitSet,
    abstention_leave_one_set_out,
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
    parser.add_argument(
        "--translations", type=Path, help="folder of the same questions in another language"
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    embedder = load_embedder(load_settings().model_spec)
    sets = []
    translated: dict[str, FitSet] = {}
    for path in args.files:
        sets.append(
            prepare_set(path.stem, embed_contexts(read_context_sets(path), embedder, args.cache))
        )
        other = args.translations / path.name if args.translations else None
        if other is not None and other.is_file():
            embedded = embed_contexts(read_context_sets(path, other), embedder, args.cache)
            translated[path.stem] = prepare_set(f"{path.stem} ({other.parent.name})", embedded)
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
    rows = {
        s.name: {
            "original": abstention_rows(s, fitted.adapter, background),
            **(
                {"translated": abstention_rows(translated[s.name], fitted.adapter, background)}
                if s.name in translated
                else {}
            ),
        }
        for s in sets
    }
    abstention, answered, declined = fit_abstention(
        [r for by in rows.values() for r in by.values()]
    )
    print(f"abstention: {abstention}")
    print(f"  own context answered {answered:.3f}; other article declined {declined:.3f}")
    if len(rows) > 1:
        for left in abstention_leave_one_set_out(rows):
            cells = ", ".join(
                f"{kind} answered {a:.3f} declined {d:.3f}" for kind, (a, d) in left.rates.items()
            )
            print(f"  {left.name} left out: {cells}")


if __name__ == "__main__":
    main()
