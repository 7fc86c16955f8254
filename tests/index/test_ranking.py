"""Fusion arithmetic on synthetic signals: no model needed."""

from __future__ import annotations

import numpy as np

from index.ranking import FusionWeights, Method, Signals, fuse, zscore


def _signals(dense, bm25, coverage=None, type_match=None) -> Signals:
    dense = np.asarray(dense, dtype=np.float32)
    zeros = np.zeros_like(dense)
    return Signals(
        dense=dense,
        bm25=np.asarray(bm25, dtype=np.float32),
        coverage=zeros if coverage is None else np.asarray(coverage, dtype=np.float32),
        type_match=zeros if type_match is None else np.asarray(type_match, dtype=np.float32),
        neighbour=dense,
        clause=dense,
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
    s = _signals([0.80, 0.81, 0.70, 0.72], [6.0, 0.0, 0.0, 0.0])
    assert int(np.argmax(fuse(s, Method.DENSE))) == 1
    assert int(np.argmax(fuse(s, Method.HYBRID))) == 0


def test_answer_type_breaks_ties():
    s = _signals([0.8, 0.8], [1.0, 1.0], type_match=[0.0, 1.0])
    weights = FusionWeights(dense=0.5, bm25=0.5, answer_type=0.4)
    assert int(np.argmax(fuse(s, Method.HYBRID, weights))) == 1


def test_scale_of_bm25_does_not_matter_after_standardising():
    a = fuse(_signals([0.7, 0.8, 0.75], [1.0, 2.0, 3.0]), Method.FUSION)
    b = fuse(_signals([0.7, 0.8, 0.75], [10.0, 20.0, 30.0]), Method.FUSION)
    np.testing.assert_allclose(a, b, atol=1e-5)
