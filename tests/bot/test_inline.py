"""Inline mode: matching sentences as articles, the summary for an empty query."""

from __future__ import annotations

from bot import texts
from bot.telegram.html import RLM
from tests.bot.fake_bot_api import FakeBotAPI, parse_html
from tests.bot.harness import WAIT, running_bot


async def inline_results(api: FakeBotAPI, query: str) -> list[dict]:
    update = api.inline_query(query)
    query_id = update["inline_query"]["id"]
    api.push_update(update)
    (call,) = await api.wait_for(
        "answerInlineQuery",
        timeout=WAIT,
        predicate=lambda c: c.params.get("inline_query_id") == query_id,
    )
    assert call.ok, call.summary()
    return call.params["results"]


def message_text(result: dict) -> str:
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text, _ = parse_html(content["message_text"])  # raises on HTML Telegram would reject
    return text.replace(RLM, "")


async def test_inline_question_offers_matching_sentences(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        results = await inline_results(fake_api, "من التقى لافروف؟")
    assert 1 <= len(results) <= 5
    assert all(r["type"] == "article" for r in results)
    assert len({r["id"] for r in results}) == len(results)
    texts_sent = [message_text(r) for r in results]
    assert any("نظيره الأميركي جون كيري" in t for t in texts_sent[:2])
    for result, text in zip(results, texts_sent, strict=True):
        start = result["title"].rstrip("…")
        assert start and start in text
        assert "الجملة" in result["description"]


async def test_empty_inline_query_offers_the_summary(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (result,) = await inline_results(fake_api, "")
    title = next(iter(service.titles.values()))
    assert result["title"] == texts.SUMMARY_HEADING.format(title=title)
    assert message_text(result).count("[الجملة") == 3


async def test_inline_abstention_is_one_result(fake_api: FakeBotAPI, service):
    async with running_bot(fake_api, service):
        (result,) = await inline_results(fake_api, "ما هي عاصمة فرنسا؟")
    assert result["title"] == texts.NOT_COVERED
    assert message_text(result) == f"{texts.NOT_COVERED}\n{texts.NOT_COVERED_HINT}"
