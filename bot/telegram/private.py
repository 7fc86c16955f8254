"""Private chats: every text message is a question; /start and /help explain the bot.

A message that is only a word asking for help («help», «مساعدة») gets the help too.

/start and /help are registered for every chat type (they are the usual first thing
anyone sends a bot, in a group too); questions without a command only in private chats.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import texts
from bot.commands import is_help_request
from bot.telegram import state
from bot.telegram.html import plain_html
from bot.telegram.replies import answer_question, command_allowed, quotes_in, reply

QUESTION = (
    filters.ChatType.PRIVATE
    & filters.UpdateType.MESSAGE
    & filters.TEXT
    & ~filters.COMMAND
    & ~filters.VIA_BOT  # an inline answer sent back to the bot is not a question
)
# Service messages (a pinned message, a new auto-delete timer) are not something a person
# sent the bot: they get no reply.
NON_TEXT = (
    filters.ChatType.PRIVATE
    & filters.UpdateType.MESSAGE
    & ~filters.TEXT
    & ~filters.StatusUpdate.ALL
)
UNKNOWN_COMMAND = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.COMMAND


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot knows (the article titles), how to ask, and the commands."""
    message = update.effective_message
    if message is None or not await command_allowed(message, context):
        return
    answerer = state.answerer(context)
    titles = list(answerer.service.titles.values())
    own = await answerer.articles(message.chat_id)
    text = texts.help_text(titles, bot_username=context.bot.username, own_articles=len(own))
    await reply(message, plain_html(text), quote=quotes_in(message))


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    if is_help_request(message.text):  # a lone "help" is not a question about the article
        await on_help(update, context)
        return
    await answer_question(message, message.text, context)


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice: one short line saying that only text questions are answered."""
    message = update.effective_message
    if message is not None and await command_allowed(message, context):
        await reply(message, plain_html(texts.NON_TEXT), quote=False)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CommandHandler(["start", "help"], on_help),
        MessageHandler(QUESTION, on_question),
        MessageHandler(NON_TEXT, on_non_text),
    ]


def fallback_handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """Registered after every other module: a command nobody handled gets the help text."""
    return [MessageHandler(UNKNOWN_COMMAND, on_help)]
