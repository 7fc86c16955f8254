"""``article-bot``: build, ask, chat, summary, eval, finetune and run.

Heavy modules (torch, sentence-transformers, telegram) are imported inside the
commands that need them, so ``article-bot --help`` answers at once.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import texts
from bot.arguments import build_parser
from index.errors import ArticleBotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.service import AnsweringService

log = logging.getLogger("article_bot")

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what the shell reports for a reader that left early
# Loggers that must stay quieter than LOG_LEVEL=DEBUG: python-telegram-bot logs whole updates
# (question text, names) at DEBUG, httpx and httpcore log request URLs (which contain the
# token), and faiss reports which CPU build it loaded.
_LOGGER_FLOORS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "faiss.loader": logging.WARNING,
}


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
        status = _dispatch(args, settings)
        sys.stdout.flush()  # a reader that left early is noticed here, not at exit
        return status
    except ArticleBotError as exc:
        print(f"article-bot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `article-bot ask ... | head`: the reader has all it wanted
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a file or folder that cannot be used, e.g. DATA_DIR is a file
        print(f"article-bot: error: {_os_problem(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _os_problem(error: OSError) -> str:
    """One line naming the path and what is wrong with it."""
    reason = error.strerror or str(error)
    return f"cannot use {error.filename}: {reason}" if error.filename else reason


def _discard_stdout() -> None:
    """Send further output to the null device, so Python's own flush at exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout (captured output)
        pass


def _configure_logging(level: str, *, quiet: bool) -> None:
    threshold: int = logging.getLevelNamesMapping()[level]
    if quiet and threshold > logging.DEBUG:
        threshold = logging.WARNING
    logging.basicConfig(
        level=threshold,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name, floor in _LOGGER_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, threshold))


def _replace_undecodable_input() -> None:
    """Read bytes that are not UTF-8 on standard input as U+FFFD.

    Otherwise Python either raises on them or, in UTF-8 mode, hands on lone surrogates that
    the tokenizer refuses, and one bad line would cost the whole batch its answers.
    """
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")


def _from_argv(argument: str) -> str:
    """A command-line argument with bytes that are not UTF-8 read as U+FFFD (see above)."""
    return os.fsencode(argument).decode("utf-8", "replace")


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

    _replace_undecodable_input()
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

    if args.questions:
        questions = [_from_argv(q) for q in args.questions]
    else:
        _replace_undecodable_input()
        questions = [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not questions:
        print(
            "article-bot: error: no question given (pass it as an argument or on stdin)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    answers = service.ask_many(questions, k=max(args.k, 3))
    for question, answer in zip(questions, answers, strict=True):
        if args.json:
            record = {
                "question": question,  # as asked: the service shortens refused ones
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
            text = render_answer(
                answer,
                max_question_chars=service.policy.max_question_chars,
                max_sentences=args.k,
            )
            print(text, end="\n\n", flush=True)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from index.calibration import calibration_for
    from index.embedding import load_embedder
    from index.errors import EvalFileError
    from index.evaluation import (
        ArticleQuestion,
        evaluate_abstention_pairs,
        evaluate_article_questions,
        evaluate_contexts,
        method_scorer,
        read_eval_file,
    )
    from index.ranking import Method

    data = read_eval_file(args.file)
    method = Method(args.method)
    is_article_questions = bool(data) and isinstance(data[0], ArticleQuestion)
    if args.abstention:
        if is_article_questions:
            raise EvalFileError(
                f"{args.file}: --abstention needs context sets (sentences and questions); "
                "article questions already include off-topic ones"
            )
        calibration = calibration_for(settings.model_spec)
        pairs = evaluate_abstention_pairs(
            data,  # type: ignore[arg-type]
            load_embedder(settings.model_spec),
            calibration,
            settings.models_dir,
        )
        if args.json:
            print(json.dumps(pairs.as_dict()))
        else:
            print(
                f"{args.file.name} [abstention]: {pairs.questions} questions  own context "
                f"answered {pairs.answered_own:.3f}  other article declined "
                f"{pairs.declined_other:.3f}"
            )
        return 0
    if is_article_questions:
        method = Method.HYBRID  # what the answering service ranks with, whatever --method says
        service = _open(settings, progress=False)
        result = evaluate_article_questions(data, service)  # type: ignore[arg-type]
    else:
        embedder = load_embedder(settings.model_spec)
        scorer = method_scorer(method, calibration_for(settings.model_spec))
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
