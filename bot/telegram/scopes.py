"""Which article set a question, a button or a summary in a chat is about: decided here only.

Every chat sees the global articles plus its own (``Scope(chat_id)``), never another
chat's. Handlers never build a scope themselves; they ask these functions, so a rule
such as "a comment under a channel post is about that post's article only" is added in
one place and every question path follows it.
"""

from __future__ import annotations

from telegram import Message

from bot.telegram.state import AnyContext
from index import Scope


def chat_scope(chat_id: int) -> Scope:
    """A chat's own articles plus the global ones (a private chat's id is its user's)."""
    return Scope(chat_id)


async def question_scope(message: Message, context: AnyContext) -> Scope:
    """The articles a question in ``message`` is ranked over.

    Every question path (private text, ``/ask``, mentions, replies to the bot) comes here
    through :func:`~bot.telegram.replies.answer_question`; a narrower rule (one article,
    ``Scope(chat, K)``) returns its scope before the chat's default.
    """
    del context  # for rules that need the application's state (the article database)
    return chat_scope(message.chat_id)


async def button_scope(message: Message, context: AnyContext) -> Scope:
    """The articles a button under the bot's answer ``message`` may show.

    A button names sentences by article; resolving them in the chat's own scope means a
    button can never bring up another chat's article.
    """
    del context
    return chat_scope(message.chat_id)
