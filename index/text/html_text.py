"""Plain text from an article pasted as HTML, tolerant of malformed markup.

The standard library's parser never raises on broken markup; this only decides
which tags end a line, so paragraphs stay sentence boundaries. A text that is not
an HTML document but carries a few inline tags (``<b>``, ``<a href>``) keeps its
own line breaks, which are its title and paragraph boundaries: only the tags go.
"""

from __future__ import annotations

import re
from html import unescape
from html.entities import html5
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul title".split()
)
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
# Skipped elements whose content is ordinary markup: when no end tag follows one, it
# ends at the next block instead of hiding the rest of the page (script and style are
# raw text up to their end tag, as in browsers).
_SKIPPED_UNTIL_BLOCK_IF_UNCLOSED = frozenset({"noscript", "template"})
# What a head may hold; any other start tag ends it, as `<body>` does when `</head>` is omitted.
_HEAD_TAGS = frozenset("base link meta noscript script style template title".split())
# Elements that have no content and no end tag.
_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
# Document structure: with it, the markup's own line breaks are only formatting.
_STRUCTURE_TAG = re.compile(
    r"<(?:!doctype\s+html|/?(?:html|head|body|" + "|".join(sorted(_BLOCK_TAGS)) + r")"
    r"(?:\s[^<>]*)?/?)>",
    re.I,
)
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|big|cite|code|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|"
    r"span|strike|strong|sub|sup|time|tt|u|var)(?:\s[^<>]*)?/?>",
    re.I,
)
_HEADLINE = re.compile(r"<h1[\s>/]", re.I)
_CHARACTER_REFERENCE = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)


def looks_like_html(text: str) -> bool:
    """Whether ``text`` holds complete HTML tags; a mention such as ``<a`` is not one."""
    return bool(_STRUCTURE_TAG.search(text) or _INLINE_TAG.search(text))


def html_to_text(markup: str) -> str:
    """Text of ``markup``: one line per block element for an HTML document.

    Without document structure the text keeps its own lines and only loses its
    inline tags and character references.
    """
    if not _STRUCTURE_TAG.search(markup):
        return _CHARACTER_REFERENCE.sub(_decode_reference, _INLINE_TAG.sub("", markup))
    parser = _TextExtractor(markup)
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    # A page's headline is its <h1>; without one, the <title> in the head names it
    # better than whatever paragraph happens to come first.
    page_title = " ".join(parser.page_title.split())
    if page_title and not _HEADLINE.search(markup):
        lines.insert(0, page_title)
    return "\n".join(line for line in lines if line)


def _decode_reference(match: re.Match[str]) -> str:
    """Decode ``&amp;``-style references, leaving look-alikes such as ``&notreal;`` as written."""
    reference = match.group(0)
    if reference[1] == "#" or reference[1:] in html5:
        return unescape(reference)
    return reference


class _TextExtractor(HTMLParser):
    """Collects the text, following open elements so that a skipped one ends with its parent."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.page_title = ""
        self._markup = markup
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", markup))]
        self._open: list[str] = []
        # Index in ``_open`` of the outermost skipped element, while one is open.
        self._skipped_at: int | None = None
        self._skip_ends_at_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" or (self._open[-1:] == ["head"] and tag not in _HEAD_TAGS):
            self._close("head")
        if tag in _BLOCK_TAGS:
            self._end_unclosed_skip()
            self.parts.append("\n")
        if tag in _VOID_TAGS:
            return
        if tag in _SKIPPED_TAGS and self._skipped_at is None:
            self._skipped_at = len(self._open)
            self._skip_ends_at_block = (
                tag in _SKIPPED_UNTIL_BLOCK_IF_UNCLOSED and not self._end_tag_follows(tag)
            )
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._end_unclosed_skip()
            self.parts.append("\n")
        self._close(tag)

    def handle_data(self, data: str) -> None:
        if self._open[-1:] == ["title"] and self._skipped_at is not None:  # in the head
            self.page_title += data
        if self._skipped_at is None:
            self.parts.append(data.replace("\n", " "))

    def _close(self, tag: str) -> None:
        """End the innermost open ``tag`` and everything opened inside it.

        ``</body>`` and ``</html>`` end everything even when their start tag was
        omitted; any other end tag without an open element is ignored.
        """
        if tag in self._open:
            index = len(self._open) - 1 - self._open[::-1].index(tag)
        elif tag in ("body", "html"):
            index = 0
        else:
            return
        del self._open[index:]
        if self._skipped_at is not None and self._skipped_at >= index:
            self._skipped_at = None

    def _end_unclosed_skip(self) -> None:
        if self._skipped_at is not None and self._skip_ends_at_block:
            del self._open[self._skipped_at :]
            self._skipped_at = None

    def _end_tag_follows(self, tag: str) -> bool:
        """Whether an end tag for ``tag`` occurs after the start tag being handled."""
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        return re.compile(rf"</\s*{tag}\b", re.I).search(self._markup, start) is not None
