"""Replies that could not be sent wait here, on disk, until the Bot API is back.

By the time a reply is sent, its update is already confirmed to Telegram: a reply dropped
after a few failed retries is a question lost for good. A reply that still fails after the
quick retries of :mod:`.retry` is stored instead (a small SQLite file under ``DATA_DIR``)
and sent again with a growing pause, in order per chat, for ``REPLY_RETRY_MINUTES``. The
file outlives the process, so a reply queued before a stop is sent after the next start.
Replies still undelivered when their time is up are dropped, counted and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

# How python-telegram-bot itself turns parameters into wire form (not re-exported).
from telegram.request._requestparameter import RequestParameter

log = logging.getLogger(__name__)

FILE_NAME = "outbox.sqlite3"
# Only replies are kept: a late callback answer or chat action is worth nothing.
QUEUED_ENDPOINTS = frozenset({"sendMessage"})
FIRST_PAUSE = 1.0  # seconds between delivery rounds while the Bot API fails, doubling ...
MAX_PAUSE = 30.0  # ... up to this

# Set while the outbox itself sends, so its own calls are not queued again.
delivering: contextvars.ContextVar[bool] = contextvars.ContextVar("delivering", default=False)

Send = Callable[[str, dict[str, Any]], Awaitable[object]]


class QueuedForDelivery(NetworkError):
    """The reply was not sent now; it waits in the outbox and is sent when the API is back."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    chat: str
    endpoint: str
    params: dict[str, Any]
    created: float


@dataclass
class Counters:
    queued: int = 0
    delivered: int = 0
    expired: int = 0  # not delivered within REPLY_RETRY_MINUTES
    refused: int = 0  # the Bot API refused it when it came back (chat gone, bot blocked)
    lost: int = 0  # could not be written to the file (disk full, read-only)


def chat_of(data: dict[str, Any]) -> str:
    return str(data.get("chat_id", ""))


def serialise(data: dict[str, Any]) -> dict[str, Any]:
    """Request parameters as the Bot API receives them (strings), so they survive a restart."""
    params: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        params[key] = RequestParameter.from_input(key, value).json_value
    return params


class Outbox:
    """Undelivered replies in a SQLite file; created only when the first one is stored."""

    def __init__(
        self, path: Path, keep_seconds: float, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.keep_seconds = keep_seconds
        self.counters = Counters()
        self._clock = clock
        self._db: sqlite3.Connection | None = None
        self._chats: dict[str, int] = {}  # chat -> entries waiting
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        if path.exists():
            try:
                for entry in self.entries():
                    self._chats[entry.chat] = self._chats.get(entry.chat, 0) + 1
            except (
                sqlite3.Error,
                ValueError,
            ) as exc:  # damaged: keep it aside, start afresh
                self.close()
                aside = path.with_name(path.name + ".damaged")
                path.replace(aside)
                log.error("outbox %s is damaged (%s); moved to %s", path, exc, aside.name)

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "chat TEXT NOT NULL, endpoint TEXT NOT NULL, params TEXT NOT NULL, "
                "created REAL NOT NULL)"
            )
            self._db.commit()
        return self._db

    @property
    def waiting(self) -> int:
        return sum(self._chats.values())

    def has_pending(self, data: dict[str, Any]) -> bool:
        """Whether the reply's chat already has replies waiting (new ones queue behind)."""
        return self._chats.get(chat_of(data), 0) > 0

    def put(self, endpoint: str, data: dict[str, Any]) -> bool:
        """Keep one reply; False (and logged) when the file cannot be written."""
        params = serialise(data)
        chat = chat_of(data)
        try:
            db = self._connect()
            db.execute(
                "INSERT INTO outbox (chat, endpoint, params, created) VALUES (?, ?, ?, ?)",
                (chat, endpoint, json.dumps(params, ensure_ascii=False), self._clock()),
            )
            db.commit()
        except (sqlite3.Error, OSError) as exc:
            self.counters.lost += 1
            log.error(
                "reply lost: cannot keep it in %s (%s); %d lost",
                self.path,
                exc,
                self.counters.lost,
            )
            return False
        self._chats[chat] = self._chats.get(chat, 0) + 1
        self.counters.queued += 1
        log.warning(
            "reply kept for later: the Bot API is unreachable (%d waiting)",
            self.waiting,
        )
        self._wake.set()
        return True

    def entries(self) -> list[Entry]:
        rows = self._connect().execute(
            "SELECT id, chat, endpoint, params, created FROM outbox ORDER BY id"
        )
        return [Entry(i, c, e, json.loads(p), t) for i, c, e, p, t in rows.fetchall()]

    def _remove(self, entry: Entry) -> None:
        db = self._connect()
        db.execute("DELETE FROM outbox WHERE id = ?", (entry.id,))
        db.commit()
        left = self._chats.get(entry.chat, 0) - 1
        if left > 0:
            self._chats[entry.chat] = left
        else:
            self._chats.pop(entry.chat, None)

    async def deliver(self, send: Send) -> bool:
        """One round over the waiting replies; False when the Bot API still fails."""
        if not self._chats:
            return True
        stuck: set[str] = set()
        token = delivering.set(True)
        try:
            for entry in self.entries():
                age = self._clock() - entry.created
                if age > self.keep_seconds:
                    self._remove(entry)
                    self.counters.expired += 1
                    log.warning(
                        "reply dropped: the Bot API was unreachable for %.0f min (%d dropped)",
                        age / 60,
                        self.counters.expired,
                    )
                    continue
                if entry.chat in stuck:
                    continue  # keep each chat's replies in order
                try:
                    await send(entry.endpoint, dict(entry.params))
                except (BadRequest, Forbidden) as exc:
                    self._remove(entry)
                    self.counters.refused += 1
                    log.warning("kept reply refused by the Bot API: %s", exc.message)
                except TimedOut:
                    self._remove(entry)  # it may have arrived: never send it twice
                    log.warning("kept reply timed out; it may have arrived")
                except (NetworkError, RetryAfter):
                    stuck.add(entry.chat)
                    return False
                else:
                    self._remove(entry)
                    self.counters.delivered += 1
                    log.info("kept reply delivered after %.0f s", age)
        finally:
            delivering.reset(token)
        return not stuck

    def start(self, send: Send) -> None:
        """Deliver in the background: now (replies from before a restart), then as needed."""
        if self._task is None or self._task.done():
            self._wake.set()
            self._task = asyncio.create_task(self._run(send), name="outbox")

    async def _run(self, send: Send) -> None:
        pause = FIRST_PAUSE
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause if self._chats else None)
            self._wake.clear()
            try:
                ok = await self.deliver(send)
            except Exception:  # a broken file must not end delivery for good
                log.exception("outbox delivery failed")
                ok = False
            pause = FIRST_PAUSE if ok else min(pause * 2, MAX_PAUSE)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.waiting:
            log.warning(
                "%d reply(ies) still wait for the Bot API; they are sent after the next start "
                "(for up to %.0f min after they were written)",
                self.waiting,
                self.keep_seconds / 60,
            )
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
