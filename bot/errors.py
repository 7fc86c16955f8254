"""How the command line reports an expected failure: one line, one prefix, one exit status.

Every expected failure is an :class:`~index.errors.ArticleBotError`; ``bot.cli.main`` is
the one place that catches it and prints :func:`error_line`.  Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

from index import ArticleBotError

EXIT_ERROR = 2
ERROR_PREFIX = "article-bot: error: "


def error_line(problem: str) -> str:
    """What the command line prints for an expected failure."""
    return ERROR_PREFIX + problem


class BotStartError(ArticleBotError):
    """The Telegram bot could not start: no or a rejected token, no Bot API, a taken port."""


class UsageError(ArticleBotError):
    """A command given without what it needs (e.g. ``ask`` with no question)."""
