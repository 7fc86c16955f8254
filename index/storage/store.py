"""The saved index: a FAISS file, the sentence records beside it and a manifest.

Like a sentence-transformers model folder, the saved index describes itself:
the manifest records the model (name and a stamp of its weights), the dimension,
a hash of every article and a checksum of every file, so a stale or damaged
index is detected and rebuilt, and only changed articles are re-embedded.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.embedding.embedder import Embedder
from index.errors import IndexFileError, IndexFolderError
from index.retrieval.clauses import SentenceVectors, embed_sentences
from index.retrieval.corpus import Corpus
from index.storage.file_lock import exclusive_lock_if_writable
from index.text.articles import Article
from index.text.sentences import Sentence

log = logging.getLogger(__name__)

# 4: sentences are embedded without invisible marks (joiners, direction marks).
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
SENTENCES = "sentences.json"
VECTORS = "sentences.faiss"
CLAUSES = "clauses.npz"
DATA_FILES = (SENTENCES, VECTORS, CLAUSES)
INDEX_FILES = frozenset((MANIFEST, *DATA_FILES))
# Siblings of the index folder while a save runs: the new index being written, and the
# index it replaces.  Named apart so that recovery after a crash knows which is newer.
STAGED_TAG = "new"
RETIRED_TAG = "old"


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the command line and the logs."""

    articles: int
    sentences: int
    embedded: int
    reused: int
    rebuilt: bool
    reason: str


def load_or_build(
    folder: Path, articles: list[Article], embedder: Embedder, *, progress: bool = False
) -> tuple[Corpus, BuildReport]:
    """The index for ``articles``, loaded when it is current and (re)built otherwise.

    A current index is served without taking the lock or writing anything, so a
    read-only ``DATA_DIR`` works.  Otherwise processes sharing ``folder`` take turns,
    so two of them never write it at once; a process that cannot write there builds
    in memory.
    """
    check_own_folder(folder)
    lock_file = folder.parent / f".{folder.name}.lock"
    current = _current(folder, articles, embedder)
    if current is not None:
        if _leftovers(folder):  # rare: only after a save was interrupted
            with exclusive_lock_if_writable(lock_file) as writable:
                if writable:
                    _recover(folder)
        return current
    with exclusive_lock_if_writable(lock_file) as writable:
        if not writable:
            log.warning("cannot write in %s; the index is kept in memory only", folder.parent)
        return _load_or_build(folder, articles, embedder, progress=progress, save=writable)


def _current(
    folder: Path, articles: list[Article], embedder: Embedder
) -> tuple[Corpus, BuildReport] | None:
    """The saved index when it is current, else None (the locked path says why)."""
    try:
        saved = _load(folder)
    except IndexFileError:
        return None
    if saved is None or _staleness(saved, articles, embedder):
        return None
    corpus = saved.corpus
    return corpus, BuildReport(len(articles), len(corpus), 0, len(corpus), False, "up to date")


def _load_or_build(
    folder: Path, articles: list[Article], embedder: Embedder, *, progress: bool, save: bool
) -> tuple[Corpus, BuildReport]:
    if save:
        _recover(folder)
    check_own_folder(folder)  # before minutes of embedding, not after
    try:
        saved = _load(folder)
    except IndexFileError as exc:
        log.warning("%s; rebuilding the index", exc)
        saved = None
        reason = str(exc)
    else:
        reason = "" if saved else "no saved index"
    if saved is not None:
        stale = _staleness(saved, articles, embedder)
        if not stale:
            corpus = saved.corpus
            report = BuildReport(len(articles), len(corpus), 0, len(corpus), False, "up to date")
            return corpus, report
        reason = stale
        log.info("index is out of date (%s); rebuilding", stale)
    corpus, embedded, reused = _build(articles, embedder, saved, progress=progress)
    if save:
        try:
            _save(folder, corpus, articles, embedder)
        except OSError as exc:  # a full or read-only disk: answer from memory, rebuild next time
            log.warning("cannot save the index in %s (%s); it is kept in memory only", folder, exc)
    return corpus, BuildReport(len(articles), len(corpus), embedded, reused, True, reason)


@dataclass(slots=True)
class _Saved:
    manifest: dict[str, Any]
    corpus: Corpus


def _load(folder: Path) -> _Saved | None:
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return None
    missing = [name for name in DATA_FILES if not (folder / name).is_file()]
    if missing:
        raise IndexFileError(
            f"saved index in {folder} is incomplete ({', '.join(missing)} missing)"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise IndexFileError(f"saved index in {folder} is corrupt (manifest: {exc})") from exc
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if isinstance(found, int) and found != FORMAT_VERSION:
        raise IndexFileError(
            f"saved index in {folder} has format {found}; this version writes {FORMAT_VERSION}"
        )
    try:
        _check_manifest(manifest)
        # Each file is read once and parsed from the bytes its checksum was taken of, so a
        # save swapping the folder meanwhile is caught as a mismatch, never mixed in.
        data = {name: (folder / name).read_bytes() for name in DATA_FILES}
        for name, content in data.items():
            if hashlib.sha256(content).hexdigest() != manifest["files"][name]:
                raise ValueError(f"{name} does not match its checksum")
        records = json.loads(data[SENTENCES].decode("utf-8"))
        faiss_index = faiss.deserialize_index(np.frombuffer(data[VECTORS], dtype=np.uint8))
        sentences = [Sentence(**r) for r in records]
        with np.load(io.BytesIO(data[CLAUSES])) as clauses:
            embedded = SentenceVectors(
                np.asarray(faiss_index.reconstruct_n(0, faiss_index.ntotal), dtype=np.float32),
                clauses["vectors"].astype(np.float32),
                clauses["owner"].astype(np.int64),
            )
        _check_shapes(embedded, len(sentences), int(manifest["dim"]))
        titles = {a: meta["title"] for a, meta in manifest["articles"].items()}
    except FileNotFoundError as exc:
        raise IndexFileError(
            f"saved index in {folder} is incomplete ({Path(exc.filename or '').name} missing)"
        ) from exc
    except Exception as exc:  # json, faiss, numpy and key errors all mean the same: unusable
        raise IndexFileError(
            f"saved index in {folder} is corrupt ({exc.__class__.__name__}: {exc})"
        ) from exc
    return _Saved(manifest, Corpus(sentences, embedded, titles))


def _check_manifest(manifest: Any) -> None:
    """Everything later code reads from the manifest, with the types it expects."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"format {found!r} is not {FORMAT_VERSION}")
    if not isinstance(manifest.get("model"), str) or not isinstance(manifest.get("dim"), int):
        raise ValueError("model or dimension missing")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(files.get(n), str) for n in DATA_FILES):
        raise ValueError("file checksums missing")
    articles = manifest.get("articles")
    if not isinstance(articles, dict) or not all(
        isinstance(meta, dict)
        and isinstance(meta.get("title"), str)
        and isinstance(meta.get("digest"), str)
        for meta in articles.values()
    ):
        raise ValueError("article records malformed")


def _check_shapes(embedded: SentenceVectors, sentences: int, dim: int) -> None:
    """Vectors that fit the records: a mismatch would fail only at question time."""
    vectors, clauses, owner = embedded.sentences, embedded.clauses, embedded.clause_owner
    if vectors.shape != (sentences, dim):
        raise ValueError("vector count or dimension does not match the sentence records")
    if clauses.ndim != 2 or clauses.shape[1] != dim or len(clauses) != len(owner):
        raise ValueError("clause vectors do not match their owners or the dimension")
    if len(owner) and (int(owner.min()) < 0 or int(owner.max()) >= sentences):
        raise ValueError("clause owners point outside the sentences")
    if not (np.isfinite(vectors).all() and np.isfinite(clauses).all()):
        raise ValueError("vectors are not finite")


def _staleness(saved: _Saved, articles: list[Article], embedder: Embedder) -> str:
    """Why the saved index cannot be used as it is, or "" when it can."""
    manifest = saved.manifest
    if manifest.get("model") != embedder.name:
        return f"it was built with model {manifest.get('model')!r}, not {embedder.name!r}"
    if manifest.get("dim") != embedder.dim:
        return "its embedding dimension differs from the model's"
    if manifest.get("weights", "") != embedder.weights:
        return "the model's weights changed since it was built"
    saved_digests = {a: meta["digest"] for a, meta in manifest["articles"].items()}
    current = {a.id: a.digest for a in articles}
    if saved_digests != current:
        changed = sorted(set(saved_digests.items()) ^ set(current.items()))
        return f"articles changed: {', '.join(sorted({a for a, _ in changed}))}"
    spans = _article_spans(saved.corpus.sentences)
    resplit = [a.id for a in articles if not _same_sentences(saved, spans, a.id, a.sentences())]
    if resplit:
        return f"sentence splitting changed for: {', '.join(resplit)}"
    return ""


def _same_sentences(
    saved: _Saved, spans: dict[str, tuple[int, int]], article_id: str, current: list[Sentence]
) -> bool:
    """Whether the saved sentences of an article are the ones the current splitter makes.

    Comparing the texts (milliseconds) instead of trusting a version number means an
    improved splitter can never be served with an old segmentation.
    """
    start, stop = spans.get(article_id, (0, 0))
    stored = saved.corpus.sentences[start:stop]
    return [s.text for s in stored] == [s.text for s in current]


def _build(
    articles: list[Article], embedder: Embedder, saved: _Saved | None, *, progress: bool
) -> tuple[Corpus, int, int]:
    """Embed what changed and reuse the vectors of unchanged articles."""
    per_article = {a.id: a.sentences() for a in articles}
    reusable: dict[str, SentenceVectors] = {}
    same_model = saved is not None and (
        saved.manifest.get("model") == embedder.name
        and saved.manifest.get("weights", "") == embedder.weights
    )
    if saved is not None and same_model:
        digests = {a: meta["digest"] for a, meta in saved.manifest["articles"].items()}
        spans = _article_spans(saved.corpus.sentences)
        for article in articles:
            if (
                digests.get(article.id) == article.digest
                and article.id in spans
                and _same_sentences(saved, spans, article.id, per_article[article.id])
            ):
                reusable[article.id] = saved.corpus.embedded.subset(*spans[article.id])
    fresh_sentences = [s for a in articles if a.id not in reusable for s in per_article[a.id]]
    fresh = embed_sentences(embedder, [s.text for s in fresh_sentences], progress=progress)
    parts: list[SentenceVectors] = []
    offset = 0
    for article in articles:
        if article.id in reusable:
            parts.append(reusable[article.id])
        else:
            count = len(per_article[article.id])
            parts.append(fresh.subset(offset, offset + count))
            offset += count
    sentences = [s for a in articles for s in per_article[a.id]]
    titles = {a.id: a.title.strip() for a in articles}
    corpus = Corpus(sentences, SentenceVectors.concat(parts, embedder.dim), titles)
    return corpus, len(fresh_sentences), len(sentences) - len(fresh_sentences)


def _article_spans(sentences: list[Sentence]) -> dict[str, tuple[int, int]]:
    """Where each article's sentences sit in the saved order."""
    spans: dict[str, tuple[int, int]] = {}
    for i, s in enumerate(sentences):
        start, _ = spans.get(s.article_id, (i, i))
        spans[s.article_id] = (start, i + 1)
    return spans


def check_own_folder(folder: Path) -> None:
    """Refuse a folder that is not (or not only) a saved index of this store.

    Saving replaces the whole folder, so it must be provably ours: absent, empty, or
    holding a manifest and nothing but the files a saved index consists of.  Anything
    else (a source package, someone's notes) is left alone and named in the error.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise IndexFolderError(
            f"{folder} is not a folder this program saved an index in; move it away or set "
            "DATA_DIR to another folder"
        )
    entries = sorted(folder.iterdir())
    foreign = [e.name for e in entries if e.name not in INDEX_FILES or not _plain_file(e)]
    if entries and not foreign and not (folder / MANIFEST).is_file():
        foreign = [e.name for e in entries]  # index-like names but nothing vouches for them
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise IndexFolderError(
            f"{folder} is not a saved index (it holds {shown}); it is left untouched: move "
            "those files away or set DATA_DIR to another folder"
        )


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _save(folder: Path, corpus: Corpus, articles: list[Article], embedder: Embedder) -> None:
    """Write a complete index beside ``folder``, then swap it in.

    Every failure to write (a full disk included) is an ``OSError``: the files are
    serialised in memory first and written by Python.  A crash at any point leaves a
    complete index on disk: the old one, or the new one under its staging name, which
    :func:`_recover` puts in place on the next start.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{folder.name}-{STAGED_TAG}-", dir=folder.parent))
    try:
        counts = {a.id: 0 for a in articles}
        for s in corpus.sentences:
            counts[s.article_id] += 1
        clauses = io.BytesIO()
        np.savez(clauses, vectors=corpus.embedded.clauses, owner=corpus.embedded.clause_owner)
        data = {
            VECTORS: faiss.serialize_index(corpus.faiss_index).tobytes(),
            CLAUSES: clauses.getvalue(),
            SENTENCES: json.dumps([asdict(s) for s in corpus.sentences], ensure_ascii=False).encode(
                "utf-8"
            ),
        }
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "model": embedder.name,
            "weights": embedder.weights,
            "dim": embedder.dim,
            "articles": {
                a.id: {"title": a.title.strip(), "digest": a.digest, "sentences": counts[a.id]}
                for a in articles
            },
            "files": {name: hashlib.sha256(content).hexdigest() for name, content in data.items()},
        }
        for name, content in data.items():
            _write_durably(staged / name, content)
        # The manifest is written last and vouches for the files beside it.
        text = json.dumps(manifest, ensure_ascii=False, indent=1)
        _write_durably(staged / MANIFEST, text.encode("utf-8"))
        _sync_folder(staged)
        check_own_folder(folder)
        _swap_in(staged, folder)
    finally:
        shutil.rmtree(staged, ignore_errors=True)  # only still there if the save failed


def _swap_in(staged: Path, folder: Path) -> None:
    """Put ``staged`` where ``folder`` is; between the two renames both are complete."""
    if not folder.exists():
        staged.rename(folder)
        _sync_folder(folder.parent)
        return
    retired = folder.with_name(f".{folder.name}-{RETIRED_TAG}-{secrets.token_hex(4)}")
    folder.rename(retired)
    try:
        staged.rename(folder)
    except OSError:
        retired.rename(folder)
        raise
    _sync_folder(folder.parent)
    shutil.rmtree(retired, ignore_errors=True)


def _write_durably(path: Path, content: bytes) -> None:
    """Write and flush to the disk, so the rename that publishes it never precedes the data."""
    with path.open("xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make renames and new names inside ``folder`` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _recover(folder: Path) -> None:
    """Finish a save that a crash cut short, and remove what interrupted saves left.

    Called under the lock, so no other save is running.  When the index folder is
    missing, the newest complete leftover takes its place: a finished new index
    before the one it was replacing.
    """
    leftovers = _leftovers(folder)
    if not folder.exists() and not folder.is_symlink():
        complete = [p for p in leftovers if (p / MANIFEST).is_file()]
        if complete:
            retired_prefix = f".{folder.name}-{RETIRED_TAG}"
            best = max(
                complete,
                key=lambda p: (
                    not p.name.startswith(retired_prefix),
                    (p / MANIFEST).stat().st_mtime_ns,
                ),
            )
            best.rename(folder)
            leftovers.remove(best)
            log.warning("restored the index an interrupted save left in %s", best.name)
    for leftover in leftovers:
        log.info("removing %s, left by an interrupted save", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


def _leftovers(folder: Path) -> list[Path]:
    """Staging and retired folders of interrupted saves of ``folder``."""
    return [p for p in folder.parent.glob(f".{folder.name}-*") if _is_index_leftover(p)]


def _is_index_leftover(path: Path) -> bool:
    """A staging or retired folder of this store: nothing in it but index files."""
    if path.is_symlink() or not path.is_dir():
        return False
    return all(e.name in INDEX_FILES and _plain_file(e) for e in path.iterdir())
