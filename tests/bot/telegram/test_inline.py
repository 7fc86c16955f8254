"""Inline mode: matching sentences as articles, the summary for an empty query."""

from __future__ import annotations

import pytest

from bot import texts
from bot.telegram.html import RLM
from index.embedding.embedder import ModelSpec
from index.service import open_service
from support.fake_bot_api import FakeBotAPI, parse_html, utf16_len
from support.harness import inline_results, running_bot
from tests.conftest import MODELS_DIR


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


# Sentences of about 6,500 characters each, with "&" (an entity in HTML) all through them.
LONG_CLAUSE = "وأكد الوزير أن المفاوضات في جنيف مستمرة بين الطرفين & الوسطاء"
LONG_SENTENCES = [
    "، ".join(f"{LONG_CLAUSE} في الجولة {part * 100 + n}" for n in range(90)) + "."
    for part in range(3)
]


@pytest.fixture(scope="module")
def long_service(embedder, tmp_path_factory):
    """A service over one article whose sentences are each longer than a Telegram message.

    The splitter cuts sentences far shorter than that; lifting its cap here checks that
    the bot would still send one message if a longer sentence ever reached it.
    """
    seeds = tmp_path_factory.mktemp("long-seeds")
    body = " ".join(LONG_SENTENCES)
    (seeds / "long.txt").write_text(f"مفاوضات جنيف\n\n{body}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("index.text.sentences.MAX_SENTENCE_CHARS", 10_000)
        service, _ = open_service(
            seeds,
            tmp_path_factory.mktemp("long-index"),
            ModelSpec(models_dir=MODELS_DIR),
            embedder=embedder,
        )
    assert all(len(p.text) > 4096 for s in service.summarize(3) for p in s.passages)
    return service


@pytest.mark.parametrize("query", ["هل المفاوضات في جنيف مستمرة؟", ""])
async def test_long_sentences_are_cut_to_one_message(fake_api: FakeBotAPI, long_service, query):
    async with running_bot(fake_api, long_service):
        results = await inline_results(fake_api, query)  # the fake rejects MESSAGE_TOO_LONG
    sent = [message_text(result) for result in results]
    assert all(utf16_len(text) <= 4096 for text in sent)
    cut = [text for text in sent if text.endswith("…")]
    assert cut  # the long sentences, each cut to one message; the title result is short
    assert all(text.count("& الوسطاء") > 50 for text in cut)
