"""Which articles a question, summary or button is about (cheap to import for front ends)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """The article set of one question: the global one, a chat's, or one of a chat's articles."""

    chat_id: int | None = None
    article: int | None = None  # an article number of ``chat_id``: only that article


GLOBAL = Scope()
