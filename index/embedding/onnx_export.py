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
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from index.embedding.onnx_files import (
    DEFAULT_QUANT,
    META_KEY,
    ONNX_SUBDIR,
    OPSET,
    OUTPUT_NAME,
    WORD_VECTORS_INPUT,
    OnnxGraph,
    QuantConfig,
    fingerprint,
    onnx_model_path,
    open_if_current,
    require_runtime,
    word_table_path,
)
from index.errors import ModelLoadError
from index.storage.file_lock import exclusive_lock

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

_LOCK_FILE = ".export.lock"
_STAGING_PREFIX = ".export-"
# Inputs a text encoder may take, in the order the exported graph declares them.
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_OUTPUT_NAME = OUTPUT_NAME


def load_onnx_int8(
    model_dir: Path, *, quant: QuantConfig = DEFAULT_QUANT, threads: int = 0
) -> SentenceTransformer:
    """Load ``model_dir`` with its transformer run by ONNX Runtime on int8 weights.

    Exports and quantises on first use (tens of seconds), then only opens the cached file.
    ``threads`` > 0 sets ONNX Runtime's intra-op threads; 0 keeps its default of one thread per
    core (on 2 cores, 1 thread measured no better).
    The returned model encodes like the torch one; do not ``save()`` it.
    """
    ort = require_runtime()
    model_dir = Path(model_dir).expanduser()
    if not (model_dir / "modules.json").is_file():
        raise ModelLoadError(
            f"cannot load embedding model {str(model_dir)!r}: the onnx-int8 backend needs a "
            "local sentence-transformers folder and this is not one (no modules.json)"
        )
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.transformer import Transformer

    path = onnx_model_path(model_dir, quant)
    table = word_table_path(model_dir, quant) if quant.word_table else None
    made_from = fingerprint(model_dir, quant)
    graph = open_if_current(ort, path, made_from, threads, table)
    model = SentenceTransformer(str(model_dir), device="cpu")
    transformer = model[0]
    if not isinstance(transformer, Transformer):
        raise ModelLoadError(
            f"the onnx-int8 backend needs a model whose first module is a Transformer; "
            f"{str(model_dir)!r} starts with {type(transformer).__name__}"
        )
    if graph is None:
        try:
            # One exporter per model folder at a time; the others wait and reuse its file.
            with exclusive_lock(path.parent / _LOCK_FILE):
                graph = open_if_current(ort, path, made_from, threads, table)
                if graph is None:  # nobody else exported it while we waited
                    _export_quantized(transformer, path, made_from, quant)
                    graph = open_if_current(ort, path, made_from, threads, table)
        except OSError as exc:  # e.g. a read-only model folder
            raise ModelLoadError(
                f"cannot write the ONNX export into {str(path.parent)!r} ({exc.strerror or exc}); "
                "load once with write access to the model folder, or use EMBEDDING_BACKEND=torch"
            ) from exc
    if graph is None:
        raise ModelLoadError(f"the exported ONNX model {str(path)!r} does not match its source")
    transformer.model = _OrtEncoder(graph, transformer.model.config)
    return model


# --------------------------------------------------------------------------- runtime


class _OrtEncoder(torch.nn.Module):
    """Stands in for the transformers model: same inputs, ``last_hidden_state`` out."""

    def __init__(self, graph: OnnxGraph, config: Any) -> None:
        super().__init__()
        self.graph = graph
        self.config = config  # sentence-transformers reads the hidden size etc. from here

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
        names = [name for name in _INPUT_NAMES if name in features]
        arrays = {name: features[name].to(torch.int64).numpy() for name in names}
        mask = arrays.get("attention_mask")
        if mask is None or len(mask) == 1:
            return {_OUTPUT_NAME: torch.from_numpy(self.graph.run(arrays))}
        rows = []
        for i, length in enumerate(mask.sum(axis=1).tolist()):
            # Right padding (the only kind these tokenizers produce) can be cut off; anything
            # else runs as it is.
            end = length if mask[i, :length].all() else mask.shape[1]
            feeds = {name: array[i : i + 1, :end] for name, array in arrays.items()}
            rows.append(self.graph.run(feeds)[0])
        out = np.zeros((len(rows), mask.shape[1], rows[0].shape[-1]), dtype=np.float32)
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return {_OUTPUT_NAME: torch.from_numpy(out)}


# --------------------------------------------------------------------------- export


def _export_quantized(transformer: Any, path: Path, fingerprint: str, quant: QuantConfig) -> None:
    """Export fp32, quantise, and rename the result into place; nothing partial survives.

    The word table (if kept apart) is renamed into place before the graph: a graph whose
    fingerprint is current therefore always has its own table beside it.
    """
    for leftover in path.parent.glob(f"{_STAGING_PREFIX}*"):  # from a killed export
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=path.parent))
    log.info("Exporting the embedding model to ONNX int8 (once): %s", path)
    try:
        fp32 = staging / "model.onnx"
        quantized = staging / path.name
        _export_fp32(transformer, fp32, fingerprint)
        _write_light_tokenizer(path.parent.parent, staging, quant)
        if quant.word_table:
            table = staging / quant.table_file_name
            _move_word_table_out(fp32, table, quant.word_table)
            os.replace(table, path.parent / quant.table_file_name)
        _quantize(fp32, quantized, quant)
        os.replace(quantized, path)
        _remove_other_exports(path.parent, quant)
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
            opset_version=OPSET,
        )
    graph = onnx.load(str(dest))
    del graph.metadata_props[:]
    graph.metadata_props.add(key=META_KEY, value=fingerprint)
    onnx.save(graph, str(dest))


def _remove_other_exports(folder: Path, quant: QuantConfig) -> None:
    """Delete files of exports made with other settings (an older version's 389 MiB graph)."""
    keep = {quant.file_name, quant.table_file_name, *quant.tokenizer_file_names}
    for stale in folder.glob("model_*"):
        if stale.is_file() and stale.name not in keep:
            log.info("Removing an export made with other settings: %s", stale.name)
            stale.unlink(missing_ok=True)


def _write_light_tokenizer(model_dir: Path, staging: Path, quant: QuantConfig) -> None:
    """Put the light copy of a Unigram tokenizer beside the graph, if it has one."""
    from index.embedding.unigram_tokenizer import UnigramFiles, write_unigram_files

    source = model_dir / "tokenizer.json"
    staged = UnigramFiles(*(staging / name for name in quant.tokenizer_file_names))
    if source.is_file() and write_unigram_files(source, staged):
        for file in staged.all():
            os.replace(file, model_dir / ONNX_SUBDIR / file.name)


def _move_word_table_out(graph_path: Path, table_path: Path, dtype: str) -> None:
    """Cut the word-embedding lookup out of the graph and save its table as ``dtype``.

    Why: the table is 250,037 x 384 floats, three quarters of the model, and ONNX Runtime
    loads an initializer whole into memory; a question uses a few dozen of its rows.  The
    Gather's output becomes a graph input (:data:`WORD_VECTORS_INPUT`) that the encoder fills
    from a memory-mapped ``.npy`` file, so only the rows of the pieces seen are ever read.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(graph_path))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    lookups = [
        node
        for node in graph.node
        if node.op_type == "Gather" and node.input[0] in weights and node.input[1] == "input_ids"
    ]
    if len(lookups) != 1:
        raise ModelLoadError(f"expected one word-embedding lookup, found {len(lookups)}")
    lookup = lookups[0]
    table = numpy_helper.to_array(weights[lookup.input[0]])
    np.save(table_path, table.astype(dtype))
    graph.node.remove(lookup)
    graph.initializer.remove(weights[lookup.input[0]])
    for node in graph.node:  # its consumers now read the new input
        for i, name in enumerate(node.input):
            if name == lookup.output[0]:
                node.input[i] = WORD_VECTORS_INPUT
    graph.input.append(
        onnx.helper.make_tensor_value_info(
            WORD_VECTORS_INPUT, onnx.TensorProto.FLOAT, ["batch", "sequence", table.shape[1]]
        )
    )
    onnx.save(model, str(graph_path))


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
