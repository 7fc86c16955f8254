"""Scripts: names matched across them, and how much of a question is Latin script."""

from __future__ import annotations

import pytest

from index.text.transliteration import arabic_skeleton, latin_letter_share, latin_skeleton


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("Who did Lavrov meet?", 1.0),
        ("من التقى لافروف؟", 0.0),
        ("1888؟ !", 0.0),  # no letters at all
        ("", 0.0),
        ("ماذا قال Kerry؟", 5 / 12),  # 5 Latin letters, 7 Arabic ones
        ("What did كيري say", 10 / 14),
    ],
)
def test_latin_letter_share_counts_letters_of_each_script(text, share):
    assert latin_letter_share(text) == pytest.approx(share)


def test_a_name_finds_its_arabic_spelling():
    assert latin_skeleton("Lavrov") == arabic_skeleton("لافروف")
