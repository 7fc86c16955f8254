"""Fine-tune the sentence-embedding model on Arabic question -> answer-sentence pairs.

The bot ranks the sentences *of one article* against a question, so the useful
training signal is "this sentence of the article answers, those do not".  Each
training example is therefore (question, gold sentence, other sentences of the
same article as hard negatives), trained with sentence-transformers' own
trainer and an in-batch-negatives loss; :class:`~index.training.recipe.Recipe`
holds the settings.

Held-out honesty: the context-set file is split into train/dev *by context*
(whole articles), with a rule that depends only on ``context_id`` (see
:func:`is_dev_context`), so the same article never feeds both sides and the split
is identical across runs, seeds and file orderings.  Only the training file's dev
part is ever measured here; other evaluation sets are for reporting elsewhere.

torch, datasets and sentence-transformers are imported lazily, inside the
functions that need them, so the bot can import this module without them.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import TrainingDataError
from index.evaluation.context_sets import ContextSet, all_questions, all_sentences, context_spans
from index.evaluation.fitting import CalibrationReport, fit_calibration_on
from index.retrieval.ranking import HYBRID_WEIGHTS, FusionWeights, Method
from index.training.output import (
    FinetuneReport,
    calibration_record,
    install,
    refuse_existing,
    save_model_folder,
    staging_folder,
)
from index.training.recipe import DEFAULT_RECIPE, Recipe
from index.training.split import SPLIT_RULE, read_context_sets, split_contexts
from index.training.trainer import Example, freeze_word_embeddings, make_dataset, train

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# What fine-tuning needs beyond the bot's own dependencies (the ``train`` extra).
TRAINING_MODULES = ("datasets", "transformers", "sentence_transformers")


# ---------------------------------------------------------------------- examples


def model_prompts(model: SentenceTransformer) -> tuple[str, str]:
    """(query prompt, passage prompt) as stored in the model folder's config.

    E5 folders name the passage prompt ``document`` (sentence-transformers'
    convention, used by ``encode_document``) or ``passage``; a model without
    prompts trains and runs without them.
    """
    prompts = {str(k): str(v) for k, v in (model.prompts or {}).items() if v}
    query = prompts.get("query", "")
    passage = prompts.get("document", prompts.get("passage", ""))
    if not query or not passage:
        logger.warning("Model has no query/document prompts; training without them")
    return query, passage


def build_examples(
    contexts: Sequence[ContextSet],
    *,
    negatives: int,
    ranked: Mapping[tuple[int, int], Sequence[int]],
    rng: random.Random,
) -> list[Example]:
    """One row per (question, distinct gold sentence text) with ``negatives`` negatives each.

    ``ranked`` maps (context no., question no.) to that context's sentence indices
    best-first by the base model; the highest-ranked sentences whose text differs
    from every gold sentence (articles repeat sentences verbatim) are the negatives.
    Short contexts are topped up with sentences of other contexts (drawn with ``rng``)
    so every row has the same width, as the loss requires.
    """
    pool = sorted({s for c in contexts for s in c.sentences})
    examples: list[Example] = []
    for ci, context in enumerate(contexts):
        for qi, (question, gold) in enumerate(context.questions):
            gold_texts = {context.sentences[g] for g in gold}
            chosen: list[str] = []
            for i in ranked.get((ci, qi), range(len(context.sentences))):
                if len(chosen) >= negatives:
                    break
                text = context.sentences[i]
                if text not in gold_texts and text not in chosen:
                    chosen.append(text)
            own = set(context.sentences)
            while len(chosen) < negatives and len(pool) > len(own):
                filler = pool[rng.randrange(len(pool))]
                if filler not in own and filler not in chosen:
                    chosen.append(filler)
            if len(chosen) < negatives:
                continue
            for positive in sorted(gold_texts):
                examples.append(Example(question, positive, tuple(chosen)))
    return examples


def _rank_within_contexts(
    model: SentenceTransformer, contexts: Sequence[ContextSet]
) -> dict[tuple[int, int], list[int]]:
    """Each question's own-context sentences, best-first by the (base) model's cosine."""
    sentences, questions = all_sentences(contexts), all_questions(contexts)
    options: dict[str, Any] = {
        "batch_size": 32,
        "normalize_embeddings": True,
        "convert_to_numpy": True,
        "show_progress_bar": False,
    }
    s_vec = np.asarray(model.encode_document(sentences, **options))
    q_vec = np.asarray(model.encode_query(questions, **options))
    ranked: dict[tuple[int, int], list[int]] = {}
    for span in context_spans(contexts):
        block = s_vec[span.sentences]
        for qi, vector in enumerate(q_vec[span.questions]):
            scores = block @ vector
            ranked[(span.index, qi)] = [int(i) for i in np.argsort(-scores, kind="stable")]
    return ranked


# ------------------------------------------------------------------------ metrics


def evaluate_dev(
    model: SentenceTransformer,
    dev: Sequence[ContextSet],
    name: str,
    weights: FusionWeights = HYBRID_WEIGHTS,
) -> dict[str, dict[str, float]]:
    """Dense and hybrid top-1/top-3/MRR on the dev contexts, through the shipped ranking code."""
    if not dev:
        return {}
    from index.embedding.embedder import Embedder
    from index.evaluation.metrics import evaluate_contexts, method_scorer

    embedder = Embedder(model, name)
    metrics: dict[str, dict[str, float]] = {}
    for method in (Method.DENSE, Method.HYBRID):
        result = evaluate_contexts(list(dev), embedder, method_scorer(method, weights))
        metrics[method.value] = {"top1": result.top1, "top3": result.top3, "mrr": result.mrr}
    return metrics


# ----------------------------------------------------------------------- training


def finetune(
    base_model_dir: Path,
    train_file: Path,
    out_dir: Path,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    evaluate: bool = True,
    evaluate_base: bool = True,
    threads: int = 0,
    overwrite: bool = False,
) -> FinetuneReport:
    """Train ``base_model_dir`` on the train part of ``train_file``; save to ``out_dir``.

    ``out_dir`` appears only once complete and holds a standard sentence-transformers
    folder with the base model's prompts, ``finetune.json`` (this report) and
    ``calibration.json``.  ``evaluate`` / ``evaluate_base`` score the dev contexts
    after / before training.  ``threads`` > 0 sets torch's thread count for the run
    (restored afterwards): on a busy machine one thread can beat two.
    """
    recipe.check()
    refuse_existing(out_dir, overwrite=overwrite)
    require_training_libraries()
    train_part, dev = _split_file(train_file, recipe.dev_fraction)
    with _torch_threads(threads):
        return _run(
            Path(base_model_dir).resolve(),
            _Data(train_part, dev),
            out_dir.resolve(),
            recipe,
            evaluate=(evaluate and evaluate_base, evaluate),
            overwrite=overwrite,
        )


def require_training_libraries() -> None:
    """A one-line error naming the ``train`` extra when its libraries are missing."""
    import importlib.util

    for name in TRAINING_MODULES:
        if importlib.util.find_spec(name) is None:
            raise TrainingDataError(
                f"training needs the 'train' extra ({name} is missing): pip install -e '.[train]'"
            )


def _split_file(train_file: Path, dev_fraction: float) -> tuple[list[ContextSet], list[ContextSet]]:
    """The file's contexts split into (train, dev), refusing a split with an empty side."""
    train, dev = split_contexts(read_context_sets(train_file), dev_fraction)
    if not train:
        raise TrainingDataError(
            f"{train_file}: no training contexts left at dev fraction {dev_fraction}"
        )
    if not dev:
        raise TrainingDataError(
            f"{train_file}: no dev contexts at dev fraction {dev_fraction}; the tuned model's "
            "ranking weights and abstention are calibrated on them, so raise the fraction"
        )
    logger.info(
        "Split %s: %d train / %d dev contexts (%d / %d questions)",
        train_file,
        len(train),
        len(dev),
        sum(len(c.questions) for c in train),
        sum(len(c.questions) for c in dev),
    )
    return train, dev


@contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    """torch's thread count set to ``threads`` (> 0) for the block, then restored."""
    import torch

    previous = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass(frozen=True, slots=True)
class _Data:
    train: list[ContextSet]
    dev: list[ContextSet]


def _run(
    base_model_dir: Path,
    data: _Data,
    out_dir: Path,
    recipe: Recipe,
    *,
    evaluate: tuple[bool, bool],
    overwrite: bool,
) -> FinetuneReport:
    """Load, mine, train, calibrate and score dev, save: the body of :func:`finetune`."""
    from sentence_transformers import SentenceTransformer
    from transformers import set_seed

    started = time.monotonic()
    set_seed(recipe.seed)
    model = SentenceTransformer(str(base_model_dir), device="cpu")
    prompts = model_prompts(model)
    dev_base = evaluate_dev(model, data.dev, "base") if evaluate[0] else {}
    if dev_base:
        logger.info("Dev before fine-tuning: %s", dev_base)
    examples = _examples(model, data.train, recipe)
    hyperparameters = _hyperparameters(model, recipe, prompts)
    staging = staging_folder(out_dir)
    try:
        run = train(
            model,
            make_dataset(examples, recipe.negatives),
            recipe,
            prompts=prompts,
            scratch=staging / "trainer",
        )
        model.eval()
        calibrated = _calibrate(model, data.dev, data.train)
        weights = calibrated.calibration.weights
        dev_finetuned = evaluate_dev(model, data.dev, "finetuned", weights) if evaluate[1] else {}
        if dev_finetuned:
            logger.info("Dev after fine-tuning: %s", dev_finetuned)
        report = FinetuneReport(
            out_dir=str(out_dir),
            base_model=str(base_model_dir),
            split_rule=SPLIT_RULE,
            dev_fraction=recipe.dev_fraction,
            train_contexts=[c.context_id for c in data.train],
            dev_contexts=[c.context_id for c in data.dev],
            train_questions=sum(len(c.questions) for c in data.train),
            dev_questions=sum(len(c.questions) for c in data.dev),
            train_examples=len(examples),
            hyperparameters=hyperparameters,
            train_seconds=run.seconds,
            steps=run.steps,
            final_loss=run.final_loss,
            dev_base=dev_base,
            dev_finetuned=dev_finetuned,
            calibration=calibration_record(calibrated),
        )
        save_model_folder(model, staging / "model", report, calibrated, base_model_dir)
        install(staging / "model", out_dir, overwrite=overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("Fine-tuned model saved to %s (%.1fs)", out_dir, time.monotonic() - started)
    return report


def _examples(model: SentenceTransformer, train: list[ContextSet], recipe: Recipe) -> list[Example]:
    """The training rows, with hard negatives mined by the base model."""
    ranked = _rank_within_contexts(model, train) if recipe.negatives > 0 else {}
    rng = random.Random(recipe.seed)
    examples = build_examples(train, negatives=recipe.negatives, ranked=ranked, rng=rng)
    if not examples:
        raise TrainingDataError("no training examples could be built from the training contexts")
    logger.info("%d training examples, %d negatives each", len(examples), recipe.negatives)
    return examples


def _hyperparameters(
    model: SentenceTransformer, recipe: Recipe, prompts: tuple[str, str]
) -> dict[str, Any]:
    """Freeze the word embeddings and record the run's settings for ``finetune.json``."""
    import torch

    frozen = freeze_word_embeddings(model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("Trainable parameters: %d (frozen: %d)", trainable, frozen)
    return {
        **recipe.as_dict(),
        "trainable_parameters": trainable,
        "batch_sampler": "no_duplicates",
        "prompts": {"query": prompts[0], "passage": prompts[1]},
        "torch_threads": torch.get_num_threads(),
    }


def _calibrate(
    model: SentenceTransformer, dev: list[ContextSet], train: list[ContextSet]
) -> CalibrationReport:
    """Fusion weights and abstention for the tuned model, from contexts it never trained on.

    Its cosines spread differently from the base model's, so the bundled constants
    would misjudge it (measured: it refused answerable questions).  Training
    contexts serve only as off-topic articles for the abstention negatives.
    """
    from index.embedding.embedder import Embedder

    calibrated = fit_calibration_on(dev, Embedder(model, "finetuned"), off_topic=train)
    logger.info(
        "Calibrated on dev: %s; answerable answered %.3f, off-topic abstained %.3f",
        calibrated.calibration,
        calibrated.answerable_answered,
        calibrated.off_topic_abstained,
    )
    return calibrated
