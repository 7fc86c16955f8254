"""``article-bot run`` as a real process, the no-token exit, and webhook mode's secret check."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys

import aiohttp
import pytest

from bot import texts
from bot.telegram.app import build_application
from bot.telegram.runner import run_bot, webhook_options
from tests.bot.fake_bot_api import DEFAULT_USER_ID, DEFAULT_USERNAME, FAKE_TOKEN, FakeBotAPI
from tests.bot.harness import WAIT, make_settings, visible
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
    assert lines == [texts.RUN_NO_TOKEN]
    assert ".env.example" in lines[0] and "article-bot chat" in lines[0]


def test_run_bot_function_without_token(fake_api_free_settings, capsys):
    assert run_bot(fake_api_free_settings) == 2
    assert capsys.readouterr().err.strip() == texts.RUN_NO_TOKEN


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
    assert stderr.decode().splitlines() == [texts.RUN_BAD_TOKEN]
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


@pytest.mark.parametrize("secret", ["s3cret-Token_1", None])
async def test_webhook_checks_the_secret_token(fake_api: FakeBotAPI, service, secret):
    settings = make_settings(fake_api, webhook_secret=secret)
    port = free_port()
    options = webhook_options(settings, "https://bot.example.test/hook/x1", "127.0.0.1", port)
    assert options["url_path"] == "hook/x1"
    if secret:
        assert options["secret_token"] == secret
    app = build_application(settings, service=service)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_webhook(**options)
    try:
        assert fake_api.webhook_url == "https://bot.example.test/hook/x1"
        assert fake_api.webhook_params["secret_token"] == options["secret_token"]
        update = fake_api.private_text("من التقى لافروف؟")
        update["update_id"] = 1
        url = f"http://127.0.0.1:{port}/hook/x1"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "forged"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            good = {"X-Telegram-Bot-Api-Secret-Token": options["secret_token"]}
            async with http.post(
                url, data=json.dumps(update), headers=good | {"Content-Type": "application/json"}
            ) as response:
                assert response.status == 200
        (call,) = await fake_api.wait_for("sendMessage", timeout=WAIT)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)
    assert call.params["chat_id"] == DEFAULT_USER_ID
    assert "نظيره الأميركي جون كيري" in visible(call.params)
