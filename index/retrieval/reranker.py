"""The optional re-ranker: reads the question and a candidate sentence together.

Why: most of the shipped ranking's misses have the answering sentence among its first
three, often right next to the sentence ranked first. The embedding model sees the
question and each sentence apart; a model that reads them as one text can tell which of a
few close candidates answers. It is an opt-in (``RERANKER``): training it takes longer
than a fresh install may (see the README), and it adds a few model runs per question.

The model is an ordinary sentence-transformers folder (the embedding model's encoder,
trained on pairs, with no prompts) plus ``reranker.json``, which holds a linear head on
its unit-length vector and how much of its score is added to the shipped one. It
therefore runs on the same int8 path as the embedding model. Only the first
:attr:`Reranker.candidates` sentences are re-scored, and they stay ahead of the rest, so
the re-ranker can reorder the shipped ranking's best few but never pull a sentence up
from further down.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.embedder import Embedder, ModelSpec, load_embedder
from index.errors import ModelLoadError
from index.text.sentences import Sentence

RERANKER_FILE = "reranker.json"
# Bump when the meaning of reranker.json or of the pair text changes.
RERANKER_VERSION = 1


def pair_text(question: str, sentence: str) -> str:
    """The one text the re-ranker reads for a (question, sentence) pair, in training too."""
    return f"query: {question.strip()}\npassage: {sentence.strip()}"


@dataclass(frozen=True, slots=True)
class RerankerHead:
    """The linear unit on the pair's vector, and how its score joins the shipped one."""

    weights: tuple[float, ...]
    bias: float
    # Added to the shipped score: shipped + weight x re-ranker score (both in fused units).
    weight: float
    # How many of the shipped ranking's first sentences are re-scored.
    candidates: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": RERANKER_VERSION,
            "weights": list(self.weights),
            "bias": self.bias,
            "weight": self.weight,
            "candidates": self.candidates,
        }


class Reranker:
    """Scores (question, sentence) pairs; see :func:`reranked_scores` for how they are used."""

    def __init__(self, embedder: Embedder, head: RerankerHead, folder: Path) -> None:
        if len(head.weights) != embedder.dim:
            raise ModelLoadError(
                f"{folder / RERANKER_FILE} has {len(head.weights)} head weights for a "
                f"{embedder.dim}-dimensional model; train the re-ranker again"
            )
        self.embedder = embedder
        self.head = head
        self.folder = folder
        self._weights = np.asarray(head.weights, dtype=np.float32)

    @property
    def candidates(self) -> int:
        return self.head.candidates

    @property
    def weight(self) -> float:
        return self.head.weight

    def scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """One raw score per sentence (higher: more likely to answer ``question``)."""
        vectors = self.embedder.embed_documents([pair_text(question, s) for s in sentences])
        values: np.ndarray = (vectors @ self._weights + self.head.bias).astype(np.float64)
        return values

    def rerank(
        self, question: str, sentences: Sequence[Sentence], scores: np.ndarray
    ) -> np.ndarray:
        """``scores`` (one per sentence, shipped ranking) with the first candidates re-scored."""
        order = np.argsort(-scores, kind="stable")
        top = order[: self.candidates]
        if len(top) < 2:
            return scores
        cross = self.scores(question, [sentences[i].text for i in top])
        return reranked_scores(scores, top, cross, self.weight)


def reranked_scores(
    scores: np.ndarray, top: np.ndarray, cross: np.ndarray, weight: float
) -> np.ndarray:
    """Shipped scores with ``top`` re-scored as shipped + ``weight`` x ``cross``.

    The other sentences move down, by the same amount each, just enough to stay below
    the lowest re-scored one: their order and their gaps to each other are kept.
    """
    out = np.asarray(scores, dtype=np.float64).copy()
    out[top] = out[top] + weight * np.asarray(cross, dtype=np.float64)
    rest = np.ones(len(out), dtype=bool)
    rest[top] = False
    if rest.any():
        overlap = float(out[rest].max() - out[top].min())
        if overlap >= 0:
            out[rest] -= overlap + 1e-3
    result: np.ndarray = out.astype(np.float32)
    return result


def read_head(folder: Path) -> RerankerHead:
    """``reranker.json`` of a re-ranker folder, checked."""
    file = folder / RERANKER_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != RERANKER_VERSION:
            raise ValueError("not a re-ranker record of this version")
        head = RerankerHead(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            weight=float(data["weight"]),
            candidates=int(data["candidates"]),
        )
    except FileNotFoundError as exc:
        raise ModelLoadError(
            f"{folder} is not a re-ranker folder (no {RERANKER_FILE}); train one with "
            "`article-bot train-reranker`, or unset RERANKER"
        ) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{file} is unreadable ({exc.__class__.__name__}); train the re-ranker again, "
            "or unset RERANKER"
        ) from exc
    values = (*head.weights, head.bias, head.weight)
    if head.candidates < 2 or not all(math.isfinite(v) for v in values):
        raise ModelLoadError(f"{file} holds impossible values; train the re-ranker again")
    return head


def load_reranker(folder: Path, backend: str, threads: int = 0) -> Reranker:
    """The re-ranker in ``folder``, on the same backend as the embedding model.

    The int8 graph is exported on first use, as for the embedding model.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ModelLoadError(
            f"RERANKER={folder} is not a folder; train one with `article-bot train-reranker`, "
            "or unset RERANKER"
        )
    head = read_head(folder)
    spec = ModelSpec(str(folder.resolve()), folder.parent, backend, threads)
    return Reranker(load_embedder(spec), head, folder)
