"""The shared walk over context sets and the rank metrics: no model needed."""

from __future__ import annotations

import numpy as np

from index.evaluation.context_sets import (
    MISS,
    ContextSet,
    context_spans,
    gold_rank,
    other_context,
    rank_metrics,
)


def test_spans_cover_the_flattened_sentences_and_questions_in_order():
    contexts = [
        ContextSet("a", ["s1", "s2"], [("q1", frozenset({0}))]),
        ContextSet("b", ["s3"], []),
        ContextSet("c", ["s4", "s5", "s6"], [("q2", frozenset({2})), ("q3", frozenset({1}))]),
    ]
    sentences = [s for c in contexts for s in c.sentences]
    questions = [q for c in contexts for q, _ in c.questions]
    spans = list(context_spans(contexts))
    assert [sentences[s.sentences] for s in spans] == [c.sentences for c in contexts]
    assert [questions[s.questions] for s in spans] == [
        [q for q, _ in c.questions] for c in contexts
    ]
    assert [s.index for s in spans] == [0, 1, 2]


def test_gold_rank_is_the_best_placed_gold_sentence():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert gold_rank(scores, frozenset({1})) == 0
    assert gold_rank(scores, frozenset({0, 2})) == 2


def test_rank_metrics():
    m = rank_metrics([0, 1, 2, MISS])
    assert m.questions == 4
    assert m.top1 == 0.25 and m.top3 == 0.75
    assert abs(m.mrr - (1 + 1 / 2 + 1 / 3) / 4) < 1e-4
    assert rank_metrics([]).questions == 0


def test_the_other_context_is_never_the_question_s_own():
    for count in range(2, 30):
        for share in (0.5, 0.3):
            assert all(other_context(i, count, share) != i for i in range(count))
