"""Bot API calls that survive a transient failure.

``AIORateLimiter`` already waits out a 429 (``retry_after``). A 5xx or a dropped connection
reaches handlers as ``NetworkError``; retrying it here, below every handler, means a reply
is not lost to one bad gateway, and no handler needs its own retry loop. A reply that still
fails goes to the outbox (:mod:`.outbox`), which sends it when the Bot API is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import constants
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.telegram.outbox import QUEUED_ENDPOINTS, Outbox, QueuedForDelivery, delivering

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]


class ResilientRateLimiter(AIORateLimiter):
    """Telegram's flood limits plus a few retries of transient network or server errors.

    A 429 (``retry_after``) pauses only the group it came from; ``AIORateLimiter`` itself
    pauses every request of every chat, so one flooded group would stall all of them.
    A 429 for a private chat or a channel is taken as the bot-wide limit and pauses all.

    ``BadRequest`` subclasses ``NetworkError`` in python-telegram-bot but is the caller's
    mistake, so it is not retried. ``TimedOut`` is not retried either: the request may have
    been delivered, and a duplicate answer is worse than the apology the error handler sends.
    """

    def __init__(
        self,
        *,
        max_retries: int = 3,
        network_retries: int = 3,
        backoff: float = 0.5,
        overall_max_rate: float = constants.FloodLimit.MESSAGES_PER_SECOND,
        group_max_rate: float = constants.FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
    ) -> None:
        # No retries in the base class: its 429 pause would hold every chat.
        super().__init__(
            overall_max_rate=overall_max_rate,
            group_max_rate=group_max_rate,
            max_retries=0,
        )
        _quiet_base_class_give_up()
        self._flood_retries = max_retries
        self._paused_until: dict[int | str, float] = {}
        self._network_retries = network_retries
        self._backoff = backoff
        # Where replies go that still fail after the retries (set once the bot has one).
        self.outbox: Outbox | None = None
        self.lost = 0  # replies given up on without an outbox

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Send with retries; a reply that still fails waits in the outbox, never lost."""
        keep = endpoint in QUEUED_ENDPOINTS and not delivering.get()
        outbox = self.outbox if keep else None
        if outbox is not None and outbox.has_pending(data) and outbox.put(endpoint, data):
            # Behind this chat's earlier replies, in order.
            raise QueuedForDelivery("queued behind earlier replies to this chat")
        try:
            return await self._with_retries(callback, args, kwargs, endpoint, data, rate_limit_args)
        except (NetworkError, RetryAfter) as exc:
            if not keep or isinstance(exc, (BadRequest, TimedOut)):
                raise
            if outbox is None:
                self.lost += 1
                log.error("reply lost: the Bot API is unreachable (%d lost)", self.lost)
                raise
            if not outbox.put(endpoint, data):
                raise
            raise QueuedForDelivery(f"kept for later: {exc.message}") from exc

    def _forget_past_pauses(self) -> None:
        now = time.monotonic()
        for key in [k for k, until in self._paused_until.items() if until <= now]:
            del self._paused_until[key]

    async def _wait_out_pauses(self, key: int | str) -> None:
        """Sleep until neither this chat's group nor every chat is paused by a 429."""
        while True:
            until = max(self._paused_until.get(key, 0.0), self._paused_until.get(_ALL, 0.0))
            left = until - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(left)

    async def _with_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        attempt = flood_attempt = 0
        key = _pause_key(data)
        while True:
            await self._wait_out_pauses(key)
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as exc:
                if flood_attempt >= self._flood_retries:
                    raise
                flood_attempt += 1
                pause = _seconds(exc) + 0.1
                until = time.monotonic() + pause
                if len(self._paused_until) > _MAX_PAUSED:
                    self._forget_past_pauses()
                self._paused_until[key] = max(self._paused_until.get(key, 0.0), until)
                log.info(
                    "flood limit hit (%s): %s paused for %.1fs",
                    endpoint,
                    "one group" if key != _ALL else "every chat",
                    pause,
                )
                continue
            except (BadRequest, TimedOut):
                raise
            except NetworkError as exc:
                if attempt >= self._network_retries:
                    raise
                delay = self._backoff * 2**attempt
                attempt += 1
                log.warning(
                    "Bot API %s failed (%s: %s); retry %d in %.1fs",
                    endpoint,
                    type(exc).__name__,
                    exc.message,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)


_ALL = "all"
_MAX_PAUSED = 1000  # groups remembered with a pause before past ones are forgotten


def _pause_key(data: dict[str, Any]) -> int | str:
    """The group a 429 is about (negative or @name chat ids), or every chat."""
    chat_id = data.get("chat_id")
    with contextlib.suppress(ValueError, TypeError):
        chat_id = int(chat_id)  # type: ignore[arg-type]
    if isinstance(chat_id, int) and chat_id < 0:
        return chat_id
    if isinstance(chat_id, str) and chat_id:
        return chat_id
    return _ALL


def _seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class _BaseGiveUp(logging.Filter):
    """Drops the base class's traceback for a 429 it does not retry (we retry it here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum of")


def _quiet_base_class_give_up() -> None:
    logger = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, _BaseGiveUp) for f in logger.filters):
        logger.addFilter(_BaseGiveUp())
