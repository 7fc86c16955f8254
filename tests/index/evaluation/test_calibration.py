"""Per-model calibration: bundled for the default model, read from a tuned model's folder."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.embedding.embedder import Embedder, ModelSpec
from index.errors import ModelLoadError
from index.retrieval.abstention import AbstentionModel
from index.retrieval.calibration import (
    CALIBRATION_FILE,
    DEFAULT_CALIBRATION,
    Calibration,
    calibration_for,
    save_calibration,
)
from index.retrieval.query_adapter import QueryAdapter
from index.retrieval.ranking import FusionWeights

REPO_ROOT = Path(__file__).resolve().parents[3]

TUNED = Calibration(
    FusionWeights(dense=0.6, bm25=0.4, coverage=0.3, clause_share=0.35),
    AbstentionModel(bias=-8.0, best_vs_background=2.0, best_coverage=5.0, threshold=0.3),
)


def test_default_model_uses_the_bundled_calibration(tmp_path: Path) -> None:
    assert calibration_for(ModelSpec(models_dir=tmp_path)) is DEFAULT_CALIBRATION


def test_a_folder_without_calibration_uses_the_bundled_one(tmp_path: Path) -> None:
    assert calibration_for(ModelSpec(name=str(tmp_path))) is DEFAULT_CALIBRATION


def test_saved_calibration_is_read_back(tmp_path: Path) -> None:
    save_calibration(tmp_path, TUNED, contexts="dev")
    assert calibration_for(ModelSpec(name=str(tmp_path))) == TUNED


@pytest.mark.parametrize(
    "content", ["{not json", '{"weights": {}}', '{"weights": {"x": 1}, "abstention": {}}']
)
def test_a_broken_calibration_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / CALIBRATION_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ModelLoadError, match=CALIBRATION_FILE):
        calibration_for(ModelSpec(name=str(tmp_path)))


def test_a_saved_query_adapter_is_read_back(tmp_path: Path) -> None:
    matrix = np.eye(4, dtype=np.float32) * 2
    matrix[0, 1] = 0.5
    save_calibration(tmp_path, replace(TUNED, adapter=QueryAdapter(matrix)))
    loaded = calibration_for(ModelSpec(name=str(tmp_path)))
    assert loaded.adapter is not None
    np.testing.assert_array_equal(loaded.adapter.matrix, matrix)


def test_the_service_ranks_and_abstains_with_the_model_s_calibration(
    converted_model_dir: Path, embedder: Embedder, tmp_path: Path
) -> None:
    from index.service import open_service

    model_dir = tmp_path / "tuned"
    model_dir.mkdir()
    for item in converted_model_dir.iterdir():
        (model_dir / item.name).symlink_to(item)
    save_calibration(model_dir, TUNED)
    service, _ = open_service(
        REPO_ROOT / "seeds", tmp_path / "index", ModelSpec(name=str(model_dir)), embedder=embedder
    )
    assert service.policy.weights == TUNED.weights
    assert service.policy.abstention == TUNED.abstention
    assert service.policy.weights != DEFAULT_CALIBRATION.weights


def test_a_calibration_saved_before_the_script_feature_reads_as_before(tmp_path: Path) -> None:
    record = TUNED.as_dict()
    del record["abstention"]["latin_share"]
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps(record), encoding="utf-8")
    loaded = calibration_for(ModelSpec(name=str(tmp_path)))
    assert loaded.abstention.latin_share == 0.0
    assert loaded.abstention.confidence((3.0, 0.5, 1.0)) == TUNED.abstention.confidence(
        (3.0, 0.5, 0.0)
    )
