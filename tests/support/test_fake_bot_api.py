"""Self-tests for the fake Bot API: the real python-telegram-bot must accept what it serves.

Everything here goes through PTB's HTTPXRequest to 127.0.0.1, so a PTB upgrade that changes
the wire format (or a fake that drifts from Telegram's) shows up as a failure here first.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import time

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MessageEntity,
    MessageOriginChannel,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatID, ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from support.fake_bot_api import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_SUPERGROUP_ID,
    DEFAULT_USER_ID,
    FAKE_TOKEN,
    FakeBotAPI,
    decode_param,
    detect_entities,
    entity_for,
    parse_html,
    utf16_len,
)

CHAT = DEFAULT_USER_ID
# Arabic text + an astral emoji before the command: offsets only line up in UTF-16 units.
ARABIC_COMMAND = "سؤال 👋🏽 /ask@ArticleQABot ما آخر أخبار الاقتصاد؟"


def _seconds(value: int | dtm.timedelta) -> float:
    """RetryAfter.retry_after is int or timedelta depending on PTB_TIMEDELTA."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# --------------------------------------------------------------------------- pure helpers


def test_utf16_len_counts_code_units():
    assert utf16_len("سلام") == 4
    assert utf16_len("👋") == 2
    assert utf16_len("👋🏽") == 4
    assert utf16_len("a😀b") == 4


def test_detect_entities_uses_utf16_offsets():
    entities = detect_entities(ARABIC_COMMAND)
    assert entities[0]["type"] == "bot_command"
    assert entities[0]["offset"] == utf16_len("سؤال 👋🏽 ")
    assert entities[0]["length"] == len("/ask@ArticleQABot")
    assert entities[0] == entity_for(ARABIC_COMMAND, "/ask@ArticleQABot", "bot_command")
    # the @bot inside the command is not a separate mention
    assert [e["type"] for e in entities] == ["bot_command"]


def test_decode_param_is_name_aware():
    assert decode_param("chat_id", "-1001234") == -1001234
    assert decode_param("chat_id", "@channel") == "@channel"
    assert decode_param("text", "42") == "42"
    assert decode_param("text", "[1, 2]") == "[1, 2]"
    assert decode_param("disable_notification", "true") is True
    assert decode_param("reply_markup", '{"inline_keyboard": []}') == {"inline_keyboard": []}
    assert decode_param("callback_query_id", "123456") == "123456"


def test_parse_html_strips_tags_and_rejects_unescaped_lt():
    text, entities = parse_html('<b>عاجل</b> 😀 <a href="https://x.test/?a=1&amp;b=2">رابط</a>')
    assert text == "عاجل 😀 رابط"
    assert entities == [
        {"offset": 0, "length": 4, "type": "bold"},
        {"offset": 8, "length": 4, "type": "text_link", "url": "https://x.test/?a=1&b=2"},
    ]
    for bad in ("5 < 6", "<br>سطر", "<b>x</i>", "<b>x"):
        with pytest.raises(Exception, match="can't parse entities"):
            parse_html(bad)


# --------------------------------------------------------------------------- real PTB Bot


async def test_get_me(fake_api: FakeBotAPI, fake_bot: Bot):
    me = await fake_bot.get_me()
    assert me.username == "ArticleQABot"
    assert me.id == int(FAKE_TOKEN.split(":")[0])
    assert me.is_bot and me.supports_inline_queries and me.can_join_groups
    assert me.can_read_all_group_messages is False
    assert fake_bot.username == "ArticleQABot"  # initialize() called getMe
    call = fake_api.calls("getme")[0]
    assert call.method == "getMe" and call.token == FAKE_TOKEN and call.ok


async def test_send_message_html_with_inline_keyboard(fake_api: FakeBotAPI, fake_bot: Bot):
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("المصدر 📰", callback_data="src:42")],
            [InlineKeyboardButton("الموقع", url="https://example.com/article/42")],
        ]
    )
    message = await fake_bot.send_message(
        CHAT, "<b>الجواب:</b> النمو 3٪ 📈", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    assert message.text == "الجواب: النمو 3٪ 📈"
    assert message.parse_entities([MessageEntity.BOLD]) == {message.entities[0]: "الجواب:"}
    assert message.reply_markup == markup
    assert message.from_user is not None and message.from_user.is_bot

    (params,) = fake_api.sent_messages(CHAT)
    assert params["chat_id"] == CHAT  # decoded back to int
    assert params["parse_mode"] == "HTML"
    assert params["text"] == "<b>الجواب:</b> النمو 3٪ 📈"
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "المصدر 📰", "callback_data": "src:42"}],
            [{"text": "الموقع", "url": "https://example.com/article/42"}],
        ]
    }
    second = await fake_bot.send_message(CHAT, "ثانية")
    assert second.message_id == message.message_id + 1
    assert fake_api.bot_messages(CHAT)[1]["text"] == "ثانية"


async def test_bad_html_is_rejected_like_telegram(fake_api: FakeBotAPI, fake_bot: Bot):
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await fake_bot.send_message(CHAT, "العائد < 5٪", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await fake_bot.send_message(CHAT, "   ")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await fake_bot.send_message(CHAT, "😀" * 2049)
    assert fake_api.sent_messages() == []
    assert [c.status for c in fake_api.calls("sendMessage")] == [400, 400, 400]


async def test_inline_result_text_is_checked_like_a_message(fake_api: FakeBotAPI, fake_bot: Bot):
    def article(text: str) -> InlineQueryResultArticle:
        content = InputTextMessageContent(text, parse_mode=ParseMode.HTML)
        return InlineQueryResultArticle("1", "عنوان", content)

    update = fake_api.inline_query("نفط")
    fake_api.push_update(update)
    query_id = update["inline_query"]["id"]
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await fake_bot.answer_inline_query(query_id, [article("<b>😀</b>" * 2049)])
    assert await fake_bot.answer_inline_query(query_id, [article("<b>😀</b>" * 2048)]) is True


async def test_get_updates_parses_command_with_utf16_offsets(fake_api: FakeBotAPI, fake_bot: Bot):
    update_id = fake_api.push_update(fake_api.command(ARABIC_COMMAND, chat_type="supergroup"))
    (update,) = await fake_bot.get_updates(timeout=0)
    assert isinstance(update, Update)
    assert update.update_id == update_id
    message = update.effective_message
    assert message is not None and message.chat.type == "supergroup"
    (entity,) = message.entities
    assert entity.type == MessageEntity.BOT_COMMAND
    assert message.parse_entity(entity) == "/ask@ArticleQABot"
    assert message.from_user is not None and message.from_user.language_code == "ar"


async def test_builders_are_parsed_by_ptb(fake_api: FakeBotAPI, fake_bot: Bot):
    sent = await fake_bot.send_message(-1001234567890, "جواب البوت")
    bot_msg = fake_api.bot_messages(-1001234567890)[0]
    fake_api.push_updates(
        fake_api.private_text("مرحبا"),
        fake_api.group_text("شكرا، ولكن لماذا؟", reply_to=bot_msg),
        fake_api.mention_text("ما الجديد؟"),
        fake_api.channel_post("خبر عاجل #اقتصاد", title="قناة"),
        fake_api.inline_query("نفط"),
        fake_api.callback_query("src:42", bot_msg),
        fake_api.sticker_message(),
        fake_api.photo_message(caption="صورة https://example.com/p.jpg"),
    )
    updates = await fake_bot.get_updates(timeout=0)
    assert len(updates) == 8
    private, reply, mention, post, inline, callback, sticker, photo = updates

    assert private.message.chat.type == "private" and private.message.text == "مرحبا"
    assert reply.message.reply_to_message.message_id == sent.message_id
    assert reply.message.reply_to_message.from_user.id == fake_bot.id
    (m_entity,) = mention.message.entities
    assert mention.message.parse_entity(m_entity) == "@ArticleQABot"
    assert post.channel_post.sender_chat.id == post.channel_post.chat.id
    assert post.channel_post.from_user is None
    assert post.channel_post.parse_entities() == {post.channel_post.entities[0]: "#اقتصاد"}
    assert inline.inline_query.query == "نفط" and inline.inline_query.chat_type == "sender"
    assert callback.callback_query.data == "src:42"
    assert callback.callback_query.message.message_id == sent.message_id
    assert sticker.message.sticker.emoji == "👍"
    assert len(photo.message.photo) == 4
    assert photo.message.parse_caption_entities()[photo.message.caption_entities[0]] == (
        "https://example.com/p.jpg"
    )
    # every update_id is unique and increasing
    ids = [u.update_id for u in updates]
    assert ids == sorted(set(ids))

    assert await callback.callback_query.answer("تم") is True
    assert await fake_bot.answer_inline_query(inline.inline_query.id, []) is True
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await fake_bot.answer_callback_query("999")


async def test_offset_confirms_updates(fake_api: FakeBotAPI, fake_bot: Bot):
    first = fake_api.push_update(fake_api.private_text("1"))
    second = fake_api.push_update(fake_api.private_text("2"))
    assert [u.update_id for u in await fake_bot.get_updates(limit=1)] == [first]
    assert [u.update_id for u in await fake_bot.get_updates(offset=first + 1)] == [second]
    assert await fake_bot.get_updates(offset=second + 1) == ()
    assert fake_api.pending_updates == []


async def test_long_poll_returns_early_when_update_pushed(fake_api: FakeBotAPI, fake_bot: Bot):
    started = time.monotonic()
    poll = asyncio.create_task(fake_bot.get_updates(timeout=20))
    await asyncio.sleep(0.3)
    assert not poll.done()
    fake_api.push_update(fake_api.private_text("عاجل"))
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates] == ["عاجل"]
    assert time.monotonic() - started < 5


async def test_long_poll_times_out_with_empty_result(fake_api: FakeBotAPI, fake_bot: Bot):
    started = time.monotonic()
    assert await fake_bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 4


async def test_injected_500_surfaces_as_network_error(fake_api: FakeBotAPI, fake_bot: Bot):
    fake_api.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError) as err:
        await fake_bot.send_message(CHAT, "مرحبا")
    assert isinstance(err.value, TelegramError)
    assert "Internal Server Error" in str(err.value)
    await fake_bot.send_message(CHAT, "مرحبا")  # only the next call failed
    failed, ok = fake_api.calls("sendMessage")
    assert (failed.status, failed.outcome, failed.injected) == (500, "error", "fail")
    assert ok.ok and len(fake_api.sent_messages()) == 1


async def test_injected_429_surfaces_as_retry_after(fake_api: FakeBotAPI, fake_bot: Bot):
    fake_api.rate_limit_next("sendmessage", retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await fake_bot.send_message(CHAT, "مرحبا")
    assert _seconds(err.value.retry_after) == 7
    (call,) = fake_api.calls("sendMessage")
    assert call.status == 429


async def test_drop_and_delay(fake_api: FakeBotAPI, fake_bot: Bot):
    fake_api.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await fake_bot.send_message(CHAT, "x")
    assert fake_api.calls("sendMessage")[0].outcome == "dropped"

    fake_api.delay_next("sendChatAction", 2.0)
    with pytest.raises(TimedOut):
        await fake_bot.send_chat_action(CHAT, "typing", read_timeout=0.3)
    (delayed,) = await fake_api.wait_for("sendChatAction", timeout=5)
    assert delayed.ok and delayed.injected == "delay 2.0s"


async def test_forbidden_chat_and_errors(fake_api: FakeBotAPI, fake_bot: Bot):
    fake_api.forbid_chat(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await fake_bot.send_message(CHAT, "x")
    with pytest.raises(EndPointNotFound):
        await fake_bot.do_api_request("noSuchMethod")
    (unknown,) = fake_api.calls("noSuchMethod")
    assert unknown.status == 404 and unknown.description == "Not Found: method not found"


async def test_edits(fake_api: FakeBotAPI, fake_bot: Bot):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("المزيد", callback_data="more")]])
    sent = await fake_bot.send_message(CHAT, "جارٍ البحث…", reply_markup=keyboard)
    edited = await sent.edit_text("<i>الجواب</i>", parse_mode="HTML", reply_markup=keyboard)
    assert edited.text == "الجواب" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await sent.edit_text("<i>الجواب</i>", parse_mode="HTML", reply_markup=keyboard)
    await sent.edit_reply_markup(None)
    assert "reply_markup" not in (fake_api.message(CHAT, sent.message_id) or {})
    with pytest.raises(BadRequest, match=r"(?i)not found"):
        await fake_bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    reply = await fake_bot.send_message(
        CHAT, "رد", reply_parameters=ReplyParameters(sent.message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == sent.message_id
    with pytest.raises(BadRequest, match=r"(?i)replied not found"):
        await fake_bot.send_message(CHAT, "رد", reply_parameters=ReplyParameters(12345))


async def test_commands_and_webhook(fake_api: FakeBotAPI, fake_bot: Bot):
    commands = [BotCommand("ask", "اسأل عن الأخبار"), BotCommand("help", "مساعدة")]
    assert await fake_bot.set_my_commands(commands)
    assert await fake_bot.get_my_commands() == tuple(commands)
    assert fake_api.calls("setMyCommands")[0].params["commands"] == [
        {"command": "ask", "description": "اسأل عن الأخبار"},
        {"command": "help", "description": "مساعدة"},
    ]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await fake_bot.set_my_commands([BotCommand("اسأل", "بالعربية")])
    assert await fake_bot.delete_my_commands()
    assert await fake_bot.get_my_commands() == ()

    assert await fake_bot.set_webhook("https://example.com/hook")
    assert (await fake_bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(TelegramError, match=r"(?i)webhook is active"):
        await fake_bot.get_updates()
    assert await fake_bot.delete_webhook(drop_pending_updates=True)
    assert (await fake_bot.get_webhook_info()).url == ""
    chat = await fake_bot.get_chat(CHAT)
    assert chat.id == CHAT and chat.type == "private"


async def test_wait_for_times_out_with_calls_listed(fake_api: FakeBotAPI, fake_bot: Bot):
    with pytest.raises(AssertionError, match=r"getMe"):
        await fake_api.wait_for("sendMessage", timeout=0.2)


async def test_token_checks_and_two_servers():
    async with FakeBotAPI(token=FAKE_TOKEN) as one, FakeBotAPI(bot_username="OtherBot") as two:
        assert one.port != two.port
        wrong = one.make_bot("987654321:WrongTokenButWellFormed")
        with pytest.raises(InvalidToken):
            await wrong.initialize()
        await wrong.shutdown()
        async with two.make_bot() as other:
            assert other.username == "OtherBot"
        assert len(one.calls()) == 1 and one.calls()[0].status == 401
        assert [c.method for c in two.calls()] == ["getMe"]


async def test_stop_releases_pending_long_poll():
    server = await FakeBotAPI().start()
    bot = server.make_bot()
    await bot.initialize()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await server.stop()
    with contextlib.suppress(TelegramError):
        await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 4
    await bot.shutdown()


async def test_real_application_polls_and_retries(fake_api: FakeBotAPI):
    """The PTB Application/Updater stack works against the fake, including a 500 retry."""

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"سؤالك: {' '.join(context.args or [])}")

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"trust_env": False})

    app = (
        ApplicationBuilder()
        .token(FAKE_TOKEN)
        .base_url(fake_api.base_url)
        .base_file_url(fake_api.base_file_url)
        .request(request())
        .get_updates_request(request())
        .build()
    )
    app.add_handler(CommandHandler("ask", ask))
    fake_api.fail_next("getUpdates", status=502)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            fake_api.push_update(fake_api.command("/ask@ArticleQABot نفط", "supergroup"))
            (call,) = await fake_api.wait_for("sendMessage", timeout=15)
        finally:
            await app.updater.stop()
            await app.stop()
    assert call.params["text"] == "سؤالك: نفط"
    assert (
        call.params["reply_parameters"]["message_id"]
        == call.result["reply_to_message"]["message_id"]
    )
    statuses = [c.status for c in fake_api.calls("getUpdates")]
    assert statuses[0] == 502 and 200 in statuses[1:]


async def test_raw_http_variants(fake_api: FakeBotAPI):
    """JSON bodies, GET query strings, any-case method names, custom methods, bad tokens."""
    fake_api.add_method("getStarTransactions", lambda params: {"transactions": []})
    base = f"{fake_api.base_url}{FAKE_TOKEN}"
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        sent = await client.post(
            f"{base}/SENDMESSAGE",
            json={"chat_id": CHAT, "text": "123", "reply_markup": '{"inline_keyboard": []}'},
        )
        assert sent.status_code == 200 and sent.json()["result"]["text"] == "123"
        got = await client.get(f"{base}/getme?x=1")
        assert got.json()["result"]["username"] == "ArticleQABot"
        custom = await client.post(f"{base}/getStarTransactions")
        assert custom.json() == {"ok": True, "result": {"transactions": []}}
        bad_token = await client.post(f"{fake_api.base_url}not-a-token/getMe")
        assert bad_token.status_code == 404
        bad_param = await client.post(
            f"{base}/editMessageText", data={"chat_id": str(CHAT), "message_id": "abc", "text": "x"}
        )
        assert bad_param.status_code == 400 and bad_param.json()["ok"] is False
    (call,) = fake_api.calls("sendMessage")
    assert call.method == "sendMessage"
    assert call.params == {"chat_id": CHAT, "text": "123", "reply_markup": {"inline_keyboard": []}}
    assert fake_api.calls("getMe")[0].http_method == "GET"


# --------------------------------------------------------------------------- live articles


async def test_chat_administrators_and_member_status(fake_api: FakeBotAPI, fake_bot: Bot):
    group = -1001112223334
    fake_api.push_update(fake_api.group_text("مرحبا", group, user_id=4242, first_name="سارة"))
    fake_api.set_admins(group, owner=4242, admins=[777, fake_bot.id], anonymous=[777])
    admins = await fake_bot.get_chat_administrators(group)
    owner, admin = admins  # bots are left out, as on Telegram
    assert isinstance(owner, ChatMemberOwner) and owner.user.first_name == "سارة"
    assert owner.is_anonymous is False
    assert isinstance(admin, ChatMemberAdministrator) and admin.user.id == 777
    assert admin.is_anonymous is True and admin.can_delete_messages is True
    assert admin.can_pin_messages is True and admin.can_post_messages is None
    assert admin.api_kwargs == {}  # every field is one PTB knows
    assert len(fake_api.calls("getChatAdministrators")) == 1

    assert isinstance(await fake_bot.get_chat_member(group, 4242), ChatMemberOwner)
    assert isinstance(await fake_bot.get_chat_member(group, 777), ChatMemberAdministrator)
    assert isinstance(await fake_bot.get_chat_member(group, fake_bot.id), ChatMemberAdministrator)
    plain = await fake_bot.get_chat_member(group, 31337)
    assert isinstance(plain, ChatMemberMember) and plain.user.id == 31337

    assert await fake_bot.get_chat_administrators(-1005556667778) == ()  # nobody configured
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await fake_bot.get_chat_administrators(CHAT)

    fake_api.set_admins(DEFAULT_CHANNEL_ID, owner=4242, rights={"can_post_messages": False})
    fake_api.push_update(fake_api.channel_post("خبر"))
    fake_api.set_admins(DEFAULT_CHANNEL_ID, admins=[777], rights={"can_post_messages": False})
    (channel_admin,) = await fake_bot.get_chat_administrators(DEFAULT_CHANNEL_ID)
    assert isinstance(channel_admin, ChatMemberAdministrator)
    assert channel_admin.can_post_messages is False and channel_admin.can_edit_messages is True


async def test_anonymous_admin_message(fake_api: FakeBotAPI, fake_bot: Bot):
    fake_api.push_update(fake_api.as_anonymous_admin(fake_api.command("/add", "supergroup")))
    (update,) = await fake_bot.get_updates(timeout=0)
    message = update.message
    assert message.sender_chat is not None and message.sender_chat.id == message.chat.id
    assert message.from_user is not None and message.from_user.id == ChatID.ANONYMOUS_ADMIN
    assert message.text == "/add" and message.entities[0].type == MessageEntity.BOT_COMMAND


async def test_linked_discussion_group_in_get_chat(fake_api: FakeBotAPI, fake_bot: Bot):
    fake_api.link_discussion(DEFAULT_CHANNEL_ID, DEFAULT_SUPERGROUP_ID)
    channel = await fake_bot.get_chat(DEFAULT_CHANNEL_ID)
    group = await fake_bot.get_chat(DEFAULT_SUPERGROUP_ID)
    assert isinstance(channel, ChatFullInfo) and channel.type == "channel"
    assert channel.linked_chat_id == DEFAULT_SUPERGROUP_ID
    assert group.type == "supergroup" and group.linked_chat_id == DEFAULT_CHANNEL_ID
    assert (await fake_bot.get_chat(CHAT)).linked_chat_id is None


async def test_document_message_is_downloadable(fake_api: FakeBotAPI, fake_bot: Bot):
    content = "عنوان المقال\nنص المقال الكامل.".encode()
    fake_api.push_updates(
        fake_api.document_message(content, "/add", file_name="مقال.txt"),
        fake_api.document_message(b"%PDF", "/add", "supergroup", mime_type="application/pdf"),
    )
    private, group = await fake_bot.get_updates(timeout=0)
    document = private.message.document
    assert document.file_name == "مقال.txt" and document.mime_type == "text/plain"
    assert document.file_size == len(content)
    (entity,) = private.message.caption_entities
    assert entity.type == MessageEntity.BOT_COMMAND
    assert private.message.parse_caption_entity(entity) == "/add"
    file = await fake_bot.get_file(document.file_id)
    assert file.file_size == len(content) and file.file_path.endswith(".txt")
    assert bytes(await file.download_as_bytearray()) == content
    assert group.message.chat.type == "supergroup"
    assert group.message.document.mime_type == "application/pdf"
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await fake_bot.get_file("no-such-file")


async def test_declared_file_size_and_twenty_megabyte_limit(fake_api: FakeBotAPI, fake_bot: Bot):
    huge = 20 * 1024 * 1024 + 1
    fake_api.push_update(fake_api.document_message(b"small", "/add", file_size=huge))
    (update,) = await fake_bot.get_updates(timeout=0)
    assert update.message.document.file_size == huge  # what a bot checks before downloading
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await fake_bot.get_file(update.message.document.file_id)
    limit = fake_api.document(b"ok", file_size=20 * 1024 * 1024)
    assert bytes(await (await fake_bot.get_file(limit["file_id"])).download_as_bytearray()) == (
        b"ok"
    )


async def test_channel_posts_long_caption_and_edited(fake_api: FakeBotAPI, fake_bot: Bot):
    long_text = "فقرة من مقال طويل عن الاقتصاد. " * 130
    text_post = fake_api.channel_post(long_text)
    photo_post = fake_api.channel_post(None, caption="صورة مع تعليق #خبر")
    doc = fake_api.document(b"article body", "article.txt")
    doc_post = fake_api.channel_post(None, caption="/add", document=doc, author_signature="ليلى")
    edited = fake_api.edited_channel_post(text_post, "نص معدل")
    edited_caption = fake_api.edited_channel_post(photo_post, caption="تعليق معدل")
    fake_api.push_updates(text_post, photo_post, doc_post, edited, edited_caption)
    updates = await fake_bot.get_updates(timeout=0)
    first, photo, document, edit, caption_edit = updates

    assert first.channel_post.text == long_text and len(long_text) > 4000
    assert photo.channel_post.text is None and photo.channel_post.photo
    assert photo.channel_post.caption == "صورة مع تعليق #خبر"
    assert photo.channel_post.caption_entities[0].type == MessageEntity.HASHTAG
    assert document.channel_post.document.file_name == "article.txt"
    assert document.channel_post.author_signature == "ليلى"
    assert document.channel_post.caption_entities[0].type == MessageEntity.BOT_COMMAND

    post = edit.edited_channel_post
    assert edit.channel_post is None and post.message_id == first.channel_post.message_id
    assert post.text == "نص معدل" and post.edit_date is not None
    assert post.edit_date >= first.channel_post.date
    assert caption_edit.edited_channel_post.caption == "تعليق معدل"
    assert caption_edit.edited_channel_post.message_id == photo.channel_post.message_id
    assert fake_api.message(DEFAULT_CHANNEL_ID, post.message_id)["text"] == "نص معدل"
    with pytest.raises(ValueError):
        fake_api.edited_channel_post(photo_post, "نص")

    forward = fake_api.automatic_forward(doc_post, DEFAULT_SUPERGROUP_ID)
    fake_api.push_update(forward)
    (copied,) = await fake_bot.get_updates(offset=caption_edit.update_id + 1, timeout=0)
    assert copied.message.document.file_id == doc["file_id"]
    assert copied.message.caption == "/add" and copied.message.is_automatic_forward
    assert copied.message.forward_origin.author_signature == "ليلى"


async def test_discussion_group_forward_and_comments(fake_api: FakeBotAPI, fake_bot: Bot):
    group = DEFAULT_SUPERGROUP_ID
    fake_api.link_discussion(DEFAULT_CHANNEL_ID, group)
    earlier = fake_api.group_text("رسالة سابقة", group)  # group ids now differ from the post's
    fake_api.push_update(earlier)
    post = fake_api.channel_post("خبر اليوم: ارتفاع أسعار النفط")
    forward = fake_api.automatic_forward(post)  # the linked group by default
    comment = fake_api.thread_comment(group, forward, "هل المصدر موثوق؟", user_id=4242)
    deeper = fake_api.thread_comment(group, forward, "نعم", reply_to=comment)
    fake_api.push_updates(post, forward, comment, deeper)
    _earlier, p, f, c, d = await fake_bot.get_updates(timeout=0)

    message = f.message
    assert message.is_automatic_forward is True and message.chat.id == group
    assert message.sender_chat.id == DEFAULT_CHANNEL_ID
    assert message.from_user.id == ChatID.SERVICE_CHAT
    assert isinstance(message.forward_origin, MessageOriginChannel)
    assert message.forward_origin.chat.id == DEFAULT_CHANNEL_ID
    assert message.forward_origin.message_id == p.channel_post.message_id
    assert message.message_id != p.channel_post.message_id
    assert message.text == p.channel_post.text

    assert c.message.reply_to_message.message_id == message.message_id
    assert c.message.reply_to_message.is_automatic_forward is True
    assert c.message.message_thread_id == message.message_id
    assert not c.message.is_topic_message and c.message.from_user.id == 4242
    assert d.message.reply_to_message.message_id == c.message.message_id
    assert d.message.message_thread_id == message.message_id

    # The bot answers a comment in the group: its reply lands in the same thread.
    answer = await c.message.reply_text("المصدر: وكالة الأنباء")
    assert answer.chat.id == group and answer.message_thread_id == message.message_id
    assert answer.reply_to_message.message_id == c.message.message_id
    under_post = await fake_bot.send_message(
        group, "ملخص", reply_parameters=ReplyParameters(message.message_id)
    )
    assert under_post.message_thread_id == message.message_id
    in_thread = await fake_bot.send_message(group, "تعليق", message_thread_id=message.message_id)
    assert in_thread.message_thread_id == message.message_id
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await fake_bot.send_message(group, "x", message_thread_id=99999)
    with pytest.raises(ValueError):
        fake_api.thread_comment(group, forward, "x", reply_to=earlier)  # not in the thread

    # A reply to the channel post itself from the group is an external reply.
    external = await fake_bot.send_message(
        group,
        "رد على المنشور",
        reply_parameters=ReplyParameters(p.channel_post.message_id, chat_id=DEFAULT_CHANNEL_ID),
    )
    assert external.reply_to_message is None and external.external_reply is not None
    assert isinstance(external.external_reply.origin, MessageOriginChannel)
    assert external.external_reply.message_id == p.channel_post.message_id
    assert external.external_reply.chat.id == DEFAULT_CHANNEL_ID
    with pytest.raises(ValueError, match=r"link_discussion"):
        fake_api.automatic_forward(fake_api.channel_post("x", chat_id=-1004445556667))


async def test_delete_message_needs_rights_like_telegram(fake_api: FakeBotAPI, fake_bot: Bot):
    group = -1001112223334
    own = await fake_bot.send_message(group, "رسالة البوت")
    assert await own.delete() is True
    update = fake_api.group_text("/add نص", group)
    fake_api.push_update(update)
    member_message = update["message"]["message_id"]
    with pytest.raises(BadRequest, match=r"(?i)can.t be deleted"):
        await fake_bot.delete_message(group, member_message)
    fake_api.set_admins(group, admins=[fake_bot.id], rights={"can_delete_messages": False})
    with pytest.raises(BadRequest, match=r"(?i)can.t be deleted"):
        await fake_bot.delete_message(group, member_message)
    fake_api.set_admins(group, admins=[fake_bot.id])
    assert await fake_bot.delete_message(group, member_message) is True
    with pytest.raises(BadRequest, match=r"not found"):
        await fake_bot.delete_message(group, member_message)
    private = fake_api.private_text("مرحبا")
    fake_api.push_update(private)
    assert await fake_bot.delete_message(CHAT, private["message"]["message_id"]) is True
