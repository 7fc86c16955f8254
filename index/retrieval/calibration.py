"""Per-model calibration: the fusion weights and the abstention model that go with a model.

Both depend on the embedding model's score distribution: a fine-tuned model spreads
its cosines differently, so the bundled constants (fitted for the default model)
would refuse questions it answers well.  A model folder may therefore carry its own
``calibration.json``, fitted on data the model was not trained on; without one the
bundled constants apply.

Fitting lives in :mod:`index.evaluation.fitting` (it needs scikit-learn, the ``train`` extra); this
module only loads and saves, so the answering path never imports the fitting code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.embedder import ModelSpec
from index.errors import ModelLoadError
from index.retrieval.abstention import DEFAULT_ABSTENTION, AbstentionModel
from index.retrieval.query_adapter import ADAPTER_FILE, QueryAdapter
from index.retrieval.ranking import HYBRID_WEIGHTS, FusionWeights

log = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the answering service needs besides the model to rank and to abstain."""

    weights: FusionWeights
    abstention: AbstentionModel
    # A linear map applied to question vectors before ranking and abstaining, if fitted.
    adapter: QueryAdapter | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"weights": asdict(self.weights), "abstention": asdict(self.abstention)}

    def query_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Question vectors as the ranking sees them (through the adapter, if any)."""
        return vectors if self.adapter is None else self.adapter.apply(vectors)


DEFAULT_CALIBRATION = Calibration(HYBRID_WEIGHTS, DEFAULT_ABSTENTION)


def calibration_for(spec: ModelSpec) -> Calibration:
    """The calibration stored beside a local model, else the bundled one."""
    if spec.is_default:
        return DEFAULT_CALIBRATION
    folder = Path(spec.name).expanduser()
    file = folder / CALIBRATION_FILE
    if not file.is_file():
        return DEFAULT_CALIBRATION
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        adapter_file = folder / ADAPTER_FILE
        adapter = QueryAdapter.load(adapter_file) if adapter_file.is_file() else None
        return Calibration(
            FusionWeights(**data["weights"]), AbstentionModel(**data["abstention"]), adapter
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{file} is unreadable ({exc.__class__.__name__}); delete it to use the bundled "
            "calibration, or fine-tune the model again"
        ) from exc


def save_calibration(folder: Path, calibration: Calibration, **provenance: object) -> Path:
    """Write ``calibration.json`` into a model folder, with where it came from."""
    record = {**calibration.as_dict(), "fitted_on": provenance}
    file = folder / CALIBRATION_FILE
    file.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if calibration.adapter is not None:
        calibration.adapter.save(folder / ADAPTER_FILE)
    return file
