"""Answer-type cues: which questions want a number or a time, and which sentences hold one."""

from __future__ import annotations

import pytest

from index.text.answer_type import AnswerType, question_answer_type, sentence_has_type


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("كم هدفا أعلنت الوزارة ضربه؟", AnswerType.NUMBER),
        ("How many sorties were flown?", AnswerType.NUMBER),
        ("متى بدأ الهجوم؟", AnswerType.TIME),
        ("في أي عام تأسست المنظمة؟", AnswerType.TIME),
        ("من التقى كيري؟", AnswerType.NONE),
    ],
)
def test_question_words_name_the_wanted_type(question, expected):
    assert question_answer_type(question) is expected


@pytest.mark.parametrize(
    "sentence",
    ["قتل خمسة أشخاص", "والخمسة الباقون", "بنسبة 5%", "نحو ألف شخص", "بلغت الخسائر مليارات"],
)
def test_numbers_in_digits_and_words_count(sentence):
    assert sentence_has_type(sentence, AnswerType.NUMBER)


@pytest.mark.parametrize(
    "sentence",
    [
        "ستكون المباحثات صعبة.",  # future "ست-", not six
        "انتقد الفريق الفلسطيني القرار",  # "الف-" of a word, not a thousand
        "تسعى الحكومة إلى اتفاق",  # "تسع-" of a verb, not nine
        "عقد الاجتماع يوم الأربعاء",  # a weekday, not four
    ],
)
def test_words_that_merely_start_like_a_number_do_not(sentence):
    assert not sentence_has_type(sentence, AnswerType.NUMBER)


@pytest.mark.parametrize(
    "sentence",
    ["وقع الهجوم أمس.", "في الساعة العاشرة صباحا", "تأسست عام 2016م", "ولد في ١٩٩٨م", "يوم الخميس"],
)
def test_times_count_before_punctuation_and_with_the_era_letter(sentence):
    assert sentence_has_type(sentence, AnswerType.TIME)


def test_a_sentence_without_a_time_does_not():
    assert not sentence_has_type("قال الوزير إن المفاوضات مستمرة.", AnswerType.TIME)


@pytest.mark.parametrize(
    "sentence",
    [
        "استوطن الجزيرة في 874م.",
        "تأسس في 698 (79 هـ) بأمر من الوالي",
        "قامت أول مملكة في 2800 قبل الميلاد.",
        "بني المعبد نحو 300 ق.م",
    ],
)
def test_a_number_with_an_era_mark_is_a_year_whatever_its_length(sentence):
    assert sentence_has_type(sentence, AnswerType.TIME)


@pytest.mark.parametrize("sentence", ["قتل 874 شخصا", "يبلغ طوله 300 متر", "نحو 5 ملايين"])
def test_a_number_without_an_era_mark_is_not_a_year(sentence):
    assert not sentence_has_type(sentence, AnswerType.TIME)
