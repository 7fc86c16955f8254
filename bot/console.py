"""The console chat: the same answering service as the bot, in a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from bot import commands, texts
from bot.plain import render_answer, render_summary
from index import AnsweringService

PROMPT = "سؤالك> "
QUIT_COMMANDS = frozenset({"quit", "exit", "q"})
HELP_COMMANDS = frozenset({"help", "start"})


def run_chat(
    service: AnsweringService,
    *,
    summary_sentences: int,
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
        reply = chat_reply(service, line, summary_sentences=summary_sentences)
        if reply is None:
            return
        if reply:
            write(reply)


def chat_reply(service: AnsweringService, line: str, *, summary_sentences: int) -> str | None:
    """The reply to one console line; None means the user asked to leave."""
    text = line.strip()
    if not text:
        return ""
    command = commands.command_name(text)
    if command is None:
        answer = service.ask(text)
        return render_answer(answer, max_question_chars=service.policy.max_question_chars)
    if command in QUIT_COMMANDS:
        return None
    if command in HELP_COMMANDS:
        return texts.CONSOLE_HELP
    if command == "summary":
        n = commands.summary_sentences(" ".join(text.split()[1:])) or summary_sentences
        return "\n\n".join(render_summary(s) for s in service.summarize(n))
    # As in the bot, a command it does not know is not a question: it gets the help.
    return f"{texts.UNKNOWN_COMMAND.format(command=text.split()[0])}\n{texts.CONSOLE_HELP}"
