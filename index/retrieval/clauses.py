"""Clauses of long sentences, embedded beside the whole sentence.

A news sentence often carries two facts ("Lavrov said, at the start of his
meeting with Kerry, that ..."); its single vector is dominated by the longer
one. Scoring a sentence by its best clause as well lets a question about the
shorter fact find it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedding.embedder import Embedder

# Punctuation between digits belongs to a number or a time ("3,500", "10:30").
_CLAUSE_BREAK = re.compile(r"[،;؛]|(?<!\d)[,:]|[,:](?!\d)")
# Shorter pieces ("يوم الخميس") carry no fact of their own; they join the clause before.
MIN_CLAUSE_WORDS = 4


def split_clauses(sentence: str) -> list[str]:
    """The sentence's clauses, or [] when it has only one."""
    clauses: list[str] = []
    for piece in _CLAUSE_BREAK.split(sentence):
        piece = piece.strip()
        if not piece:
            continue
        if clauses and len(piece.split()) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]}، {piece}"
        else:
            clauses.append(piece)
    return clauses if len(clauses) > 1 else []


@dataclass(frozen=True, slots=True)
class SentenceVectors:
    """Vectors of sentences and of their clauses; ``clause_owner[i]`` is a sentence index."""

    sentences: np.ndarray
    clauses: np.ndarray
    clause_owner: np.ndarray

    def subset(self, start: int, stop: int) -> SentenceVectors:
        """The vectors of sentences ``start:stop``, owners renumbered from 0."""
        keep = (self.clause_owner >= start) & (self.clause_owner < stop)
        return SentenceVectors(
            self.sentences[start:stop], self.clauses[keep], self.clause_owner[keep] - start
        )

    @staticmethod
    def concat(parts: Sequence[SentenceVectors], dim: int) -> SentenceVectors:
        offsets = np.cumsum([0] + [len(p.sentences) for p in parts])
        if not parts:
            empty = np.zeros((0, dim), dtype=np.float32)
            return SentenceVectors(empty, empty, np.zeros(0, dtype=np.int64))
        return SentenceVectors(
            np.concatenate([p.sentences for p in parts]).astype(np.float32),
            np.concatenate([p.clauses for p in parts]).astype(np.float32),
            np.concatenate(
                [p.clause_owner + off for p, off in zip(parts, offsets, strict=False)]
            ).astype(np.int64),
        )


def embed_sentences(
    embedder: Embedder, texts: Sequence[str], *, progress: bool = False
) -> SentenceVectors:
    """Embed sentences and their clauses in one model call."""
    owners: list[int] = []
    clause_texts: list[str] = []
    for i, text in enumerate(texts):
        for clause in split_clauses(text):
            owners.append(i)
            clause_texts.append(clause)
    vectors = embedder.embed_documents([*texts, *clause_texts], progress=progress)
    return SentenceVectors(
        vectors[: len(texts)], vectors[len(texts) :], np.asarray(owners, dtype=np.int64)
    )
