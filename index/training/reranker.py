"""Train the optional re-ranker (:mod:`index.retrieval.reranker`) on the CPU.

Each training question is read with its gold sentence and the sentences of its own
context that the shipped ranking puts highest (the near misses the re-ranker is there
to settle), and the model learns with a softmax over that group. It starts from the
embedding model's own encoder with the word-embedding table frozen (as fine-tuning
does), mean-pools and normalises as the embedding model does, and scores with one
linear unit; so the saved folder runs on the same int8 path.

torch and sentence-transformers are imported inside the functions, so importing this
module costs nothing.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embedding.embedder import Embedder
from index.errors import TrainingDataError
from index.evaluation.context_sets import embed_contexts
from index.evaluation.fitting import FitSet, prepare_set
from index.retrieval.ranking import FusionWeights, Method, combine_signals, dense_signals, fuse
from index.retrieval.reranker import RERANKER_FILE, RerankerHead, pair_text
from index.training.finetuning import require_training_libraries
from index.training.output import install, refuse_existing, staging_folder
from index.training.reranker_recipe import DEFAULT_RERANKER_RECIPE, RerankerRecipe
from index.training.split import read_context_sets
from index.training.trainer import freeze_word_embeddings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# sentence-transformers' record of the model's prompts: the re-ranker's pair text carries
# its own ("query: ... passage: ..."), so the folder must add none.
_PROMPTS_FILE = "config_sentence_transformers.json"


@dataclass(frozen=True, slots=True)
class RankedQuestion:
    """A question with its context's sentences in the shipped ranking's order."""

    question: str
    sentences: tuple[str, ...]
    order: tuple[int, ...]
    gold: tuple[int, ...]
    # The shipped scores, in corpus order.
    scores: tuple[float, ...]


def ranked_questions(fit_set: FitSet, weights: FusionWeights) -> list[RankedQuestion]:
    """Every question of ``fit_set`` whose context has a sentence besides the gold ones."""
    out = []
    for corpus, questions in fit_set.contexts:
        texts = tuple(s.text for s in corpus.sentences)
        for q in questions:
            if len(texts) <= len(q.gold):
                continue
            signals = combine_signals(q.lexical, dense_signals(corpus, q.vector))
            scores = fuse(signals, Method.HYBRID, weights)
            order = tuple(int(i) for i in np.argsort(-scores, kind="stable"))
            out.append(
                RankedQuestion(
                    q.question,
                    texts,
                    order,
                    tuple(sorted(q.gold)),
                    tuple(float(v) for v in scores),
                )
            )
    return out


def file_questions(
    files: Sequence[Path], embedder: Embedder, weights: FusionWeights, cache_dir: Path | None = None
) -> list[RankedQuestion]:
    """The context-set files' questions, ranked as the service ranks them with ``weights``.

    A file of another shape is refused as fine-tuning refuses it.
    """
    return [
        item
        for path in files
        for item in ranked_questions(
            prepare_set(path.stem, embed_contexts(read_context_sets(path), embedder, cache_dir)),
            weights,
        )
    ]


@dataclass(frozen=True, slots=True)
class RerankerReport:
    """What was trained, on what, and how long it took."""

    out_dir: str
    base_model: str
    trained_on: list[str]
    questions: int
    steps: int
    seconds: float
    final_loss: float | None
    recipe: dict[str, Any] = field(default_factory=dict)


def train_reranker(
    base_model_dir: Path,
    questions: Sequence[RankedQuestion],
    out_dir: Path,
    recipe: RerankerRecipe = DEFAULT_RERANKER_RECIPE,
    *,
    trained_on: Sequence[str] = (),
    overwrite: bool = False,
) -> RerankerReport:
    """Train on ``questions`` and write the re-ranker folder to ``out_dir`` (all or nothing)."""
    recipe.check()
    refuse_existing(out_dir, overwrite=overwrite)
    if not questions:
        raise TrainingDataError("no training questions (every context had only its answer)")
    require_training_libraries()
    import torch
    from sentence_transformers import SentenceTransformer

    random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)  # dropout masks
    model = SentenceTransformer(str(base_model_dir), device="cpu")
    model.max_seq_length = recipe.max_pieces
    head = torch.nn.Linear(model.get_embedding_dimension() or 0, 1)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    started = time.monotonic()
    steps, loss = _train(model, head, questions, recipe)
    seconds = time.monotonic() - started
    report = RerankerReport(
        out_dir=str(out_dir),
        base_model=str(base_model_dir),
        trained_on=list(trained_on),
        questions=len(questions),
        steps=steps,
        seconds=round(seconds, 1),
        final_loss=loss,
        recipe=asdict(recipe),
    )
    staged = staging_folder(out_dir)
    try:
        model.save(str(staged), create_model_card=False)
        _drop_prompts(staged / _PROMPTS_FILE)
        weights = head.weight.detach().numpy().astype(np.float64)[0]
        record = RerankerHead(
            tuple(float(w) for w in weights),
            float(head.bias.detach().numpy()[0]),
            recipe.weight,
            recipe.candidates,
        ).as_dict()
        record["trained"] = asdict(report)
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        (staged / RERANKER_FILE).write_text(text, encoding="utf-8")
        install(staged, out_dir, overwrite=overwrite)
    except BaseException:  # a killed or failed save leaves no half-written folder behind
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return report


def _drop_prompts(config_file: Path) -> None:
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["prompts"] = {}
    config["default_prompt_name"] = None
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def _groups(questions: Sequence[RankedQuestion], picked: Sequence[int], negatives: int) -> Any:
    """Pair texts of each picked question's group, the gold sentence first in each."""
    texts: list[str] = []
    sizes: list[int] = []
    for item in (questions[i] for i in picked):
        others = [i for i in item.order if i not in item.gold][:negatives]
        group = [random.choice(item.gold), *others]
        texts += [pair_text(item.question, item.sentences[i]) for i in group]
        sizes.append(len(group))
    return texts, sizes


def pair_vectors(model: SentenceTransformer, texts: Sequence[str], pieces_per_pass: int) -> Any:
    """The pair vectors of ``texts`` in their order, computed in passes of similar length.

    Why: a padded batch costs as much as its longest text times its size, and a step's
    pairs range from about 30 to 128 pieces (mean about 75). Passes of texts sorted by
    length, each at most ``pieces_per_pass`` pieces once padded, give the same vectors
    (padding is masked) for a quarter less time a step (README).
    """
    import torch

    pieces = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)
    lengths = [len(ids) for ids in pieces["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    passes: list[list[int]] = []
    for i in order:
        if passes and lengths[i] * (len(passes[-1]) + 1) <= pieces_per_pass:
            passes[-1].append(i)
        else:
            passes.append([i])
    vectors = [
        model(model.preprocess([texts[i] for i in indices]))["sentence_embedding"]
        for indices in passes
    ]
    stacked = torch.cat(vectors)
    where = torch.empty(len(texts), dtype=torch.long)
    where[torch.tensor([i for indices in passes for i in indices])] = torch.arange(len(texts))
    return stacked[where]


def _train(
    model: SentenceTransformer,
    head: Any,
    questions: Sequence[RankedQuestion],
    recipe: RerankerRecipe,
) -> tuple[int, float | None]:
    import torch

    freeze_word_embeddings(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": trainable, "lr": recipe.encoder_rate},
            {"params": head.parameters(), "lr": recipe.head_rate},
        ],
        weight_decay=recipe.weight_decay,
    )
    steps = max(1, int(len(questions) * recipe.epochs / recipe.questions_per_step))
    if recipe.max_steps > 0:
        steps = min(steps, recipe.max_steps)
    warmup = max(1.0, recipe.warmup_ratio * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / steps)
    )
    order: list[int] = []
    while len(order) < steps * recipe.questions_per_step:
        shuffled = list(range(len(questions)))
        random.shuffle(shuffled)
        order += shuffled
    model.train()
    started = time.monotonic()
    loss_value: float | None = None
    for step in range(steps):
        picked = order[step * recipe.questions_per_step : (step + 1) * recipe.questions_per_step]
        texts, sizes = _groups(questions, picked, recipe.negatives)
        logits = head(pair_vectors(model, texts, recipe.pieces_per_pass)).squeeze(-1)
        loss: Any = 0.0
        offset = 0
        for size in sizes:
            group = logits[offset : offset + size].unsqueeze(0)
            loss = loss + torch.nn.functional.cross_entropy(group, torch.zeros(1, dtype=torch.long))
            offset += size
        loss = loss / len(sizes)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        loss_value = float(loss.item())
        if step % 25 == 0 or step == steps - 1:
            logger.info(
                "re-ranker step %d/%d loss %.3f (%.0f s)",
                step + 1,
                steps,
                loss_value,
                time.monotonic() - started,
            )
    model.eval()
    return steps, loss_value
