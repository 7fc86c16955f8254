"""Arabic-aware sentence splitting.

General-purpose segmenters split Arabic at the Arabic comma (``،``) or inside
quotations, and they do not know the ``., `` joins this corpus uses between
sentences, so the splitter is written for this product: it scans the text once,
tracking quotes and brackets, and cuts only at a terminator that is followed by
whitespace, a comma or the end of the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

TERMINATORS = frozenset(".!?؟…۔")
# Closing marks that belong to the sentence they follow: `(...).)` or `«...؟»`.
CLOSERS = frozenset("'”’»)]}")
OPENING_BRACKETS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”"}
# Straight quotes open and close with the same character, so they toggle.
TOGGLING_QUOTES = frozenset('"')
STRAY_LEADING = " \t\r\n,،;؛"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One retrievable unit: where it comes from and where it sits in the source text."""

    article_id: str
    number: int
    text: str
    start: int
    end: int

    @property
    def is_title(self) -> bool:
        return self.number == 0


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` spans of the sentences of ``text``.

    Spans index into ``text`` and exclude the stray commas and spaces that
    separate sentences, so ``text[start:end]`` is the clean sentence.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in _boundaries(text):
        _append_span(text, start, cut, spans)
        start = cut
    _append_span(text, start, len(text), spans)
    return spans


def _boundaries(text: str) -> Iterator[int]:
    """Yield the offsets right after each sentence end."""
    open_brackets: list[str] = []
    in_quote = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in TOGGLING_QUOTES:
            in_quote = not in_quote
        elif ch in OPENING_BRACKETS:
            open_brackets.append(OPENING_BRACKETS[ch])
        elif open_brackets and ch == open_brackets[-1]:
            open_brackets.pop()
        elif ch in TERMINATORS and not open_brackets:
            end, closes_quote = _sentence_end(text, i, in_quote)
            if end is not None and (closes_quote or not in_quote):
                in_quote = False
                yield end
                i = end
                continue
        elif ch == "\n":
            # A line break always ends a unit: an unbalanced quote or bracket must not
            # swallow the rest of the article.
            in_quote = False
            open_brackets.clear()
            yield i
        i += 1


def _sentence_end(text: str, i: int, in_quote: bool) -> tuple[int | None, bool]:
    """Where a sentence whose terminator is at ``i`` ends, and whether that closes a quote.

    ``None`` means the terminator does not end a sentence (``3.5``, ``U.S``).
    """
    n = len(text)
    j = i + 1
    while j < n and text[j] in TERMINATORS:  # "?!" and "..." stay together
        j += 1
    if j < n and text[j] in TOGGLING_QUOTES:
        # Inside a quote the quote mark closes it and belongs to this sentence;
        # outside, it opens the next sentence's quotation.
        return (j + 1, True) if in_quote else (j, False)
    while j < n and text[j] in CLOSERS:
        j += 1
    if j == n or text[j].isspace() or text[j] in ",،":
        return j, False
    return None, False


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start] in STRAY_LEADING:
        start += 1
    while end > start and text[end - 1] in " \t\r\n,،":
        end -= 1
    if end > start:
        spans.append((start, end))


def article_sentences(article_id: str, title: str, body: str) -> list[Sentence]:
    """The title as sentence 0, then the body's sentences numbered from 1.

    Spans are offsets into ``title + "\\n" + body``, the text as stored on disk
    after its first line.
    """
    sentences: list[Sentence] = []
    clean_title = title.strip()
    if clean_title:
        offset = title.index(clean_title)
        sentences.append(Sentence(article_id, 0, clean_title, offset, offset + len(clean_title)))
    body_offset = len(title) + 1
    for number, (start, end) in enumerate(split_sentences(body), start=1):
        sentences.append(
            Sentence(article_id, number, body[start:end], body_offset + start, body_offset + end)
        )
    return sentences
