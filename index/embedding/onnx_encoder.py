"""The int8 model without torch: tokenizer, ONNX Runtime session, mean pooling, in numpy.

Why: importing sentence-transformers (and with it torch and transformers) takes about ten
seconds of a seventeen-second cold start, while encoding on the int8 backend needs none
of it once the quantised graph exists.  For the plain model shape this project converts
and fine-tunes (Transformer -> mean Pooling -> Normalize) this module does exactly what
:mod:`index.embedding.onnx_export` does inside sentence-transformers: the prompt is prepended,
each text is run alone without padding, token vectors are averaged and L2-normalised.
Anything else (another pooling, extra modules, no exported graph yet) returns ``None``
and the caller takes the sentence-transformers path, which also exports the graph.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import ModelLoadError

if TYPE_CHECKING:
    from index.embedding.onnx_files import OnnxGraph

log = logging.getLogger(__name__)

# The module chain this encoder reproduces, by the last part of each module's type name.
_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")
_DEFAULT_MAX_LENGTH = 512


class OnnxTextEncoder:
    """Encodes like the sentence-transformers model it was exported from (see module doc)."""

    def __init__(
        self,
        graph: OnnxGraph,
        tokenizer: Any,
        prompts: dict[str, str],
        dimension: int,
    ) -> None:
        self._graph = graph
        self._tokenizer = tokenizer
        self.prompts = prompts
        self._dimension = dimension

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def encode_query(self, texts: Sequence[str], **options: Any) -> np.ndarray:
        return self._encode(texts, self.prompts.get("query", ""), options)

    def encode_document(self, texts: Sequence[str], **options: Any) -> np.ndarray:
        prompt = self.prompts.get("document", self.prompts.get("passage", ""))
        return self._encode(texts, prompt, options)

    def _encode(self, texts: Sequence[str], prompt: str, options: dict[str, Any]) -> np.ndarray:
        rows = [self._embed_one(prompt + text) for text in _progress(texts, options)]
        if not rows:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = np.stack(rows)
        if options.get("normalize_embeddings", False):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
        return vectors.astype(np.float32)

    def _embed_one(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        hidden = self._graph.run({"input_ids": np.asarray([encoding.ids], dtype=np.int64)})
        # The model's own Normalize module: the vector is unit length either way.
        pooled = np.asarray(hidden[0], dtype=np.float64).mean(axis=0)
        vector: np.ndarray = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return vector


def open_onnx_text_encoder(model_dir: Path, threads: int = 0) -> OnnxTextEncoder | None:
    """The torch-free encoder for ``model_dir``, or None when it cannot stand in exactly."""
    from index.embedding.onnx_files import (
        DEFAULT_QUANT,
        fingerprint,
        onnx_model_path,
        open_if_current,
        word_table_path,
    )

    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = tuple(str(m["type"]).rsplit(".", 1)[-1] for m in modules)
        if kinds != _SUPPORTED_MODULES:
            return None
        pooling = _read_json(model_dir / str(modules[1]["path"]) / "config.json")
        if pooling.get("pooling_mode", "mean") != "mean" or not pooling.get("include_prompt", True):
            return None
        config = _read_json(model_dir / "config_sentence_transformers.json")
        prompts = {str(k): str(v) for k, v in (config.get("prompts") or {}).items()}
        max_length = _max_length(model_dir)
        dimension = int(pooling["embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    import onnxruntime

    table = word_table_path(model_dir) if DEFAULT_QUANT.word_table else None
    made_from = fingerprint(model_dir, DEFAULT_QUANT)
    graph = open_if_current(onnxruntime, onnx_model_path(model_dir), made_from, threads, table)
    if graph is None:
        return None
    tokenizer = _open_tokenizer(model_dir, max_length)
    log.debug("Encoding with ONNX Runtime directly (no torch): %s", model_dir)
    return OnnxTextEncoder(graph, tokenizer, prompts, dimension)


def _open_tokenizer(model_dir: Path, max_length: int) -> Any:
    """sentencepiece's copy of the tokenizer if the export wrote one, else ``tokenizers``.

    Why: the same ids (see :mod:`index.embedding.unigram_tokenizer`) in 55 MiB instead of 280.
    """
    from index.embedding.onnx_files import unigram_tokenizer_files
    from index.embedding.unigram_tokenizer import open_unigram_tokenizer

    light = open_unigram_tokenizer(unigram_tokenizer_files(model_dir), max_length)
    if light is not None:
        return light
    from tokenizers import Tokenizer

    tokenizer_file = model_dir / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    except Exception as exc:  # tokenizers reports a damaged file as a bare Exception
        raise ModelLoadError(
            f"cannot read {tokenizer_file}: {exc} (restore the file, or delete the model "
            "folder and the bundled default is converted again)"
        ) from exc
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def _read_json(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a JSON object")
    return loaded


def _max_length(model_dir: Path) -> int:
    """sentence-transformers' rule: the module's own limit, else the tokenizer's."""
    for name, key in (
        ("sentence_bert_config.json", "max_seq_length"),
        ("tokenizer_config.json", "model_max_length"),
    ):
        path = model_dir / name
        if path.is_file():
            value = _read_json(path).get(key)
            if isinstance(value, int) and 0 < value <= 100_000:
                return value
    return _DEFAULT_MAX_LENGTH


def _progress(texts: Sequence[str], options: dict[str, Any]) -> Sequence[str] | Any:
    if not options.get("show_progress_bar"):
        return texts
    from tqdm import tqdm

    return tqdm(texts, desc="Embedding", unit="text")
