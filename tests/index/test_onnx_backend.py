"""The onnx-int8 backend: encodes like the torch model, prompts included, exported only once.

The first run of this file exports and quantises the converted model into
``data/models/.../onnx/`` (about a minute); later runs only open that file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from index.errors import ModelLoadError
from index.onnx_backend import _export_quantized, load_onnx_int8
from index.onnx_files import DEFAULT_QUANT, fingerprint, onnx_model_path, open_if_current

# Measured on xquad-ar (4,240 texts): min cosine 0.989, mean 0.997; the bound keeps a margin.
MIN_COSINE = 0.98

SENTENCES = [
    "ما هي عاصمة فرنسا؟",
    "باريس هي عاصمة فرنسا وأكبر مدنها، وتقع على نهر السين.",
    "متى تأسست جامعة القاهرة؟",
    "أعلنت وزارة الصحة عن افتتاح مستشفى جديد في مدينة الإسكندرية يضم مئتي سرير.",
    "فاز المنتخب المغربي على نظيره البرتغالي بهدف دون رد في ربع النهائي.",
    "Who wrote the novel about the Cairo trilogy?",
    "Naguib Mahfouz won the Nobel Prize in Literature in 1988.",
    "The central bank raised interest rates by half a point on Thursday.",
]


@pytest.fixture(scope="module")
def onnx_model(converted_model_dir: Path):
    return load_onnx_int8(converted_model_dir)


@pytest.fixture(scope="module")
def torch_vectors(sentence_model) -> dict[str, np.ndarray]:
    return {
        "query": sentence_model.encode_query(SENTENCES, convert_to_numpy=True),
        "document": sentence_model.encode_document(SENTENCES, convert_to_numpy=True),
    }


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_queries_match_the_torch_model(onnx_model, torch_vectors) -> None:
    fast = onnx_model.encode_query(SENTENCES, convert_to_numpy=True)
    exact = torch_vectors["query"]
    assert fast.shape == exact.shape == (len(SENTENCES), 384)
    assert _cosines(fast, exact).min() >= MIN_COSINE


def test_documents_match_the_torch_model(onnx_model, torch_vectors) -> None:
    fast = onnx_model.encode_document(SENTENCES, convert_to_numpy=True)
    assert _cosines(fast, torch_vectors["document"]).min() >= MIN_COSINE


def test_output_is_normalised(onnx_model) -> None:
    vectors = onnx_model.encode_document(SENTENCES[:3], convert_to_numpy=True)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_prompts_are_applied(onnx_model, torch_vectors) -> None:
    """``query: `` and ``passage: `` reach the ONNX graph: the two differ as torch's do."""
    query = onnx_model.encode_query(SENTENCES, convert_to_numpy=True)
    document = onnx_model.encode_document(SENTENCES, convert_to_numpy=True)
    assert _cosines(query, document).max() < 0.995
    # Each vector sits nearer torch's vector with the same prompt than with the other one.
    assert (
        _cosines(query, torch_vectors["query"]) > _cosines(query, torch_vectors["document"])
    ).all()
    assert (
        _cosines(document, torch_vectors["document"]) > _cosines(document, torch_vectors["query"])
    ).all()


def test_a_vector_does_not_depend_on_its_batch(onnx_model) -> None:
    """Dynamic quantisation ranges are per tensor, so the encoder runs each text alone."""
    alone = np.stack([onnx_model.encode_document([s])[0] for s in SENTENCES])
    batched = onnx_model.encode_document(SENTENCES, convert_to_numpy=True, batch_size=8)
    np.testing.assert_allclose(batched, alone, atol=1e-6)


def test_second_load_reuses_the_exported_file(onnx_model, converted_model_dir: Path) -> None:
    path = onnx_model_path(converted_model_dir, DEFAULT_QUANT)
    before = path.stat().st_mtime_ns
    again = load_onnx_int8(converted_model_dir)
    assert path.stat().st_mtime_ns == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".export-")]
    np.testing.assert_allclose(
        again.encode_query(SENTENCES[:2]), onnx_model.encode_query(SENTENCES[:2]), atol=1e-6
    )


def test_a_file_from_other_weights_is_not_used(onnx_model, converted_model_dir: Path) -> None:
    import onnxruntime

    path = onnx_model_path(converted_model_dir, DEFAULT_QUANT)
    current = fingerprint(converted_model_dir, DEFAULT_QUANT)
    assert open_if_current(onnxruntime, path, current, 0) is not None
    assert open_if_current(onnxruntime, path, current.replace("model", "other"), 0) is None


def test_a_failed_export_leaves_nothing_behind(tmp_path: Path) -> None:
    class Broken:
        model = None

        @property
        def tokenizer(self):
            raise RuntimeError("tokenizer exploded")

    target = tmp_path / "onnx" / DEFAULT_QUANT.file_name
    target.parent.mkdir()
    with pytest.raises(ModelLoadError, match=r"cannot export.*tokenizer exploded"):
        _export_quantized(Broken(), target, "{}", DEFAULT_QUANT)
    assert list(target.parent.iterdir()) == []


def test_missing_runtime_says_what_to_do(monkeypatch, converted_model_dir: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ModelLoadError, match=r"pip install -e \..*EMBEDDING_BACKEND=torch"):
        load_onnx_int8(converted_model_dir)


def test_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="sentence-transformers folder"):
        load_onnx_int8(tmp_path)
