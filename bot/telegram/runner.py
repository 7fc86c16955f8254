"""``article-bot run``: long polling, or a webhook that checks Telegram's secret token.

``run_polling`` and :func:`~bot.telegram.webhook.serve_webhook` own the event loop and stop
cleanly on SIGINT/SIGTERM, so this module only chooses the mode, protects the token in logs
and turns start-up failures into one-line messages with an exit status. The application
(and with it the answering library) is imported only once a token is known to be set, so
the no-token message is all that is printed.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

from bot import texts
from bot.errors import BotStartError
from bot.settings import Settings
from bot.telegram.logs import protect_credentials, protect_token, redact_url

log = logging.getLogger(__name__)

EXIT_OK = 0
# python-telegram-bot's network retry loop logs to this logger; its start-up runs are named
# "Bootstrap …" (initialize, deleteWebhook, setWebhook).
_PTB_RETRY_LOGGER = "telegram.ext"
_BOOTSTRAP_PREFIX = "Network Retry Loop (Bootstrap"
_LISTEN_ERRNOS = frozenset({errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES})


def webhook_options(settings: Settings, url: str, listen: str, port: int) -> dict[str, Any]:
    """Arguments for :func:`~bot.telegram.webhook.serve_webhook`: the URL's path is served here.

    Without ``WEBHOOK_SECRET`` a random secret is used for this run: Telegram learns it from
    ``setWebhook`` and sends it back, so forged requests are still refused.
    """
    from bot.telegram.app import ALLOWED_UPDATES

    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if secret is None:
        secret = secrets.token_urlsafe(32)
        log.warning("WEBHOOK_SECRET is not set: using a random secret token for this run")
    return {
        "listen": listen,
        "port": port,
        "url_path": urlsplit(url).path.lstrip("/"),
        "webhook_url": url,
        "secret_token": secret,
        "allowed_updates": ALLOWED_UPDATES,
    }


def run_bot(
    settings: Settings,
    *,
    webhook_url: str | None = None,
    listen: str = "0.0.0.0",
    port: int = 8443,
) -> int:
    """Run the bot until interrupted; a bot that cannot start raises :class:`BotStartError`."""
    if settings.telegram_bot_token is None:
        raise BotStartError(texts.RUN_NO_TOKEN)
    secrets_to_hide = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets_to_hide.append(settings.webhook_secret.get_secret_value())
    token_filter = protect_token(*secrets_to_hide)
    credentials_filter = protect_credentials(settings.telegram_base_url)
    quiet_start_up_tracebacks()
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram.app import ALLOWED_UPDATES, build_application
    from bot.telegram.webhook import serve_webhook

    try:
        application = build_application(settings)
        if webhook_url:
            options = webhook_options(settings, webhook_url, listen, port)
            protect_token(options["secret_token"])
            log.info("starting webhook on %s:%d", listen, port)
            asyncio.run(serve_webhook(application, options))
        else:
            log.info("starting long polling")
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:  # its message contains the token: report ours instead
        raise BotStartError(texts.RUN_BAD_TOKEN) from None
    except TelegramError as exc:
        problem = _start_up_problem(exc, redact_url(settings.telegram_base_url))
        problem = credentials_filter.redact(token_filter.redact(problem))
        raise BotStartError(problem) from None
    except OSError as exc:
        if webhook_url is None or not _is_listen_error(exc):
            raise  # not about the network: the command line reports it with its path
        raise BotStartError(f"cannot listen on {listen}:{port}: {exc.strerror or exc}") from None
    return EXIT_OK


def _start_up_problem(error: Exception, base_url: str) -> str:
    """One line on why the Bot API did not let the bot start (the token is masked later)."""
    from telegram.error import BadRequest, NetworkError

    detail = getattr(error, "message", None) or str(error)
    # BadRequest is a NetworkError in python-telegram-bot, but the server did answer.
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return f"cannot reach the Bot API at {base_url} ({detail}); check TELEGRAM_BASE_URL"
    return f"the Bot API refused to start the bot: {detail}"


def _is_listen_error(error: OSError) -> bool:
    """Errors from binding the webhook's address: unknown host, address in use, no permission."""
    return isinstance(error, socket.gaierror) or error.errno in _LISTEN_ERRNOS


class _StartUpTraceback(logging.Filter):
    """Passes everything but the error records of python-telegram-bot's start-up runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        failed = record.levelno >= logging.ERROR
        return not (failed and record.getMessage().startswith(_BOOTSTRAP_PREFIX))


def quiet_start_up_tracebacks() -> None:
    """Drop python-telegram-bot's own traceback of a failed start.

    When start-up fails (a rejected token, an unreachable server, a refused webhook) the
    library logs the whole traceback and then raises the same error, which :func:`run_bot`
    reports in one line; the traceback would only bury that line.
    """
    logger = logging.getLogger(_PTB_RETRY_LOGGER)
    if not any(isinstance(f, _StartUpTraceback) for f in logger.filters):
        logger.addFilter(_StartUpTraceback())
