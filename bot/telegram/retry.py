"""Bot API calls that survive a transient failure.

``AIORateLimiter`` already waits out a 429 (``retry_after``). A 5xx or a dropped connection
reaches handlers as ``NetworkError``; retrying it here, below every handler, means a reply
is not lost to one bad gateway, and no handler needs its own retry loop. A reply that still
fails goes to the outbox (:mod:`.outbox`), which sends it when the Bot API is back.
"""

from __future__ import annotations

import asyncio
import logging
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
        super().__init__(
            overall_max_rate=overall_max_rate,
            group_max_rate=group_max_rate,
            max_retries=max_retries,
        )
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
        if outbox is not None and outbox.has_pending(data):
            outbox.put(endpoint, data)  # behind this chat's earlier replies, in order
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
            outbox.put(endpoint, data)
            raise QueuedForDelivery(f"kept for later: {exc.message}") from exc

    async def _with_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
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
