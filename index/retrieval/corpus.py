"""A searchable set of sentences: FAISS for the dense side, BM25 for the lexical side.

The same class serves the seeds index, the chats' corpora and the evaluation contexts,
so what is measured is what ships. The sentence vectors live once, inside the FAISS
index: ``vectors`` is a view of FAISS's own storage, so a chat's corpus does not hold
a second copy of them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import faiss
import numpy as np

from index.retrieval.clauses import SentenceVectors
from index.retrieval.lexical import LexicalIndex
from index.text.answer_type import AnswerType, sentence_has_type
from index.text.sentences import Sentence


@dataclass(slots=True)
class Corpus:
    """Sentences with their vectors; positional ids in FAISS map to ``sentences``."""

    sentences: list[Sentence]
    embedded: SentenceVectors
    titles: dict[str, str] = field(default_factory=dict)
    _faiss: faiss.Index = field(init=False, repr=False)
    _lexical: LexicalIndex = field(init=False, repr=False)
    _type_match: dict[AnswerType, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        vectors = self.embedded.sentences
        if len(self.sentences) != len(vectors):
            raise ValueError("one vector per sentence is required")
        dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        # Inner product over L2-normalised vectors is cosine similarity.
        self._faiss = faiss.IndexFlatIP(dim)
        if len(vectors):
            self._faiss.add(np.ascontiguousarray(vectors, dtype=np.float32))
            # From here on the vectors are read from FAISS's storage: one copy instead of two.
            stored = _stored_vectors(self._faiss, len(vectors), dim)
            self.embedded = replace(self.embedded, sentences=stored)
        self._lexical = LexicalIndex([s.text for s in self.sentences])
        self._type_match = {}

    @property
    def vectors(self) -> np.ndarray:
        return self.embedded.sentences

    @property
    def faiss_index(self) -> faiss.Index:
        return self._faiss

    def __len__(self) -> int:
        return len(self.sentences)

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine of the question with every sentence, in sentence order."""
        n = len(self.sentences)
        scores = np.full(n, -1.0, dtype=np.float32)
        if n == 0:
            return scores
        sims, ids = self._faiss.search(query_vector.reshape(1, -1).astype(np.float32), n)
        valid = ids[0] >= 0
        scores[ids[0][valid]] = sims[0][valid]
        return scores

    def clause_scores(self, query_vector: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """Per sentence, the best cosine of the sentence itself or any of its clauses."""
        best = dense.copy()
        if len(self.embedded.clauses):
            np.maximum.at(best, self.embedded.clause_owner, self.embedded.clauses @ query_vector)
        return best

    def lexical_scores(self, question: str) -> np.ndarray:
        return self._lexical.scores(question)

    def lexical_coverage(self, question: str) -> np.ndarray:
        return self._lexical.coverage(question)

    def char_coverage(self, question: str) -> np.ndarray:
        return self._lexical.char_coverage(question)

    def type_match(self, answer_type: AnswerType) -> np.ndarray:
        """1 for the sentences that hold something of ``answer_type``, else 0 (do not modify).

        Worked out once per corpus and type: checking every sentence again for each
        question made a question's cost grow with the chat's articles.
        """
        if answer_type is AnswerType.NONE:
            return np.zeros(len(self.sentences), dtype=np.float32)
        found = self._type_match.get(answer_type)
        if found is None:
            found = np.asarray(
                [sentence_has_type(s.text, answer_type) for s in self.sentences], dtype=np.float32
            )
            self._type_match[answer_type] = found
        return found

    def position(self, article_id: str, number: int) -> int | None:
        """Index in ``sentences`` of one article's sentence, if it exists."""
        for i, s in enumerate(self.sentences):
            if s.article_id == article_id and s.number == number:
                return i
        return None

    def article_sentences(self, article_id: str) -> Sequence[Sentence]:
        return [s for s in self.sentences if s.article_id == article_id]


def _stored_vectors(index: faiss.IndexFlat, n: int, dim: int) -> np.ndarray:
    """A read-only numpy view of a flat index's vectors that keeps the index alive.

    FAISS hands out a bare pointer; the ctypes buffer between it and numpy holds a
    reference to the index, so a slice kept after its corpus is gone stays valid.
    """
    buffer = (ctypes.c_float * (n * dim)).from_address(int(index.get_xb()))
    buffer.owner = index  # type: ignore[attr-defined]
    view: np.ndarray = np.frombuffer(memoryview(buffer), dtype=np.float32).reshape(n, dim)
    view.flags.writeable = False
    return view
