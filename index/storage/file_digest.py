"""Content digests of large files, remembered beside them so they are hashed only once.

Why: a model folder copied with ``cp -r`` gets new file times but the same weights;
comparing times would re-export the ONNX graph and re-embed every article, while
hashing 400 MB on every start would cost seconds.  A digest is therefore computed
when a file's size, time or inode changed since it was last hashed, and kept in a
small cache file in the same folder (skipped quietly when the folder is read-only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_FILE = ".digests.json"
_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    """The sha256 of ``path``'s contents, from the folder's cache when it is still valid."""
    stat = path.stat()
    key = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    cache_path = path.parent / CACHE_FILE
    cache = _read_cache(cache_path)
    entry = cache.get(path.name)
    if isinstance(entry, dict) and entry.get("key") == key and isinstance(entry.get("sha256"), str):
        return str(entry["sha256"])
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    value = digest.hexdigest()
    cache[path.name] = {"key": key, "sha256": value}
    _write_cache(cache_path, cache)
    return value


def _read_cache(path: Path) -> dict[str, object]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write_cache(path: Path, cache: dict[str, object]) -> None:
    """Replace the cache atomically; a folder that cannot be written just hashes next time."""
    try:
        handle, staged = tempfile.mkstemp(prefix=f"{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(cache, out, sort_keys=True)
            os.replace(staged, path)
        except BaseException:
            Path(staged).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("cannot remember file digests in %s (%s)", path, exc)
