"""Updates the library cannot read, replayed updates and double presses: each answered once."""

from __future__ import annotations

import logging
import time

from bot import texts
from bot.telegram import app as app_module
from support.fake_bot_api import DEFAULT_USER_ID, FakeBotAPI
from support.harness import WAIT, buttons, replies, running_bot, visible

QUESTION = "من التقى لافروف؟"
ANSWER = "نظيره الأميركي جون كيري"
OTHER_QUESTION = "كم طلعة جوية نفذ الطيران الروسي؟"
SECRET_TEXT = "نص خاص لا يظهر في السجل"


def unreadable_message() -> dict:
    """A message whose entity lacks offset and length: python-telegram-bot cannot parse it."""
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": DEFAULT_USER_ID, "type": "private", "first_name": "x"},
            "from": {"id": DEFAULT_USER_ID, "is_bot": False, "first_name": "x"},
            "text": SECRET_TEXT,
            "entities": [{"type": "bold"}],
        }
    }


async def test_unreadable_update_first_in_the_queue_is_skipped_once(
    fake_api: FakeBotAPI, service, caplog
):
    # python-telegram-bot's own DEBUG lines show raw traffic; the product keeps it at INFO.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    bad = fake_api.push_raw_update(unreadable_message())
    async with running_bot(fake_api, service):
        (answer,) = await replies(fake_api, fake_api.private_text(QUESTION))
        polls = len(fake_api.calls("getUpdates"))
    assert ANSWER in visible(answer)
    assert polls < 20  # no tight loop of polls on the same update
    assert all(u["update_id"] != bad for u in fake_api.pending_updates)  # confirmed
    rendered = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert SECRET_TEXT not in rendered
    skipped = [r for r in caplog.records if f"skipped update {bad}" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].levelno == logging.WARNING


async def test_a_replayed_update_is_answered_once(fake_api: FakeBotAPI, service):
    update = fake_api.private_text(QUESTION)
    first = fake_api.push_update(update)
    fake_api.push_raw_update({**update, "update_id": first})  # the same update, delivered again
    async with running_bot(fake_api, service):
        await fake_api.wait_for("sendMessage", timeout=WAIT)
        (sentinel,) = await replies(fake_api, fake_api.private_text(OTHER_QUESTION))
    assert "510" in visible(sentinel)
    assert sum(ANSWER in visible(m) for m in fake_api.sent_messages()) == 1


async def press_twice(api: FakeBotAPI, caption: str) -> list[dict]:
    """Ask, then press ``caption`` under the answer twice at once; the messages that followed."""
    (sent,) = await replies(api, api.private_text(OTHER_QUESTION))
    answer = api.bot_messages(DEFAULT_USER_ID)[-1]
    data = buttons(sent)[caption]
    before = len(api.sent_messages())
    ids = [api.push_update(api.callback_query(data, answer)) for _ in range(2)]
    await api.wait_for("answerCallbackQuery", count=2, timeout=WAIT)
    await api.wait_for("editMessageReplyMarkup", timeout=WAIT)  # after the press's reply
    await replies(api, api.private_text(QUESTION))  # a round trip for any late second reply
    assert len(ids) == 2
    return [m for m in api.sent_messages()[before:] if ANSWER not in visible(m)]


async def test_double_tap_on_context_posts_once(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        posted = await press_twice(fake_api, texts.BUTTON_CONTEXT)
    assert len(posted) == 1 and texts.CONTEXT_HEADING in visible(posted[0])


async def test_double_tap_on_a_vote_counts_once(fake_api: FakeBotAPI, service, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    async with running_bot(fake_api, service):
        posted = await press_twice(fake_api, texts.BUTTON_HELPFUL)
    votes = [r for r in caplog.records if r.getMessage().startswith("feedback vote=helpful")]
    assert posted == [] and len(votes) == 1


async def test_a_reply_slower_than_the_read_timeout_gets_no_apology(
    fake_api: FakeBotAPI, service, monkeypatch
):
    monkeypatch.setattr(app_module, "READ_TIMEOUT", 1.0)
    async with running_bot(fake_api, service):
        fake_api.delay_next("sendMessage", seconds=2.0)  # delivered, but after the timeout
        fake_api.push_update(fake_api.private_text(QUESTION))
        await fake_api.wait_for("sendMessage", timeout=WAIT, predicate=lambda c: c.ok)
        (sentinel,) = await replies(fake_api, fake_api.private_text(OTHER_QUESTION))
    sent = [visible(m) for m in fake_api.sent_messages()]
    assert "510" in visible(sentinel)
    assert texts.ERROR not in sent
    assert sum(ANSWER in t for t in sent) == 1
