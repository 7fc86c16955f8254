"""Fine-tune the sentence-embedding model on Arabic question -> answer-sentence pairs.

The bot ranks the sentences *of one article* against a question, so the useful
training signal is "this sentence of the article answers, those do not".  Each
training example is therefore (question, gold sentence, other sentences of the
same article as hard negatives), trained with sentence-transformers' own
trainer and an in-batch-negatives loss.

Held-out honesty: the context-set file is split into train/dev *by context*
(whole articles), with a rule that depends only on ``context_id`` (see
:func:`is_dev_context`), so the same article never feeds both sides and the split
is identical across runs, seeds and file orderings.  Only the training file's dev
part is ever measured here; other evaluation sets are for reporting elsewhere.

torch, datasets and sentence-transformers are imported lazily, inside the
functions that need them, so the bot can import this module without them.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index.calibration import CalibrationReport, fit_calibration, save_calibration
from index.context_sets import all_questions, all_sentences, context_spans
from index.evaluation import ContextSet, read_eval_file
from index.ranking import HYBRID_WEIGHTS, FusionWeights, Method

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

REPORT_FILE = "finetune.json"
# Bump when the meaning of finetune.json or of the training recipe changes.
FINETUNE_VERSION = 1
SPLIT_RULE = (
    "dev iff int(sha256(context_id.encode('utf-8')).hexdigest()[:8], 16) / 16**8 < dev_fraction"
)

LossName = Literal["mnrl", "gist"]
NegativeMining = Literal["model", "random"]


@dataclass(frozen=True, slots=True)
class FinetuneReport:
    """What was trained, on what, and how it scored on the dev contexts (before and after)."""

    out_dir: str
    base_model: str
    split_rule: str
    dev_fraction: float
    train_contexts: list[str]
    dev_contexts: list[str]
    train_questions: int
    dev_questions: int
    train_examples: int
    hyperparameters: dict[str, Any]
    train_seconds: float
    steps: int
    final_loss: float | None
    dev_base: dict[str, dict[str, float]] = field(default_factory=dict)
    dev_finetuned: dict[str, dict[str, float]] = field(default_factory=dict)
    # The tuned model's own fusion weights and abstention model, fitted on the dev contexts.
    calibration: dict[str, Any] = field(default_factory=dict)
    version: int = FINETUNE_VERSION

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Example:
    """One training row: a question, its answer sentence and same-article negatives."""

    question: str
    positive: str
    negatives: tuple[str, ...]


# --------------------------------------------------------------------------- split


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
        raise ValueError(f"dev_fraction must be in [0, 1), got {dev_fraction}")
    train = [c for c in contexts if not is_dev_context(c.context_id, dev_fraction)]
    dev = [c for c in contexts if is_dev_context(c.context_id, dev_fraction)]
    return train, dev


def read_context_sets(path: Path) -> list[ContextSet]:
    """The context-set file, refusing the article-question format (it has no gold indices)."""
    data = read_eval_file(path)
    contexts = [c for c in data if isinstance(c, ContextSet)]
    if len(contexts) != len(data):
        raise ValueError(f"{path} is not a context-set file (sentences + questions per line)")
    ids = [c.context_id for c in contexts]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path} repeats a context_id; the split needs them unique")
    return contexts


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
    rng: random.Random,
    ranked: dict[tuple[int, int], list[int]] | None = None,
) -> list[_Example]:
    """One row per (question, distinct gold sentence text) with ``negatives`` negatives each.

    Negatives are sentences of the same context whose text differs from every gold
    sentence (articles repeat sentences verbatim).  With ``ranked`` (context no.,
    question no.) -> sentence indices best-first, the highest-ranked non-gold ones
    are taken (mined hard negatives); otherwise a random sample.  Short contexts
    are topped up with random sentences of other contexts so every row has the
    same width, as the loss requires.
    """
    pool = sorted({s for c in contexts for s in c.sentences})
    examples: list[_Example] = []
    for ci, context in enumerate(contexts):
        for qi, (question, gold) in enumerate(context.questions):
            gold_texts = {context.sentences[g] for g in gold}
            order = ranked.get((ci, qi)) if ranked is not None else None
            candidates = list(order) if order is not None else list(range(len(context.sentences)))
            if order is None:
                rng.shuffle(candidates)
            chosen: list[str] = []
            for i in candidates:
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
                examples.append(_Example(question, positive, tuple(chosen)))
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
    from index.embedding import Embedder
    from index.evaluation import evaluate_contexts, method_scorer

    embedder = Embedder(model, name)
    metrics: dict[str, dict[str, float]] = {}
    for method in (Method.DENSE, Method.HYBRID):
        result = evaluate_contexts(list(dev), embedder, method_scorer(method, weights))
        metrics[method.value] = {"top1": result.top1, "top3": result.top3, "mrr": result.mrr}
    return metrics


# ----------------------------------------------------------------------- training


def _make_dataset(examples: Sequence[_Example], negatives: int) -> Any:
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


def _freeze_word_embeddings(model: SentenceTransformer) -> int:
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


def _freeze_lower_layers(model: SentenceTransformer, trainable_layers: int) -> int:
    """Freeze all but the top ``trainable_layers`` transformer layers; return weights frozen.

    With the embeddings frozen too, nothing below the first trainable layer needs
    gradients, so autograd neither stores those layers' activations nor runs
    their backward pass: about a third less work per step when half are frozen.
    """
    frozen = 0
    for module in model.modules():
        layers = getattr(getattr(module, "encoder", None), "layer", None)
        if layers is None:
            continue
        for layer in list(layers)[: max(len(layers) - trainable_layers, 0)]:
            for param in layer.parameters():
                if param.requires_grad:
                    param.requires_grad_(False)
                    frozen += int(param.numel())
        break
    return frozen


def _make_loss(
    name: LossName, model: SentenceTransformer, base_model_dir: Path, scale: float
) -> Any:
    """The in-batch-negatives loss; ``gist`` uses the frozen base model as its guide."""
    from sentence_transformers.sentence_transformer import losses

    if name == "mnrl":
        return losses.MultipleNegativesRankingLoss(model, scale=scale)
    if name == "gist":
        from sentence_transformers import SentenceTransformer

        guide = SentenceTransformer(str(base_model_dir), device="cpu")
        guide.eval()
        for param in guide.parameters():
            param.requires_grad_(False)
        return losses.GISTEmbedLoss(model, guide, temperature=1.0 / scale)
    raise ValueError(f"unknown loss {name!r}; use 'mnrl' or 'gist'")


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


def _remove_leftovers(target: Path) -> None:
    """Delete staging folders of earlier runs into ``target`` that were killed mid-way.

    A killed process skips its cleanup and may leave a ~0.5 GB half-saved model;
    one fine-tuning per output folder at a time is assumed.
    """
    for pattern in (f".{target.name}.partial-*", f".{target.name}.old-*"):
        for leftover in target.parent.glob(pattern):
            logger.info("Removing leftover of an interrupted run: %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def _install(staged: Path, target: Path, *, overwrite: bool) -> None:
    """Rename a finished folder into place; an old one is moved aside first, then deleted."""
    if not target.exists():
        staged.rename(target)
        return
    if not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    target.rename(stale / "model")
    staged.rename(target)
    shutil.rmtree(stale, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class TrainingSettings:
    """The knobs of one run; recorded verbatim in ``finetune.json``."""

    epochs: int = 1
    seed: int = 0
    learning_rate: float = 3e-5
    batch_size: int = 16
    negatives: int = 1
    negative_mining: NegativeMining = "model"
    loss: LossName = "mnrl"
    scale: float = 20.0
    freeze_word_embeddings: bool = True
    trainable_layers: int | None = None
    max_seq_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_steps: int = -1

    def check(self) -> None:
        """Fail before the (slow) model load rather than inside the trainer."""
        if self.loss not in ("mnrl", "gist"):
            raise ValueError(f"unknown loss {self.loss!r}; use 'mnrl' or 'gist'")
        if self.negative_mining not in ("model", "random"):
            raise ValueError(f"unknown negative_mining {self.negative_mining!r}")
        if self.loss == "gist" and self.negatives > 1:
            raise ValueError("the gist loss takes at most one negative per question")
        if self.negatives < 0 or self.batch_size < 1 or self.epochs < 1:
            raise ValueError("negatives must be >= 0, batch_size and epochs >= 1")


def finetune(
    base_model_dir: Path,
    train_file: Path,
    out_dir: Path,
    *,
    dev_fraction: float = 0.3,
    epochs: int = 1,
    seed: int = 0,
    learning_rate: float = 3e-5,
    batch_size: int = 16,
    negatives: int = 1,
    negative_mining: NegativeMining = "model",
    loss: LossName = "mnrl",
    scale: float = 20.0,
    freeze_word_embeddings: bool = True,
    trainable_layers: int | None = None,
    max_seq_length: int = 128,
    warmup_ratio: float = 0.1,
    max_steps: int = -1,
    evaluate: bool = True,
    evaluate_base: bool = True,
    threads: int = 0,
    overwrite: bool = False,
) -> FinetuneReport:
    """Train ``base_model_dir`` on the train part of ``train_file``; save to ``out_dir``.

    ``out_dir`` appears only once complete (built in a hidden sibling, then renamed)
    and holds a standard sentence-transformers folder with the base model's prompts
    and ``finetune.json`` (this report).  ``max_seq_length`` caps training inputs
    only; the saved model keeps the base model's limit.  ``max_steps`` > 0 stops
    early (smoke tests).  ``evaluate`` / ``evaluate_base`` score the dev contexts
    after / before training.  ``threads`` > 0 sets torch's thread count for the
    run (restored afterwards): on a busy machine one thread can beat two.
    """
    import torch

    settings = TrainingSettings(
        epochs=epochs,
        seed=seed,
        learning_rate=learning_rate,
        batch_size=batch_size,
        negatives=negatives,
        negative_mining=negative_mining,
        loss=loss,
        scale=scale,
        freeze_word_embeddings=freeze_word_embeddings,
        trainable_layers=trainable_layers,
        max_seq_length=max_seq_length,
        warmup_ratio=warmup_ratio,
        max_steps=max_steps,
    )
    settings.check()
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{out_dir} exists; pass overwrite=True to replace it")
    contexts = read_context_sets(train_file)
    train, dev = split_contexts(contexts, dev_fraction)
    if not train:
        raise ValueError(f"{train_file}: no training contexts left at dev_fraction={dev_fraction}")
    if not dev:
        raise ValueError(
            f"{train_file}: no dev contexts at dev_fraction={dev_fraction}; the tuned model's "
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
    previous_threads = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        report = _run(
            Path(base_model_dir).resolve(),
            train,
            dev,
            out_dir.resolve(),
            settings,
            dev_fraction=dev_fraction,
            evaluate=evaluate,
            evaluate_base=evaluate_base,
            overwrite=overwrite,
        )
    finally:
        torch.set_num_threads(previous_threads)
    return report


def _run(
    base_model_dir: Path,
    train: list[ContextSet],
    dev: list[ContextSet],
    out_dir: Path,
    settings: TrainingSettings,
    *,
    dev_fraction: float,
    evaluate: bool,
    evaluate_base: bool,
    overwrite: bool,
) -> FinetuneReport:
    """Load, mine, train, score dev, save: the body of :func:`finetune`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import set_seed

    started = time.monotonic()
    set_seed(settings.seed)
    model = SentenceTransformer(str(base_model_dir), device="cpu")
    query_prompt, passage_prompt = model_prompts(model)
    dev_base = evaluate_dev(model, dev, "base") if evaluate and evaluate_base else {}
    if dev_base:
        logger.info("Dev before fine-tuning: %s", dev_base)

    mine = settings.negatives > 0 and settings.negative_mining == "model"
    ranked = _rank_within_contexts(model, train) if mine else None
    rng = random.Random(settings.seed)
    examples = build_examples(train, negatives=settings.negatives, rng=rng, ranked=ranked)
    if not examples:
        raise ValueError("no training examples could be built")
    logger.info("%d training examples, %d negatives each", len(examples), settings.negatives)

    frozen = _freeze_word_embeddings(model) if settings.freeze_word_embeddings else 0
    if settings.trainable_layers is not None:
        frozen += _freeze_lower_layers(model, settings.trainable_layers)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("Trainable parameters: %d (frozen: %d)", trainable, frozen)
    hyperparameters: dict[str, Any] = {
        **asdict(settings),
        "negative_mining": settings.negative_mining if settings.negatives else None,
        "trainable_parameters": trainable,
        "batch_sampler": "no_duplicates",
        "prompts": {"query": query_prompt, "passage": passage_prompt},
        "torch_threads": torch.get_num_threads(),
    }

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        steps, final_loss, train_seconds = _train(
            model,
            _make_dataset(examples, settings.negatives),
            settings,
            base_model_dir=base_model_dir,
            prompts=(query_prompt, passage_prompt),
            scratch=staging / "trainer",
        )
        model.eval()
        calibrated = _calibrate(model, dev, train)
        weights = calibrated.calibration.weights
        dev_finetuned = evaluate_dev(model, dev, "finetuned", weights) if evaluate else {}
        if dev_finetuned:
            logger.info("Dev after fine-tuning: %s", dev_finetuned)
        report = FinetuneReport(
            out_dir=str(out_dir),
            base_model=str(base_model_dir),
            split_rule=SPLIT_RULE,
            dev_fraction=dev_fraction,
            train_contexts=[c.context_id for c in train],
            dev_contexts=[c.context_id for c in dev],
            train_questions=sum(len(c.questions) for c in train),
            dev_questions=sum(len(c.questions) for c in dev),
            train_examples=len(examples),
            hyperparameters=hyperparameters,
            train_seconds=train_seconds,
            steps=steps,
            final_loss=final_loss,
            dev_base=dev_base,
            dev_finetuned=dev_finetuned,
            calibration={
                **calibrated.calibration.as_dict(),
                "dev_answerable_answered": round(calibrated.answerable_answered, 4),
                "dev_off_topic_abstained": round(calibrated.off_topic_abstained, 4),
            },
        )
        staged = staging / "model"
        # No model card: generating one may consult the hub; finetune.json is the record.
        model.save(str(staged), create_model_card=False)
        record = {**report.as_dict(), "base_model_marker": _base_marker(base_model_dir)}
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        (staged / REPORT_FILE).write_text(text, encoding="utf-8")
        save_calibration(
            staged,
            calibrated.calibration,
            contexts="dev",
            dev_contexts=len(dev),
            dev_questions=report.dev_questions,
            split_rule=SPLIT_RULE,
            dev_fraction=dev_fraction,
        )
        _install(staged, out_dir, overwrite=overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("Fine-tuned model saved to %s (%.1fs)", out_dir, time.monotonic() - started)
    return report


def _calibrate(
    model: SentenceTransformer, dev: list[ContextSet], train: list[ContextSet]
) -> CalibrationReport:
    """Fusion weights and abstention for the tuned model, from contexts it never trained on.

    Its cosines spread differently from the base model's, so the bundled constants
    would misjudge it (measured: it refused answerable questions).  Training
    contexts serve only as off-topic articles for the abstention negatives.
    """
    from index.embedding import Embedder

    calibrated = fit_calibration(dev, Embedder(model, "finetuned"), off_topic=train)
    logger.info(
        "Calibrated on dev: %s; answerable answered %.3f, off-topic abstained %.3f",
        calibrated.calibration,
        calibrated.answerable_answered,
        calibrated.off_topic_abstained,
    )
    return calibrated


def _train(
    model: SentenceTransformer,
    dataset: Any,
    settings: TrainingSettings,
    *,
    base_model_dir: Path,
    prompts: tuple[str, str],
    scratch: Path,
) -> tuple[int, float | None, float]:
    """Run sentence-transformers' trainer in place on ``model``: (steps, last loss, seconds).

    Questions get the query prompt and every sentence column the passage prompt,
    as at inference.  The no-duplicates sampler keeps a text from appearing twice
    in a batch, so an article's repeated sentence is never its own negative.
    """
    from sentence_transformers.sentence_transformer.trainer import SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.training_args import (
        SentenceTransformerTrainingArguments,
    )
    from transformers import PrinterCallback, ProgressCallback

    query_prompt, passage_prompt = prompts
    columns = [str(c) for c in dataset.column_names]
    saved_max_length = model.max_seq_length
    model.max_seq_length = min(settings.max_seq_length, saved_max_length or settings.max_seq_length)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(scratch),
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_ratio,  # transformers 5: a float < 1 is a ratio
        weight_decay=settings.weight_decay,
        lr_scheduler_type="linear",
        seed=settings.seed,
        data_seed=settings.seed,
        use_cpu=True,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        logging_steps=5,
        disable_tqdm=True,
        dataloader_num_workers=0,
        batch_sampler="no_duplicates",
        prompts={c: (query_prompt if c == "anchor" else passage_prompt) for c in columns},
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        loss=_make_loss(settings.loss, model, base_model_dir, settings.scale),
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
    return int(output.global_step), log_callback.last_loss, seconds


def _base_marker(base_model_dir: Path) -> dict[str, Any] | None:
    """The base folder's own provenance record (conversion.json / finetune.json), if any."""
    for name in ("conversion.json", REPORT_FILE):
        try:
            loaded = json.loads((Path(base_model_dir) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(loaded, dict):
            return {"file": name, **loaded}
    return None
