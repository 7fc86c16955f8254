"""Discussion groups: which channel post a comment thread is about.

Telegram copies each post of a channel into the channel's linked discussion group (an
"automatic forward"); the replies to that copy are the post's comments, and they carry its
message id as ``message_thread_id``. The bot records every such copy (thread -> post) so
that a question asked under a post is answered from that post's article only, and so that
the summary of an auto-added post can be posted as its first comment.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from telegram import Bot, Message, MessageOriginChannel, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot.telegram import state
from index import Scope, StoredArticle

log = logging.getLogger(__name__)

# The source kind of articles made from channel posts (their source ref: the post's id).
CHANNEL_POST = "channel_post"
# Seconds a channel's linked group (from getChat) is trusted before asking again: an admin
# may link or unlink a group at any time.
LINK_TTL = 300.0
# Automatic forwards remembered for posts still being added (a few seconds' worth).
FORWARDS_KEPT = 1024

_FORWARDS = "automatic_forwards"
_LINKS = "linked_groups"

AUTOMATIC_FORWARD = (
    filters.ChatType.SUPERGROUP & filters.UpdateType.MESSAGE & filters.IS_AUTOMATIC_FORWARD
)


@dataclass(frozen=True, slots=True)
class Forward:
    """A post's copy in the discussion group: replying to it comments on the post."""

    group_id: int
    message_id: int


class Forwards:
    """Automatic forwards seen lately, and the auto-added posts waiting for theirs."""

    def __init__(self, keep: int = FORWARDS_KEPT) -> None:
        self._keep = keep
        self._seen: OrderedDict[tuple[int, int], Forward] = OrderedDict()
        self._waiting: dict[tuple[int, int], asyncio.Future[Forward]] = {}

    def arrived(self, channel_id: int, post_id: int, forward: Forward) -> None:
        key = (channel_id, post_id)
        self._seen[key] = forward
        while len(self._seen) > self._keep:
            self._seen.popitem(last=False)
        waiting = self._waiting.pop(key, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(forward)

    async def wait(self, channel_id: int, post_id: int, timeout: float) -> Forward | None:
        """The post's forward: at once if it came already, else when it comes (or None)."""
        key = (channel_id, post_id)
        if key in self._seen:
            return self._seen[key]
        future = self._waiting.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[key] = future
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return None
        finally:
            if self._waiting.get(key) is future and not future.done():
                del self._waiting[key]


class LinkedGroups:
    """Each channel's discussion group, as ``getChat`` reports it, kept a few minutes."""

    def __init__(self, ttl: float = LINK_TTL) -> None:
        self._ttl = ttl
        self._known: dict[int, tuple[int | None, float]] = {}

    def learn(self, channel_id: int, group_id: int | None) -> None:
        self._known[channel_id] = (group_id, time.monotonic() + self._ttl)

    async def group_of(self, bot: Bot, channel_id: int) -> int | None:
        known = self._known.get(channel_id)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        try:
            chat = await bot.get_chat(channel_id)
        except TelegramError as exc:  # no comment place is no reason to lose the summary
            log.warning("getChat for a channel failed: %s", exc.message)
            return known[0] if known is not None else None
        self.learn(channel_id, chat.linked_chat_id)
        return chat.linked_chat_id


def forwards(context: state.AnyContext) -> Forwards:
    return context.bot_data.setdefault(_FORWARDS, Forwards())  # type: ignore[no-any-return]


def linked_groups(context: state.AnyContext) -> LinkedGroups:
    return context.bot_data.setdefault(_LINKS, LinkedGroups())  # type: ignore[no-any-return]


def forwarded_post(message: Message | None) -> tuple[int, int] | None:
    """(channel id, post id) when ``message`` is a channel post's automatic forward."""
    if message is None or not message.is_automatic_forward:
        return None
    origin = message.forward_origin
    if not isinstance(origin, MessageOriginChannel):
        return None
    return origin.chat.id, origin.message_id


async def post_article(
    context: state.AnyContext, channel_id: int, post_id: int
) -> StoredArticle | None:
    """The channel's article made from one of its posts, if there is one."""
    database = state.answerer(context).service.library.database
    if database is None:
        return None
    return await asyncio.to_thread(database.find_source, channel_id, CHANNEL_POST, str(post_id))


async def thread_scope(message: Message, context: state.AnyContext) -> Scope | None:
    """The one article a question in a discussion group is about, or None (the chat's set).

    A question replying to a post's automatic forward, or written in that post's comment
    thread, is about the article made from that post, when there is one.
    """
    if message.chat.type != ChatType.SUPERGROUP:
        return None
    database = state.answerer(context).service.library.database
    if database is None:
        return None
    post = forwarded_post(message.reply_to_message)
    if post is None and message.message_thread_id is not None and not message.is_topic_message:
        post = await asyncio.to_thread(
            database.thread_post, message.chat_id, message.message_thread_id
        )
    if post is None:
        return None
    channel_id, post_id = post
    article = await post_article(context, channel_id, post_id)
    return Scope(channel_id, article.number) if article is not None else None


async def on_automatic_forward(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember which post a discussion thread belongs to; nothing is answered here."""
    message = update.effective_message
    post = forwarded_post(message)
    if message is None or post is None:
        return
    channel_id, post_id = post
    linked_groups(context).learn(channel_id, message.chat_id)
    database = state.answerer(context).service.library.database
    if database is not None:
        await asyncio.to_thread(
            database.link_thread, message.chat_id, message.message_id, channel_id, post_id
        )
    forwards(context).arrived(channel_id, post_id, Forward(message.chat_id, message.message_id))
    log.info("automatic forward recorded")


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """First of all handlers: a copied channel post is never taken for a command or question."""
    return [MessageHandler(AUTOMATIC_FORWARD, on_automatic_forward)]
