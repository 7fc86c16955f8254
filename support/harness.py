"""Run the real bot application against the fake Bot API, and talk to it like Telegram does."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram.error import TelegramError

from bot.settings import Settings
from bot.telegram.app import ALLOWED_UPDATES, BotApplication, build_application
from bot.telegram.html import RLM
from index.service import AnsweringService
from support.fake_bot_api import FAKE_TOKEN, FakeBotAPI, parse_html

WAIT = 10.0  # seconds; generous for a loaded CI machine, reached only on failure


def make_settings(api: FakeBotAPI, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": SecretStr(FAKE_TOKEN),
        "telegram_base_url": api.base_url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def running_bot(
    api: FakeBotAPI, service: AnsweringService, **overrides: Any
) -> AsyncIterator[BotApplication]:
    """The application from ``build_application``, long polling the fake server.

    ``DATA_DIR`` (where undelivered replies are kept) is a fresh folder unless given.
    """
    with contextlib.ExitStack() as stack:
        if "data_dir" not in overrides:
            overrides["data_dir"] = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        async with _running(api, service, overrides) as app:
            yield app


@contextlib.asynccontextmanager
async def _running(
    api: FakeBotAPI, service: AnsweringService, overrides: dict[str, Any]
) -> AsyncIterator[BotApplication]:
    app = build_application(make_settings(api, **overrides), service=service)
    await start_bot(app)
    try:
        yield app
    finally:
        await stop_bot(app)


async def start_bot(app: BotApplication, poll_timeout: int = 1) -> None:
    """What ``run_polling`` does before it blocks (``post_init`` included)."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None

    def polling_error(exc: TelegramError) -> None:  # what run_polling does
        app.create_task(app.process_error(error=exc, update=None))

    await app.updater.start_polling(
        poll_interval=0.0,
        timeout=poll_timeout,
        allowed_updates=ALLOWED_UPDATES,
        error_callback=polling_error,
    )


async def stop_bot(app: BotApplication) -> None:
    """Stop polling, the application and the answerer, as ``run_polling`` does on exit."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


def chat_of(update: dict[str, Any]) -> int:
    body = next(v for k, v in update.items() if k != "update_id")
    if "chat" in body:
        return int(body["chat"]["id"])
    return int(body["message"]["chat"]["id"])


async def replies(
    api: FakeBotAPI,
    update: dict[str, Any],
    count: int = 1,
    *,
    chat_id: int | None = None,
    timeout: float = WAIT,
) -> list[dict[str, Any]]:
    """Push ``update`` and return the next ``count`` messages the bot sends to its chat."""
    target = chat_of(update) if chat_id is None else chat_id
    before = len(api.sent_messages(target))
    api.push_update(update)
    await api.wait_for(
        "sendMessage",
        count=before + count,
        timeout=timeout,
        predicate=lambda c: c.ok and str(c.params.get("chat_id")) == str(target),
    )
    return api.sent_messages(target)[before:]


def visible(params: dict[str, Any]) -> str:
    """The text a reader sees for a sendMessage call (HTML parsed as Telegram does)."""
    text, _ = parse_html(str(params["text"]))
    return text.replace(RLM, "")


def buttons(params: dict[str, Any]) -> dict[str, str]:
    """Caption -> callback data of the inline keyboard sent with a message."""
    markup = params.get("reply_markup") or {}
    return {
        b["text"]: b.get("callback_data", "")
        for row in markup.get("inline_keyboard", [])
        for b in row
    }


async def inline_results(api: FakeBotAPI, query: str) -> list[dict[str, Any]]:
    """Send an inline query and return the results the bot answered it with."""
    update = api.inline_query(query)
    query_id = update["inline_query"]["id"]
    api.push_update(update)
    (call,) = await api.wait_for(
        "answerInlineQuery",
        timeout=WAIT,
        predicate=lambda c: c.params.get("inline_query_id") == query_id,
    )
    assert call.ok, call.summary()
    results: list[dict[str, Any]] = call.params["results"]
    return results
