"""Article text from an uploaded .txt or .html file."""

from __future__ import annotations

import codecs

import pytest

from index.errors import SourceError
from index.sources import document_text
from index.text.articles import parse_article

TITLE = "افتتاح مكتبة عامة جديدة في وسط المدينة"
BODY = (
    "افتتحت البلدية اليوم مكتبة عامة جديدة تضم أكثر من عشرين ألف كتاب باللغة العربية "
    "ولغات أخرى، وتفتح أبوابها للزوار طوال أيام الأسبوع.\n"
    "وقال رئيس البلدية إن المكتبة ستقدم دورات مجانية في القراءة والكتابة للأطفال "
    "والكبار ابتداء من الشهر المقبل."
)
LIMIT = 100_000


def test_utf8_text_file_is_taken_as_written():
    text = document_text("خبر.txt", f"{TITLE}\r\n{BODY}\r\n".encode(), max_bytes=LIMIT)
    assert text == f"{TITLE}\n{BODY}"
    article = parse_article("upload", text)
    assert (article.title, article.body) == (TITLE, BODY)


def test_byte_order_mark_is_allowed():
    content = codecs.BOM_UTF8 + f"{TITLE}\n{BODY}".encode()
    assert document_text("news.TXT", content, max_bytes=LIMIT) == f"{TITLE}\n{BODY}"


def test_windows_1256_file_is_refused_with_the_byte():
    content = f"{TITLE}\n{BODY}".encode("cp1256")
    with pytest.raises(SourceError) as caught:
        document_text("news.txt", content, max_bytes=LIMIT)
    assert str(caught.value) == "news.txt is not valid UTF-8 at byte 0; save it as UTF-8"


def test_bad_byte_position_counts_from_the_file_start():
    content = codecs.BOM_UTF8 + b"Title\nBody \xff here"
    with pytest.raises(SourceError, match=r"at byte 14; save it as UTF-8$"):
        document_text("news.txt", content, max_bytes=LIMIT)


def test_nul_bytes_are_refused():
    with pytest.raises(
        SourceError, match=r"^news\.txt is not a text file \(it contains NUL bytes\)$"
    ):
        document_text("news.txt", b"Title\nBody\x00more", max_bytes=LIMIT)


def test_utf16_file_is_refused_by_name():
    content = f"{TITLE}\n{BODY}".encode("utf-16")
    with pytest.raises(SourceError, match=r"^news.txt is saved as UTF-16; save it as UTF-8$"):
        document_text("news.txt", content, max_bytes=LIMIT)


def test_too_big_file_is_refused():
    with pytest.raises(
        SourceError, match=r"^news.txt is 1,001 bytes; a file may be at most 1,000$"
    ):
        document_text("news.txt", b"x" * 1_001, max_bytes=1_000)


@pytest.mark.parametrize("name", ["report.pdf", "notes.docx", "README"])
def test_other_extensions_are_refused_with_what_is_accepted(name):
    with pytest.raises(SourceError) as caught:
        document_text(name, b"%PDF-1.7", max_bytes=LIMIT)
    assert str(caught.value) == f"{name} cannot be added: only .txt, .html, .htm files are accepted"


def test_empty_file_is_refused():
    with pytest.raises(SourceError, match=r"^news.txt is empty$"):
        document_text("news.txt", b" \n\n ", max_bytes=LIMIT)


def test_html_file_gives_title_and_main_text():
    paragraphs = "".join(f"<p>{line}</p>" for line in BODY.split("\n"))
    markup = (
        f"<html><head><meta charset='utf-8'><title>{TITLE} - موقع</title></head><body>"
        f"<nav><a href='/'>الصفحة الرئيسية</a><a href='/x'>اتصل بنا</a></nav>"
        f"<article><h1>{TITLE}</h1>{paragraphs}</article>"
        f"<footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    text = document_text("page.html", markup.encode(), max_bytes=LIMIT)
    assert text == f"{TITLE}\n{BODY}"


def test_malformed_html_still_gives_its_text():
    markup = f"<h1>{TITLE}<p>{BODY.split(chr(10))[0]}<p><b>{BODY.split(chr(10))[1]}"
    text = document_text("page.htm", markup.encode(), max_bytes=LIMIT)
    article = parse_article("upload", text)
    assert article.title == TITLE
    assert "مكتبة عامة جديدة تضم" in article.body
    assert "دورات مجانية" in article.body


@pytest.mark.parametrize(
    "markup", ["<html><body><nav><a href='/'>x</a></nav></body></html>", "<<<>>>", "<p></p>"]
)
def test_html_without_article_text_is_a_clear_error(markup):
    with pytest.raises(SourceError, match=r"^page\.html has no article text"):
        document_text("page.html", markup.encode(), max_bytes=LIMIT)


def test_file_name_in_messages_is_one_short_line():
    with pytest.raises(SourceError) as caught:
        document_text("dir/sub\\evil\nname" + "x" * 200 + ".pdf", b"x", max_bytes=LIMIT)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("evil name")
    assert len(message) < 140
