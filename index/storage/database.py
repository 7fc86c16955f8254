"""The chats' own articles in one SQLite file: texts, sentences and their vectors.

The database is the record; FAISS and BM25 are rebuilt from it in memory (milliseconds
for a chat's articles), so nothing derived can go stale on disk. Every add is one
transaction in WAL mode with ``synchronous=FULL``: a process killed at any point leaves
the article either completely stored or absent, and an add that returned is on disk.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ArticleDatabaseError, ArticleRejected
from index.retrieval.clauses import SentenceVectors
from index.text.sentences import Sentence

# Migration i brings a database from version i to i + 1; the schema version is SQLite's
# ``user_version``. Only ever append: a released database must upgrade in place.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE chats (
        id INTEGER PRIMARY KEY,
        autoadd INTEGER NOT NULL DEFAULT 0,
        next_number INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL REFERENCES chats(id),
        number INTEGER NOT NULL,
        source_kind TEXT NOT NULL,
        source_ref TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        added_by INTEGER,
        added_at REAL NOT NULL,
        model TEXT NOT NULL,
        UNIQUE (chat_id, number),
        UNIQUE (chat_id, sha256)
    );
    CREATE INDEX articles_by_source ON articles (chat_id, source_kind, source_ref);
    CREATE TABLE sentences (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (article_id, position)
    );
    CREATE TABLE clauses (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX clauses_by_article ON clauses (article_id);
    CREATE TABLE threads (
        group_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        post_id INTEGER NOT NULL,
        PRIMARY KEY (group_id, thread_id)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
log = logging.getLogger(__name__)
Row = tuple[Any, ...]
# Seconds a writer waits for another process's transaction (the CLI beside the bot).
BUSY_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """One chat's article as listed to its readers; ``number`` is what they type."""

    id: int
    chat_id: int
    number: int
    source_kind: str
    source_ref: str
    title: str
    sha256: str
    added_by: int | None
    added_at: float
    sentences: int

    @property
    def key(self) -> str:
        """The article id its sentences carry: unique over every chat and the seeds."""
        return article_key(self.chat_id, self.number)


def article_key(chat_id: int, number: int) -> str:
    # "#" never occurs in a seed id (a file name stem chosen by this code's reader).
    return f"{chat_id}#{number}"


@dataclass(frozen=True, slots=True)
class NewArticle:
    """What an add stores: the text, where it came from and its embedded sentences."""

    chat_id: int
    source_kind: str
    source_ref: str
    title: str
    body: str
    sha256: str
    added_by: int | None
    sentences: Sequence[Sentence]
    vectors: SentenceVectors
    model: str


@dataclass(frozen=True, slots=True)
class ArticleVectors:
    """An article's sentences and vectors, ready to join a corpus."""

    article: StoredArticle
    sentences: list[Sentence]
    vectors: SentenceVectors
    model: str


_LISTED = """
    SELECT a.id, a.chat_id, a.number, a.source_kind, a.source_ref, a.title, a.sha256,
           a.added_by, a.added_at, (SELECT COUNT(*) FROM sentences s WHERE s.article_id = a.id),
           a.model
    FROM articles a
"""


class ArticleDatabase:
    """The SQLite file behind live articles; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Why adds are refused, when they are: the stored articles are still served.
        self.refusal: str | None = None
        # One connection, used by one thread at a time (reads are snapshots, see _read).
        self._lock = threading.RLock()
        try:
            if _on_read_only_disk(path):
                self.refusal = f"{path.parent} is read-only: articles cannot be added or removed"
                self._db = self._open_read_only(path)
            else:
                self._db = self._open(path)
        except sqlite3.OperationalError as exc:  # a full disk, an I/O error: not the file's fault
            log.warning(
                "the article database %s cannot be opened (%s); chats' own "
                "articles are unavailable until it can",
                path,
                exc,
            )
            self.refusal = f"the article database cannot be opened ({exc})"
            self._db = self._open_empty()
        except (sqlite3.Error, OSError) as exc:
            raise ArticleDatabaseError(
                f"cannot open the article database {path}: {exc}; it is left as it is "
                "(move it away to start with an empty one)"
            ) from None

    @property
    def read_only(self) -> bool:
        return self.refusal is not None

    def _open(self, path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level=None
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            _migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self, path: Path) -> sqlite3.Connection:
        if not path.exists():  # nothing stored, and nothing can be
            return self._open_empty()
        wal = path.with_name(f"{path.name}-wal")
        # Adds committed to the write-ahead log but not yet copied into the file (a writer
        # still running, or killed): "immutable" would not see them, so the log is read.
        pending = wal.exists() and wal.stat().st_size > 0
        db = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro{'' if pending else '&immutable=1'}",
            uri=True,
            check_same_thread=False,
            isolation_level=None,
        )
        try:
            db.execute("SELECT COUNT(*) FROM articles").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _open_empty() -> sqlite3.Connection:
        db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        _migrate(db)
        return db

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed as a whole or not at all."""
        if self.refusal is not None:
            raise ArticleRejected("read_only", self.refusal)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot: several SELECTs see the same committed state."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    # ------------------------------------------------------------------ articles

    def add(self, new: NewArticle, max_articles: int | None = None) -> tuple[StoredArticle, bool]:
        """Store ``new``; returns the article and whether it is new (False: same text stored).

        The limit is checked in the same transaction as the insert, so two adds racing in
        one chat cannot both slip under it.
        """
        with self._write() as db:
            same = db.execute(
                f"{_LISTED} WHERE a.chat_id = ? AND a.sha256 = ?", (new.chat_id, new.sha256)
            ).fetchone()
            if same is not None:
                return _listed(same), False
            (count,) = db.execute(
                "SELECT COUNT(*) FROM articles WHERE chat_id = ?", (new.chat_id,)
            ).fetchone()
            if max_articles is not None and count >= max_articles:
                raise ArticleRejected(
                    "too_many",
                    f"this chat already has {count} articles, the most it may keep "
                    f"(MAX_ARTICLES_PER_CHAT={max_articles}); remove one first",
                    max_articles,
                )
            number = self._next_number(db, new.chat_id)
            cursor = db.execute(
                "INSERT INTO articles (chat_id, number, source_kind, source_ref, title, body, "
                "sha256, added_by, added_at, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.chat_id,
                    number,
                    new.source_kind,
                    new.source_ref,
                    new.title,
                    new.body,
                    new.sha256,
                    new.added_by,
                    time.time(),
                    new.model,
                ),
            )
            article_id = int(cursor.lastrowid or 0)
            self._insert_vectors(db, article_id, new.sentences, new.vectors)
            row = db.execute(f"{_LISTED} WHERE a.id = ?", (article_id,)).fetchone()
            return _listed(row), True

    def replace(self, article: StoredArticle, new: NewArticle) -> StoredArticle:
        """Put ``new`` in place of ``article`` under the same number (an edited post)."""
        with self._write() as db:
            db.execute(
                "UPDATE articles SET title = ?, body = ?, sha256 = ?, model = ?, added_at = ? "
                "WHERE id = ?",
                (new.title, new.body, new.sha256, new.model, time.time(), article.id),
            )
            db.execute("DELETE FROM sentences WHERE article_id = ?", (article.id,))
            db.execute("DELETE FROM clauses WHERE article_id = ?", (article.id,))
            self._insert_vectors(db, article.id, new.sentences, new.vectors)
            row = db.execute(f"{_LISTED} WHERE a.id = ?", (article.id,)).fetchone()
            return _listed(row)

    def update_vectors(self, article_id: int, vectors: SentenceVectors, model: str) -> None:
        """Re-embedded vectors for the same sentences (the model changed)."""
        with self._write() as db:
            sentences = [
                _sentence_row(r)
                for r in db.execute(
                    "SELECT number, text, start, end FROM sentences WHERE article_id = ? "
                    "ORDER BY position",
                    (article_id,),
                )
            ]
            db.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
            db.execute("DELETE FROM clauses WHERE article_id = ?", (article_id,))
            self._insert_vectors(db, article_id, sentences, vectors)
            db.execute("UPDATE articles SET model = ? WHERE id = ?", (model, article_id))

    @staticmethod
    def _next_number(db: sqlite3.Connection, chat_id: int) -> int:
        """Numbers are never reused in a chat, so "#3" always meant one article."""
        db.execute("INSERT OR IGNORE INTO chats (id) VALUES (?)", (chat_id,))
        (number,) = db.execute("SELECT next_number FROM chats WHERE id = ?", (chat_id,)).fetchone()
        db.execute("UPDATE chats SET next_number = ? WHERE id = ?", (number + 1, chat_id))
        return int(number)

    @staticmethod
    def _insert_vectors(
        db: sqlite3.Connection,
        article_id: int,
        sentences: Sequence[Sentence],
        vectors: SentenceVectors,
    ) -> None:
        if len(vectors.sentences) != len(sentences):
            raise ValueError("one vector per sentence is required")
        db.executemany(
            "INSERT INTO sentences (article_id, position, number, text, start, end, vector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, s.number, s.text, s.start, s.end, _blob(vectors.sentences[i]))
                for i, s in enumerate(sentences)
            ],
        )
        db.executemany(
            "INSERT INTO clauses (article_id, position, vector) VALUES (?, ?, ?)",
            [
                (article_id, int(owner), _blob(vector))
                for owner, vector in zip(vectors.clause_owner, vectors.clauses, strict=True)
            ],
        )

    def remove(self, chat_id: int, number: int) -> StoredArticle | None:
        """Delete one article of a chat; None when the chat has no such article."""
        with self._write() as db:
            row = db.execute(
                f"{_LISTED} WHERE a.chat_id = ? AND a.number = ?", (chat_id, number)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM articles WHERE id = ?", (row[0],))
            return _listed(row)

    def move_chat(self, old_chat: int, new_chat: int) -> int:
        """Give ``old_chat``'s articles to ``new_chat`` (a group that became a supergroup).

        Numbers are kept unless the new chat already uses them; returns how many moved.
        """
        with self._write() as db:
            rows = db.execute(
                "SELECT id, number FROM articles WHERE chat_id = ? ORDER BY number", (old_chat,)
            ).fetchall()
            if not rows or old_chat == new_chat:
                return 0
            db.execute("INSERT OR IGNORE INTO chats (id) VALUES (?)", (new_chat,))
            taken = {
                int(n)
                for (n,) in db.execute(
                    "SELECT number FROM articles WHERE chat_id = ?", (new_chat,)
                ).fetchall()
            }
            for article_id, number in rows:
                if int(number) in taken:
                    number = self._next_number(db, new_chat)
                db.execute(
                    "UPDATE articles SET chat_id = ?, number = ? WHERE id = ?",
                    (new_chat, int(number), article_id),
                )
            (next_old,) = db.execute(
                "SELECT next_number FROM chats WHERE id = ?", (old_chat,)
            ).fetchone() or (1,)
            db.execute(
                "UPDATE chats SET next_number = MAX(next_number, ?, "
                "(SELECT COALESCE(MAX(number), 0) + 1 FROM articles WHERE chat_id = ?)) "
                "WHERE id = ?",
                (int(next_old), new_chat, new_chat),
            )
            db.execute("UPDATE threads SET group_id = ? WHERE group_id = ?", (new_chat, old_chat))
            return len(rows)

    def articles(self, chat_id: int) -> list[StoredArticle]:
        """A chat's articles, oldest first."""
        with self._read() as db:
            rows = db.execute(
                f"{_LISTED} WHERE a.chat_id = ? ORDER BY a.number", (chat_id,)
            ).fetchall()
        return [_listed(r) for r in rows]

    def article(self, chat_id: int, number: int) -> StoredArticle | None:
        with self._read() as db:
            row = db.execute(
                f"{_LISTED} WHERE a.chat_id = ? AND a.number = ?", (chat_id, number)
            ).fetchone()
        return _listed(row) if row else None

    def find_source(self, chat_id: int, source_kind: str, source_ref: str) -> StoredArticle | None:
        """The article added from one source (a channel post), if any."""
        with self._read() as db:
            row = db.execute(
                f"{_LISTED} WHERE a.chat_id = ? AND a.source_kind = ? AND a.source_ref = ?",
                (chat_id, source_kind, source_ref),
            ).fetchone()
        return _listed(row) if row else None

    def find_digest(self, chat_id: int, sha256: str) -> StoredArticle | None:
        """The chat's article with exactly this text, if it has one."""
        with self._read() as db:
            row = db.execute(
                f"{_LISTED} WHERE a.chat_id = ? AND a.sha256 = ?", (chat_id, sha256)
            ).fetchone()
        return _listed(row) if row else None

    def vectors(self, chat_id: int, number: int | None = None) -> list[ArticleVectors]:
        """A chat's articles (or one of them) with sentences and vectors, in one snapshot."""
        where, params = "a.chat_id = ?", [chat_id]
        if number is not None:
            where, params = f"{where} AND a.number = ?", [chat_id, number]
        found: list[ArticleVectors] = []
        with self._read() as db:
            rows = db.execute(f"{_LISTED} WHERE {where} ORDER BY a.number", params).fetchall()
            for row in rows:
                article, model = _listed(row), row[-1]  # the model that made its vectors
                sentence_rows = db.execute(
                    "SELECT number, text, start, end, vector FROM sentences WHERE article_id = ? "
                    "ORDER BY position",
                    (article.id,),
                ).fetchall()
                clause_rows = db.execute(
                    "SELECT position, vector FROM clauses WHERE article_id = ? ORDER BY rowid",
                    (article.id,),
                ).fetchall()
                sentences = [
                    Sentence(article.key, int(n), str(t), int(s), int(e))
                    for n, t, s, e, _ in sentence_rows
                ]
                found.append(
                    ArticleVectors(
                        article, sentences, _vectors(sentence_rows, clause_rows), str(model)
                    )
                )
        return found

    def data_version(self) -> int:
        """Changes when another connection (the command line beside the bot) commits."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # ------------------------------------------------------------------ chats and threads

    def set_autoadd(self, chat_id: int, on: bool) -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO chats (id) VALUES (?)", (chat_id,))
            db.execute("UPDATE chats SET autoadd = ? WHERE id = ?", (int(on), chat_id))

    def autoadd(self, chat_id: int) -> bool:
        with self._read() as db:
            row = db.execute("SELECT autoadd FROM chats WHERE id = ?", (chat_id,)).fetchone()
        return bool(row and row[0])

    def link_thread(self, group_id: int, thread_id: int, channel_id: int, post_id: int) -> None:
        """Remember that a discussion thread belongs to a channel post."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO threads (group_id, thread_id, channel_id, post_id) "
                "VALUES (?, ?, ?, ?)",
                (group_id, thread_id, channel_id, post_id),
            )

    def thread_post(self, group_id: int, thread_id: int) -> tuple[int, int] | None:
        """(channel id, post id) of the post a discussion thread comments on."""
        with self._read() as db:
            row = db.execute(
                "SELECT channel_id, post_id FROM threads WHERE group_id = ? AND thread_id = ?",
                (group_id, thread_id),
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else None


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, one committed step at a time."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"it has schema version {version}, made by a newer version of this program "
            f"(this one knows up to {SCHEMA_VERSION})"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        # executescript commits first, so the migration and its version bump are
        # written in one explicit transaction.
        db.executescript(
            f"BEGIN IMMEDIATE; {MIGRATIONS[target - 1]}; PRAGMA user_version = {target}; COMMIT;"
        )


def _on_read_only_disk(path: Path) -> bool:
    """Whether the database's folder (or its nearest existing parent) is mounted read-only."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def _vectors(sentence_rows: Sequence[Row], clause_rows: Sequence[Row]) -> SentenceVectors:
    def stack(blobs: list[bytes]) -> np.ndarray:
        if not blobs:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(b, dtype="<f4") for b in blobs]).astype(np.float32)

    sentences = stack([bytes(r[-1]) for r in sentence_rows])
    clauses = stack([bytes(r[1]) for r in clause_rows])
    if clauses.size == 0 and sentences.ndim == 2:
        clauses = np.zeros((0, sentences.shape[1]), dtype=np.float32)
    owners = np.asarray([int(r[0]) for r in clause_rows], dtype=np.int64)
    return SentenceVectors(sentences, clauses, owners)


def _sentence_row(row: Row) -> Sentence:
    number, text, start, end = row
    return Sentence("", int(number), str(text), int(start), int(end))


def _listed(row: Row) -> StoredArticle:
    (article_id, chat_id, number, kind, ref, title, sha, added_by, added_at, sentences, _) = row
    return StoredArticle(
        int(article_id),
        int(chat_id),
        int(number),
        str(kind),
        str(ref),
        str(title),
        str(sha),
        None if added_by is None else int(added_by),
        float(added_at),
        int(sentences),
    )
