"""Article text from an uploaded file: a UTF-8 ``.txt`` or a saved ``.html`` page.

Why strict UTF-8: a file in another encoding would be indexed as garbage without any
sign of it; saying where the first bad byte is lets the sender fix the file.
"""

from __future__ import annotations

import codecs
from pathlib import PurePosixPath

from index.errors import SourceError
from index.sources.extract import extract_main_text
from index.text.html_text import html_to_text

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
_NAME_SHOWN_CHARS = 60


def document_text(file_name: str, content: bytes, *, max_bytes: int) -> str:
    """ "Title\\nbody" text of an uploaded file, ready for ``parse_article``.

    A ``.txt`` file is taken as written (first line the title); an ``.html`` page gives
    its headline and main text. Anything else raises :class:`SourceError`.
    """
    name = _shown_name(file_name)
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
        accepted = ", ".join(TEXT_SUFFIXES + HTML_SUFFIXES)
        raise SourceError(f"{name} cannot be added: only {accepted} files are accepted")
    if len(content) > max_bytes:
        raise SourceError(f"{name} is {len(content):,} bytes; a file may be at most {max_bytes:,}")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError(f"{name} is saved as UTF-16; save it as UTF-8")
    if b"\x00" in content:
        raise SourceError(f"{name} is not a text file (it contains NUL bytes)")
    bom = len(codecs.BOM_UTF8) if content.startswith(codecs.BOM_UTF8) else 0
    try:
        text = content[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{name} is not valid UTF-8 at byte {bom + exc.start}; save it as UTF-8"
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise SourceError(f"{name} is empty")
    if suffix in TEXT_SUFFIXES:
        return text
    return _html_article(name, text)


def _html_article(name: str, markup: str) -> str:
    extracted = extract_main_text(markup)
    if extracted is not None:
        return f"{extracted.title}\n{extracted.body}"
    # A fragment too small or too broken for main-text extraction is still the sender's
    # article: the tolerant converter keeps all of its text.
    text = html_to_text(markup).strip()
    title, _, body = text.partition("\n")
    if not any(ch.isalnum() for ch in title) or not any(ch.isalnum() for ch in body):
        raise SourceError(f"{name} has no article text (a title line and a body are needed)")
    return text


def _shown_name(file_name: str) -> str:
    """The file's own name on one short line, fit for a message."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch if ch.isprintable() else " " for ch in base).strip() or "the file"
    if len(base) > _NAME_SHOWN_CHARS:
        base = base[: _NAME_SHOWN_CHARS - 1] + "…"
    return base
