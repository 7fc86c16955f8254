"""Fitting the fusion weights on several question sets, and scoring them left out.

A weight that helps only the set it was fitted on is noise. Each set is turned
once into a table of candidate rows (one per sentence of the question's own
context, with every signal standardised as the ranking does it), so that a
weight grid is scored with a few array operations and a leave-one-set-out run
(fit on all sets but one, score the one left out) costs seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.embedding.embedder import Embedder
from index.evaluation.context_sets import (
    ContextSet,
    EmbeddedContexts,
    context_corpora,
    embed_contexts,
    other_context,
)
from index.retrieval.abstention import AbstentionModel, abstention_features
from index.retrieval.background import Background, load_background
from index.retrieval.calibration import Calibration
from index.retrieval.corpus import Corpus
from index.retrieval.query_adapter import QueryAdapter, fit_query_adapter
from index.retrieval.ranking import (
    FusionWeights,
    LexicalSignals,
    Method,
    combine_signals,
    compute_signals,
    dense_signals,
    dense_term,
    fuse,
    lexical_signals,
    lexical_term,
    zscore,
)

# The plain rankings a fitted fusion must not lose to on any set.
PLAIN_METHODS = (Method.DENSE, Method.BM25, Method.FUSION)

# Grid for the fusion weights: dense share (BM25 gets the rest; BM25 always keeps a share),
# coverage, answer type, previous sentence, the share of the dense signal taken from the
# best clause, and the character-trigram coverage.  Geometric where the best weight was
# found far above the first grid's: coverage, answer type and the trigrams are shares or
# flags in [0, 1] set against a dense term counted in steps of 0.03 of cosine.  The fitted
# weights sit inside the grid, not on its edge.
WEIGHT_GRID: tuple[tuple[float, ...], ...] = (
    (0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    (0.0, 0.6, 1.2, 2.4, 4.8, 9.6, 19.2),
    (0.0, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6),
    (0.0, 0.1, 0.2),
    (0.0, 0.35, 0.7),
    (0.0, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6),
)
FEATURES = ("coverage", "answer_type", "neighbour", "clause_share", "char_coverage")


@dataclass(slots=True)
class FitQuestion:
    question: str
    gold: frozenset[int]
    vector: np.ndarray
    lexical: LexicalSignals


@dataclass(slots=True)
class FitSet:
    """One question set, with the signals that do not depend on the query vector."""

    name: str
    contexts: list[tuple[Corpus, list[FitQuestion]]]

    @property
    def questions(self) -> list[FitQuestion]:
        return [q for _, qs in self.contexts for q in qs]


def prepare_set(name: str, embedded: EmbeddedContexts) -> FitSet:
    contexts = [
        (
            corpus,
            [
                FitQuestion(q.question, q.gold, q.vector, lexical_signals(corpus, q.question))
                for q in questions
            ],
        )
        for corpus, questions in context_corpora(embedded)
    ]
    return FitSet(name, contexts)


@dataclass(slots=True)
class RankTable:
    """Standardised signals of every (question, own-context sentence) row of one set."""

    blended: dict[float, np.ndarray]  # clause share -> dense term per row
    bm25: np.ndarray
    coverage: np.ndarray
    type_match: np.ndarray
    neighbour: np.ndarray
    char_coverage: np.ndarray
    gold: np.ndarray
    starts: np.ndarray  # first row of each question
    group: np.ndarray  # question of each row
    # Each plain ranking's score per row (dense alone, BM25 alone, plain fusion).
    baselines: tuple[np.ndarray, ...] = ()

    def ranks(self, weights: FusionWeights) -> np.ndarray:
        """0-based rank of each question's best gold sentence under ``weights``."""
        scores = (
            weights.dense * self.blended[weights.clause_share]
            + weights.bm25 * self.bm25
            + weights.coverage * self.coverage
            + weights.answer_type * self.type_match
            + weights.neighbour * self.neighbour
            + weights.char_coverage * self.char_coverage
        )
        return self.ranks_of(scores)

    def ranks_of(self, scores: np.ndarray) -> np.ndarray:
        """0-based rank of each question's best gold sentence under one score per row."""
        best_gold = np.maximum.reduceat(np.where(self.gold, scores, -np.inf), self.starts)
        g = best_gold[self.group]
        # Ties keep corpus order (a stable sort), as in the answering path: an equal
        # sentence before the first best gold one ranks above it. Duplicated sentences tie.
        rows = np.arange(len(scores))
        first = np.minimum.reduceat(
            np.where(self.gold & (scores == g), rows, len(scores)), self.starts
        )
        above = (scores > g) | ((scores == g) & (rows < first[self.group]))
        ranks: np.ndarray = np.add.reduceat(above.astype(np.int64), self.starts)
        return ranks

    def score(self, weights: FusionWeights) -> tuple[float, float]:
        ranks = self.ranks(weights)
        return float((ranks == 0).mean()), float((1.0 / (ranks + 1)).mean())

    def best_baseline_top1(self) -> float:
        """The best top-1 of the plain rankings on this set (0 when none was recorded)."""
        return max((float((self.ranks_of(b) == 0).mean()) for b in self.baselines), default=0.0)


def rank_table(
    fit_set: FitSet,
    adapter: QueryAdapter | None = None,
    clause_shares: Sequence[float] = WEIGHT_GRID[4],
) -> RankTable:
    """The set's rows, with dense signals from the (adapted) question vectors."""
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("bm25", "cov", "type", "prev", "chars", "gold")
    }
    plain: dict[Method, list[np.ndarray]] = {m: [] for m in PLAIN_METHODS}
    blended: dict[float, list[np.ndarray]] = {c: [] for c in clause_shares}
    sizes: list[int] = []
    for corpus, questions in fit_set.contexts:
        if not questions:
            continue
        vectors = np.stack([q.vector for q in questions])
        if adapter is not None:
            vectors = adapter.apply(vectors)
        for q, vector in zip(questions, vectors, strict=True):
            s = combine_signals(q.lexical, dense_signals(corpus, vector))
            for c in clause_shares:
                blended[c].append(dense_term(s, c))
            cols["bm25"].append(lexical_term(s))
            cols["cov"].append(s.coverage)
            cols["type"].append(s.type_match)
            cols["prev"].append(zscore(s.neighbour))
            cols["chars"].append(s.char_coverage)
            cols["gold"].append(np.isin(np.arange(s.size), sorted(q.gold)))
            for method, values in plain.items():
                values.append(fuse(s, method))
            sizes.append(s.size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return RankTable(
        blended={c: np.concatenate(v) for c, v in blended.items()},
        bm25=np.concatenate(cols["bm25"]),
        coverage=np.concatenate(cols["cov"]),
        type_match=np.concatenate(cols["type"]),
        neighbour=np.concatenate(cols["prev"]),
        char_coverage=np.concatenate(cols["chars"]),
        gold=np.concatenate(cols["gold"]),
        starts=starts,
        group=np.repeat(np.arange(len(sizes)), sizes),
        baselines=tuple(np.concatenate(v) for v in plain.values()),
    )


def weight_grid(
    grid: tuple[tuple[float, ...], ...] = WEIGHT_GRID, drop: Sequence[str] = ()
) -> list[FusionWeights]:
    """Every weight setting of the grid; a feature in ``drop`` stays at zero."""
    axes = [
        (0.0,) if name in drop else values for name, values in zip(FEATURES, grid[1:], strict=True)
    ]
    return [
        FusionWeights(round(d, 2), round(1 - d, 2), cov, typ, prev, clause, chars)
        for d, cov, typ, prev, clause, chars in itertools.product(grid[0], *axes)
    ]


# How far below the best plain ranking (dense alone, BM25 alone, plain fusion) a fitted
# setting may fall on any one set.
BASELINE_TOLERANCE = 0.005


def baseline_floor(table: RankTable) -> float:
    """The top-1 a fitted setting must keep on this set."""
    return table.best_baseline_top1() - BASELINE_TOLERANCE


def search_weights(
    tables: Sequence[RankTable], candidates: Sequence[FusionWeights]
) -> tuple[FusionWeights, tuple[float, float]]:
    """The candidate with the best mean top-1 over the tables (each set counts once), then MRR.

    Only candidates that keep every set at or above its :func:`baseline_floor` compete, when
    any does: a higher mean bought by losing one kind of question to a plain ranking is the
    kind of gain that does not carry over to question sets nobody fitted on.
    """
    floors = [baseline_floor(t) for t in tables]
    best: tuple[tuple[bool, float, float], FusionWeights] | None = None
    for weights in candidates:
        scores = [t.score(weights) for t in tables]
        key = (
            all(s[0] >= floor for s, floor in zip(scores, floors, strict=True)),
            float(np.mean([s[0] for s in scores])),
            float(np.mean([s[1] for s in scores])),
        )
        if best is None or key > best[0]:
            best = (key, weights)
    assert best is not None
    return best[1], best[0][1:]


@dataclass(frozen=True, slots=True)
class Recipe:
    """What is fitted: which features the grid may use, and the query adapter's strength."""

    drop: tuple[str, ...] = ()
    adapter_strength: float | None = None  # None: no adapter

    def with_adapter(self, strength: float | None) -> Recipe:
        return replace(self, adapter_strength=strength)


# What ships: chosen by the leave-one-set-out figures in the README's directions table.
SHIPPED_RECIPE = Recipe(drop=("neighbour",))


def adapter_pairs(sets: Sequence[FitSet]) -> tuple[np.ndarray, np.ndarray]:
    """Each question's vector and the mean vector of its gold sentences, over ``sets``."""
    queries: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for fit_set in sets:
        for corpus, questions in fit_set.contexts:
            for q in questions:
                queries.append(q.vector)
                target = corpus.vectors[sorted(q.gold)].mean(axis=0)
                targets.append(target / max(float(np.linalg.norm(target)), 1e-12))
    return np.stack(queries), np.stack(targets)


@dataclass(frozen=True, slots=True)
class Fitted:
    weights: FusionWeights
    adapter: QueryAdapter | None
    in_sample: tuple[float, float]


def fit(sets: Sequence[FitSet], recipe: Recipe) -> Fitted:
    """Fit the adapter (if the recipe has one), then the weights, on ``sets``."""
    adapter = None
    if recipe.adapter_strength is not None:
        adapter = fit_query_adapter(*adapter_pairs(sets), strength=recipe.adapter_strength)
    tables = [rank_table(s, adapter) for s in sets]
    weights, score = search_weights(tables, weight_grid(drop=recipe.drop))
    return Fitted(weights, adapter, score)


@dataclass(frozen=True, slots=True)
class LeaveOneOut:
    """One set's top-1 / MRR when fitted without it, and when fitted on all sets."""

    name: str
    left_out: tuple[float, float]
    in_sample: tuple[float, float]
    weights: FusionWeights


def leave_one_set_out(sets: Sequence[FitSet], recipe: Recipe) -> list[LeaveOneOut]:
    """For each set: fit on the others and score it; also score it under the all-sets fit."""
    everything = fit(sets, recipe)
    rows = []
    for i, held in enumerate(sets):
        fitted = fit([s for j, s in enumerate(sets) if j != i], recipe)
        left_out = rank_table(held, fitted.adapter).score(fitted.weights)
        in_sample = rank_table(held, everything.adapter).score(everything.weights)
        rows.append(LeaveOneOut(held.name, left_out, in_sample, fitted.weights))
    return rows


# ------------------------------------------------------------------------ abstention

# Each question is also asked of the contexts this far away in its file (as a share of
# the file's length), which are other articles: off-topic by construction.
NEGATIVE_SHARES = (0.5, 0.3)
# The operating point: the share of own-context questions of the fitting sets that must
# be answered. Refusing a fair question costs a reader more than a loosely related answer.
TARGET_ANSWERED = 0.98


def abstention_rows(
    fit_set: FitSet,
    adapter: QueryAdapter | None,
    background: Background,
    pool: Sequence[Corpus] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Features of every question at its own context (label 1) and at other ones (label 0).

    ``pool``: further contexts to draw the other articles from (default: the set's own).
    """
    corpora = [c for c, _ in fit_set.contexts]
    others = [*corpora, *[c for c in pool if all(c is not k for k in corpora)]]
    features: list[tuple[float, ...]] = []
    labels: list[int] = []
    for index, (corpus, questions) in enumerate(fit_set.contexts):
        if not questions:
            continue
        vectors = np.stack([q.vector for q in questions])
        if adapter is not None:
            vectors = adapter.apply(vectors)
        stats = background.stats(vectors)
        for q, vector, row in zip(questions, vectors, stats, strict=True):
            own = combine_signals(q.lexical, dense_signals(corpus, vector))
            features.append(abstention_features(own, row, q.question))
            labels.append(1)
            for share in NEGATIVE_SHARES:
                other = others[other_context(index, len(others), share)]
                if other is corpus:
                    continue
                features.append(
                    abstention_features(compute_signals(other, q.question, vector), row, q.question)
                )
                labels.append(0)
    return np.asarray(features, dtype=np.float64), np.asarray(labels)


def fit_abstention(
    rows: Sequence[tuple[np.ndarray, np.ndarray]], target_answered: float = TARGET_ANSWERED
) -> tuple[AbstentionModel, float, float]:
    """Logistic regression over the rows of every set; each set weighs the same.

    The threshold answers ``target_answered`` of the own-context questions written in
    Arabic script (all of them if there are none), so English rows teach the model what
    English questions look like without moving the point Arabic questions are judged at.
    Returns the model, the share of own-context questions answered and the share of
    other-article pairs declined, on the fitting rows.
    """
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    weight = np.concatenate([np.full(len(r[1]), 1.0 / len(r[1])) for r in rows]) * len(y)
    model = LogisticRegression(C=10.0, max_iter=5000).fit(x, y, sample_weight=weight)
    proba = model.predict_proba(x)[:, 1]
    arabic = (y == 1) & (x[:, 2] < 0.5)
    positives = np.sort(proba[arabic] if arabic.any() else proba[y == 1])
    threshold = float(positives[int((1 - target_answered) * len(positives))])
    w = [round(float(v), 3) for v in model.coef_[0]]
    fitted = AbstentionModel(
        bias=round(float(model.intercept_[0]), 3),
        best_vs_background=w[0],
        best_coverage=w[1],
        threshold=round(threshold, 3),
        latin_share=w[2],
    )
    return fitted, *abstention_rates(fitted, x, y)


def abstention_rates(model: AbstentionModel, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Share of label-1 rows answered and of label-0 rows declined."""
    answered = np.asarray([model.answers((float(a), float(b), float(c))) for a, b, c in x])
    return float(answered[y == 1].mean()), float((~answered[y == 0]).mean())


@dataclass(frozen=True, slots=True)
class AbstentionLeftOut:
    """One set's abstention rates under a model fitted without it, per question language."""

    name: str
    rates: dict[str, tuple[float, float]]  # language -> (answered own, declined other)


def abstention_leave_one_set_out(
    rows: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]],
) -> list[AbstentionLeftOut]:
    """``rows[set][language]``: fit on every language of the other sets, score this one."""
    out = []
    for held in rows:
        fitting = [
            r for name, by_language in rows.items() if name != held for r in by_language.values()
        ]
        model, _, _ = fit_abstention(fitting)
        rates = {lang: abstention_rates(model, *r) for lang, r in rows[held].items()}
        out.append(AbstentionLeftOut(held, rates))
    return out


# ------------------------------------------------------------------------ one calibration


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """How the fitted calibration scores on the data it was fitted on."""

    calibration: Calibration
    top1: float
    mrr: float
    answerable_answered: float
    off_topic_abstained: float


def fit_calibration_on(
    contexts: Sequence[ContextSet],
    embedder: Embedder,
    off_topic: Sequence[ContextSet] = (),
    recipe: Recipe | None = None,
) -> CalibrationReport:
    """Weights and abstention for one model from one set of contexts (and extra off-topic ones)."""
    asked = {c.context_id for c in contexts}
    extra = [c for c in off_topic if c.context_id not in asked]
    if not contexts or len(contexts) + len(extra) < 2:
        raise ValueError("calibration needs at least two contexts (one to ask, one off-topic)")
    fit_set = prepare_set("fitting", embed_contexts(contexts, embedder))
    pool = [c for c, _ in context_corpora(embed_contexts(extra, embedder))] if extra else []
    fitted = fit([fit_set], recipe or SHIPPED_RECIPE)
    background = load_background(embedder)
    abstention, answered, declined = fit_abstention(
        [abstention_rows(fit_set, fitted.adapter, background, pool)]
    )
    calibration = Calibration(fitted.weights, abstention, fitted.adapter)
    top1, mrr = fitted.in_sample
    return CalibrationReport(calibration, top1, mrr, answered, declined)
