"""The ``onnx-int8`` embedding backend: the same model run by ONNX Runtime with int8 weights.

Why: a question is encoded one at a time on a small CPU, where the torch model spends most of
its time in fp32 matrix products; int8 weights with dynamically quantised activations do the
same work in a fraction of the time at a measured cost in retrieval quality of (near) nothing.

Why not sentence-transformers' own ``backend="onnx"``: it loads through ``optimum.onnxruntime``,
which now lives in the separate ``optimum-onnx`` package, and every released version of that
pins ``transformers<4.58`` while sentence-transformers 6 needs ``transformers>=5``; the two
cannot be installed together.  So this module calls what that path would call underneath:
torch's ONNX exporter, ONNX Runtime's dynamic quantiser (what optimum's ``ORTQuantizer``
wraps), and an ``InferenceSession`` put in place of the torch module inside an otherwise
ordinary :class:`~sentence_transformers.SentenceTransformer`.  Tokenisation, the
``query: ``/``passage: `` prompts, mean pooling and normalisation therefore stay exactly the
torch backend's.

The quantised file is written once into ``<model_dir>/onnx/`` (through a temporary file and a
rename, under a lock) and reused afterwards; it records which weights it was made from, so a
changed model folder is exported again instead of being served stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from index.errors import ModelLoadError

if TYPE_CHECKING:
    import onnxruntime
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

ONNX_SUBDIR = "onnx"
# Bump when the exported graph changes in a way the fingerprint below would not notice.
EXPORT_FORMAT = 1
_META_KEY = "article_bot.onnx_export"
_LOCK_FILE = ".export.lock"
_STAGING_PREFIX = ".export-"
# Inputs a text encoder may take, in the order the exported graph declares them.
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_OUTPUT_NAME = "last_hidden_state"
_OPSET = 17
# Files whose change means the weights (or the architecture) changed.
_SOURCE_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")
_INSTALL_HINT = "reinstall the project (pip install -e .), or set EMBEDDING_BACKEND=torch"


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


def load_onnx_int8(
    model_dir: Path, *, quant: QuantConfig = DEFAULT_QUANT, threads: int = 0
) -> SentenceTransformer:
    """Load ``model_dir`` with its transformer run by ONNX Runtime on int8 weights.

    Exports and quantises on first use (tens of seconds), then only opens the cached file.
    ``threads`` > 0 sets ONNX Runtime's intra-op threads; 0 keeps its default of one thread per
    core (on 2 cores, 1 thread measured no better).
    The returned model encodes like the torch one; do not ``save()`` it.
    """
    ort = _require_runtime()
    model_dir = Path(model_dir).expanduser()
    if not (model_dir / "modules.json").is_file():
        raise ModelLoadError(
            f"cannot load embedding model {str(model_dir)!r}: the onnx-int8 backend needs a "
            "local sentence-transformers folder and this is not one (no modules.json)"
        )
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.transformer import Transformer

    path = onnx_model_path(model_dir, quant)
    fingerprint = _fingerprint(model_dir, quant)
    session = _open_if_current(ort, path, fingerprint, threads)
    model = SentenceTransformer(str(model_dir), device="cpu")
    transformer = model[0]
    if not isinstance(transformer, Transformer):
        raise ModelLoadError(
            f"the onnx-int8 backend needs a model whose first module is a Transformer; "
            f"{str(model_dir)!r} starts with {type(transformer).__name__}"
        )
    if session is None:
        try:
            with _export_lock(path.parent):
                session = _open_if_current(ort, path, fingerprint, threads)
                if session is None:  # nobody else exported it while we waited
                    _export_quantized(transformer, path, fingerprint, quant)
                    session = _open_if_current(ort, path, fingerprint, threads)
        except OSError as exc:  # e.g. a read-only model folder
            raise ModelLoadError(
                f"cannot write the ONNX export into {str(path.parent)!r} ({exc.strerror or exc}); "
                "load once with write access to the model folder, or use EMBEDDING_BACKEND=torch"
            ) from exc
    if session is None:
        raise ModelLoadError(f"the exported ONNX model {str(path)!r} does not match its source")
    transformer.model = _OrtEncoder(session, transformer.model.config)
    return model


# --------------------------------------------------------------------------- runtime


def _require_runtime() -> Any:
    """Import ONNX Runtime and onnx, or say what to install."""
    try:
        import onnx  # noqa: F401  (the quantiser needs it; fail here rather than mid-export)
        import onnxruntime
        import onnxruntime.quantization
    except ImportError as exc:
        raise ModelLoadError(
            f"the onnx-int8 embedding backend needs onnxruntime and onnx ({exc.name or exc} "
            f"is missing); {_INSTALL_HINT}"
        ) from exc
    return onnxruntime


def _open_if_current(
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
    recorded = session.get_modelmeta().custom_metadata_map.get(_META_KEY)
    if recorded != fingerprint:
        log.info("%s was made from other weights or settings; exporting it again", path)
        return None
    return session


class _OrtEncoder(torch.nn.Module):
    """Stands in for the transformers model: same inputs, ``last_hidden_state`` out."""

    def __init__(self, session: onnxruntime.InferenceSession, config: Any) -> None:
        super().__init__()
        self.session = session
        self.config = config  # sentence-transformers reads the hidden size etc. from here
        self._inputs = [i.name for i in session.get_inputs()]

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def forward(self, **features: Any) -> dict[str, Any]:
        """Run each text alone, without its padding, and pad the outputs back into a batch.

        Why not one batched run: dynamic quantisation takes one activation range per tensor,
        so in a batch a text's vector depends on its neighbours and on the padding (cosine to
        itself alone ~0.995).  Alone it is the same vector whatever the batch, exactly what
        a single question gets, and skipping padding made indexing faster, not slower.
        """
        arrays = {name: features[name].to(torch.int64).numpy() for name in self._inputs}
        mask = arrays.get("attention_mask")
        if mask is None or len(mask) == 1:
            (hidden,) = self.session.run([_OUTPUT_NAME], arrays)
            return {_OUTPUT_NAME: torch.from_numpy(hidden)}
        rows = []
        for i, length in enumerate(mask.sum(axis=1).tolist()):
            # Right padding (the only kind these tokenizers produce) can be cut off; anything
            # else runs as it is.
            end = length if mask[i, :length].all() else mask.shape[1]
            feeds = {name: array[i : i + 1, :end] for name, array in arrays.items()}
            (hidden,) = self.session.run([_OUTPUT_NAME], feeds)
            rows.append(hidden[0])
        out = np.zeros((len(rows), mask.shape[1], rows[0].shape[-1]), dtype=np.float32)
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return {_OUTPUT_NAME: torch.from_numpy(out)}


# --------------------------------------------------------------------------- export


def _fingerprint(model_dir: Path, quant: QuantConfig) -> str:
    """What the cached file must have been made from: weights' size/mtime and the settings."""
    sources = {}
    for name in _SOURCE_FILES:
        file = model_dir / name
        if file.is_file():
            stat = file.stat()
            sources[name] = [stat.st_size, stat.st_mtime_ns]
    return json.dumps(
        {"format": EXPORT_FORMAT, "opset": _OPSET, "quant": asdict(quant), "sources": sources},
        sort_keys=True,
    )


@contextlib.contextmanager
def _export_lock(onnx_dir: Path) -> Iterator[None]:
    """One exporter per model folder at a time; the others wait and then reuse its file."""
    onnx_dir.mkdir(parents=True, exist_ok=True)
    with open(onnx_dir / _LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _export_quantized(transformer: Any, path: Path, fingerprint: str, quant: QuantConfig) -> None:
    """Export fp32, quantise, and rename the result into place; nothing partial survives."""
    for leftover in path.parent.glob(f"{_STAGING_PREFIX}*"):  # from a killed export
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=path.parent))
    log.info("Exporting the embedding model to ONNX int8 (once): %s", path)
    try:
        fp32 = staging / "model.onnx"
        quantized = staging / path.name
        _export_fp32(transformer, fp32, fingerprint)
        _quantize(fp32, quantized, quant)
        os.replace(quantized, path)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(
            f"cannot export the embedding model to ONNX int8 ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); use EMBEDDING_BACKEND=torch"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _export_fp32(transformer: Any, dest: Path, fingerprint: str) -> None:
    """Trace the transformer (eager attention: a plain graph ONNX Runtime can fuse) to ``dest``."""
    import onnx

    hf_model = transformer.model
    tokenizer = transformer.tokenizer
    if tokenizer is None:
        raise ModelLoadError("the onnx-int8 backend needs a text model with a tokenizer")
    # Two texts of different lengths, so the traced graph sees real padding.
    sample = tokenizer(["query: a", "passage: two more words"], padding=True, return_tensors="pt")
    names = [name for name in _INPUT_NAMES if name in sample]

    class _Traceable(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            out = self.inner(**dict(zip(names, inputs, strict=True)), return_dict=True)
            hidden: torch.Tensor = out.last_hidden_state
            return hidden

    if hasattr(hf_model, "set_attn_implementation"):
        hf_model.set_attn_implementation("eager")
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, _OUTPUT_NAME]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter, not actionable here
        torch.onnx.export(
            _Traceable(hf_model).eval(),
            tuple(sample[name] for name in names),
            str(dest),
            dynamo=False,  # the TorchScript exporter: needs no onnxscript
            input_names=names,
            output_names=[_OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=_OPSET,
        )
    graph = onnx.load(str(dest))
    del graph.metadata_props[:]
    graph.metadata_props.add(key=_META_KEY, value=fingerprint)
    onnx.save(graph, str(dest))


def _quantize(source: Path, dest: Path, quant: QuantConfig) -> None:
    """Dynamic (calibration-free) int8 quantisation of ``source``'s weights into ``dest``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_root_logger():
        quantize_dynamic(
            source,
            dest,
            op_types_to_quantize=list(quant.op_types),
            per_channel=quant.per_channel,
            reduce_range=quant.reduce_range,
            weight_type=QuantType[quant.weight_type],
        )


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """The quantiser logs a line per layer (and a pre-processing hint) on the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)
