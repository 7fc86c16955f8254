"""The outbox file: replies in wire form, in order per chat, kept for a bounded time."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError

from bot.telegram.outbox import FILE_NAME, Outbox

CHAT = 5550001


class FakeSend:
    """Records what the outbox sends; fails while ``down``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.down = False
        self.refuse: set[str] = set()

    async def __call__(self, endpoint: str, params: dict[str, Any]) -> object:
        if self.down:
            raise NetworkError("unreachable")
        if params["text"] in self.refuse:
            raise Forbidden("bot was blocked by the user")
        self.sent.append((endpoint, params))
        return True


def reply(text: str, chat: int = CHAT) -> dict[str, Any]:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("المزيد", callback_data="a1:m:x")]])
    return {"chat_id": chat, "text": text, "reply_markup": keyboard, "parse_mode": "HTML"}


async def test_replies_survive_a_new_outbox_and_go_out_in_order(tmp_path):
    first = Outbox(tmp_path / FILE_NAME, 600)
    for text in ("واحد", "اثنان"):
        assert first.put("sendMessage", reply(text))
    assert first.has_pending({"chat_id": CHAT}) and not first.has_pending({"chat_id": 1})
    first.close()
    again = Outbox(tmp_path / FILE_NAME, 600)  # as after a restart
    send = FakeSend()
    send.down = True
    assert not await again.deliver(send)
    assert again.waiting == 2
    send.down = False
    assert await again.deliver(send)
    assert [p["text"] for _, p in send.sent] == ["واحد", "اثنان"]
    assert '"callback_data": "a1:m:x"' in send.sent[0][1]["reply_markup"]  # wire form
    assert again.waiting == 0 and again.counters.delivered == 2


async def test_old_replies_are_dropped_and_refused_ones_counted(tmp_path):
    now = [1000.0]
    outbox = Outbox(tmp_path / FILE_NAME, 60, clock=lambda: now[0])
    outbox.put("sendMessage", reply("قديم"))
    now[0] += 30
    outbox.put("sendMessage", reply("محظور", chat=2))
    now[0] += 40  # the first is 70 s old, past the 60 s limit
    send = FakeSend()
    send.refuse.add("محظور")
    assert await outbox.deliver(send)
    assert send.sent == []
    assert outbox.counters.expired == 1 and outbox.counters.refused == 1
    assert outbox.waiting == 0


def test_a_damaged_file_is_set_aside(tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(b"not a database at all" * 100)
    outbox = Outbox(path, 60)
    assert outbox.waiting == 0
    assert (tmp_path / (FILE_NAME + ".damaged")).exists()
    assert outbox.put("sendMessage", reply("جديد"))


def test_a_reply_that_cannot_be_written_is_counted_as_lost(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be", "utf-8")
    outbox = Outbox(blocker / FILE_NAME, 60)
    assert not outbox.put("sendMessage", reply("ضائع"))
    assert outbox.counters.lost == 1 and outbox.waiting == 0
