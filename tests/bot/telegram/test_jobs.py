"""Scheduled summaries (job queue) and /post for admins."""

from __future__ import annotations

from bot import texts
from support.fake_bot_api import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_SUPERGROUP_ID,
    DEFAULT_USER_ID,
    FakeBotAPI,
)
from support.harness import WAIT, replies, running_bot, visible

TARGETS = [DEFAULT_CHANNEL_ID, DEFAULT_SUPERGROUP_ID]


def heading(service) -> str:
    return texts.SUMMARY_HEADING.format(title=next(iter(service.titles.values())))


async def test_scheduled_summary_is_posted_to_every_chat(fake_api: FakeBotAPI, service):
    fake_api.forbid_chat(-100555)  # a chat that removed the bot: skipped, the others still get it
    async with running_bot(
        fake_api,
        service,
        summary_chat_ids=[-100555, *TARGETS],
        summary_interval=1,
        summary_sentences=2,
    ):
        await fake_api.wait_for(
            "sendMessage", count=2 * len(TARGETS), timeout=WAIT, predicate=lambda c: c.ok
        )
    for chat_id in TARGETS:
        first, second = fake_api.sent_messages(chat_id)[:2]
        assert visible(first).startswith(heading(service))
        assert visible(first).count("[الجملة") == 2
        assert first["text"] == second["text"]
    assert any(c.status == 403 for c in fake_api.calls("sendMessage"))


async def test_no_schedule_without_interval(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service, summary_chat_ids=TARGETS) as app:
        assert not app.job_queue.jobs()


async def test_post_command_for_admins_only(fake_api: FakeBotAPI, service):
    async with running_bot(
        fake_api, service, summary_chat_ids=TARGETS, admin_ids=[DEFAULT_USER_ID]
    ):
        (denied,) = await replies(fake_api, fake_api.command("/post", user_id=31337))
        (done,) = await replies(fake_api, fake_api.command("/post"))
    assert visible(denied) == texts.NOT_ALLOWED
    assert visible(done) == texts.POSTED.format(count=len(TARGETS))
    for chat_id in TARGETS:
        (posted,) = fake_api.sent_messages(chat_id)
        assert visible(posted).startswith(heading(service))


async def test_post_without_chats_says_so(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service, admin_ids=[DEFAULT_USER_ID]):
        (sent,) = await replies(fake_api, fake_api.command("/post"))
    assert visible(sent) == texts.NOTHING_TO_POST
