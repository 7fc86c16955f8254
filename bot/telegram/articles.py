"""A chat's own articles: ``/add``, ``/articles`` and ``/remove`` in private chats and groups.

``/add`` takes the article from the text after the command, from the message it replies
to, from a ``.txt``/``.html`` file sent with the caption ``/add``, or from a link. The
handlers only say what happened: finding the text is :mod:`bot.telegram.sources`'s job,
storing and embedding the answering service's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import texts
from bot.article_commands import article_number
from bot.telegram import state
from bot.telegram.admins import may_manage_articles
from bot.telegram.html import heading, passage_line, plain_html
from bot.telegram.replies import asker_id, command_allowed, quotes_in, reply, with_typing
from bot.telegram.sources import Refused, Source, source_of
from index import AddedArticle, ArticleBotError, ArticleOrigin, ArticleRejected, StoredArticle
from index.sources import SourceError

log = logging.getLogger(__name__)

CHATS = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
# ``/add`` (or ``/add@botname``) as a file's caption; CommandHandler only reads texts.
ADD_CAPTION = re.compile(r"^/add(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s|$)", re.IGNORECASE)
DOCUMENT_ADD = (
    filters.UpdateType.MESSAGE & CHATS & filters.Document.ALL & filters.CaptionRegex(ADD_CAPTION)
)
# An add that takes longer than this (a slow page, a long article) says it is working on it.
NOTICE_AFTER_SECONDS = 3.0
# The summary in the reply to an add: enough to see what was stored.
ADDED_SUMMARY_SENTENCES = 3


def rejection_text(exc: ArticleRejected) -> str:
    """The chat's one line for an article the service refused."""
    template = texts.REJECTED.get(exc.reason, texts.REJECTED_OTHER)
    return template.format(limit=f"{exc.limit:,}", detail=str(exc))


def added_text(added: AddedArticle, summary_lines: list[str]) -> str:
    """The reply to an add: number, title, sentences and a short summary (HTML)."""
    article = added.article
    if not added.created and not added.replaced:
        return plain_html(texts.ALREADY_ADDED.format(number=article.number, title=article.title))
    first, _, rest = texts.ADDED.format(
        number=article.number, title=article.title, sentences=article.sentences
    ).partition("\n")
    lines = [heading(first), plain_html(rest)]
    if summary_lines:
        lines.append(plain_html(texts.ADDED_SUMMARY))
        lines.extend(summary_lines)
    lines.append(plain_html(texts.ASK_ABOUT_IT.format(number=article.number)))
    return "\n".join(lines)


async def _with_notice(message: Message, work: Awaitable[str]) -> str:
    """Await ``work``: "typing…" when it is not ready at once, a short notice when it is slow."""
    pending = asyncio.ensure_future(with_typing(message, work))
    done, _ = await asyncio.wait({pending}, timeout=NOTICE_AFTER_SECONDS)
    if not done:
        await reply(message, plain_html(texts.ADDING), quote=quotes_in(message))
    return await pending


async def _add(message: Message, source: Source, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Load, store and summarise the article; the reply text, or the one-line refusal."""
    answerer = state.answerer(context)
    try:
        text = await source.load()
        added = await answerer.add_article(
            message.chat_id, text, ArticleOrigin(source.kind, source.ref, asker_id(message))
        )
    except Refused as exc:
        log.info("article add status=refused reason=file")
        return plain_html(str(exc))
    except ArticleRejected as exc:
        log.info("article add status=refused reason=%s", exc.reason)
        return plain_html(rejection_text(exc))
    except SourceError as exc:
        log.info("article add status=refused reason=source kind=%s", source.kind)
        return plain_html(texts.SOURCE_FAILED.format(detail=str(exc)))
    except ArticleBotError as exc:  # the database cannot take it (its message is the operator's)
        log.warning("article add failed: %s", exc)
        return plain_html(texts.ADD_FAILED)
    summary = None
    if added.created or added.replaced:
        count = min(ADDED_SUMMARY_SENTENCES, state.settings(context).summary_sentences)
        with contextlib.suppress(ArticleRejected):  # removed meanwhile: the reply still stands
            summary = await answerer.article_summary(message.chat_id, added.article.number, count)
    lines = [passage_line(p) for p in summary.passages] if summary is not None else []
    return added_text(added, lines)


async def _allowed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender may change the chat's articles; tells them who can when not."""
    settings = state.settings(context)
    if await may_manage_articles(message, settings, state.admin_cache(context)):
        return True
    private = message.chat.type == ChatType.PRIVATE
    refusal = texts.ADD_NOT_ALLOWED_PRIVATE if private else texts.ADD_NOT_ALLOWED_GROUP
    await reply(message, plain_html(refusal), quote=quotes_in(message))
    return False


async def on_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/add`` with text, a link, a file (caption) or in reply to a message holding one."""
    message = update.effective_message
    if message is None or not await command_allowed(message, context):
        return
    started = time.perf_counter()
    source = source_of(message, state.settings(context))
    if source is None:
        await reply(message, plain_html(texts.ADD_USAGE), quote=quotes_in(message))
        return
    if not await _allowed(message, context):
        log.info("article add chat=%s status=not_allowed", message.chat.type)
        return
    text = await _with_notice(message, _add(message, source, context))
    await reply(message, text, quote=quotes_in(message))
    log.info(
        "article add chat=%s kind=%s ms=%.0f",
        message.chat.type,
        source.kind,
        (time.perf_counter() - started) * 1000,
    )


async def on_document_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent with the caption ``/add``; ``/add@another_bot`` is left to that bot."""
    message = update.effective_message
    match = ADD_CAPTION.match(message.caption or "") if message is not None else None
    if match is None:
        return
    addressed = match.group("bot")
    if addressed and addressed.lower() != (context.bot.username or "").lower():
        return
    await on_add(update, context)


def articles_text(articles: list[StoredArticle]) -> str:
    """``/articles``: number, title, date and way added, sentences; or how to add one."""
    if not articles:
        return plain_html(texts.NO_ARTICLES)
    lines = [heading(texts.ARTICLES_HEADING.format(count=len(articles)))]
    for article in articles:
        line = texts.ARTICLE_LINE.format(
            number=article.number,
            title=article.title,
            date=time.strftime("%Y-%m-%d", time.gmtime(article.added_at)),
            how=texts.SOURCE_KINDS.get(article.source_kind, article.source_kind),
            sentences=article.sentences,
        )
        lines.append(plain_html(line))
    lines.append(plain_html(texts.ARTICLES_FOOTER))
    return "\n".join(lines)


async def on_articles(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not await command_allowed(message, context):
        return
    listed = await state.answerer(context).articles(message.chat_id)
    await reply(message, articles_text(listed), quote=quotes_in(message))


async def on_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/remove K`` (admins): deletes the chat's article #K and names what was removed."""
    message = update.effective_message
    if message is None or not await command_allowed(message, context):
        return
    quote = quotes_in(message)
    words = context.args or []
    number = article_number(words[0]) if len(words) == 1 else None
    if number is None:
        await reply(message, plain_html(texts.REMOVE_USAGE), quote=quote)
        return
    if not await _allowed(message, context):
        return
    try:
        removed = await state.answerer(context).remove_article(message.chat_id, number)
    except ArticleRejected as exc:
        await reply(message, plain_html(rejection_text(exc)), quote=quote)
        return
    if removed is None:
        text = texts.UNKNOWN_ARTICLE.format(number=number)
    else:
        text = texts.REMOVED.format(number=removed.number, title=removed.title)
    await reply(message, plain_html(text), quote=quote)
    log.info("article remove chat=%s found=%s", message.chat.type, removed is not None)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CommandHandler("add", on_add, filters=CHATS),
        MessageHandler(DOCUMENT_ADD, on_document_add),
        CommandHandler("articles", on_articles, filters=CHATS),
        CommandHandler("remove", on_remove, filters=CHATS),
    ]
