"""Evaluation files: context sets and article questions, read with one-line errors.

Context sets: each line an article's sentences and its questions with gold sentence
indices.  Article questions: ``question`` plus ``gold_contains`` substrings; an empty
list means the right answer is to abstain.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from index.errors import EvalFileError
from index.evaluation.context_sets import ContextSet

# The largest shared evaluation file is under 1 MB; a hundred times that is no evaluation file.
MAX_EVAL_BYTES = 100_000_000


@dataclass(frozen=True, slots=True)
class ArticleQuestion:
    question: str
    gold_contains: list[str]


EvalFile = list[ContextSet] | list[ArticleQuestion]


def read_eval_file(path: Path, questions: Path | None = None) -> EvalFile:
    """Parse either format, with a one-line error naming the bad line.

    ``questions``: a file of ``{"id", "question"}`` lines that replace the context sets'
    questions by id (the same questions in another language, say); questions it does not
    list are left out.
    """
    rows = _read_rows(path)
    if questions is not None:
        if not all("sentences" in r for r in rows):
            raise EvalFileError(f"{path}: only context sets can take their questions from a file")
        _replace_questions(rows, _read_questions(questions), questions)
    if all("sentences" in r for r in rows):
        return [_context_set(path, n, r) for n, r in rows_numbered(rows)]
    if all("question" in r for r in rows):
        return [_article_question(path, n, r) for n, r in rows_numbered(rows)]
    raise EvalFileError(
        f"{path}: every line needs either 'sentences' and 'questions' (context sets) "
        "or 'question' and 'gold_contains' (article questions)"
    )


def read_context_sets(path: Path, questions: Path | None = None) -> list[ContextSet]:
    """The file's context sets (see :func:`read_eval_file`); article questions are skipped."""
    return [c for c in read_eval_file(path, questions) if isinstance(c, ContextSet)]


def _read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        lines = _read_bounded(path).decode("utf-8-sig").splitlines()
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path} is not UTF-8 text") from exc
    rows = list(_json_rows(path, lines))
    if not rows:
        raise EvalFileError(f"{path} holds no evaluation lines")
    return rows


def _read_questions(path: Path) -> dict[str, str]:
    """Question id -> question text, from ``{"id", "question"}`` lines."""
    found: dict[str, str] = {}
    for row in _read_rows(path):
        number, qid, question = row["__line__"], row.get("id"), row.get("question")
        if not isinstance(qid, str | int) or isinstance(qid, bool):
            raise EvalFileError(f"{path}:{number}: every line needs an 'id' (string or integer)")
        if not isinstance(question, str) or not question.strip():
            raise EvalFileError(f"{path}:{number}: 'question' must be a non-empty string")
        found[str(qid)] = question
    return found


def _replace_questions(
    rows: list[dict[str, Any]], replacements: dict[str, str], source: Path
) -> None:
    """Each context's questions, as ``replacements`` words them; the rest left out."""
    matched = 0
    for row in rows:
        questions = row.get("questions")
        if not isinstance(questions, list):
            continue  # reported as malformed when the row is parsed
        kept = []
        for q in questions:
            if isinstance(q, dict) and str(q.get("id")) in replacements:
                kept.append({**q, "question": replacements[str(q.get("id"))]})
        row["questions"] = kept
        matched += len(kept)
    if not matched:
        raise EvalFileError(f"{source}: none of its question ids is in the evaluation file")


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
