"""Button presses under an answer: more sentences, the surrounding text, and feedback.

A press is resolved in the article set of the chat the answer is in
(:func:`~bot.telegram.scopes.button_scope`), so no button can show another chat's article.

"More" and "context" reply to the answer with the extra sentences and take their button
off the answer, so a second press cannot post the same text again. Feedback is logged
(the product's only signal of answer quality from real readers) and thanked.
"""

from __future__ import annotations

import contextlib
import logging
import time

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot import texts
from bot.telegram import state
from bot.telegram.answering import Answerer
from bot.telegram.buttons import (
    ANY_BUTTON,
    Action,
    Press,
    article_refs,
    decode,
    feedback_data,
    resolve,
    without,
)
from bot.telegram.html import render_passages
from bot.telegram.ratelimit import Verdict
from bot.telegram.replies import reply
from bot.telegram.scopes import button_scope
from index import ArticleRejected, Passage, Scope
from index.text import content_terms

log = logging.getLogger(__name__)

CONTEXT_RADIUS = 1


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route a press to its action; stale or forged data gets a polite notice."""
    query = update.callback_query
    if query is None:
        return
    started = time.perf_counter()
    verdict = state.command_limiter(context).check(query.from_user.id)
    if verdict is not Verdict.ALLOW:
        await query.answer(texts.COMMANDS_LIMITED)
        log.info("button status=rate_limited")
        return
    press = decode(query.data)
    message = query.message if isinstance(query.message, Message) else None
    answerer = state.answerer(context)
    scope = await button_scope(message, context) if message is not None else None
    sentences = await _resolve(answerer, press, scope)
    if press is None or sentences is None or message is None or scope is None:
        await query.answer(texts.STALE_BUTTON)
        log.info("button stale")
        return
    # One vote per reader and answer; each "more"/"context" button posts once.
    claim = (
        (message.chat_id, message.message_id, "vote", query.from_user.id)
        if press.is_feedback
        else (message.chat_id, message.message_id, query.data)
    )
    presses = state.button_presses(context)
    if not presses.claim(claim):
        await query.answer()
        log.info("button repeated: ignored")
        return
    try:
        await _act(query, message, press, sentences, answerer, scope)
    except BaseException:
        presses.release(claim)  # nothing was posted: a new press may try again
        raise
    log.info(
        "button action=%s chat=%s ms=%.0f",
        press.action.name.lower(),
        message.chat.type,
        (time.perf_counter() - started) * 1000,
    )


async def _resolve(
    answerer: Answerer, press: Press | None, scope: Scope | None
) -> list[tuple[str, int]] | None:
    """The press's sentences among the articles of ``scope``; None when any is not there."""
    if press is None or scope is None:
        return None
    try:
        return resolve(press, article_refs(await answerer.titles(scope)))
    except ArticleRejected:  # the scope's one article was removed
        return None


async def _act(
    query: CallbackQuery,
    message: Message,
    press: Press,
    sentences: list[tuple[str, int]],
    answerer: Answerer,
    scope: Scope,
) -> None:
    if press.is_feedback:
        await _feedback(query, message, press, sentences)
        return
    passages: list[Passage] = []
    if press.action is Action.CONTEXT:
        article_id, number = sentences[0]
        passages = list(await answerer.context(article_id, number, CONTEXT_RADIUS, scope))
        found = any(p.number == number for p in passages)
        title = texts.CONTEXT_HEADING
    else:
        for article_id, number in sentences:
            passages.extend(await answerer.context(article_id, number, 0, scope))
        found = len(passages) == len(sentences)
        title = texts.MORE_HEADING
    if not found:
        await query.answer(texts.STALE_BUTTON)
        log.info("button stale")
        return
    await query.answer()
    focus = sentences[0] if press.action is Action.CONTEXT else None
    text = render_passages(passages, question_terms(message), title=title, focus=focus)
    await reply(message, text, quote=True)
    await _drop_buttons(query, message, [query.data or ""])


def question_terms(answer: Message) -> tuple[str, ...]:
    """The question's words, recovered from what the answer shows in bold.

    Callback data has no room for the question; the bold words of the answer are its
    matching words, so the extra sentences can be highlighted the same way.
    """
    bold = answer.parse_entities([MessageEntity.BOLD]).values()
    return tuple(dict.fromkeys(content_terms(" ".join(bold))))


async def _feedback(
    query: CallbackQuery, message: Message, press: Press, sentences: list[tuple[str, int]]
) -> None:
    article_id, number = sentences[0]
    log.info(
        "feedback vote=%s article=%s sentence=%d chat=%s",
        "helpful" if press.action is Action.HELPFUL else "unhelpful",
        article_id,
        number,
        message.chat.type,
    )
    await query.answer(texts.FEEDBACK_THANKS)
    await _drop_buttons(query, message, feedback_data(message.reply_markup))


async def _drop_buttons(query: CallbackQuery, message: Message, drop: list[str]) -> None:
    """Take used buttons off the answer; a lost race with another press is harmless."""
    markup = without(message.reply_markup, drop)
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(markup)


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data this bot never made (or from a retired format)."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.STALE_BUTTON)
        log.info("button unknown")


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CallbackQueryHandler(on_button, pattern=ANY_BUTTON),
        CallbackQueryHandler(on_unknown_button),
    ]
