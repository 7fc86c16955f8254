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

from index.embedding.convert import ensure_converted_model
from index.embedding.onnx_export import _export_quantized, load_onnx_int8
from index.embedding.onnx_files import (
    DEFAULT_QUANT,
    REDUCED_WEIGHT_RANGE,
    fingerprint,
    onnx_model_path,
    open_if_current,
    word_table_path,
)
from index.errors import ModelLoadError

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
    # The float32 weights are released after an export; the exporter path needs them back.
    ensure_converted_model(converted_model_dir.parent)
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
    table = word_table_path(converted_model_dir)
    assert open_if_current(onnxruntime, path, current, 0, table) is not None
    assert (
        open_if_current(onnxruntime, path, current.replace("conversion", "other"), 0, table) is None
    )


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


def test_word_table_lives_outside_the_graph(onnx_model, converted_model_dir) -> None:
    """The 250k x 384 table is read row by row from its file, not loaded into every process."""
    import onnx

    graph = onnx.load(str(onnx_model_path(converted_model_dir)), load_external_data=False)
    shapes = [tuple(init.dims) for init in graph.graph.initializer]
    assert not [shape for shape in shapes if len(shape) == 2 and shape[0] > 100_000]
    table = onnx_model[0].model.graph.table
    rows = table.shape[0]
    assert table.dtype == np.float16 and rows > 250_000 and table.shape[1] == 384
    stored = np.load(word_table_path(converted_model_dir), mmap_mode="r")
    ids = np.array([[0, 5, rows - 1, 5, 2]])
    np.testing.assert_array_equal(table.lookup(ids), stored[ids].astype(np.float32))
    with pytest.raises(IndexError):
        table.lookup(np.array([[rows]]))


def test_integer_products_cannot_saturate_on_any_kernel(converted_model_dir) -> None:
    """Every integer MatMul is u8 activations x s8 weights in [-64, 64]: exact on every kernel.

    ONNX Runtime's u8 x s8 kernels for CPUs without VNNI add each pair of products in a
    16-bit register; with weights at most 64 in magnitude a pair is at most 2 x 255 x 64 =
    32640, so no sum can saturate, and VNNI, AMX and the widening kernels are exact anyway.
    This is a property of the file, checked without relying on this machine's CPU.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_model_path(converted_model_dir)))
    inits = {init.name: init for init in model.graph.initializer}
    products = [n for n in model.graph.node if n.op_type in ("MatMulInteger", "ConvInteger")]
    assert len(products) >= 12 * 6  # every projection of every layer is quantised
    quantisers = {
        out
        for n in model.graph.node
        if n.op_type == "DynamicQuantizeLinear"
        for out in n.output[:1]
    }
    low, high = REDUCED_WEIGHT_RANGE
    assert 2 * 255 * max(-low, high) <= np.iinfo(np.int16).max
    for node in products:
        activations, weights = node.input[0], node.input[1]
        assert activations in quantisers  # DynamicQuantizeLinear: always uint8
        assert inits[weights].data_type == onnx.TensorProto.INT8, node.name
        values = numpy_helper.to_array(inits[weights])
        assert low <= int(values.min()) and int(values.max()) <= high, node.name
        zero = numpy_helper.to_array(inits[node.input[3]])
        assert not zero.any(), node.name  # symmetric weights: the products are the raw bytes


def test_one_layer_equals_an_exact_integer_reference(converted_model_dir) -> None:
    """The first quantised projection, run by ONNX Runtime on this CPU, equals numpy's int64.

    Activations at the ends of the u8 range, against the file's weights and against weights
    at the ends of the allowed range, are where a 16-bit intermediate sum would saturate;
    the result must be exact whatever kernel the CPU selects.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_model_path(converted_model_dir)))
    inits = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    node = next(n for n in model.graph.node if n.op_type == "MatMulInteger")
    weights, weight_zero = inits[node.input[1]], inits[node.input[3]]
    rng = np.random.default_rng(0)
    activations = rng.choice(np.array([0, 1, 254, 255], dtype=np.uint8), (7, weights.shape[0]))
    low, high = REDUCED_WEIGHT_RANGE
    extreme = rng.choice(np.array([low, high], dtype=np.int8), weights.shape)
    for matrix in (weights, extreme):
        ours = _run_one_matmul(activations, np.uint8(3), matrix, weight_zero)
        exact = (activations.astype(np.int64) - 3) @ (
            matrix.astype(np.int64) - weight_zero.astype(np.int64)
        )
        np.testing.assert_array_equal(ours, exact)


def _run_one_matmul(
    activations: np.ndarray, activation_zero: np.uint8, weights: np.ndarray, weight_zero: np.ndarray
) -> np.ndarray:
    import onnx
    import onnxruntime
    from onnx import helper, numpy_helper

    single = helper.make_model(
        helper.make_graph(
            [helper.make_node("MatMulInteger", ["a", "w", "az", "wz"], ["y"])],
            "one_layer",
            [helper.make_tensor_value_info("a", onnx.TensorProto.UINT8, list(activations.shape))],
            [helper.make_tensor_value_info("y", onnx.TensorProto.INT32, None)],
            [
                numpy_helper.from_array(weights, "w"),
                numpy_helper.from_array(np.array(activation_zero), "az"),
                numpy_helper.from_array(weight_zero, "wz"),
            ],
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    session = onnxruntime.InferenceSession(
        single.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (result,) = session.run(None, {"a": activations})
    return np.asarray(result)


def test_a_graph_without_its_word_table_is_exported_again(onnx_model, converted_model_dir) -> None:
    import onnxruntime

    path = onnx_model_path(converted_model_dir)
    current = fingerprint(converted_model_dir, DEFAULT_QUANT)
    missing = converted_model_dir / "onnx" / "absent.npy"
    assert open_if_current(onnxruntime, path, current, 0, missing) is None


def test_an_export_removes_exports_made_with_other_settings(tmp_path: Path) -> None:
    from index.embedding.onnx_export import _remove_other_exports

    names = [DEFAULT_QUANT.file_name, DEFAULT_QUANT.table_file_name]
    names += [*DEFAULT_QUANT.tokenizer_file_names, "model_quint8_avx2_matmul.onnx"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / ".export.lock").write_text("", encoding="utf-8")
    _remove_other_exports(tmp_path, DEFAULT_QUANT)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[:-1], ".export.lock"])
