"""Chats' own articles through Telegram: /add, /articles, /summary #K, /remove, and privacy.

The real application runs against the fake Bot API; the service has an empty article
database of its own for each test.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import texts
from bot.telegram.articles import NOTICE_AFTER_SECONDS, rejection_text
from index import ArticleLimits, ArticleOrigin, ArticleRejected
from index.library import ArticleLibrary
from index.service import AnsweringService
from support.fake_bot_api import DEFAULT_SUPERGROUP_ID, DEFAULT_USER_ID, FakeBotAPI
from support.harness import WAIT, buttons, chat_of, inline_results, replies, running_bot, visible
from support.web_site import web_site
from tests.bot.telegram.test_groups import GROUP_ANONYMOUS_BOT, on_behalf_of
from tests.conftest import ARTICLES_DIR

WATER = (ARTICLES_DIR / "desalination.txt").read_text("utf-8")
FOOTBALL = (ARTICLES_DIR / "football.txt").read_text("utf-8")
WATER_TITLE = WATER.splitlines()[0]
FOOTBALL_TITLE = FOOTBALL.splitlines()[0]
WATER_QUESTION = "كم متر مكعب من المياه العذبة تنتج المحطة يوميا؟"
WATER_FACT = "خمسين ألف متر مكعب"
GROUP = DEFAULT_SUPERGROUP_ID
OTHER_GROUP = -1005550000777
ADMIN = 4001
MEMBER = 4002


def source_line(title: str) -> str:
    return texts.SOURCE_LABEL.format(title=title)


async def final_reply(api: FakeBotAPI, update: dict[str, Any]) -> dict[str, Any]:
    """The bot's reply to an add: a slow add first says it is working, then answers."""
    target = chat_of(update)
    before = len(api.sent_messages(target))

    def final(call: Any) -> bool:
        return (
            call.ok
            and str(call.params.get("chat_id")) == str(target)
            and visible(call.params) != texts.ADDING
        )

    done = len([c for c in api.calls("sendMessage") if c.done and final(c)])
    api.push_update(update)
    calls = await api.wait_for("sendMessage", count=done + 1, timeout=3 * WAIT, predicate=final)
    assert len(api.sent_messages(target)) > before
    return calls[-1].params


def group_add(api: FakeBotAPI, text: str, chat_id: int = GROUP, user_id: int = ADMIN) -> dict:
    return api.command(f"/add {text}", "supergroup", chat_id=chat_id, user_id=user_id)


def group_command(api: FakeBotAPI, text: str, chat_id: int = GROUP, user_id: int = MEMBER) -> dict:
    return api.command(text, "supergroup", chat_id=chat_id, user_id=user_id)


async def test_admin_adds_in_a_group_and_only_that_group_is_answered_from_it(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.set_admins(GROUP, owner=ADMIN)
    async with running_bot(fake_api, live_service):
        added = visible(await final_reply(fake_api, group_add(fake_api, WATER)))
        question = f"/ask {WATER_QUESTION}"
        (answer,) = await replies(fake_api, group_command(fake_api, question))
        (elsewhere,) = await replies(
            fake_api, group_command(fake_api, question, chat_id=OTHER_GROUP)
        )
        (private,) = await replies(fake_api, fake_api.private_text(WATER_QUESTION))
        (other_summary,) = await replies(
            fake_api, group_command(fake_api, "/summary", chat_id=OTHER_GROUP)
        )
        (own_summary,) = await replies(fake_api, group_command(fake_api, "/summary"))
        (help_text,) = await replies(fake_api, group_command(fake_api, "/help"))
    assert "#1" in added and WATER_TITLE in added
    assert texts.ADDED.splitlines()[1].format(sentences=9) in added
    assert 2 <= added.count("[الجملة") <= 3  # the short summary
    assert WATER_FACT in visible(answer)
    assert source_line(WATER_TITLE) in visible(answer)  # every answer names its article
    for other in (elsewhere, private, other_summary):
        assert WATER_TITLE not in visible(other) and WATER_FACT not in visible(other)
    assert visible(own_summary).startswith(texts.SUMMARY_HEADING.format(title=WATER_TITLE))
    assert "/add" in visible(help_text) and "/articles" in visible(help_text)


async def test_non_admins_are_refused_and_admins_are_asked_for_once(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.set_admins(GROUP, owner=ADMIN)
    async with running_bot(fake_api, live_service):
        (refused,) = await replies(fake_api, group_add(fake_api, WATER, user_id=MEMBER))
        (not_removed,) = await replies(fake_api, group_command(fake_api, "/remove 1"))
        added = visible(await final_reply(fake_api, group_add(fake_api, WATER)))
        (listed,) = await replies(fake_api, group_command(fake_api, "/articles"))
    assert visible(refused) == texts.ADD_NOT_ALLOWED_GROUP
    assert visible(not_removed) == texts.ADD_NOT_ALLOWED_GROUP
    assert "#1" in added
    assert WATER_TITLE in visible(listed)  # everyone may list the articles
    assert len(fake_api.calls("getChatAdministrators")) == 1
    assert [a.title for a in live_service.articles(GROUP)] == [WATER_TITLE]


async def test_an_anonymous_admin_may_add_but_a_channel_speaking_in_the_group_may_not(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.set_admins(GROUP, owner=ADMIN)
    anonymous = group_add(fake_api, WATER, user_id=MEMBER)
    on_behalf_of(fake_api, anonymous, GROUP_ANONYMOUS_BOT, anonymous["message"]["chat"])
    channel = {"id": -1005550000888, "title": "قناة", "type": "channel"}
    as_channel = on_behalf_of(
        fake_api, group_add(fake_api, FOOTBALL, user_id=MEMBER), GROUP_ANONYMOUS_BOT, channel
    )
    async with running_bot(fake_api, live_service):
        added = visible(await final_reply(fake_api, anonymous))
        (refused,) = await replies(fake_api, as_channel)
    assert "#1" in added and WATER_TITLE in added
    assert visible(refused) == texts.ADD_NOT_ALLOWED_GROUP


async def test_add_in_reply_to_a_message_and_duplicates_are_stored_once(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.set_admins(GROUP, owner=ADMIN)
    shared = fake_api.group_text(FOOTBALL, GROUP, user_id=MEMBER)
    fake_api.push_update(shared)
    by_reply = fake_api.command(
        "/add", "supergroup", chat_id=GROUP, user_id=ADMIN, reply_to=shared["message"]
    )
    async with running_bot(fake_api, live_service):
        added = visible(await final_reply(fake_api, by_reply))
        again = visible(await final_reply(fake_api, group_add(fake_api, FOOTBALL)))
        (usage,) = await replies(fake_api, group_command(fake_api, "/add", user_id=ADMIN))
    assert "#1" in added and FOOTBALL_TITLE in added
    assert again == texts.ALREADY_ADDED.format(number=1, title=FOOTBALL_TITLE)
    assert visible(usage) == texts.ADD_USAGE
    assert len(live_service.articles(GROUP)) == 1


async def test_a_document_with_the_caption_add_is_downloaded_and_added(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.set_admins(GROUP, owner=ADMIN)
    upload = fake_api.document_message(
        WATER.encode("utf-8"), "/add", "supergroup", chat_id=GROUP, user_id=ADMIN
    )
    too_big = fake_api.document_message(
        b"x", "/add", "supergroup", chat_id=GROUP, user_id=ADMIN, file_size=50_000_000
    )
    from_member = fake_api.document_message(
        FOOTBALL.encode("utf-8"), "/add", "supergroup", chat_id=GROUP, user_id=MEMBER
    )
    async with running_bot(fake_api, live_service):
        (not_admin,) = await replies(fake_api, from_member)
        added = visible(await final_reply(fake_api, upload))
        (refused,) = await replies(fake_api, too_big)
        (listed,) = await replies(fake_api, group_command(fake_api, "/articles"))
    assert "#1" in added and WATER_TITLE in added
    assert visible(refused).startswith(texts.FILE_TOO_BIG.split("{")[0])
    assert visible(not_admin) == texts.ADD_NOT_ALLOWED_GROUP
    # Neither the big file nor the non-admin's was asked for.
    assert len(fake_api.calls("getFile")) == 1
    assert texts.SOURCE_KINDS["document"] in visible(listed)


async def test_a_slow_add_says_it_is_working_then_answers(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    upload = fake_api.document_message(WATER.encode("utf-8"), "/add", user_id=DEFAULT_USER_ID)
    fake_api.delay_next("getFile", NOTICE_AFTER_SECONDS + 1)
    async with running_bot(fake_api, live_service, admin_ids=[DEFAULT_USER_ID]):
        added = visible(await final_reply(fake_api, upload))
    notice, final = fake_api.sent_messages(DEFAULT_USER_ID)
    assert visible(notice) == texts.ADDING
    assert visible(final) == added and "#1" in added
    assert fake_api.calls("sendChatAction")


def page_html(article: str) -> bytes:
    title, *paragraphs = article.splitlines()
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="ar"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


async def test_links_are_fetched_and_added_in_a_private_chat(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    pages = {"/water.html": page_html(WATER), "/football.html": page_html(FOOTBALL)}
    with web_site(pages) as site:
        water, football = f"{site}/water.html", f"{site}/football.html"
        async with running_bot(
            fake_api, live_service, admin_ids=[DEFAULT_USER_ID], allow_private_urls=True
        ):
            added = visible(await final_reply(fake_api, fake_api.command(f"/add {water}")))
            (answer,) = await replies(fake_api, fake_api.private_text(WATER_QUESTION))
            # "/add" in reply to a message holding a link fetches it too.
            shared = fake_api.private_text(football)
            await replies(fake_api, shared)  # a private text is a question: answered first
            by_reply = fake_api.command("/add", reply_to=shared["message"])
            second = visible(await final_reply(fake_api, by_reply))
    assert "#1" in added and WATER_TITLE in added
    assert WATER_FACT in visible(answer) and source_line(WATER_TITLE) in visible(answer)
    assert "#2" in second and FOOTBALL_TITLE in second
    stored = live_service.articles(DEFAULT_USER_ID)
    assert [(a.source_kind, a.source_ref) for a in stored] == [("link", water), ("link", football)]


async def test_a_link_to_a_private_address_is_refused_by_default(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    with web_site({"/water.html": page_html(WATER)}) as site:
        url = f"{site}/water.html"
        async with running_bot(fake_api, live_service, admin_ids=[DEFAULT_USER_ID]):
            refused = visible(await final_reply(fake_api, fake_api.command(f"/add {url}")))
    assert refused.startswith(texts.SOURCE_FAILED.split("{")[0])
    assert "\n" not in refused
    assert live_service.articles(DEFAULT_USER_ID) == []


@pytest.fixture
def small_limits(live_service: AnsweringService) -> AnsweringService:
    """The live service allowing one article per chat, shorter than the water article."""
    library = ArticleLibrary(
        live_service.corpus,
        live_service.embedder,
        live_service.library.database,
        limits=ArticleLimits(max_chars=len(FOOTBALL) + 50, max_articles=1),
    )
    return AnsweringService(
        live_service.embedder,
        live_service.corpus,
        live_service.policy,
        live_service.background,
        library,
    )


async def test_too_long_and_too_many_are_refused_naming_the_limit(
    fake_api: FakeBotAPI, small_limits: AnsweringService
):
    async with running_bot(fake_api, small_limits, open_private_articles=True):
        too_long = visible(await final_reply(fake_api, fake_api.command(f"/add {WATER}")))
        added = visible(await final_reply(fake_api, fake_api.command(f"/add {FOOTBALL}")))
        second = f"{FOOTBALL_TITLE} ٢\n" + FOOTBALL.split("\n", 1)[1].replace("الأربعاء", "الخميس")
        too_many = visible(await final_reply(fake_api, fake_api.command(f"/add {second}")))
    assert too_long == texts.REJECTED["too_long"].format(limit=f"{len(FOOTBALL) + 50:,}")
    assert "#1" in added
    assert too_many == texts.REJECTED["too_many"].format(limit="1")


async def test_articles_summary_by_number_and_remove(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    async with running_bot(
        fake_api, live_service, open_private_articles=True, commands_per_minute=60
    ):
        (empty,) = await replies(fake_api, fake_api.command("/articles"))
        await final_reply(fake_api, fake_api.command(f"/add {WATER}"))
        await final_reply(fake_api, fake_api.command(f"/add {FOOTBALL}"))
        (listed,) = await replies(fake_api, fake_api.command("/articles"))
        (answer,) = await replies(fake_api, fake_api.private_text(WATER_QUESTION))
        (newest,) = await replies(fake_api, fake_api.command("/summary"))
        (first,) = await replies(fake_api, fake_api.command("/summary #1"))
        (first_two,) = await replies(fake_api, fake_api.command("/summary #1 2"))
        (newest_two,) = await replies(fake_api, fake_api.command("/summary 2"))
        (missing,) = await replies(fake_api, fake_api.command("/summary #7"))
        (removed,) = await replies(fake_api, fake_api.command("/remove 1"))
        (unknown,) = await replies(fake_api, fake_api.command("/remove #1"))
        (usage,) = await replies(fake_api, fake_api.command("/remove"))
        (after,) = await replies(fake_api, fake_api.command("/articles"))
    assert visible(empty) == texts.NO_ARTICLES
    text = visible(listed)
    assert text.index("#1 " + WATER_TITLE) < text.index("#2 " + FOOTBALL_TITLE)
    assert text.count(texts.SOURCE_KINDS["text"]) == 2 and "9 جملة" in text
    # With several articles in the chat, the answer says which one it is from.
    assert WATER_FACT in visible(answer) and source_line(WATER_TITLE) in visible(answer)
    assert visible(newest).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))
    assert texts.SUMMARY_OTHER in visible(newest)
    assert visible(first).startswith(texts.SUMMARY_HEADING.format(title=WATER_TITLE))
    assert texts.SUMMARY_OTHER not in visible(first)
    assert visible(first_two).count("[الجملة") == 2 and WATER_TITLE in visible(first_two)
    assert visible(newest_two).count("[الجملة") == 2 and FOOTBALL_TITLE in visible(newest_two)
    assert visible(missing) == texts.UNKNOWN_ARTICLE.format(number=7)
    assert visible(removed) == texts.REMOVED.format(number=1, title=WATER_TITLE)
    assert visible(unknown) == texts.UNKNOWN_ARTICLE.format(number=1)
    assert visible(usage) == texts.REMOVE_USAGE
    assert WATER_TITLE not in visible(after) and "#2 " + FOOTBALL_TITLE in visible(after)


async def test_private_articles_stay_in_their_chat(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    other_user = 7007
    async with running_bot(fake_api, live_service, admin_ids=[DEFAULT_USER_ID]):
        await final_reply(fake_api, fake_api.command(f"/add {WATER}"))
        (refused,) = await replies(
            fake_api, fake_api.command(f"/add {FOOTBALL}", user_id=other_user)
        )
        (own,) = await replies(fake_api, fake_api.private_text(WATER_QUESTION))
        (other,) = await replies(
            fake_api, fake_api.private_text(WATER_QUESTION, user_id=other_user)
        )
        (summary,) = await replies(fake_api, fake_api.command("/summary", user_id=other_user))
        (listed,) = await replies(fake_api, fake_api.command("/articles", user_id=other_user))
    assert visible(refused) == texts.ADD_NOT_ALLOWED_PRIVATE
    assert WATER_FACT in visible(own)
    for text in (visible(other), visible(summary), visible(listed)):
        assert WATER_TITLE not in text and WATER_FACT not in text
    global_title = next(iter(live_service.titles.values()))
    assert visible(summary).startswith(texts.SUMMARY_HEADING.format(title=global_title))
    assert visible(listed) == texts.NO_ARTICLES


async def test_buttons_resolve_only_in_the_chat_that_has_the_article(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.set_admins(GROUP, owner=ADMIN)
    async with running_bot(fake_api, live_service):
        await final_reply(fake_api, group_add(fake_api, WATER))
        (answer,) = await replies(fake_api, group_command(fake_api, f"/ask {WATER_QUESTION}"))
        data = buttons(answer)[texts.BUTTON_CONTEXT]
        (in_group,) = fake_api.bot_messages(GROUP)[-1:]
        # The same button data pressed under an answer in another chat names nothing there.
        await replies(
            fake_api, group_command(fake_api, "/ask من التقى لافروف؟", chat_id=OTHER_GROUP)
        )
        (elsewhere,) = fake_api.bot_messages(OTHER_GROUP)[-1:]
        forged = fake_api.callback_query(data, elsewhere, user_id=MEMBER)
        fake_api.push_update(forged)
        (stale,) = await fake_api.wait_for(
            "answerCallbackQuery",
            timeout=WAIT,
            predicate=lambda c: c.params.get("callback_query_id") == forged["callback_query"]["id"],
        )
        (context,) = await replies(
            fake_api, fake_api.callback_query(data, in_group, user_id=MEMBER)
        )
    assert stale.params.get("text") == texts.STALE_BUTTON
    assert len(fake_api.sent_messages(OTHER_GROUP)) == 1
    assert WATER_FACT in visible(context) and source_line(WATER_TITLE) in visible(context)


async def inline_texts(api: FakeBotAPI, query: str) -> list[str]:
    return [str(r) for r in await inline_results(api, query)]


async def test_inline_mode_never_shows_a_chats_article(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    # The asker added the article in their private chat; inline answers stay global.
    live_service.add_article(DEFAULT_USER_ID, WATER, ArticleOrigin("text"))
    live_service.add_article(GROUP, WATER, ArticleOrigin("text"))
    async with running_bot(fake_api, live_service):
        results = await inline_texts(fake_api, WATER_QUESTION)
        summaries = await inline_texts(fake_api, "")
    assert results and summaries
    for text in results + summaries:
        assert WATER_TITLE not in text and WATER_FACT not in text


async def test_scheduled_summaries_use_each_chats_newest_article(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    live_service.add_article(GROUP, WATER, ArticleOrigin("text"))
    live_service.add_article(GROUP, FOOTBALL, ArticleOrigin("text"))
    targets = [GROUP, OTHER_GROUP]
    async with running_bot(fake_api, live_service, summary_chat_ids=targets, summary_interval=1):
        await fake_api.wait_for(
            "sendMessage", count=len(targets), timeout=WAIT, predicate=lambda c: c.ok
        )
    own = visible(fake_api.sent_messages(GROUP)[0])
    assert own.startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))
    assert WATER_TITLE not in own and texts.SUMMARY_OTHER not in own
    other = visible(fake_api.sent_messages(OTHER_GROUP)[0])
    global_title = next(iter(live_service.titles.values()))
    assert other.startswith(texts.SUMMARY_HEADING.format(title=global_title))
    assert FOOTBALL_TITLE not in other and WATER_TITLE not in other


@pytest.mark.parametrize(
    "reason", ["too_long", "too_many", "unreadable", "unknown", "no_database", "read_only", "new"]
)
def test_every_refusal_is_one_arabic_line_naming_its_limit(reason: str) -> None:
    text = rejection_text(ArticleRejected(reason, "the operator's detail", 12345))
    assert "\n" not in text and any("\u0600" <= ch <= "\u06ff" for ch in text)
    if reason in ("too_long", "too_many"):
        assert "12,345" in text


async def test_articles_follow_a_group_that_becomes_a_supergroup(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    old_group = -987001
    fake_api.set_admins(old_group, owner=ADMIN)
    async with running_bot(fake_api, live_service):
        api_add = fake_api.command(f"/add {WATER}", "group", chat_id=old_group, user_id=ADMIN)
        assert "#1" in visible(await final_reply(fake_api, api_add))
        to_new, from_old = fake_api.group_migrated(old_group, OTHER_GROUP)
        fake_api.push_updates(to_new, from_old)
        for _ in range(100):  # the service messages get no reply: wait for the move itself
            if live_service.articles(OTHER_GROUP):
                break
            await asyncio.sleep(0.05)
        question = f"/ask {WATER_QUESTION}"
        (answer,) = await replies(fake_api, group_command(fake_api, question, chat_id=OTHER_GROUP))
    assert [a.number for a in live_service.articles(OTHER_GROUP)] == [1]
    assert live_service.articles(old_group) == []
    assert WATER_FACT in visible(answer) and source_line(WATER_TITLE) in visible(answer)
