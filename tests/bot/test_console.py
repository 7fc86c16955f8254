"""The console chat over the shared answering service."""

from __future__ import annotations

import pytest

from bot import texts
from bot.commands import CONSOLE_CHAT
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


@pytest.mark.parametrize("line", ["help", "Help!", "مساعدة", " مساعدة؟ "])
def test_a_lone_help_word_gets_the_help_not_an_answer(service, line):
    assert chat_reply(service, line, summary_sentences=3) == texts.CONSOLE_HELP


def test_a_question_about_help_is_still_a_question(service):
    reply = chat_reply(service, "ما هي المساعدة التي قدمتها روسيا؟", summary_sentences=3)
    assert reply != texts.CONSOLE_HELP


def test_a_slash_before_arabic_is_a_question(service):
    reply = chat_reply(service, "/من التقى لافروف؟", summary_sentences=3)
    assert reply is not None and "جون كيري" in reply


def _reply(service, line: str) -> str:
    reply = chat_reply(service, line, summary_sentences=3)
    assert reply is not None
    return reply


def test_the_operators_own_articles(live_service, tmp_path):
    """/add, /articles, /summary, /remove: questions use the operator's set (chat 0)."""
    from tests.conftest import ARTICLES_DIR

    water = ARTICLES_DIR / "desalination.txt"
    title = water.read_text("utf-8").splitlines()[0]
    question = "كم تنتج محطة التحلية من المياه العذبة يوميا؟"
    assert texts.NOT_COVERED in _reply(live_service, question)
    assert _reply(live_service, "/articles") == texts.CONSOLE_NO_ARTICLES

    added = _reply(live_service, f"/add {water}")
    assert added.startswith(texts.CONSOLE_ADDED.split("{")[0]) and title in added
    assert "#1" in added
    assert "#1" in _reply(live_service, f"/add {water}")  # stored once
    assert [a.number for a in live_service.articles(CONSOLE_CHAT)] == [1]
    listed = _reply(live_service, "/articles")
    assert listed.startswith(f"#1 {title}") and str(water.resolve()) in listed
    assert texts.SOURCE_KINDS["file"] in listed  # how it was added, in the reader's words

    answer = _reply(live_service, question)
    assert "خمسين ألف متر مكعب" in answer and title in answer
    newest = _reply(live_service, "/summary 2")
    assert newest.splitlines()[0] == texts.SUMMARY_HEADING.format(title=title)
    assert newest.count("[الجملة") == 2
    assert _reply(live_service, "/summary #1 1").count("[الجملة") == 1
    assert _reply(live_service, "/summary #7") == texts.UNKNOWN_ARTICLE.format(number=7)

    assert _reply(live_service, "/remove 1") == texts.REMOVED.format(number=1, title=title)
    assert texts.NOT_COVERED in _reply(live_service, question)
    assert _reply(live_service, "/remove 1") == texts.UNKNOWN_ARTICLE.format(number=1)
    assert _reply(live_service, "/summary 1").startswith("ملخص المقال:")  # the seeds again


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("/add", texts.CONSOLE_ADD_USAGE),
        ("/add -", texts.CONSOLE_ADD_USAGE),
        ("/remove", texts.REMOVE_USAGE),
        ("/remove أول", texts.REMOVE_USAGE),
    ],
)
def test_article_commands_without_what_they_need(live_service, line, reply):
    assert _reply(live_service, line) == reply


def test_an_article_that_cannot_be_added_is_one_line(live_service, tmp_path):
    (tmp_path / "latin.txt").write_bytes("عنوان\ncaf\xe9".encode("latin-1", "replace"))
    for argument, message in [
        (tmp_path / "missing.txt", "does not exist"),
        (tmp_path, "is a folder"),
        (tmp_path / "latin.txt", "not valid UTF-8"),
        ("http://127.0.0.1:9/a", "private"),
    ]:
        reply = _reply(live_service, f"/add {argument}")
        assert reply.startswith(texts.CONSOLE_FAILED.split("{")[0]) and message in reply
        assert "\n" not in reply
    assert live_service.articles(CONSOLE_CHAT) == []


def test_the_console_without_an_article_database(service):
    """The session's service has none: adding is refused in one line, not a traceback."""
    from tests.conftest import ARTICLES_DIR

    for line in (f"/add {ARTICLES_DIR / 'football.txt'}", "/remove 1"):
        reply = _reply(service, line)
        assert reply.startswith(texts.CONSOLE_FAILED.split("{")[0]) and "no database" in reply
    assert _reply(service, "/articles") == texts.CONSOLE_NO_ARTICLES
