"""HTML rendering of answers and summaries for Telegram (``parse_mode=HTML``).

Mirrors :mod:`bot.plain` line for line so that the console and the bot show the same
thing. Every piece of article or user text goes through :func:`html.escape`: an unescaped
``<`` or ``&`` makes Telegram reject the whole message. Each line starts with a
RIGHT-TO-LEFT MARK so that lines beginning with a digit, a Latin word or a command still
lay out right to left in every client.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from html import escape

from bot import texts
from bot.plain import render_answer as render_plain_answer
from bot.plain import sentence_label
from index import Answer, Passage, Status, Summary
from index.text import STOPWORDS, stem, tokenize

RLM = "\u200f"
# A word of the original text: letters and digits plus the marks normalisation deletes
# (harakat, tatweel), so a vocalised word stays one word, as it is for the tokenizer.
_WORD = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640])+")
_TITLE_CHARS = 60


def rtl(text: str) -> str:
    """Prefix every non-empty line with a RIGHT-TO-LEFT MARK."""
    return "\n".join(f"{RLM}{line}" if line.strip() else line for line in text.split("\n"))


def plain_html(text: str) -> str:
    """A fixed reply text (``bot.texts``), escaped and laid out right to left."""
    return rtl(escape(text, quote=False))


def matches(word: str, terms: Collection[str]) -> bool:
    """Whether ``word`` (original spelling) is one of the question's content words."""
    return any(tok not in STOPWORDS and stem(tok) in terms for tok in tokenize(word))


def highlight(text: str, terms: Collection[str]) -> str:
    """Escape ``text`` and bold the words whose stem is among ``terms``.

    Neighbouring bold words share one tag, so a matched name reads as one phrase.
    """
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text) if terms else ():
        if not matches(match.group(0), terms):
            continue
        start, end = match.span()
        if spans and not text[spans[-1][1] : start].strip():
            start = spans.pop()[0]
        spans.append((start, end))
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(escape(text[pos:start], quote=False))
        out.append(f"<b>{escape(text[start:end], quote=False)}</b>")
        pos = end
    out.append(escape(text[pos:], quote=False))
    return "".join(out)


def passage_line(passage: Passage, terms: Collection[str] = (), *, emphasise: bool = False) -> str:
    """``[label] sentence`` with the label in italics (bold for the sentence in focus)."""
    tag = "b" if emphasise else "i"
    label = escape(f"[{sentence_label(passage)}]", quote=False)
    return f"{RLM}<{tag}>{label}</{tag}> {highlight(passage.text, terms)}"


def source_lines(passages: Iterable[Passage]) -> list[str]:
    titles = dict.fromkeys(p.article_title for p in passages)
    return [
        f"{RLM}<i>{escape(texts.SOURCE_LABEL.format(title=t), quote=False)}</i>" for t in titles
    ]


def heading(text: str) -> str:
    return f"{RLM}<b>{escape(text, quote=False)}</b>"


def render_answer(answer: Answer, *, max_question_chars: int) -> str:
    """The reply to a question: sentences with their numbers and bold matches, then the source.

    Abstentions and refusals take their wording from :func:`bot.plain.render_answer`, so
    the two front ends cannot drift apart.
    """
    if answer.status is not Status.ANSWERED or not answer.passages:
        return plain_html(render_plain_answer(answer, max_question_chars=max_question_chars))
    return render_passages(answer.passages, answer.terms)


def render_passages(
    passages: Sequence[Passage],
    terms: Collection[str] = (),
    *,
    title: str | None = None,
    focus: tuple[str, int] | None = None,
) -> str:
    """Sentences (optionally under a heading) followed by their article titles."""
    lines = [heading(title)] if title else []
    lines.extend(
        passage_line(p, terms, emphasise=(p.article_id, p.number) == focus) for p in passages
    )
    lines.extend(source_lines(passages))
    return "\n".join(lines)


def render_summary(summary: Summary) -> str:
    lines = [heading(texts.SUMMARY_HEADING.format(title=summary.article_title))]
    lines.extend(passage_line(p) for p in summary.passages)
    return "\n".join(lines)


def render_summaries(summaries: Sequence[Summary]) -> str:
    return "\n\n".join(render_summary(s) for s in summaries)


def sentence_start(text: str, limit: int = _TITLE_CHARS) -> str:
    """The first words of a sentence, cut at a word boundary: inline result titles."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip("،,؛ ") + "…"
