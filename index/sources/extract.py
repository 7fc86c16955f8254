"""Title and main text of an HTML page, without menus, footers and other boilerplate.

Why trafilatura: a news page is mostly navigation, teasers and legal text; indexing all of
it would make the bot answer from the site's menu. It is imported on first use only, so
importing the library (and ``article-bot --help``) does not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExtractedText:
    """A page's headline and the article under it, one paragraph a line."""

    title: str
    body: str


def extract_main_text(markup: str, *, url: str | None = None) -> ExtractedText | None:
    """The article in ``markup``, or None when no main text is found (or the markup is unusable)."""
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            markup,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_links=False,
        )
    # A third-party parser on untrusted markup: any failure means "no article here".
    except Exception:
        return None
    if document is None or isinstance(document, dict):
        return None
    lines = [" ".join(line.split()) for line in (document.text or "").splitlines()]
    lines = [line for line in lines if line]
    title = " ".join((document.title or "").split())
    if not title and lines:
        title = lines.pop(0)
    # The headline often opens the main text too: keep it once, as the title.
    if lines and lines[0] == title:
        lines.pop(0)
    body = "\n".join(lines)
    if not _has_words(title) or not _has_words(body):
        return None
    return ExtractedText(title=title, body=body)


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
