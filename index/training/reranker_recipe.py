"""The re-ranker's training recipe: every knob of one run, with the defaults the README documents.

Kept apart from the training code, which imports the evaluation and ranking modules, so
that the command line can show the defaults in its help without loading them.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.errors import TrainingDataError


@dataclass(frozen=True, slots=True)
class RerankerRecipe:
    """Every knob of one training run; recorded in ``reranker.json``.

    ``weight`` and ``candidates`` are how the service uses the result; the README's
    leave-one-set-out table is where they were chosen. ``max_steps`` > 0 stops early
    (smoke tests).
    """

    epochs: float = 1.0
    questions_per_step: int = 4
    negatives: int = 3
    max_pieces: int = 128
    # Texts of similar length share a forward pass of at most this many (padded) pieces.
    pieces_per_pass: int = 512
    encoder_rate: float = 3e-5
    head_rate: float = 5e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    # Chosen on the mean left-out top-1 (README): 1 x the re-ranker's score, first 3 sentences.
    weight: float = 1.0
    candidates: int = 3
    seed: int = 0
    max_steps: int = -1

    def check(self) -> None:
        """Fail before the (slow) model load rather than inside the loop."""
        if self.epochs <= 0 or self.questions_per_step < 1 or self.negatives < 1:
            raise TrainingDataError("epochs, questions per step and negatives must be positive")
        if self.candidates < 2:
            raise TrainingDataError(f"re-ranking needs 2 candidates or more, not {self.candidates}")
        if self.encoder_rate <= 0 or self.head_rate <= 0:
            raise TrainingDataError("learning rates must be positive")
        if self.pieces_per_pass < self.max_pieces:
            raise TrainingDataError("a forward pass must hold at least one text of max_pieces")


DEFAULT_RERANKER_RECIPE = RerankerRecipe()
