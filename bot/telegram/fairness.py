"""Per-chat fairness: one busy or abusive chat slows only itself.

python-telegram-bot's default update processor has one pool of slots for every chat. A
group is held to about 20 messages a minute by the flood limiter, so a flood of commands in
one group filled every slot with handlers waiting on that group's limit, and private chats
waited minutes. :class:`FairUpdateProcessor` instead gives each chat a small number of
running handlers and a small backlog; work beyond the backlog is not queued for minutes but
answered with one short notice per chat and minute. Only running handlers take one of the
global slots, so a chat waiting on its own flood limit never holds a slot another chat needs.

It also bounds a shutdown: updates still waiting are dropped at once, running ones get a
grace period and are then cut off, and the log says how many updates were not answered.
Channel posts are never refused for a full backlog: they wait their turn (see
:func:`_never_shed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.once import Once

log = logging.getLogger(__name__)

# Handlers of one chat that may run at once: enough to batch a group's questions together.
RUNNING_PER_CHAT = 4
# At most one busy notice per chat in this many seconds.
NOTICE_INTERVAL = 60.0
# PTB's own semaphore only bounds how many updates are held at all (running, waiting or
# being refused); the real limits are the per-chat ones and ``max_running``.
_HELD_PER_SLOT = 16
_MAX_CHATS = 10_000  # chats remembered (for their last notice) before idle ones are forgotten

Notifier = Callable[[Update], Awaitable[None]]


def chat_key(update: object) -> int | str:
    """What one update counts against: its chat, or its sender when it has no chat."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return f"user:{update.effective_user.id}"
    return "other"


@dataclass
class _Chat:
    running: asyncio.Semaphore
    held: int = 0  # running plus waiting
    last_notice: float = float("-inf")


@dataclass
class _Held:
    started: bool = False
    task: asyncio.Task[None] | None = None


@dataclass
class ShutdownReport:
    """Updates a stop left unanswered: still waiting, refused while stopping, or cut off."""

    waiting: int = 0
    arrived_late: int = 0
    cut_off: int = 0

    @property
    def unanswered(self) -> int:
        return self.waiting + self.arrived_late + self.cut_off


@dataclass
class _Counters:
    shed: int = 0
    notices: int = 0


class FairUpdateProcessor(BaseUpdateProcessor):
    """Per-chat running and backlog limits under one global limit of running handlers."""

    def __init__(
        self,
        max_running: int,
        *,
        backlog_per_chat: int,
        running_per_chat: int = RUNNING_PER_CHAT,
        notify: Notifier | None = None,
        notice_interval: float = NOTICE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if backlog_per_chat < 1 or running_per_chat < 1:
            raise ValueError("per-chat limits must be at least 1")
        super().__init__(max_running * _HELD_PER_SLOT)
        self.max_running = max_running
        self.backlog_per_chat = backlog_per_chat
        self.running_per_chat = min(running_per_chat, backlog_per_chat)
        self.notify = notify
        self._notice_interval = notice_interval
        self._clock = clock
        self._running = asyncio.Semaphore(max_running)
        self._chats: dict[int | str, _Chat] = {}
        self._held: dict[asyncio.Task[None], _Held] = {}
        self._notices: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._update_ids = Once()
        self.counters = _Counters()
        self.report = ShutdownReport()

    async def initialize(self) -> None:
        self._stopping = False
        self.report = ShutdownReport()

    async def shutdown(self) -> None:
        for task in list(self._notices):
            task.cancel()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._stopping:
            _close(coroutine)
            self.report.arrived_late += 1
            return
        if isinstance(update, Update) and not self._update_ids.claim(update.update_id):
            _close(coroutine)  # delivered again (a webhook retry, a restart): answered once
            log.info("update %d delivered again: ignored", update.update_id)
            return
        key = chat_key(update)
        chat = self._chats.get(key)
        if chat is None and len(self._chats) >= _MAX_CHATS:
            self._forget_idle_chats()
        if chat is None:
            chat = self._chats[key] = _Chat(asyncio.Semaphore(self.running_per_chat))
        if chat.held >= self.backlog_per_chat and not _never_shed(update):
            _close(coroutine)
            self._shed(key, chat, update)
            return
        chat.held += 1
        held = _Held()
        task = asyncio.ensure_future(self._run(chat, held, coroutine))
        held.task = task
        self._held[task] = held
        try:
            # wait() does not raise when the task is cancelled (by a bounded stop).
            await asyncio.wait({task})
        finally:
            del self._held[task]
            chat.held -= 1
            if chat.held == 0 and self._clock() - chat.last_notice >= self._notice_interval:
                self._chats.pop(key, None)

    def _forget_idle_chats(self) -> None:
        """Chats with nothing held are only kept for their notice time: forget them."""
        for key in [k for k, c in self._chats.items() if c.held == 0]:
            del self._chats[key]

    async def _run(self, chat: _Chat, held: _Held, coroutine: Awaitable[Any]) -> None:
        try:
            async with chat.running, self._running:
                held.started = True
                await coroutine
        finally:
            if not held.started:
                _close(coroutine)

    def _shed(self, key: int | str, chat: _Chat, update: object) -> None:
        self.counters.shed += 1
        now = self._clock()
        if now - chat.last_notice < self._notice_interval:
            log.info("update refused: chat busy (notice already sent)")
            return
        chat.last_notice = now
        log.warning("chat busy: refusing updates beyond a backlog of %d", self.backlog_per_chat)
        if self.notify is not None and isinstance(update, Update):
            self.counters.notices += 1
            task = asyncio.ensure_future(self._notice(update))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)

    async def _notice(self, update: Update) -> None:
        assert self.notify is not None
        try:
            await self.notify(update)
        except Exception as exc:  # a missing notice must not stop anything else
            log.warning("busy notice not sent: %s", type(exc).__name__)

    async def drain(self, grace: float) -> ShutdownReport:
        """Stop taking work: drop what waits, give running handlers ``grace`` seconds."""
        self._stopping = True
        waiting = [h.task for h in self._held.values() if not h.started and h.task is not None]
        for task in waiting:
            task.cancel()
        self.report.waiting += len(waiting)
        running = [h.task for h in self._held.values() if h.started and h.task is not None]
        if running:
            _, late = await asyncio.wait(running, timeout=max(grace, 0.0))
            for task in late:
                task.cancel()
            self.report.cut_off += len(late)
            if late:
                await asyncio.wait(late, timeout=1.0)
        for task in list(self._notices):
            task.cancel()
        return self.report

    @property
    def held(self) -> int:
        """Updates running or waiting now."""
        return len(self._held)


def _never_shed(update: object) -> bool:
    """Channel posts queue however many come: they are the channel admins' articles, not a
    crowd's questions, and one refused would never be added (PTB's own limit still holds)."""
    return isinstance(update, Update) and (
        update.channel_post is not None or update.edited_channel_post is not None
    )


def _close(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that will never run, so Python does not warn it was never awaited."""
    if inspect.iscoroutine(coroutine):
        with contextlib.suppress(RuntimeError):
            coroutine.close()
