"""Chats' own articles: each chat ranks over the seeds plus its own, never another chat's."""

from __future__ import annotations

import sqlite3

import pytest

from index import ArticleLimits, ArticleOrigin, ArticleRejected, Scope, Status
from index.library import ArticleLibrary
from index.service import AnsweringService
from index.storage.database import ArticleDatabase
from tests.conftest import ARTICLES_DIR

WATER = (ARTICLES_DIR / "desalination.txt").read_text("utf-8")
FOOTBALL = (ARTICLES_DIR / "football.txt").read_text("utf-8")
WATER_QUESTION = "كم متر مكعب من المياه العذبة تنتج المحطة يوميا؟"
SEED_QUESTION = "من التقى وزير الخارجية الروسي؟"


def answered_titles(service: AnsweringService, question: str, scope: Scope) -> set[str]:
    answer = service.ask(question, scope=scope)
    return {p.article_title for p in answer.passages} if answer.answered else set()


def test_a_chat_is_answered_from_its_article_and_no_other_chat_sees_it(live_service):
    added = live_service.add_article(-100, WATER, ArticleOrigin("text", added_by=1))
    assert added.created and added.article.number == 1 and added.article.sentences == 9
    title = WATER.splitlines()[0]
    answer = live_service.ask(WATER_QUESTION, scope=Scope(-100))
    assert answer.answered and answer.best is not None
    assert answer.best.article_title == title and "خمسين ألف متر مكعب" in answer.best.text
    # Another group, a private chat and the global set (inline) never see it.
    for other in (Scope(-200), Scope(12345), Scope()):
        shown = live_service.ask(WATER_QUESTION, k=50, scope=other)
        assert title not in {p.article_title for p in shown.ranked}
        assert all(s.article_title != title for s in live_service.summarize(3, scope=other))
    # The seeds stay visible in the chat.
    assert answered_titles(live_service, SEED_QUESTION, Scope(-100)) == set(
        live_service.titles.values()
    )


def test_one_article_scope_answers_from_that_article_only(live_service):
    live_service.add_article(-100, WATER, ArticleOrigin("text"))
    live_service.add_article(-100, FOOTBALL, ArticleOrigin("text"))
    only_football = Scope(-100, article=2)
    ranked = live_service.ask(WATER_QUESTION, k=50, scope=only_football).ranked
    assert {p.article_title for p in ranked} <= {FOOTBALL.splitlines()[0]}
    summary = live_service.article_summary(-100, 2)
    assert summary is not None and summary.article_title == FOOTBALL.splitlines()[0]
    assert live_service.article_summary(-100, 3) is None
    assert live_service.article_summary(-200, 2) is None


def test_the_same_text_twice_is_stored_once(live_service):
    first = live_service.add_article(-100, WATER, ArticleOrigin("text"))
    again = live_service.add_article(-100, WATER, ArticleOrigin("document"))
    assert not again.created and again.article.number == first.article.number
    respaced = "\n\n".join(line + "  " for line in WATER.splitlines()).replace(" ", "  ")
    assert not live_service.add_article(-100, respaced, ArticleOrigin("text")).created
    assert len(live_service.articles(-100)) == 1


def test_limits_and_bad_texts_are_refused_by_name(live_service):
    longest = max(len(WATER), len(FOOTBALL))
    live_service.library.limits = ArticleLimits(max_chars=longest, max_articles=1)
    with pytest.raises(ArticleRejected) as too_long:
        live_service.add_article(-100, WATER + "جملة. " * 100, ArticleOrigin("text"))
    assert too_long.value.reason == "too_long" and "MAX_ARTICLE_CHARS" in str(too_long.value)
    with pytest.raises(ArticleRejected) as empty:
        live_service.add_article(-100, "   \n  ", ArticleOrigin("text"))
    assert empty.value.reason == "unreadable"
    live_service.add_article(-100, FOOTBALL, ArticleOrigin("text"))
    with pytest.raises(ArticleRejected) as too_many:
        live_service.add_article(-100, WATER, ArticleOrigin("text"))
    assert too_many.value.reason == "too_many"
    assert len(live_service.articles(-100)) == 1


def test_removed_article_is_no_longer_answered(live_service):
    live_service.add_article(-100, WATER, ArticleOrigin("text"))
    assert live_service.ask(WATER_QUESTION, scope=Scope(-100)).answered
    removed = live_service.remove_article(-100, 1)
    assert removed is not None and live_service.remove_article(-100, 1) is None
    assert live_service.ask(WATER_QUESTION, scope=Scope(-100)).status is Status.NOT_COVERED


def test_hidden_seeds_leave_only_the_chat_s_articles(live_service):
    live_service.library.seeds_visible = False
    live_service.add_article(-100, WATER, ArticleOrigin("text"))
    ranked = live_service.ask(SEED_QUESTION, k=100, scope=Scope(-100)).ranked
    assert {p.article_title for p in ranked} == {WATER.splitlines()[0]}


def test_vectors_of_another_model_are_re_embedded_and_saved(live_service, tmp_path):
    live_service.add_article(-100, WATER, ArticleOrigin("text"))
    path = tmp_path / "articles.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("UPDATE articles SET model = 'another model'")
    raw.execute("UPDATE sentences SET vector = zeroblob(length(vector))")
    raw.commit()
    reopened = AnsweringService(
        live_service.embedder,
        live_service.corpus,
        live_service.policy,
        live_service.background,
        ArticleLibrary(live_service.corpus, live_service.embedder, ArticleDatabase(path)),
    )
    assert reopened.ask(WATER_QUESTION, scope=Scope(-100)).answered
    assert raw.execute("SELECT DISTINCT model FROM articles").fetchall() == [
        (reopened.library.model_stamp,)
    ]


def test_an_add_by_another_process_is_seen_without_a_restart(live_service, tmp_path):
    assert not live_service.ask(WATER_QUESTION, scope=Scope(-100)).answered  # cached empty set
    other = ArticleLibrary(
        live_service.corpus,
        live_service.embedder,
        ArticleDatabase(tmp_path / "articles.sqlite3"),
    )
    other.add(-100, WATER, ArticleOrigin("file"))
    assert live_service.ask(WATER_QUESTION, scope=Scope(-100)).answered


def test_a_chat_s_first_question_indexes_its_sentences_once(live_service, monkeypatch):
    # Building the lexical index is most of a chat's first question; the chat's set (seeds
    # plus its own articles) is indexed once, not its own articles first and then again.
    from index.retrieval import corpus

    indexed: list[int] = []
    original = corpus.LexicalIndex

    def counting(texts):
        indexed.append(len(texts))
        return original(texts)

    live_service.add_article(-100, WATER, ArticleOrigin("text"))
    live_service.add_article(-100, FOOTBALL, ArticleOrigin("text"))
    monkeypatch.setattr(corpus, "LexicalIndex", counting)
    answer = live_service.ask(WATER_QUESTION, scope=Scope(-100))
    assert answer.answered
    assert indexed == [
        len(live_service.corpus) + sum(a.sentences for a in live_service.articles(-100))
    ]
    live_service.ask(SEED_QUESTION, scope=Scope(-100))
    assert len(indexed) == 1


def test_only_the_most_recent_chats_stay_in_memory(live_service, tmp_path):
    library = ArticleLibrary(
        live_service.corpus,
        live_service.embedder,
        ArticleDatabase(tmp_path / "articles.sqlite3"),
        cache_size=2,
    )
    built = {}
    for chat in (-1, -2, -3):
        library.add(chat, WATER, ArticleOrigin("text"))
        built[chat] = library.corpus(Scope(chat))
    assert library.corpus(Scope(-3)) is built[-3]  # kept
    rebuilt = library.corpus(Scope(-1))  # the oldest was dropped: built again, the same set
    assert rebuilt is not built[-1]
    assert [s.text for s in rebuilt.sentences] == [s.text for s in built[-1].sentences]
