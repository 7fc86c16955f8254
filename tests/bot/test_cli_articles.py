"""``article-bot add``, ``articles``, ``remove`` and ``ask``/``summary --chat``."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from support.web_site import web_site
from tests.bot.conftest import SEED
from tests.conftest import ARTICLES_DIR, REPO_ROOT

WATER = ARTICLES_DIR / "desalination.txt"
FOOTBALL = ARTICLES_DIR / "football.txt"
WATER_QUESTION = "كم تنتج محطة التحلية من المياه العذبة يوميا؟"
FOOTBALL_QUESTION = "من سجل الهدف الأول للمنتخب المغربي؟"
GROUP = -1001234567890


def _out(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.out


def _error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("article-bot: error: ") and "Traceback" not in captured.err
    return lines[0]


def _ask(capsys, question: str, *chat: str) -> dict:
    assert main(["ask", "--json", "-k", "1", *chat, question]) == 0
    return json.loads(_out(capsys))


def test_add_list_ask_remove(workdir, capsys):
    assert main(["add", str(WATER)]) == 0
    title = WATER.read_text("utf-8").splitlines()[0]
    assert _out(capsys).strip().startswith(f"added #1 in chat 0: {title} (")
    assert main(["add", str(WATER)]) == 0  # the same text is stored once
    assert _out(capsys).startswith("already stored as #1 in chat 0:")

    assert main(["articles", "--json"]) == 0
    (record,) = [json.loads(line) for line in _out(capsys).splitlines()]
    assert record["id"] == "0#1" and record["number"] == 1 and record["title"] == title
    assert record["source_kind"] == "file" and record["source_ref"] == str(WATER.resolve())
    assert record["sentences"] > 5 and record["added_at"].endswith("+00:00")
    assert main(["articles"]) == 0
    assert _out(capsys).startswith("#1  ")

    answer = _ask(capsys, WATER_QUESTION)  # the operator's set (chat 0) by default
    assert answer["answered"] and answer["answers"][0]["article"] == "0#1"
    assert "خمسين ألف متر مكعب" in answer["answers"][0]["text"]
    assert not _ask(capsys, WATER_QUESTION, "--chat", str(GROUP))["answered"]  # not its set
    assert _ask(capsys, "عمليات فرار")["answers"][0]["article"] == SEED.stem  # seeds stay

    assert main(["summary", "-n", "2"]) == 0  # the newest of the chat's articles
    summary = _out(capsys).splitlines()
    assert summary[0].endswith(title) and len(summary) == 3

    assert main(["remove", "0#1"]) == 0
    assert _out(capsys).strip() == f"removed #1 from chat 0: {title}"
    assert not _ask(capsys, WATER_QUESTION)["answered"]
    assert main(["articles", "--json"]) == 0
    assert _out(capsys) == ""
    assert main(["add", str(WATER)]) == 0  # numbers are never reused
    assert _out(capsys).startswith("added #2 in chat 0:")


def test_negative_chat_ids_and_article_ids(workdir, capsys):
    assert main(["add", str(FOOTBALL), "--chat", str(GROUP)]) == 0
    assert _out(capsys).startswith(f"added #1 in chat {GROUP}:")
    assert main(["articles", "--chat", str(GROUP), "--json"]) == 0
    assert json.loads(_out(capsys))["id"] == f"{GROUP}#1"
    assert main(["articles", "--json"]) == 0  # the operator's set has none
    assert _out(capsys) == ""
    answer = _ask(capsys, FOOTBALL_QUESTION, "--chat", str(GROUP))
    assert answer["answered"] and answer["answers"][0]["article"] == f"{GROUP}#1"

    assert main(["summary", "--chat", str(GROUP), "--article", "#1", "-n", "1"]) == 0
    assert _out(capsys).count("[الجملة") == 1
    assert main(["remove", "1", "--chat", "-5"]) == 2
    assert "chat -5 has no article #1" in _error_line(capsys)
    assert main(["remove", f"{GROUP}#1", "--chat", "-5"]) == 2  # an id of another chat
    assert "is not in chat -5" in _error_line(capsys)
    assert main(["remove", f"{GROUP}#1"]) == 0
    assert _out(capsys).startswith(f"removed #1 from chat {GROUP}:")
    assert main(["remove", f"{GROUP}#1"]) == 2
    assert f"chat {GROUP} has no article #1" in _error_line(capsys)


def test_add_from_standard_input(workdir, capsys, monkeypatch):
    raw = FOOTBALL.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), "utf-8"))
    assert main(["add", "-"]) == 0
    assert _out(capsys).startswith("added #1 in chat 0:")
    assert main(["articles", "--json"]) == 0
    record = json.loads(_out(capsys))
    assert record["source_kind"] == "stdin" and record["source_ref"] == ""


@pytest.fixture
def site_pages() -> dict[str, bytes]:
    """The pages of :func:`site`, by path; tests add theirs."""
    return {}


@pytest.fixture
def site(site_pages) -> Iterator[str]:
    """A web site on 127.0.0.1 serving ``site_pages``; yields its base URL."""
    with web_site(site_pages) as address:
        yield address


def test_add_a_page_from_a_link(workdir, capsys, monkeypatch, site, site_pages):
    title, *paragraphs = WATER.read_text("utf-8").splitlines()
    body = "".join(f"<p>{p}</p>" for p in paragraphs if p.strip())
    page = (
        f'<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><nav><a href='/'>الرئيسية</a></nav><article><h1>{title}</h1>{body}"
        "</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    site_pages["/water.html"] = page.encode("utf-8")
    url = f"{site}/water.html"
    assert main(["add", url]) == 2  # a loopback address is refused by default
    assert "private" in _error_line(capsys)

    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    assert main(["add", url]) == 0
    assert _out(capsys).startswith(f"added #1 in chat 0: {title}")
    assert main(["articles", "--json"]) == 0
    record = json.loads(_out(capsys))
    assert record["source_kind"] == "link" and record["source_ref"] == url
    answer = _ask(capsys, WATER_QUESTION)
    assert answer["answered"] and answer["answers"][0]["article"] == "0#1"

    assert main(["add", f"{site}/missing.html"]) == 2
    assert "404" in _error_line(capsys)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("source", "prepare", "message"),
    [
        ("missing.txt", None, "missing.txt does not exist"),
        (".", None, "is a folder"),
        ("binary.txt", b"\x7fELF\x00\x01\x02", "not a text file"),
        ("latin.txt", "عنوان\ncaf\xe9".encode("latin-1", "replace"), "not valid UTF-8"),
        ("utf16.txt", "عنوان\nنص".encode("utf-16"), "UTF-16"),
        ("article.pdf", b"%PDF-1.4", "only .txt, .html, .htm files"),
        ("empty.txt", b"", "is empty"),
        ("long.txt", ("عنوان\n" + "جملة قصيرة. " * 300).encode(), "MAX_ARTICLE_CHARS"),
        ("ftp://example.org/a.txt", None, "only http and https links"),
        ("http://", None, "no site name"),
    ],
)
def test_bad_sources_give_one_line(workdir, capsys, monkeypatch, source, prepare, message):
    monkeypatch.setenv("MAX_ARTICLE_CHARS", "1000")
    if prepare is not None:
        (workdir / source).write_bytes(prepare)
    assert main(["add", source]) == 2
    assert message in _error_line(capsys)
    assert main(["articles", "--json"]) == 0
    assert _out(capsys) == ""  # nothing half-added


def test_unreachable_site_gives_one_line(workdir, capsys, monkeypatch):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    assert main(["add", f"http://127.0.0.1:{_closed_port()}/article.html"]) == 2
    assert "could not connect" in _error_line(capsys)


def test_too_many_articles_names_the_limit(workdir, capsys, monkeypatch):
    monkeypatch.setenv("MAX_ARTICLES_PER_CHAT", "1")
    assert main(["add", str(WATER)]) == 0
    capsys.readouterr()
    assert main(["add", str(FOOTBALL)]) == 2
    assert "MAX_ARTICLES_PER_CHAT=1" in _error_line(capsys)
    assert main(["add", str(FOOTBALL), "--chat", "7"]) == 0  # the limit is per chat


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["remove", "3"], "chat 0 has no article #3"),
        (["remove", "three"], "not an article number"),
        (["summary", "--article", "4"], "chat 0 has no article #4"),
    ],
)
def test_unknown_articles_give_one_line(workdir, capsys, argv, message):
    assert main(argv) == 2
    assert message in _error_line(capsys)


@pytest.mark.parametrize("argv", [["articles"], ["remove", "1"], ["ask", "سؤال"]])
def test_a_damaged_database_gives_one_line_and_is_kept(workdir, capsys, argv):
    data = workdir / "data"
    data.mkdir()
    damaged = os.urandom(4096)
    (data / "articles.sqlite3").write_bytes(damaged)
    assert main(argv) == 2
    assert "cannot open the article database" in _error_line(capsys)
    assert (data / "articles.sqlite3").read_bytes() == damaged


@pytest.mark.parametrize(
    ("value", "message"), [("1.5", "not a chat id"), ("9" * 40, "too large"), ("x", "not a chat")]
)
def test_bad_chat_ids_are_refused_before_starting(capsys, value, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["articles", "--chat", value])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def _read_only(folder: Path, argv: list[str]) -> list[str]:
    """``article-bot ARGV`` with ``folder`` on a read-only mount (a mount namespace of its own;
    a user namespace too when not root), as on a read-only disk."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare here: cannot give a process a read-only mount")
    namespaces = "-m" if os.geteuid() == 0 else "-rm"
    mount = f'mount --bind -o ro "{folder}" "{folder}" && exec "$@"'
    return ["unshare", namespaces, "sh", "-c", mount, "sh", sys.executable, "-m", "bot.cli", *argv]


@pytest.mark.parametrize("argv", [["add", str(WATER)], ["remove", "1"]])
def test_a_read_only_data_dir_refuses_changes_in_one_line(workdir, argv):
    data = workdir / "data"
    data.mkdir()
    result = _run_read_only(data, argv)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("article-bot: error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"{data} is read-only" in result.stderr


def test_a_read_only_data_dir_still_serves_what_is_stored(workdir, capsys):
    """Before any article (the seeds) and after one: listed and answered, nothing written."""
    data = workdir / "data"
    data.mkdir()
    result = _run_read_only(data, ["ask", "--json", "عمليات فرار"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"] is True
    assert not (data / "articles.sqlite3").exists()

    assert main(["add", str(WATER)]) == 0
    capsys.readouterr()
    result = _run_read_only(data, ["ask", "--json", "-k", "1", WATER_QUESTION])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answers"][0]["article"] == "0#1"
    listed = _run_read_only(data, ["articles", "--json"])
    assert listed.returncode == 0 and json.loads(listed.stdout)["id"] == "0#1", listed.stderr


def _run_read_only(folder: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        _read_only(folder, argv),
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and ("mount" in result.stderr or "unshare" in result.stderr):
        pytest.skip(f"no read-only mount here: {result.stderr.strip()}")
    return result


def test_help_lists_the_article_commands():
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("add", "articles", "remove"):
        assert command in result.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "bot.cli", "remove", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "CHAT#K" in usage.stdout
