"""The model's Unigram tokenizer run by sentencepiece: the same ids at a fraction of the memory.

Why: the ``tokenizers`` library keeps the 250,002 Unigram pieces of multilingual-e5 in a
character trie of hash maps, about 280 MiB and a second to load: more than the whole
answering process needs besides.  sentencepiece runs the same search (the most probable
split into pieces, unknown characters fused into one ``<unk>``) over a double-array trie
of a few MiB that loads in milliseconds.  Only the piece search moves: the text is still
normalised by the model's own ``tokenizers`` normaliser, and the Metaspace step (spaces
become ``▁``, one is put in front) and the ``<s> … </s>`` template are done here exactly as
``tokenizer.json`` describes them; anything else about a tokenizer (another model type,
pre-tokenizer or template) is not converted and the caller keeps the ``tokenizers`` one.

The piece table is written once next to the exported graph (:func:`write_unigram_files`),
and a test checks that the ids equal the ``tokenizers`` library's over thousands of texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_META_VERSION = 1
_SPACE = "▁"


@dataclass(frozen=True, slots=True)
class Encoding:
    """What the encoder reads from a tokenizer's output (like ``tokenizers.Encoding.ids``)."""

    ids: list[int]


class UnigramTokenizer:
    """Encodes a text into the ids ``tokenizer.json`` gives it (see module doc)."""

    def __init__(
        self, processor: Any, normalizer: Any, meta: dict[str, Any], max_length: int
    ) -> None:
        self._processor = processor
        self._normalizer = normalizer
        self._bos = int(meta["bos_id"])
        self._eos = int(meta["eos_id"])
        # Room for the pieces once <s> and </s> are added (tokenizers truncates the same way).
        self._max_pieces = max(max_length - 2, 0)

    def encode(self, text: str) -> Encoding:
        normalized = self._normalizer.normalize_str(text).replace(" ", _SPACE)
        if not normalized.startswith(_SPACE):  # Metaspace, prepend_scheme "always"
            normalized = _SPACE + normalized
        pieces: list[int] = self._processor.encode(normalized, out_type=int)
        return Encoding([self._bos, *pieces[: self._max_pieces], self._eos])


def write_unigram_files(tokenizer_json: Path, model_file: Path, meta_file: Path) -> bool:
    """Write sentencepiece's piece table and the rest of the pipeline; False if unsupported."""
    from sentencepiece import sentencepiece_model_pb2

    spm_model: Any = sentencepiece_model_pb2  # generated protobuf classes: untyped

    config = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    meta = _supported_meta(config)
    if meta is None:
        return False
    vocab = config["model"]["vocab"]
    unk_id = int(config["model"]["unk_id"])
    proto = spm_model.ModelProto()
    for index, (piece, score) in enumerate(vocab):
        entry = proto.pieces.add()
        entry.piece = piece
        entry.score = float(score)
        if index == unk_id:
            entry.type = spm_model.ModelProto.SentencePiece.Type.UNKNOWN
    # Every other piece is a normal one, "<s>" and "</s>" included: ``tokenizers`` searches
    # them like any other, and the template adds the real ones around the text here.
    proto.trainer_spec.model_type = spm_model.TrainerSpec.UNIGRAM
    proto.trainer_spec.vocab_size = len(vocab)
    proto.trainer_spec.unk_id = unk_id
    proto.trainer_spec.bos_id = -1
    proto.trainer_spec.eos_id = -1
    proto.trainer_spec.pad_id = -1
    # The text arrives normalised and with its spaces already turned into "▁".
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = False
    model_file.write_bytes(proto.SerializeToString())
    meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return True


def open_unigram_tokenizer(
    model_file: Path, meta_file: Path, max_length: int
) -> UnigramTokenizer | None:
    """The tokenizer written by :func:`write_unigram_files`, or None if absent or unreadable."""
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("version") != _META_VERSION:
            return None
        import sentencepiece
        from tokenizers import Tokenizer

        processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        # A one-piece tokenizer carrying the model's normaliser (normalisers cannot be
        # loaded from JSON on their own).
        shell = {
            "version": "1.0",
            "normalizer": meta["normalizer"],
            "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]},
        }
        normalizer = Tokenizer.from_str(json.dumps(shell)).normalizer
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError):
        return None
    if normalizer is None:
        return None
    return UnigramTokenizer(processor, normalizer, meta, max_length)


def _supported_meta(config: dict[str, Any]) -> dict[str, Any] | None:
    """The settings this module reproduces, read from ``tokenizer.json``; None if it cannot."""
    model = config.get("model") or {}
    pre = config.get("pre_tokenizer") or {}
    post = config.get("post_processor") or {}
    if (
        model.get("type") != "Unigram"
        or model.get("byte_fallback")
        or pre.get("type") != "Metaspace"
        or pre.get("replacement") != _SPACE
        or pre.get("prepend_scheme") != "always"
        or pre.get("split") is not False
        or post.get("type") != "TemplateProcessing"
        or config.get("normalizer") is None
    ):
        return None
    single = post.get("single") or []
    shape = [next(iter(step)) for step in single]
    if shape != ["SpecialToken", "Sequence", "SpecialToken"]:
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
        "version": _META_VERSION,
        "bos_id": int(bos[0]),
        "eos_id": int(eos[0]),
        "normalizer": config["normalizer"],
    }
