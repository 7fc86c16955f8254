"""Markup pasted with an article: documents become one line per block, other text keeps its lines."""

from __future__ import annotations

from index.text.articles import parse_article
from index.text.html_text import html_to_text, looks_like_html


def test_inline_tags_in_plain_text_keep_its_line_breaks():
    text = (
        "روسيا تعرض وقف إطلاق النار\n"
        "قال لافروف إن روسيا قدمت عرضا <b>ملموسا</b> لوقف إطلاق النار.\n"
        "وأضاف أنه ينتظر الرد الأميركي.\n"
    )
    article = parse_article("x", text)
    assert article.title == "روسيا تعرض وقف إطلاق النار"
    assert [s.text for s in article.sentences()][1:] == [
        "قال لافروف إن روسيا قدمت عرضا ملموسا لوقف إطلاق النار.",
        "وأضاف أنه ينتظر الرد الأميركي.",
    ]


def test_plain_text_loses_only_inline_tags_and_real_character_references():
    text = (
        'العنوان\nانظر <a href="https://example.com/?a=1&amp;b=2">الرابط</a> &amp; R&D &notreal;\n'
    )
    assert html_to_text(text) == "العنوان\nانظر الرابط & R&D &notreal;\n"


def test_mentioning_a_tag_is_not_markup():
    text = "وسوم الويب\nيبدأ الرابط بالوسم <a ثم العنوان.\nوتنتهي الفقرة بـ </p\n"
    assert not looks_like_html(text)
    article = parse_article("x", text)
    assert [s.text for s in article.sentences()] == [
        "وسوم الويب",
        "يبدأ الرابط بالوسم <a ثم العنوان.",
        "وتنتهي الفقرة بـ </p",
    ]


def test_line_breaks_inside_a_document_are_only_formatting():
    markup = "<html><body><h1>عنوان\nالمقال</h1>\n<p>الجملة\nالأولى.<br>الثانية.</p></body></html>"
    assert html_to_text(markup) == "عنوان المقال\nالجملة الأولى.\nالثانية."


def test_body_start_tag_ends_a_head_left_open():
    markup = (
        '<!doctype html><html><head><meta charset="utf-8"><title>الصفحة</title>'
        "<body><h1>عنوان المقال</h1><p>الجملة الأولى.</p></body></html>"
    )
    article = parse_article("web", markup)
    assert (article.title, article.body) == ("عنوان المقال", "الجملة الأولى.")


def test_content_start_tag_ends_a_head_left_open():
    markup = "<html><head><title>الصفحة</title><h1>عنوان المقال</h1><p>الجملة الأولى.</p>"
    assert html_to_text(markup) == "عنوان المقال\nالجملة الأولى."


def test_closed_skipped_elements_are_dropped():
    markup = (
        "<html><head><title>الصفحة</title><noscript><img src=x></noscript></head>"
        "<body><h1>عنوان</h1><noscript>فعّل جافاسكربت</noscript><p>الجملة الأولى.</p>"
        '<script>var a = "</p>"; if (a < b) {}</script><style>p {}</style>'
        "<p>الجملة الثانية.</p></body></html>"
    )
    assert html_to_text(markup) == "عنوان\nالجملة الأولى.\nالجملة الثانية."


def test_unclosed_noscript_does_not_swallow_the_body():
    markup = (
        "<html><body><h1>عنوان المقال</h1><noscript>فعّل جافاسكربت"
        "<p>الجملة الأولى.</p><p>الجملة الثانية.</p></body></html>"
    )
    assert html_to_text(markup) == "عنوان المقال\nالجملة الأولى.\nالجملة الثانية."


def test_skipped_element_ends_with_its_parent():
    # a later </noscript> belongs to another element; the first one ends with its <div>
    markup = (
        "<body><h1>عنوان</h1><div><noscript>فعّل جافاسكربت</div><p>الجملة الأولى.</p>"
        "<noscript>رسالة</noscript><p>الجملة الثانية.</p></body>"
    )
    assert html_to_text(markup) == "عنوان\nالجملة الأولى.\nالجملة الثانية."


def test_the_page_title_names_a_page_without_a_headline():
    page = (
        "<html><head><title>روسيا تعرض وقف النار</title></head>"
        "<body><p>الجملة الأولى.</p><p>الثانية.</p></body></html>"
    )
    assert html_to_text(page) == "روسيا تعرض وقف النار\nالجملة الأولى.\nالثانية."


def test_a_headline_wins_over_the_page_title():
    page = (
        "<html><head><title>موقع الأخبار | روسيا</title></head>"
        "<body><h1>روسيا تعرض وقف النار</h1><p>الجملة الأولى.</p></body></html>"
    )
    assert html_to_text(page) == "روسيا تعرض وقف النار\nالجملة الأولى."
