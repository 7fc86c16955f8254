"""Webhook mode: a small tornado server that checks who is calling before it reads a byte.

python-telegram-bot's own webhook handler lets tornado read the whole request body (up to
100 MB) before it looks at Telegram's secret header, so anybody who can reach the port can
make the bot buffer large bodies. This handler streams the body instead: the secret, the
content type and the announced length are checked on the headers alone, the body is capped
at ``MAX_BODY_BYTES`` (Telegram's updates are a few kilobytes), and an update the library
cannot parse is acknowledged and skipped (a refusal would make Telegram send it again and
again). Updates go to ``application.update_queue``, as python-telegram-bot documents for
custom webhook servers; :func:`serve_webhook` is ``run_webhook`` with this server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from http import HTTPStatus
from types import TracebackType
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.telegram.safebot import SafeBot

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20  # 1 MiB
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A client that announces a body and then sends it at a trickle is cut off.
BODY_TIMEOUT = 10.0
IDLE_TIMEOUT = 60.0

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """One POST from Telegram: headers checked first, body capped, update queued."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot_application: AnyApplication, secret_token: str, max_body: int) -> None:
        self.bot_application = bot_application
        self.secret_token = secret_token
        self.max_body = max_body
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        """Runs on the headers alone: nothing of the body has been read yet."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        announced = self.request.headers.get("Content-Length")
        if announced is not None and (not announced.isdigit() or int(announced) > self.max_body):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        connection = self.request.connection
        if connection is not None and hasattr(connection, "set_max_body_size"):
            connection.set_max_body_size(self.max_body)  # also bounds a chunked body

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_body:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        bot = self.bot_application.bot
        if isinstance(bot, SafeBot) and not bot.readable(data):
            return  # logged once by the bot; acknowledged so Telegram does not resend it
        update = Update.de_json(data, bot)
        bot.insert_callback_data(update)
        await self.bot_application.update_queue.put(update)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Refused requests are routine (scanners, forged calls): one short line, no body."""
        if isinstance(value, tornado.web.HTTPError):
            log.info("webhook request refused: %d", value.status_code)
        else:
            log.error("webhook request failed", exc_info=value)


class WebhookServer:
    """The HTTP server Telegram posts updates to."""

    def __init__(
        self,
        application: AnyApplication,
        *,
        listen: str,
        port: int,
        url_path: str,
        secret_token: str,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        path = "/" + url_path.strip("/")
        routes = [
            (
                rf"{path}/?",
                UpdateHandler,
                {
                    "bot_application": application,
                    "secret_token": secret_token,
                    "max_body": max_body,
                },
            )
        ]
        self.listen = listen
        self.port = port
        self._http = HTTPServer(
            tornado.web.Application(routes, log_function=lambda _handler: None),
            max_body_size=max_body,
            body_timeout=BODY_TIMEOUT,
            idle_connection_timeout=IDLE_TIMEOUT,
        )

    def start(self) -> None:
        self._http.listen(self.port, address=self.listen)

    async def stop(self) -> None:
        self._http.stop()
        await self._http.close_all_connections()


async def serve_webhook(application: AnyApplication, options: dict[str, Any]) -> None:
    """``run_webhook`` with :class:`WebhookServer`, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    server = WebhookServer(
        application,
        listen=options["listen"],
        port=options["port"],
        url_path=options["url_path"],
        secret_token=options["secret_token"],
    )
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        server.start()  # before Telegram is told about it: a taken port fails here
        try:
            await application.bot.set_webhook(
                options["webhook_url"],
                secret_token=options["secret_token"],
                allowed_updates=options["allowed_updates"],
            )
            await application.start()
            try:
                await stop.wait()
            finally:
                await server.stop()  # no new updates while the taken ones finish
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
        finally:
            await server.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
