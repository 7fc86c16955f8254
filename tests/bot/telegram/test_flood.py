"""A flooded chat slows only itself: private chats keep their latency, stops are bounded."""

from __future__ import annotations

import asyncio
import logging
import time

from bot import texts
from support.fake_bot_api import DEFAULT_SUPERGROUP_ID, FakeBotAPI
from support.harness import WAIT, replies, running_bot, visible

GROUP = DEFAULT_SUPERGROUP_ID
QUESTION = "من التقى لافروف؟"
ANSWER = "نظيره الأميركي جون كيري"
PRIVATE_USER = 6_600_001
BACKLOG = 8
FLOOD = 100


def group_texts(api: FakeBotAPI) -> list[str]:
    return [visible(m) for m in api.sent_messages(GROUP)]


async def first_group_reply(api: FakeBotAPI) -> None:
    await api.wait_for(
        "sendMessage", timeout=WAIT, predicate=lambda c: c.params.get("chat_id") == GROUP
    )


async def test_summary_flood_in_a_group_does_not_delay_a_private_question(
    fake_api: FakeBotAPI, service
):
    async with running_bot(fake_api, service, chat_backlog=BACKLOG):
        for _ in range(FLOOD):
            fake_api.push_update(fake_api.command("/summary", "supergroup", chat_id=GROUP))
        await first_group_reply(fake_api)
        pushed = time.monotonic()
        (answer,) = await replies(
            fake_api, fake_api.private_text(QUESTION, user_id=PRIVATE_USER), timeout=WAIT
        )
        waited = time.monotonic() - pushed
        # The group's share: what its backlog admitted, and one notice for all the rest.
        await fake_api.wait_for(
            "sendMessage",
            timeout=WAIT,
            predicate=lambda c: c.ok and texts.CHAT_BUSY in visible(c.params),
        )
    assert ANSWER in visible(answer)
    assert waited < WAIT
    sent = group_texts(fake_api)
    assert sum(texts.CHAT_BUSY in t for t in sent) == 1
    summaries = [t for t in sent if texts.SUMMARY_HEADING.split("{")[0] in t]
    assert 1 <= len(summaries) <= BACKLOG
    assert len(sent) < 3 * BACKLOG  # nothing like a hundred replies queued for minutes


async def test_many_askers_in_one_group_do_not_delay_a_private_question(
    fake_api: FakeBotAPI, service
):
    askers = range(7_700_001, 7_700_121)
    async with running_bot(fake_api, service, chat_backlog=BACKLOG):
        for user in askers:
            fake_api.push_update(
                fake_api.command(f"/ask {QUESTION}", "supergroup", chat_id=GROUP, user_id=user)
            )
        await first_group_reply(fake_api)
        (answer,) = await replies(
            fake_api, fake_api.private_text(QUESTION, user_id=PRIVATE_USER), timeout=WAIT
        )
        await fake_api.wait_for(
            "sendMessage",
            timeout=WAIT,
            predicate=lambda c: c.ok and texts.CHAT_BUSY in visible(c.params),
        )
    assert ANSWER in visible(answer)
    sent = group_texts(fake_api)
    assert sum(texts.CHAT_BUSY in t for t in sent) == 1
    assert 1 <= sum(ANSWER in t for t in sent) <= BACKLOG


async def test_help_summary_and_refusals_share_a_per_user_limit(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service, commands_per_minute=3):
        (helped,) = await replies(fake_api, fake_api.command("/help"))
        summary = await replies(fake_api, fake_api.command("/summary"))
        (refused,) = await replies(fake_api, fake_api.sticker_message())
        (limited,) = await replies(fake_api, fake_api.command("/help"))
        fake_api.push_update(fake_api.sticker_message())  # over the limit and told: silence
        fake_api.push_update(fake_api.command("/summary"))
        (answer,) = await replies(fake_api, fake_api.private_text(QUESTION))
    assert "/help" in visible(helped)
    assert summary
    assert visible(refused) == texts.NON_TEXT
    assert visible(limited) == texts.COMMANDS_LIMITED
    assert ANSWER in visible(answer)  # questions have a limit of their own
    assert len(fake_api.sent_messages()) == 4 + len(summary)


async def test_stop_is_bounded_and_reports_what_was_not_answered(
    fake_api: FakeBotAPI, service, caplog
):
    caplog.set_level(logging.INFO)
    # Every reply hangs far longer than the grace period the stop allows.
    fake_api.delay_next("sendMessage", seconds=60, count=1000)
    fake_api.delay_next("sendChatAction", seconds=60, count=1000)
    async with running_bot(fake_api, service, chat_backlog=BACKLOG, shutdown_grace=1):
        for user in range(7_800_001, 7_800_013):
            fake_api.push_update(
                fake_api.command(f"/ask {QUESTION}", "supergroup", chat_id=GROUP, user_id=user)
            )
        async with asyncio.timeout(WAIT):  # handlers are stuck in their replies
            while len(fake_api.calls("sendMessage")) < 4:
                await asyncio.sleep(0.05)
        stopping = time.monotonic()
    took = time.monotonic() - stopping
    assert took < 6.0
    (line,) = [r.getMessage() for r in caplog.records if "not answered" in r.getMessage()]
    assert line.startswith(f"stopped: {BACKLOG} update(s) not answered")


async def test_a_flood_limit_429_in_a_group_pauses_only_that_group(fake_api: FakeBotAPI, service):
    retry_after = 6
    async with running_bot(fake_api, service):
        fake_api.rate_limit_next("sendMessage", retry_after=retry_after)
        fake_api.push_update(fake_api.command(f"/ask {QUESTION}", "supergroup", chat_id=GROUP))
        (limited,) = await fake_api.wait_for("sendMessage", timeout=WAIT)
        (private,) = await replies(
            fake_api, fake_api.private_text(QUESTION, user_id=PRIVATE_USER), timeout=WAIT
        )
        (group,) = await fake_api.wait_for(
            "sendMessage", timeout=WAIT, predicate=lambda c: c.ok and c.params["chat_id"] == GROUP
        )
    assert limited.status == 429 and limited.params["chat_id"] == GROUP
    answered = next(c for c in fake_api.calls("sendMessage") if c.params["chat_id"] == PRIVATE_USER)
    assert answered.at < limited.at + retry_after  # not held by the group's pause
    assert group.at >= limited.at + retry_after  # the group waited as Telegram asked
    assert ANSWER in visible(private)
