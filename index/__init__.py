"""The retrieval library: answers questions about articles from their own sentences.

Front ends use this package's public API and its subpackages' (``index.retrieval``,
``index.embedding`` …); the modules inside are free to change.  It never imports Telegram.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.answer import Answer, Passage, Status, Summary
    from index.errors import ArticleBotError, ArticleRejected, EvalFileError
    from index.library import AddedArticle
    from index.limits import MAX_QUESTION_CHARS, MAX_SUMMARY_SENTENCES, ArticleLimits
    from index.scope import GLOBAL, ArticleOrigin, Scope
    from index.service import AnsweringService, open_service
    from index.storage.database import StoredArticle

__all__ = [
    "GLOBAL",
    "MAX_QUESTION_CHARS",
    "MAX_SUMMARY_SENTENCES",
    "AddedArticle",
    "Answer",
    "AnsweringService",
    "ArticleBotError",
    "ArticleLimits",
    "ArticleOrigin",
    "ArticleRejected",
    "EvalFileError",
    "Passage",
    "Scope",
    "Status",
    "StoredArticle",
    "Summary",
    "open_service",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "AddedArticle": "index.library",
    "ArticleLimits": "index.limits",
    "ArticleOrigin": "index.scope",
    "ArticleRejected": "index.errors",
    "GLOBAL": "index.scope",
    "Scope": "index.scope",
    "StoredArticle": "index.storage.database",
    "Answer": "index.answer",
    "AnsweringService": "index.service",
    "ArticleBotError": "index.errors",
    "EvalFileError": "index.errors",
    "MAX_QUESTION_CHARS": "index.limits",
    "MAX_SUMMARY_SENTENCES": "index.limits",
    "Passage": "index.answer",
    "Status": "index.answer",
    "Summary": "index.answer",
    "open_service": "index.service",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
