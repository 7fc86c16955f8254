"""Group admins are asked of Telegram once per chat and kept for a few minutes."""

from __future__ import annotations

from typing import Any

from telegram import ChatMemberAdministrator, ChatMemberOwner, User
from telegram.error import NetworkError

from bot.telegram.admins import AdminCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class AdminsBot:
    """Stands in for ``telegram.Bot``: counts getChatAdministrators calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.admins: list[int] = [1]
        self.fail = False

    async def get_chat_administrators(self, chat_id: int) -> tuple[Any, ...]:
        self.calls.append(chat_id)
        if self.fail:
            raise NetworkError("down")
        owner, *rest = self.admins
        members: list[Any] = [ChatMemberOwner(User(owner, "o", False), is_anonymous=False)]
        members += [_admin(user_id) for user_id in rest]
        return tuple(members)


def _admin(user_id: int) -> ChatMemberAdministrator:
    flags = dict.fromkeys(
        (
            "can_be_edited",
            "is_anonymous",
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ),
        False,
    )
    return ChatMemberAdministrator(User(user_id, "a", False), **flags)


async def test_admins_are_cached_per_chat_until_they_expire() -> None:
    clock, bot = Clock(), AdminsBot()
    cache = AdminCache(ttl=300, clock=clock)
    assert await cache.admins(bot, -1) == {1}  # type: ignore[arg-type]
    bot.admins = [1, 2]
    clock.now = 299
    assert await cache.admins(bot, -1) == {1}  # type: ignore[arg-type]
    assert await cache.admins(bot, -2) == {1, 2}  # type: ignore[arg-type]
    clock.now = 301
    assert await cache.admins(bot, -1) == {1, 2}  # type: ignore[arg-type]
    assert bot.calls == [-1, -2, -1]


async def test_a_failed_lookup_allows_nobody_and_is_not_kept() -> None:
    bot = AdminsBot()
    bot.fail = True
    cache = AdminCache(clock=Clock())
    assert await cache.admins(bot, -1) == frozenset()  # type: ignore[arg-type]
    bot.fail = False
    assert await cache.admins(bot, -1) == {1}  # type: ignore[arg-type]
    assert len(bot.calls) == 2
