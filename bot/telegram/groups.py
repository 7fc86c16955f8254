"""Groups and supergroups: answer only when addressed, ignore all other chatter.

Bots run with privacy mode on by default and then only receive commands, replies to
their own messages and (usually) messages that mention them, so those are the triggers:
``/ask question`` (also ``/ask@botname``, which ``CommandHandler`` checks against the bot's
username), a reply to one of the bot's messages, and a message @mentioning the bot.
"""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import texts
from bot.telegram.html import plain_html
from bot.telegram.replies import answer_question, command_allowed, quotes_in, reply

_MENTIONS = (MessageEntity.MENTION, MessageEntity.TEXT_MENTION)


def bot_mentions(message: Message) -> list[MessageEntity]:
    """The entities in ``message`` that mention this bot (by @username or as a text mention)."""
    bot = message.get_bot()
    handle = f"@{bot.username}".lower() if bot.username else None
    found = []
    for entity, text in message.parse_entities(list(_MENTIONS)).items():
        by_name = entity.type == MessageEntity.MENTION and text.lower() == handle
        by_user = entity.type == MessageEntity.TEXT_MENTION and (
            entity.user is not None and entity.user.id == bot.id
        )
        if by_name or by_user:
            found.append(entity)
    return found


def without_entities(text: str, entities: list[MessageEntity]) -> str:
    """``text`` with the entities cut out; offsets are UTF-16 code units, as Telegram sends them."""
    units = text.encode("utf-16-le")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        units = units[: entity.offset * 2] + units[(entity.offset + entity.length) * 2 :]
    return " ".join(units.decode("utf-16-le").split())


def from_this_bot(message: Message | None) -> bool:
    if message is None or message.from_user is None:
        return False
    return message.from_user.id == message.get_bot().id


class _RepliesToBot(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return from_this_bot(message.reply_to_message)


class _MentionsBot(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return bool(bot_mentions(message))


REPLIES_TO_BOT = _RepliesToBot(name="RepliesToBot")
MENTIONS_BOT = _MentionsBot(name="MentionsBot")
ADDRESSED = (
    filters.ChatType.GROUPS
    & filters.UpdateType.MESSAGE
    & filters.TEXT
    & ~filters.COMMAND
    & (REPLIES_TO_BOT | MENTIONS_BOT)
)


def command_argument(message: Message) -> str:
    """The text after ``/ask`` or ``/ask@botname`` (the command entity is at offset 0)."""
    text = message.text or ""
    commands = [e for e in message.entities if e.type == MessageEntity.BOT_COMMAND]
    if commands and commands[0].offset == 0:
        return without_entities(text, [commands[0]])
    return " ".join(text.split()[1:])


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/ask question``; ``/ask`` alone in reply to someone's message asks that message."""
    message = update.effective_message
    if message is None:
        return
    question = command_argument(message)
    replied = message.reply_to_message
    if not question and replied is not None and replied.text and not from_this_bot(replied):
        question = replied.text
    if not question:
        if await command_allowed(message, context):
            await reply(message, plain_html(texts.ASK_USAGE), quote=quotes_in(message))
        return
    await answer_question(message, question, context)


async def on_addressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to the bot or a mention of it: the text, minus the mention, is the question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = without_entities(message.text, bot_mentions(message))
    if not question:
        if await command_allowed(message, context):
            await reply(message, plain_html(texts.ASK_USAGE), quote=True)
        return
    await answer_question(message, question, context)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CommandHandler("ask", on_ask),
        MessageHandler(ADDRESSED, on_addressed),
    ]
