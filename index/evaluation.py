"""Retrieval quality on evaluation files, ranking with the shipped code paths.

Two formats are read: context sets (each line an article's sentences and its
questions with gold sentence indices; ranking is within that article) and
article questions (``question`` plus ``gold_contains`` substrings, asked of
the built index; an empty list means the right answer is to abstain).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from index.clauses import SentenceVectors, embed_sentences
from index.corpus import Corpus
from index.embedding import Embedder
from index.errors import EvalFileError
from index.ranking import HYBRID_WEIGHTS, FusionWeights, Method, compute_signals, fuse
from index.sentences import Sentence
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
class ContextSet:
    context_id: str
    sentences: list[str]
    questions: list[tuple[str, frozenset[int]]]


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


def method_scorer(method: Method, weights: FusionWeights = HYBRID_WEIGHTS) -> Scorer:
    """Scores as the shipped ranking computes them for ``method`` (``weights``: the hybrid's)."""

    def score(corpus: Corpus, question: str, vector: np.ndarray) -> np.ndarray:
        return fuse(compute_signals(corpus, question, vector), method, weights)

    return score


@dataclass(frozen=True, slots=True)
class EmbeddedContexts:
    """Context sets with their vectors, so several methods can be compared on one embedding."""

    contexts: list[ContextSet]
    sentences: SentenceVectors
    questions: np.ndarray


def embed_contexts(contexts: list[ContextSet], embedder: Embedder) -> EmbeddedContexts:
    all_sentences = [s for c in contexts for s in c.sentences]
    all_questions = [q for c in contexts for q, _ in c.questions]
    return EmbeddedContexts(
        contexts, embed_sentences(embedder, all_sentences), embedder.embed_queries(all_questions)
    )


def evaluate_contexts(
    contexts: list[ContextSet] | EmbeddedContexts, embedder: Embedder, scorer: Scorer
) -> EvalResult:
    """Rank each question within its own context; top-1, top-3 and MRR over all questions."""
    embedded = (
        contexts if isinstance(contexts, EmbeddedContexts) else embed_contexts(contexts, embedder)
    )
    ranks: list[int] = []
    s_off = q_off = 0
    for context in embedded.contexts:
        n = len(context.sentences)
        sentences = [
            Sentence(context.context_id, i, t, 0, 0) for i, t in enumerate(context.sentences)
        ]
        corpus = Corpus(sentences, embedded.sentences.subset(s_off, s_off + n))
        for question, gold in context.questions:
            scores = scorer(corpus, question, embedded.questions[q_off])
            ranks.append(_gold_rank(scores, gold))
            q_off += 1
        s_off += n
    return _summarise(ranks, answered=len(ranks), abstained=0)


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
            ranks.append(0 if not answer.answered else _MISS)
            continue
        if not answer.answered:
            ranks.append(_MISS)
            continue
        hits = [r for r, p in enumerate(answer.ranked) if any(g in p.text for g in q.gold_contains)]
        ranks.append(hits[0] if hits else _MISS)
    return _summarise(ranks, answered=answered, abstained=len(questions) - answered)


_MISS = 10**9


def _gold_rank(scores: np.ndarray, gold: frozenset[int]) -> int:
    order = np.argsort(-scores, kind="stable")
    return next(r for r, i in enumerate(order) if int(i) in gold)


def _summarise(ranks: list[int], *, answered: int, abstained: int) -> EvalResult:
    n = len(ranks)
    if n == 0:
        return EvalResult(0, 0.0, 0.0, 0.0, answered, abstained)
    return EvalResult(
        questions=n,
        top1=round(sum(r == 0 for r in ranks) / n, 4),
        top3=round(sum(r < 3 for r in ranks) / n, 4),
        mrr=round(sum(1 / (r + 1) for r in ranks) / n, 4),
        answered=answered,
        abstained=abstained,
    )
