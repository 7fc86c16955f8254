"""Retrieval quality on evaluation files, ranking with the shipped code paths.

Two formats are read: context sets (each line an article's sentences and its
questions with gold sentence indices; ranking is within that article) and
article questions (``question`` plus ``gold_contains`` substrings, asked of
the built index; an empty list means the right answer is to abstain).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from index.abstention import AbstentionModel, abstention_features
from index.background import load_background
from index.calibration import DEFAULT_CALIBRATION, Calibration
from index.context_sets import (
    MISS,
    ContextSet,
    EmbeddedContexts,
    context_corpora,
    embed_contexts,
    gold_rank,
    other_context,
    rank_metrics,
)
from index.corpus import Corpus
from index.embedding import Embedder
from index.errors import EvalFileError
from index.ranking import FusionWeights, Method, compute_signals, fuse
from index.service import AnsweringService

# The largest shared evaluation file is under 1 MB; a hundred times that is no evaluation file.
MAX_EVAL_BYTES = 100_000_000


@dataclass(frozen=True, slots=True)
class EvalResult:
    questions: int
    top1: float
    top3: float
    mrr: float
    answered: int
    abstained: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ArticleQuestion:
    question: str
    gold_contains: list[str]


EvalFile = list[ContextSet] | list[ArticleQuestion]


def read_eval_file(path: Path) -> EvalFile:
    """Parse either format, with a one-line error naming the bad line."""
    try:
        lines = _read_bounded(path).decode("utf-8-sig").splitlines()
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path} is not UTF-8 text") from exc
    rows = list(_json_rows(path, lines))
    if not rows:
        raise EvalFileError(f"{path} holds no evaluation lines")
    if all("sentences" in r for r in rows):
        return [_context_set(path, n, r) for n, r in rows_numbered(rows)]
    if all("question" in r for r in rows):
        return [_article_question(path, n, r) for n, r in rows_numbered(rows)]
    raise EvalFileError(
        f"{path}: every line needs either 'sentences' and 'questions' (context sets) "
        "or 'question' and 'gold_contains' (article questions)"
    )


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, refusing what never ends (a device, a pipe) or is far too large."""
    if not stat.S_ISREG(path.stat().st_mode):  # before opening: a pipe would block open()
        raise EvalFileError(f"{path} is not a regular file")
    with path.open("rb") as handle:
        content = handle.read(MAX_EVAL_BYTES + 1)
    if len(content) > MAX_EVAL_BYTES:
        raise EvalFileError(f"{path} is larger than {MAX_EVAL_BYTES:,} bytes")
    return content


def rows_numbered(rows: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    return ((int(r.pop("__line__")), r) for r in rows)


def _json_rows(path: Path, lines: list[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        except RecursionError as exc:  # thousands of nested brackets
            raise EvalFileError(f"{path}:{number}: JSON nested too deeply") from exc
        if not isinstance(row, dict):
            raise EvalFileError(f"{path}:{number}: each line must be a JSON object")
        row["__line__"] = number
        yield row


def _context_set(path: Path, number: int, row: dict[str, Any]) -> ContextSet:
    sentences, questions = row.get("sentences"), row.get("questions")
    if not _is_list_of(sentences, str) or not sentences:
        raise EvalFileError(f"{path}:{number}: 'sentences' must be a non-empty list of strings")
    if not _is_list_of(questions, dict):
        raise EvalFileError(f"{path}:{number}: 'questions' must be a list of objects")
    parsed: list[tuple[str, frozenset[int]]] = []
    for q in questions:
        question, gold = q.get("question"), q.get("gold")
        if not isinstance(question, str) or not question.strip():
            raise EvalFileError(f"{path}:{number}: every question needs a non-empty 'question'")
        # bool is an int to Python, and 1.9 would silently become 1: both are typos here.
        if not _is_list_of(gold, int) or any(isinstance(g, bool) for g in gold) or not gold:
            raise EvalFileError(f"{path}:{number}: 'gold' must be a non-empty list of integers")
        if not all(0 <= g < len(sentences) for g in gold):
            raise EvalFileError(f"{path}:{number}: gold sentence index out of range")
        parsed.append((question, frozenset(gold)))
    return ContextSet(str(row.get("context_id", number)), sentences, parsed)


def _article_question(path: Path, number: int, row: dict[str, Any]) -> ArticleQuestion:
    question, gold = row.get("question"), row.get("gold_contains", [])
    if not isinstance(question, str) or not question.strip():
        raise EvalFileError(f"{path}:{number}: 'question' must be a non-empty string")
    # An empty substring is found in every sentence and would count any answer as right.
    if not _is_list_of(gold, str) or not all(g.strip() for g in gold):
        raise EvalFileError(f"{path}:{number}: gold_contains must be a list of non-empty strings")
    return ArticleQuestion(question, list(gold))


def _is_list_of(value: object, kind: type) -> TypeGuard[list[Any]]:
    return isinstance(value, list) and all(isinstance(v, kind) for v in value)


Scorer = Callable[[Corpus, str, np.ndarray], np.ndarray]


def method_scorer(
    method: Method, calibration: Calibration | FusionWeights = DEFAULT_CALIBRATION
) -> Scorer:
    """Scores as the shipped ranking computes them for ``method``.

    Only the shipped method uses the calibration (its weights and query adapter); the
    others are the plain references. Bare weights mean a calibration without adapter.
    """
    if isinstance(calibration, FusionWeights):
        calibration = Calibration(calibration, DEFAULT_CALIBRATION.abstention)

    def score(corpus: Corpus, question: str, vector: np.ndarray) -> np.ndarray:
        if method is Method.HYBRID:
            vector = calibration.query_vectors(vector)
        return fuse(compute_signals(corpus, question, vector), method, calibration.weights)

    return score


def evaluate_contexts(
    contexts: Sequence[ContextSet] | EmbeddedContexts, embedder: Embedder, scorer: Scorer
) -> EvalResult:
    """Rank each question within its own context; top-1, top-3 and MRR over all questions."""
    embedded = (
        contexts if isinstance(contexts, EmbeddedContexts) else embed_contexts(contexts, embedder)
    )
    ranks = [
        gold_rank(scorer(corpus, q.question, q.vector), q.gold)
        for corpus, questions in context_corpora(embedded)
        for q in questions
    ]
    return _result(ranks, answered=len(ranks), abstained=0)


@dataclass(frozen=True, slots=True)
class AbstentionResult:
    """Own-context questions answered, and the same questions declined on another article."""

    questions: int
    answered_own: float
    declined_other: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_abstention_pairs(
    contexts: Sequence[ContextSet] | EmbeddedContexts,
    embedder: Embedder,
    calibration: Calibration = DEFAULT_CALIBRATION,
    cache_dir: Path | None = None,
) -> AbstentionResult:
    """Ask each question of its own context and of another article of the same file.

    The other article is off-topic by construction, so declining there is right and
    answering is not; at the own context it is the other way round.
    """
    embedded = (
        contexts if isinstance(contexts, EmbeddedContexts) else embed_contexts(contexts, embedder)
    )
    items = list(context_corpora(embedded))
    if len(items) < 2:
        raise EvalFileError("the abstention check needs at least two contexts")
    model: AbstentionModel = calibration.abstention
    background = load_background(embedder, cache_dir)
    answered = declined = total = 0
    for index, (corpus, questions) in enumerate(items):
        other = items[other_context(index, len(items))][0]
        for q in questions:
            vector = calibration.query_vectors(q.vector)
            stats = background.stats(vector)[0]
            for asked, own in ((corpus, True), (other, False)):
                signals = compute_signals(asked, q.question, vector)
                said_yes = model.answers(abstention_features(signals, stats))
                answered += own and said_yes
                declined += not own and not said_yes
            total += 1
    return AbstentionResult(total, round(answered / total, 4), round(declined / total, 4))


def evaluate_article_questions(
    questions: list[ArticleQuestion], service: AnsweringService
) -> EvalResult:
    """Ask the built index; an abstention is right exactly when the gold list is empty."""
    answers = service.ask_many([q.question for q in questions], k=len(service.corpus))
    ranks: list[int] = []
    answered = 0
    for q, answer in zip(questions, answers, strict=True):
        answered += answer.answered
        if not q.gold_contains:
            ranks.append(0 if not answer.answered else MISS)
            continue
        if not answer.answered:
            ranks.append(MISS)
            continue
        hits = [r for r, p in enumerate(answer.ranked) if any(g in p.text for g in q.gold_contains)]
        ranks.append(hits[0] if hits else MISS)
    return _result(ranks, answered=answered, abstained=len(questions) - answered)


def _result(ranks: list[int], *, answered: int, abstained: int) -> EvalResult:
    m = rank_metrics(ranks)
    return EvalResult(m.questions, m.top1, m.top3, m.mrr, answered, abstained)
