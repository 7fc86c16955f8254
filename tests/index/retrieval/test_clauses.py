"""Clause splitting of long sentences (what the best-clause score embeds)."""

from __future__ import annotations

from index.retrieval.clauses import split_clauses


def test_a_sentence_splits_at_arabic_commas_and_short_pieces_join_the_one_before():
    sentence = (
        "وزير الخارجية الروسي سيرغي لافروف، يوم الخميس، في مستهل لقائه نظيره الأميركي جون كيري"
    )
    assert split_clauses(sentence) == [
        "وزير الخارجية الروسي سيرغي لافروف، يوم الخميس",
        "في مستهل لقائه نظيره الأميركي جون كيري",
    ]


def test_numbers_and_times_stay_whole():
    sentence = "قتل أكثر من 3,500 شخص عند الساعة 10:30 صباحا، وقال المسؤولون إن العدد سيرتفع"
    assert split_clauses(sentence) == [
        "قتل أكثر من 3,500 شخص عند الساعة 10:30 صباحا",
        "وقال المسؤولون إن العدد سيرتفع",
    ]


def test_a_single_clause_gives_nothing():
    assert split_clauses("جملة قصيرة بلا فواصل.") == []
