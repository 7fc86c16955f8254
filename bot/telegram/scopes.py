"""Which article set a question, a button or a summary in a chat is about: decided here only.

Every chat sees the global articles plus its own (``Scope(chat_id)``), never another
chat's. Handlers never build a scope themselves; they ask these functions, so a rule
such as "a comment under a channel post is about that post's article only" is added in
one place and every question path follows it.
"""

from __future__ import annotations

from telegram import Message

from bot.telegram.state import AnyContext
from bot.telegram.threads import thread_scope
from index import Scope


def chat_scope(chat_id: int) -> Scope:
    """A chat's own articles plus the global ones (a private chat's id is its user's)."""
    return Scope(chat_id)


async def question_scope(message: Message, context: AnyContext) -> Scope:
    """The articles a question in ``message`` is ranked over.

    Every question path (private text, ``/ask``, mentions, replies to the bot) comes here
    through :func:`~bot.telegram.replies.answer_question`. Under a channel post (a reply to
    its copy in the discussion group, or a comment in its thread): that post's article only.
    """
    return await thread_scope(message, context) or chat_scope(message.chat_id)


async def button_scope(message: Message, context: AnyContext) -> Scope:
    """The articles a button under the bot's answer ``message`` may show.

    A button names sentences by article; resolving them in the chat's own scope means a
    button can never bring up another chat's article. An answer in a post's comment
    thread is in that thread too, so its buttons stay with the post's article.
    """
    return await thread_scope(message, context) or chat_scope(message.chat_id)
