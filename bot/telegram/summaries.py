"""``/summary [#K] [n]`` in private chats and groups: the extractive summary, ready to share.

A chat with articles of its own gets its newest one summarised (or article ``#K``), with
a line saying how to pick another; a chat without gets the global articles' summaries,
as before chats could add articles.
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot import texts
from bot.article_commands import SummaryRequest, summary_request
from bot.telegram import state
from bot.telegram.html import plain_html, render_summaries, render_summary
from bot.telegram.replies import command_allowed, quotes_in, reply
from bot.telegram.state import AnyContext
from index import ArticleRejected

log = logging.getLogger(__name__)


async def chat_summary_text(
    context: AnyContext,
    chat_id: int,
    request: SummaryRequest | None = None,
    *,
    hint: bool = True,
) -> str:
    """The summary a chat asked for, as HTML (an unknown ``#K`` gets a one-line notice).

    With ``hint``, the newest article's summary ends with how to ask for another.
    """
    request = request or SummaryRequest()
    answerer = state.answerer(context)
    count = request.sentences or state.settings(context).summary_sentences
    number = request.article
    if number is None:
        own = await answerer.articles(chat_id)
        if not own:
            return render_summaries(await answerer.summarize(count))
        number = own[-1].number
    try:
        summary = await answerer.article_summary(chat_id, number, count)
    except ArticleRejected:  # removed between the lookup and the summary
        summary = None
    if summary is None:
        return plain_html(texts.UNKNOWN_ARTICLE.format(number=number))
    if hint and request.article is None:
        return render_summary(summary) + "\n\n" + plain_html(texts.SUMMARY_OTHER)
    return render_summary(summary)


async def on_summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not await command_allowed(message, context):
        return
    started = time.perf_counter()
    request = summary_request(" ".join(context.args or ()))
    text = await chat_summary_text(context, message.chat_id, request)
    sent = await reply(message, text, quote=quotes_in(message))
    log.info(
        "summary chat=%s article=%s parts=%d ms=%.0f",
        message.chat.type,
        "picked" if request.article is not None else "default",
        len(sent),
        (time.perf_counter() - started) * 1000,
    )


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("summary", on_summary)]
