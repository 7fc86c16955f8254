"""The fine-tuning recipe: every knob of one run, with the defaults the README documents.

``make finetune``, ``article-bot finetune`` and the library read their defaults from
:data:`DEFAULT_RECIPE`, so the documented recipe and the code cannot drift apart.
Directions measured and dropped (another loss, freezing layers, random negatives)
are recorded in the README, not kept as switches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from index.errors import TrainingDataError


@dataclass(frozen=True, slots=True)
class Recipe:
    """In-batch negatives plus ``negatives`` hard negatives mined by the base model.

    The word-embedding matrix always stays frozen (see :mod:`index.training.trainer`).
    ``max_seq_length`` caps training inputs only; ``max_steps`` > 0 stops early (smoke
    tests).  Recorded verbatim in ``finetune.json``.
    """

    dev_fraction: float = 0.3
    epochs: int = 2
    learning_rate: float = 5e-5
    batch_size: int = 16
    negatives: int = 3
    seed: int = 0
    scale: float = 20.0
    max_seq_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_steps: int = -1

    def check(self) -> None:
        """Fail before the (slow) model load rather than inside the trainer."""
        if not 0.0 <= self.dev_fraction < 1.0:
            raise TrainingDataError(f"dev fraction must be in [0, 1), got {self.dev_fraction}")
        if self.negatives < 0:
            raise TrainingDataError(f"negatives must be 0 or more, got {self.negatives}")
        if self.batch_size < 1 or self.epochs < 1:
            raise TrainingDataError("batch size and epochs must be at least 1")
        if self.learning_rate <= 0:
            raise TrainingDataError(f"learning rate must be positive, got {self.learning_rate}")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "loss": "MultipleNegativesRankingLoss", "frozen": "word embeddings"}


DEFAULT_RECIPE = Recipe()
