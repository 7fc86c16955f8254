"""The bot object, made to step over updates python-telegram-bot cannot read.

``Bot.get_updates`` parses the whole batch at once. One update it cannot parse (a field of
an unexpected shape, from a newer Bot API) made every poll fail, the offset never moved
past it, and the bot polled in a tight loop, answering nobody, while each attempt logged the
raw batch, user text included, at CRITICAL. Here each update of a batch is checked on its
own: one that cannot be read is skipped and confirmed, with one log line naming its id and
the error type, never its content.
"""

from __future__ import annotations

import copy
import logging
from collections import deque
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

_REMEMBERED = 256  # ids of skipped updates kept, so each is logged once


class SafeBot(ExtBot[Any]):
    """``ExtBot`` whose ``getUpdates`` drops (and confirms) updates that do not parse."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._skip_through = 0
        self._skipped: deque[int] = deque(maxlen=_REMEMBERED)

    @property
    def skipped(self) -> tuple[int, ...]:
        """Ids of the updates skipped so far (the most recent few hundred)."""
        return tuple(self._skipped)

    async def get_updates(
        self,
        offset: int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        if self._skip_through and offset is not None and 0 < offset <= self._skip_through:
            offset = self._skip_through + 1  # confirm the skipped update to Telegram
        return await super().get_updates(offset, *args, **kwargs)

    async def resend(self, endpoint: str, params: dict[str, Any]) -> object:
        """Send a request kept by the outbox (parameters already in wire form)."""
        return await self._post(endpoint, params)

    async def _do_post(
        self,
        endpoint: str,
        data: JSONDict,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> bool | JSONDict | list[JSONDict]:
        result = await super()._do_post(
            endpoint,
            data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        return [update for update in result if self.readable(update)]

    def readable(self, update: object) -> bool:
        """Whether python-telegram-bot can parse ``update``; logs the first refusal of each."""
        try:
            if not isinstance(update, dict):
                raise TypeError("not an object")
            Update.de_json(copy.deepcopy(update), self)
        except Exception as exc:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            number = update_id if isinstance(update_id, int) else 0
            self._skip_through = max(self._skip_through, number)
            if number not in self._skipped:
                self._skipped.append(number)
                log.warning(
                    "skipped update %s: python-telegram-bot cannot read it (%s)",
                    number or "without an id",
                    type(exc).__name__,
                )
            return False
        return True
