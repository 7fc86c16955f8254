"""``article-bot``: build, ask, chat, summary, add, articles, remove, eval, finetune and run.

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
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from bot import texts
from bot.arguments import build_parser
from bot.errors import EXIT_ERROR, UsageError, error_line
from bot.line_batches import stdin_batches
from bot.logs import configure_logging
from index import ArticleBotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index import AnsweringService

log = logging.getLogger("article_bot")

# Questions from standard input answered with one model call at most: answers start at
# once and memory stays bounded however much input arrives (`yes | article-bot ask`).
ASK_BATCH = 32
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what the shell reports for a reader that left early


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from bot.settings import load_settings

        settings = load_settings()
        if args.command == "start":
            args.command = "run" if settings.telegram_bot_token else "chat"
            if args.command == "chat":
                print(texts.CONSOLE_NO_TOKEN, file=sys.stderr)
        quiet = args.command in {"ask", "chat", "summary", "add", "articles", "remove"}
        configure_logging(settings.log_level, quiet=quiet)
        status = _dispatch(args, settings)
        sys.stdout.flush()  # a reader that left early is noticed here, not at exit
        return status
    except ArticleBotError as exc:  # every expected failure, printed here and only here
        print(error_line(str(exc)), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `article-bot ask ... | head`: the reader has all it wanted
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a file or folder that cannot be used, e.g. DATA_DIR is a file
        print(error_line(_os_problem(exc)), file=sys.stderr)
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
    if args.command == "train-reranker":
        return _train_reranker(args, settings)
    if args.command in {"add", "articles", "remove"}:
        return _articles(args, settings)
    service = _open(settings, progress=args.command == "build")
    if args.command == "build":
        return 0
    if args.command == "ask":
        return _ask(service, args)
    if args.command == "summary":
        from bot.article_cli import summary_text

        print(summary_text(service, args, args.n or settings.summary_sentences))
        return 0
    from bot.console import run_chat

    _replace_undecodable_input()
    run_chat(
        service,
        summary_sentences=settings.summary_sentences,
        allow_private_urls=settings.allow_private_urls,
    )
    return 0


def _articles(args: argparse.Namespace, settings: Settings) -> int:
    from bot import article_cli

    if args.command == "add":
        return article_cli.add(args, settings)
    if args.command == "remove":
        return article_cli.remove(args, settings)
    return article_cli.list_articles(args, settings)


def _open(settings: Settings, *, progress: bool) -> AnsweringService:
    from bot.service import open_from_settings

    service, report = open_from_settings(settings, progress=progress)
    if progress:
        state = (
            f"rebuilt ({report.reason}): embedded {report.embedded}, reused {report.reused}"
            if report.rebuilt
            else "up to date"
        )
        print(f"index: {report.articles} article(s), {report.sentences} sentences, {state}")
    return service


def _ask(service: AnsweringService, args: argparse.Namespace) -> int:
    if args.questions:
        questions = [_from_argv(q) for q in args.questions]
        batches: Iterator[list[str]] = (
            questions[i : i + ASK_BATCH] for i in range(0, len(questions), ASK_BATCH)
        )
    elif sys.stdin is None:  # `article-bot ask <&-`
        raise UsageError("no question given (standard input is closed)")
    else:
        _replace_undecodable_input()
        # A line this long is refused as too long anyway; reading it whole would only cost memory.
        batches = stdin_batches(sys.stdin, ASK_BATCH, 4 * service.policy.max_question_chars)
    asked = 0
    for batch in batches:
        asked += len(batch)
        _print_answers(service, args, batch)
    if not asked:
        raise UsageError("no question given (pass it as an argument or on stdin)")
    return 0


def _print_answers(
    service: AnsweringService, args: argparse.Namespace, questions: list[str]
) -> None:
    from bot.plain import render_answer
    from index import Scope

    scopes = [Scope(args.chat)] * len(questions)  # the chat's articles and the seeds
    answers = service.ask_many(questions, k=max(args.k, 3), scopes=scopes)
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


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from index import EvalFileError
    from index.embedding import load_embedder
    from index.evaluation import (
        ArticleQuestion,
        evaluate_abstention_pairs,
        evaluate_article_questions,
        evaluate_contexts,
        method_scorer,
        read_eval_file,
    )
    from index.retrieval import Method, calibration_for, load_reranker

    data = read_eval_file(args.file, args.questions)
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
        spec = settings.model_spec
        reranker = (
            load_reranker(settings.reranker, spec.backend, spec.threads)
            if settings.reranker and method is Method.HYBRID
            else None
        )
        scorer = method_scorer(method, calibration_for(spec), reranker)
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
    from index.training import Recipe, finetune

    out = args.out or settings.models_dir / f"tuned-{args.file.stem}"
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; pass --overwrite to replace it")
    recipe = Recipe(
        dev_fraction=args.dev_fraction,
        epochs=args.epochs,
        negatives=args.negatives,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
    )
    report = finetune(
        local_model_dir(settings.model_spec),
        args.file,
        out,
        recipe,
        threads=settings.torch_threads,
        overwrite=args.overwrite,
    )
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


def _train_reranker(args: argparse.Namespace, settings: Settings) -> int:
    from index.embedding import load_embedder, local_model_dir
    from index.retrieval import calibration_for, load_reranker
    from index.training import RerankerRecipe, file_questions, train_reranker

    out = args.out or settings.models_dir / "reranker"
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; pass --overwrite to replace it")
    spec = settings.model_spec
    recipe = RerankerRecipe(epochs=args.epochs, max_steps=args.max_steps)
    questions = file_questions(args.files, load_embedder(spec), calibration_for(spec).weights)
    print(f"training on {len(questions)} questions from {len(args.files)} file(s)", flush=True)
    if settings.torch_threads > 0:
        import torch

        torch.set_num_threads(settings.torch_threads)
    report = train_reranker(
        local_model_dir(spec),
        questions,
        out,
        recipe,
        trained_on=[path.name for path in args.files],
        overwrite=args.overwrite,
    )
    # Loading it once now exports the int8 graph, so the bot's first start does not wait.
    load_reranker(out, spec.backend, spec.threads)
    print(f"re-ranker written to {out} ({report.steps} steps, {report.seconds:.0f} s)")
    print(f"use it with RERANKER={out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
