"""The console chat over the shared answering service."""

from __future__ import annotations

import pytest

from bot import texts
from bot.console import chat_reply, run_chat


def test_chat_session(service):
    lines = iter(["عمليات فرار", "", "/summary 2", "ما هي عاصمة فرنسا؟", "/help", "/quit", "never"])
    output: list[str] = []
    run_chat(service, summary_sentences=3, read=lambda _prompt: next(lines), write=output.append)
    assert output[0] == texts.CONSOLE_HELP
    assert "عمليات فرار واسعة النطاق" in output[1]
    assert output[2].startswith("ملخص المقال:") and output[2].count("[الجملة") == 2
    assert texts.NOT_COVERED in output[3]
    assert output[4] == texts.CONSOLE_HELP
    assert len(output) == 5


def test_end_of_input_leaves_quietly(service):
    def read(_prompt: str) -> str:
        raise EOFError

    output: list[str] = []
    run_chat(service, summary_sentences=3, read=read, write=output.append)
    assert output == [texts.CONSOLE_HELP, ""]


def test_replies_for_refused_questions(service):
    assert chat_reply(service, "؟؟", summary_sentences=3) == texts.EMPTY_QUESTION
    too_long = chat_reply(service, "س" * 2000, summary_sentences=3)
    assert too_long == texts.TOO_LONG.format(limit=service.policy.max_question_chars)


@pytest.mark.parametrize(
    ("argument", "sentences"),
    [("²", 3), ("①", 3), ("0", 3), ("٥", 5), ("9" * 5000, 10), ("سبع", 3), ("2 جمل", 2)],
)
def test_summary_count_is_read_like_the_bot(service, argument, sentences):
    reply = chat_reply(service, f"/summary {argument}", summary_sentences=3)
    assert reply is not None and reply.count("[الجملة") == sentences


@pytest.mark.parametrize("line", ["/foo", "/sumary 3", "/SUMARY"])
def test_unknown_command_gets_the_help_not_an_answer(service, line):
    reply = chat_reply(service, line, summary_sentences=3)
    command = line.split()[0]
    assert reply == f"{texts.UNKNOWN_COMMAND.format(command=command)}\n{texts.CONSOLE_HELP}"


def test_a_slash_before_arabic_is_a_question(service):
    reply = chat_reply(service, "/من التقى لافروف؟", summary_sentences=3)
    assert reply is not None and "جون كيري" in reply
