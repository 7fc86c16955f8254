"""Article text from outside: a link to a web page, or an uploaded ``.txt``/``.html`` file.

The results are "title\\nbody" texts that ``index.text.articles.parse_article`` reads;
every refusal is a :class:`SourceError` with a one-line English message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.errors import SourceError
    from index.sources.documents import document_text
    from index.sources.web import FetchedPage, fetch_page

__all__ = ["FetchedPage", "SourceError", "document_text", "fetch_page"]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing (httpx and trafilatura load only when a page is fetched).
_HOMES = {
    "FetchedPage": "index.sources.web",
    "SourceError": "index.errors",
    "document_text": "index.sources.documents",
    "fetch_page": "index.sources.web",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
