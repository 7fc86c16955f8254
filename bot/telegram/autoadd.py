"""Channel posts that become the channel's articles, and the summary comment under them.

A channel turns this on with ``/autoadd on`` (or is listed in ``AUTO_ADD_CHANNELS``); from
then on every post long enough to be an article (``MIN_ARTICLE_CHARS``, the text or a media
post's caption) is added, an edited post replaces its article under the same number, and
with ``AUTO_SUMMARY`` the new article's summary is posted as a comment on the post.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from telegram import Message

from bot import texts
from bot.commands import command_name
from bot.telegram import state
from bot.telegram.html import plain_html, render_summary
from bot.telegram.replies import send_parts
from bot.telegram.threads import CHANNEL_POST, forwards, linked_groups, post_article
from index import ArticleOrigin, ArticleRejected

log = logging.getLogger(__name__)

# Seconds an auto-added post waits for its copy to reach the discussion group; Telegram
# sends it within a second, so this is only reached when the bot is not in the group.
FORWARD_WAIT = 30.0
# A comment is a glance at the post: its title and at most this many sentences.
COMMENT_SENTENCES = 3
# Comments being written or waiting for their post's copy (``application.bot_data``).
BACKGROUND = "channel_comments"


async def autoadd_enabled(context: state.AnyContext, channel_id: int) -> bool:
    """On for channels in ``AUTO_ADD_CHANNELS`` and those that posted ``/autoadd on``."""
    if channel_id in state.settings(context).auto_add_channels:
        return True
    database = state.answerer(context).service.library.database
    return database is not None and await asyncio.to_thread(database.autoadd, channel_id)


async def set_autoadd(context: state.AnyContext, channel_id: int, on: bool) -> bool:
    """Store the channel's choice; False when there is no database to store it in."""
    database = state.answerer(context).service.library.database
    if database is None:
        return False
    await asyncio.to_thread(database.set_autoadd, channel_id, on)
    return True


def post_text(post: Message) -> str:
    """What a post says: its text, or a photo's, video's or document's caption."""
    return post.text or post.caption or ""


async def add_post(post: Message, context: state.AnyContext, *, edited: bool) -> None:
    """Add (or, when edited, re-index) one channel post if the channel auto-adds it."""
    text = post_text(post)
    if command_name(text) is not None:
        log.info("channel post ignored: a command")  # the known ones have handlers
        return
    enabled = await autoadd_enabled(context, post.chat_id)
    if not enabled and not (edited and await post_article(context, post.chat_id, post.message_id)):
        log.info("channel post not added: auto-add is off")
        return
    settings = state.settings(context)
    if len(text.strip()) < settings.min_article_chars:
        log.info(
            "channel post ignored: %d chars < MIN_ARTICLE_CHARS=%d",
            len(text.strip()),
            settings.min_article_chars,
        )
        return
    started = time.perf_counter()
    try:
        added = await state.answerer(context).add_article(
            post.chat_id,
            text,
            ArticleOrigin(CHANNEL_POST, str(post.message_id)),
            replace_source=edited,
        )
    except ArticleRejected as exc:
        log.info("channel post not added: %s", exc)
        refusal = texts.POST_REJECTED.get(exc.reason, texts.POST_NOT_ADDED)
        await comment(context, post, plain_html(refusal.format(limit=f"{exc.limit:,}")))
        return
    article = added.article
    log.info(
        "channel post %s: article #%d, %d sentences, ms=%.0f",
        "re-indexed" if added.replaced else "added" if added.created else "already stored",
        article.number,
        article.sentences,
        (time.perf_counter() - started) * 1000,
    )
    if added.created and settings.auto_summary:
        # In the background: the comment may wait for the post's copy in the discussion
        # group, and a handler waiting would hold one of the channel's few slots, so a
        # burst of posts would have some dropped (never added) instead of queued.
        in_background(context, post_summary(context, post, article.number))


def in_background(context: state.AnyContext, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` beside the handlers; a stop cancels what is still waiting."""
    pending: set[asyncio.Task[None]] = context.bot_data.setdefault(BACKGROUND, set())
    task = asyncio.create_task(work, name="channel-comment")
    pending.add(task)
    task.add_done_callback(_finished)
    task.add_done_callback(pending.discard)


def _finished(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a channel comment failed", exc_info=task.exception())


async def cancel_background(bot_data: dict[str, Any]) -> None:
    """At shutdown: comments still waiting for a copy are given up (their articles are stored)."""
    pending: set[asyncio.Task[None]] = bot_data.get(BACKGROUND, set())
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def post_summary(context: state.AnyContext, post: Message, number: int) -> None:
    """The new article's title and first sentences, as a comment on its post."""
    count = min(state.settings(context).summary_sentences, COMMENT_SENTENCES)
    summary = await state.answerer(context).article_summary(post.chat_id, number, count)
    if summary is None:  # removed meanwhile
        return
    hint = plain_html(texts.COMMENT_HINT)
    sent = await comment(context, post, render_summary(summary), thread_note=hint)
    log.info("channel post summary parts=%d", len(sent))


async def comment(
    context: state.AnyContext, post: Message, text: str, *, thread_note: str | None = None
) -> list[Message]:
    """Post ``text`` (HTML) under a channel post: in its discussion thread, else in the channel.

    ``thread_note`` is added only in the thread, where readers can reply to the bot.
    """
    bot = context.bot
    group = await linked_groups(context).group_of(bot, post.chat_id)
    if group is not None:
        forward = await forwards(context).wait(post.chat_id, post.message_id, FORWARD_WAIT)
        if forward is not None:
            if thread_note:
                text = f"{text}\n\n{thread_note}"
            return await send_parts(bot, forward.group_id, text, reply_to=forward.message_id)
        log.warning("a post's automatic forward never reached its group; replying in the channel")
    return await send_parts(bot, post.chat_id, text, reply_to=post.message_id)
