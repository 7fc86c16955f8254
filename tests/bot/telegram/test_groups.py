"""Groups: /ask, /ask@botname, replies to the bot and mentions are answered; chatter is not."""

from __future__ import annotations

from bot import texts
from support.fake_bot_api import (
    DEFAULT_GROUP_ID,
    DEFAULT_SUPERGROUP_ID,
    FakeBotAPI,
    entity_for,
    utf16_len,
)
from support.harness import replies, running_bot, visible

GROUP = DEFAULT_SUPERGROUP_ID
QUESTION = "من التقى لافروف؟"
ANSWER = "نظيره الأميركي جون كيري"
SENTINEL = "/ask كم طلعة جوية نفذ الطيران الروسي؟"


def quoted(sent: dict, update: dict) -> bool:
    reply = sent.get("reply_parameters") or {}
    return reply.get("message_id") == update["message"]["message_id"]


async def test_ask_command_is_answered_quoting_the_asker(fake_api: FakeBotAPI, service):
    update = fake_api.command(f"/ask {QUESTION}", "supergroup")
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, update)
    assert ANSWER in visible(sent)
    assert quoted(sent, update)


async def test_ask_with_bot_username_in_a_basic_group(fake_api: FakeBotAPI, service):
    update = fake_api.command(f"/ask@ArticleQABot {QUESTION}", "group")
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, update)
    assert sent["chat_id"] == DEFAULT_GROUP_ID
    assert ANSWER in visible(sent)
    assert quoted(sent, update)


async def test_ask_without_question_explains_usage(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.command("/ask", "supergroup"))
    assert visible(sent) == texts.ASK_USAGE


async def test_ask_in_reply_to_a_member_asks_their_message(fake_api: FakeBotAPI, service):
    member = fake_api.group_text(QUESTION, GROUP, user_id=4242)
    fake_api.push_update(member)
    update = fake_api.command("/ask", "supergroup", reply_to=member["message"])
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, update)
    assert ANSWER in visible(sent)


async def test_reply_to_the_bot_is_a_question(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        await replies(fake_api, fake_api.command(f"/ask {QUESTION}", "supergroup"))
        (bot_message,) = fake_api.bot_messages(GROUP)
        update = fake_api.group_text("كم طلعة جوية نفذ الطيران الروسي؟", reply_to=bot_message)
        (sent,) = await replies(fake_api, update)
    assert "510" in visible(sent)
    assert quoted(sent, update)


async def test_mention_is_a_question_without_the_mention(fake_api: FakeBotAPI, service):
    # An emoji before the mention: its entity offset is only right in UTF-16 code units.
    text = f"👋🏽 @ArticleQABot {QUESTION}"
    update = fake_api.mention_text(text)
    entity = update["message"]["entities"][0]
    assert entity["type"] == "mention" and entity["offset"] == utf16_len("👋🏽 ") != 3
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, update)
    assert ANSWER in visible(sent)
    assert quoted(sent, update)


async def test_text_mention_of_the_bot_is_a_question(fake_api: FakeBotAPI, service):
    text = f"يا بوت {QUESTION}"
    bot_user = fake_api.bot_user()
    entity = entity_for(text, "بوت", "text_mention", user=bot_user)
    update = fake_api.group_text(text, GROUP, entities=[entity])
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, update)
    assert ANSWER in visible(sent)


async def test_other_chatter_is_ignored(fake_api: FakeBotAPI, service):
    member = fake_api.group_text("صباح الخير", GROUP, user_id=4242)
    chatter = [
        member,
        fake_api.group_text(QUESTION, GROUP),
        fake_api.group_text("أوافقك", GROUP, reply_to=member["message"]),
        fake_api.group_text(f"@someone_else {QUESTION}", GROUP),
        fake_api.command(f"/ask@OtherBot {QUESTION}", "supergroup"),
        fake_api.command("/summary@OtherBot", "supergroup"),
        fake_api.sticker_message(chat_type="supergroup"),
    ]
    async with running_bot(fake_api, service):
        fake_api.push_updates(*chatter)
        # Updates are handled concurrently: the sentinel's answer comes once the rest is done.
        (sent,) = await replies(fake_api, fake_api.command(SENTINEL, "supergroup"))
        await fake_api.wait_for("getUpdates", count=len(fake_api.calls("getUpdates")) + 1)
    assert "510" in visible(sent)
    assert len(fake_api.sent_messages()) == 1


async def test_group_summary_is_quoted(fake_api: FakeBotAPI, service):
    update = fake_api.command("/summary@ArticleQABot 2", "supergroup")
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, update)
    text = visible(sent)
    title = next(iter(service.titles.values()))
    assert text.startswith(texts.SUMMARY_HEADING.format(title=title))
    assert text.count("[الجملة") == 2
    assert quoted(sent, update)


GROUP_ANONYMOUS_BOT = 1087968824  # "from" of every anonymous group admin's message
CHANNEL_BOT = 136817688  # "from" of every message posted on behalf of a channel


def on_behalf_of(api: FakeBotAPI, update: dict, placeholder: int, sender_chat: dict) -> dict:
    """``update`` as Telegram sends it when the author speaks as a chat, not as themself."""
    message = update["message"]
    message["from"] = api.user(placeholder, "Group", username=None, is_bot=True)
    message["sender_chat"] = sender_chat
    return update


async def test_rate_limit_counts_each_anonymous_sender_apart(fake_api: FakeBotAPI, service):
    other_group = -1005550000001
    channel = {"id": -1005550000002, "title": "قناة", "type": "channel"}

    def anonymous_admin(chat_id: int) -> dict:
        update = fake_api.command(f"/ask {QUESTION}", "supergroup", chat_id=chat_id)
        return on_behalf_of(fake_api, update, GROUP_ANONYMOUS_BOT, update["message"]["chat"])

    def as_channel() -> dict:
        update = fake_api.command(f"/ask {QUESTION}", "supergroup", chat_id=other_group)
        return on_behalf_of(fake_api, update, CHANNEL_BOT, channel)

    async with running_bot(fake_api, service, questions_per_minute=1):
        # Three different askers behind the same two placeholder users: each is answered.
        for update in (anonymous_admin(GROUP), anonymous_admin(other_group), as_channel()):
            (sent,) = await replies(fake_api, update)
            assert ANSWER in visible(sent)
        # The limit still applies to each of them.
        (limited,) = await replies(fake_api, anonymous_admin(GROUP))
    assert visible(limited) == texts.RATE_LIMITED
