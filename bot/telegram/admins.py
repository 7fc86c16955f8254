"""Who may add and remove a chat's articles.

In groups it is the chat's own administrators, as Telegram lists them: asked once and
kept for a few minutes, because every ``/add`` asking again would spend the bot's API
budget on an answer that rarely changes. An anonymous admin writes as the group itself
(``sender_chat`` is the group). In a private chat it is the bot's operators
(``ADMIN_IDS``), or everyone when ``OPEN_PRIVATE_ARTICLES`` is on: each private chat is
its own article set, so an open bot lets every user keep articles of their own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot, Message
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.settings import Settings

log = logging.getLogger(__name__)

ADMINS_TTL_SECONDS = 300.0
# Forget chats not asked about for a while once the table grows past this.
_PRUNE_AT = 10_000


class AdminCache:
    """The administrators of each group, fetched with ``getChatAdministrators`` and kept a while.

    A failed request is not kept: the next command asks again.
    """

    def __init__(
        self, ttl: float = ADMINS_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._known: dict[int, tuple[float, frozenset[int]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def admins(self, bot: Bot, chat_id: int) -> frozenset[int]:
        """User ids of the chat's administrators (empty when Telegram cannot say)."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # commands arriving together ask Telegram once
            cached = self._known.get(chat_id)
            now = self._clock()
            if cached is not None and cached[0] > now:
                return cached[1]
            try:
                members = await bot.get_chat_administrators(chat_id)
            except TelegramError as exc:
                log.warning("getChatAdministrators failed for a chat: %s", exc.message)
                return frozenset()
            found = frozenset(member.user.id for member in members)
            if len(self._known) >= _PRUNE_AT:
                self._prune(now)
            self._known[chat_id] = (now + self._ttl, found)
            return found

    def _prune(self, now: float) -> None:
        for chat_id in [c for c, (until, _) in self._known.items() if until <= now]:
            del self._known[chat_id]
            self._locks.pop(chat_id, None)


async def may_manage_articles(message: Message, settings: Settings, cache: AdminCache) -> bool:
    """Whether the sender of ``message`` may add or remove articles of its chat."""
    chat = message.chat
    if chat.type == ChatType.PRIVATE:
        user = message.from_user
        return settings.open_private_articles or (
            user is not None and user.id in settings.admin_ids
        )
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return False
    if message.sender_chat is not None:
        # An anonymous admin speaks as the group; anyone else speaking as a chat (a channel)
        # is not one of the group's admins.
        return message.sender_chat.id == chat.id
    user = message.from_user
    if user is None:
        return False
    return user.id in await cache.admins(message.get_bot(), chat.id)
