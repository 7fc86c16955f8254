"""Reading the seeds folder: every bad input is a clear ArticleError."""

from __future__ import annotations

import pytest

from index.errors import ArticleError
from index.text.articles import parse_article, read_article, read_seeds


def test_title_and_body(tmp_path):
    path = tmp_path / "news.txt"
    path.write_text("\ufeffالعنوان\r\nالجملة الأولى. الجملة الثانية.", encoding="utf-8")
    article = read_article(path)
    assert (article.id, article.title) == ("news", "العنوان")
    assert [s.text for s in article.sentences()] == ["العنوان", "الجملة الأولى.", "الجملة الثانية."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n ", "is empty"),
        ("\nجملة".encode(), "empty first line"),
        ("عنوان فقط\n  ".encode(), "no body"),
        ("عنوان\n***\n- - -\n...\n".encode(), "no body"),
        ("***\nجملة.".encode(), "no title"),
        ("عنوان\nنص".encode("cp1256"), "not valid UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    ],
)
def test_bad_articles(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=message):
        read_article(path)


def test_huge_article_is_refused(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("عنوان\n" + "كلمة " * 500_000, encoding="utf-8")
    with pytest.raises(ArticleError, match="at most"):
        read_article(path)


def test_missing_and_empty_seeds_folders(tmp_path):
    with pytest.raises(ArticleError, match="does not exist"):
        read_seeds(tmp_path / "nowhere")
    with pytest.raises(ArticleError, match=r"no \.txt articles"):
        read_seeds(tmp_path)
    (tmp_path / "file.txt").write_text("x", "utf-8")
    with pytest.raises(ArticleError, match="is not a folder"):
        read_seeds(tmp_path / "file.txt")


def test_separator_lines_are_not_sentences():
    article = parse_article("a", "العنوان\n***\nالجملة الأولى.\n- - -\n...\nالجملة الثانية.\n")
    assert [s.text for s in article.sentences()] == ["العنوان", "الجملة الأولى.", "الجملة الثانية."]
    assert [s.number for s in article.sentences()] == [0, 1, 2]


def test_hidden_files_in_the_seeds_folder_are_ignored(tmp_path):
    (tmp_path / "news.txt").write_text("العنوان\nالجملة الأولى.", encoding="utf-8")
    # what copying from a Mac leaves beside each file
    (tmp_path / "._news.txt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    assert [a.id for a in read_seeds(tmp_path)] == ["news"]
    (tmp_path / "news.txt").unlink()
    with pytest.raises(ArticleError, match=r"no \.txt articles"):
        read_seeds(tmp_path)


def test_html_markup_is_reduced_to_text():
    article = parse_article("web", "<h1>عنوان &amp; خبر</h1>\n<p>جملة <b>أولى</b>.<p>جملة ثانية.")
    assert article.title == "عنوان & خبر"
    assert [s.text for s in article.sentences()][1:] == ["جملة أولى.", "جملة ثانية."]
