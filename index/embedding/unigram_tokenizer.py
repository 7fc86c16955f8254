"""The model's Unigram tokenizer in a tenth of the memory and load time: the same ids.

Why: the ``tokenizers`` library keeps the 250,002 Unigram pieces of multilingual-e5 in a
character trie of hash maps, about 280 MiB and a second to load, more than the rest of
the answering process needs.  sentencepiece, the other library for this model type, was
measured too: 0.6 s of CPU to build its trie on every start, and its float32 scores choose
differently from ``tokenizers`` (float64) where two splits of a word score within 1e-4
(4 of 5,675 held-out texts).  A plain dict of pieces loads in about 0.15 s, takes about
55 MiB, and the search below is the one ``tokenizers`` runs (its ``encode_optimized``):
the best-scoring split into pieces, positions left to right, pieces shortest first, the
first candidate kept on a tie, a character no piece starts with is ``<unk>`` at the lowest
score minus 10, and runs of ``<unk>`` fused into one.  The text is normalised by the
model's own ``tokenizers`` normaliser (cheap on its own), and the Metaspace step (spaces
become ``▁``, one is put in front) and the ``<s> … </s>`` template are done as
``tokenizer.json`` describes them.  A tokenizer of any other shape is not converted and
the caller keeps the ``tokenizers`` one.  A test checks the ids against ``tokenizers``.

The search runs word by word: no piece holds ``▁`` after its first character (checked when
the pieces load), so every ``▁`` starts a piece and the best split of the whole text is the
best splits of its ``▁``-words put together.  A word's split is then looked up in a bounded
cache: questions repeat words (and the prompt), and a search over one word tries a few
dozen substrings where one over the whole text tried up to sixteen at every character.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_FORMAT = 1
_SPACE = "▁"
_UNK_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY
_NO_SCORE = float("-inf")
# Distinct words whose split is kept: about 200 bytes each, so at most a few MiB.
_WORD_CACHE_SIZE = 16_384
_WORDS = re.compile(f"{_SPACE}[^{_SPACE}]*")


@dataclass(frozen=True, slots=True)
class UnigramFiles:
    """The three files written beside the exported graph."""

    pieces: Path  # one piece a line, in id order
    scores: Path  # float64 .npy, in id order
    pipeline: Path  # JSON: normaliser, special ids, format

    def all(self) -> tuple[Path, Path, Path]:
        return self.pieces, self.scores, self.pipeline


@dataclass(frozen=True, slots=True)
class Encoding:
    """What the encoder reads from a tokenizer's output (like ``tokenizers.Encoding.ids``)."""

    ids: list[int]


class UnigramTokenizer:
    """Encodes a text into the ids ``tokenizer.json`` gives it (see module doc)."""

    def __init__(
        self,
        pieces: list[str],
        scores: list[float],
        normalizer: Any,
        pipeline: dict[str, Any],
        max_length: int,
    ) -> None:
        self._ids = dict(zip(pieces, range(len(pieces)), strict=True))
        self._scores = scores
        self._longest = max(map(len, pieces))
        self._normalizer = normalizer
        self._unk = int(pipeline["unk_id"])
        self._unk_score = min(scores) - _UNK_PENALTY
        self._bos = int(pipeline["bos_id"])
        self._eos = int(pipeline["eos_id"])
        # Room for the pieces once <s> and </s> are added (tokenizers truncates the same way).
        self._max_pieces = max(max_length - 2, 0)
        # Word by word only where it provably gives the same split (see module doc).
        self._by_word = _SPACE in self._ids and not any(_SPACE in p[1:] for p in pieces)
        self._word_split = lru_cache(maxsize=_WORD_CACHE_SIZE)(self._split_word)

    def encode(self, text: str) -> Encoding:
        normalized = self._normalizer.normalize_str(text).replace(" ", _SPACE)
        if not normalized:  # nothing to split: tokenizers adds no "▁" either
            return Encoding([self._bos, self._eos])
        if not normalized.startswith(_SPACE):  # Metaspace, prepend_scheme "always"
            normalized = _SPACE + normalized
        if self._by_word:
            pieces = [p for word in _WORDS.findall(normalized) for p in self._word_split(word)]
        else:
            pieces = self._best_split(normalized)
        return Encoding([self._bos, *pieces[: self._max_pieces], self._eos])

    def _split_word(self, word: str) -> tuple[int, ...]:
        return tuple(self._best_split(word))

    def _best_split(self, text: str) -> list[int]:
        """The highest-scoring split of ``text`` into piece ids (Viterbi, as tokenizers)."""
        size = len(text)
        best = [_NO_SCORE] * (size + 1)
        best[0] = 0.0
        starts = [-1] * (size + 1)  # where the best path's last piece ending here starts
        last = [0] * (size + 1)  # and which piece that is
        find, scores = self._ids.get, self._scores
        for start in range(size):
            here = best[start]
            single = False
            for end in range(start + 1, min(size, start + self._longest) + 1):
                piece = find(text[start:end])
                if piece is None:
                    continue
                single = single or end == start + 1
                score = here + scores[piece]
                if starts[end] < 0 or score > best[end]:
                    best[end], starts[end], last[end] = score, start, piece
            if not single:
                score = here + self._unk_score
                if starts[start + 1] < 0 or score > best[start + 1]:
                    best[start + 1], starts[start + 1], last[start + 1] = score, start, self._unk
        split: list[int] = []
        end = size
        while end > 0:
            if not (last[end] == self._unk and split and split[-1] == self._unk):
                split.append(last[end])
            end = starts[end]
        split.reverse()
        return split


def write_unigram_files(tokenizer_json: Path, files: UnigramFiles) -> bool:
    """Write the pieces, their scores and the pipeline; False if the tokenizer is unsupported."""
    config = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    pipeline = _supported_pipeline(config)
    if pipeline is None:
        return False
    vocab = config["model"]["vocab"]
    pieces = [str(piece) for piece, _ in vocab]
    if any("\n" in piece for piece in pieces) or len(set(pieces)) != len(pieces):
        return False
    files.pieces.write_text("\n".join(pieces), encoding="utf-8")
    np.save(files.scores, np.asarray([score for _, score in vocab], dtype=np.float64))
    files.pipeline.write_text(json.dumps(pipeline, ensure_ascii=False), encoding="utf-8")
    return True


def open_unigram_tokenizer(files: UnigramFiles, max_length: int) -> UnigramTokenizer | None:
    """The tokenizer written by :func:`write_unigram_files`, or None if absent or unreadable."""
    try:
        pipeline = json.loads(files.pipeline.read_text(encoding="utf-8"))
        if not isinstance(pipeline, dict) or pipeline.get("format") != _FORMAT:
            return None
        pieces = files.pieces.read_text(encoding="utf-8").split("\n")
        scores = np.load(files.scores).tolist()
        if len(scores) != len(pieces):
            return None
        from tokenizers import Tokenizer

        # A one-piece tokenizer carrying the model's normaliser (a normaliser cannot be
        # loaded from JSON on its own).
        shell = {
            "version": "1.0",
            "normalizer": pipeline["normalizer"],
            "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]},
        }
        normalizer = Tokenizer.from_str(json.dumps(shell)).normalizer
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError):
        return None
    if normalizer is None:
        return None
    return UnigramTokenizer(pieces, scores, normalizer, pipeline, max_length)


def _supported_pipeline(config: dict[str, Any]) -> dict[str, Any] | None:
    """What this module reproduces, read from ``tokenizer.json``; None if it cannot."""
    model = config.get("model") or {}
    pre = config.get("pre_tokenizer") or {}
    post = config.get("post_processor") or {}
    if (
        model.get("type") != "Unigram"
        or model.get("byte_fallback")
        or model.get("unk_id") is None
        or pre.get("type") != "Metaspace"
        or pre.get("replacement") != _SPACE
        or pre.get("prepend_scheme") != "always"
        or pre.get("split") is not False
        or post.get("type") != "TemplateProcessing"
        or config.get("normalizer") is None
    ):
        return None
    single = post.get("single") or []
    if [next(iter(step)) for step in single] != ["SpecialToken", "Sequence", "SpecialToken"]:
        return None
    special = post.get("special_tokens") or {}
    try:
        bos = special[single[0]["SpecialToken"]["id"]]["ids"]
        eos = special[single[2]["SpecialToken"]["id"]]["ids"]
    except (KeyError, TypeError):
        return None
    if len(bos) != 1 or len(eos) != 1:
        return None
    return {
        "format": _FORMAT,
        "unk_id": int(model["unk_id"]),
        "bos_id": int(bos[0]),
        "eos_id": int(eos[0]),
        "normalizer": config["normalizer"],
    }
