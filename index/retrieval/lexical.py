"""Lexical matching: BM25 (bm25s) over normalised, stemmed Arabic terms, plus term coverage."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import bm25s
import numpy as np
from scipy import sparse

from index.text.normalize import STOPWORDS, content_terms, stem, strip_prefix, tokenize
from index.text.transliteration import MIN_SKELETON, arabic_skeleton, latin_skeleton

# BM25's length normalisation (bm25s's default is 0.75). A sentence is a short document
# whose length says little about its topic; 0.5 was better on each of the three fitting
# sets left out of the fit, and 0.4 to 0.6 all beat 0.75 (README, directions table).
LENGTH_NORMALISATION = 0.5


class LexicalIndex:
    """BM25 scores and IDF-weighted coverage of a question's terms, per sentence."""

    def __init__(self, texts: Sequence[str]) -> None:
        docs = [content_terms(t) for t in texts]
        self._texts = texts
        self._n = len(docs)
        # Which sentence holds which term, as a sparse sentences x terms matrix: coverage is
        # then one sparse product per question instead of a Python loop over the sentences
        # (a chat may hold thousands), and it takes 5 bytes per (sentence, term) pair.
        self._column: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        for row, terms in enumerate(docs):
            for term in dict.fromkeys(terms):
                rows.append(row)
                columns.append(self._column.setdefault(term, len(self._column)))
        self._holds = sparse.csc_matrix(
            (np.ones(len(rows), dtype=np.int8), (rows, columns)),
            shape=(self._n, len(self._column)),
        )
        df = np.bincount(np.asarray(columns, dtype=np.int64), minlength=len(self._column))
        self._idf = np.log(1 + (self._n - df + 0.5) / (df + 0.5))
        self._bm25: bm25s.BM25 | None = None
        if self._n and any(docs):
            self._bm25 = bm25s.BM25(b=LENGTH_NORMALISATION)
            self._bm25.index(docs, show_progress=False)

    @cached_property
    def _by_skeleton(self) -> dict[str, set[str]]:
        """Consonant skeletons of the sentences' words, for Latin-script names in questions.

        Built on the first question that has one: most never do, and building it costs
        more than the rest of the index, which every chat's corpus builds on first use.
        """
        return _skeleton_map(self._texts)

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every sentence for the question (zeros when nothing matches)."""
        terms = [t for t in self.query_terms(question) if t in self._column]
        if self._bm25 is None or not terms:
            return np.zeros(self._n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def coverage(self, question: str) -> np.ndarray:
        """Share of the question's IDF mass found in each sentence, in [0, 1].

        Unknown question terms count with the highest IDF, so a question about
        something absent from the article scores low everywhere.
        """
        terms = set(self.query_terms(question))
        if not terms or not self._n:
            return np.zeros(self._n, dtype=np.float32)
        unseen = math.log(1 + (self._n + 0.5) / 0.5)
        known = sorted(self._column[t] for t in terms if t in self._column)
        weights = self._idf[known]
        total = float(weights.sum()) + unseen * (len(terms) - len(known))
        found = self._holds[:, known] @ weights
        return np.asarray(found / total, dtype=np.float32)

    def query_terms(self, question: str) -> list[str]:
        """The question's terms; a Latin-script name becomes the Arabic word it transliterates."""
        terms: list[str] = []
        for token in tokenize(question):
            if token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
                continue
            if token.isascii() and token.isalpha():
                skeleton = latin_skeleton(token)
                if len(skeleton) >= MIN_SKELETON and skeleton in self._by_skeleton:
                    terms.extend(sorted(self._by_skeleton[skeleton]))
                    continue
            terms.append(stem(token))
        return terms


def _skeleton_map(texts: Sequence[str]) -> dict[str, set[str]]:
    """Consonant skeleton -> stems of the Arabic words that have it."""
    mapping: dict[str, set[str]] = {}
    for text in texts:
        for token in tokenize(text):
            if token.isascii() or token in STOPWORDS:
                continue
            # The word may start with a clitic or with a letter that only looks like one.
            for form in {token, strip_prefix(token)}:
                skeleton = arabic_skeleton(form)
                if len(skeleton) >= MIN_SKELETON:
                    mapping.setdefault(skeleton, set()).add(stem(token))
    return mapping
