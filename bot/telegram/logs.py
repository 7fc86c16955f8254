"""Keep the bot token out of every log line.

Bot API URLs contain the token (``/bot<token>/sendMessage``) and python-telegram-bot puts it
in some exception messages (``InvalidToken``), so a filter on the log handlers masks it in
the message *and* in formatted tracebacks, whatever logger they come from.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

MASK = "<TOKEN>"
CREDENTIALS_MASK = "***"


class TokenFilter(logging.Filter):
    """Replace the secret in a record's rendered message and traceback."""

    def __init__(self, *secrets: str, mask: str = MASK) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self._secrets = tuple(sorted((s for s in secrets if s), key=len, reverse=True))
        self._mask = mask

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, self._mask)
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


def url_credentials(url: str) -> list[str]:
    """The user info of ``url`` (``user:password``), and its parts, as secrets to mask."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    found = [userinfo, parts.username or "", parts.password or ""]
    return [s for s in found if s]


def redact_url(url: str) -> str:
    """``url`` with any user info replaced by ``***``: it may carry a password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return CREDENTIALS_MASK
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{CREDENTIALS_MASK}@{host}"))


def protect_credentials(url: str, logger: logging.Logger | None = None) -> TokenFilter:
    """Mask the user info of the Bot API URL in every log line, like the token."""
    credentials_filter = TokenFilter(*url_credentials(url), mask=CREDENTIALS_MASK)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(credentials_filter)
    return credentials_filter
