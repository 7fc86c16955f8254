"""A group that becomes a supergroup gets a new chat id: its articles go with it.

Telegram says so with a service message in the old group (``migrate_to_chat_id``) and
one in the new supergroup (``migrate_from_chat_id``); whichever arrives first moves the
articles, the second finds nothing left to move.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot.telegram import state
from index import ArticleRejected

log = logging.getLogger(__name__)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old_chat, new_chat = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old_chat, new_chat = message.migrate_from_chat_id, message.chat_id
    else:
        return
    try:
        await state.answerer(context).move_chat(old_chat, new_chat)
    except ArticleRejected as exc:  # a read-only database: the articles stay where they are
        log.warning("a migrated group's articles were not moved: %s", exc)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate)]
