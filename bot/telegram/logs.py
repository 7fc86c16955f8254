"""Keep the bot token out of every log line.

Bot API URLs contain the token (``/bot<token>/sendMessage``) and python-telegram-bot puts it
in some exception messages (``InvalidToken``), so a filter on the log handlers masks it in
the message *and* in formatted tracebacks, whatever logger they come from.
"""

from __future__ import annotations

import logging

MASK = "<TOKEN>"


class TokenFilter(logging.Filter):
    """Replace the secret in a record's rendered message and traceback."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters print exc_text as is once it is set; dropping exc_info keeps them
            # from formatting the traceback again, unredacted.
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None
        return True


def protect_token(*secrets: str, logger: logging.Logger | None = None) -> TokenFilter:
    """Install the filter on every handler of ``logger`` (default: root).

    Handler filters see records from every logger that propagates to them, which logger
    filters do not.  How loud each logger may be is set in :mod:`bot.logs`.
    """
    target = logger or logging.getLogger()
    token_filter = TokenFilter(*secrets)
    for handler in target.handlers:
        handler.addFilter(token_filter)
    return token_filter
