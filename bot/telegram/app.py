"""Compose the :class:`~telegram.ext.Application`: transport, defaults, handlers, lifecycle.

The one place that knows every concern module; each of them only exposes ``handlers()``.
The answering service is opened in ``post_init`` (in a worker thread: loading the model
takes seconds and must not block the loop) unless one is passed in, as tests do.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import HTTPXRequest

from bot import texts
from bot.service import open_from_settings
from bot.settings import Settings
from bot.telegram import (
    articles,
    autoadd,
    callbacks,
    channels,
    groups,
    inline,
    jobs,
    migration,
    private,
    state,
    summaries,
    threads,
)
from bot.telegram.answering import Answerer
from bot.telegram.errors import on_error
from bot.telegram.fairness import FairUpdateProcessor
from bot.telegram.outbox import FILE_NAME as OUTBOX_FILE
from bot.telegram.outbox import Outbox
from bot.telegram.ratelimit import QuestionLimiter
from bot.telegram.replies import busy_notice
from bot.telegram.retry import ResilientRateLimiter
from bot.telegram.safebot import SafeBot
from bot.telegram.shutdown import GRACE_KEY, BoundedStopApplication
from index import AnsweringService

log = logging.getLogger(__name__)

BotApplication = Application[Any, Any, Any, Any, Any, Any]

# Only what the handlers use: Telegram then does not even send the rest.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CHANNEL_POST,
    Update.EDITED_CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
]
# Handlers running at once over all chats (each chat has its own, smaller, limits: see
# fairness.py); model work is still serialised (and batched) by the Answerer.
CONCURRENT_UPDATES = 64
CONNECTION_POOL = 128
# Telegram answers in well under a second; a stuck connection should fail, not hang a reply.
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 10.0
FLOOD_RETRIES = 3
PRIVATE_COMMANDS = ("start", "help", "summary", "add", "articles", "remove")
GROUP_COMMANDS = ("ask", "summary", "add", "articles", "remove", "help")


def build_application(
    settings: Settings, service: AnsweringService | None = None
) -> BotApplication:
    """The bot, ready for ``run_polling``/``run_webhook`` (or initialize/start in tests)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    request = HTTPXRequest(
        connection_pool_size=CONNECTION_POOL,
        read_timeout=READ_TIMEOUT,
        write_timeout=WRITE_TIMEOUT,
        pool_timeout=POOL_TIMEOUT,
    )
    processor = FairUpdateProcessor(
        CONCURRENT_UPDATES, backlog_per_chat=settings.chat_backlog, notify=busy_notice
    )
    limiter = ResilientRateLimiter(max_retries=FLOOD_RETRIES)
    if settings.reply_retry_minutes > 0:
        limiter.outbox = Outbox(settings.data_dir / OUTBOX_FILE, settings.reply_retry_minutes * 60)
    bot = SafeBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=request,
        get_updates_request=HTTPXRequest(connection_pool_size=2),
        rate_limiter=limiter,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )
    application = (
        ApplicationBuilder()
        .application_class(BoundedStopApplication)
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[state.SETTINGS] = settings
    application.bot_data[state.OUTBOX] = limiter.outbox
    application.bot_data[GRACE_KEY] = settings.shutdown_grace
    application.bot_data[state.COMMAND_LIMITER] = QuestionLimiter(settings.commands_per_minute)
    application.bot_data[state.QUESTION_LIMITER] = QuestionLimiter(settings.questions_per_minute)
    application.bot_data[state.INLINE_LIMITER] = QuestionLimiter(
        settings.questions_per_minute * inline.INLINE_QUERIES_PER_QUESTION
    )
    if service is not None:
        application.bot_data[state.SERVICE] = service
    # One handler group, so the first matching handler wins, in this order: a channel
    # post's copy in its discussion group first (it is never a command or a question),
    # then articles (a file captioned /add in a private chat is not the "text only" case).
    modules = (
        migration,
        threads,
        articles,
        private,
        groups,
        summaries,
        jobs,
        channels,
        inline,
        callbacks,
    )
    for module in modules:
        application.add_handlers(module.handlers())
    application.add_handlers(private.fallback_handlers())
    application.add_error_handler(on_error)
    jobs.schedule_summaries(application, settings)
    return application


async def _post_init(application: BotApplication) -> None:
    settings: Settings = application.bot_data[state.SETTINGS]
    service: AnsweringService | None = application.bot_data.get(state.SERVICE)
    if service is None:
        service = await _open_service(settings)
        application.bot_data[state.SERVICE] = service
    application.bot_data[state.ANSWERER] = Answerer(service)
    outbox: Outbox | None = application.bot_data.get(state.OUTBOX)
    if outbox is not None and isinstance(application.bot, SafeBot):
        outbox.start(application.bot.resend)  # replies kept before a restart go out first
    await register_commands(application)


async def _open_service(settings: Settings) -> AnsweringService:
    service, report = await asyncio.to_thread(open_from_settings, settings)
    log.info(
        "index ready: %d article(s), %d sentences%s",
        report.articles,
        report.sentences,
        f", rebuilt ({report.reason})" if report.rebuilt else "",
    )
    return service


async def register_commands(application: BotApplication) -> None:
    """The command menus: what private chats and groups see after typing ``/``."""
    scopes = (
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
    )
    for scope, names in scopes:
        commands = [BotCommand(name, texts.COMMAND_DESCRIPTIONS[name]) for name in names]
        try:
            await application.bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:  # a missing menu is no reason not to answer questions
            log.warning("setMyCommands failed: %s", exc.message)


async def _post_shutdown(application: BotApplication) -> None:
    await autoadd.cancel_background(application.bot_data)
    answerer: Answerer | None = application.bot_data.pop(state.ANSWERER, None)
    if answerer is not None:
        answerer.close()
    outbox: Outbox | None = application.bot_data.get(state.OUTBOX)
    if outbox is not None:
        await outbox.stop()
