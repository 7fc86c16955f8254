"""Fit the bundled fusion weights and abstention model on a training file of context sets.

Usage: ``python -m bench.calibrate TRAIN.jsonl`` (the README names the file used).

The printed constants are pasted into ``index/ranking.py`` (``HYBRID_WEIGHTS``) and
``index/abstention.py`` (``DEFAULT_ABSTENTION``); nothing here runs in the product.
A fine-tuned model gets its own calibration from ``article-bot finetune`` instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.logs import configure_logging
from bot.settings import load_settings
from index.calibration import fit_calibration
from index.embedding import load_embedder
from index.evaluation import ContextSet, read_eval_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("train", type=Path)
    args = parser.parse_args()
    configure_logging("WARNING")
    contexts = [c for c in read_eval_file(args.train) if isinstance(c, ContextSet)]
    report = fit_calibration(contexts, load_embedder(load_settings().model_spec))
    print(f"fusion: top-1 {report.top1:.4f}  MRR {report.mrr:.4f}  {report.calibration.weights}")
    print(f"abstention: {report.calibration.abstention}")
    print(
        f"  answerable answered {report.answerable_answered:.3f}; "
        f"off-topic abstained {report.off_topic_abstained:.3f}"
    )


if __name__ == "__main__":
    main()
