"""The article database: one transaction per add, per-chat numbering, migrations, bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.errors import ArticleDatabaseError, ArticleRejected
from index.retrieval.clauses import SentenceVectors
from index.storage.database import SCHEMA_VERSION, ArticleDatabase, NewArticle
from index.text.sentences import article_sentences

DIM = 8


def new_article(chat_id: int, body: str, *, ref: str = "", kind: str = "text") -> NewArticle:
    sentences = article_sentences("new", "عنوان", body)
    rng = np.random.default_rng(len(body))
    vectors = rng.standard_normal((len(sentences), DIM)).astype(np.float32)
    clauses = vectors[:1] * 2
    return NewArticle(
        chat_id=chat_id,
        source_kind=kind,
        source_ref=ref,
        title="عنوان",
        body=body,
        sha256=f"digest-{body}",
        added_by=7,
        sentences=sentences,
        vectors=SentenceVectors(vectors, clauses, np.asarray([1], dtype=np.int64)),
        model="m",
    )


def test_add_list_and_read_back_vectors(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    new = new_article(-1, "جملة أولى. جملة ثانية.")
    stored, created = db.add(new)
    assert created and stored.number == 1 and stored.sentences == 3 and stored.key == "-1#1"
    (loaded,) = db.vectors(-1)
    assert [s.text for s in loaded.sentences] == [s.text for s in new.sentences]
    assert {s.article_id for s in loaded.sentences} == {"-1#1"}
    np.testing.assert_array_equal(loaded.vectors.sentences, new.vectors.sentences)
    np.testing.assert_array_equal(loaded.vectors.clauses, new.vectors.clauses)
    assert loaded.vectors.clause_owner.tolist() == [1]
    assert db.articles(-2) == [] and db.vectors(-2) == []


def test_same_text_is_stored_once_and_numbers_are_per_chat_and_never_reused(
    tmp_path: Path,
) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    first, _ = db.add(new_article(-1, "نص أول."))
    again, created = db.add(new_article(-1, "نص أول."))
    assert not created and again.id == first.id
    assert db.add(new_article(-2, "نص أول."))[0].number == 1  # another chat has its own set
    second, _ = db.add(new_article(-1, "نص ثان."))
    assert second.number == 2
    assert db.remove(-1, 2) is not None and db.remove(-1, 2) is None
    assert db.add(new_article(-1, "نص ثالث."))[0].number == 3
    assert [a.number for a in db.articles(-1)] == [1, 3]


def test_the_limit_is_checked_with_the_insert(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    db.add(new_article(-1, "نص أول."), max_articles=1)
    with pytest.raises(ArticleRejected) as refused:
        db.add(new_article(-1, "نص ثان."), max_articles=1)
    assert refused.value.reason == "too_many" and "MAX_ARTICLES_PER_CHAT" in str(refused.value)
    assert db.add(new_article(-1, "نص أول."), max_articles=1)[1] is False  # a repeat is fine


def test_a_failed_add_leaves_nothing_behind(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    broken = new_article(-1, "جملة أولى. جملة ثانية.")
    short = SentenceVectors(broken.vectors.sentences[:1], broken.vectors.clauses, np.zeros(1, int))
    with pytest.raises(ValueError, match="one vector per sentence"):
        db.add(
            NewArticle(**{**{f: getattr(broken, f) for f in broken.__slots__}, "vectors": short})
        )
    assert db.articles(-1) == []
    raw = sqlite3.connect(tmp_path / "a.sqlite3")
    assert raw.execute("SELECT COUNT(*) FROM sentences").fetchone() == (0,)


def test_edited_source_is_replaced_under_its_number(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    stored, _ = db.add(new_article(-5, "نص المنشور.", ref="42", kind="channel_post"))
    found = db.find_source(-5, "channel_post", "42")
    assert found is not None and found.id == stored.id
    edited = db.replace(found, new_article(-5, "نص المنشور بعد التعديل. وجملة.", ref="42"))
    assert edited.number == stored.number and edited.sentences == 3
    assert [s.text for s in db.vectors(-5)[0].sentences][-1] == "وجملة."


def test_schema_is_versioned_and_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    ArticleDatabase(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(ArticleDatabaseError, match="newer version"):
        ArticleDatabase(path)


def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    path.write_bytes(b"these are notes, not a database" * 100)
    with pytest.raises(ArticleDatabaseError, match="left as it is") as refused:
        ArticleDatabase(path)
    assert str(path) in str(refused.value)
    assert path.read_bytes().startswith(b"these are notes")


def test_threads_and_autoadd_survive_a_reopen(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    db.set_autoadd(-100, True)
    db.link_thread(-200, 11, -100, 5)
    db.close()
    again = ArticleDatabase(tmp_path / "a.sqlite3")
    assert again.autoadd(-100) and not again.autoadd(-300)
    assert again.thread_post(-200, 11) == (-100, 5) and again.thread_post(-200, 12) is None


def test_another_connection_s_commit_is_noticed(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    before = db.data_version()
    other = ArticleDatabase(tmp_path / "a.sqlite3")
    other.add(new_article(-1, "نص."))
    assert db.data_version() != before and len(db.articles(-1)) == 1


def test_a_read_only_disk_serves_what_is_stored_and_refuses_adds(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite3"
    writable = ArticleDatabase(path)
    writable.add(new_article(-1, "نص محفوظ."))
    writable.close()
    monkeypatch.setattr("index.storage.database._on_read_only_disk", lambda _: True)
    served = ArticleDatabase(path)
    assert [a.number for a in served.articles(-1)] == [1] and len(served.vectors(-1)) == 1
    with pytest.raises(ArticleRejected, match="read-only") as refused:
        served.add(new_article(-1, "نص جديد."))
    assert refused.value.reason == "read_only"
    empty = ArticleDatabase(tmp_path / "never" / "b.sqlite3")
    assert empty.articles(-1) == [] and not (tmp_path / "never").exists()


def test_a_read_only_disk_serves_adds_still_in_the_write_ahead_log(tmp_path, monkeypatch):
    """A writer still open (or killed) has its commits in the -wal file, not yet in the main
    file: a read-only opening sees them too, instead of an empty or table-less file."""
    path = tmp_path / "a.sqlite3"
    writer = ArticleDatabase(path)  # kept open: nothing is checkpointed into the file
    writer.add(new_article(-1, "نص محفوظ."))
    assert path.with_name("a.sqlite3-wal").stat().st_size > 0
    monkeypatch.setattr("index.storage.database._on_read_only_disk", lambda _: True)
    served = ArticleDatabase(path)
    assert [a.number for a in served.articles(-1)] == [1] and len(served.vectors(-1)) == 1
    writer.close()


def test_a_group_s_articles_follow_it_when_it_becomes_a_supergroup(tmp_path: Path) -> None:
    db = ArticleDatabase(tmp_path / "a.sqlite3")
    db.add(new_article(-5, "نص أول."))
    db.add(new_article(-5, "نص ثان."))
    db.remove(-5, 1)
    db.link_thread(-5, 3, -77, 9)
    db.add(new_article(-1005, "نص في المجموعة الجديدة."))  # the new chat already has #1
    assert db.move_chat(-5, -1005) == 1
    assert db.articles(-5) == [] and db.move_chat(-5, -1005) == 0
    moved = db.articles(-1005)
    assert [a.number for a in moved] == [1, 2]  # #2 kept its number; #1 was taken
    assert {a.key for a in moved} == {"-1005#1", "-1005#2"}
    assert db.thread_post(-1005, 3) == (-77, 9)
    assert db.add(new_article(-1005, "نص آخر."))[0].number == 3  # numbers still never reused
