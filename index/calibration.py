"""Per-model calibration: the fusion weights and the abstention model that go with a model.

Both depend on the embedding model's score distribution: a fine-tuned model spreads
its cosines differently, so the bundled constants (fitted for the default model)
would refuse questions it answers well.  A model folder may therefore carry its own
``calibration.json``, fitted on data the model was not trained on; without one the
bundled constants apply.

Fitting needs scikit-learn (the ``train`` extra), imported only inside :func:`fit_calibration`.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.abstention import DEFAULT_ABSTENTION, AbstentionModel, abstention_features
from index.clauses import embed_sentences
from index.corpus import Corpus
from index.embedding import Embedder, ModelSpec
from index.errors import ModelLoadError
from index.ranking import HYBRID_WEIGHTS, FusionWeights, Method, Signals, compute_signals, fuse
from index.sentences import Sentence

if TYPE_CHECKING:
    # Only for annotations: evaluation imports the service, which imports this module.
    from index.evaluation import ContextSet

log = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"
# Each question is also asked of these other contexts (by offset) as an off-topic example.
NEGATIVE_OFFSETS = (7, 31)
# The operating point: the share of off-topic questions that must be refused. Wrongly
# refusing a fair question costs a reader more than an occasional loosely related answer.
TARGET_NEGATIVES_ABSTAINED = 0.95
# Grid for the fusion weights: dense share (BM25 gets the rest), coverage, answer type,
# previous sentence, and the share of the dense signal taken from the best clause.
WEIGHT_GRID = (
    (0.4, 0.5, 0.6, 0.7),
    (0.0, 0.3, 0.6),
    (0.0, 0.2, 0.4),
    (0.0, 0.1, 0.2),
    (0.0, 0.35, 0.7),
)


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the answering service needs besides the model to rank and to abstain."""

    weights: FusionWeights
    abstention: AbstentionModel

    def as_dict(self) -> dict[str, Any]:
        return {"weights": asdict(self.weights), "abstention": asdict(self.abstention)}


DEFAULT_CALIBRATION = Calibration(HYBRID_WEIGHTS, DEFAULT_ABSTENTION)


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """How the fitted calibration scores on the data it was fitted on."""

    calibration: Calibration
    top1: float
    mrr: float
    answerable_answered: float
    off_topic_abstained: float


def calibration_for(spec: ModelSpec) -> Calibration:
    """The calibration stored beside a local model, else the bundled one."""
    if spec.is_default:
        return DEFAULT_CALIBRATION
    folder = Path(spec.name).expanduser()
    file = folder / CALIBRATION_FILE
    if not file.is_file():
        return DEFAULT_CALIBRATION
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return Calibration(FusionWeights(**data["weights"]), AbstentionModel(**data["abstention"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{file} is unreadable ({exc.__class__.__name__}); delete it to use the bundled "
            "calibration, or fine-tune the model again"
        ) from exc


def save_calibration(folder: Path, calibration: Calibration, **provenance: object) -> Path:
    """Write ``calibration.json`` into a model folder, with where it came from."""
    record = {**calibration.as_dict(), "fitted_on": provenance}
    file = folder / CALIBRATION_FILE
    file.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return file


# ------------------------------------------------------------------------------ fitting


@dataclass(slots=True)
class _Prepared:
    corpus: Corpus
    questions: list[tuple[str, np.ndarray, frozenset[int], Signals]]


def fit_calibration(
    contexts: Sequence[ContextSet],
    embedder: Embedder,
    off_topic: Sequence[ContextSet] = (),
) -> CalibrationReport:
    """Grid-search the fusion weights (top-1, then MRR) and fit the abstention model.

    The abstention model is a logistic regression: each question asked of its own
    context is a positive, the same question asked of two other contexts (from
    ``contexts`` and ``off_topic``) a negative; its threshold refuses
    :data:`TARGET_NEGATIVES_ABSTAINED` of the negatives.
    """
    asked = {c.context_id for c in contexts}
    extra = [c for c in off_topic if c.context_id not in asked]
    if not contexts or len(contexts) + len(extra) < 2:
        raise ValueError("calibration needs at least two contexts (one to ask, one off-topic)")
    prepared = _prepare(contexts, embedder)
    pool = [*prepared, *_prepare(extra, embedder)] if extra else prepared
    weights, (top1, mrr) = _search_weights(prepared)
    abstention, answered, abstained = _fit_abstention(prepared, pool)
    return CalibrationReport(Calibration(weights, abstention), top1, mrr, answered, abstained)


def _prepare(contexts: Sequence[ContextSet], embedder: Embedder) -> list[_Prepared]:
    if not contexts:
        return []
    sentence_vectors = embed_sentences(embedder, [s for c in contexts for s in c.sentences])
    question_vectors = embedder.embed_queries([q for c in contexts for q, _ in c.questions])
    prepared: list[_Prepared] = []
    s_off = q_off = 0
    for context in contexts:
        n = len(context.sentences)
        sentences = [
            Sentence(context.context_id, i, t, 0, 0) for i, t in enumerate(context.sentences)
        ]
        corpus = Corpus(sentences, sentence_vectors.subset(s_off, s_off + n))
        questions = []
        for question, gold in context.questions:
            vector = question_vectors[q_off]
            questions.append((question, vector, gold, compute_signals(corpus, question, vector)))
            q_off += 1
        prepared.append(_Prepared(corpus, questions))
        s_off += n
    return prepared


def _top1_mrr(prepared: list[_Prepared], weights: FusionWeights) -> tuple[float, float]:
    hits = 0
    rr = 0.0
    total = 0
    for item in prepared:
        for _, _, gold, signals in item.questions:
            order = np.argsort(-fuse(signals, Method.HYBRID, weights), kind="stable")
            rank = next(r for r, i in enumerate(order) if int(i) in gold)
            hits += rank == 0
            rr += 1 / (rank + 1)
            total += 1
    return hits / max(total, 1), rr / max(total, 1)


def _search_weights(prepared: list[_Prepared]) -> tuple[FusionWeights, tuple[float, float]]:
    best: tuple[tuple[float, float], FusionWeights] | None = None
    for dense, coverage, answer_type, neighbour, clause_share in itertools.product(*WEIGHT_GRID):
        weights = FusionWeights(
            round(dense, 2), round(1 - dense, 2), coverage, answer_type, neighbour, clause_share
        )
        score = _top1_mrr(prepared, weights)
        if best is None or score > best[0]:
            best = (score, weights)
    assert best is not None
    return best[1], best[0]


def _fit_abstention(
    prepared: list[_Prepared], pool: list[_Prepared]
) -> tuple[AbstentionModel, float, float]:
    from sklearn.linear_model import LogisticRegression

    features: list[tuple[float, float, float, float]] = []
    labels: list[int] = []
    for index, item in enumerate(prepared):
        for question, vector, _, signals in item.questions:
            features.append(abstention_features(signals, item.corpus.known_share(question)))
            labels.append(1)
            for offset in NEGATIVE_OFFSETS:
                other = pool[(index + offset) % len(pool)].corpus
                if other is item.corpus:
                    other = pool[(index + offset + 1) % len(pool)].corpus
                other_signals = compute_signals(other, question, vector)
                features.append(abstention_features(other_signals, other.known_share(question)))
                labels.append(0)
    x = np.asarray(features)
    y = np.asarray(labels)
    model = LogisticRegression(C=10.0, max_iter=5000).fit(x, y)
    proba = model.predict_proba(x)[:, 1]
    negatives = np.sort(proba[y == 0])
    threshold = float(
        negatives[min(int(TARGET_NEGATIVES_ABSTAINED * len(negatives)), len(negatives) - 1)]
    )
    w = [round(float(v), 3) for v in model.coef_[0]]
    fitted = AbstentionModel(
        bias=round(float(model.intercept_[0]), 3),
        best_dense=w[0],
        dense_margin=w[1],
        best_coverage=w[2],
        known_share=w[3],
        threshold=round(threshold, 3),
    )
    answered = float((proba[y == 1] >= threshold).mean())
    abstained = float((proba[y == 0] < threshold).mean())
    return fitted, answered, abstained
