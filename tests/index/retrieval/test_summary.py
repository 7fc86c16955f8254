"""Summary selection on synthetic vectors: no model needed."""

from __future__ import annotations

import numpy as np

from index.retrieval.summary import pick_summary_sentences


def _unit(rows: list[list[float]]) -> np.ndarray:
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_repeated_sentence_is_picked_once():
    vectors = _unit([[1, 0.1, 0], [1, 0.1, 0], [1, 0.1, 0], [0.6, 0.8, 0], [0.6, 0, 0.8]])
    picked = pick_summary_sentences(vectors, 3)
    assert len(picked) == 3 and sum(i < 3 for i in picked) == 1


def test_only_copies_leave_a_shorter_summary_rather_than_a_repeat():
    vectors = _unit([[1, 0, 0], [1, 0, 0], [1, 0, 0]])
    assert pick_summary_sentences(vectors, 3) == [0]


def test_picks_come_in_text_order_and_never_exceed_the_article():
    vectors = _unit([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert pick_summary_sentences(vectors, 10) == [0, 1, 2]
    assert pick_summary_sentences(vectors, 0) == []
