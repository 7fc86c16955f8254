"""Sending replies: splitting, quoting, keyboards, and the one path every question takes.

Private messages, group triggers and ``/ask`` differ only in how the question is found;
from there on they share :func:`answer_question`, so rate limiting, rendering, logging and
sending are written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.telegram import state
from bot.telegram.buttons import answer_keyboard
from bot.telegram.html import plain_html, render_answer, render_summaries
from bot.telegram.outbox import QueuedForDelivery
from bot.telegram.ratelimit import Verdict
from bot.telegram.scopes import question_scope
from bot.telegram.split import split_html
from index import Scope

log = logging.getLogger(__name__)

T = TypeVar("T")

# Show "typing…" only when an answer is not ready this fast: most are, and every chat
# action counts against Telegram's per-bot message budget.
TYPING_AFTER_SECONDS = 0.5


async def send_parts(
    bot: Bot,
    chat_id: int | str,
    text: str,
    *,
    reply_to: int | None = None,
    thread_id: int | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Send ``text`` (HTML) as one or more messages; the first quotes, the last has the keyboard."""
    parts = split_html(text)
    sent: list[Message] = []
    for i, part in enumerate(parts):
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            sent.append(
                await bot.send_message(
                    chat_id,
                    part,
                    reply_parameters=quote if i == 0 else None,
                    reply_markup=keyboard if i == len(parts) - 1 else None,
                    message_thread_id=thread_id,
                )
            )
        except QueuedForDelivery:
            continue  # kept for later; the next parts queue behind it, in order
    return sent


async def reply(
    message: Message,
    text: str,
    *,
    quote: bool,
    keyboard: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Answer ``message`` in its chat (and forum topic), quoting it when asked to."""
    return await send_parts(
        message.get_bot(),
        message.chat_id,
        text,
        reply_to=message.message_id if quote else None,
        thread_id=message.message_thread_id if message.is_topic_message else None,
        keyboard=keyboard,
    )


def quotes_in(message: Message) -> bool:
    """Quote the asker in groups, where several conversations interleave; not in private."""
    return message.chat.type != ChatType.PRIVATE


def asker_id(message: Message) -> int:
    """Whose question limit ``message`` counts against.

    Anonymous group admins and people posting as a channel all arrive ``from`` the same
    placeholder bot users (GroupAnonymousBot, Channel_Bot), in every group; the chat they
    speak for (``sender_chat``) is what tells them apart.
    """
    if message.sender_chat is not None:
        return message.sender_chat.id
    return message.from_user.id if message.from_user else message.chat_id


async def command_allowed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The per-user limit on every other reply (help, summaries, refusals).

    Over the limit the sender is told once a minute; after that nothing is sent, so a
    flood of commands costs the chat no more messages.
    """
    verdict = state.command_limiter(context).check(asker_id(message))
    if verdict is Verdict.WARN:
        await reply(message, plain_html(texts.COMMANDS_LIMITED), quote=quotes_in(message))
    if verdict is not Verdict.ALLOW:
        log.info("command chat=%s status=rate_limited", message.chat.type)
        return False
    return True


async def busy_notice(update: Update) -> None:
    """The one notice a chat gets when it sends more than the bot will queue for it."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.CHAT_BUSY)
        return
    message = update.effective_message
    if message is not None and message.chat.type != ChatType.CHANNEL:
        await reply(message, plain_html(texts.CHAT_BUSY), quote=False)


async def answer_question(
    message: Message,
    question: str,
    context: ContextTypes.DEFAULT_TYPE,
    scope: Scope | None = None,
) -> None:
    """Rate-limit, answer and reply; logs chat type, status and latency, never the question.

    ``scope`` is the article set to rank over: by default what
    :func:`~bot.telegram.scopes.question_scope` says for ``message``.
    """
    started = time.perf_counter()
    quote = quotes_in(message)
    verdict = state.question_limiter(context).check(asker_id(message))
    if verdict is not Verdict.ALLOW:
        if verdict is Verdict.WARN:
            await reply(message, plain_html(texts.RATE_LIMITED), quote=quote)
        log.info("question chat=%s status=rate_limited", message.chat.type)
        return
    answerer = state.answerer(context)
    if scope is None:
        scope = await question_scope(message, context)
    answer = await with_typing(message, answerer.ask(question, scope))
    text = render_answer(answer, max_question_chars=answerer.max_question_chars)
    sent = await reply(message, text, quote=quote, keyboard=answer_keyboard(answer))
    log.info(
        "question chat=%s status=%s parts=%d ms=%.0f",
        message.chat.type,
        answer.status.value,
        len(sent),
        (time.perf_counter() - started) * 1000,
    )


async def with_typing(message: Message, work: Awaitable[T]) -> T:
    """Await ``work``, showing "typing…" in the chat when it is not ready at once."""
    pending = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({pending}, timeout=TYPING_AFTER_SECONDS)
    if not done:
        with contextlib.suppress(TelegramError):
            await message.reply_chat_action(ChatAction.TYPING)
    return await pending


async def summary_text(context: ContextTypes.DEFAULT_TYPE, n: int | None = None) -> str:
    """All article summaries as HTML; the service caps ``n`` at its maximum."""
    count = state.settings(context).summary_sentences if n is None else n
    return render_summaries(await state.answerer(context).summarize(count))
