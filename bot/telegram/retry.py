"""Bot API calls that survive a transient failure.

``AIORateLimiter`` already waits out a 429 (``retry_after``). A 5xx or a dropped connection
reaches handlers as ``NetworkError``; retrying it here, below every handler, means a reply
is not lost to one bad gateway, and no handler needs its own retry loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import constants
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

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

    async def process_request(
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
