"""Inline mode: ``@botname question`` in any chat offers matching sentences to send.

Each result is one sentence, titled with its first words, and sends the formatted answer
for that sentence. An empty query offers the summaries; an abstention offers one result
saying so. Inline queries arrive as the user types, so they have their own, looser, rate
limit and are never logged with their text.
"""

from __future__ import annotations

import logging
import time

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import BaseHandler, ContextTypes, InlineQueryHandler

from bot import texts
from bot.plain import render_answer as render_plain_answer
from bot.plain import sentence_label
from bot.telegram import state
from bot.telegram.html import plain_html, render_passages, render_summary, sentence_start
from bot.telegram.ratelimit import Verdict
from bot.telegram.split import truncate_html
from index import Answer, Summary

log = logging.getLogger(__name__)

MAX_RESULTS = 5
# Answers change only when the articles do; let Telegram reuse them for a while.
CACHE_SECONDS = 300
# Inline queries arrive per keystroke (debounced by the client): allow more than questions.
INLINE_QUERIES_PER_QUESTION = 5


def message_content(text: str) -> InputTextMessageContent:
    """What a result sends: one message, so a long sentence or summary is cut, not split.

    Telegram rejects the whole answer to the query when any result's text is too long.
    """
    return InputTextMessageContent(truncate_html(text))


def answer_results(answer: Answer, *, max_question_chars: int) -> list[InlineQueryResultArticle]:
    """Up to five sentences, best first; one explanatory result when there is no answer."""
    if not answer.answered:
        message = render_plain_answer(answer, max_question_chars=max_question_chars)
        first_line = message.split("\n", 1)[0]
        return [
            InlineQueryResultArticle(
                id="none",
                title=first_line,
                description=message[len(first_line) :].strip() or None,
                input_message_content=message_content(plain_html(message)),
            )
        ]
    return [
        InlineQueryResultArticle(
            id=f"s{i}",
            title=sentence_start(passage.text),
            description=f"{sentence_label(passage)} · {passage.article_title}",
            input_message_content=message_content(render_passages([passage], answer.terms)),
        )
        for i, passage in enumerate(answer.ranked[:MAX_RESULTS])
    ]


def summary_results(summaries: list[Summary]) -> list[InlineQueryResultArticle]:
    return [
        InlineQueryResultArticle(
            id=f"summary{i}",
            title=texts.SUMMARY_HEADING.format(title=summary.article_title),
            description=sentence_start(summary.passages[0].text) if summary.passages else None,
            input_message_content=message_content(render_summary(summary)),
        )
        for i, summary in enumerate(summaries[:MAX_RESULTS])
    ]


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    started = time.perf_counter()
    answerer = state.answerer(context)
    text = query.query.strip()
    if not text:
        settings = state.settings(context)
        results = summary_results(await answerer.summarize(settings.summary_sentences))
        status = "summary"
    elif state.inline_limiter(context).check(query.from_user.id) is not Verdict.ALLOW:
        await query.answer([], cache_time=0, is_personal=True)
        log.info("inline status=rate_limited")
        return
    else:
        answer = await answerer.ask(text)
        results = answer_results(answer, max_question_chars=answerer.max_question_chars)
        status = answer.status.value
    await query.answer(results, cache_time=CACHE_SECONDS)
    log.info(
        "inline status=%s results=%d ms=%.0f",
        status,
        len(results),
        (time.perf_counter() - started) * 1000,
    )


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [InlineQueryHandler(on_inline_query)]
