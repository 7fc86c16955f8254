"""The train/dev split of a context-set file: by whole article, stable forever.

The rule depends only on ``context_id`` (see :func:`is_dev_context`), so the same
article never feeds both sides and the split is identical across runs, seeds and
file orderings; the benchmark re-derives a tuned model's dev part from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from index.errors import TrainingDataError
from index.evaluation.context_sets import ContextSet
from index.evaluation.datasets import read_eval_file

SPLIT_RULE = (
    "dev iff int(sha256(context_id.encode('utf-8')).hexdigest()[:8], 16) / 16**8 < dev_fraction"
)


def split_fraction(context_id: str) -> float:
    """A stable number in [0, 1) per context: the first 32 bits of sha256(context_id)."""
    digest = hashlib.sha256(context_id.encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 16**8


def is_dev_context(context_id: str, dev_fraction: float) -> bool:
    """Whether a context belongs to dev: see :data:`SPLIT_RULE`.

    Depending on the id alone (not on order, seed or the other contexts) keeps an
    article on the same side forever, and raising ``dev_fraction`` only moves
    articles from train to dev, never the other way.
    """
    return split_fraction(context_id) < dev_fraction


def split_contexts(
    contexts: Sequence[ContextSet], dev_fraction: float
) -> tuple[list[ContextSet], list[ContextSet]]:
    """(train, dev) by :func:`is_dev_context`, each in file order."""
    if not 0.0 <= dev_fraction < 1.0:
        raise TrainingDataError(f"dev fraction must be in [0, 1), got {dev_fraction}")
    train = [c for c in contexts if not is_dev_context(c.context_id, dev_fraction)]
    dev = [c for c in contexts if is_dev_context(c.context_id, dev_fraction)]
    return train, dev


def read_context_sets(path: Path) -> list[ContextSet]:
    """The context-set file, refusing the article-question format (it has no gold indices)."""
    data = read_eval_file(path)
    contexts = [c for c in data if isinstance(c, ContextSet)]
    if len(contexts) != len(data):
        raise TrainingDataError(
            f"{path} is not a context-set file (sentences + questions per line)"
        )
    ids = [c.context_id for c in contexts]
    if len(set(ids)) != len(ids):
        raise TrainingDataError(f"{path} repeats a context_id; the split needs them unique")
    return contexts
