"""Arabic normalisation: spelling variants of one word must compare equal."""

from __future__ import annotations

import pytest

from index.text.normalize import content_terms, normalize_arabic, stem, tokenize


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("أميركا", "اميركا"),  # hamza on alef
        ("إطلاق", "اطلاق"),  # hamza under alef
        ("آلاف", "الاف"),  # madda
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("الدولية", "الدوليه"),  # ta marbuta
        ("مسؤول", "مسءول"),  # hamza on waw ...
        ("مسئول", "مسءول"),  # ... and on ya: two spellings of one word
        ("ﻟﺎﻓﺮﻭﻑ", "لافروف"),  # presentation forms, as PDFs carry them
        ("لاف\u200cروف", "لافروف"),  # zero-width non-joiner
        ("\u200fسوريا\u200e", "سوريا"),  # direction marks
        ("１２３", "123"),  # fullwidth digits
        ("سُورِيَا", "سوريا"),  # diacritics
        ("ســـوريا", "سوريا"),  # tatweel
        ("٢٠١٥", "2015"),  # Arabic-Indic digits
        ("Kerry", "kerry"),
    ],
)
def test_variants_collapse(variant, canonical):
    assert normalize_arabic(variant) == canonical


def test_tokenize_drops_punctuation():
    assert tokenize("قال: «نعم»، ثم غادر!") == ["قال", "نعم", "ثم", "غادر"]


def test_question_words_and_function_words_are_not_terms():
    assert content_terms("ما هي عاصمة فرنسا؟") == [stem("عاصمه"), stem("فرنسا")]


def test_clitics_and_spelling_variants_reach_the_same_stem():
    forms = ["والمفاوضات", "المفاوضات", "بالمفاوضات", "مفاوضات", "المُفاوَضات"]
    assert len({stem(normalize_arabic(f)) for f in forms}) == 1


def test_a_question_without_hamzas_matches_the_sentence_with_them():
    sentence = set(content_terms("وأعلنت وزارة الدفاع الروسية أن الطيران الروسي نفذ 510 طلعات"))
    question = content_terms("متى اعلنت وزاره الدفاع الروسيه ان الطيران نفذ الطلعات؟")
    assert set(question) <= sentence


def test_a_zero_width_space_separates_words():
    assert tokenize("كلمة\u200bأخرى") == ["كلمه", "اخري"]


def test_query_text_drops_pasted_tags_and_diacritics_only():
    from index.text.normalize import query_text

    assert query_text("<b>مَنْ التقى لافروف؟</b> & ") == "من التقى لافروف؟  &"
    assert query_text("هل 3 < 5 و 7 > 2؟") == "هل 3 < 5 و 7 > 2؟"
