"""The quantised graph's files: where it lives, how it was made, opening it if current.

Kept apart from :mod:`index.onnx_backend` (which exports through torch) so that encoding
with an existing graph (:mod:`index.onnx_encoder`) never imports torch.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import ModelLoadError

if TYPE_CHECKING:
    import onnxruntime

log = logging.getLogger(__name__)

ONNX_SUBDIR = "onnx"
# Bump when the exported graph changes in a way the fingerprint below would not notice.
EXPORT_FORMAT = 1
META_KEY = "article_bot.onnx_export"
OPSET = 17
# Files whose change means the weights (or the architecture) changed.
_SOURCE_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")
INSTALL_HINT = "reinstall the project (pip install -e .), or set EMBEDDING_BACKEND=torch"


@dataclass(frozen=True, slots=True)
class QuantConfig:
    """How the exported graph is dynamically quantised (ONNX Runtime ``quantize_dynamic``)."""

    name: str
    weight_type: str = "QUInt8"  # "QUInt8" (u8u8 kernels) or "QInt8" (u8s8 kernels)
    per_channel: bool = True
    reduce_range: bool = False
    op_types: tuple[str, ...] = ("MatMul", "Gather")

    @property
    def file_name(self) -> str:
        return f"model_{self.name}.onnx"


# optimum's "avx2" preset, for CPUs with AVX2 but no VNNI (this project's machines): u8 weights
# because u8s8 kernels saturate int16 sums on plain AVX2 (measured: min cosine to torch 0.974
# instead of 0.989), per-channel scales.
AVX2_QUINT8 = QuantConfig(name="quint8_avx2")
# The same with the word-embedding lookup (Gather) kept in fp32: the default.  Quantising the
# Gather too cuts the file from 388 to 112 MiB and is as close to torch on average (mean
# cosine 0.9968 for both over 600 training-set texts) at the same speed (22-23 ms a question),
# but it flipped a near-tie among the seed article's dev questions that torch and this
# variant rank right; a quarter of a gigabyte of disk is the cheaper price.
AVX2_QUINT8_MATMUL = QuantConfig(name="quint8_avx2_matmul", op_types=("MatMul",))
DEFAULT_QUANT = AVX2_QUINT8_MATMUL


def onnx_model_path(model_dir: Path, quant: QuantConfig = DEFAULT_QUANT) -> Path:
    """Where the quantised graph for ``model_dir`` lives (it may not exist yet)."""
    return Path(model_dir) / ONNX_SUBDIR / quant.file_name


def require_runtime() -> Any:
    """Import ONNX Runtime and onnx, or say what to install."""
    try:
        import onnx  # noqa: F401  (the quantiser needs it; fail here rather than mid-export)
        import onnxruntime
        import onnxruntime.quantization
    except ImportError as exc:
        raise ModelLoadError(
            f"the onnx-int8 embedding backend needs onnxruntime and onnx ({exc.name or exc} "
            f"is missing); {INSTALL_HINT}"
        ) from exc
    return onnxruntime


def open_if_current(
    ort: Any, path: Path, fingerprint: str, threads: int
) -> onnxruntime.InferenceSession | None:
    """A session on ``path`` if it exists and was made from the current weights, else None."""
    if not path.is_file():
        return None
    options = ort.SessionOptions()
    # ONNX Runtime's worker threads otherwise spin for a while after every run, taking the
    # cores from whatever runs next (the bot's event loop, or torch: measured, a torch
    # encode right after an int8 one took twice as long).  Not spinning cost int8 nothing.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads > 0:
        options.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a damaged file (e.g. a disk filled up): export it again
        log.warning("Cannot open %s (%s); exporting it again", path, exc)
        return None
    recorded = session.get_modelmeta().custom_metadata_map.get(META_KEY)
    if recorded != fingerprint:
        log.info("%s was made from other weights or settings; exporting it again", path)
        return None
    return session


def weights_stamp(model_dir: Path) -> dict[str, list[int | str]]:
    """Size and content digest of the files that define a model folder's weights.

    Contents, not file times: a folder copied with ``cp -r`` is the same model, while
    one converted or fine-tuned again into the same place is not.  The digest is
    cached beside the files (:mod:`index.file_digest`), so a start hashes nothing new.
    """
    from index.file_digest import file_sha256

    stamp: dict[str, list[int | str]] = {}
    for name in _SOURCE_FILES:
        file = model_dir / name
        if file.is_file():
            stamp[name] = [file.stat().st_size, file_sha256(file)]
    return stamp


def fingerprint(model_dir: Path, quant: QuantConfig) -> str:
    """What the cached file must have been made from: the weights' stamp and the settings."""
    return json.dumps(
        {
            "format": EXPORT_FORMAT,
            "opset": OPSET,
            "quant": asdict(quant),
            "sources": weights_stamp(model_dir),
        },
        sort_keys=True,
    )
