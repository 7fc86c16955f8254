"""Chats' own articles: the time to add one, questions among 1,000 of them, and their memory.

Three figures for live articles, each measured through the answering service the bot uses:

* adding a 30-sentence article (``AnsweringService.add_article``: parse, embed, one SQLite
  transaction) into a real article database in a temporary folder;
* question latency in a chat's scope when the database holds 1,000 articles over 100 chats
  (10 each) against the same service holding one article, warm and on a chat's first
  question (its corpus built from the database);
* the peak memory (own VmHWM) of a fresh process that opens those 1,000 articles and answers
  questions across the 100 chats, next to one with no chat articles.

The articles are built from real Arabic sentences (the evaluation files' contexts given on the
command line), 30 per article, the first line the title. Embedding 30,000 sentences would take
many minutes, so the 1,000 articles are recombined from the sentences the timed adds embedded,
with those vectors, and stored with ``ArticleDatabase.add`` directly; the add path itself is
what the first figure times.

Run alone: ``python -m bench.articles --contexts FILE [--contexts FILE ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from index.embedding.embedder import Embedder, load_embedder
from index.evaluation.context_sets import ContextSet
from index.evaluation.datasets import read_context_sets
from index.retrieval.clauses import SentenceVectors
from index.scope import ArticleOrigin, Scope
from index.service import AnsweringService, open_service
from index.storage.database import ArticleDatabase, NewArticle
from index.text.articles import parse_article
from index.text.sentences import split_sentences

REPO = Path(__file__).resolve().parents[1]
ADDS = 20
ARTICLE_SENTENCES = 30  # the title and 29 body sentences
CHATS = 100
ARTICLES_PER_CHAT = 10
LATENCY_QUESTIONS = 200
PEAK_QUESTIONS_PER_CHAT = 3
# Sentences of a generated article: long enough to say something, short enough for a title.
MIN_SENTENCE_CHARS = 40
MAX_SENTENCE_CHARS = 300
FIRST_CHAT = -1_001_000_000_000  # supergroup-like ids, one per generated chat
SEED = 12

# Opens the service on the article database given as argv[1], answers the (chat, question)
# pairs read as JSON from stdin, then reports its own peak RSS (VmHWM, KiB) on stderr.
_PEAK_CHILD = """
import json, sys
from bench.articles import answer_across_chats
answer_across_chats(sys.argv[1], json.load(sys.stdin))
with open("/proc/self/status") as status_file:
    peak = next(line.split()[1] for line in status_file if line.startswith("VmHWM:"))
print(peak, file=sys.stderr)
"""

Report = Callable[[str, str], None]


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _ms(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):.1f} ms, p95 {np.percentile(values, 95):.1f} ms"


def _ask_ms(service: AnsweringService, question: str, chat: int) -> float:
    started = time.perf_counter()
    service.ask(question, scope=Scope(chat))
    return (time.perf_counter() - started) * 1000


@dataclass(frozen=True, slots=True)
class ArticleFigures:
    """What the section prints; times in milliseconds, memory in MiB."""

    add_ms: list[float]
    add_sentences: float
    fill_seconds: float
    stored_articles: int
    one_warm_ms: list[float]
    many_warm_ms: list[float]
    many_cold_ms: list[float]
    peak_many_mib: float
    peak_none_mib: float
    peak_questions: int


def sentence_pool(contexts: Sequence[ContextSet], seed: int = SEED) -> list[str]:
    """Distinct sentences that the product's splitter keeps whole, shuffled."""
    seen: dict[str, None] = {}
    for context in contexts:
        for text in context.sentences:
            spans = split_sentences(text)
            if len(spans) != 1 or "\n" in text:
                continue
            start, end = spans[0]
            text = text[start:end]  # as the splitter cuts it (invisible marks trimmed)
            if MIN_SENTENCE_CHARS <= len(text) <= MAX_SENTENCE_CHARS:
                seen[text] = None
    pool = list(seen)
    random.Random(seed).shuffle(pool)
    return pool


def article_text(sentences: Sequence[str]) -> str:
    """An article as a chat sends it: the first sentence as the title line, one per line."""
    return "\n".join(sentences)


def add_figures(service: AnsweringService, texts: Sequence[str], chat: int) -> list[float]:
    """Time each add of a distinct article; every one must be stored as new."""
    times: list[float] = []
    for text in texts:
        started = time.perf_counter()
        added = service.add_article(chat, text, ArticleOrigin("text"))
        times.append((time.perf_counter() - started) * 1000)
        if not added.created:
            raise RuntimeError("a generated article was not stored as new")
    return times


def embedded_pool(service: AnsweringService, chat: int) -> dict[str, SentenceVectors]:
    """Each sentence the adds embedded, with its vector and its clauses' vectors."""
    assert service.library.database is not None
    pool: dict[str, SentenceVectors] = {}
    for stored in service.library.database.vectors(chat):
        for i, sentence in enumerate(stored.sentences):
            pool[sentence.text] = stored.vectors.subset(i, i + 1)
    return pool


def fill_database(
    database: ArticleDatabase,
    pool: dict[str, SentenceVectors],
    chats: Sequence[int],
    model: str,
    dim: int,
    per_chat: int = ARTICLES_PER_CHAT,
    seed: int = SEED,
) -> int:
    """Store ``ARTICLES_PER_CHAT`` recombined articles per chat, without embedding anything.

    Within a chat no sentence repeats; the vectors are the ones the timed adds computed.
    """
    rng = random.Random(seed)
    texts = list(pool)
    needed = per_chat * ARTICLE_SENTENCES
    if len(texts) < needed:
        raise ValueError(f"{len(texts)} embedded sentences; a chat's articles need {needed}")
    stored = 0
    for chat in chats:
        picked = rng.sample(texts, needed)
        for a in range(per_chat):
            text = article_text(picked[a * ARTICLE_SENTENCES : (a + 1) * ARTICLE_SENTENCES])
            parsed = parse_article("new", text)
            sentences = parsed.sentences()
            vectors = SentenceVectors.concat([pool[s.text] for s in sentences], dim)
            new = NewArticle(
                chat_id=chat,
                source_kind="text",
                source_ref="",
                title=parsed.title.strip(),
                body=parsed.body,
                sha256=parsed.digest,
                added_by=None,
                sentences=sentences,
                vectors=vectors,
                model=model,
            )
            _, created = database.add(new)
            stored += created
    return stored


def answer_across_chats(database: str, asked: Sequence[tuple[int, str]]) -> None:
    """Open the service as the bot does (settings, int8 model) and answer in each chat's scope."""
    settings = load_settings()
    service, _ = open_service(
        settings.seeds_dir,
        settings.index_dir,
        settings.model_spec,
        database=Path(database),
        seeds_visible=settings.seeds_visible,
    )
    for chat, question in asked:
        service.ask(question, scope=Scope(chat))


def _peak_mib(database: Path, asked: Sequence[tuple[int, str]]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_CHILD, str(database)],
        input=json.dumps(list(asked)),
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "LOG_LEVEL": "WARNING"},
    )
    return int(done.stderr.split()[-1]) / 1024


def measure(
    settings: Settings, embedder: Embedder, pool: Sequence[str], questions: Sequence[str]
) -> ArticleFigures:
    """All three measurements, in a temporary folder."""
    needed = ADDS * ARTICLE_SENTENCES
    if len(pool) < needed + ARTICLE_SENTENCES:
        raise ValueError(
            f"the contexts give {len(pool)} usable sentences; "
            f"{needed + ARTICLE_SENTENCES} are needed"
        )
    rng = random.Random(SEED)
    chats = [FIRST_CHAT - i for i in range(CHATS)]

    def service_on(database: Path) -> AnsweringService:
        service, _ = open_service(
            settings.seeds_dir,
            settings.index_dir,
            settings.model_spec,
            embedder=embedder,
            database=database,
        )
        return service

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # 1. Adds through the service.
        adder = service_on(folder / "adds.sqlite3")
        texts = [
            article_text(pool[i * ARTICLE_SENTENCES : (i + 1) * ARTICLE_SENTENCES])
            for i in range(ADDS)
        ]
        warm_up = pool[needed : needed + ARTICLE_SENTENCES]
        adder.add_article(chats[0], article_text(warm_up), ArticleOrigin("text"))
        add_ms = add_figures(adder, texts, chats[1])
        listed = adder.articles(chats[1])
        add_sentences = statistics.mean(a.sentences for a in listed)
        vectors = embedded_pool(adder, chats[1])
        model = adder.library.model_stamp

        # 2. 1,000 articles over 100 chats, and one article in one chat.
        started = time.perf_counter()
        many_db = ArticleDatabase(folder / "many.sqlite3")
        stored = fill_database(many_db, vectors, chats, model, embedder.dim)
        many_db.close()
        fill_seconds = time.perf_counter() - started
        one_db = ArticleDatabase(folder / "one.sqlite3")
        fill_database(one_db, vectors, chats[:1], model, embedder.dim, per_chat=1)
        one_db.close()

        many = service_on(folder / "many.sqlite3")
        one = service_on(folder / "one.sqlite3")
        # Each chat's first question builds its corpus from the database.
        cold = [
            _ask_ms(many, questions[i % len(questions)], chat)
            for i, chat in enumerate(rng.sample(chats, len(chats)))
        ]
        one.ask(questions[0], scope=Scope(chats[0]))
        one_warm: list[float] = []
        many_warm: list[float] = []
        for question in questions[:LATENCY_QUESTIONS]:
            # The two services take turns, so the machine's load changes affect both alike.
            chat = rng.choice(chats)
            many_warm.append(_ask_ms(many, question, chat))
            one_warm.append(_ask_ms(one, question, chats[0]))

        # 3. Peak memory of a fresh process, with the 1,000 articles and with none.
        asked = [
            (chat, questions[(n * CHATS + i) % len(questions)])
            for n in range(PEAK_QUESTIONS_PER_CHAT)
            for i, chat in enumerate(chats)
        ]
        ArticleDatabase(folder / "none.sqlite3").close()
        peak_many = _peak_mib(folder / "many.sqlite3", asked)
        peak_none = _peak_mib(folder / "none.sqlite3", asked)
    return ArticleFigures(
        add_ms,
        add_sentences,
        fill_seconds,
        stored,
        one_warm,
        many_warm,
        cold,
        peak_many,
        peak_none,
        len(asked),
    )


def print_figures(figures: ArticleFigures, report: Report) -> None:
    print(f"\n### Chats' own articles ({figures.stored_articles:,} articles over {CHATS} chats)\n")
    ratio = statistics.median(figures.many_warm_ms) / statistics.median(figures.one_warm_ms)
    cold_ratio = statistics.median(figures.many_cold_ms) / statistics.median(figures.one_warm_ms)
    print(_row("what", "median", "p95", "runs"))
    print(_row("---", "---:", "---:", "---:"))
    for label, values in (
        (
            f"add a {figures.add_sentences:.0f}-sentence article (`add_article`)",
            figures.add_ms,
        ),
        ("question, chat scope, database with one article (warm)", figures.one_warm_ms),
        (
            f"question, chat scope, {figures.stored_articles:,} articles (warm)",
            figures.many_warm_ms,
        ),
        (
            f"first question of a chat, {figures.stored_articles:,} articles (corpus built)",
            figures.many_cold_ms,
        ),
    ):
        print(
            _row(
                label,
                f"{statistics.median(values):.1f} ms",
                f"{np.percentile(values, 95):.1f} ms",
                len(values),
            )
        )
    print(
        f"\nWarm question latency, {figures.stored_articles:,} articles against one: "
        f"{ratio:.2f}x (target at most 1.5x); a chat's first question: {cold_ratio:.2f}x."
    )
    print(
        f"Peak memory (own VmHWM) of a fresh process answering {figures.peak_questions} "
        f"questions across {CHATS} chats: {figures.peak_many_mib:.0f} MiB with "
        f"{figures.stored_articles:,} articles, {figures.peak_none_mib:.0f} MiB with none "
        f"(+{figures.peak_many_mib - figures.peak_none_mib:.0f} MiB)."
    )
    print(
        f"\nThe {figures.stored_articles:,} articles recombine the {ADDS * ARTICLE_SENTENCES} "
        f"sentences the timed adds embedded (no sentence twice in a chat) and were stored with "
        f"`ArticleDatabase.add` directly in {figures.fill_seconds:.1f} s; the add path is the "
        "first row."
    )
    report(
        f"add a {figures.add_sentences:.0f}-sentence article to a chat",
        _ms(figures.add_ms),
    )
    report(
        f"question in a chat's scope, {figures.stored_articles:,} articles over {CHATS} chats "
        "vs one article (warm)",
        f"{_ms(figures.many_warm_ms)} vs {_ms(figures.one_warm_ms)}, {ratio:.2f}x",
    )
    report(
        f"first question of a chat ({ARTICLES_PER_CHAT} articles, corpus built)",
        _ms(figures.many_cold_ms),
    )
    report(
        f"peak memory answering across {CHATS} chats, {figures.stored_articles:,} articles vs none",
        f"{figures.peak_many_mib:.0f} MiB vs {figures.peak_none_mib:.0f} MiB",
    )


def article_figures(
    settings: Settings, embedder: Embedder, contexts: Sequence[ContextSet], report: Report
) -> None:
    """The section of ``make bench``: measure, then print the table and the summary rows."""
    pool = sentence_pool(contexts)
    questions = [q for c in contexts for q, _ in c.questions]
    random.Random(SEED).shuffle(questions)
    print_figures(measure(settings, embedder, pool, questions), report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--contexts",
        type=Path,
        action="append",
        required=True,
        help="an evaluation file of context sets (repeat for more sentences)",
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    settings = load_settings()
    contexts = [c for path in args.contexts for c in read_context_sets(path)]
    embedder = load_embedder(settings.model_spec)
    rows: list[tuple[str, str]] = []
    try:
        article_figures(
            settings, embedder, contexts, lambda what, value: rows.append((what, value))
        )
    except ValueError as exc:  # too few usable sentences in the files given
        parser.error(str(exc))
    print()
    for what, value in rows:
        print(_row(what, value))


if __name__ == "__main__":
    main()
