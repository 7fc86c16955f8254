"""Private chats: /start, questions, abstentions, refusals and non-text messages."""

from __future__ import annotations

import pytest

from bot import texts
from bot.telegram.app import GROUP_COMMANDS, PRIVATE_COMMANDS
from support.fake_bot_api import DEFAULT_USER_ID, FakeBotAPI
from support.harness import buttons, replies, running_bot, visible

LAVROV = "من التقى لافروف؟"
LAVROV_SENTENCE = "نظيره الأميركي جون كيري"


async def test_start_lists_titles_commands_and_menus(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.command("/start"))
    text = visible(sent)
    for title in service.titles.values():
        assert title.strip() in text
    assert "/summary" in text and "@ArticleQABot" in text
    assert sent["parse_mode"] == "HTML"
    scopes = {key[0]: [c["command"] for c in value] for key, value in fake_api.commands.items()}
    assert scopes['{"type": "all_private_chats"}'] == list(PRIVATE_COMMANDS)
    assert scopes['{"type": "all_group_chats"}'] == list(GROUP_COMMANDS)


async def test_question_is_answered_with_the_right_sentence(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.private_text(LAVROV))
    text = visible(sent)
    assert LAVROV_SENTENCE in text
    assert "الجملة 1" in text
    title = next(iter(service.titles.values())).strip()
    assert texts.SOURCE_LABEL.format(title=title) in text
    assert "reply_parameters" not in sent  # private chats are not quoted
    assert set(buttons(sent)) == {
        texts.BUTTON_MORE,
        texts.BUTTON_CONTEXT,
        texts.BUTTON_HELPFUL,
        texts.BUTTON_UNHELPFUL,
    }
    # The question's words are bold in the sentence, as Telegram parses the HTML.
    (message,) = fake_api.bot_messages(DEFAULT_USER_ID)
    bold = [
        message["text"][e["offset"] : e["offset"] + e["length"]]
        for e in message["entities"]
        if e["type"] == "bold"
    ]
    assert "لافروف" in bold


async def test_off_topic_question_abstains(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.private_text("ما هي عاصمة فرنسا؟"))
    assert visible(sent) == f"{texts.NOT_COVERED}\n{texts.NOT_COVERED_HINT}"
    assert "/summary" in visible(sent)
    assert "reply_markup" not in sent


async def test_html_characters_in_question_are_harmless(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (answered,) = await replies(fake_api, fake_api.private_text(f"<b>{LAVROV} & </i>"))
        (refused,) = await replies(fake_api, fake_api.private_text("<b>&</b> <" * 200))
    assert LAVROV_SENTENCE in visible(answered)
    assert visible(refused) == texts.TOO_LONG.format(limit=service.policy.max_question_chars)
    # Every call was accepted by the strict HTML parser of the fake server.
    assert all(c.ok for c in fake_api.calls("sendMessage"))


@pytest.mark.parametrize("question", ["؟؟؟", "  ...  "])
async def test_empty_question_gets_a_hint(fake_api: FakeBotAPI, service, question):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.private_text(question))
    assert visible(sent) == texts.EMPTY_QUESTION


async def test_non_text_messages_get_one_line(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sticker,) = await replies(fake_api, fake_api.sticker_message())
        (photo,) = await replies(fake_api, fake_api.photo_message(caption="صورة"))
    assert visible(sticker) == visible(photo) == texts.NON_TEXT


async def test_per_user_rate_limit_is_polite_and_quiet(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service, questions_per_minute=2):
        for _ in range(2):
            (sent,) = await replies(fake_api, fake_api.private_text(LAVROV))
            assert LAVROV_SENTENCE in visible(sent)
        (limited,) = await replies(fake_api, fake_api.private_text(LAVROV))
        assert visible(limited) == texts.RATE_LIMITED
        # Told once; further questions in the window are dropped, other users still answered.
        fake_api.push_update(fake_api.private_text(LAVROV))
        (other,) = await replies(fake_api, fake_api.private_text(LAVROV, user_id=777))
        assert LAVROV_SENTENCE in visible(other)
    assert len(fake_api.sent_messages(DEFAULT_USER_ID)) == 3


async def test_unknown_command_gets_the_help(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.command("/whatever"))
    assert "/summary" in visible(sent)


@pytest.mark.parametrize("text", ["help", "مساعدة؟"])
async def test_a_lone_help_word_gets_the_help(fake_api: FakeBotAPI, service, text):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.private_text(text))
    assert "/summary" in visible(sent)


async def test_private_summary(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.command("/summary 4"))
    title = next(iter(service.titles.values()))
    assert visible(sent).startswith(texts.SUMMARY_HEADING.format(title=title))
    assert visible(sent).count("[الجملة") == 4


async def test_service_messages_get_no_reply(fake_api: FakeBotAPI, service):
    chat = {"id": DEFAULT_USER_ID, "first_name": "أحمد", "type": "private"}
    sender = fake_api.user()
    question = fake_api.private_text(LAVROV)["message"]
    service_messages = [
        {"pinned_message": question},
        {"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}},
    ]
    async with running_bot(fake_api, service):
        for number, body in enumerate(service_messages, start=1000):
            message = {"message_id": number, "from": sender, "chat": chat, "date": 0, **body}
            fake_api.push_update({"message": message})
        # Updates are handled concurrently: the sentinel's answer comes once the rest is done.
        (sent,) = await replies(fake_api, fake_api.private_text(LAVROV))
        await fake_api.wait_for("getUpdates", count=len(fake_api.calls("getUpdates")) + 1)
    assert LAVROV_SENTENCE in visible(sent)
    assert len(fake_api.sent_messages(DEFAULT_USER_ID)) == 1


@pytest.mark.parametrize(
    ("argument", "sentences"),
    [("²", 3), ("①", 3), ("0", 3), ("٥", 5), ("9" * 4000, 10), ("سبع", 3)],
)
async def test_summary_count_is_read_like_the_console(
    fake_api: FakeBotAPI, service, argument, sentences
):
    async with running_bot(fake_api, service):
        (sent,) = await replies(fake_api, fake_api.command(f"/summary {argument}"))
    assert visible(sent).count("[الجملة") == sentences
    assert texts.ERROR not in visible(sent)
