"""Finding the article an ``/add`` names and getting its text: typed, replied to, a file, a link.

Only the Telegram side lives here (which message holds the article, downloading a file
with ``getFile`` after checking its size); turning a file or a page into article text is
``index.sources``'s job, done in a worker thread because it parses or waits on the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Document, Message, MessageEntity
from telegram.error import TelegramError

from bot import texts
from bot.article_commands import link_argument
from bot.settings import Settings
from bot.telegram.groups import from_this_bot
from index.sources import document_text, fetch_page

# Files and pages may be several times the article (markup, scripts, UTF-8's two bytes per
# Arabic letter), never less than this.
MIN_DOWNLOAD_BYTES = 2_000_000
BYTES_PER_ARTICLE_CHAR = 4


class Refused(Exception):
    """An add that cannot go ahead; the message is the one line the chat is told."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where an article comes from and how to get its "title\\nbody" text."""

    kind: str  # "text", "document" or "link" (shown in /articles)
    ref: str
    load: Callable[[], Awaitable[str]]


def download_cap(settings: Settings) -> int:
    """The most bytes of a file or page read for one article."""
    return max(MIN_DOWNLOAD_BYTES, BYTES_PER_ARTICLE_CHAR * settings.max_article_chars)


def command_text(message: Message) -> str:
    """What follows ``/add`` (or ``/add@botname``), line breaks kept (line one is the title)."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities
    command = next(
        (e for e in entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None
    )
    if command is None:
        return ""
    # The command is ASCII, so its UTF-16 length is its length in characters.
    return text[command.length :].strip()


def source_of(message: Message, settings: Settings) -> Source | None:
    """The article ``message`` asks to add, or None when it names none."""
    if message.document is not None:
        return _document_source(message.document, settings)
    held = command_text(message)
    replied = message.reply_to_message
    if not held and replied is not None and not from_this_bot(replied):
        if replied.document is not None:
            return _document_source(replied.document, settings)
        # Stripped as Telegram strips a message's own text: the same article stays one.
        held = (replied.text or replied.caption or "").strip()
    if not held:
        return None
    url = link_argument(held)
    if url is not None:
        return Source("link", url, lambda: _fetch(url, settings))
    return Source("text", "", lambda: _ready(held))


async def _ready(text: str) -> str:
    return text


async def _fetch(url: str, settings: Settings) -> str:
    """The page's article, downloaded in a worker thread (it waits on the network)."""
    page = await asyncio.to_thread(
        fetch_page,
        url,
        allow_private=settings.allow_private_urls,
        max_bytes=download_cap(settings),
    )
    return page.article_text()


def _document_source(document: Document, settings: Settings) -> Source:
    name = document.file_name or ""
    return Source("document", name, lambda: _download(document, name, download_cap(settings)))


async def _download(document: Document, name: str, cap: int) -> str:
    """The file's text; its size is checked before anything is downloaded."""
    if document.file_size is not None and document.file_size > cap:
        raise Refused(texts.FILE_TOO_BIG.format(limit=f"{cap:,}"))
    try:
        file = await document.get_file()
        content = await file.download_as_bytearray()
    except TelegramError as exc:
        raise Refused(texts.FILE_FAILED.format(detail=exc.message)) from None
    return await asyncio.to_thread(document_text, name, bytes(content), max_bytes=cap)
