"""Scheduled summaries and ``/post``: the summary published to the configured chats.

``SUMMARY_CHAT_IDS`` lists chats or channels (the bot must be a member, or an admin of a
channel); ``SUMMARY_INTERVAL`` is the schedule. Each chat gets the summary of its own
newest article when it has one, else the global articles' summaries. The first post comes
one interval after start-up, so restarting the bot does not re-post at once. A chat that
fails (bot removed, blocked) is logged and skipped; the others still get the summary.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, Job

from bot import texts
from bot.settings import Settings
from bot.telegram import state
from bot.telegram.html import plain_html
from bot.telegram.replies import command_allowed, quotes_in, reply, send_parts
from bot.telegram.summaries import chat_summary_text

log = logging.getLogger(__name__)

JOB_NAME = "scheduled-summary"


async def publish_summary(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Post the summary to every configured chat; returns how many got it."""
    chat_ids = state.settings(context).summary_chat_ids
    if not chat_ids:
        return 0
    posted = 0
    for chat_id in chat_ids:
        try:
            text = await chat_summary_text(context, chat_id, hint=False)
            await send_parts(context.bot, chat_id, text)
        except TelegramError as exc:
            log.warning("summary not posted to chat %s: %s", chat_id, exc.message)
        else:
            posted += 1
    log.info("summary published chats=%d of %d", posted, len(chat_ids))
    return posted


async def on_schedule(context: ContextTypes.DEFAULT_TYPE) -> None:
    await publish_summary(context)


async def on_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/post``: admins publish the summary now."""
    message = update.effective_message
    user = update.effective_user
    if message is None or not await command_allowed(message, context):
        return
    quote = quotes_in(message)
    settings = state.settings(context)
    if user is None or user.id not in settings.admin_ids:
        await reply(message, plain_html(texts.NOT_ALLOWED), quote=quote)
        return
    if not settings.summary_chat_ids:
        await reply(message, plain_html(texts.NOTHING_TO_POST), quote=quote)
        return
    count = await publish_summary(context)
    await reply(message, plain_html(texts.POSTED.format(count=count)), quote=quote)


def schedule_summaries(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> Job[Any] | None:
    """Register the repeating job when both a schedule and chats are configured."""
    if not settings.summary_interval or not settings.summary_chat_ids:
        return None
    if application.job_queue is None:
        raise RuntimeError('scheduled summaries need python-telegram-bot["job-queue"]')
    return application.job_queue.run_repeating(
        on_schedule,
        interval=settings.summary_interval,
        first=settings.summary_interval,
        name=JOB_NAME,
    )


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("post", on_post)]
