"""What ``article-bot add`` and the console's ``/add`` read: a file, a link or standard input.

Shared by both so that one argument means the same article in either, and every
problem with it (no such file, a folder, binary or non-UTF-8 content, a bad or
unreachable link) is one line naming it, before the model is loaded.
"""

from __future__ import annotations

import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bot.errors import UsageError

# The source kinds the command line stores ("link" as when a chat sends one; each has its
# words in texts.SOURCE_KINDS for the chat's /articles).
FILE_SOURCE = "file"
URL_SOURCE = "link"
STDIN_SOURCE = "stdin"
STDIN_ARGUMENT = "-"
# Bytes read from a file or page per allowed article character: HTML markup and UTF-8
# Arabic (two bytes a letter) make a file several times longer than its text.
BYTES_PER_CHAR = 20


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """An article's "title\\nbody" text and where it came from."""

    text: str
    source_kind: str
    source_ref: str


def read_article(
    source: str,
    *,
    max_chars: int,
    allow_private_urls: bool,
    stdin: BinaryIO | None = None,
) -> ArticleInput:
    """The article named by ``source``: an http(s) link, ``-`` (standard input) or a file path.

    Raises an :class:`~index.errors.ArticleBotError` (one line) when there is none.
    """
    from index.sources import document_text, fetch_page

    max_bytes = BYTES_PER_CHAR * max_chars
    if _looks_like_link(source):
        page = fetch_page(source.strip(), allow_private=allow_private_urls, max_bytes=max_bytes)
        return ArticleInput(page.article_text(), URL_SOURCE, page.url)
    if source == STDIN_ARGUMENT:
        stream = stdin if stdin is not None else _standard_input()
        content = _capped(stream.read(max_bytes + 1), "standard input", max_bytes)
        # Standard input has no file name: markup is read as a page, anything else as text.
        name = "standard input" + (".html" if content.lstrip()[:1] == b"<" else ".txt")
        return ArticleInput(document_text(name, content, max_bytes=max_bytes), STDIN_SOURCE, "")
    path = Path(source).expanduser()
    content = _read_file(path, max_bytes)
    text = document_text(path.name, content, max_bytes=max_bytes)
    return ArticleInput(text, FILE_SOURCE, str(path.resolve()))


def _looks_like_link(source: str) -> bool:
    """A scheme before ``://`` (``ftp://`` too: it is refused as a link, not sought as a file)."""
    scheme, separator, _ = source.strip().partition("://")
    return bool(separator) and scheme.isascii() and scheme.isalpha()


def _standard_input() -> BinaryIO:
    if sys.stdin is None:  # `article-bot add - <&-`
        raise UsageError("no article given (standard input is closed)")
    return sys.stdin.buffer


def _read_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing folders, devices and pipes before opening them."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"{path} is a folder; name a .txt or .html file")
    if not stat.S_ISREG(mode):
        raise UsageError(f"{path} is not a regular file")
    with path.open("rb") as handle:
        return _capped(handle.read(max_bytes + 1), str(path), max_bytes)


def _capped(content: bytes, name: str, max_bytes: int) -> bytes:
    """Only the first ``max_bytes + 1`` bytes are ever read: one more means too large."""
    if len(content) > max_bytes:
        raise UsageError(
            f"{name} is larger than {max_bytes:,} bytes, too large for an article "
            "(MAX_ARTICLE_CHARS)"
        )
    return content
