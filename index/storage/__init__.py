"""The saved index files and the lock that lets processes share a data folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.storage.database import ArticleDatabase, StoredArticle
    from index.storage.file_digest import file_sha256
    from index.storage.file_lock import exclusive_lock
    from index.storage.store import BuildReport, load_or_build

__all__ = [
    "ArticleDatabase",
    "BuildReport",
    "StoredArticle",
    "exclusive_lock",
    "file_sha256",
    "load_or_build",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "ArticleDatabase": "index.storage.database",
    "StoredArticle": "index.storage.database",
    "BuildReport": "index.storage.store",
    "exclusive_lock": "index.storage.file_lock",
    "file_sha256": "index.storage.file_digest",
    "load_or_build": "index.storage.store",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
