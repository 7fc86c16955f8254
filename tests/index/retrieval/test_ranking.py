"""Fusion arithmetic on synthetic signals: no model needed."""

from __future__ import annotations

import numpy as np

from index.retrieval.ranking import FusionWeights, Method, Signals, fuse, zscore


def _signals(dense, bm25, coverage=None, type_match=None, chars=None) -> Signals:
    dense = np.asarray(dense, dtype=np.float32)
    zeros = np.zeros_like(dense)
    return Signals(
        dense=dense,
        bm25=np.asarray(bm25, dtype=np.float32),
        coverage=zeros if coverage is None else np.asarray(coverage, dtype=np.float32),
        type_match=zeros if type_match is None else np.asarray(type_match, dtype=np.float32),
        neighbour=dense,
        clause=dense,
        char_coverage=zeros if chars is None else np.asarray(chars, dtype=np.float32),
    )


def test_zscore_of_a_constant_signal_is_zero():
    assert not zscore(np.full(5, 3.0)).any()
    assert zscore(np.array([], dtype=np.float32)).size == 0


def test_zscore_is_standardised():
    z = zscore(np.random.default_rng(0).normal(5, 3, 100))
    assert abs(float(z.mean())) < 1e-5 and abs(float(z.std()) - 1) < 1e-4


def test_single_methods_pass_their_signal_through():
    s = _signals([0.1, 0.9, 0.5], [3.0, 0.0, 1.0])
    assert int(np.argmax(fuse(s, Method.DENSE))) == 1
    assert int(np.argmax(fuse(s, Method.BM25))) == 0


def test_hybrid_lets_lexical_evidence_overturn_a_small_dense_lead():
    s = _signals([0.80, 0.81, 0.70, 0.72], [6.0, 0.0, 0.0, 0.0], coverage=[0.8, 0.0, 0.0, 0.0])
    assert int(np.argmax(fuse(s, Method.DENSE))) == 1
    assert int(np.argmax(fuse(s, Method.HYBRID))) == 0


def test_bm25_without_coverage_does_not_overturn_the_dense_ranking():
    # A question sharing no content word with the article: BM25 matches a stray term.
    s = _signals([0.80, 0.83, 0.70], [1.0, 0.0, 0.0], coverage=[0.05, 0.0, 0.0])
    assert int(np.argmax(fuse(s, Method.HYBRID))) == 1


def test_a_two_sentence_context_keeps_the_size_of_the_dense_gap():
    # z-scores of two values are always -1 and +1; a cosine gap of 0.002 must not
    # weigh as much as one of 0.1 against the same lexical evidence.
    weights = FusionWeights(dense=0.6, bm25=0.4, coverage=0.6)
    close = _signals([0.800, 0.802], [2.0, 0.0], coverage=[0.5, 0.3])
    far = _signals([0.70, 0.80], [2.0, 0.0], coverage=[0.5, 0.3])
    assert int(np.argmax(fuse(close, Method.HYBRID, weights))) == 0
    assert int(np.argmax(fuse(far, Method.HYBRID, weights))) == 1


def test_answer_type_breaks_ties():
    s = _signals([0.8, 0.8], [1.0, 1.0], type_match=[0.0, 1.0])
    weights = FusionWeights(dense=0.5, bm25=0.5, answer_type=0.4)
    assert int(np.argmax(fuse(s, Method.HYBRID, weights))) == 1


def test_scale_of_bm25_does_not_matter_after_standardising():
    a = fuse(_signals([0.7, 0.8, 0.75], [1.0, 2.0, 3.0]), Method.FUSION)
    b = fuse(_signals([0.7, 0.8, 0.75], [10.0, 20.0, 30.0]), Method.FUSION)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_shared_letters_overturn_a_small_dense_lead_when_stems_miss():
    # The question's word appears in another form («المفاوضون» / «مفاوضات»): no stem
    # matches, but the sentence holding it shares most of the question's letters.
    s = _signals([0.82, 0.81, 0.76], [0.0, 0.0, 0.0], chars=[0.05, 0.30, 0.04])
    assert int(np.argmax(fuse(s, Method.HYBRID))) == 1


def test_shared_letters_do_not_overturn_a_clear_dense_lead():
    s = _signals([0.90, 0.78, 0.76], [0.0, 0.0, 0.0], chars=[0.05, 0.15, 0.04])
    assert int(np.argmax(fuse(s, Method.HYBRID))) == 0
