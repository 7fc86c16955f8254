"""``article-bot``: build, ask, chat, summary, eval, finetune and run.

Heavy modules (torch, sentence-transformers, telegram) are imported inside the
commands that need them, so ``article-bot --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import texts
from index.errors import ArticleBotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.service import AnsweringService

log = logging.getLogger("article_bot")

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="article-bot",
        description="Answer questions, in Arabic, about Arabic news articles.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("build", help="build or refresh the sentence index")

    ask = sub.add_parser("ask", help="answer questions (arguments, or one per line on stdin)")
    ask.add_argument("questions", nargs="*", metavar="QUESTION")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("-k", type=_positive_int, default=3, help="answers per question (default 3)")

    sub.add_parser("chat", help="interactive console chat")
    sub.add_parser("start", help="the Telegram bot when a token is set, otherwise the console chat")

    summary = sub.add_parser("summary", help="extractive summary of each article")
    summary.add_argument("-n", type=_positive_int, default=None, help="sentences (default 3)")

    ev = sub.add_parser("eval", help="retrieval quality on an evaluation file")
    ev.add_argument("file", type=Path, metavar="FILE.jsonl")
    ev.add_argument("--method", choices=["dense", "bm25", "fusion", "hybrid"], default="hybrid")
    ev.add_argument("--json", action="store_true", help="print one JSON object")

    tune = sub.add_parser(
        "finetune",
        help="fine-tune the embedding model on a training file of context sets (slow, CPU)",
    )
    tune.add_argument("file", type=Path, metavar="TRAIN.jsonl")
    tune.add_argument(
        "--out", type=Path, help="model folder to write (default: <models dir>/tuned-<file name>)"
    )
    tune.add_argument(
        "--dev-fraction",
        type=float,
        default=0.3,
        help="share of articles held out to calibrate and score the result (default 0.3)",
    )
    tune.add_argument("--epochs", type=_positive_int, default=2)
    tune.add_argument("--negatives", type=int, default=3, help="hard negatives per question")
    tune.add_argument("--learning-rate", type=float, default=5e-5)
    tune.add_argument("--batch-size", type=_positive_int, default=16)
    tune.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")

    run = sub.add_parser("run", help="run the Telegram bot (long polling or webhook)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL for webhook mode")
    run.add_argument("--listen", default="0.0.0.0", help="webhook listen address")
    run.add_argument("--port", type=_positive_int, default=8443, help="webhook listen port")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from bot.settings import load_settings

        settings = load_settings()
        if args.command == "start":
            args.command = "run" if settings.telegram_bot_token else "chat"
            if args.command == "chat":
                print(texts.CONSOLE_NO_TOKEN, file=sys.stderr)
        _configure_logging(settings.log_level, quiet=args.command in {"ask", "chat", "summary"})
        return _dispatch(args, settings)
    except ArticleBotError as exc:
        print(f"article-bot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _configure_logging(level: str, *, quiet: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet and level != "DEBUG" else level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        from bot.telegram.runner import run_bot

        return run_bot(settings, webhook_url=args.webhook, listen=args.listen, port=args.port)
    if args.command == "eval":
        return _eval(args, settings)
    if args.command == "finetune":
        return _finetune(args, settings)
    service = _open(settings, progress=args.command == "build")
    if args.command == "build":
        return 0
    if args.command == "ask":
        return _ask(service, args)
    if args.command == "summary":
        from bot.plain import render_summary

        n = args.n or settings.summary_sentences
        print("\n\n".join(render_summary(s) for s in service.summarize(n)))
        return 0
    from bot.console import run_chat

    run_chat(service, summary_sentences=settings.summary_sentences)
    return 0


def _open(settings: Settings, *, progress: bool) -> AnsweringService:
    from index.service import open_service

    service, report = open_service(
        settings.seeds_dir,
        settings.index_dir,
        settings.model_spec,
        progress=progress,
        max_question_chars=settings.max_question_chars,
    )
    if progress:
        state = (
            f"rebuilt ({report.reason}): embedded {report.embedded}, reused {report.reused}"
            if report.rebuilt
            else "up to date"
        )
        print(f"index: {report.articles} article(s), {report.sentences} sentences, {state}")
    return service


def _ask(service: AnsweringService, args: argparse.Namespace) -> int:
    from bot.plain import render_answer

    questions = list(args.questions) or [
        line for line in sys.stdin.read().splitlines() if line.strip()
    ]
    if not questions:
        print(
            "article-bot: error: no question given (pass it as an argument or on stdin)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    for answer in service.ask_many(questions, k=max(args.k, 3)):
        if args.json:
            record = {
                "question": answer.question,
                "answered": answer.answered,
                "answers": [
                    {
                        "text": p.text,
                        "score": round(p.score, 4),
                        "article": p.article_id,
                        "sentence": p.number,
                    }
                    for p in (answer.ranked[: args.k] if answer.answered else ())
                ],
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(render_answer(answer, max_question_chars=service.policy.max_question_chars))
            print()
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from index.calibration import calibration_for
    from index.embedding import load_embedder
    from index.evaluation import (
        ArticleQuestion,
        evaluate_article_questions,
        evaluate_contexts,
        method_scorer,
        read_eval_file,
    )
    from index.ranking import Method

    data = read_eval_file(args.file)
    method = Method(args.method)
    if data and isinstance(data[0], ArticleQuestion):
        service = _open(settings, progress=False)
        result = evaluate_article_questions(data, service)  # type: ignore[arg-type]
    else:
        embedder = load_embedder(settings.model_spec)
        weights = calibration_for(settings.model_spec).weights
        scorer = method_scorer(method, weights)
        result = evaluate_contexts(data, embedder, scorer)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(
            f"{args.file.name} [{method.value}]: {result.questions} questions  "
            f"top-1 {result.top1:.3f}  top-3 {result.top3:.3f}  MRR {result.mrr:.3f}  "
            f"answered {result.answered}  abstained {result.abstained}"
        )
    return 0


def _finetune(args: argparse.Namespace, settings: Settings) -> int:
    from index.embedding import local_model_dir
    from index.finetune import finetune

    out = args.out or settings.models_dir / f"tuned-{args.file.stem}"
    try:
        report = finetune(
            local_model_dir(settings.model_spec),
            args.file,
            out,
            dev_fraction=args.dev_fraction,
            epochs=args.epochs,
            negatives=args.negatives,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            threads=settings.torch_threads,
            overwrite=args.overwrite,
        )
    except ModuleNotFoundError as exc:  # the training libraries are an optional extra
        print(
            f"article-bot: error: fine-tuning needs the 'train' extra ({exc.name} is missing): "
            "pip install -e '.[train]'",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except FileExistsError:
        print(f"article-bot: error: {out} exists; pass --overwrite to replace it", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:
        print(f"article-bot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    labels = ("before", "after (hybrid weights fitted on these dev articles)")
    for label, metrics in zip(labels, (report.dev_base, report.dev_finetuned), strict=True):
        for method, figures in metrics.items():
            print(
                f"dev {label}, {method}: top-1 {figures['top1']:.3f}  "
                f"top-3 {figures['top3']:.3f}  MRR {figures['mrr']:.3f}"
            )
    print(f"model written to {out} ({report.steps} steps, {report.train_seconds:.0f} s)")
    print(f"use it with EMBEDDING_MODEL={out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
