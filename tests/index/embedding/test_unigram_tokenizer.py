"""The light Unigram tokenizer gives exactly the ids of the ``tokenizers`` library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

from index.embedding.unigram_tokenizer import (
    UnigramFiles,
    open_unigram_tokenizer,
    write_unigram_files,
)
from index.text.articles import read_seeds
from tests.conftest import REPO_ROOT

EDGE_CASES = [
    "",
    " ",
    "  مسافات   كثيرة  في البداية والنهاية  ",
    "شَدَّة وفتحة: مُحَمَّدٌ، والتطويل: شـمّـر",
    "أرقام ٠١٢٣ و 2016 و ٢٠١٦ و ½ و ①",
    "漢字 テスト Ελληνικά Русский 😀 ﷺ 𝕏 ｆｕｌｌ",
    "\U0010fffd\U0010fffc two unknown characters in a row",
    "control\x01\x7f and zero\u200bwidth and tab\tand\nnewline",
    "علامات خاصة كنص: <s> </s> <pad> <unk> <mask>",
    "وقال لافروف في مستهل هذا الاجتماع الثنائي في ميونيخ. " * 80,  # truncated at 512
]


@pytest.fixture(scope="module")
def reference(converted_model_dir: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(converted_model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=512)
    # As the product's tokenizer (split_special_tokens): "</s>" in a text is text.
    tokenizer.encode_special_tokens = True
    return tokenizer


@pytest.fixture(scope="module")
def light(converted_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("unigram")
    files = UnigramFiles(folder / "p.txt", folder / "s.npy", folder / "pipeline.json")
    assert write_unigram_files(converted_model_dir / "tokenizer.json", files)
    tokenizer = open_unigram_tokenizer(files, 512)
    assert tokenizer is not None
    return tokenizer


def _texts() -> list[str]:
    sentences = [s.text for a in read_seeds(REPO_ROOT / "seeds") for s in a.sentences()]
    return [prefix + text for prefix in ("query: ", "passage: ") for text in sentences + EDGE_CASES]


def test_same_ids_as_tokenizers(reference: Tokenizer, light) -> None:
    for text in _texts():
        assert light.encode(text).ids == reference.encode(text).ids, text[:60]


def test_truncates_like_tokenizers(reference: Tokenizer, light) -> None:
    text = EDGE_CASES[-1]
    assert len(light.encode(text).ids) == len(reference.encode(text).ids) == 512


def test_another_tokenizer_shape_is_not_converted(tmp_path: Path) -> None:
    word_level = Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    word_level.pre_tokenizer = pre_tokenizers.Whitespace()
    word_level.save(str(tmp_path / "tokenizer.json"))
    files = UnigramFiles(tmp_path / "p.txt", tmp_path / "s.npy", tmp_path / "pipeline.json")
    assert not write_unigram_files(tmp_path / "tokenizer.json", files)
    assert not files.pieces.exists()


def test_unreadable_files_give_none(tmp_path: Path) -> None:
    files = UnigramFiles(tmp_path / "p.txt", tmp_path / "s.npy", tmp_path / "pipeline.json")
    assert open_unigram_tokenizer(files, 512) is None
    files.pipeline.write_text(json.dumps({"format": 999}), encoding="utf-8")
    assert open_unigram_tokenizer(files, 512) is None


def _small_unigram(folder: Path, vocab: list[tuple[str, float]]) -> Tokenizer:
    """A Unigram tokenizer of the model's shape over ``vocab`` (ids 0-2 are <unk>, <s>, </s>)."""
    specials = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0)]
    tokenizer = Tokenizer(models.Unigram(specials + vocab, unk_id=0))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always", split=False)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    return tokenizer


@pytest.mark.parametrize("spanning", [False, True], ids=["word-pieces", "pieces-across-words"])
def test_small_vocabularies_give_the_same_ids(tmp_path: Path, spanning: bool) -> None:
    """Word by word where no piece crosses a word, over the whole text where one does."""
    vocab = [("▁", -2.0), ("▁a", -1.0), ("a", -1.5), ("b", -1.5), ("▁ab", -2.5), ("ba", -1.2)]
    if spanning:
        vocab.append(("a▁b", -0.1))
    reference = _small_unigram(tmp_path, vocab)
    files = UnigramFiles(tmp_path / "p.txt", tmp_path / "s.npy", tmp_path / "pipeline.json")
    assert write_unigram_files(tmp_path / "tokenizer.json", files)
    light = open_unigram_tokenizer(files, 512)
    assert light is not None
    for text in ["ab ab", "a b ba", "aab  bab", "zz a zz", "", " ", "a zz zz b", "abab ab ba b"]:
        assert light.encode(text).ids == reference.encode(text).ids, text
