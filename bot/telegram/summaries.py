"""``/summary [n]`` in private chats and groups: the extractive summary, ready to share."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.commands import summary_sentences
from bot.telegram.replies import command_allowed, quotes_in, reply, summary_text

log = logging.getLogger(__name__)


async def on_summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not await command_allowed(message, context):
        return
    started = time.perf_counter()
    n = summary_sentences(" ".join(context.args or ()))
    sent = await reply(message, await summary_text(context, n), quote=quotes_in(message))
    log.info(
        "summary chat=%s parts=%d ms=%.0f",
        message.chat.type,
        len(sent),
        (time.perf_counter() - started) * 1000,
    )


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("summary", on_summary)]
