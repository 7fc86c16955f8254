"""How /summary #K N, /remove K and /add's link are read."""

from __future__ import annotations

import pytest

from bot.article_commands import SummaryRequest, article_number, link_argument, summary_request


@pytest.mark.parametrize(
    ("word", "number"),
    [("3", 3), ("#3", 3), ("#٣", 3), ("0", None), ("#", None), ("x", None), ("9" * 50, None)],
)
def test_article_number(word: str, number: int | None) -> None:
    assert article_number(word) == number


@pytest.mark.parametrize(
    ("argument", "request_"),
    [
        ("", SummaryRequest()),
        ("5", SummaryRequest(None, 5)),
        ("#2", SummaryRequest(2, None)),
        ("#2 5", SummaryRequest(2, 5)),
        ("5 #2", SummaryRequest(2, 5)),
        ("#0 4", SummaryRequest(None, None)),  # "#0" names no article and is no count
        ("#x", SummaryRequest()),
    ],
)
def test_summary_request_keeps_n_as_the_sentence_count(
    argument: str, request_: SummaryRequest
) -> None:
    assert summary_request(argument) == request_


def test_only_a_lone_http_link_is_a_link() -> None:
    assert link_argument(" https://example.com/a?b=1 ") == "https://example.com/a?b=1"
    assert link_argument("https://example.com/a\nmore text") is None
    assert link_argument("ftp://example.com/a") is None
    assert link_argument("عنوان\nنص") is None
