"""Which articles a question is about, and where an article came from.

Kept apart from the retrieval stack so front ends can name them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """The article set of one question: the global one, a chat's, or one of a chat's articles."""

    chat_id: int | None = None
    article: int | None = None  # an article number of ``chat_id``: only that article


GLOBAL = Scope()


@dataclass(frozen=True, slots=True)
class ArticleOrigin:
    """Where an added article came from: shown in listings, and how an edit finds it again."""

    kind: str  # "text", "document", "link", "channel_post", "file", "stdin"
    ref: str = ""  # a link, a file name, a channel post's message id
    added_by: int | None = None
