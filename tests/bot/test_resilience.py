"""The bot keeps answering through Bot API failures and handler errors."""

from __future__ import annotations

import asyncio
import logging

from bot import texts
from bot.telegram.logs import TokenFilter
from tests.bot.fake_bot_api import DEFAULT_USER_ID, FAKE_TOKEN, FakeBotAPI
from tests.bot.harness import WAIT, replies, running_bot, visible

QUESTIONS = ["من التقى لافروف؟", "كم طلعة جوية نفذ الطيران الروسي؟", "أين عقد الاجتماع الثنائي؟"]
USERS = [5550101, 5550102, 5550103]


async def ask_everyone(api: FakeBotAPI) -> list[str]:
    """Each user asks one question at once; returns the reply each one got."""
    for user, question in zip(USERS, QUESTIONS, strict=True):
        api.push_update(api.private_text(question, user_id=user))
    for user in USERS:
        await api.wait_for(
            "sendMessage",
            timeout=WAIT,
            predicate=lambda c, u=user: c.ok and c.params["chat_id"] == u,
        )
    answers = []
    for user in USERS:
        (sent,) = api.sent_messages(user)
        answers.append(visible(sent))
    return answers


async def in_flight(api: FakeBotAPI, method: str) -> None:
    """Wait (bounded) until a ``method`` call has arrived, finished or not."""
    async with asyncio.timeout(WAIT):
        while not api.calls(method):
            await asyncio.sleep(0.01)


def assert_all_answered(answers: list[str]) -> None:
    assert "نظيره الأميركي جون كيري" in answers[0]
    assert "510" in answers[1]
    assert "ميونيخ" in answers[2]


async def test_server_errors_are_retried(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.fail_next("sendMessage", status=500, count=2)
        fake_api.fail_next("sendMessage", status=502)
        answers = await ask_everyone(fake_api)
    assert_all_answered(answers)
    statuses = [c.status for c in fake_api.calls("sendMessage")]
    assert statuses.count(200) == 3 and sorted(s for s in statuses if s != 200) == [500, 500, 502]


async def test_flood_control_is_waited_out(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.rate_limit_next("sendMessage", retry_after=1)
        answers = await ask_everyone(fake_api)
    assert_all_answered(answers)
    calls = fake_api.calls("sendMessage")
    limited = next(c for c in calls if c.status == 429)
    (retried,) = [c for c in calls if c.ok and c.params["chat_id"] == limited.params["chat_id"]]
    assert retried.at - limited.at >= 1.0  # retry_after was honoured
    assert len(fake_api.sent_messages()) == 3


async def test_dropped_connection_and_failed_polls(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.drop_next("sendMessage")
        fake_api.fail_next("getUpdates", status=500)
        answers = await ask_everyone(fake_api)
    assert_all_answered(answers)
    assert any(c.status == 500 for c in fake_api.calls("getUpdates"))


async def test_handler_error_gets_an_apology_and_the_bot_goes_on(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        # A 400 is not retried: the handler fails and the error handler apologises.
        fake_api.fail_next("sendMessage", status=400, description="Bad Request: injected")
        (apology,) = await replies(fake_api, fake_api.private_text(QUESTIONS[0]))
        (answer,) = await replies(fake_api, fake_api.private_text(QUESTIONS[0]))
    assert visible(apology) == texts.ERROR
    assert "نظيره الأميركي جون كيري" in visible(answer)


async def test_outage_longer_than_retries_then_recovery(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.fail_next("sendMessage", status=500, count=4)  # the reply and all its retries
        (apology,) = await replies(fake_api, fake_api.private_text(QUESTIONS[0]))
        (answer,) = await replies(fake_api, fake_api.private_text(QUESTIONS[1]))
    assert visible(apology) == texts.ERROR
    assert "510" in visible(answer)
    assert [c.status for c in fake_api.calls("sendMessage")] == [500] * 4 + [200, 200]


async def test_slow_bot_api_does_not_hold_other_chats(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.delay_next("sendMessage", seconds=1.5)
        fake_api.push_update(fake_api.private_text(QUESTIONS[0], user_id=USERS[0]))
        await in_flight(fake_api, "sendMessage")
        (fast,) = await replies(fake_api, fake_api.private_text(QUESTIONS[1], user_id=USERS[1]))
        slow = fake_api.calls("sendMessage")[0]
        assert not slow.done  # answered while the first reply was still stuck
        await fake_api.wait_for("sendMessage", count=2, timeout=WAIT, predicate=lambda c: c.ok)
    assert "510" in visible(fast)


def test_token_is_masked_in_messages_and_tracebacks():
    token_filter = TokenFilter(FAKE_TOKEN)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{FAKE_TOKEN}/getMe failed")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "httpx",
            logging.ERROR,
            __file__,
            1,
            "url %s",
            (f"/bot{FAKE_TOKEN}/x",),
            (type(exc), exc, exc.__traceback__),
        )
    assert token_filter.filter(record)
    rendered = logging.Formatter().format(record)
    assert FAKE_TOKEN not in rendered
    assert "<TOKEN>" in rendered and "RuntimeError" in rendered
    assert DEFAULT_USER_ID  # the fake's constants are importable alongside
