"""Lexical matching: BM25 (bm25s) over normalised, stemmed Arabic terms, plus term coverage.

Besides the stems, coverage is also measured over the character trigrams of the
words: Arabic glues clitics to words and forms plurals inside the stem (كتاب,
كتب), so a question and its answer often share most of a word's letters while
the stemmer gives them different stems.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cached_property

import bm25s
import numpy as np
from scipy import sparse

from index.text.normalize import STOPWORDS, content_terms, stem, strip_prefix, tokenize
from index.text.transliteration import MIN_SKELETON, arabic_skeleton, latin_skeleton

_SPACE = ord(" ")
# A Latin word written with a capital first letter: what an English question names.
_CAPITALISED = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]*")
# Bits per code point when three of them are packed into one integer (U+10FFFF < 2**21).
_CODE_BITS = 21


class LexicalIndex:
    """BM25 scores and IDF-weighted coverage of a question's terms, per sentence."""

    def __init__(self, texts: Sequence[str]) -> None:
        docs = [content_terms(t) for t in texts]
        self._texts = texts
        self._n = len(docs)
        self._column: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        for row, terms in enumerate(docs):
            for term in dict.fromkeys(terms):
                rows.append(row)
                columns.append(self._column.setdefault(term, len(self._column)))
        self._terms = _Incidence(self._n, rows, columns, len(self._column))
        # Character trigrams are kept as packed integers (a sorted array, not a dict of
        # strings): a corpus holds thousands of them.
        grams = [trigram_codes(t) for t in texts]
        every = np.concatenate([np.empty(0, np.int64), *grams])
        self._trigrams = np.unique(every)
        self._trigram_holds = _Incidence(
            self._n,
            np.repeat(np.arange(self._n), [len(g) for g in grams]),
            np.searchsorted(self._trigrams, every),
            len(self._trigrams),
        )
        self._bm25: bm25s.BM25 | None = None
        if self._n and any(docs):
            self._bm25 = bm25s.BM25()
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
        known = sorted(self._column[t] for t in terms if t in self._column)
        return self._terms.shares(known, len(terms) - len(known))

    def char_coverage(self, question: str) -> np.ndarray:
        """Share of the IDF mass of the question's character trigrams found in each sentence.

        Catches what stems miss: a word with another clitic, a broken plural, a
        spelling variant; like :meth:`coverage`, unknown trigrams weigh the most.
        """
        codes = trigram_codes(question)
        where = np.searchsorted(self._trigrams, codes)
        found = where < len(self._trigrams)
        found[found] = self._trigrams[where[found]] == codes[found]
        return self._trigram_holds.shares(where[found].tolist(), int((~found).sum()))

    def query_terms(self, question: str) -> list[str]:
        """The question's terms; a Latin-script name becomes the Arabic word it transliterates.

        Only capitalised Latin words count as names: a common English word shares its
        consonants with some Arabic word by chance ("help" / "حلب", Aleppo), and on the
        fitting sets' questions in English transliterating them too cost as much as it found.
        """
        names = {m.group(0).lower() for m in _CAPITALISED.finditer(question)}
        terms: list[str] = []
        for token in tokenize(question):
            if token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
                continue
            if token in names and token.isascii() and token.isalpha():
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


def trigram_codes(text: str) -> np.ndarray:
    """The distinct character trigrams of the text's content words, packed into integers.

    Words are normalised and stopwords dropped; each word is read with a space on
    either side, so its first and last letters make trigrams of their own, and no
    trigram spans two words.
    """
    words = [t for t in tokenize(text) if t not in STOPWORDS]
    if not words:
        return np.empty(0, dtype=np.int64)
    points = np.frombuffer(f" {' '.join(words)} ".encode("utf-32-le"), dtype=np.uint32)
    points = points.astype(np.int64)
    codes = (points[:-2] << (2 * _CODE_BITS)) | (points[1:-1] << _CODE_BITS) | points[2:]
    unique: np.ndarray = np.unique(codes[points[1:-1] != _SPACE])
    return unique


class _Incidence:
    """Which sentence holds which term, and each term's IDF.

    A sparse sentences x terms matrix: coverage is then one sparse product per
    question instead of a Python loop over the sentences (a chat may hold thousands),
    and it takes 5 bytes per (sentence, term) pair.
    """

    def __init__(
        self,
        n: int,
        rows: Sequence[int] | np.ndarray,
        columns: Sequence[int] | np.ndarray,
        width: int,
    ) -> None:
        self._n = n
        columns = np.asarray(columns, dtype=np.int64)
        self._holds = sparse.csc_matrix(
            (np.ones(len(columns), dtype=np.int8), (np.asarray(rows, dtype=np.int64), columns)),
            shape=(n, width),
        )
        df = np.bincount(columns, minlength=width)
        self._idf = np.log(1 + (n - df + 0.5) / (df + 0.5))

    def shares(self, known: Sequence[int], unknown: int) -> np.ndarray:
        """Per sentence, its share of the IDF mass of ``known`` columns and ``unknown`` terms."""
        if not self._n or not (len(known) + unknown):
            return np.zeros(self._n, dtype=np.float32)
        unseen = math.log(1 + (self._n + 0.5) / 0.5)
        columns = np.asarray(sorted(known), dtype=np.int64)
        weights = self._idf[columns]
        total = float(weights.sum()) + unseen * unknown
        # The columns' entries read straight from the CSC arrays: scipy's column indexing
        # checks and copies so much per call that it took 0.1 ms a question on its own.
        starts, ends = self._holds.indptr[columns], self._holds.indptr[columns + 1]
        lengths = ends - starts
        entries = np.repeat(ends - lengths.cumsum(), lengths) + np.arange(lengths.sum())
        found = np.bincount(
            self._holds.indices[entries],
            weights=np.repeat(weights, lengths) * self._holds.data[entries],
            minlength=self._n,
        )
        return np.asarray(found / total, dtype=np.float32)
