"""The saved index: a FAISS file, the sentence records beside it and a manifest.

Like a sentence-transformers model folder, the saved index describes itself:
the manifest records the model, the dimension and a hash of every article, so
a stale index is detected and rebuilt, and only changed articles are
re-embedded.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.articles import Article
from index.clauses import SentenceVectors, embed_sentences
from index.corpus import Corpus
from index.embedding import Embedder
from index.errors import IndexFileError
from index.sentences import Sentence

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
SENTENCES = "sentences.json"
VECTORS = "sentences.faiss"
CLAUSES = "clauses.npz"


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
    """The index for ``articles``, loaded when it is current and (re)built otherwise."""
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
    _save(folder, corpus, articles, embedder)
    return corpus, BuildReport(len(articles), len(corpus), embedded, reused, True, reason)


@dataclass(slots=True)
class _Saved:
    manifest: dict[str, Any]
    corpus: Corpus


def _load(folder: Path) -> _Saved | None:
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return None
    missing = [name for name in (SENTENCES, VECTORS, CLAUSES) if not (folder / name).is_file()]
    if missing:
        raise IndexFileError(
            f"saved index in {folder} is incomplete ({', '.join(missing)} missing)"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        records = json.loads((folder / SENTENCES).read_text(encoding="utf-8"))
        faiss_index = faiss.read_index(str(folder / VECTORS))
        sentences = [Sentence(**r) for r in records]
        if faiss_index.ntotal != len(sentences):
            raise ValueError("vector count does not match the sentence records")
        vectors = faiss_index.reconstruct_n(0, faiss_index.ntotal)
        with np.load(folder / CLAUSES) as clauses:
            embedded = SentenceVectors(
                np.asarray(vectors, dtype=np.float32),
                clauses["vectors"].astype(np.float32),
                clauses["owner"].astype(np.int64),
            )
        if len(embedded.clause_owner) and int(embedded.clause_owner.max()) >= len(sentences):
            raise ValueError("clause owners point past the sentences")
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {manifest.get('format')!r} is not {FORMAT_VERSION}")
        titles = {a: meta["title"] for a, meta in manifest["articles"].items()}
    except FileNotFoundError as exc:
        raise IndexFileError(
            f"saved index in {folder} is incomplete ({Path(exc.filename or '').name} missing)"
        ) from exc
    except Exception as exc:  # json, faiss and key errors all mean the same: unusable
        raise IndexFileError(
            f"saved index in {folder} is corrupt ({exc.__class__.__name__})"
        ) from exc
    return _Saved(manifest, Corpus(sentences, embedded, titles))


def _staleness(saved: _Saved, articles: list[Article], embedder: Embedder) -> str:
    """Why the saved index cannot be used as it is, or "" when it can."""
    manifest = saved.manifest
    if manifest.get("model") != embedder.name:
        return f"it was built with model {manifest.get('model')!r}, not {embedder.name!r}"
    if manifest.get("dim") != embedder.dim:
        return "its embedding dimension differs from the model's"
    saved_digests = {a: meta["digest"] for a, meta in manifest["articles"].items()}
    current = {a.id: a.digest for a in articles}
    if saved_digests != current:
        changed = sorted(set(saved_digests.items()) ^ set(current.items()))
        return f"articles changed: {', '.join(sorted({a for a, _ in changed}))}"
    return ""


def _build(
    articles: list[Article], embedder: Embedder, saved: _Saved | None, *, progress: bool
) -> tuple[Corpus, int, int]:
    """Embed what changed and reuse the vectors of unchanged articles."""
    reusable: dict[str, SentenceVectors] = {}
    if saved is not None and saved.manifest.get("model") == embedder.name:
        digests = {a: meta["digest"] for a, meta in saved.manifest["articles"].items()}
        spans = _article_spans(saved.corpus.sentences)
        for article in articles:
            if digests.get(article.id) == article.digest and article.id in spans:
                reusable[article.id] = saved.corpus.embedded.subset(*spans[article.id])
    per_article = {a.id: a.sentences() for a in articles}
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


def _save(folder: Path, corpus: Corpus, articles: list[Article], embedder: Embedder) -> None:
    """Write to a temporary folder and swap it in, so a crash never leaves half an index."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        counts = {a.id: 0 for a in articles}
        for s in corpus.sentences:
            counts[s.article_id] += 1
        manifest = {
            "format": FORMAT_VERSION,
            "model": embedder.name,
            "dim": embedder.dim,
            "articles": {
                a.id: {"title": a.title.strip(), "digest": a.digest, "sentences": counts[a.id]}
                for a in articles
            },
        }
        faiss.write_index(corpus.faiss_index, str(tmp / VECTORS))
        np.savez(tmp / CLAUSES, vectors=corpus.embedded.clauses, owner=corpus.embedded.clause_owner)
        (tmp / SENTENCES).write_text(
            json.dumps([asdict(s) for s in corpus.sentences], ensure_ascii=False), encoding="utf-8"
        )
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        if folder.exists():
            old = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
