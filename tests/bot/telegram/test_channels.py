"""Channels: a ``/summary`` channel post (``sender_chat``, no ``from``) gets the summary posted."""

from __future__ import annotations

from bot import texts
from support.fake_bot_api import DEFAULT_CHANNEL_ID, FakeBotAPI
from support.harness import replies, running_bot, visible


def heading(service) -> str:
    return texts.SUMMARY_HEADING.format(title=next(iter(service.titles.values())))


async def test_summary_post_is_answered_in_the_channel(fake_api: FakeBotAPI, service):
    post = fake_api.channel_post("/summary", username="arabic_news")
    body = post["channel_post"]
    assert "from" not in body and body["sender_chat"]["type"] == "channel"
    assert body["entities"] == [{"offset": 0, "length": 8, "type": "bot_command"}]
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, post)
    assert sent["chat_id"] == DEFAULT_CHANNEL_ID
    text = visible(sent)
    assert text.startswith(heading(service))
    assert text.count("[الجملة") == 3  # SUMMARY_SENTENCES default
    (posted,) = fake_api.bot_messages(DEFAULT_CHANNEL_ID)
    assert posted["sender_chat"]["id"] == DEFAULT_CHANNEL_ID


async def test_summary_post_with_count_and_bot_name(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.channel_post("/summary@ArticleQABot 5"))
    assert visible(sent).count("[الجملة") == 5


async def test_other_channel_posts_are_ignored(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        fake_api.push_updates(
            fake_api.channel_post("خبر عاجل: انتهى الاجتماع"),
            fake_api.channel_post("/summary@OtherBot"),
            fake_api.channel_post("من التقى لافروف؟"),
        )
        (sent,) = await replies(fake_api, fake_api.channel_post("/summary 1"))
        await fake_api.wait_for("getUpdates", count=len(fake_api.calls("getUpdates")) + 1)
    assert visible(sent).count("[الجملة") == 1
    assert len(fake_api.sent_messages()) == 1


async def test_summary_post_with_a_number_it_cannot_read_gets_the_default(
    fake_api: FakeBotAPI, service
):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.channel_post("/summary ²"))
    assert visible(sent).count("[الجملة") == 3
