"""The Answerer: model work off the event loop, concurrent questions batched."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.answering import Answerer
from bot.telegram.ratelimit import QuestionLimiter, Verdict

QUESTIONS = ["من التقى لافروف؟", "كم طلعة جوية نفذ الطيران الروسي؟", "ما هي عاصمة فرنسا؟"] * 3


async def test_concurrent_questions_share_one_model_call(service, monkeypatch):
    batches: list[int] = []
    real = service.ask_many

    def counting(questions, k=5, scopes=None):
        batches.append(len(questions))
        return real(questions, k, scopes)

    monkeypatch.setattr(service, "ask_many", counting)
    answerer = Answerer(service)
    try:
        answers = await asyncio.gather(*(answerer.ask(q) for q in QUESTIONS))
    finally:
        answerer.close()
    assert batches == [len(QUESTIONS)]
    assert [a.question for a in answers] == QUESTIONS
    assert "جون كيري" in answers[0].passages[0].text + answers[0].passages[-1].text
    assert not answers[2].answered


async def test_the_event_loop_keeps_running_during_model_work(service):
    answerer = Answerer(service)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await answerer.ask("ما الذي اقترحته روسيا لوقف إطلاق النار في سوريا؟ " * 5)
        summary = await answerer.summarize(2)
    finally:
        task.cancel()
        answerer.close()
    assert ticks > 0
    assert len(summary[0].passages) == 2


async def test_a_failing_batch_fails_its_questions_only(service, monkeypatch):
    answerer = Answerer(service)
    real = service.ask_many
    calls = iter([RuntimeError("boom")])

    def flaky(questions, k=5, scopes=None):
        error = next(calls, None)
        if error:
            raise error
        return real(questions, k, scopes)

    monkeypatch.setattr(service, "ask_many", flaky)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            await answerer.ask("من التقى لافروف؟")
        assert (await answerer.ask("من التقى لافروف؟")).answered
    finally:
        answerer.close()


def test_question_limiter_sliding_window():
    now = [0.0]
    limiter = QuestionLimiter(2, clock=lambda: now[0])
    assert [limiter.check(1) for _ in range(4)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.WARN,
        Verdict.DROP,
    ]
    assert limiter.check(2) is Verdict.ALLOW  # per user
    now[0] = 59.9
    assert limiter.check(1) is Verdict.DROP
    now[0] = 60.0  # both questions left the window
    assert [limiter.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


async def test_a_bad_question_does_not_fail_its_batch_neighbours(service):
    """A lone surrogate (valid JSON, not valid text) fails the tokenizer, and only its asker."""
    answerer = Answerer(service)
    try:
        good, bad, other = await asyncio.gather(
            answerer.ask("من التقى لافروف؟"),
            answerer.ask("من \ud800 لافروف؟"),
            answerer.ask("كم طلعة جوية نفذ الطيران الروسي؟"),
            return_exceptions=True,
        )
    finally:
        answerer.close()
    assert not isinstance(good, BaseException) and good.answered
    assert not isinstance(other, BaseException) and other.answered
    assert isinstance(bad, Exception)
