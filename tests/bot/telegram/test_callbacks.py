"""Buttons under an answer: more, context, feedback; stale and forged presses."""

from __future__ import annotations

import logging
import re

import pytest

from bot import texts
from bot.telegram.buttons import MAX_CALLBACK_BYTES, answer_keyboard
from support.fake_bot_api import DEFAULT_USER_ID, FakeBotAPI
from support.harness import WAIT, buttons, replies, running_bot, visible

QUESTION = "كم طلعة جوية نفذ الطيران الروسي؟"
CHAT = DEFAULT_USER_ID


async def ask(api: FakeBotAPI) -> dict:
    (sent,) = await replies(api, api.private_text(QUESTION))
    return api.bot_messages(CHAT)[-1] | {"_params": sent}


async def press(api: FakeBotAPI, message: dict, data: str) -> dict:
    """Press a button; returns the answerCallbackQuery params."""
    update = api.callback_query(data, message)
    query_id = update["callback_query"]["id"]
    api.push_update(update)
    (call,) = await api.wait_for(
        "answerCallbackQuery",
        timeout=WAIT,
        predicate=lambda c: c.params.get("callback_query_id") == query_id,
    )
    assert call.ok, call.summary()
    return call.params


def sentence_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[الجملة (\d+)\]", text)]


def test_callback_data_fits_telegram_limit(service):
    for question in ("من التقى لافروف؟", QUESTION, "ماذا قالت وزارة الدفاع؟"):
        keyboard = answer_keyboard(service.ask(question, k=8))
        assert keyboard is not None
        for row in keyboard.inline_keyboard:
            for button in row:
                assert 1 <= len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES


async def test_more_button_sends_next_best_sentences(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        answer = await ask(fake_api)
        shown = sentence_numbers(visible(answer["_params"]))
        data = buttons(answer["_params"])[texts.BUTTON_MORE]
        before = len(fake_api.sent_messages(CHAT))
        ack = await press(fake_api, answer, data)
        await fake_api.wait_for("editMessageReplyMarkup", timeout=WAIT)
    assert "text" not in ack  # a silent acknowledgement
    (more,) = fake_api.sent_messages(CHAT)[before:]
    text = visible(more)
    assert text.startswith(texts.MORE_HEADING)
    extra = sentence_numbers(text)
    assert 1 <= len(extra) <= 3 and not set(extra) & set(shown)
    assert more["reply_parameters"]["message_id"] == answer["message_id"]
    assert "<b>" in more["text"]  # the question's words are bold here too
    # The used button is gone, the others stay.
    markup = fake_api.message(CHAT, answer["message_id"])["reply_markup"]
    captions = {b["text"] for row in markup["inline_keyboard"] for b in row}
    assert texts.BUTTON_MORE not in captions and texts.BUTTON_CONTEXT in captions


async def test_context_button_sends_neighbouring_sentences(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        answer = await ask(fake_api)
        data = buttons(answer["_params"])[texts.BUTTON_CONTEXT]
        best = int(data.rsplit(".", 1)[1])
        before = len(fake_api.sent_messages(CHAT))
        await press(fake_api, answer, data)
        await fake_api.wait_for("editMessageReplyMarkup", timeout=WAIT)
    (context,) = fake_api.sent_messages(CHAT)[before:]
    text = visible(context)
    assert text.startswith(texts.CONTEXT_HEADING)
    assert sentence_numbers(text) == [best - 1, best, best + 1]
    assert f"<b>[الجملة {best}]</b>" in context["text"]


async def test_feedback_is_logged_and_thanked(fake_api: FakeBotAPI, service, caplog):
    caplog.set_level(logging.INFO, logger="bot.telegram")
    async with running_bot(fake_api, service):
        answer = await ask(fake_api)
        ack = await press(fake_api, answer, buttons(answer["_params"])[texts.BUTTON_HELPFUL])
        await fake_api.wait_for("editMessageReplyMarkup", timeout=WAIT)
    assert ack["text"] == texts.FEEDBACK_THANKS
    assert any("feedback vote=helpful" in r.getMessage() for r in caplog.records)
    markup = fake_api.message(CHAT, answer["message_id"])["reply_markup"]
    captions = {b["text"] for row in markup["inline_keyboard"] for b in row}
    assert captions == {texts.BUTTON_MORE, texts.BUTTON_CONTEXT}


@pytest.mark.parametrize(
    "data",
    [
        "a1:m:ffffff.3",  # unknown article
        "a1:c:{ref}.999",  # sentence that does not exist
        "a1:x:{ref}.2",  # unknown action
        "a0:m:{ref}.2",  # retired format
        "hello",
        "a1:m:" + "{ref}.2," * 5 + "{ref}.2",  # more sentences than a button ever carries
    ],
)
async def test_stale_or_forged_button_gets_a_polite_answer(fake_api: FakeBotAPI, service, data):
    async with running_bot(fake_api, service):
        answer = await ask(fake_api)
        ref = buttons(answer["_params"])[texts.BUTTON_CONTEXT].split(":")[2].split(".")[0]
        ack = await press(fake_api, answer, data.format(ref=ref))
        # The bot keeps answering afterwards.
        (sent,) = await replies(fake_api, fake_api.private_text(QUESTION))
    assert ack["text"] == texts.STALE_BUTTON
    assert "510" in visible(sent)
    assert len(fake_api.sent_messages(CHAT)) == 2
