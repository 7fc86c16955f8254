"""Replies over 4,096 characters: split at boundaries, never inside a tag, counted like Telegram."""

from __future__ import annotations

import itertools

import pytest

from bot import texts
from bot.telegram.html import RLM
from bot.telegram.split import (
    SAFE_MAX_CHARS,
    TELEGRAM_MAX_CHARS,
    split_html,
    telegram_length,
    truncate_html,
)
from index.embedding.embedder import ModelSpec
from index.service import open_service
from support.fake_bot_api import DEFAULT_USER_ID, FakeBotAPI, parse_html, utf16_len
from support.harness import WAIT, running_bot, visible
from tests.conftest import MODELS_DIR

WORDS = "الحكومة أعلنت اليوم خطة جديدة لدعم الاقتصاد الوطني وتشمل مشاريع البنية التحتية".split()


def check_parts(parts: list[str], limit: int) -> None:
    for part in parts:
        text, _ = parse_html(part)  # balanced tags, escaped text: what Telegram accepts
        assert 0 < utf16_len(text) <= limit
        assert telegram_length(part) == utf16_len(text)


def test_short_text_is_one_part():
    assert split_html("‏<b>مرحبا</b> &amp; أهلا") == ["‏<b>مرحبا</b> &amp; أهلا"]
    assert split_html("  \n ") == []


def test_length_is_counted_after_parsing_in_utf16():
    assert telegram_length("<b>أ</b>&amp;&lt;") == 3
    assert telegram_length("😀<i>x</i>") == 3


def test_lines_are_kept_whole():
    lines = [f"{RLM}<i>[الجملة {i}]</i> " + "كلمة " * 50 + "<b>مهم</b>." for i in range(1, 40)]
    source = "\n".join(lines)
    parts = split_html(source, limit=1000)
    check_parts(parts, 1000)
    assert "\n".join(parts) == source
    assert all(p.startswith(RLM) for p in parts)


def test_a_long_line_is_cut_at_a_sentence_end():
    sentence = "هذه جملة قصيرة فيها <b>كلمة</b> مهمة. "
    parts = split_html(sentence * 40, limit=300)
    check_parts(parts, 300)
    assert all(p.endswith(".") for p in parts[:-1])


def test_no_cut_inside_tags_or_character_references():
    source = "".join(f"<b>كلمة{i}</b>&amp;" for i in range(400))
    parts = split_html(source, limit=97)
    check_parts(parts, 97)
    assert "".join(parts) == source


def test_an_overlong_tag_is_closed_and_reopened():
    source = '<a href="https://example.com/?a=1&amp;b=2">' + "نص " * 100 + "</a>"
    parts = split_html(source, limit=64)
    check_parts(parts, 64)
    assert all(p.startswith('<a href="https://example.com/?a=1&amp;b=2">') for p in parts)


def test_emoji_count_double():
    parts = split_html("😀" * 5000)
    check_parts(parts, SAFE_MAX_CHARS)
    assert sum(utf16_len(p) for p in parts) == 10_000


@pytest.mark.parametrize("limit", [50, 333, 4000])
def test_random_answers_round_trip(limit):
    words = itertools.cycle(["<b>مهم</b>", "خبر", "😀", "&amp;", "\n", "نص.", "كلمة"])
    source = " ".join(next(words) for _ in range(3000))
    parts = split_html(source, limit)
    check_parts(parts, limit)
    assert " ".join(parse_html(p)[0] for p in parts).split() == parse_html(source)[0].split()


def test_truncate_keeps_short_text_as_is():
    assert truncate_html("<b>أ</b> &amp; ب", limit=5) == "<b>أ</b> &amp; ب"


@pytest.mark.parametrize("limit", [7, 50, 333, 4000])
def test_truncate_never_cuts_inside_a_tag_or_reference(limit):
    words = itertools.cycle(
        ["<b>مهم</b>", "خبر", "😀", "&amp;", '<a href="x?a=1&amp;b=2">رابط</a>']
    )
    source = "<i>" + " ".join(next(words) for _ in range(3000)) + "</i>"
    cut = truncate_html(source, limit)
    text, _ = parse_html(cut)  # balanced tags, whole references: what Telegram accepts
    assert utf16_len(text) <= limit and text.endswith("…")
    assert parse_html(source)[0].startswith(text[:-1].rstrip())


def long_article(tmp_path):
    """A 12-sentence article of ~600-character sentences with HTML characters and emoji."""
    words = itertools.cycle(WORDS)
    sentences = []
    for i in range(12):
        body = " ".join(next(words) for _ in range(70))
        sentences.append(f"الفقرة {i + 1} 📈 <&> {body}.")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "long.txt").write_text("تقرير <طويل> & مفصل\n\n" + " ".join(sentences), "utf-8")
    return seeds


async def test_long_summary_is_sent_in_parts(fake_api: FakeBotAPI, service, tmp_path):
    long_service, _ = open_service(
        long_article(tmp_path),
        tmp_path / "index",
        ModelSpec(models_dir=MODELS_DIR),
        embedder=service.embedder,  # the session's model: no second load
    )
    async with running_bot(fake_api, long_service):
        fake_api.push_update(fake_api.command("/summary 10"))
        await fake_api.wait_for("sendMessage", count=2, timeout=WAIT)
        await fake_api.wait_for("getUpdates", count=len(fake_api.calls("getUpdates")) + 1)
    calls = fake_api.calls("sendMessage")
    assert all(c.ok for c in calls)  # the strict fake rejects > 4,096 and broken HTML
    parts = [visible(c.params) for c in calls]
    assert len(parts) >= 2
    assert all(utf16_len(p) <= TELEGRAM_MAX_CHARS for p in parts)
    whole = "\n".join(parts)
    assert whole.startswith(texts.SUMMARY_HEADING.format(title="تقرير <طويل> & مفصل"))
    assert whole.count("[الجملة") == 10 and whole.count("<&>") == 10
    messages = fake_api.bot_messages(DEFAULT_USER_ID)
    assert all(m["text"].count("[الجملة") >= 1 for m in messages)  # cut between sentences
