"""Plain-text rendering of answers and summaries, for the console and the command line."""

from __future__ import annotations

from bot import texts
from index import Answer, Passage, Status, Summary


def sentence_label(passage: Passage) -> str:
    if passage.number == 0:
        return texts.TITLE_LABEL
    return texts.SENTENCE_LABEL.format(number=passage.number)


def render_answer(
    answer: Answer, *, max_question_chars: int, max_sentences: int | None = None
) -> str:
    """What a reader sees for an answer: sentences with their numbers, then the source."""
    if answer.status is Status.EMPTY:
        return texts.EMPTY_QUESTION
    if answer.status is Status.TOO_LONG:
        return texts.TOO_LONG.format(limit=max_question_chars)
    if answer.status is Status.NOT_COVERED:
        return f"{texts.NOT_COVERED}\n{texts.NOT_COVERED_HINT}"
    passages = best_passages(answer.passages, max_sentences)
    lines = [f"[{sentence_label(p)}] {p.text}" for p in passages]
    titles = dict.fromkeys(p.article_title for p in passages)
    lines.extend(texts.SOURCE_LABEL.format(title=t) for t in titles)
    return "\n".join(lines)


def best_passages(passages: tuple[Passage, ...], limit: int | None) -> tuple[Passage, ...]:
    """The ``limit`` best-scored of ``passages``, still in the order they are shown.

    An answer may list its sentences in article order, so the best is not always first.
    """
    if limit is None or len(passages) <= limit:
        return passages
    keep = sorted(passages, key=lambda p: p.score, reverse=True)[:limit]
    return tuple(p for p in passages if p in keep)


def render_summary(summary: Summary) -> str:
    lines = [texts.SUMMARY_HEADING.format(title=summary.article_title)]
    lines.extend(f"[{sentence_label(p)}] {p.text}" for p in summary.passages)
    return "\n".join(lines)
