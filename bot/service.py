"""Open the answering service the way the settings describe: one call for every front end."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from bot.settings import Settings
from index import ArticleDatabaseError

if TYPE_CHECKING:
    from index import AnsweringService
    from index.storage import BuildReport

log = logging.getLogger(__name__)


def open_from_settings(
    settings: Settings, *, progress: bool = False, adding: bool = False
) -> tuple[AnsweringService, BuildReport]:
    """The service over ``SEEDS_DIR`` and the chats' articles, with the index in ``DATA_DIR``.

    When there is no article database yet and none can be made (a read-only ``DATA_DIR``,
    a full disk), questions are still answered from the seeds, as before chats had articles:
    no article can be missing from the answers then. Callers that are ``adding`` get the
    one-line error instead, and so does everyone when a database exists but cannot be opened.
    """
    from index import open_service

    database = settings.database_path
    existed = database.exists()

    def opened(with_database: bool) -> tuple[AnsweringService, BuildReport]:
        return open_service(
            settings.seeds_dir,
            settings.index_dir,
            settings.model_spec,
            progress=progress,
            max_question_chars=settings.max_question_chars,
            database=database if with_database else None,
            seeds_visible=settings.seeds_visible,
            limits=settings.article_limits,
        )

    try:
        return opened(with_database=True)
    except ArticleDatabaseError as exc:
        if adding or existed:
            raise
        with contextlib.suppress(OSError):  # an empty file the failed attempt left behind
            if database.stat().st_size == 0:
                database.unlink()
        log.warning("answering from the seeds only, articles cannot be added: %s", exc)
        return opened(with_database=False)
