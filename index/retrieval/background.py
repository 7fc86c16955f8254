"""How close a question comes to text that has nothing to do with it.

E5's cosines depend on the question as much as on the text: English questions
about the seed article reach lower best cosines (0.76-0.80) than Arabic ones
(0.82-0.90), below some off-topic Arabic questions, and a short chatty
question ("tell me a joke") scores high against everything. Measuring the
article's best cosine against the same question's cosines to a fixed set of
unrelated sentences (``background.txt``: 256 encyclopedia sentences on varied
topics) removes both effects, so the abstention decision means about the same
whatever language the question is asked in.

The background's vectors are computed once per model (a few seconds) and kept in
the models folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedding.embedder import Embedder

BACKGROUND_TEXT = Path(__file__).with_name("background.txt")


def background_sentences() -> list[str]:
    return [
        line.strip()
        for line in BACKGROUND_TEXT.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@dataclass(frozen=True, slots=True)
class Background:
    """Vectors of the background sentences (one row each)."""

    vectors: np.ndarray

    def stats(self, query_vectors: np.ndarray) -> np.ndarray:
        """Per question: the mean and standard deviation of its background cosines."""
        cosines = np.atleast_2d(query_vectors) @ self.vectors.T
        return np.stack([cosines.mean(axis=1), cosines.std(axis=1)], axis=1)


def load_background(embedder: Embedder, cache_dir: Path | None = None) -> Background:
    """The background embedded by ``embedder``; cached in ``cache_dir`` per model and text."""
    texts = background_sentences()
    cache = None
    if cache_dir is not None:
        key = hashlib.sha256(json.dumps([embedder.name, embedder.weights, texts]).encode())
        cache = cache_dir / f"background-{key.hexdigest()[:16]}.npy"
        if cache.is_file():
            return Background(np.load(cache))
    vectors = embedder.embed_documents(texts)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return Background(vectors)
