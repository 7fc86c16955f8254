"""The bot keeps answering through Bot API failures and handler errors."""

from __future__ import annotations

import asyncio
import logging
import time

from bot import texts
from bot.telegram import state
from bot.telegram.logs import TokenFilter
from support.fake_bot_api import DEFAULT_USER_ID, FAKE_TOKEN, FakeBotAPI
from support.harness import WAIT, replies, running_bot, visible

QUESTIONS = ["من التقى لافروف؟", "كم طلعة جوية نفذ الطيران الروسي؟", "أين عقد الاجتماع الثنائي؟"]
USERS = [5550101, 5550102, 5550103]
OUTAGE = 5.0  # seconds; the benchmark measures a longer one
OUTAGE_WAIT = 60.0  # bound on waiting for replies kept through an outage


async def ask_everyone(api: FakeBotAPI, timeout: float = WAIT) -> list[str]:
    """Each user asks one question at once; returns the reply each one got."""
    for user, question in zip(USERS, QUESTIONS, strict=True):
        api.push_update(api.private_text(question, user_id=user))
    for user in USERS:
        await api.wait_for(
            "sendMessage",
            timeout=timeout,
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


async def test_eight_server_errors_in_a_row_delay_the_reply_but_do_not_lose_it(
    fake_api: FakeBotAPI, service
):
    async with running_bot(fake_api, service):
        fake_api.fail_next("sendMessage", status=500, count=8)  # past the quick retries
        (late,) = await replies(fake_api, fake_api.private_text(QUESTIONS[0]), timeout=OUTAGE_WAIT)
        (answer,) = await replies(fake_api, fake_api.private_text(QUESTIONS[1]))
    assert "نظيره الأميركي جون كيري" in visible(late)
    assert "510" in visible(answer)
    assert texts.ERROR not in [visible(m) for m in fake_api.sent_messages()]


async def test_replies_during_an_outage_arrive_once_after_it(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.outage(OUTAGE)
        started = time.monotonic()
        answers = await ask_everyone(fake_api, timeout=OUTAGE_WAIT)
    assert time.monotonic() - started >= OUTAGE
    assert_all_answered(answers)  # ask_everyone also checks: one message per user, no more
    assert texts.ERROR not in answers


async def test_kept_replies_survive_a_restart(fake_api: FakeBotAPI, service, tmp_path):
    async with running_bot(fake_api, service, data_dir=tmp_path) as app:
        fake_api.outage(600)
        fake_api.push_update(fake_api.private_text(QUESTIONS[0], user_id=USERS[0]))
        outbox = app.bot_data[state.OUTBOX]
        async with asyncio.timeout(OUTAGE_WAIT):
            while not outbox.waiting:
                await asyncio.sleep(0.05)
    assert not fake_api.sent_messages()
    fake_api.clear_injections()  # the Bot API is back, the bot is started again
    async with running_bot(fake_api, service, data_dir=tmp_path):
        await fake_api.wait_for("sendMessage", timeout=OUTAGE_WAIT, predicate=lambda c: c.ok)
    (sent,) = fake_api.sent_messages(USERS[0])
    assert "نظيره الأميركي جون كيري" in visible(sent)


async def test_replies_kept_past_the_limit_are_dropped_and_counted(
    fake_api: FakeBotAPI, service, caplog
):
    async with running_bot(fake_api, service, reply_retry_minutes=0.05) as app:  # 3 s
        fake_api.outage(600)
        fake_api.push_update(fake_api.private_text(QUESTIONS[0], user_id=USERS[0]))
        outbox = app.bot_data[state.OUTBOX]
        async with asyncio.timeout(OUTAGE_WAIT):
            while not outbox.counters.expired:
                await asyncio.sleep(0.05)
    assert outbox.counters.queued == 1 and outbox.waiting == 0
    assert any(r.getMessage().startswith("reply dropped: ") for r in caplog.records)


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
