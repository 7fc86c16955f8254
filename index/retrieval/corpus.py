"""A searchable set of sentences: exact cosine for the dense side, BM25 for the lexical side.

The same class serves the seeds index, the chats' corpora and the evaluation contexts,
so what is measured is what ships. Every question scores every sentence, so the dense
side is one matrix-vector product over the vectors the corpus already holds; a FAISS
flat index (the seeds index's file format) is made only when the index is saved,
since keeping one would copy every chat's vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
    _lexical: LexicalIndex = field(init=False, repr=False)
    _type_match: dict[AnswerType, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.sentences) != len(self.vectors):
            raise ValueError("one vector per sentence is required")
        self._lexical = LexicalIndex([s.text for s in self.sentences])
        self._type_match = {}

    @property
    def vectors(self) -> np.ndarray:
        return self.embedded.sentences

    @property
    def faiss_index(self) -> faiss.Index:
        """A FAISS inner-product index of the sentence vectors, made on each call (to save)."""
        dim = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0
        index = faiss.IndexFlatIP(dim)
        if len(self.vectors):
            index.add(np.ascontiguousarray(self.vectors, dtype=np.float32))
        return index

    def __len__(self) -> int:
        return len(self.sentences)

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine of the question with every sentence, in sentence order.

        Inner product over L2-normalised vectors is cosine similarity.
        """
        if not len(self.sentences):
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.vectors @ query_vector.astype(np.float32), dtype=np.float32)

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
