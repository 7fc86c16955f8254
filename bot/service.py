"""Open the answering service the way the settings describe: one call for every front end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from index import AnsweringService
    from index.storage import BuildReport


def open_from_settings(
    settings: Settings, *, progress: bool = False
) -> tuple[AnsweringService, BuildReport]:
    """The service over ``SEEDS_DIR`` and the chats' articles, with the index in ``DATA_DIR``."""
    from index import open_service

    return open_service(
        settings.seeds_dir,
        settings.index_dir,
        settings.model_spec,
        progress=progress,
        max_question_chars=settings.max_question_chars,
        database=settings.database_path,
        seeds_visible=settings.seeds_visible,
        limits=settings.article_limits,
        corpus_cache=settings.corpus_cache_chats,
        reranker=settings.reranker,
    )
