"""Channels that add their posts as articles, and their discussion groups.

The real application against the fake Bot API: ``/autoadd on`` in a channel, posts that
become articles (edits re-index them), the summary posted as a comment under the post (in
the linked discussion group, or in the channel without one), and questions in a post's
comment thread answered from that post's article only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot import texts
from index import Scope, Status
from index.service import AnsweringService
from support.fake_bot_api import DEFAULT_CHANNEL_ID, DEFAULT_SUPERGROUP_ID, FakeBotAPI
from support.harness import WAIT, buttons, replies, running_bot, visible
from tests.conftest import ARTICLES_DIR

CHANNEL = DEFAULT_CHANNEL_ID
GROUP = DEFAULT_SUPERGROUP_ID  # the channel's discussion group, once linked
OTHER_GROUP = -1005550001111
DESALINATION = (ARTICLES_DIR / "desalination.txt").read_text(encoding="utf-8")
FOOTBALL = (ARTICLES_DIR / "football.txt").read_text(encoding="utf-8")
DESALINATION_TITLE = DESALINATION.partition("\n")[0]
FOOTBALL_TITLE = FOOTBALL.partition("\n")[0]
# A question each article answers, and the words of the sentence that answers it.
COST_QUESTION = "كم بلغت كلفة مشروع المحطة؟"
COST = "مئة وعشرين مليون دينار"
SCORER_QUESTION = "من سجل الهدف الأول للمنتخب؟"
SCORER = "يوسف النصيري"

Update = dict[str, Any]


async def eventually(check: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait until ``check()`` holds: for work that sends nothing (an ignored or edited post)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def logged(caplog: pytest.LogCaptureFixture, fragment: str) -> int:
    return sum(fragment in r.getMessage() for r in caplog.records)


async def turn_on(api: FakeBotAPI) -> None:
    (sent,) = await replies(api, api.channel_post("/autoadd on"))
    assert visible(sent).startswith(texts.AUTOADD_ON.split("{")[0])


async def post_with_comment(api: FakeBotAPI, text: str) -> tuple[Update, Update, Update]:
    """A channel post, its copy in the discussion group, and the bot's comment under it."""
    post = api.channel_post(text)
    forward = api.automatic_forward(post)
    before = len(api.sent_messages(GROUP))
    api.push_updates(post, forward)
    await api.wait_for(
        "sendMessage",
        count=before + 1,
        timeout=WAIT * 3,  # an add embeds the whole article
        predicate=lambda c: c.ok and c.params.get("chat_id") == GROUP,
    )
    (comment,) = api.sent_messages(GROUP)[before:]
    return post, forward, comment


def channel_articles(service: AnsweringService) -> list[Any]:
    return service.articles(CHANNEL)


async def test_post_after_autoadd_on_is_added_and_summarised_in_the_discussion_group(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        post, forward, comment = await post_with_comment(fake_api, DESALINATION)
    (article,) = channel_articles(live_service)
    assert (article.source_kind, article.source_ref) == ("channel_post", str(post_id(post)))
    assert article.title == DESALINATION_TITLE
    # The comment answers the post's copy (so it shows under the post), with the title and
    # at most three of the article's sentences.
    assert comment["reply_parameters"]["message_id"] == forward["message"]["message_id"]
    text = visible(comment)
    assert text.startswith(texts.SUMMARY_HEADING.format(title=DESALINATION_TITLE))
    assert 2 <= text.count("[الجملة") <= 3
    assert texts.COMMENT_HINT in text
    assert not fake_api.sent_messages(CHANNEL)[1:]  # only the /autoadd confirmation
    database = live_service.library.database
    assert database is not None
    assert database.thread_post(GROUP, forward["message"]["message_id"]) == (
        CHANNEL,
        post_id(post),
    )


def post_id(update: Update) -> int:
    return int(next(iter(update.values()))["message_id"])


async def test_without_a_discussion_group_the_summary_replies_to_the_post_in_the_channel(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        post = fake_api.channel_post(FOOTBALL)
        (comment,) = await replies(fake_api, post, timeout=WAIT * 3)
    assert comment["reply_parameters"]["message_id"] == post_id(post)
    assert visible(comment).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))
    assert texts.COMMENT_HINT not in visible(comment)  # nobody can reply in a channel
    assert [a.title for a in channel_articles(live_service)] == [FOOTBALL_TITLE]


async def test_channels_in_auto_add_channels_need_no_command(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        (comment,) = await replies(fake_api, fake_api.channel_post(FOOTBALL), timeout=WAIT * 3)
        (status,) = await replies(fake_api, fake_api.channel_post("/autoadd off"))
    assert visible(comment).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))
    assert visible(status) == texts.AUTOADD_ALWAYS


async def test_short_posts_and_commands_are_not_articles(
    fake_api: FakeBotAPI, live_service: AnsweringService, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="bot.telegram.autoadd")
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        fake_api.push_updates(
            fake_api.channel_post("خبر عاجل: انتهى الاجتماع قبل قليل"),
            fake_api.channel_post(f"/unknown {FOOTBALL}"),
        )
        await eventually(lambda: logged(caplog, "channel post ignored") == 2)
        (comment,) = await replies(fake_api, fake_api.channel_post(FOOTBALL), timeout=WAIT * 3)
    assert [a.title for a in channel_articles(live_service)] == [FOOTBALL_TITLE]
    assert visible(comment).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))


async def test_autoadd_off_stops_adding(
    fake_api: FakeBotAPI, live_service: AnsweringService, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="bot.telegram.autoadd")
    async with running_bot(fake_api, live_service):
        fake_api.push_update(fake_api.channel_post(DESALINATION))  # before /autoadd on
        await eventually(lambda: logged(caplog, "auto-add is off") == 1)
        await turn_on(fake_api)
        await replies(fake_api, fake_api.channel_post(FOOTBALL), timeout=WAIT * 3)
        (off,) = await replies(fake_api, fake_api.channel_post("/autoadd off"))
        (state,) = await replies(fake_api, fake_api.channel_post("/autoadd"))
        fake_api.push_update(fake_api.channel_post(DESALINATION))
        await eventually(lambda: logged(caplog, "auto-add is off") == 2)
    assert visible(off) == texts.AUTOADD_OFF
    assert texts.AUTOADD_STATE[False] in visible(state)
    assert [a.title for a in channel_articles(live_service)] == [FOOTBALL_TITLE]


async def test_an_edited_post_is_re_indexed_under_its_number(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        post = fake_api.channel_post(DESALINATION)
        await replies(fake_api, post, timeout=WAIT * 3)
        fake_api.push_update(fake_api.edited_channel_post(post, FOOTBALL))
        await eventually(lambda: channel_articles(live_service)[0].title == FOOTBALL_TITLE)
    (article,) = channel_articles(live_service)
    assert (article.number, article.source_ref) == (1, str(post_id(post)))
    new = live_service.ask(SCORER_QUESTION, scope=Scope(CHANNEL))
    assert new.status is Status.ANSWERED and SCORER in new.passages[0].text
    old = live_service.ask(COST_QUESTION, scope=Scope(CHANNEL))
    assert all(COST not in p.text for p in old.passages)


async def test_a_post_with_a_caption_is_an_article(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        post = fake_api.channel_post(None, caption=FOOTBALL)
        await replies(fake_api, post, timeout=WAIT * 3)
    assert [a.title for a in channel_articles(live_service)] == [FOOTBALL_TITLE]


async def test_remove_in_the_channel_by_number_or_by_reply(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        first = fake_api.channel_post(DESALINATION)
        await replies(fake_api, first, timeout=WAIT * 3)
        await replies(fake_api, fake_api.channel_post(FOOTBALL), timeout=WAIT * 3)
        (summary,) = await replies(fake_api, fake_api.channel_post("/summary"))
        (listed,) = await replies(fake_api, fake_api.channel_post("/articles"))
        (removed,) = await replies(fake_api, fake_api.channel_post("/remove 2"))
        (missing,) = await replies(fake_api, fake_api.channel_post("/remove #2"))
        reply = fake_api.channel_post("/remove")
        reply["channel_post"]["reply_to_message"] = first["channel_post"]
        (by_reply,) = await replies(fake_api, reply)
        (usage,) = await replies(fake_api, fake_api.channel_post("/remove all"))
    # /summary is about the channel's newest article.
    assert visible(summary).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))
    assert DESALINATION_TITLE in visible(listed) and FOOTBALL_TITLE in visible(listed)
    assert visible(listed).count(texts.SOURCE_KINDS["channel_post"]) == 2
    assert visible(removed) == texts.REMOVED.format(number=2, title=FOOTBALL_TITLE)
    assert visible(missing) == texts.CHANNEL_NO_ARTICLE
    assert visible(by_reply) == texts.REMOVED.format(number=1, title=DESALINATION_TITLE)
    assert visible(usage) == texts.CHANNEL_REMOVE_USAGE
    assert channel_articles(live_service) == []


async def test_a_question_in_a_posts_thread_is_answered_from_that_post_only(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        _, desalination, _ = await post_with_comment(fake_api, DESALINATION)
        _, football, football_comment = await post_with_comment(fake_api, FOOTBALL)
        fwd = football["message"]
        bot_comment = fake_api.bot_messages(GROUP)[-1]
        asked = [
            # /ask replying to post 1's copy, and a mention in its thread.
            fake_api.thread_comment(GROUP, desalination, f"/ask {COST_QUESTION}"),
            fake_api.thread_comment(GROUP, desalination, f"@ArticleQABot {COST_QUESTION}"),
            # Post 1's question under post 2: a reply to the bot's comment, and /ask.
            fake_api.thread_comment(GROUP, football, COST_QUESTION, reply_to=bot_comment),
            fake_api.thread_comment(GROUP, football, f"/ask {COST_QUESTION}"),
            # Post 2's own question in its thread.
            fake_api.thread_comment(GROUP, football, f"/ask {SCORER_QUESTION}"),
        ]
        answers = [visible(a) for u in asked for a in await replies(fake_api, u)]
    assert football_comment["reply_parameters"]["message_id"] == fwd["message_id"]
    assert COST in answers[0] and COST in answers[1]
    assert DESALINATION_TITLE in answers[0]
    assert COST not in answers[2] and COST not in answers[3]
    assert DESALINATION_TITLE not in answers[2] + answers[3]
    assert SCORER in answers[4]


async def test_a_plain_comment_under_a_post_is_not_answered(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        _, forward, _ = await post_with_comment(fake_api, DESALINATION)
        fake_api.push_update(fake_api.thread_comment(GROUP, forward, COST_QUESTION))
        (sent,) = await replies(
            fake_api, fake_api.thread_comment(GROUP, forward, f"/ask {SCORER_QUESTION}")
        )
        await fake_api.wait_for("getUpdates", count=len(fake_api.calls("getUpdates")) + 1)
    assert len(fake_api.sent_messages(GROUP)) == 2  # the summary comment and the /ask answer
    assert COST not in visible(sent)


async def test_a_channels_article_is_never_in_another_groups_answers(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service):
        await turn_on(fake_api)
        await post_with_comment(fake_api, DESALINATION)
        asked = [
            fake_api.command(f"/ask {COST_QUESTION}", "supergroup", chat_id=OTHER_GROUP),
            fake_api.mention_text(COST_QUESTION, chat_id=OTHER_GROUP),
            fake_api.private_text(COST_QUESTION),
        ]
        answers = [visible(a) for u in asked for a in await replies(fake_api, u)]
    for answer in answers:
        assert COST not in answer and DESALINATION_TITLE not in answer


async def test_a_posts_copy_in_the_discussion_group_is_never_a_command_or_a_question(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service):
        for text in (f"@ArticleQABot {COST_QUESTION}", "/summary"):
            post = fake_api.channel_post(text)
            fake_api.push_update(post)
            fake_api.push_update(fake_api.automatic_forward(post))
        await fake_api.wait_for("sendMessage")  # the channel's /summary
        await fake_api.wait_for("getUpdates", count=len(fake_api.calls("getUpdates")) + 1)
    assert fake_api.sent_messages(GROUP) == []
    assert len(fake_api.sent_messages(CHANNEL)) == 1


async def test_the_comment_waits_for_a_copy_that_comes_after_the_add(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        post = fake_api.channel_post(FOOTBALL)
        fake_api.push_update(post)
        await eventually(lambda: bool(channel_articles(live_service)))
        await asyncio.sleep(0.2)  # the summary is ready and waiting for the copy
        forward = fake_api.automatic_forward(post)
        (comment,) = await replies(fake_api, forward)
    assert comment["reply_parameters"]["message_id"] == forward["message"]["message_id"]
    assert visible(comment).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))


async def test_without_the_copy_the_comment_goes_to_the_channel(
    fake_api: FakeBotAPI, live_service: AnsweringService, monkeypatch: pytest.MonkeyPatch
):
    from bot.telegram import autoadd

    monkeypatch.setattr(autoadd, "FORWARD_WAIT", 0.5)  # the bot is not in the linked group
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        post = fake_api.channel_post(FOOTBALL)
        (comment,) = await replies(fake_api, post, timeout=WAIT * 3)
    assert comment["reply_parameters"]["message_id"] == post_id(post)
    assert visible(comment).startswith(texts.SUMMARY_HEADING.format(title=FOOTBALL_TITLE))


async def test_a_post_that_cannot_be_an_article_gets_a_one_line_reason(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    one_line = " ".join(FOOTBALL.split("\n"))  # no title line
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        post = fake_api.channel_post(one_line)
        (refusal,) = await replies(fake_api, post)
    assert visible(refusal) == texts.POST_REJECTED["unreadable"]
    assert refusal["reply_parameters"]["message_id"] == post_id(post)
    assert channel_articles(live_service) == []


async def test_buttons_under_a_thread_answer_stay_with_the_posts_article(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        _, forward, _ = await post_with_comment(fake_api, DESALINATION)
        question = fake_api.thread_comment(GROUP, forward, f"/ask {COST_QUESTION}")
        (answer,) = await replies(fake_api, question)
        answered = fake_api.bot_messages(GROUP)[-1]
        data = buttons(answer)[texts.BUTTON_CONTEXT]
        (context,) = await replies(fake_api, fake_api.callback_query(data, answered))
    assert COST in visible(answer)
    assert COST in visible(context) and DESALINATION_TITLE in visible(context)


async def test_a_thread_keeps_its_article_after_a_restart(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    from index.library import ArticleLibrary
    from index.storage.database import ArticleDatabase

    fake_api.link_discussion(CHANNEL, GROUP)
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        _, desalination, _ = await post_with_comment(fake_api, DESALINATION)
    database = live_service.library.database
    assert database is not None
    reopened = AnsweringService(
        live_service.embedder,
        live_service.corpus,
        live_service.policy,
        live_service.background,
        ArticleLibrary(live_service.corpus, live_service.embedder, ArticleDatabase(database.path)),
    )
    async with running_bot(fake_api, reopened):
        # A reply to the bot's comment: only the recorded thread ties it to the post.
        comment = fake_api.bot_messages(GROUP)[-1]
        question = fake_api.thread_comment(GROUP, desalination, COST_QUESTION, reply_to=comment)
        (answer,) = await replies(fake_api, question)
    assert COST in visible(answer) and DESALINATION_TITLE in visible(answer)


async def test_a_burst_of_posts_is_all_added_while_their_comments_wait(
    fake_api: FakeBotAPI, live_service: AnsweringService
):
    # The bot is not in the linked group, so no copy of a post ever reaches it and each
    # comment waits the full time for one. Waiting must not hold the channel's slots: more
    # posts than it may have running and queued are all added, and a stop does not wait.
    fake_api.link_discussion(CHANNEL, GROUP)
    title, _, body = DESALINATION.partition("\n")
    posts = [fake_api.channel_post(f"{title} ({i})\n{body}\nتحديث رقم {i}.") for i in range(14)]
    started = asyncio.get_running_loop().time()
    async with running_bot(fake_api, live_service, auto_add_channels=[CHANNEL]):
        fake_api.push_updates(*posts)
        await eventually(lambda: len(channel_articles(live_service)) == len(posts), WAIT * 3)
    assert asyncio.get_running_loop().time() - started < 25  # the 30 s waits were cut short
    assert sorted(a.number for a in channel_articles(live_service)) == list(range(1, 15))
