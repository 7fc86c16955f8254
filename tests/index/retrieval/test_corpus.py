"""The corpus: exact cosine scores from the vectors it holds, and nothing copied beside them."""

from __future__ import annotations

import faiss
import numpy as np

from index.retrieval.clauses import SentenceVectors
from index.retrieval.corpus import Corpus
from index.text.sentences import Sentence


def _corpus(n: int, dim: int = 8) -> tuple[Corpus, np.ndarray]:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sentences = [Sentence("a", i, f"جملة رقم {i}", 0, 1) for i in range(n)]
    empty = np.zeros((0, dim), dtype=np.float32)
    return Corpus(sentences, SentenceVectors(vectors, empty, np.zeros(0, np.int64))), vectors


def test_dense_scores_are_the_cosines_in_sentence_order():
    corpus, vectors = _corpus(20)
    question = vectors[3] + 0.1 * vectors[7]
    question /= np.linalg.norm(question)
    scores = corpus.dense_scores(question)
    assert scores.dtype == np.float32 and scores.shape == (20,)
    np.testing.assert_allclose(scores, vectors @ question, atol=1e-6)
    assert int(np.argmax(scores)) == 3
    assert _corpus(0)[0].dense_scores(question[:8]).shape == (0,)


def test_a_corpus_keeps_no_second_copy_of_its_vectors():
    # Each chat's corpus stays in memory while the chat is active; a FAISS flat index
    # beside the vectors doubled what its sentence vectors take.
    corpus, vectors = _corpus(20)
    held = [getattr(corpus, name, None) for name in Corpus.__slots__]
    assert not any(isinstance(value, faiss.Index) for value in held)
    # The saved form (the seeds index's file) is still a FAISS index of the same vectors.
    saved = corpus.faiss_index
    assert saved.ntotal == 20
    np.testing.assert_array_equal(saved.reconstruct_n(0, 20), vectors)
