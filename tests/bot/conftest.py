"""Fixtures shared by the command-line and console tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import MODELS_DIR, REPO_ROOT

SEED = next((REPO_ROOT / "seeds").glob("*.txt"))


@pytest.fixture
def workdir(tmp_path, monkeypatch, converted_model_dir) -> Path:
    """Settings pointing at a private seeds folder and index, sharing the converted model."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    monkeypatch.setenv("SEEDS_DIR", str(seeds))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MODELS_DIR", str(MODELS_DIR))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path
