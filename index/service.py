"""The answering service: the one place that turns a question into an :class:`Answer`.

The console, the command line and the Telegram bot all call this; none of them
ranks anything itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answer import Answer, Passage, Status, Summary
from index.embedding.embedder import Embedder, ModelSpec, load_embedder
from index.library import CORPUS_CACHE, AddedArticle, ArticleLibrary
from index.limits import MAX_QUESTION_CHARS, MAX_SUMMARY_SENTENCES, ArticleLimits
from index.retrieval.abstention import DEFAULT_ABSTENTION, AbstentionModel, abstention_features
from index.retrieval.background import Background, load_background
from index.retrieval.calibration import calibration_for
from index.retrieval.corpus import Corpus
from index.retrieval.query_adapter import QueryAdapter
from index.retrieval.ranking import HYBRID_WEIGHTS, FusionWeights, Method, compute_signals, fuse
from index.retrieval.reranker import Reranker, load_reranker
from index.retrieval.summary import pick_summary_sentences
from index.retrieval.supporting import supporting_sentences
from index.scope import GLOBAL, ArticleOrigin, Scope
from index.storage.database import ArticleDatabase, StoredArticle
from index.storage.store import BuildReport, load_or_build
from index.text.articles import read_seeds
from index.text.normalize import content_terms, query_text, tokenize

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """How much to show: supporting sentences must come close to the best one."""

    max_supporting: int = 2
    # In fused units: a supporting sentence is at most this far below the best. On every
    # fitting set, a runner-up within 4 of the best is the answer 15-21% of the time, one
    # 4 to 8 below it 1-15%: worth a reader's glance up to here.
    supporting_gap: float = 4.0
    max_question_chars: int = MAX_QUESTION_CHARS
    weights: FusionWeights = HYBRID_WEIGHTS
    abstention: AbstentionModel = DEFAULT_ABSTENTION
    # Applied to question vectors before ranking and abstaining (see index.retrieval.query_adapter).
    adapter: QueryAdapter | None = None
    # Re-scores the ranking's first few sentences (opt-in; see index.retrieval.reranker).
    reranker: Reranker | None = None


class AnsweringService:
    """Answers questions, summarises and shows context for the global and the chats' articles.

    Every reading method takes a :class:`~index.library.Scope`: the global articles
    (the default), one chat's set, or one of its articles.
    """

    def __init__(
        self,
        embedder: Embedder,
        corpus: Corpus,
        policy: AnswerPolicy | None = None,
        background: Background | None = None,
        library: ArticleLibrary | None = None,
    ) -> None:
        self.embedder = embedder
        self.corpus = corpus
        self.policy = policy or AnswerPolicy()
        # Unrelated text the abstention decision measures each question against.
        self.background = background or load_background(embedder)
        self.library = library or ArticleLibrary(corpus, embedder)

    @property
    def titles(self) -> dict[str, str]:
        """The global articles' titles."""
        return dict(self.corpus.titles)

    def titles_for(self, scope: Scope = GLOBAL) -> dict[str, str]:
        return dict(self.library.corpus(scope).titles)

    def ask(self, question: str, k: int = 5, scope: Scope = GLOBAL) -> Answer:
        """Answer one question; ``k`` bounds how many ranked candidates the answer keeps."""
        return self.ask_many([question], k=k, scopes=[scope])[0]

    def ask_many(
        self, questions: Sequence[str], k: int = 5, scopes: Sequence[Scope] | None = None
    ) -> list[Answer]:
        """Answer a batch with one model call, which is what makes batches fast.

        ``scopes`` (one per question, global when omitted) lets one batch serve many chats.
        """
        started = time.perf_counter()
        if scopes is not None and len(scopes) != len(questions):
            raise ValueError("one scope per question is required")
        answers: list[Answer | None] = [self._reject(q) for q in questions]
        pending = [i for i, a in enumerate(answers) if a is None]
        if pending:
            vectors = self.embedder.embed_queries([query_text(questions[i]) for i in pending])
            if self.policy.adapter is not None:
                vectors = self.policy.adapter.apply(vectors)
            stats = self.background.stats(vectors)
            for row, i in enumerate(pending):
                corpus = self.library.corpus(scopes[i] if scopes is not None else GLOBAL)
                answers[i] = self._answer(corpus, questions[i].strip(), vectors[row], stats[row], k)
        done = [a for a in answers if a is not None]
        elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(questions), 1)
        for a in done:
            log.info(
                "question chars=%d status=%s confidence=%.2f ms=%.1f",
                len(a.question),
                a.status.value,
                a.confidence,
                elapsed_ms,
            )
        return done

    def _reject(self, question: str) -> Answer | None:
        """An answer for questions that need no search, or None to search."""
        text = question.strip()
        if len(text) > self.policy.max_question_chars:
            return Answer(question=text[:80], status=Status.TOO_LONG)
        if not tokenize(text):
            return Answer(question=text, status=Status.EMPTY)
        return None

    def _answer(
        self, corpus: Corpus, question: str, vector: np.ndarray, background: np.ndarray, k: int
    ) -> Answer:
        if not len(corpus):
            return Answer(question, Status.NOT_COVERED)
        signals = compute_signals(corpus, question, vector)
        scores = fuse(signals, Method.HYBRID, self.policy.weights)
        features = abstention_features(signals, background, question)
        confidence = self.policy.abstention.confidence(features)
        terms = tuple(dict.fromkeys(content_terms(question)))
        answers = self.policy.abstention.answers(features)
        # Re-ranking reorders what is shown; whether to answer was decided without it.
        if answers and self.policy.reranker is not None:
            scores = self.policy.reranker.rerank(question, corpus.sentences, scores)
        order = np.argsort(-scores, kind="stable")
        ranked = tuple(_passage(corpus, int(i), float(scores[i])) for i in order[: max(k, 1)])
        if not answers:
            return Answer(question, Status.NOT_COVERED, (), ranked, confidence, terms)
        shown = supporting_sentences(
            corpus.sentences,
            order,
            scores,
            self.policy.max_supporting,
            self.policy.supporting_gap,
        )
        passages = tuple(_passage(corpus, i, float(scores[i])) for i in shown)
        return Answer(question, Status.ANSWERED, passages, ranked, confidence, terms)

    def context(
        self, article_id: str, number: int, radius: int = 1, scope: Scope = GLOBAL
    ) -> tuple[Passage, ...]:
        """The sentence and its neighbours, for readers who want the surrounding text."""
        corpus = self.library.corpus(scope)
        return tuple(
            _passage(corpus, i, 0.0)
            for i, s in enumerate(corpus.sentences)
            if s.article_id == article_id and abs(s.number - number) <= radius
        )

    def summarize(
        self, n: int = 3, article_id: str | None = None, scope: Scope = GLOBAL
    ) -> list[Summary]:
        """One extractive summary of ``n`` sentences per article of ``scope`` (or of one)."""
        n = max(1, min(n, MAX_SUMMARY_SENTENCES))
        corpus = self.library.corpus(scope)
        summaries = []
        for aid, title in corpus.titles.items():
            if article_id is not None and aid != article_id:
                continue
            rows = [
                i for i, s in enumerate(corpus.sentences) if s.article_id == aid and not s.is_title
            ]
            picks = pick_summary_sentences(corpus.vectors[rows], n)
            passages = tuple(_passage(corpus, rows[p], 0.0) for p in picks)
            summaries.append(Summary(aid, title, passages))
        return summaries

    # ------------------------------------------------------------------ a chat's own articles

    def add_article(
        self,
        chat_id: int,
        text: str,
        origin: ArticleOrigin,
        *,
        replace_source: bool = False,
    ) -> AddedArticle:
        """Store an article for one chat; seconds of embedding, so call it off the event loop."""
        started = time.perf_counter()
        added = self.library.add(chat_id, text, origin, replace_source=replace_source)
        log.info(
            "article add kind=%s created=%s replaced=%s sentences=%d ms=%.0f",
            origin.kind,
            added.created,
            added.replaced,
            added.article.sentences,
            (time.perf_counter() - started) * 1000,
        )
        return added

    def move_chat(self, old_chat: int, new_chat: int) -> int:
        """A group became a supergroup: its articles go with it; returns how many moved."""
        moved = self.library.move_chat(old_chat, new_chat)
        log.info("chat migrated: %d article(s) moved", moved)
        return moved

    def remove_article(self, chat_id: int, number: int) -> StoredArticle | None:
        return self.library.remove(chat_id, number)

    def articles(self, chat_id: int) -> list[StoredArticle]:
        return self.library.articles(chat_id)

    def article_summary(self, chat_id: int, number: int, n: int = 3) -> Summary | None:
        """The summary of one of a chat's articles; None when the chat has no such article."""
        stored = self.library.database.article(chat_id, number) if self.library.database else None
        if stored is None:
            return None
        found = self.summarize(n, stored.key, Scope(chat_id, number))
        return found[0] if found else None


def _passage(corpus: Corpus, i: int, score: float) -> Passage:
    s = corpus.sentences[i]
    return Passage(s.article_id, corpus.titles.get(s.article_id, ""), s.number, s.text, score)


def open_service(
    seeds_dir: Path,
    index_dir: Path,
    model: ModelSpec,
    *,
    progress: bool = False,
    embedder: Embedder | None = None,
    max_question_chars: int = MAX_QUESTION_CHARS,
    database: Path | None = None,
    seeds_visible: bool = True,
    limits: ArticleLimits | None = None,
    corpus_cache: int = CORPUS_CACHE,
    reranker: Path | None = None,
) -> tuple[AnsweringService, BuildReport]:
    """Read the seeds, load the model and the index (building it if needed).

    The ranking weights and the abstention model are the ones calibrated for
    ``model`` (see :mod:`index.retrieval.calibration`). With ``database`` the chats'
    own articles are served from (and added to) that SQLite file; with ``reranker`` the
    first sentences of each ranking are re-scored by the re-ranker in that folder.
    """
    articles = read_seeds(seeds_dir)
    # Opened first: a damaged database should stop start-up before minutes of indexing.
    chat_articles = ArticleDatabase(database) if database is not None else None
    calibration = calibration_for(model)
    # Loaded before the index: a wrong RERANKER should stop start-up before minutes of work.
    cross = load_reranker(reranker, model.backend, model.threads) if reranker else None
    embedder = embedder or load_embedder(model)
    corpus, report = load_or_build(index_dir, articles, embedder, progress=progress)
    # A property of the model, not of the articles: kept once per model beside the models.
    background = load_background(embedder, model.models_dir)
    policy = AnswerPolicy(
        max_question_chars=max_question_chars,
        weights=calibration.weights,
        abstention=calibration.abstention,
        adapter=calibration.adapter,
        reranker=cross,
    )
    library = ArticleLibrary(
        corpus,
        embedder,
        chat_articles,
        seeds_visible=seeds_visible,
        limits=limits,
        cache_size=corpus_cache,
    )
    return AnsweringService(embedder, corpus, policy, background, library), report
