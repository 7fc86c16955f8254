"""Split long HTML replies into messages Telegram accepts.

Telegram limits a message to 4,096 characters *after* entity parsing, counted in UTF-16
code units: tags do not count, ``&amp;`` counts as one, an emoji outside the BMP counts
two. Replies are cut at the best boundary that fits (a line, then a sentence end, then a
space) and only where no tag is open, so every part is valid HTML on its own.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

TELEGRAM_MAX_CHARS = 4096
# Kept below the limit: clients and servers have disagreed on edge cases (whitespace trimming,
# entity normalisation), and a rejected message is far worse than one more part.
SAFE_MAX_CHARS = 4000

_CHAR_REF = re.compile(r"&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_SENTENCE_END = frozenset(".!?؟…؛")
# truncate_html gives up looking for a space after this many visible units.
_WORD_BACKTRACK = 40


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_text(source: str) -> str:
    """The text Telegram displays for ``source``: tags removed, character references decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", source))


def telegram_length(source: str) -> int:
    """Length of ``source`` as Telegram counts it against the 4,096 limit."""
    return utf16_len(visible_text(source))


@dataclass(frozen=True, slots=True)
class _Scan:
    cum: list[int]  # visible UTF-16 units in source[:i]
    boundary: list[bool]  # i is between characters, tags and references, not inside one
    safe: list[bool]  # a cut at i is outside every tag and character reference
    open_tags: list[tuple[tuple[str, str], ...]]  # (name, opening tag) still open at i


def _scan(source: str) -> _Scan:
    n = len(source)
    cum = [0] * (n + 1)
    boundary = [False] * (n + 1)
    safe = [False] * (n + 1)
    open_tags: list[tuple[tuple[str, str], ...]] = [()] * (n + 1)
    stack: list[tuple[str, str]] = []
    units = 0
    i = 0
    boundary[0] = safe[0] = True
    while i < n:
        ch = source[i]
        start = i
        if ch == "<" and (close := source.find(">", i)) > 0:
            tag = source[i : close + 1]
            name = _TAG_NAME.match(tag)
            if tag.startswith("</"):
                if stack:
                    stack.pop()
            elif name:
                stack.append((name.group(1), tag))
            i = close + 1
        elif ch == "&" and (ref := _CHAR_REF.match(source, i)):
            units += utf16_len(html.unescape(ref.group(0)))
            i = ref.end()
        else:
            units += 2 if ord(ch) > 0xFFFF else 1
            i += 1
        for j in range(start + 1, i):
            cum[j] = cum[start]
        cum[i] = units
        boundary[i] = True
        safe[i] = not stack
        open_tags[i] = tuple(stack)
    return _Scan(cum, boundary, safe, open_tags)


def _cut_rank(source: str, i: int) -> int:
    """How good a cut at ``i`` is: 3 at a line break, 2 at a sentence end, 1 at a space."""
    before = source[i - 1]
    after = source[i] if i < len(source) else "\n"
    if "\n" in (before, after):
        return 3
    if before.isspace() or after.isspace():
        j = i
        while j > 0 and source[j - 1].isspace():
            j -= 1
        return 2 if j > 0 and source[j - 1] in _SENTENCE_END else 1
    return 0


def split_html(source: str, limit: int = SAFE_MAX_CHARS) -> list[str]:
    """Parts of ``source``, each at most ``limit`` visible UTF-16 units and balanced in tags.

    Example:
        >>> split_html("<b>أ</b> ب\\nج", limit=3)
        ['<b>أ</b> ب', 'ج']
    """
    if telegram_length(source) <= limit:
        return [source.strip()] if source.strip() else []
    scan = _scan(source)
    parts: list[str] = []
    prefix = ""  # tags re-opened after a forced cut inside them
    start = 0
    end_of_text = len(source)
    while start < end_of_text:
        if scan.cum[end_of_text] - scan.cum[start] <= limit:
            stop = end_of_text
        else:
            stop = _best_cut(source, scan, start, limit)
        part = prefix + source[start:stop]
        suffix = ""
        if not scan.safe[stop]:
            opened = scan.open_tags[stop]
            suffix = "".join(f"</{name}>" for name, _ in reversed(opened))
            prefix = "".join(tag for _, tag in opened)
        else:
            prefix = ""
        part = (part + suffix).strip()
        if telegram_length(part):
            parts.append(part)
        start = stop
    return parts


def _best_cut(source: str, scan: _Scan, start: int, limit: int) -> int:
    """The best place to end the part that starts at ``start``."""
    budget = scan.cum[start] + limit
    furthest = start + 1
    while furthest + 1 <= len(source) and scan.cum[furthest + 1] <= budget:
        furthest += 1
    best, best_rank = -1, -1
    fallback = -1
    for i in range(furthest, start, -1):
        if not scan.safe[i]:
            continue
        if fallback < 0:
            fallback = i
        rank = _cut_rank(source, i)
        if rank > best_rank:
            best, best_rank = i, rank
            if rank == 3:
                break
        # A cut much earlier than the limit is not worth a slightly better boundary.
        if best_rank > 0 and scan.cum[best] - scan.cum[i] > limit // 2:
            break
    if best_rank > 0:
        return best
    if fallback > 0:
        return fallback
    # One tag spans more than a whole message: cut inside it; split_html closes and reopens it.
    while furthest > start + 1 and not (
        scan.cum[furthest] > scan.cum[furthest - 1] or source[furthest - 1] == ">"
    ):
        furthest -= 1
    return furthest


def truncate_html(source: str, limit: int = SAFE_MAX_CHARS, ellipsis: str = "…") -> str:
    """``source`` cut to at most ``limit`` visible UTF-16 units, ending in ``ellipsis``.

    For texts that must fit in one message (inline results cannot be split). The cut is
    made between characters, never inside a tag or a character reference, preferably at a
    space; tags still open there are closed, so the result is valid HTML.

    Example:
        >>> truncate_html("<b>أ ب ج</b> &amp; د", limit=5)
        '<b>أ ب</b>…'
    """
    if telegram_length(source) <= limit:
        return source
    scan = _scan(source)
    budget = limit - utf16_len(ellipsis)
    cut = max(i for i in range(len(source) + 1) if scan.boundary[i] and scan.cum[i] <= budget)
    # Back up to a space unless that throws away more than a few words.
    for i in range(cut, 0, -1):
        if scan.cum[cut] - scan.cum[i] > _WORD_BACKTRACK:
            break
        if scan.boundary[i] and (source[i - 1].isspace() or source[i : i + 1].isspace()):
            cut = i
            break
    closing = "".join(f"</{name}>" for name, _ in reversed(scan.open_tags[cut]))
    return source[:cut].rstrip() + closing + ellipsis
