"""Channels: ``/summary``, ``/autoadd on|off``, ``/articles`` and ``/remove K``; posts as articles.

Channel posts arrive as ``channel_post`` updates, which ``CommandHandler`` does not look
at, so commands are matched with a regex on channel posts. The bot must be an admin of
the channel (with the right to post) to receive posts at all, and whatever is posted in a
channel is posted by its admins: a channel's own posts may change its articles.
"""

from __future__ import annotations

import logging
import re
import time

from telegram import Message, Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot import texts
from bot.article_commands import article_number, summary_request
from bot.telegram import state
from bot.telegram.articles import articles_text
from bot.telegram.autoadd import add_post, autoadd_enabled, set_autoadd
from bot.telegram.html import plain_html
from bot.telegram.replies import command_allowed, send_parts
from bot.telegram.summaries import chat_summary_text
from bot.telegram.threads import post_article

log = logging.getLogger(__name__)

_BOT = r"(?:@(?P<bot>[A-Za-z0-9_]+))?"
SUMMARY_POST = filters.UpdateType.CHANNEL_POST & filters.Regex(
    rf"^/summary{_BOT}(?:\s+(?P<n>\S+(?:\s+\S+)?))?\s*$"
)
AUTOADD_POST = filters.UpdateType.CHANNEL_POST & filters.Regex(
    rf"^/autoadd{_BOT}(?:\s+(?P<switch>\S+))?\s*$"
)
ARTICLES_POST = filters.UpdateType.CHANNEL_POST & filters.Regex(rf"^/articles{_BOT}\s*$")
REMOVE_POST = filters.UpdateType.CHANNEL_POST & filters.Regex(
    rf"^/remove{_BOT}(?:\s+#?(?P<k>\S+))?\s*$"
)
# Any other post (text or a captioned photo, video, document...) may become an article.
ARTICLE_POST = filters.UpdateType.CHANNEL_POSTS & (filters.TEXT | filters.CAPTION)
_SWITCH = {"on": True, "off": False}


async def _command_post(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[Message, re.Match[str]] | None:
    """The post and its command when it is for this bot (not ``/summary@another_bot``)."""
    post = update.channel_post
    if post is None or not context.matches:
        return None
    match = context.matches[0]
    addressed = match.group("bot")
    if addressed and addressed.lower() != (context.bot.username or "").lower():
        return None
    if not await command_allowed(post, context):
        return None
    return post, match


async def _say(post: Message, text: str) -> None:
    await send_parts(post.get_bot(), post.chat_id, plain_html(text), reply_to=post.message_id)


async def on_summary_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The channel's newest article (or ``#K``); the global articles while it has none."""
    command = await _command_post(update, context)
    if command is None:
        return
    post, match = command
    started = time.perf_counter()
    request = summary_request(match.group("n"))
    # No "how to pick another" line: subscribers cannot send commands to a channel.
    text = await chat_summary_text(context, post.chat_id, request, hint=False)
    sent = await send_parts(context.bot, post.chat_id, text)
    log.info(
        "summary chat=channel parts=%d ms=%.0f", len(sent), (time.perf_counter() - started) * 1000
    )


async def on_autoadd_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await _command_post(update, context)
    if command is None:
        return
    post, match = command
    switch = _SWITCH.get((match.group("switch") or "").lower())
    always = post.chat_id in state.settings(context).auto_add_channels
    if switch is None:
        on = await autoadd_enabled(context, post.chat_id)
        await _say(post, texts.AUTOADD_USAGE.format(state=texts.AUTOADD_STATE[on]))
        return
    if not await set_autoadd(context, post.chat_id, switch):
        await _say(post, texts.ERROR)
        return
    log.info("autoadd chat=channel on=%s", switch)
    if always:
        await _say(post, texts.AUTOADD_ALWAYS)
    elif switch:
        await _say(
            post, texts.AUTOADD_ON.format(min_chars=state.settings(context).min_article_chars)
        )
    else:
        await _say(post, texts.AUTOADD_OFF)


async def on_articles_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/articles``: the channel's articles, as in groups."""
    command = await _command_post(update, context)
    if command is None:
        return
    post, _ = command
    listed = await state.answerer(context).articles(post.chat_id)
    await send_parts(context.bot, post.chat_id, articles_text(listed), reply_to=post.message_id)


async def on_remove_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/remove K``, or ``/remove`` replying to the post whose article should go."""
    command = await _command_post(update, context)
    if command is None:
        return
    post, match = command
    argument = match.group("k")
    number = article_number(argument) if argument is not None else None
    if number is None and argument is None and post.reply_to_message is not None:
        article = await post_article(context, post.chat_id, post.reply_to_message.message_id)
        if article is None:
            await _say(post, texts.CHANNEL_NO_ARTICLE)
            return
        number = article.number
    if number is None:
        await _say(post, texts.CHANNEL_REMOVE_USAGE)
        return
    removed = await state.answerer(context).remove_article(post.chat_id, number)
    log.info("remove chat=channel found=%s", removed is not None)
    if removed is None:
        await _say(post, texts.CHANNEL_NO_ARTICLE)
    else:
        await _say(post, texts.REMOVED.format(number=number, title=removed.title))


async def on_article_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other post: an article when the channel auto-adds (an edit re-indexes it)."""
    if update.channel_post is not None:
        await add_post(update.channel_post, context, edited=False)
    elif update.edited_channel_post is not None:
        await add_post(update.edited_channel_post, context, edited=True)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        MessageHandler(SUMMARY_POST, on_summary_post),
        MessageHandler(AUTOADD_POST, on_autoadd_post),
        MessageHandler(ARTICLES_POST, on_articles_post),
        MessageHandler(REMOVE_POST, on_remove_post),
        MessageHandler(ARTICLE_POST, on_article_post),
    ]
