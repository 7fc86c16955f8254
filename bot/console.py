"""The console chat: the same answering service as the bot, in a terminal.

Questions are answered from the operator's own article set (chat ``CONSOLE_CHAT``, plus
the seeds), which ``/add``, ``/articles`` and ``/remove`` manage as they do in a chat.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from bot import commands, texts
from bot.article_commands import article_number, summary_request
from bot.article_input import STDIN_ARGUMENT, read_article
from bot.commands import CONSOLE_CHAT
from bot.plain import (
    render_answer,
    render_console_added,
    render_console_articles,
    render_summary,
)
from index import AnsweringService, ArticleBotError, ArticleOrigin, Scope

PROMPT = "سؤالك> "
QUIT_COMMANDS = frozenset({"quit", "exit", "q"})
HELP_COMMANDS = frozenset({"help", "start"})
CONSOLE_SCOPE = Scope(CONSOLE_CHAT)


def run_chat(
    service: AnsweringService,
    *,
    summary_sentences: int,
    allow_private_urls: bool = False,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """Read questions until /quit or end of input; every reply goes through ``write``."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (importing it gives input() line editing and history)
    write(texts.CONSOLE_HELP)
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        reply = chat_reply(
            service,
            line,
            summary_sentences=summary_sentences,
            allow_private_urls=allow_private_urls,
        )
        if reply is None:
            return
        if reply:
            write(reply)


def chat_reply(
    service: AnsweringService,
    line: str,
    *,
    summary_sentences: int,
    allow_private_urls: bool = False,
) -> str | None:
    """The reply to one console line; None means the user asked to leave."""
    text = line.strip()
    if not text:
        return ""
    command = commands.command_name(text)
    if command is None and commands.is_help_request(text):
        return texts.CONSOLE_HELP
    if command is None:
        answer = service.ask(text, scope=CONSOLE_SCOPE)
        return render_answer(answer, max_question_chars=service.policy.max_question_chars)
    if command in QUIT_COMMANDS:
        return None
    if command in HELP_COMMANDS:
        return texts.CONSOLE_HELP
    argument = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    if command == "summary":
        return _summary(service, argument, summary_sentences)
    if command == "articles":
        return render_console_articles(service.articles(CONSOLE_CHAT))
    if command == "add":
        return _add(service, argument, allow_private_urls=allow_private_urls)
    if command == "remove":
        return _remove(service, argument)
    # As in the bot, a command it does not know is not a question: it gets the help.
    return f"{texts.UNKNOWN_COMMAND.format(command=text.split()[0])}\n{texts.CONSOLE_HELP}"


def _summary(service: AnsweringService, argument: str, default: int) -> str:
    """``/summary [#K] [N]``: article K, else the newest of the operator's articles (the
    seeds while there are none), read as the chats read it."""
    request = summary_request(argument)
    n = request.sentences or default
    if request.article is not None:
        picked = service.article_summary(CONSOLE_CHAT, request.article, n)
        if picked is None:
            return texts.UNKNOWN_ARTICLE.format(number=request.article)
        return render_summary(picked)
    newest = service.library.newest(CONSOLE_CHAT)
    if newest is not None:
        picked = service.article_summary(CONSOLE_CHAT, newest.number, n)
        if picked is not None:  # None only when it was removed meanwhile
            return render_summary(picked)
    return "\n\n".join(render_summary(s) for s in service.summarize(n))


def _add(service: AnsweringService, argument: str, *, allow_private_urls: bool) -> str:
    if not argument or argument == STDIN_ARGUMENT:  # standard input is this console
        return texts.CONSOLE_ADD_USAGE
    try:
        article = read_article(
            argument,
            max_chars=service.library.limits.max_chars,
            allow_private_urls=allow_private_urls,
        )
        added = service.add_article(
            CONSOLE_CHAT, article.text, ArticleOrigin(article.source_kind, article.source_ref)
        )
    except ArticleBotError as exc:
        return texts.CONSOLE_FAILED.format(problem=exc)
    except OSError as exc:  # a file this user may not read, a path through a file
        problem = f"cannot read {exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        return texts.CONSOLE_FAILED.format(problem=problem)
    return render_console_added(added)


def _remove(service: AnsweringService, argument: str) -> str:
    words = argument.split()
    number = article_number(words[0]) if words else None
    if number is None:
        return texts.REMOVE_USAGE
    try:
        removed = service.remove_article(CONSOLE_CHAT, number)
    except ArticleBotError as exc:  # no article database is open
        return texts.CONSOLE_FAILED.format(problem=exc)
    if removed is None:
        return texts.UNKNOWN_ARTICLE.format(number=number)
    return texts.REMOVED.format(number=removed.number, title=removed.title)
