"""The corpus: FAISS cosine scores in sentence order, and one copy of the vectors."""

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


def test_a_corpus_keeps_one_copy_of_its_vectors():
    # Each chat's corpus stays in memory while the chat is active; vectors kept beside the
    # FAISS flat index (which stores them too) doubled what its sentence vectors take.
    corpus, vectors = _corpus(20)
    index = corpus.faiss_index
    assert isinstance(index, faiss.IndexFlatIP) and index.ntotal == 20
    np.testing.assert_array_equal(corpus.vectors, vectors)
    stored = faiss.rev_swig_ptr(index.get_xb(), 20 * 8)
    assert np.shares_memory(corpus.vectors, stored) and not corpus.vectors.flags.owndata
    np.testing.assert_array_equal(index.reconstruct_n(0, 20), vectors)


def test_sentences_holding_the_wanted_type_are_found_once_per_corpus(monkeypatch):
    # A question asking "how many" favours sentences with a number; checking every sentence
    # of a chat's corpus again for each question made questions slower as articles grew.
    from index.retrieval import corpus as corpus_module
    from index.retrieval.ranking import lexical_signals

    texts = ["قتل خمسة أشخاص في الهجوم.", "قال الوزير إن المفاوضات مستمرة.", "بلغت الخسائر 5%."]
    sentences = [Sentence("a", i, t, 0, len(t)) for i, t in enumerate(texts)]
    vectors = np.eye(3, 8, dtype=np.float32)
    empty = np.zeros((0, 8), dtype=np.float32)
    corpus = Corpus(sentences, SentenceVectors(vectors, empty, np.zeros(0, np.int64)))
    checked: list[str] = []
    original = corpus_module.sentence_has_type

    def counting(text, answer_type):
        checked.append(text)
        return original(text, answer_type)

    monkeypatch.setattr(corpus_module, "sentence_has_type", counting)
    first = lexical_signals(corpus, "كم شخصا قتل في الهجوم؟").type_match
    again = lexical_signals(corpus, "كم بلغت الخسائر؟").type_match
    assert first.tolist() == again.tolist() == [1.0, 0.0, 1.0]
    assert len(checked) == len(texts)
    assert not lexical_signals(corpus, "من قال إن المفاوضات مستمرة؟").type_match.any()
