"""The command line's arguments: what each subcommand takes, checked before anything loads.

A wrong port or address is refused by argparse at once, instead of after the model
and the index have loaded.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from pathlib import Path

from bot.commands import CONSOLE_CHAT
from bot.urls import is_http_url
from index.training import DEFAULT_RECIPE, DEFAULT_RERANKER_RECIPE

MAX_PORT = 65535
# Telegram's chat ids fit in 52 bits; SQLite's integers in 63.
MAX_CHAT_ID = 2**62
# What argparse takes for a negative number rather than an option, plus article ids.
_NEGATIVE_ID = re.compile(r"^-\d+(#\S*)?$|^-\d*\.\d+$")
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and its arguments: long, but one flat declaration per command."""
    parser = argparse.ArgumentParser(
        prog="article-bot",
        description="Answer questions, in Arabic, about Arabic news articles.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("build", help="build or refresh the sentence index")

    ask = sub.add_parser(
        "ask",
        help="answer questions (arguments, or one per line on stdin)",
        description="Answer questions given as arguments, or one per line on standard input "
        "(blank lines are skipped). Bytes that are not UTF-8 are read as U+FFFD.",
    )
    ask.add_argument("questions", nargs="*", metavar="QUESTION")
    _chat_option(ask, "answer from this chat's articles (and the seeds)")
    ask.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per question: {"question", "answered", "answers"}',
    )
    ask.add_argument(
        "-k",
        type=_positive_int,
        default=3,
        metavar="N",
        help="at most N sentences per answer; with --json, the N best candidates (default 3)",
    )

    sub.add_parser("chat", help="interactive console chat")
    sub.add_parser("start", help="the Telegram bot when a token is set, otherwise the console chat")

    summary = sub.add_parser("summary", help="extractive summary of each article")
    summary.add_argument("-n", type=_positive_int, default=None, help="sentences (default 3)")
    _chat_option(summary, "summarise this chat's newest article (the seeds while it has none)")
    summary.add_argument(
        "--article", metavar="K", help="summarise article K (or #K, or the id CHAT#K) instead"
    )

    add = sub.add_parser(
        "add",
        help="add an article to a chat's set (a .txt/.html file, a link, or - for stdin)",
        description="Add an article: a UTF-8 .txt file (first line the title), a saved .html "
        "page, an http:// or https:// link, or - to read it from standard input. The same "
        "text added twice is stored once.",
    )
    add.add_argument("source", metavar="PATH_OR_URL")
    _chat_option(add, "add it to this chat's set")

    articles = sub.add_parser("articles", help="list a chat's articles")
    _chat_option(articles, "list this chat's articles")
    articles.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per article: {"id": "CHAT#K", "number", "title", ...}',
    )

    remove = sub.add_parser(
        "remove",
        help="remove one of a chat's articles",
        description="Remove article K of a chat (K, #K, or the article id CHAT#K as "
        "`articles --json` prints it). Its number is never given to another article.",
    )
    remove.add_argument("article", metavar="ARTICLE")
    _chat_option(remove, "the chat article K belongs to")
    # Lets the id of a group's article (-100123#4) through as ARTICLE, not as an option.
    remove._negative_number_matcher = _NEGATIVE_ID

    ev = sub.add_parser("eval", help="retrieval quality on an evaluation file")
    ev.add_argument("file", type=Path, metavar="FILE.jsonl")
    ev.add_argument(
        "--method",
        choices=["dense", "bm25", "fusion", "hybrid"],
        default="hybrid",
        help="ranking to score on context sets (default hybrid); article questions "
        "(gold_contains) are always answered by the bot's own service, which uses hybrid",
    )
    ev.add_argument(
        "--abstention",
        action="store_true",
        help="context sets only: ask each question of its own article and of another "
        "article of the file; report how many are answered and declined",
    )
    ev.add_argument(
        "--questions",
        type=Path,
        metavar="QUESTIONS.jsonl",
        help='context sets only: ask these questions instead ({"id", "question"} lines '
        "matched to the file's question ids, e.g. the same questions in English)",
    )
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
        default=DEFAULT_RECIPE.dev_fraction,
        help="share of articles held out to calibrate and score the result (default %(default)s)",
    )
    tune.add_argument("--epochs", type=_positive_int, default=DEFAULT_RECIPE.epochs)
    tune.add_argument(
        "--negatives",
        type=int,
        default=DEFAULT_RECIPE.negatives,
        help="hard negatives per question",
    )
    tune.add_argument("--learning-rate", type=float, default=DEFAULT_RECIPE.learning_rate)
    tune.add_argument("--batch-size", type=_positive_int, default=DEFAULT_RECIPE.batch_size)
    tune.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")

    rerank = sub.add_parser(
        "train-reranker",
        help="train the optional re-ranker on files of context sets (slow, CPU; see README)",
    )
    rerank.add_argument("files", type=Path, nargs="+", metavar="TRAIN.jsonl")
    rerank.add_argument("--out", type=Path, help="folder to write (default: <models dir>/reranker)")
    rerank.add_argument("--epochs", type=_positive_float, default=DEFAULT_RERANKER_RECIPE.epochs)
    rerank.add_argument(
        "--max-steps",
        type=_positive_int,
        default=DEFAULT_RERANKER_RECIPE.max_steps,
        help="stop after this many steps (a quick trial; default: the whole run)",
    )
    rerank.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")

    run = sub.add_parser("run", help="run the Telegram bot (long polling or webhook)")
    run.add_argument(
        "--webhook", metavar="URL", type=_webhook_url, help="public HTTPS URL for webhook mode"
    )
    run.add_argument(
        "--listen", default="0.0.0.0", type=_listen_address, help="webhook listen address"
    )
    run.add_argument("--port", type=_port, default=8443, help="webhook listen port (1-65535)")
    return parser


def _chat_option(parser: argparse.ArgumentParser, purpose: str) -> None:
    parser.add_argument(
        "--chat",
        type=_chat_id,
        default=CONSOLE_CHAT,
        metavar="ID",
        help=f"{purpose}; a Telegram chat id (default {CONSOLE_CHAT}: the operator's own set)",
    )


def _chat_id(value: str) -> int:
    """A Telegram chat id: negative for groups and channels, never a fraction."""
    try:
        number = int(value.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a chat id (a whole number)") from None
    if abs(number) > MAX_CHAT_ID:
        raise argparse.ArgumentTypeError(f"{value!r} is not a chat id (too large)")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number <= 100:  # also refuses nan and inf
        raise argparse.ArgumentTypeError("must be above 0 and at most 100")
    return number


def _port(value: str) -> int:
    number = _positive_int(value)
    if number > MAX_PORT:
        raise argparse.ArgumentTypeError(f"{number} is not a port (1-{MAX_PORT})")
    return number


def _listen_address(value: str) -> str:
    """An IP address or a host name; checked here rather than after the model has loaded."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        looks_numeric = value.replace(".", "").isdigit()  # 256.1.1.1 is no host name either
        if looks_numeric or not _HOSTNAME.fullmatch(value):
            message = f"{value!r} is not an IP address or host name"
            raise argparse.ArgumentTypeError(message) from None
    return value


def _webhook_url(value: str) -> str:
    if not is_http_url(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// URL")
    return value
