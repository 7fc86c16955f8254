"""Reading articles from the seeds folder: one UTF-8 ``.txt`` per article, first line the title."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from index.errors import ArticleError
from index.text.html_text import html_to_text, looks_like_html
from index.text.sentences import Sentence, article_sentences

# A news article is a few thousand characters; anything far larger is not an article.
MAX_ARTICLE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class Article:
    """An article as read from disk, identified by its file name."""

    id: str
    title: str
    body: str

    @property
    def digest(self) -> str:
        """Content hash: the index re-embeds an article only when this changes."""
        return hashlib.sha256(f"{self.title}\n{self.body}".encode()).hexdigest()

    def sentences(self) -> list[Sentence]:
        return article_sentences(self.id, self.title, self.body)


def parse_article(article_id: str, text: str) -> Article:
    """Split raw text into title and body, refusing texts that hold no article."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_html(text):
        text = html_to_text(text)
    if not text.strip():
        raise ArticleError(f"article {article_id!r} is empty")
    title, _, body = text.partition("\n")
    if not title.strip():
        raise ArticleError(f"article {article_id!r} has an empty first line (it must be the title)")
    # Lines of only symbols ("***", "- - -") hold no sentence, so they are no title or body.
    if not _has_words(title):
        raise ArticleError(
            f"article {article_id!r} has no title (its first line has no letters or digits)"
        )
    if not _has_words(body):
        raise ArticleError(f"article {article_id!r} has a title but no body")
    return Article(id=article_id, title=title, body=body)


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def read_article(path: Path) -> Article:
    """Read one article file with a clear error for anything that is not UTF-8 text."""
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(
                f"{path.name} is {size:,} bytes; an article may be at most {MAX_ARTICLE_BYTES:,}"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if b"\x00" in raw:
        raise ArticleError(f"{path.name} is not a text file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{path.name} is not valid UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from exc
    return parse_article(path.stem, text)


def read_seeds(folder: Path) -> list[Article]:
    """All articles of the seeds folder, in file-name order.

    Hidden files are skipped: copying a folder from a Mac adds a binary ``._name.txt``
    beside every article.
    """
    if not folder.exists():
        raise ArticleError(f"seeds folder {folder} does not exist")
    if not folder.is_dir():
        raise ArticleError(f"seeds folder {folder} is not a folder")
    paths = sorted(p for p in folder.glob("*.txt") if p.is_file() and not p.name.startswith("."))
    if not paths:
        raise ArticleError(f"seeds folder {folder} holds no .txt articles")
    return [read_article(p) for p in paths]
