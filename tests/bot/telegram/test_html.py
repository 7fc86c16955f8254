"""HTML rendering: escaping, bold question words, sentence labels, right-to-left lines."""

from __future__ import annotations

from bot import texts
from bot.plain import render_answer as render_plain
from bot.telegram.html import (
    RLM,
    highlight,
    plain_html,
    render_answer,
    render_passages,
    render_summary,
    rtl,
    sentence_start,
)
from index.answer import Answer, Passage, Status, Summary
from index.text.normalize import content_terms
from support.fake_bot_api import parse_html

TITLE = "عنوان <المقال> & ملحقاته"


def passage(number: int, text: str) -> Passage:
    return Passage("a", TITLE, number, text, 1.0)


def bold_words(source: str) -> list[str]:
    text, entities = parse_html(source)
    return [text[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "bold"]


def test_question_words_are_bold_in_their_original_spelling():
    terms = content_terms("من هو وزير الخارجية الروسي؟")
    sentence = "وَقالَ وزيرُ الخارجيّة الروسيّ، وكذلك الوزراء: إنّ «الروس» مستعدون."
    rendered = highlight(sentence, terms)
    bold = bold_words(rendered)
    assert "وزيرُ الخارجيّة الروسيّ" in bold  # diacritics kept, neighbours share one tag
    assert parse_html(rendered)[0] == sentence  # nothing added or lost


def test_stopwords_and_unmatched_words_stay_plain():
    rendered = highlight("في هذا الخبر من المدينة", content_terms("ما هو الخبر في المدينة؟"))
    assert bold_words(rendered) == ["الخبر", "المدينة"]


def test_everything_is_escaped():
    sentence = 'قال "أ" <b>إن</b> 5 < 6 & 7 > 3'
    rendered = render_passages([passage(2, sentence)], content_terms("<b>إن</b> & 5"))
    text, _ = parse_html(rendered)  # strict like Telegram: raises on a stray < or &
    assert sentence in text
    assert f"من مقال: {TITLE}" in text
    assert "<b>إن</b>" not in rendered.split("\n")[0].replace("&lt;b&gt;", "")


def test_answer_lines_have_labels_title_and_rtl_marks():
    answer = Answer(
        "سؤال",
        Status.ANSWERED,
        passages=(passage(0, "العنوان نفسه"), passage(3, "123 Latin first")),
        ranked=(passage(3, "x"),),
        terms=("latin",),
    )
    rendered = render_answer(answer, max_question_chars=100)
    lines = rendered.split("\n")
    assert all(line.startswith(RLM) for line in lines)
    text, _ = parse_html(rendered)
    assert text.replace(RLM, "").split("\n") == [
        f"[{texts.TITLE_LABEL}] العنوان نفسه",
        f"[{texts.SENTENCE_LABEL.format(number=3)}] 123 Latin first",
        texts.SOURCE_LABEL.format(title=TITLE),
    ]
    assert bold_words(rendered) == ["Latin"]


def test_refusals_use_the_shared_texts():
    for status in (Status.NOT_COVERED, Status.EMPTY, Status.TOO_LONG):
        answer = Answer("<b>?</b>", status)
        plain = render_plain(answer, max_question_chars=1000)
        rendered = render_answer(answer, max_question_chars=1000)
        assert parse_html(rendered)[0].replace(RLM, "") == plain
    assert texts.NOT_COVERED_HINT in render_answer(
        Answer("x", Status.NOT_COVERED), max_question_chars=1
    )


def test_summary_heading_and_sentences():
    summary = Summary("a", TITLE, (passage(1, "أولى & ثانية"), passage(4, "رابعة")))
    text, entities = parse_html(render_summary(summary))
    lines = text.replace(RLM, "").split("\n")
    assert lines[0] == texts.SUMMARY_HEADING.format(title=TITLE)
    assert entities[0] == {"offset": 1, "length": len(lines[0]), "type": "bold"}  # after RLM
    assert lines[1:] == ["[الجملة 1] أولى & ثانية", "[الجملة 4] رابعة"]


def test_plain_html_and_rtl():
    assert plain_html("a < b\n\nc & d") == f"{RLM}a &lt; b\n\n{RLM}c &amp; d"
    assert rtl("") == ""


def test_sentence_start_cuts_at_a_word():
    assert sentence_start("قصيرة") == "قصيرة"
    long = "كلمة " * 40
    start = sentence_start(long, limit=30)
    assert start.endswith("…") and len(start) <= 31 and "كلم…" not in start
