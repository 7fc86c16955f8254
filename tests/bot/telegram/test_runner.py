"""``article-bot run`` as a real process, the no-token exit, and webhook mode's secret check."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot import texts
from bot.errors import BotStartError, error_line
from bot.telegram.app import build_application
from bot.telegram.runner import run_bot, webhook_options
from bot.telegram.webhook import serve_webhook
from support.fake_bot_api import DEFAULT_USERNAME, FAKE_TOKEN, FakeBotAPI
from support.harness import WAIT, make_settings, visible
from tests.conftest import REPO_ROOT

TOKEN = "123:TEST"
STARTUP = 180.0  # a cold process imports torch and sentence-transformers: slow on a busy machine


def bot_env(**values: str) -> dict[str, str]:
    """The parent environment minus bot settings, plus ``values``; the repo on the path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "SUMMARY_", "ADMIN_"))
    }
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(values)
    return env


async def start_cli(tmp_path, *args: str, **env: str) -> asyncio.subprocess.Process:
    # cwd is an empty folder: no .env of the developer's leaks in.
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=tmp_path,
        env=bot_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_run_without_token_prints_one_line(tmp_path):
    process = await start_cli(tmp_path, "run", TELEGRAM_BOT_TOKEN="")
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert stdout == b""
    lines = stderr.decode().strip().splitlines()
    assert lines == [error_line(texts.RUN_NO_TOKEN)]
    assert ".env.example" in lines[0] and "article-bot chat" in lines[0]


def test_run_bot_function_without_token(fake_api_free_settings, capsys):
    with pytest.raises(BotStartError, match="TELEGRAM_BOT_TOKEN is not set"):
        run_bot(fake_api_free_settings)
    assert capsys.readouterr().err == ""  # printing is the command line's job


@pytest.fixture
def fake_api_free_settings():
    from bot.settings import Settings

    return Settings(_env_file=None, telegram_bot_token=None)


def error_lines(stderr: bytes) -> list[str]:
    """What the command printed besides log lines (those start with a timestamp)."""
    text = stderr.decode()
    assert "Traceback" not in text, text[-3000:]
    return [line for line in text.splitlines() if not line[:4].isdigit()]


async def test_rejected_token_is_one_line_without_the_token(tmp_path):
    async with FakeBotAPI(token=FAKE_TOKEN) as api:  # every other token gets 401
        process = await start_cli(
            tmp_path,
            "run",
            TELEGRAM_BOT_TOKEN="999:REVOKED\n",  # as pasted: the newline is not part of it
            TELEGRAM_BASE_URL=api.base_url,
            DATA_DIR=str(tmp_path / "data"),
            LOG_LEVEL="WARNING",
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    # Not even python-telegram-bot's own traceback of the failed start-up.
    assert stderr.decode().splitlines() == [error_line(texts.RUN_BAD_TOKEN)]
    assert "999:REVOKED" not in stderr.decode()


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://127.0.0.1:{port}/bot", "cannot reach the Bot API at http://127.0.0.1:"),
        ("127.0.0.1:{port}/bot", "TELEGRAM_BASE_URL: Value error, use an http:// or https:// URL"),
        ("http://admin:hunter2@127.0.0.1:{port}/bot", "the Bot API at http://***@127.0.0.1:"),
        ("admin:hunter2@127.0.0.1:{port}/bot", "TELEGRAM_BASE_URL: Value error, use an http://"),
    ],
)
async def test_unreachable_bot_api_is_one_line(tmp_path, base_url, message):
    process = await start_cli(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=base_url.format(port=free_port()),  # nothing listens there
        DATA_DIR=str(tmp_path / "data"),
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    (line,) = error_lines(stderr)
    assert line.startswith("article-bot: error: ") and message in line
    assert TOKEN not in stderr.decode()
    assert "hunter2" not in stderr.decode() and "admin" not in stderr.decode()


@pytest.mark.parametrize("problem", ["webhook refused", "port taken"])
async def test_webhook_start_up_failures_are_one_line(fake_api: FakeBotAPI, tmp_path, problem):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = free_port() if problem == "webhook refused" else taken.getsockname()[1]
        # Telegram wants https://; the port is taken by the socket above.
        url = "http://bot.example.test/hook" if problem == "webhook refused" else "https://b.test/h"
        process = await start_cli(
            tmp_path,
            "run",
            "--webhook",
            url,
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=fake_api.base_url,
            SEEDS_DIR=str(REPO_ROOT / "seeds"),
            DATA_DIR=str(REPO_ROOT / "data"),  # reuses the converted model
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=STARTUP)
    assert process.returncode == 2
    (line,) = error_lines(stderr)
    expected = {
        "webhook refused": "article-bot: error: the Bot API refused to start the bot: ",
        "port taken": f"article-bot: error: cannot listen on 127.0.0.1:{port}: ",
    }[problem]
    assert line.startswith(expected)
    assert TOKEN not in stderr.decode()


async def test_article_bot_run_answers_and_stops_on_sigint(fake_api: FakeBotAPI, tmp_path):
    process = await start_cli(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=fake_api.base_url,
        SEEDS_DIR=str(REPO_ROOT / "seeds"),
        DATA_DIR=str(REPO_ROOT / "data"),  # reuses the converted model
        LOG_LEVEL="debug",  # any case; and even at DEBUG no question text is logged
    )
    try:
        await fake_api.wait_for("getUpdates", timeout=STARTUP)
        fake_api.push_update(fake_api.private_text("من التقى لافروف؟"))
        (call,) = await fake_api.wait_for("sendMessage", timeout=WAIT)
        process.send_signal(signal.SIGINT)
        _, stderr_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = stderr_bytes.decode()
    assert process.returncode == 0, stderr[-3000:]
    assert "نظيره الأميركي جون كيري" in visible(call.params)
    assert call.token == TOKEN
    assert {c.token for c in fake_api.calls()} == {TOKEN}
    assert "question chat=private status=answered" in stderr
    assert TOKEN not in stderr and "Traceback" not in stderr
    assert " DEBUG " in stderr  # the level was taken
    assert "لافروف" not in stderr and DEFAULT_USERNAME not in stderr  # nor the update itself


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def webhook_bot(
    api: FakeBotAPI, service, secret: str | None = "s3cret-Token_1"
) -> AsyncIterator[tuple[str, dict]]:
    """The bot in webhook mode on a free loopback port; yields its URL and options."""
    settings = make_settings(api, webhook_secret=secret)
    port = free_port()
    options = webhook_options(settings, "https://bot.example.test/hook/x1", "127.0.0.1", port)
    app = build_application(settings, service=service)
    serving = asyncio.create_task(serve_webhook(app, options))
    try:
        async with asyncio.timeout(WAIT):
            while not app.running:
                assert not serving.done(), serving.exception()
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/hook/x1", options
    finally:
        signal.raise_signal(signal.SIGTERM)  # what stops it in production
        await asyncio.wait_for(serving, WAIT)


def signed(options: dict) -> dict[str, str]:
    return {
        "X-Telegram-Bot-Api-Secret-Token": options["secret_token"],
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize("secret", ["s3cret-Token_1", None])
async def test_webhook_checks_the_secret_token(fake_api: FakeBotAPI, service, secret):
    async with webhook_bot(fake_api, service, secret) as (url, options):
        assert options["url_path"] == "hook/x1"
        if secret:
            assert options["secret_token"] == secret
        assert fake_api.webhook_url == "https://bot.example.test/hook/x1"
        assert fake_api.webhook_params["secret_token"] == options["secret_token"]
        update = fake_api.private_text("من التقى لافروف؟")
        update["update_id"] = 1
        body = json.dumps(update).encode()
        for forged in ({}, {"X-Telegram-Bot-Api-Secret-Token": "forged"}):
            # Refused on the headers: the server may close before the body is even sent.
            headers = forged | {"Content-Type": "application/json"}
            status = await raw_post(url, headers | {"Content-Length": str(len(body))}, body)
            assert status.split()[1] == b"403"
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=body, headers=signed(options)) as r,
        ):
            assert r.status == 200
        (call,) = await fake_api.wait_for("sendMessage", timeout=WAIT)
    assert "نظيره الأميركي جون كيري" in visible(call.params)


async def raw_post(url: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """Send a POST's headers (and ``body``, maybe less than announced); the status line."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), 5.0)
    finally:
        writer.close()


@pytest.mark.parametrize("signed_request", [False, True])
async def test_webhook_refuses_before_reading_a_large_body(
    fake_api: FakeBotAPI, service, signed_request
):
    """90 MB announced and never sent: refused on the headers alone, at once."""
    async with webhook_bot(fake_api, service) as (url, options):
        headers = signed(options) if signed_request else {"Content-Type": "application/json"}
        status = await raw_post(url, headers | {"Content-Length": str(90 * 2**20)}, b"{")
    assert status.split()[1] == (b"413" if signed_request else b"403")


async def test_webhook_caps_a_chunked_body(fake_api: FakeBotAPI, service):
    async with webhook_bot(fake_api, service) as (url, options):
        chunk = b"x" * 65536
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20))  # 1.25 MiB
        status = await raw_post(url, signed(options) | {"Transfer-Encoding": "chunked"}, body)
    assert status.split()[1] in (b"413", b"400")


async def test_webhook_acknowledges_an_unreadable_update_and_goes_on(fake_api: FakeBotAPI, service):
    bad = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    good = fake_api.private_text("من التقى لافروف؟") | {"update_id": 8}
    async with webhook_bot(fake_api, service) as (url, options):
        async with aiohttp.ClientSession() as http:
            for update in (bad, good):
                async with http.post(url, data=json.dumps(update), headers=signed(options)) as r:
                    assert r.status == 200  # a refusal would make Telegram resend it forever
        (call,) = await fake_api.wait_for("sendMessage", timeout=WAIT)
    assert "نظيره الأميركي جون كيري" in visible(call.params)
