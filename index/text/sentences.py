"""Arabic-aware sentence splitting.

General-purpose segmenters split Arabic at the Arabic comma (``،``) or inside
quotations, and they do not know the ``., `` joins this corpus uses between
sentences, so the splitter is written for this product: it scans the text once,
tracking quotes and brackets, and cuts only at a terminator that is followed by
whitespace, a comma or the end of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

TERMINATORS = frozenset(".!?؟…۔")
# Closing marks that belong to the sentence they follow: `(...).)` or `«...؟»`.
CLOSERS = frozenset("'”’»)]}")
OPENING_BRACKETS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”"}
# Straight quotes open and close with the same character, so they toggle.
TOGGLING_QUOTES = frozenset('"')
# A quotation or parenthesis in a news article runs for a few sentences at most. A mark
# whose closer is further away than this (or on a later line) is a typo or an inch mark,
# not an opening: protecting the text after it would merge a whole one-line article into
# one sentence, so it is kept as a plain character instead.
MAX_ENCLOSED_CHARS = 600
# A line break always ends a unit.
LINE_BREAKS = frozenset("\n\u2028\u2029")
# Invisible marks that pasted Arabic text carries between words: they separate like a
# space and never belong at either end of a sentence (left/right-to-left and Arabic
# letter marks, zero-width space, byte order mark).
INVISIBLE_SPACES = frozenset("\u200e\u200f\u061c\u200b\ufeff")
# A longer run without a sentence end (an article pasted without punctuation) is cut
# into pieces of at most this many characters, at a clause mark or else between words:
# three such sentences, the best and two supporting ones, fit one Telegram message
# (4,096 characters) with their title and numbers, and the model reads them whole.
MAX_SENTENCE_CHARS = 600
# Clause marks a long run is cut after; between digits a comma or colon is a number or a
# time ("3,500", "10:30").
_CLAUSE_MARK = re.compile(r"[،;؛]|(?<!\d)[,:]|[,:](?!\d)")
# Separators left over around a cut, besides whitespace.
STRAY_LEADING = ",،;؛"
STRAY_TRAILING = ",،"


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
    bracketed_until = -1  # offset of the furthest closer of the brackets opened so far
    quote_end = -1  # offset of the straight quote that closes the current quotation
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in TOGGLING_QUOTES:
            # The closer of a quotation is the next straight quote, so any quote past the
            # current closer is a candidate opener.
            if i > quote_end:
                quote_end = _closing_quote(text, i)
        elif ch in OPENING_BRACKETS:
            bracketed_until = max(bracketed_until, _closing_bracket(text, i))
        elif ch in TERMINATORS and i > bracketed_until:
            in_quote = i < quote_end
            end, closes_quote = _sentence_end(text, i, in_quote)
            if end is not None and (closes_quote or not in_quote):
                yield end
                i = end
                continue
        elif ch in LINE_BREAKS:
            yield i
        i += 1


def _closing_quote(text: str, i: int) -> int:
    """Offset of the quote closing a quotation that the quote at ``i`` opens, else -1.

    A quote opens only if text follows it and is closed only by a next quote that
    follows text, so an inch mark (``55" ``) opens nothing and a quotation left
    unclosed does not pair with the opening quote of a later one (`` "قدمنا``).
    """
    if i + 1 >= len(text) or _is_space(text[i + 1]):
        return -1
    j = text.find(text[i], i + 1, _search_limit(text, i))
    if j < 0 or _is_space(text[j - 1]):
        return -1
    return j


def _closing_bracket(text: str, i: int) -> int:
    """Offset of the bracket or guillemet matching the opener at ``i``, else -1."""
    opener = text[i]
    closer = OPENING_BRACKETS[opener]
    limit = _search_limit(text, i)
    depth = 0  # brackets of the same kind opened inside this one and not closed yet
    start = i + 1
    while (j := text.find(closer, start, limit)) >= 0:
        depth += text.count(opener, start, j)
        if depth == 0:
            return j
        depth -= 1
        start = j + 1
    return -1


def _search_limit(text: str, i: int) -> int:
    """How far a mark at ``i`` may look for its closer: a bounded stretch of its own line."""
    limit = min(len(text), i + 1 + MAX_ENCLOSED_CHARS)
    for line_break in LINE_BREAKS:
        j = text.find(line_break, i + 1, limit)
        if j >= 0:
            limit = j
    return limit


def _sentence_end(text: str, i: int, in_quote: bool) -> tuple[int | None, bool]:
    """Where a sentence whose terminator is at ``i`` ends, and whether that closes a quote.

    ``None`` means the terminator does not end a sentence (``3.5``, ``U.S``, ``د. محمد``).
    """
    if text[i] == "." and _is_initial(text, i):
        return None, False
    n = len(text)
    j = i + 1
    while j < n and text[j] in TERMINATORS:  # "?!" and "..." stay together
        j += 1
    if j < n and text[j] in TOGGLING_QUOTES:
        if in_quote:
            # The quote mark closes the quotation and belongs to this sentence.
            return j + 1, True
        if j + 1 < n and not _is_space(text[j + 1]):
            # It opens the next sentence's quotation.
            return j, False
        # A quote that opens nothing (its opening mark is missing) ends this sentence.
        j += 1
    while j < n and text[j] in CLOSERS:
        j += 1
    if j == n or _is_space(text[j]) or text[j] in ",،":
        return j, False
    return None, False


def _is_initial(text: str, i: int) -> bool:
    """Whether the period at ``i`` closes a one-letter abbreviation: ``د.`` (doctor), ``أ.``.

    Not after a number, where the letter is an era mark ending the sentence
    ("عام 2015 م.").
    """
    if i == 0 or not text[i - 1].isalpha() or (i > 1 and text[i - 2].isalpha()):
        return False
    before = text[: i - 1].rstrip()
    return not before or not before[-1].isdigit()


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch in INVISIBLE_SPACES


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the whitespace, invisible marks and stray commas around it."""
    while start < end and (_is_space(text[start]) or text[start] in STRAY_LEADING):
        start += 1
    while end > start and (_is_space(text[end - 1]) or text[end - 1] in STRAY_TRAILING):
        end -= 1
    return start, end


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    start, end = _trim(text, start, end)
    while end - start > MAX_SENTENCE_CHARS:
        cut = _long_run_cut(text, start)
        _append_piece(text, start, cut, spans)
        start, end = _trim(text, cut, end)
    _append_piece(text, start, end, spans)


def _long_run_cut(text: str, start: int) -> int:
    """Where to end the first piece of an over-long run that begins at ``start``.

    After the last clause mark in the second half of the allowed length, else at the
    last space there, else (one 300-character word) at the limit itself.
    """
    low, high = start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS
    marks = [m.end() for m in _CLAUSE_MARK.finditer(text, low, high)]
    if marks:
        return marks[-1]
    for i in range(high, low, -1):
        if _is_space(text[i]):
            return i
    return high


def _append_piece(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    start, end = _trim(text, start, end)
    # Separator lines such as "***" or "- - -" hold nothing to retrieve or summarise.
    if any(ch.isalnum() for ch in text[start:end]):
        spans.append((start, end))


def article_sentences(article_id: str, title: str, body: str) -> list[Sentence]:
    """The title as sentence 0, then the body's sentences numbered from 1.

    Spans are offsets into ``title + "\\n" + body``, the text as stored on disk
    after its first line.
    """
    sentences: list[Sentence] = []
    start, end = _trim(title, 0, len(title))
    if end > start:
        sentences.append(Sentence(article_id, 0, title[start:end], start, end))
    body_offset = len(title) + 1
    for number, (start, end) in enumerate(split_sentences(body), start=1):
        sentences.append(
            Sentence(article_id, number, body[start:end], body_offset + start, body_offset + end)
        )
    return sentences
