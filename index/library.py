"""Which sentences a question is ranked over: the seeds, a chat's own articles, or one article.

Each chat sees the global articles (from ``seeds/``, unless hidden) plus its own, and never
another chat's. A chat's corpus is built from the database on first use and kept as an
immutable snapshot until the chat adds or removes an article, so a question asked during
an add sees the set before or after it, never half of it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from index.embedding.embedder import Embedder
from index.errors import ArticleError, ArticleRejected
from index.limits import ArticleLimits
from index.retrieval.clauses import SentenceVectors, embed_sentences
from index.retrieval.corpus import Corpus
from index.scope import GLOBAL, ArticleOrigin, Scope
from index.storage.database import (
    ArticleDatabase,
    ArticleVectors,
    NewArticle,
    StoredArticle,
)
from index.text.articles import parse_article

log = logging.getLogger(__name__)

# Chat corpora kept in memory (about 1.6 MiB for 10 articles); a chat that asks again after
# eviction rebuilds in tens of milliseconds.
CORPUS_CACHE = 128


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """The outcome of an add: the stored article and whether it was new."""

    article: StoredArticle
    created: bool
    replaced: bool = False


class ArticleLibrary:
    """The seeds corpus, the article database and the chat corpora built from them."""

    def __init__(
        self,
        seeds: Corpus,
        embedder: Embedder,
        database: ArticleDatabase | None = None,
        *,
        seeds_visible: bool = True,
        limits: ArticleLimits | None = None,
        cache_size: int = CORPUS_CACHE,
    ) -> None:
        self.seeds = seeds
        self.embedder = embedder
        self.database = database
        self.seeds_visible = seeds_visible
        self.limits = limits or ArticleLimits()
        self._cache: OrderedDict[Scope, Corpus] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._generation: dict[int, int] = {}
        self._lock = threading.Lock()
        self._seen_version = database.data_version() if database else 0

    @property
    def model_stamp(self) -> str:
        """What the stored vectors were made by: vectors of another model are re-embedded."""
        weights = hashlib.sha256(self.embedder.weights.encode()).hexdigest()[:16]
        return f"{self.embedder.name}@{weights}"

    # ------------------------------------------------------------------ reading

    def corpus(self, scope: Scope = GLOBAL) -> Corpus:
        """The sentences a question in ``scope`` is ranked over."""
        if scope.chat_id is None or self.database is None:
            return self.seeds
        self._notice_other_writers()
        with self._lock:
            cached = self._cache.get(scope)
            if cached is not None:
                self._cache.move_to_end(scope)
                return cached
            generation = self._generation.get(scope.chat_id, 0)
        built = self._build(scope)
        with self._lock:
            if self._generation.get(scope.chat_id, 0) == generation:
                self._cache[scope] = built
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return built

    def _notice_other_writers(self) -> None:
        """Forget every snapshot when another process (``article-bot add``) changed the file."""
        assert self.database is not None
        version = self.database.data_version()
        with self._lock:
            if version != self._seen_version:
                self._seen_version = version
                for chat in {s.chat_id for s in self._cache if s.chat_id is not None}:
                    self._generation[chat] = self._generation.get(chat, 0) + 1
                self._cache.clear()

    def _build(self, scope: Scope) -> Corpus:
        assert self.database is not None and scope.chat_id is not None
        stored = [self._current(a) for a in self.database.vectors(scope.chat_id, scope.article)]
        if scope.article is not None and not stored:
            raise ArticleRejected("unknown", f"there is no article #{scope.article} here")
        sentences = [s for a in stored for s in a.sentences]
        vectors = [a.vectors for a in stored]
        titles = {a.article.key: a.article.title for a in stored}
        if scope.article is None and self.seeds_visible:
            if not stored:
                return self.seeds
            sentences = [*self.seeds.sentences, *sentences]
            vectors = [self.seeds.embedded, *vectors]
            titles = {**self.seeds.titles, **titles}
        # One Corpus only: building its indexes (BM25, FAISS) is most of a chat's first question.
        return Corpus(sentences, SentenceVectors.concat(vectors, self.embedder.dim), titles)

    def _current(self, stored: ArticleVectors) -> ArticleVectors:
        """The article's vectors from this model: re-embedded (and saved) after a model change."""
        if stored.model == self.model_stamp and stored.vectors.sentences.shape[1:] == (
            self.embedder.dim,
        ):
            return stored
        log.info("re-embedding article %s: its vectors are from another model", stored.article.key)
        vectors = embed_sentences(self.embedder, [s.text for s in stored.sentences])
        assert self.database is not None
        self.database.update_vectors(stored.article.id, vectors, self.model_stamp)
        return ArticleVectors(stored.article, stored.sentences, vectors, self.model_stamp)

    def articles(self, chat_id: int) -> list[StoredArticle]:
        return self.database.articles(chat_id) if self.database else []

    def newest(self, chat_id: int) -> StoredArticle | None:
        listed = self.articles(chat_id)
        return listed[-1] if listed else None

    # ------------------------------------------------------------------ writing

    def add(
        self,
        chat_id: int,
        text: str,
        origin: ArticleOrigin,
        *,
        replace_source: bool = False,
    ) -> AddedArticle:
        """Parse, embed and store an article for one chat (seconds: call off the event loop).

        With ``replace_source`` an article added earlier from the same source (an edited
        channel post) is replaced under its number instead of added beside it.
        """
        database = self._writable()
        if len(text) > self.limits.max_chars:
            raise ArticleRejected(
                "too_long",
                f"the article has {len(text):,} characters; the most is "
                f"{self.limits.max_chars:,} (MAX_ARTICLE_CHARS)",
                self.limits.max_chars,
            )
        try:
            parsed = parse_article("new", text)
        except ArticleError as exc:
            message = str(exc).replace("article 'new' ", "the article ")
            raise ArticleRejected("unreadable", message) from None
        digest = content_digest(parsed.title, parsed.body)
        same = database.find_digest(chat_id, digest)
        if same is not None:
            return AddedArticle(same, created=False)
        earlier = (
            database.find_source(chat_id, origin.kind, origin.ref)
            if replace_source and origin.ref
            else None
        )
        sentences = parsed.sentences()
        vectors = embed_sentences(self.embedder, [s.text for s in sentences])
        new = NewArticle(
            chat_id=chat_id,
            source_kind=origin.kind,
            source_ref=origin.ref,
            title=parsed.title.strip(),
            body=parsed.body,
            sha256=digest,
            added_by=origin.added_by,
            sentences=sentences,
            vectors=vectors,
            model=self.model_stamp,
        )
        if earlier is not None:
            result = AddedArticle(database.replace(earlier, new), created=False, replaced=True)
        else:
            article, created = database.add(new, self.limits.max_articles)
            result = AddedArticle(article, created)
        self._changed(chat_id)
        return result

    def move_chat(self, old_chat: int, new_chat: int) -> int:
        """Articles follow a group that Telegram turned into a supergroup (a new chat id)."""
        moved = self._writable().move_chat(old_chat, new_chat)
        if moved:
            self._changed(old_chat)
            self._changed(new_chat)
        return moved

    def remove(self, chat_id: int, number: int) -> StoredArticle | None:
        removed = self._writable().remove(chat_id, number)
        if removed is not None:
            self._changed(chat_id)
        return removed

    def _writable(self) -> ArticleDatabase:
        if self.database is None:
            raise ArticleRejected("no_database", "articles cannot be added: no database is open")
        return self.database

    def _changed(self, chat_id: int) -> None:
        """Drop the chat's snapshots; the next question builds the new set."""
        with self._lock:
            self._generation[chat_id] = self._generation.get(chat_id, 0) + 1
            for scope in [s for s in self._cache if s.chat_id == chat_id]:
                del self._cache[scope]


def content_digest(title: str, body: str) -> str:
    """What makes two adds the same article: the words, not the spacing or line breaks.

    A text pasted twice rarely keeps its whitespace (Telegram trims it, editors rewrap it).
    """
    words = " ".join(f"{title}\n{body}".split())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()
