"""Plain-text rendering of answers and summaries, for the console and the command line."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from index import AddedArticle, Answer, Passage, Status, StoredArticle, Summary


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


# ---------------------------------------------------------------- a chat's own articles
# The command line speaks to the operator in English (as its errors do); the console's
# replies are Arabic like the rest of it.


def added_at(stored: StoredArticle) -> str:
    """When an article was added, in UTC, to the minute."""
    return datetime.fromtimestamp(stored.added_at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def source_text(stored: StoredArticle) -> str:
    """How it was added: the source kind and its reference (a path, a link, a post)."""
    return f"{stored.source_kind} {stored.source_ref}".strip()


def render_added_line(added: AddedArticle) -> str:
    """The one line ``article-bot add`` prints."""
    a = added.article
    where = f"#{a.number} in chat {a.chat_id}: {a.title} ({a.sentences} sentences)"
    return f"added {where}" if added.created else f"already stored as {where}"


def render_article_line(stored: StoredArticle) -> str:
    """One line of ``article-bot articles``; the title last, as it has no fixed width."""
    return (
        f"#{stored.number}  {added_at(stored)}  {source_text(stored)}  "
        f"{stored.sentences} sentences  {stored.title}"
    )


def article_record(stored: StoredArticle) -> dict[str, object]:
    """One object of ``article-bot articles --json``; ``id`` is what answers name."""
    return {
        "id": stored.key,
        "chat": stored.chat_id,
        "number": stored.number,
        "title": stored.title,
        "added_at": datetime.fromtimestamp(stored.added_at, UTC).isoformat(timespec="seconds"),
        "source_kind": stored.source_kind,
        "source_ref": stored.source_ref,
        "sentences": stored.sentences,
    }


def render_console_added(added: AddedArticle) -> str:
    a = added.article
    template = texts.CONSOLE_ADDED if added.created else texts.ALREADY_ADDED
    return template.format(number=a.number, title=a.title, sentences=a.sentences)


def render_console_articles(articles: list[StoredArticle]) -> str:
    if not articles:
        return texts.CONSOLE_NO_ARTICLES
    return "\n".join(
        texts.CONSOLE_ARTICLE_LINE.format(
            number=a.number,
            title=a.title,
            sentences=a.sentences,
            added=added_at(a),
            source=f"{texts.SOURCE_KINDS.get(a.source_kind, a.source_kind)} {a.source_ref}".strip(),
        )
        for a in articles
    )
