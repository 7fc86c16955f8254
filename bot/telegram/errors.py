"""The error handler: log the exception, apologise to the user, keep running.

python-telegram-bot calls it for handler exceptions and, with ``update=None``, for
failed ``getUpdates`` calls (which the updater retries on its own). Network trouble is
logged in one line; anything else with its traceback. Log handlers mask the token
(:mod:`.logs`), which some exception messages contain.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot import texts
from bot.telegram.html import plain_html
from bot.telegram.outbox import QueuedForDelivery
from bot.telegram.replies import quotes_in, reply

log = logging.getLogger(__name__)


def describe(update: object) -> str:
    """What the failed update was, without any user text."""
    if not isinstance(update, Update):
        return "polling" if update is None else type(update).__name__
    kind = next(
        (
            name
            for name in ("message", "channel_post", "callback_query", "inline_query")
            if getattr(update, name) is not None
        ),
        "update",
    )
    chat = update.effective_chat
    return f"{kind} chat={chat.type}" if chat else kind


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    where = f"job {context.job.name}" if context.job is not None else describe(update)
    if isinstance(error, TelegramError) and update is None and context.job is None:
        # getUpdates failed; the updater retries with a back-off.
        log.warning("Bot API error (%s): %s: %s", where, type(error).__name__, error)
        return
    if isinstance(error, QueuedForDelivery):
        log.info("reply kept for later while handling %s", where)
        return
    if isinstance(error, TimedOut):
        # The request may well have arrived (Telegram was only slow to say so): an apology
        # after the answer would be a second, contradicting reply.
        log.warning("Bot API timed out while handling %s; the reply may have arrived", where)
        return
    log.error("error while handling %s", where, exc_info=error)
    if not isinstance(update, Update):
        return
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR)
            return
        message = update.effective_message
        if message is not None and message.chat.type != ChatType.CHANNEL:
            await reply(message, plain_html(texts.ERROR), quote=quotes_in(message))
