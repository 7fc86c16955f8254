"""The fine-tuned model folder: its report, its calibration, and an all-or-nothing install.

The folder is built in a hidden sibling and renamed into place only once complete, so a
killed run never leaves a half-saved model where the bot would load it.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import TrainingDataError
from index.evaluation.fitting import CalibrationReport
from index.retrieval.calibration import save_calibration

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

REPORT_FILE = "finetune.json"
# Bump when the meaning of finetune.json or of the training recipe changes.
FINETUNE_VERSION = 2


@dataclass(frozen=True, slots=True)
class FinetuneReport:
    """What was trained, on what, and how it scored on the dev contexts (before and after)."""

    out_dir: str
    base_model: str
    split_rule: str
    dev_fraction: float
    train_contexts: list[str]
    dev_contexts: list[str]
    train_questions: int
    dev_questions: int
    train_examples: int
    hyperparameters: dict[str, Any]
    train_seconds: float
    steps: int
    final_loss: float | None
    dev_base: dict[str, dict[str, float]] = field(default_factory=dict)
    dev_finetuned: dict[str, dict[str, float]] = field(default_factory=dict)
    # The tuned model's own fusion weights and abstention model, fitted on the dev contexts.
    calibration: dict[str, Any] = field(default_factory=dict)
    version: int = FINETUNE_VERSION

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def calibration_record(calibrated: CalibrationReport) -> dict[str, Any]:
    """The calibration as the report records it, with how it did on the dev contexts."""
    return {
        **calibrated.calibration.as_dict(),
        "dev_answerable_answered": round(calibrated.answerable_answered, 4),
        "dev_off_topic_abstained": round(calibrated.off_topic_abstained, 4),
    }


def refuse_existing(target: Path, *, overwrite: bool) -> None:
    """Stop before any work when the output folder exists and may not be replaced."""
    if target.exists() and not overwrite:
        raise TrainingDataError(f"{target} exists; choose another output folder or overwrite it")


def remove_leftovers(target: Path) -> None:
    """Delete staging folders of earlier runs into ``target`` that were killed mid-way.

    A killed process skips its cleanup and may leave a ~0.5 GB half-saved model;
    one fine-tuning per output folder at a time is assumed.
    """
    for pattern in (f".{target.name}.partial-*", f".{target.name}.old-*"):
        for leftover in target.parent.glob(pattern):
            logger.info("Removing leftover of an interrupted run: %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def staging_folder(target: Path) -> Path:
    """A fresh hidden sibling of ``target`` to build the model folder in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))


def save_model_folder(
    model: SentenceTransformer,
    staged: Path,
    report: FinetuneReport,
    calibrated: CalibrationReport,
    base_model_dir: Path,
) -> None:
    """The model, ``finetune.json`` and ``calibration.json`` in one folder."""
    # No model card: generating one may consult the hub; finetune.json is the record.
    model.save(str(staged), create_model_card=False)
    record = {**report.as_dict(), "base_model_marker": _base_marker(base_model_dir)}
    text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    (staged / REPORT_FILE).write_text(text, encoding="utf-8")
    save_calibration(
        staged,
        calibrated.calibration,
        contexts="dev",
        dev_contexts=len(report.dev_contexts),
        dev_questions=report.dev_questions,
        split_rule=report.split_rule,
        dev_fraction=report.dev_fraction,
    )


def install(staged: Path, target: Path, *, overwrite: bool) -> None:
    """Rename a finished folder into place; an old one is moved aside first, then deleted."""
    if not target.exists():
        staged.rename(target)
        return
    refuse_existing(target, overwrite=overwrite)
    stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    target.rename(stale / "model")
    staged.rename(target)
    shutil.rmtree(stale, ignore_errors=True)


def _base_marker(base_model_dir: Path) -> dict[str, Any] | None:
    """The base folder's own provenance record (conversion.json / finetune.json), if any."""
    for name in ("conversion.json", REPORT_FILE):
        try:
            loaded = json.loads((Path(base_model_dir) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(loaded, dict):
            return {"file": name, **loaded}
    return None
