"""The torch-free int8 encoder: the same vectors as the int8 model inside sentence-transformers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedding.convert import ensure_converted_model
from index.embedding.onnx_encoder import open_onnx_text_encoder
from index.embedding.onnx_export import load_onnx_int8
from tests.conftest import MODELS_DIR, REPO_ROOT

TEXTS = [
    "ما موقف روسيا من وقف القصف؟",
    "  Who did Lavrov meet?  ",
    "وقال لافروف في مستهل هذا الاجتماع الثنائي في ميونيخ (جنوب ألمانيا)، " * 60,  # truncated
]


@pytest.fixture(scope="module")
def exported(converted_model_dir: Path):
    """The int8 model through sentence-transformers (exports the graph if needed)."""
    # The float32 weights are released after an export; this path needs them back.
    ensure_converted_model(converted_model_dir.parent)
    return load_onnx_int8(converted_model_dir)


def test_encodes_like_the_sentence_transformers_int8_model(converted_model_dir, exported):
    light = open_onnx_text_encoder(converted_model_dir)
    assert light is not None
    assert light.get_embedding_dimension() == exported.get_embedding_dimension()
    options = {"normalize_embeddings": True, "convert_to_numpy": True}
    for name in ("encode_query", "encode_document"):
        ours = getattr(light, name)(TEXTS, **options)
        theirs = getattr(exported, name)(TEXTS, **options)
        assert ours.shape == theirs.shape
        assert np.min(np.sum(ours * theirs, axis=1)) > 0.9999


def _linked_copy(source: Path, target: Path, *, skip: str = "") -> Path:
    target.mkdir()
    for item in source.iterdir():
        if item.name != skip:
            (target / item.name).symlink_to(item)
    return target


def test_other_module_chains_are_left_to_sentence_transformers(converted_model_dir, tmp_path):
    folder = _linked_copy(converted_model_dir, tmp_path / "m", skip="modules.json")
    modules = json.loads((converted_model_dir / "modules.json").read_text(encoding="utf-8"))
    (folder / "modules.json").write_text(json.dumps(modules[:2]), encoding="utf-8")  # no Normalize
    assert open_onnx_text_encoder(folder) is None


def test_a_folder_without_the_exported_graph_is_left_to_the_exporter(converted_model_dir, tmp_path):
    assert (
        open_onnx_text_encoder(_linked_copy(converted_model_dir, tmp_path / "m", skip="onnx"))
        is None
    )


def test_answering_on_the_default_backend_does_not_import_torch(exported):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from index.embedding import ModelSpec, load_embedder\n"
        f"embedder = load_embedder(ModelSpec(models_dir=Path({str(MODELS_DIR)!r})))\n"
        "assert embedder.embed_queries(['سؤال']).shape == (1, embedder.dim)\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_int8_encoder_fits_in_a_small_server(exported):
    """Loading the default int8 encoder and embedding stays far below a 512 MB server.

    Before the word table left the graph and the tokenizer left the ``tokenizers`` trie,
    this process peaked at about 720 MiB.
    """
    code = (
        "from pathlib import Path\n"
        "from index.embedding import ModelSpec, load_embedder\n"
        f"embedder = load_embedder(ModelSpec(models_dir=Path({str(MODELS_DIR)!r})))\n"
        "embedder.embed_documents(['جملة عن موضوع ما في مقال إخباري طويل.'] * 20)\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print(int(status) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert int(result.stdout.split()[-1]) < 250
