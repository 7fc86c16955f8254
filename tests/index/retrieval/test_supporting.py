"""What an answer shows: the best sentence and the runners-up close enough to be worth reading."""

from __future__ import annotations

import numpy as np

from index.retrieval.supporting import supporting_sentences
from index.text.sentences import Sentence


def _sentences(*texts: str, article: str = "a") -> list[Sentence]:
    return [Sentence(article, i, t, 0, 0) for i, t in enumerate(texts)]


def _pick(sentences: list[Sentence], scores: list[float], gap: float = 1.0) -> list[int]:
    values = np.asarray(scores)
    order = np.argsort(-values, kind="stable")
    return supporting_sentences(sentences, order, values, max_supporting=2, gap=gap)


def test_a_clear_winner_is_shown_alone():
    assert _pick(_sentences("أ.", "ب.", "ج."), [5.0, 1.0, 0.5]) == [0]


def test_close_runners_up_are_shown_beside_it_and_neighbours_read_in_order():
    assert _pick(_sentences("أ.", "ب.", "ج.", "د."), [0.0, 4.6, 5.0, 4.5]) == [1, 2, 3]


def test_runners_up_far_apart_in_the_article_follow_the_best():
    assert _pick(_sentences("أ.", "ب.", "ج.", "د.", "ه."), [4.5, 0.0, 0.0, 0.0, 5.0]) == [4, 0]


def test_a_repeated_sentence_is_not_shown_twice():
    assert _pick(_sentences("أ.", "أ.", "ب."), [5.0, 5.0, 4.8]) == [0, 2]


def test_at_most_two_runners_up():
    assert len(_pick(_sentences(*"أبجده"), [5.0, 4.9, 4.8, 4.7, 4.6])) == 3
