"""``article-bot run``: long polling, or a webhook that checks Telegram's secret token.

``run_polling``/``run_webhook`` own the event loop and stop cleanly on SIGINT/SIGTERM, so
this module only chooses the mode, protects the token in logs and turns start-up failures
into one-line messages with an exit status. The application (and with it the answering
library) is imported only once a token is known to be set, so the no-token message is
all that is printed.
"""

from __future__ import annotations

import logging
import secrets
import sys
from typing import Any
from urllib.parse import urlsplit

from bot import texts
from bot.settings import Settings
from bot.telegram.logs import protect_token

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 2


def webhook_options(settings: Settings, url: str, listen: str, port: int) -> dict[str, Any]:
    """Arguments for ``run_webhook``/``start_webhook``: the URL's path is served locally.

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
    """Run the bot until interrupted; returns the process exit status."""
    if settings.telegram_bot_token is None:
        print(texts.RUN_NO_TOKEN, file=sys.stderr)
        return EXIT_ERROR
    secrets_to_hide = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets_to_hide.append(settings.webhook_secret.get_secret_value())
    protect_token(*secrets_to_hide)
    from telegram.error import InvalidToken

    from bot.telegram.app import ALLOWED_UPDATES, build_application

    application = build_application(settings)
    try:
        if webhook_url:
            options = webhook_options(settings, webhook_url, listen, port)
            protect_token(options["secret_token"])
            log.info("starting webhook on %s:%d", listen, port)
            application.run_webhook(**options)
        else:
            log.info("starting long polling")
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:  # its message contains the token: print ours instead
        print(texts.RUN_BAD_TOKEN, file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
