"""Run sentence-transformers' trainer on (question, answer sentence, negatives) rows.

torch, datasets, transformers and sentence-transformers are imported inside the
functions, so importing this module costs nothing.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.training.recipe import Recipe

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Example:
    """One training row: a question, its answer sentence and same-article negatives."""

    question: str
    positive: str
    negatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """What the trainer did: optimiser steps, the last logged loss, wall-clock seconds."""

    steps: int
    final_loss: float | None
    seconds: float


def make_dataset(examples: Sequence[Example], negatives: int) -> Any:
    """Columns anchor, positive, negative_1..n: the n-tuple layout the loss expects.

    ``datasets`` ships no type information; importing it by name keeps mypy quiet
    both with and without ``--ignore-missing-imports``.
    """
    dataset_class = importlib.import_module("datasets").Dataset
    columns: dict[str, list[str]] = {
        "anchor": [e.question for e in examples],
        "positive": [e.positive for e in examples],
    }
    for n in range(negatives):
        columns[f"negative_{n + 1}"] = [e.negatives[n] for e in examples]
    return dataset_class.from_dict(columns)


def freeze_word_embeddings(model: SentenceTransformer) -> int:
    """Freeze the token-embedding matrix (96M of e5-small's 118M weights); return its size.

    Arabic question/sentence pairs touch a sliver of the 250k-token vocabulary, so
    updating the matrix buys little while AdamW's two moment buffers for it cost
    ~770 MB and a slow optimizer step on every batch.
    """
    frozen = 0
    for module in model.modules():
        embeddings = getattr(module, "word_embeddings", None)
        weight = getattr(embeddings, "weight", None)
        if weight is not None and weight.requires_grad:
            weight.requires_grad_(False)
            frozen += int(weight.numel())
    return frozen


def _logging_callback() -> Any:
    """A trainer callback that sends the trainer's progress records to ``logging``."""
    from transformers import TrainerCallback

    class _LogToLogger(TrainerCallback):
        last_loss: float | None = None

        def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            logs = kwargs.get("logs") or {}
            if "loss" in logs:
                self.last_loss = float(logs["loss"])
            logger.info("step %s/%s: %s", state.global_step, state.max_steps, logs)

    return _LogToLogger()


def _arguments(recipe: Recipe, scratch: Path, prompts: dict[str, str]) -> Any:
    """The trainer's arguments: CPU, no checkpoints, no reports, the recipe's schedule."""
    from sentence_transformers.sentence_transformer.training_args import (
        SentenceTransformerTrainingArguments,
    )

    return SentenceTransformerTrainingArguments(
        output_dir=str(scratch),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.batch_size,
        learning_rate=recipe.learning_rate,
        warmup_steps=recipe.warmup_ratio,  # transformers 5: a float < 1 is a ratio
        weight_decay=recipe.weight_decay,
        lr_scheduler_type="linear",
        seed=recipe.seed,
        data_seed=recipe.seed,
        use_cpu=True,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        logging_steps=5,
        disable_tqdm=True,
        dataloader_num_workers=0,
        batch_sampler="no_duplicates",
        prompts=prompts,
    )


def train(
    model: SentenceTransformer,
    dataset: Any,
    recipe: Recipe,
    *,
    prompts: tuple[str, str],
    scratch: Path,
) -> TrainingRun:
    """Train ``model`` in place with in-batch negatives (MultipleNegativesRankingLoss).

    Questions get the query prompt and every sentence column the passage prompt,
    as at inference.  The no-duplicates sampler keeps a text from appearing twice
    in a batch, so an article's repeated sentence is never its own negative.
    """
    from sentence_transformers.sentence_transformer import losses
    from sentence_transformers.sentence_transformer.trainer import SentenceTransformerTrainer
    from transformers import PrinterCallback, ProgressCallback

    query_prompt, passage_prompt = prompts
    columns = [str(c) for c in dataset.column_names]
    per_column = {c: (query_prompt if c == "anchor" else passage_prompt) for c in columns}
    saved_max_length = model.max_seq_length
    model.max_seq_length = min(recipe.max_seq_length, saved_max_length or recipe.max_seq_length)
    trainer = SentenceTransformerTrainer(
        model=model,
        args=_arguments(recipe, scratch, per_column),
        train_dataset=dataset,
        loss=losses.MultipleNegativesRankingLoss(model, scale=recipe.scale),
    )
    for noisy in (PrinterCallback, ProgressCallback):  # they print; we log
        trainer.remove_callback(noisy)
    log_callback = _logging_callback()
    trainer.add_callback(log_callback)
    started = time.monotonic()
    try:
        output = trainer.train()
    finally:
        model.max_seq_length = saved_max_length
    seconds = round(time.monotonic() - started, 1)
    logger.info("Trained %d steps in %.1fs", output.global_step, seconds)
    return TrainingRun(int(output.global_step), log_callback.last_loss, seconds)
