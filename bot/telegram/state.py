"""What handlers share, kept in ``application.bot_data`` under fixed keys.

The settings and the limiters are put there when the application is built; the answering
service (and its :class:`Answerer`) in ``post_init``, because loading the model is slow and
must not happen before the event loop runs.
"""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import CallbackContext

from bot.settings import Settings
from bot.telegram.admins import AdminCache
from bot.telegram.answering import Answerer
from bot.telegram.once import Once
from bot.telegram.ratelimit import QuestionLimiter

SETTINGS = "settings"
SERVICE = "service"
ANSWERER = "answerer"
QUESTION_LIMITER = "question_limiter"
INLINE_LIMITER = "inline_limiter"
COMMAND_LIMITER = "command_limiter"
BUTTON_PRESSES = "button_presses"
OUTBOX = "outbox"
ADMIN_CACHE = "admin_cache"

AnyContext = CallbackContext[Any, Any, Any, Any]


def settings(context: AnyContext) -> Settings:
    return cast(Settings, context.bot_data[SETTINGS])


def answerer(context: AnyContext) -> Answerer:
    return cast(Answerer, context.bot_data[ANSWERER])


def question_limiter(context: AnyContext) -> QuestionLimiter:
    return cast(QuestionLimiter, context.bot_data[QUESTION_LIMITER])


def inline_limiter(context: AnyContext) -> QuestionLimiter:
    return cast(QuestionLimiter, context.bot_data[INLINE_LIMITER])


def command_limiter(context: AnyContext) -> QuestionLimiter:
    return cast(QuestionLimiter, context.bot_data[COMMAND_LIMITER])


def button_presses(context: AnyContext) -> Once:
    """Button presses already acted on: a double tap posts once and votes once."""
    return cast(Once, context.bot_data.setdefault(BUTTON_PRESSES, Once()))


def admin_cache(context: AnyContext) -> AdminCache:
    """Each group's administrators, as last asked of Telegram."""
    return cast(AdminCache, context.bot_data.setdefault(ADMIN_CACHE, AdminCache()))
