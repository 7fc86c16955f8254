"""The arguments of ``/add``, ``/remove`` and ``/summary #K`` as people type them.

Read the same way wherever these commands are typed, so ``#3`` or ``٣`` names the same
article in every front end, and ``/summary N`` keeps meaning N sentences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.commands import summary_sentences
from bot.urls import is_http_url

# Article numbers are small; more digits than this is not a number anyone means.
_MAX_NUMBER_DIGITS = 9
# A Telegram chat id as the Bot API writes it (negative for groups and channels); the
# article id ``CHAT#K`` that answers and ``article-bot articles --json`` show starts with it.
_CHAT_ID = re.compile(r"-?[0-9]{1,19}")


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    """``/summary [#K] [N]``: which of the chat's articles (None: the default) and how long."""

    article: int | None = None
    sentences: int | None = None


def article_number(word: str) -> int | None:
    """``3``, ``#3`` or ``#٣`` -> 3; None for anything else (zero included)."""
    digits = word.strip().removeprefix("#")
    if not digits.isdecimal() or len(digits) > _MAX_NUMBER_DIGITS:
        return None
    number = int("".join(str(unicodedata.decimal(c)) for c in digits))
    return number if number > 0 else None


def summary_request(argument: str | None) -> SummaryRequest:
    """``#K`` picks an article, a bare number the length; either may come first.

    Example:
        >>> summary_request("#2 5"), summary_request("4")
        (SummaryRequest(article=2, sentences=5), SummaryRequest(article=None, sentences=4))
    """
    article: int | None = None
    rest: list[str] = []
    for word in (argument or "").split():
        if word.startswith("#") and article is None and article_number(word) is not None:
            article = article_number(word)
        else:
            rest.append(word)
    return SummaryRequest(article, summary_sentences(" ".join(rest)))


def link_argument(argument: str) -> str | None:
    """The URL when ``/add``'s argument is one http(s) link and nothing else."""
    words = argument.split()
    if len(words) == 1 and is_http_url(words[0]):
        return words[0]
    return None


def article_reference(argument: str, chat_id: int) -> tuple[int, int] | None:
    """(chat, number) of ``K`` or ``#K`` in ``chat_id``, or of the article id ``CHAT#K``.

    Example:
        >>> [article_reference(a, 0) for a in ("4", "#4", "-100123#4", "7#x", "-5")]
        [(0, 4), (0, 4), (-100123, 4), None, None]
    """
    chat, separator, number = argument.strip().rpartition("#")
    if not separator or not chat:
        picked = article_number(argument)
        return None if picked is None else (chat_id, picked)
    if not _CHAT_ID.fullmatch(chat):
        return None
    picked = article_number(number)
    return None if picked is None else (int(chat), picked)
