"""The answering service as the event loop sees it: awaitable, batched, off the loop.

Embedding a question is CPU-bound (tens to hundreds of milliseconds); run on the event loop
it would stall every other chat. All model work goes to one dedicated thread (torch already
parallelises inside a call), and questions that arrive while a batch is running are answered
together in the next ``ask_many`` call, which is what keeps throughput up under load without
adding latency when the bot is idle.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from index import (
    GLOBAL,
    AddedArticle,
    Answer,
    AnsweringService,
    ArticleOrigin,
    Passage,
    Scope,
    StoredArticle,
    Summary,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Ranked candidates kept per answer: enough for the shown passages, "more" and 5 inline results.
RANKED_PER_ANSWER = 8
MAX_BATCH = 32


class Answerer:
    """Async front of :class:`AnsweringService` shared by every handler."""

    def __init__(
        self,
        service: AnsweringService,
        *,
        k: int = RANKED_PER_ANSWER,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.service = service
        self._k = k
        self._max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answering")
        # Adds embed whole articles (a second or more): a thread of their own keeps
        # questions flowing meanwhile.
        self._adding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adding")
        self._pending: list[tuple[str, Scope, asyncio.Future[Answer]]] = []
        self._worker: asyncio.Task[None] | None = None

    @property
    def max_question_chars(self) -> int:
        return self.service.policy.max_question_chars

    async def ask(self, question: str, scope: Scope = GLOBAL) -> Answer:
        """Queue ``question`` for the next batch and wait for its answer."""
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending.append((question, scope, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="answering-batches")
        return await future

    async def summarize(self, n: int, scope: Scope = GLOBAL) -> list[Summary]:
        return await self._run(partial(self.service.summarize, n, None, scope))

    async def article_summary(self, chat_id: int, number: int, n: int) -> Summary | None:
        return await self._run(partial(self.service.article_summary, chat_id, number, n))

    async def context(
        self, article_id: str, number: int, radius: int = 1, scope: Scope = GLOBAL
    ) -> tuple[Passage, ...]:
        return await self._run(partial(self.service.context, article_id, number, radius, scope))

    async def titles(self, scope: Scope = GLOBAL) -> dict[str, str]:
        return await self._run(partial(self.service.titles_for, scope))

    async def articles(self, chat_id: int) -> list[StoredArticle]:
        return await self._run(partial(self.service.articles, chat_id))

    async def add_article(
        self,
        chat_id: int,
        text: str,
        origin: ArticleOrigin,
        *,
        replace_source: bool = False,
    ) -> AddedArticle:
        """Embed and store an article in the adding thread; questions keep being answered."""
        call = partial(
            self.service.add_article, chat_id, text, origin, replace_source=replace_source
        )
        return await asyncio.get_running_loop().run_in_executor(self._adding, call)

    async def move_chat(self, old_chat: int, new_chat: int) -> int:
        call = partial(self.service.move_chat, old_chat, new_chat)
        return await asyncio.get_running_loop().run_in_executor(self._adding, call)

    async def remove_article(self, chat_id: int, number: int) -> StoredArticle | None:
        call = partial(self.service.remove_article, chat_id, number)
        return await asyncio.get_running_loop().run_in_executor(self._adding, call)

    async def _run(self, call: partial[T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            questions = [question for question, _, _ in batch]
            scopes = [scope for _, scope, _ in batch]
            try:
                answers = await self._run(
                    partial(self.service.ask_many, questions, self._k, scopes)
                )
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][2], exc)
                else:
                    await self._one_by_one(batch)
                continue
            for (_, _, future), answer in zip(batch, answers, strict=True):
                _settle(future, answer)

    async def _one_by_one(self, batch: list[tuple[str, Scope, asyncio.Future[Answer]]]) -> None:
        """After a failed batch: ask each question alone, so one bad question fails only itself."""
        log.warning("a batch of %d questions failed; answering them one by one", len(batch))
        for question, scope, future in batch:
            if future.done():
                continue
            try:
                (answer,) = await self._run(
                    partial(self.service.ask_many, [question], self._k, [scope])
                )
            except Exception as exc:  # its handler gets the error (and apologises); none hangs
                _settle(future, exc)
            else:
                _settle(future, answer)

    def close(self) -> None:
        """Stop accepting work; a batch already running finishes in its thread."""
        for _, _, future in self._pending:
            future.cancel()
        self._pending.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)
        # An add in progress finishes (its transaction commits or never happened); queued
        # ones were never acknowledged.
        self._adding.shutdown(wait=False, cancel_futures=True)


def _settle(future: asyncio.Future[Answer], outcome: Answer | BaseException) -> None:
    """Hand ``outcome`` to a waiting handler unless it stopped waiting (cancelled)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
