"""Channels: a ``/summary`` post is answered by posting the summary to the channel.

Channel posts arrive as ``channel_post`` updates, which ``CommandHandler`` does not look
at, so the command is matched with a regex on channel posts. The bot must be an admin of
the channel (with the right to post) to receive posts at all.
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot.commands import summary_sentences
from bot.telegram.replies import command_allowed, send_parts, summary_text

log = logging.getLogger(__name__)

SUMMARY_POST = filters.UpdateType.CHANNEL_POST & filters.Regex(
    r"^/summary(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s+(?P<n>\S+))?\s*$"
)


async def on_summary_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    post = update.channel_post
    if post is None or not context.matches:
        return
    match = context.matches[0]
    addressed = match.group("bot")
    if addressed and addressed.lower() != (context.bot.username or "").lower():
        return  # /summary@another_bot
    if not await command_allowed(post, context):
        return
    started = time.perf_counter()
    n = summary_sentences(match.group("n"))
    sent = await send_parts(context.bot, post.chat_id, await summary_text(context, n))
    log.info(
        "summary chat=channel parts=%d ms=%.0f", len(sent), (time.perf_counter() - started) * 1000
    )


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [MessageHandler(SUMMARY_POST, on_summary_post)]
