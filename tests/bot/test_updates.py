"""Updates the library cannot read, replayed updates and double presses: each answered once."""

from __future__ import annotations

import logging
import time

from tests.bot.fake_bot_api import DEFAULT_USER_ID, FakeBotAPI
from tests.bot.harness import replies, running_bot, visible

QUESTION = "من التقى لافروف؟"
ANSWER = "نظيره الأميركي جون كيري"
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
