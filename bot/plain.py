"""Plain-text rendering of answers and summaries, for the console and the command line."""

from __future__ import annotations

from bot import texts
from index.answer import Answer, Passage, Status, Summary


def sentence_label(passage: Passage) -> str:
    if passage.number == 0:
        return texts.TITLE_LABEL
    return texts.SENTENCE_LABEL.format(number=passage.number)


def render_answer(answer: Answer, *, max_question_chars: int) -> str:
    """What a reader sees for an answer: sentences with their numbers, then the source."""
    if answer.status is Status.EMPTY:
        return texts.EMPTY_QUESTION
    if answer.status is Status.TOO_LONG:
        return texts.TOO_LONG.format(limit=max_question_chars)
    if answer.status is Status.NOT_COVERED:
        return f"{texts.NOT_COVERED}\n{texts.NOT_COVERED_HINT}"
    lines = [f"[{sentence_label(p)}] {p.text}" for p in answer.passages]
    titles = dict.fromkeys(p.article_title for p in answer.passages)
    lines.extend(texts.SOURCE_LABEL.format(title=t) for t in titles)
    return "\n".join(lines)


def render_summary(summary: Summary) -> str:
    lines = [texts.SUMMARY_HEADING.format(title=summary.article_title)]
    lines.extend(f"[{sentence_label(p)}] {p.text}" for p in summary.passages)
    return "\n".join(lines)
