"""A fake Telegram Bot API server for tests.

Telegram cannot be reached from the test machine, and mocking python-telegram-bot's internals
would hide the very bugs worth catching (wrong parameters, broken HTML, UTF-16 entity offsets,
retry handling). So this module runs a small aiohttp server on 127.0.0.1 that speaks the Bot
API wire protocol closely enough for the *real* PTB ``Bot``/``Application`` to talk to it::

    async with FakeBotAPI() as api:
        bot = api.make_bot()          # or Bot(token, base_url=api.base_url, ...)
        api.push_update(api.private_text("ما هو الخبر؟"))
        ...
        await api.wait_for("sendMessage")

Wire format notes (PTB 22.8, ``telegram/request/_requestparameter.py``): every parameter is sent
as a *string* form field. ``str`` values go as-is, everything else is ``json.dumps``-ed, so
``chat_id=5`` arrives as ``"5"``, ``True`` as ``"true"`` and ``reply_markup`` as a JSON string.
Requests without files are ``application/x-www-form-urlencoded``; with files, multipart. Since
the type information is lost, decoding here is name-aware (see ``decode_param``): free-text
fields such as ``text`` are never turned into numbers or JSON.

Everything is per-instance (no module state), every wait is bounded, and the server only ever
binds to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import html
import inspect
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web
from telegram import Bot
from telegram.request import HTTPXRequest

__all__ = [
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_FIRST_NAME",
    "DEFAULT_GROUP_ID",
    "DEFAULT_SUPERGROUP_ID",
    "DEFAULT_USERNAME",
    "DEFAULT_USER_ID",
    "FAKE_TOKEN",
    "ApiError",
    "FakeBotAPI",
    "RecordedCall",
    "UploadedFile",
    "decode_param",
    "detect_entities",
    "entity_for",
    "parse_html",
    "utf16_len",
]

JSONDict = dict[str, Any]
MethodHandler = Callable[[JSONDict], Any]

FAKE_TOKEN = "123456789:AAFakeTokenForTests-only_0123456789abc"
DEFAULT_USER_ID = 5550001
DEFAULT_FIRST_NAME = "أحمد"
DEFAULT_USERNAME = "ahmed_reader"
DEFAULT_SUPERGROUP_ID = -1001234567890
DEFAULT_GROUP_ID = -987654321
DEFAULT_CHANNEL_ID = -1009876543210
DEFAULT_GROUP_TITLE = "نقاش الأخبار"
DEFAULT_CHANNEL_TITLE = "قناة الأخبار"

_HOST = "127.0.0.1"  # never anything else: test traffic must stay on the loopback interface
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")

# fmt: off
# Parameters whose form value is a JSON document (PTB json.dumps-es non-str values).
JSON_FIELDS = frozenset({
    "allowed_updates", "button", "caption_entities", "commands", "entities",
    "explanation_entities", "input_message_content", "link_preview_options", "media",
    "menu_button", "message_ids", "options", "permissions", "prices", "question_entities",
    "reaction", "reply_markup", "reply_parameters", "results", "rights", "scope",
    "shipping_options", "text_entities",
})
# Free-text or opaque-string parameters: never decoded, even if they look like numbers/JSON.
STRING_FIELDS = frozenset({
    "action", "address", "business_connection_id", "callback_query_id", "caption", "currency",
    "custom_title", "data", "description", "emoji", "explanation", "file_id", "first_name",
    "game_short_name", "inline_message_id", "inline_query_id", "invite_link", "ip_address",
    "language_code", "last_name", "message_effect_id", "name", "next_offset", "parse_mode",
    "payload", "phone_number", "provider_token", "query", "question", "secret_token",
    "short_description", "start_parameter", "sticker_set_name", "switch_pm_parameter",
    "switch_pm_text", "text", "title", "url", "vcard", "web_app_query_id",
})
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_FORMATTING_ENTITIES = frozenset({
    "bold", "italic", "underline", "strikethrough", "spoiler", "blockquote",
    "expandable_blockquote",
})
# fmt: on
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_MAX_TEXT_UTF16 = 4096
_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files ("file is too big")
# Senders Telegram puts in ``from`` when the real sender is a chat (PTB: constants.ChatID).
_SERVICE_USER: JSONDict = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
_ANONYMOUS_ADMIN: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
# The rights an administrator gets unless ``set_admins(rights=...)`` says otherwise.
_ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
}
_CHANNEL_RIGHTS = {"can_post_messages": True, "can_edit_messages": True}
_GROUP_RIGHTS = {"can_pin_messages": True, "can_manage_topics": False}


# --------------------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for entity offsets.

    Astral characters (most emoji) count 2, everything in the BMP (incl. Arabic) counts 1.
    """
    return len(text.encode("utf-16-le")) // 2


def entity_for(
    text: str, fragment: str, entity_type: str, occurrence: int = 0, **extra: Any
) -> JSONDict:
    """Build an entity dict covering ``fragment`` inside ``text`` with UTF-16 offsets.

    Handy for tests that need explicit entities (e.g. a ``text_mention``) without doing
    offset arithmetic by hand.
    """
    start = -1
    for _ in range(occurrence + 1):
        start = text.find(fragment, start + 1)
        if start < 0:
            raise ValueError(f"{fragment!r} (occurrence {occurrence}) not in {text!r}")
    entity: JSONDict = {
        "offset": utf16_len(text[:start]),
        "length": utf16_len(fragment),
        "type": entity_type,
    }
    entity.update(extra)
    return entity


_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])")
_HASHTAG_RE = re.compile(r"(?<![\w#])#\w{1,256}")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}»«،؛؟…'\""


def detect_entities(text: str) -> list[JSONDict]:
    """Entities Telegram adds on its own: ``bot_command``, ``mention``, ``hashtag``, ``url``.

    Telegram does this for every text it delivers (and for texts bots send), so builders use it
    to produce realistic updates. Offsets are UTF-16. Emails, phones and cashtags are not done.
    """
    found: list[tuple[int, int, str]] = []
    for regex, kind in (
        (_COMMAND_RE, "bot_command"),
        (_URL_RE, "url"),
        (_MENTION_RE, "mention"),
        (_HASHTAG_RE, "hashtag"),
    ):
        for match in regex.finditer(text):
            start, end = match.span()
            if kind == "url":
                end = start + len(match.group(0).rstrip(_URL_TRAILING))
            if kind == "hashtag" and match.group(0)[1:].isdigit():
                continue
            found.append((start, end, kind))
    found.sort()
    entities: list[JSONDict] = []
    last_end = -1
    for start, end, kind in found:
        if start < last_end or end <= start:
            continue  # overlaps an earlier one, e.g. the "@bot" inside "/cmd@bot"
        last_end = end
        entities.append(
            {
                "offset": utf16_len(text[:start]),
                "length": utf16_len(text[start:end]),
                "type": kind,
            }
        )
    return entities


def _merge_detected(entities: list[JSONDict], detected: list[JSONDict]) -> list[JSONDict]:
    """Add auto-detected entities unless they clash with a non-formatting entity (code, link)."""
    merged = list(entities)
    for extra in detected:
        lo, hi = extra["offset"], extra["offset"] + extra["length"]
        clash = any(
            e["type"] not in _FORMATTING_ENTITIES
            and e["offset"] < hi
            and lo < e["offset"] + e["length"]
            for e in entities
        )
        if not clash:
            merged.append(extra)
    merged.sort(key=lambda e: (e["offset"], -e["length"]))
    return merged


# --------------------------------------------------------------------------- HTML parse_mode

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_RE = re.compile(r"""([A-Za-z_][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_CHAR_REF_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    start: int
    attrs: dict[str, str]


def _entity_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _decode_char_ref(match: re.Match[str]) -> str | None:
    dec, hexa, named = match.groups()
    if named:
        return _NAMED_REFS[named]
    code = int(dec) if dec else int(hexa, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag]) -> JSONDict | None:
    if tag.name == "code" and stack and stack[-1].name == "pre":
        # <pre><code class="language-x"> is one ``pre`` entity carrying the language.
        css = tag.attrs.get("class", "")
        if css.startswith("language-"):
            stack[-1].attrs["language"] = css[len("language-") :]
        return None
    length = end - tag.start
    if length <= 0:
        return None  # Telegram drops empty entities
    entity: JSONDict = {"offset": tag.start, "length": length, "type": _TAG_ENTITY[tag.name]}
    if tag.name == "a":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
    return entity


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Turn ``parse_mode=HTML`` text into (plain text, entities) the way Telegram does.

    Strict like Telegram: an unsupported tag (``<br>``, ``<p>``), an unescaped ``<`` or a
    mismatched end tag raises ``ApiError(400, "Bad Request: can't parse entities: ...")`` so
    tests catch article text that was not HTML-escaped.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            byte_offset = len(source[:i].encode("utf-8"))
            close = source.find(">", i + 1)
            if close < 0:
                raise _entity_error(f"Unclosed start tag at byte offset {byte_offset}")
            inner = source[i + 1 : close].strip()
            i = close + 1
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise _entity_error(f"Unexpected end tag at byte offset {byte_offset}")
                tag = stack.pop()
                if name != tag.name:
                    raise _entity_error(
                        f'Unmatched end tag at byte offset {byte_offset}, expected "</{tag.name}>",'
                        f' found "</{name}>"'
                    )
                entity = _close_tag(tag, pos16, stack)
                if entity is not None:
                    entities.append(entity)
                continue
            name_match = _TAG_NAME_RE.match(inner)
            name = name_match.group(0).lower() if name_match else ""
            if name not in _TAG_ENTITY:
                shown = name or (inner.split() or [""])[0]
                raise _entity_error(f'Unsupported start tag "{shown}" at byte offset {byte_offset}')
            attrs = {
                key.lower(): html.unescape(v1 or v2 or v3 or "")
                for key, v1, v2, v3 in _ATTR_RE.findall(inner[len(name) :])
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _entity_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
                )
            stack.append(_OpenTag(name, pos16, attrs))
            continue
        if ch == "&":
            ref = _CHAR_REF_RE.match(source, i)
            decoded = _decode_char_ref(ref) if ref else None
            if ref is not None and decoded is not None:
                out.append(decoded)
                pos16 += utf16_len(decoded)
                i = ref.end()
                continue
        out.append(ch)
        pos16 += 2 if ord(ch) > 0xFFFF else 1
        i += 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# --------------------------------------------------------------------------- request decoding


def decode_param(name: str, value: str) -> Any:
    """Decode one form field back into a Python value, using the parameter name as a type hint.

    PTB flattens every value to a string, so ``"5"`` may be an int (``chat_id``) or text
    (``text="5"``). Known free-text fields stay strings; known JSON fields are parsed; other
    fields get ``true``/``false``/int/float/JSON detection.
    """
    if name in STRING_FIELDS:
        return value
    if name in JSON_FIELDS or value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    if _INT_RE.fullmatch(value):
        return int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    return value


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part, kept so tests can assert on uploads."""

    filename: str | None
    content_type: str
    data: bytes


class ApiError(Exception):
    """Raised by method handlers to answer ``{"ok": false, ...}`` with an HTTP status."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class RecordedCall:
    """One request the server received, in arrival order.

    ``params`` are decoded (JSON fields are Python objects). ``outcome`` is ``"pending"`` while
    the request is in flight (long polls, injected delays), then ``"ok"``, ``"error"`` or
    ``"dropped"``. ``at`` is ``time.monotonic()`` at arrival, so gaps between retries can be
    measured. ``result`` is the ``result`` field of a successful answer.
    """

    method: str
    params: JSONDict
    token: str
    at: float
    http_method: str = "POST"
    outcome: str = "pending"
    status: int | None = None
    result: Any = None
    description: str | None = None
    injected: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome != "pending"

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def summary(self) -> str:
        params = json.dumps(self.params, ensure_ascii=False, default=repr)
        if len(params) > 300:
            params = params[:297] + "..."
        extra = f" [{self.injected}]" if self.injected else ""
        return f"{self.method} {params} -> {self.outcome} {self.status}{extra}"


@dataclass
class _Injection:
    kind: str  # "fail" | "rate_limit" | "drop" | "delay"
    method: str  # lower-case, or "*" for any method
    remaining: int
    status: int = 500
    description: str | None = None
    retry_after: int = 1
    seconds: float = 0.0


@dataclass
class _FileEntry:
    info: JSONDict
    content: bytes = field(repr=False)


@dataclass
class _Admins:
    """Who administers one chat, as ``set_admins`` configured it."""

    owner: int | None
    admins: tuple[int, ...]
    anonymous: frozenset[int]
    rights: dict[str, bool]


class _Ok:
    """A successful answer that also carries Telegram's optional ``description``."""

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


def _json_dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _same_chat(a: Any, b: Any) -> bool:
    return str(a) == str(b)


def _update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _strip_reply(message: JSONDict) -> JSONDict:
    """Telegram nests only one level of ``reply_to_message``."""
    inner = copy.deepcopy(message)
    inner.pop("reply_to_message", None)
    return inner


def _message_of(update_or_message: JSONDict) -> JSONDict:
    """The message inside an update dict from a builder, or the message dict itself."""
    if "message_id" in update_or_message:
        return update_or_message
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if isinstance(update_or_message.get(key), dict):
            return dict(update_or_message[key])
    raise ValueError("expected a message dict or an update carrying one")


def _thread_id(chat: JSONDict, reply_to: JSONDict | None) -> int | None:
    """``message_thread_id`` Telegram gives a reply in a supergroup: the reply chain's root.

    In a discussion group the root is the channel post's automatic forward, so every comment
    of a post carries that forward's message_id. Forum topics are not modelled.
    """
    if reply_to is None or chat.get("type") != "supergroup":
        return None
    return _thread_root(reply_to)


def _thread_root(message: JSONDict) -> int:
    """The root of the reply chain ``message`` is in (itself when it starts one)."""
    thread = message.get("message_thread_id")
    return int(message["message_id"] if thread is None else thread)


def _origin(message: JSONDict) -> JSONDict:
    """The ``MessageOrigin`` of ``message`` as a forward or external reply shows it."""
    if isinstance(message.get("forward_origin"), dict):
        return copy.deepcopy(message["forward_origin"])
    chat = message["chat"]
    origin: JSONDict
    if chat.get("type") == "channel":
        origin = {"type": "channel", "date": message["date"], "chat": copy.deepcopy(chat)}
        origin["message_id"] = message["message_id"]
    elif isinstance(message.get("sender_chat"), dict):
        origin = {"type": "chat", "date": message["date"]}
        origin["sender_chat"] = copy.deepcopy(message["sender_chat"])
    else:
        origin = {"type": "user", "date": message["date"], "sender_user": message.get("from")}
    if message.get("author_signature"):
        origin["author_signature"] = message["author_signature"]
    return origin


_MEDIA_KEYS = ("animation", "audio", "document", "photo", "sticker", "video", "voice")


# --------------------------------------------------------------------------- the server


class FakeBotAPI:
    """An in-process fake of ``api.telegram.org`` for one test (or a few).

    Point PTB at it with ``base_url=server.base_url`` and ``base_file_url=server.base_file_url``;
    PTB appends the token and method, giving ``/bot<TOKEN>/<method>``.

    ``strict`` enables Telegram's validation errors (bad HTML, empty/too long text, unknown
    query ids, "message is not modified", missing reply target, invalid commands). ``token``,
    when set, makes every other well-formed token answer 401 like a revoked one.
    """

    def __init__(
        self,
        *,
        bot_username: str = "ArticleQABot",
        bot_first_name: str = "Article QA",
        token: str | None = None,
        strict: bool = True,
        max_poll_timeout: float = 60.0,
        shutdown_timeout: float = 2.0,
    ) -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict = strict
        self.max_poll_timeout = max_poll_timeout
        self._only_token = token
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        self._calls: list[RecordedCall] = []
        self._injections: list[_Injection] = []
        self._outage_until = 0.0
        self._outage_spare: frozenset[str] = frozenset()
        self._custom: dict[str, tuple[str, MethodHandler]] = {}

        self._updates: list[JSONDict] = []
        self._last_update_id = 100_000_000
        self._allowed_updates: frozenset[str] | None = None
        self._poll_serial = 0
        self._active_poll: dict[str, int] = {}

        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._message_counters: dict[int, int] = {}
        self._forbidden: dict[int, str] = {}
        self._callback_ids: set[str] = set()
        self._inline_ids: set[str] = set()
        self._query_counter = 0
        self._files: dict[str, _FileEntry] = {}
        self._files_by_path: dict[str, _FileEntry] = {}
        self._file_counter = 0
        self._users: dict[int, JSONDict] = {}
        self._admins: dict[int, _Admins] = {}
        self._links: dict[int, int] = {}
        self._outgoing: set[tuple[int, int]] = set()

        self.webhook_url = ""
        self.webhook_params: JSONDict = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}

        self._closing = asyncio.Event()
        self._calls_changed = asyncio.Event()
        self._updates_changed = asyncio.Event()

        self._methods: dict[str, tuple[str, Callable[[JSONDict, str], Awaitable[Any]]]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("logOut", self._true),
            ("close", self._true),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("getUpdates", self._get_updates),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("answerInlineQuery", self._answer_inline_query),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("sendChatAction", self._send_chat_action),
            ("getChat", self._get_chat),
            ("getFile", self._get_file),
            ("getChatAdministrators", self._get_chat_administrators),
            ("getChatMember", self._get_chat_member),
        ):
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeBotAPI:
        """Bind to 127.0.0.1 on a free port (port 0) and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI already started")
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=self._shutdown_timeout
        )
        await runner.setup()
        site = web.TCPSite(runner, _HOST, 0)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Release long polls and delays, then close the server (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing.set()
        self._notify_updates()
        self._notify_calls()
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None or self._runner is None:
            raise RuntimeError("FakeBotAPI is not running; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url`` (token and method are appended by PTB)."""
        return f"http://{_HOST}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url``."""
        return f"http://{_HOST}:{self.port}/file/bot"

    def make_bot(self, token: str = FAKE_TOKEN, **httpx_request_kwargs: Any) -> Bot:
        """A real ``telegram.Bot`` wired to this server (not yet initialized).

        ``trust_env=False`` keeps proxy variables from routing loopback traffic elsewhere.
        """

        def request() -> HTTPXRequest:
            kwargs: dict[str, Any] = {"httpx_kwargs": {"trust_env": False}}
            kwargs.update(httpx_request_kwargs)
            return HTTPXRequest(**kwargs)

        return Bot(
            token,
            base_url=self.base_url,
            base_file_url=self.base_file_url,
            request=request(),
            get_updates_request=request(),
        )

    # ------------------------------------------------------------------ recorded calls

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """All recorded calls (any outcome), optionally for one method (case-insensitive)."""
        if method is None or method == "*":
            return list(self._calls)
        wanted = method.lower()
        return [c for c in self._calls if c.method.lower() == wanted]

    def clear_calls(self) -> None:
        self._calls.clear()

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Params of successful ``sendMessage`` calls, in order (failed attempts excluded)."""
        return [
            c.params
            for c in self.calls("sendMessage")
            if c.ok and (chat_id is None or _same_chat(c.params.get("chat_id"), chat_id))
        ]

    def bot_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Message objects returned for successful ``sendMessage`` calls (usable as reply_to)."""
        return [
            copy.deepcopy(c.result)
            for c in self.calls("sendMessage")
            if c.ok and (chat_id is None or _same_chat(c.result["chat"]["id"], chat_id))
        ]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Current server-side state of a message (reflects edits), or None."""
        stored = self._messages.get((int(chat_id), int(message_id)))
        return copy.deepcopy(stored) if stored is not None else None

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        predicate: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Wait until ``count`` finished calls of ``method`` match ``predicate``; return them.

        Counts every call since the last ``clear_calls()``, whatever its outcome. Raises an
        ``AssertionError`` listing what was received if the timeout elapses.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._calls_changed
            matches = [
                c for c in self.calls(method) if c.done and (predicate is None or predicate(c))
            ]
            if len(matches) >= count:
                return matches
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = "\n".join(f"  {c.summary()}" for c in self._calls[-40:]) or "  (none)"
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} {method!r} call(s)"
                    f"{' matching predicate' if predicate else ''}; got {len(matches)}."
                    f" Calls seen ({len(self._calls)}):\n{seen}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    # ------------------------------------------------------------------ error injection

    def fail_next(
        self, method: str, status: int = 500, count: int = 1, description: str | None = None
    ) -> None:
        """Answer the next ``count`` calls of ``method`` (``"*"`` = any) with an HTTP error."""
        self._inject(_Injection("fail", method.lower(), count, status, description))

    def rate_limit_next(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """Answer 429 with ``parameters.retry_after``, as Telegram's flood control does."""
        self._inject(_Injection("rate_limit", method.lower(), count, retry_after=retry_after))

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Hold the next answers back for ``seconds`` (then answer normally or per other rules)."""
        self._inject(_Injection("delay", method.lower(), count, seconds=seconds))

    def drop_next(self, method: str, count: int = 1) -> None:
        """Close the connection without any answer (client sees a network error)."""
        self._inject(_Injection("drop", method.lower(), count))

    def clear_injections(self) -> None:
        self._injections.clear()
        self._outage_until = 0.0

    def outage(self, seconds: float, *, spare: Iterable[str] = ("getUpdates",)) -> None:
        """For ``seconds``, drop the connection of every call but ``spare`` methods.

        With ``getUpdates`` spared (the default), questions keep arriving and are confirmed
        while no reply can be sent: the worst case for replies.
        """
        self._outage_until = time.monotonic() + seconds
        self._outage_spare = frozenset(m.lower() for m in spare)

    @property
    def in_outage(self) -> bool:
        return time.monotonic() < self._outage_until

    def forbid_chat(
        self, chat_id: int, description: str = "Forbidden: bot was blocked by the user"
    ) -> None:
        """Make sends/edits to ``chat_id`` answer 403 until ``allow_chat`` is called."""
        self._forbidden[int(chat_id)] = description

    def allow_chat(self, chat_id: int) -> None:
        self._forbidden.pop(int(chat_id), None)

    def add_method(self, name: str, handler: MethodHandler) -> None:
        """Serve an extra method; ``handler(params)`` returns the result or raises ApiError."""
        self._custom[name.lower()] = (name, handler)

    def _inject(self, injection: _Injection) -> None:
        if injection.remaining < 1:
            raise ValueError("count must be >= 1")
        self._injections.append(injection)

    def _take_injection(self, method: str, kinds: Iterable[str]) -> _Injection | None:
        kinds = frozenset(kinds)
        lowered = method.lower()
        for injection in self._injections:
            if injection.kind in kinds and injection.method in (lowered, "*"):
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    # ------------------------------------------------------------------ chat configuration

    def set_admins(
        self,
        chat_id: int,
        *,
        owner: int | None = None,
        admins: Iterable[int] = (),
        anonymous: Iterable[int] = (),
        rights: Mapping[str, bool] | None = None,
    ) -> None:
        """Configure who ``getChatAdministrators``/``getChatMember`` report for ``chat_id``.

        ``owner`` is the ``"creator"``, ``admins`` are ``"administrator"`` members with default
        rights overridden by ``rights`` (e.g. ``{"can_delete_messages": False}``); ids listed in
        ``anonymous`` (owner or admins) get ``is_anonymous``. Users are shown as they last
        appeared in a pushed update. Put the bot's id (``bot_user()["id"]``) in ``admins`` to
        let it delete other people's messages; bots are left out of getChatAdministrators as
        on Telegram. Calling it again replaces the chat's configuration.
        """
        self._admins[int(chat_id)] = _Admins(
            owner=owner,
            admins=tuple(int(a) for a in admins if a != owner),
            anonymous=frozenset(int(a) for a in anonymous),
            rights=dict(rights or {}),
        )

    def link_discussion(
        self,
        channel_id: int = DEFAULT_CHANNEL_ID,
        group_id: int = DEFAULT_SUPERGROUP_ID,
        *,
        channel_title: str = DEFAULT_CHANNEL_TITLE,
        group_title: str = DEFAULT_GROUP_TITLE,
    ) -> None:
        """Make ``group_id`` the channel's discussion group: ``getChat`` shows ``linked_chat_id``
        both ways and ``automatic_forward`` defaults to that group."""
        self._chats.setdefault(
            int(channel_id), {"id": int(channel_id), "title": channel_title, "type": "channel"}
        )
        self._chats.setdefault(
            int(group_id), {"id": int(group_id), "title": group_title, "type": "supergroup"}
        )
        self._links[int(channel_id)] = int(group_id)
        self._links[int(group_id)] = int(channel_id)

    # ------------------------------------------------------------------ update injection

    def push_update(self, update: JSONDict) -> int:
        """Queue an update (any ``update_id`` in it is replaced) and wake long polls."""
        body = copy.deepcopy(update)
        body.pop("update_id", None)
        self._last_update_id += 1
        full: JSONDict = {"update_id": self._last_update_id, **body}
        self._register_update(full)
        self._updates.append(full)
        self._notify_updates()
        return self._last_update_id

    def push_raw_update(self, body: JSONDict) -> int:
        """Queue ``body`` as is (an update_id is added), even if no client could parse it."""
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, **copy.deepcopy(body)})
        self._notify_updates()
        return self._last_update_id

    def push_updates(self, *updates: JSONDict) -> list[int]:
        return [self.push_update(u) for u in updates]

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed through ``getUpdates`` ``offset``."""
        return copy.deepcopy(self._updates)

    def _register_update(self, update: JSONDict) -> None:
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict):
                self._register_message(message, overwrite=True)
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            self._callback_ids.add(str(callback.get("id")))
            if isinstance(callback.get("message"), dict):
                self._register_message(callback["message"], overwrite=False)
        inline = update.get("inline_query")
        if isinstance(inline, dict):
            self._inline_ids.add(str(inline.get("id")))

    def _register_message(self, message: JSONDict, *, overwrite: bool) -> None:
        chat = message.get("chat")
        if not isinstance(chat, dict) or "message_id" not in message:
            return
        chat_id, message_id = int(chat["id"]), int(message["message_id"])
        self._chats[chat_id] = copy.deepcopy(chat)
        sender = message.get("from")
        if isinstance(sender, dict) and "id" in sender:
            self._users[int(sender["id"])] = copy.deepcopy(sender)
        self._message_counters[chat_id] = max(self._message_counters.get(chat_id, 0), message_id)
        if overwrite or (chat_id, message_id) not in self._messages:
            self._messages[(chat_id, message_id)] = copy.deepcopy(message)
        reply = message.get("reply_to_message")
        if isinstance(reply, dict):
            self._register_message(reply, overwrite=False)

    # ------------------------------------------------------------------ update builders

    def user(
        self,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        *,
        last_name: str | None = None,
        username: str | None = DEFAULT_USERNAME,
        language_code: str | None = "ar",
        is_bot: bool = False,
    ) -> JSONDict:
        """A ``User`` dict with Telegram's key order; None fields are omitted as Telegram does."""
        data: JSONDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if last_name is not None:
            data["last_name"] = last_name
        if username is not None:
            data["username"] = username
        if language_code is not None:
            data["language_code"] = language_code
        return data

    def bot_user(self, token: str = FAKE_TOKEN) -> JSONDict:
        """The bot as it appears in ``from`` of its own messages (id = token's numeric part)."""
        return {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def private_text(
        self,
        text: str,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        chat_id: int | None = None,
        *,
        username: str | None = DEFAULT_USERNAME,
        language_code: str | None = "ar",
        entities: list[JSONDict] | None = None,
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """``{"message": ...}`` from a user in their private chat with the bot.

        ``entities=None`` auto-detects commands/mentions/urls/hashtags like Telegram; pass a
        list (even ``[]``) to set them explicitly.
        """
        user = self.user(user_id, first_name, username=username, language_code=language_code)
        chat = self._private_chat(user, chat_id)
        return {"message": self._text_message(chat, user, text, entities, reply_to)}

    def group_migrated(
        self,
        old_chat_id: int = DEFAULT_GROUP_ID,
        new_chat_id: int = DEFAULT_SUPERGROUP_ID,
        user_id: int = DEFAULT_USER_ID,
        *,
        title: str = DEFAULT_GROUP_TITLE,
    ) -> tuple[JSONDict, JSONDict]:
        """The two service messages of a group upgraded to a supergroup (a new chat id).

        The old group gets ``migrate_to_chat_id``; the new supergroup ``migrate_from_chat_id``.
        """
        user = self.user(user_id, DEFAULT_FIRST_NAME)
        old = self._base_message({"id": old_chat_id, "title": title, "type": "group"}, user, None)
        old["migrate_to_chat_id"] = new_chat_id
        new_chat = {"id": new_chat_id, "title": title, "type": "supergroup"}
        new = self._base_message(new_chat, user, None)
        new["migrate_from_chat_id"] = old_chat_id
        return {"message": old}, {"message": new}

    def group_text(
        self,
        text: str,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        reply_to: JSONDict | None = None,
        entities: list[JSONDict] | None = None,
        *,
        chat_type: str = "supergroup",
        title: str = DEFAULT_GROUP_TITLE,
        first_name: str = DEFAULT_FIRST_NAME,
        username: str | None = DEFAULT_USERNAME,
        language_code: str | None = "ar",
    ) -> JSONDict:
        """``{"message": ...}`` from a user in a group/supergroup.

        ``reply_to`` is a message dict (e.g. from ``bot_messages()``); its chat is used when
        ``chat_id`` is not given.
        """
        user = self.user(user_id, first_name, username=username, language_code=language_code)
        if chat_id is None and reply_to is not None:
            chat_id = int(reply_to["chat"]["id"])
        chat = self._group_chat(chat_type, chat_id, title)
        return {"message": self._text_message(chat, user, text, entities, reply_to)}

    def command(
        self,
        text: str,
        chat_type: str = "private",
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        reply_to: JSONDict | None = None,
        title: str = DEFAULT_GROUP_TITLE,
    ) -> JSONDict:
        """A text message with ``bot_command`` entities for each ``/cmd`` or ``/cmd@botname``.

        Like Telegram, a command anywhere in the text gets an entity; PTB's CommandHandler
        only reacts to one at offset 0.
        """
        entities = detect_entities(text)
        if not any(e["type"] == "bot_command" for e in entities):
            raise ValueError(f"no /command found in {text!r}")
        return self._by_chat_type(
            text, chat_type, chat_id, user_id, first_name, reply_to, entities, title
        )

    def mention_text(
        self,
        text: str,
        chat_type: str = "supergroup",
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        reply_to: JSONDict | None = None,
        title: str = DEFAULT_GROUP_TITLE,
    ) -> JSONDict:
        """A message with a ``mention`` entity for ``@botname`` (prepended if not in ``text``)."""
        handle = f"@{self.bot_username}"
        if handle.lower() not in text.lower():
            text = f"{handle} {text}"
        return self._by_chat_type(
            text, chat_type, chat_id, user_id, first_name, reply_to, None, title
        )

    def channel_post(
        self,
        text: str | None,
        chat_id: int = DEFAULT_CHANNEL_ID,
        title: str = DEFAULT_CHANNEL_TITLE,
        *,
        username: str | None = None,
        entities: list[JSONDict] | None = None,
        caption: str | None = None,
        caption_entities: list[JSONDict] | None = None,
        document: JSONDict | None = None,
        author_signature: str | None = None,
    ) -> JSONDict:
        """``{"channel_post": ...}``: ``sender_chat`` is the channel and there is no ``from``.

        A text post, or (``text=None``) a media post: ``document`` (from ``document()``) or,
        without one, a photo, with an optional ``caption``. Lengths are not checked here, so a
        post can carry a long article text.
        """
        if text is not None and (caption is not None or document is not None):
            raise ValueError("a post has either text or media with a caption, not both")
        chat: JSONDict = {"id": chat_id, "title": title}
        if username is not None:
            chat["username"] = username
        chat["type"] = "channel"
        post: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "sender_chat": dict(chat),
            "chat": chat,
            "date": int(time.time()),
        }
        if author_signature is not None:
            post["author_signature"] = author_signature
        if text is not None:
            self._set_text(post, "text", text, entities)
        elif document is not None:
            post["document"] = copy.deepcopy(document)
        else:
            post["photo"] = self._photo_sizes()
        if caption is not None:
            self._set_text(post, "caption", caption, caption_entities)
        return {"channel_post": post}

    def edited_channel_post(
        self,
        post: JSONDict,
        text: str | None = None,
        *,
        caption: str | None = None,
        entities: list[JSONDict] | None = None,
        caption_entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """``{"edited_channel_post": ...}``: ``post`` (a channel_post update or message) with
        new ``text`` (text posts) or ``caption`` (media posts), same message_id, ``edit_date``."""
        edited = copy.deepcopy(_message_of(post))
        if text is not None:
            if "text" not in edited:
                raise ValueError("a media post's caption is edited with caption=, not text=")
            self._set_text(edited, "text", text, entities)
        if caption is not None:
            if "text" in edited:
                raise ValueError("a text post has no caption; edit it with text=")
            self._set_text(edited, "caption", caption, caption_entities)
        edited["edit_date"] = max(int(time.time()), int(edited["date"]) + 1)
        return {"edited_channel_post": edited}

    def automatic_forward(self, post: JSONDict, group_id: int | None = None) -> JSONDict:
        """``{"message": ...}``: the copy Telegram puts in the channel's discussion group.

        ``post`` is a channel_post update (or message). ``group_id`` defaults to the group
        linked with ``link_discussion``. The copy has its own message_id in the group, comes
        from the "Telegram" service user with ``sender_chat`` = the channel, and carries
        ``is_automatic_forward`` and a ``forward_origin`` of type "channel" pointing at the post
        (plus the legacy ``forward_from_chat``/``forward_from_message_id``/``forward_date``
        Telegram still sends).
        """
        original = _message_of(post)
        channel = copy.deepcopy(original["chat"])
        if group_id is None:
            group_id = self._links.get(int(channel["id"]))
            if group_id is None:
                raise ValueError("no discussion group linked; call link_discussion() first")
        known = self._chats.get(int(group_id), {})
        group: JSONDict = {"id": int(group_id), "title": known.get("title", DEFAULT_GROUP_TITLE)}
        if "username" in known:
            group["username"] = known["username"]
        group["type"] = "supergroup"
        origin = _origin(original)
        message: JSONDict = {
            "message_id": self._next_message_id(int(group_id)),
            "from": dict(_SERVICE_USER),
            "sender_chat": channel,
            "chat": group,
            "date": int(time.time()),
            "forward_origin": origin,
            "is_automatic_forward": True,
            "forward_from_chat": copy.deepcopy(channel),
            "forward_from_message_id": original["message_id"],
            "forward_date": origin["date"],
        }
        if "author_signature" in original:
            message["forward_signature"] = original["author_signature"]
        for key in ("text", "entities", *_MEDIA_KEYS, "caption", "caption_entities"):
            if key in original:
                message[key] = copy.deepcopy(original[key])
        return {"message": message}

    def thread_comment(
        self,
        group_id: int | None,
        forward: JSONDict,
        text: str,
        user_id: int = DEFAULT_USER_ID,
        *,
        reply_to: JSONDict | None = None,
        first_name: str = DEFAULT_FIRST_NAME,
        username: str | None = DEFAULT_USERNAME,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """``{"message": ...}``: a user's comment under a channel post in the discussion group.

        ``forward`` is the post's automatic forward (update or message). The comment replies to
        it, or to ``reply_to`` (another comment of the same thread) for a comment deeper in the
        thread; either way ``message_thread_id`` is the forward's message_id.
        """
        root = _message_of(forward)
        target = root if reply_to is None else _message_of(reply_to)
        if group_id is None:
            group_id = int(root["chat"]["id"])
        thread = _thread_root(target)
        if not _same_chat(root["chat"]["id"], group_id) or thread != int(root["message_id"]):
            raise ValueError("reply_to is not a message of this post's thread in this group")
        user = self.user(user_id, first_name, username=username)
        message = self._text_message(copy.deepcopy(target["chat"]), user, text, entities, target)
        return {"message": message}

    def as_anonymous_admin(self, update: JSONDict, author_signature: str | None = None) -> JSONDict:
        """``{"message": ...}``: the same group message sent by an anonymous admin. ``from`` is
        GroupAnonymousBot and ``sender_chat`` the group itself: the bot cannot tell who it was."""
        message = copy.deepcopy(_message_of(update))
        if message["chat"].get("type") not in ("group", "supergroup"):
            raise ValueError("only group messages can come from an anonymous admin")
        message["from"] = dict(_ANONYMOUS_ADMIN)
        message["sender_chat"] = copy.deepcopy(message["chat"])
        if author_signature is not None:
            message["author_signature"] = author_signature
        return {"message": message}

    def inline_query(
        self,
        query: str,
        user_id: int = DEFAULT_USER_ID,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> JSONDict:
        """``{"inline_query": ...}``; the id is a numeric string, as Telegram sends it."""
        body: JSONDict = {"id": self._next_query_id(), "from": self.user(user_id, first_name)}
        if chat_type is not None:
            body["chat_type"] = chat_type
        body["query"] = query
        body["offset"] = offset
        return {"inline_query": body}

    def callback_query(
        self,
        data: str,
        message: JSONDict,
        user_id: int = DEFAULT_USER_ID,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> JSONDict:
        """``{"callback_query": ...}`` for a button press on ``message`` (a bot message dict)."""
        chat_id = int(message["chat"]["id"])
        instance = (abs(chat_id) * 1_000_003 + user_id) % 9_000_000_000_000_000_000
        return {
            "callback_query": {
                "id": self._next_query_id(),
                "from": self.user(user_id, first_name),
                "message": copy.deepcopy(message),
                "chat_instance": str(-instance if chat_id < 0 else instance),
                "data": data,
            }
        }

    def sticker_message(
        self,
        emoji: str = "👍",
        chat_type: str = "private",
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        set_name: str = "ArabicNewsStickers",
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """A sticker message (no text), for "ignore non-text" paths."""
        user = self.user(user_id, first_name)
        chat = self._chat_for_type(chat_type, chat_id, user, DEFAULT_GROUP_TITLE)
        thumb = self._photo_size("thumb", 128, 128, 5_000)
        sticker_file = self._new_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", "stickers")
        sticker: JSONDict = {
            "width": 512,
            "height": 512,
            "emoji": emoji,
            "set_name": set_name,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "thumbnail": thumb,
            "thumb": dict(thumb),
            "file_id": sticker_file["file_id"],
            "file_unique_id": sticker_file["file_unique_id"],
            "file_size": 24_000,
        }
        message = self._base_message(chat, user, reply_to)
        message["sticker"] = sticker
        return {"message": message}

    def photo_message(
        self,
        caption: str | None = None,
        chat_type: str = "private",
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        caption_entities: list[JSONDict] | None = None,
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """A photo message: several ``PhotoSize`` entries, optional caption with entities."""
        user = self.user(user_id, first_name)
        chat = self._chat_for_type(chat_type, chat_id, user, DEFAULT_GROUP_TITLE)
        message = self._base_message(chat, user, reply_to)
        message["photo"] = self._photo_sizes()
        if caption is not None:
            self._set_text(message, "caption", caption, caption_entities)
        return {"message": message}

    def add_file(
        self, content: bytes, *, file_path: str | None = None, kind: str = "document"
    ) -> JSONDict:
        """Make bytes downloadable via ``getFile`` + ``base_file_url``; returns the File dict."""
        return self._new_file(kind, content, "documents", file_path)

    def document(
        self,
        content: bytes,
        file_name: str = "article.txt",
        mime_type: str = "text/plain",
        *,
        file_size: int | None = None,
    ) -> JSONDict:
        """A ``Document`` dict whose bytes ``getFile`` + the file URL serve.

        ``file_size`` (default: the real length) is what Telegram reports, in the Document and
        in getFile; getFile refuses files over 20 MB as Telegram does. Declaring a size other
        than ``len(content)`` lets a test check that the bot refuses large files up front.
        """
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else ""
        n = self._file_counter + 1
        path = f"documents/file_{n}.{suffix}" if suffix else None
        info = self._new_file("document", content, "documents", path, size=file_size)
        return {"file_name": file_name, "mime_type": mime_type, **info}

    def document_message(
        self,
        content: bytes,
        caption: str | None = None,
        chat_type: str = "private",
        *,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        file_name: str = "article.txt",
        mime_type: str = "text/plain",
        file_size: int | None = None,
        caption_entities: list[JSONDict] | None = None,
        reply_to: JSONDict | None = None,
        title: str = DEFAULT_GROUP_TITLE,
    ) -> JSONDict:
        """``{"message": ...}`` with a ``document`` (see ``document()``) and optional caption.

        Caption entities are detected like Telegram does (``/add`` gets a ``bot_command``)
        unless ``caption_entities`` is given.
        """
        user = self.user(user_id, first_name)
        chat = self._chat_for_type(chat_type, chat_id, user, title)
        message = self._base_message(chat, user, reply_to)
        message["document"] = self.document(content, file_name, mime_type, file_size=file_size)
        if caption is not None:
            self._set_text(message, "caption", caption, caption_entities)
        return {"message": message}

    # builder internals

    def _by_chat_type(
        self,
        text: str,
        chat_type: str,
        chat_id: int | None,
        user_id: int,
        first_name: str,
        reply_to: JSONDict | None,
        entities: list[JSONDict] | None,
        title: str,
    ) -> JSONDict:
        if chat_type == "private":
            return self.private_text(
                text, user_id, first_name, chat_id, entities=entities, reply_to=reply_to
            )
        return self.group_text(
            text,
            chat_id,
            user_id,
            reply_to,
            entities,
            chat_type=chat_type,
            title=title,
            first_name=first_name,
        )

    def _private_chat(self, user: JSONDict, chat_id: int | None) -> JSONDict:
        chat: JSONDict = {"id": user["id"] if chat_id is None else chat_id}
        for key in ("first_name", "last_name", "username"):
            if key in user:
                chat[key] = user[key]
        chat["type"] = "private"
        return chat

    def _group_chat(self, chat_type: str, chat_id: int | None, title: str) -> JSONDict:
        if chat_type not in ("group", "supergroup"):
            raise ValueError(f"chat_type must be 'group' or 'supergroup', not {chat_type!r}")
        if chat_id is None:
            chat_id = DEFAULT_GROUP_ID if chat_type == "group" else DEFAULT_SUPERGROUP_ID
        if chat_type == "group":
            return {
                "id": chat_id,
                "title": title,
                "type": "group",
                "all_members_are_administrators": True,
            }
        return {"id": chat_id, "title": title, "type": "supergroup"}

    def _chat_for_type(
        self, chat_type: str, chat_id: int | None, user: JSONDict, title: str
    ) -> JSONDict:
        if chat_type == "private":
            return self._private_chat(user, chat_id)
        return self._group_chat(chat_type, chat_id, title)

    def _base_message(self, chat: JSONDict, user: JSONDict, reply_to: JSONDict | None) -> JSONDict:
        if reply_to is not None and not _same_chat(reply_to["chat"]["id"], chat["id"]):
            raise ValueError("reply_to message belongs to another chat")
        message: JSONDict = {"message_id": self._next_message_id(int(chat["id"]))}
        thread = _thread_id(chat, reply_to)
        if thread is not None:
            message["message_thread_id"] = thread
        message.update({"from": user, "chat": chat, "date": int(time.time())})
        if reply_to is not None:
            message["reply_to_message"] = _strip_reply(reply_to)
        return message

    def _text_message(
        self,
        chat: JSONDict,
        user: JSONDict,
        text: str,
        entities: list[JSONDict] | None,
        reply_to: JSONDict | None,
    ) -> JSONDict:
        message = self._base_message(chat, user, reply_to)
        message["text"] = text
        found = detect_entities(text) if entities is None else entities
        if found:
            message["entities"] = found
        return message

    @staticmethod
    def _set_text(message: JSONDict, key: str, text: str, entities: list[JSONDict] | None) -> None:
        """Set ``text``/``caption`` and its entities (auto-detected unless given)."""
        message[key] = text
        entity_key = "entities" if key == "text" else "caption_entities"
        found = detect_entities(text) if entities is None else entities
        if found:
            message[entity_key] = found
        else:
            message.pop(entity_key, None)

    def _photo_sizes(self) -> list[JSONDict]:
        return [
            self._photo_size("photo", 90, 67, 1_200),
            self._photo_size("photo", 320, 240, 15_000),
            self._photo_size("photo", 800, 600, 60_000),
            self._photo_size("photo", 1280, 960, 120_000),
        ]

    def _next_message_id(self, chat_id: int) -> int:
        value = self._message_counters.get(chat_id, 0) + 1
        self._message_counters[chat_id] = value
        return value

    def _next_query_id(self) -> str:
        self._query_counter += 1
        return str(4_718_212_345_678_000_000 + self._query_counter)

    def _new_file(
        self,
        kind: str,
        content: bytes,
        folder: str,
        file_path: str | None = None,
        *,
        size: int | None = None,
    ) -> JSONDict:
        self._file_counter += 1
        n = self._file_counter
        raw = f"fake-{kind}-{n}".encode()
        info: JSONDict = {
            "file_id": "AgACAgQAAxkB" + base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "file_unique_id": f"AQAD{n:06d}",
            "file_size": len(content) if size is None else size,
            "file_path": file_path or f"{folder}/file_{n}",
        }
        entry = _FileEntry(info, content)
        self._files[info["file_id"]] = entry
        self._files_by_path[info["file_path"]] = entry
        return dict(info)

    def _photo_size(self, kind: str, width: int, height: int, size: int) -> JSONDict:
        info = self._new_file(kind, b"\xff\xd8\xff\xe0fake-jpeg", "photos")
        return {
            "file_id": info["file_id"],
            "file_unique_id": info["file_unique_id"],
            "file_size": size,
            "width": width,
            "height": height,
        }

    # ------------------------------------------------------------------ HTTP plumbing

    def _notify_calls(self) -> None:
        event, self._calls_changed = self._calls_changed, asyncio.Event()
        event.set()

    def _notify_updates(self) -> None:
        event, self._updates_changed = self._updates_changed, asyncio.Event()
        event.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep that ends early when the server stops, so shutdown never waits on a delay."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), max(0.0, seconds))

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = {k: decode_param(k, v) for k, v in request.query.items()}
        ctype = request.content_type
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = decode_param(key, value)
                elif isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        value.filename, value.content_type, value.file.read()
                    )
        elif ctype == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                for key, value in body.items():
                    if isinstance(value, str) and key in JSON_FIELDS:
                        params[key] = decode_param(key, value)
                    else:
                        params[key] = value
        else:
            await request.read()
        return params

    def _check_token(self, token: str) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ApiError(404, "Not Found")
        if self._only_token is not None and token != self._only_token:
            raise ApiError(401, "Unauthorized")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrival = time.monotonic()
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        known = self._methods.get(raw_method.lower()) or self._custom.get(raw_method.lower())
        method = known[0] if known else raw_method
        call = RecordedCall(method, {}, token, arrival, http_method=request.method)
        self._calls.append(call)
        try:
            call.params = await self._read_params(request)
        except ApiError as exc:
            return self._finish(call, exc.status, exc.payload())
        self._notify_calls()

        if self.in_outage and method.lower() not in self._outage_spare:
            call.injected = "outage"
            call.outcome = "dropped"
            self._notify_calls()
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)

        delay = self._take_injection(method, ("delay",))
        if delay is not None:
            call.injected = f"delay {delay.seconds}s"
            await self._sleep(delay.seconds)
        rule = self._take_injection(method, ("fail", "rate_limit", "drop"))
        if rule is not None:
            call.injected = rule.kind if delay is None else f"{call.injected}+{rule.kind}"
            if rule.kind == "drop":
                call.outcome = "dropped"
                self._notify_calls()
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=500)
            if rule.kind == "rate_limit":
                error = ApiError(
                    429,
                    f"Too Many Requests: retry after {rule.retry_after}",
                    {"retry_after": rule.retry_after},
                )
            else:
                description = rule.description or _DEFAULT_DESCRIPTIONS.get(rule.status)
                if description is None:
                    try:
                        description = HTTPStatus(rule.status).phrase
                    except ValueError:
                        description = "Injected failure"
                error = ApiError(rule.status, description)
            return self._finish(call, error.status, error.payload())

        try:
            self._check_token(token)
            result = await self._dispatch(raw_method.lower(), call.params, token)
        except ApiError as exc:
            return self._finish(call, exc.status, exc.payload())
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Malformed parameters (e.g. message_id="abc"): Telegram answers 400, not 500.
            error = ApiError(400, f"Bad Request: invalid parameters ({exc!r})")
            return self._finish(call, error.status, error.payload())
        except Exception as exc:  # a crashing custom handler must still be recorded
            error = ApiError(500, f"Internal Server Error: fake handler crashed ({exc!r})")
            return self._finish(call, error.status, error.payload())
        if isinstance(result, _Ok):
            body: JSONDict = {"ok": True, "result": result.result}
            body["description"] = result.description
        else:
            body = {"ok": True, "result": result}
        return self._finish(call, 200, body)

    async def _dispatch(self, method: str, params: JSONDict, token: str) -> Any:
        if method in self._custom:
            outcome = self._custom[method][1](params)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            return outcome
        if method not in self._methods:
            raise ApiError(404, "Not Found: method not found")
        return await self._methods[method][1](params, token)

    def _finish(self, call: RecordedCall, status: int, body: JSONDict) -> web.Response:
        call.status = status
        call.outcome = "ok" if body.get("ok") else "error"
        call.result = copy.deepcopy(body.get("result"))
        call.description = body.get("description")
        self._notify_calls()
        return web.json_response(body, status=status, dumps=_json_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        entry = self._files_by_path.get(request.match_info["path"])
        if entry is None or not _TOKEN_RE.fullmatch(request.match_info["token"]):
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=entry.content, content_type="application/octet-stream")

    # ------------------------------------------------------------------ method handlers

    async def _true(self, params: JSONDict, token: str) -> Any:
        return True

    async def _get_me(self, params: JSONDict, token: str) -> Any:
        me = self.bot_user(token)
        me.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )
        return me

    async def _set_webhook(self, params: JSONDict, token: str) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params, token)
        if self.strict and not url.lower().startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = url
        self.webhook_params = dict(params)
        self._notify_updates()  # running long polls now get 409, as on Telegram
        return _Ok(True, "Webhook was set")

    async def _delete_webhook(self, params: JSONDict, token: str) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        had = bool(self.webhook_url)
        self.webhook_url = ""
        self.webhook_params = {}
        return _Ok(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def _get_webhook_info(self, params: JSONDict, token: str) -> Any:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = int(self.webhook_params.get("max_connections", 40))
            if self.webhook_params.get("allowed_updates"):
                info["allowed_updates"] = self.webhook_params["allowed_updates"]
        return info

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JSONDict]:
        if self._allowed_updates is None:
            keep = [u for u in self._updates if _update_type(u) not in _DEFAULT_EXCLUDED_UPDATES]
        else:
            keep = [u for u in self._updates if _update_type(u) in self._allowed_updates]
        self._updates = keep  # Telegram never stores updates the bot did not ask for
        return copy.deepcopy(keep[:limit])

    async def _get_updates(self, params: JSONDict, token: str) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.max_poll_timeout)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(offset)

        self._poll_serial += 1
        serial = self._poll_serial
        self._active_poll[token] = serial
        self._notify_updates()  # an older poll with this token is terminated with 409

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._updates_changed
            if self._active_poll.get(token) != serial:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
            if self.webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _chat_for(self, chat_id: Any) -> JSONDict:
        """Known chat, or one invented from the id's shape (Telegram would know it anyway)."""
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and not _INT_RE.fullmatch(chat_id):
            wanted = chat_id.lstrip("@").lower()
            for chat in self._chats.values():
                if str(chat.get("username", "")).lower() == wanted:
                    return copy.deepcopy(chat)
            raise ApiError(400, "Bad Request: chat not found")
        numeric = int(chat_id)
        if numeric == 0:
            raise ApiError(400, "Bad Request: chat not found")
        if numeric not in self._chats:
            invented: JSONDict
            if numeric > 0:
                invented = {"id": numeric, "first_name": "User", "type": "private"}
            elif str(numeric).startswith("-100"):
                invented = {"id": numeric, "title": f"Chat {numeric}", "type": "supergroup"}
            else:
                invented = {
                    "id": numeric,
                    "title": f"Chat {numeric}",
                    "type": "group",
                    "all_members_are_administrators": True,
                }
            self._chats[numeric] = invented
        return copy.deepcopy(self._chats[numeric])

    def _check_forbidden(self, chat_id: int) -> None:
        if chat_id in self._forbidden:
            raise ApiError(403, self._forbidden[chat_id])

    def _render_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(raw)
        explicit = params.get("entities")
        parse_mode = str(params.get("parse_mode") or "")
        entities: list[JSONDict] = []
        if isinstance(explicit, list):
            entities = [dict(e) for e in explicit]
        elif parse_mode.lower() == "html":
            try:
                text, entities = parse_html(text)
            except ApiError:
                if self.strict:
                    raise
        elif parse_mode and parse_mode.lower() not in ("markdown", "markdownv2"):
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        # Markdown/MarkdownV2 are not emulated: text is kept verbatim, without entities.
        if self.strict:
            if not text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if utf16_len(text) > _MAX_TEXT_UTF16:
                raise ApiError(400, "Bad Request: message is too long")
        return text, _merge_detected(entities, detect_entities(text))

    def _check_markup(self, markup: Any) -> JSONDict | None:
        """Validate an inline keyboard the way Telegram rejects common mistakes."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Array')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text must be non-empty",
                    )
                if self.strict and set(button) == {"text"}:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if self.strict and data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_target(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            target_chat = reply.get("chat_id", chat_id)
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
            target_chat = chat_id
            allow_missing = bool(params.get("allow_sending_without_reply"))
        else:
            return None
        try:
            key = (int(str(target_chat)), int(str(message_id)))
        except ValueError:
            key = (chat_id, -1)
        found = self._messages.get(key)
        if found is None:
            if self.strict and not allow_missing:
                raise ApiError(400, "Bad Request: message to be replied not found")
            return None
        return _strip_reply(found)

    async def _send_message(self, params: JSONDict, token: str) -> Any:
        chat = self._chat_for(params.get("chat_id"))
        chat_id = int(chat["id"])
        self._check_forbidden(chat_id)
        text, entities = self._render_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply = self._reply_target(chat_id, params)
        external = reply is not None and not _same_chat(reply["chat"]["id"], chat_id)
        thread = self._sent_thread(chat, None if external else reply, params)
        message: JSONDict = {"message_id": self._next_message_id(chat_id)}
        if thread is not None:
            message["message_thread_id"] = thread
        if chat["type"] == "channel":
            message["sender_chat"] = dict(chat)
        else:
            message["from"] = self.bot_user(token)
        message["chat"] = chat
        message["date"] = int(time.time())
        if reply is not None and external:
            message["external_reply"] = self._external_reply(reply)
        elif reply is not None:
            message["reply_to_message"] = reply
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # reply keyboards are not echoed by Telegram
        self._messages[(chat_id, message["message_id"])] = copy.deepcopy(message)
        self._outgoing.add((chat_id, message["message_id"]))
        return message

    def _sent_thread(self, chat: JSONDict, reply: JSONDict | None, params: JSONDict) -> int | None:
        """Thread of a bot message in a supergroup: the replied-to chain's root, or an explicit
        ``message_thread_id``, which must be a message of that chat."""
        explicit = params.get("message_thread_id")
        if explicit is None or chat.get("type") != "supergroup":
            return _thread_id(chat, reply)
        root = self._messages.get((int(chat["id"]), int(explicit)))
        if root is None and self.strict:
            raise ApiError(400, "Bad Request: message thread not found")
        if root is not None:
            return _thread_root(root)
        return int(explicit)

    @staticmethod
    def _external_reply(target: JSONDict) -> JSONDict:
        """``ExternalReplyInfo`` for a reply to a message in another chat (Bot API 7.0): the
        reply carries this instead of ``reply_to_message``."""
        info: JSONDict = {"origin": _origin(target)}
        if target["chat"].get("type") in ("channel", "supergroup"):
            info["chat"] = copy.deepcopy(target["chat"])
            info["message_id"] = target["message_id"]
        for key in _MEDIA_KEYS:
            if key in target:
                info[key] = copy.deepcopy(target[key])
        return info

    def _editable(self, params: JSONDict, token: str) -> JSONDict | None:
        """The stored bot message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        if params.get("chat_id") is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if params.get("message_id") is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._chat_for(params["chat_id"])
        self._check_forbidden(int(chat["id"]))
        stored = self._messages.get((int(chat["id"]), int(params["message_id"])))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        sender = stored.get("from") or {}
        if (
            self.strict
            and sender.get("id") != self.bot_user(token)["id"]
            and ("sender_chat" not in stored)
        ):
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    @staticmethod
    def _not_modified() -> ApiError:
        return ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )

    def _apply_markup(self, message: JSONDict, markup: JSONDict | None) -> None:
        if markup is not None and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    async def _edit_message_text(self, params: JSONDict, token: str) -> Any:
        text, entities = self._render_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        stored = self._editable(params, token)
        if stored is None:
            return True
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if (
            self.strict
            and stored.get("text") == text
            and stored.get("entities", []) == entities
            and stored.get("reply_markup") == new_markup
        ):
            raise self._not_modified()
        stored["text"] = text
        if entities:
            stored["entities"] = entities
        else:
            stored.pop("entities", None)
        self._apply_markup(stored, markup)  # omitting reply_markup removes the keyboard
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _edit_message_reply_markup(self, params: JSONDict, token: str) -> Any:
        markup = self._check_markup(params.get("reply_markup"))
        stored = self._editable(params, token)
        if stored is None:
            return True
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if self.strict and stored.get("reply_markup") == new_markup:
            raise self._not_modified()
        self._apply_markup(stored, markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _delete_message(self, params: JSONDict, token: str) -> Any:
        chat = self._chat_for(params.get("chat_id"))
        key = (int(chat["id"]), int(params.get("message_id") or 0))
        if key not in self._messages:
            raise ApiError(400, "Bad Request: message to delete not found")
        if self.strict and not self._may_delete(chat, key, token):
            raise ApiError(400, "Bad Request: message can't be deleted")
        del self._messages[key]
        self._outgoing.discard(key)
        return True

    def _may_delete(self, chat: JSONDict, key: tuple[int, int], token: str) -> bool:
        """Telegram's rule: a bot deletes its own messages and, in private chats, incoming
        ones; elsewhere other people's messages need it to be an admin (with
        ``can_delete_messages`` outside basic groups). Configure that with ``set_admins``."""
        if key in self._outgoing or chat["type"] == "private":
            return True
        member = self._member(chat, self.bot_user(token)["id"], token)
        if member["status"] == "creator":
            return True
        if member["status"] != "administrator":
            return False
        return chat["type"] == "group" or bool(member.get("can_delete_messages"))

    def _check_query(self, known: set[str], query_id: Any) -> None:
        if self.strict and str(query_id) not in known:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )

    async def _answer_callback_query(self, params: JSONDict, token: str) -> Any:
        self._check_query(self._callback_ids, params.get("callback_query_id"))
        return True

    async def _answer_inline_query(self, params: JSONDict, token: str) -> Any:
        self._check_query(self._inline_ids, params.get("inline_query_id"))
        results = params.get("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if self.strict:
            if len(results) > 50:
                raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
            ids = [str(r.get("id")) for r in results if isinstance(r, dict)]
            if len(ids) != len(set(ids)):
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            for result in results:
                content = result.get("input_message_content") if isinstance(result, dict) else None
                if isinstance(content, dict) and "message_text" in content:
                    self._check_inline_text(content)
        return True

    def _check_inline_text(self, content: JSONDict) -> None:
        """An inline result's message is checked like sendMessage text (one bad one fails all)."""
        text = str(content["message_text"])
        if str(content.get("parse_mode") or "").lower() == "html":
            text, _ = parse_html(text)
        if not text.strip():
            raise ApiError(400, "Bad Request: MESSAGE_EMPTY")
        if utf16_len(text) > _MAX_TEXT_UTF16:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict, token: str) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if self.strict:
            for item in commands:
                name = str(item.get("command", "")) if isinstance(item, dict) else ""
                if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                    raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
                description = str(item.get("description", ""))
                if not 1 <= len(description) <= 256:
                    raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            if len(commands) > 100:
                raise ApiError(400, "Bad Request: too many commands")
        self.commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    async def _get_my_commands(self, params: JSONDict, token: str) -> Any:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict, token: str) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_chat_action(self, params: JSONDict, token: str) -> Any:
        chat = self._chat_for(params.get("chat_id"))
        self._check_forbidden(int(chat["id"]))
        if str(params.get("action")) not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _get_chat(self, params: JSONDict, token: str) -> Any:
        chat = self._chat_for(params.get("chat_id"))
        chat.pop("all_members_are_administrators", None)
        if int(chat["id"]) in self._links:  # set by link_discussion
            chat["linked_chat_id"] = self._links[int(chat["id"])]
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat

    async def _get_file(self, params: JSONDict, token: str) -> Any:
        entry = self._files.get(str(params.get("file_id")))
        if entry is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if int(entry.info.get("file_size") or 0) > _MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return dict(entry.info)

    def _user_by_id(self, user_id: int, token: str) -> JSONDict:
        """A user as last seen in a pushed update (the bot itself as getMe shows it)."""
        if user_id in self._users:
            return copy.deepcopy(self._users[user_id])
        if user_id == self.bot_user(token)["id"]:
            return self.bot_user(token)
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def _member(self, chat: JSONDict, user_id: int, token: str) -> JSONDict:
        """The ``ChatMember`` dict for ``user_id`` from ``set_admins``; "member" otherwise."""
        user = self._user_by_id(int(user_id), token)
        config = self._admins.get(int(chat["id"]))
        if config is None or chat["type"] == "private":
            return {"user": user, "status": "member"}
        anonymous = int(user_id) in config.anonymous
        if config.owner is not None and int(user_id) == config.owner:
            return {"user": user, "status": "creator", "is_anonymous": anonymous}
        if int(user_id) not in config.admins:
            return {"user": user, "status": "member"}
        member: JSONDict = {"user": user, "status": "administrator"}
        member.update(_ADMIN_RIGHTS)
        member["is_anonymous"] = anonymous
        member.update(_CHANNEL_RIGHTS if chat["type"] == "channel" else _GROUP_RIGHTS)
        member.update(config.rights)
        return member

    async def _get_chat_administrators(self, params: JSONDict, token: str) -> Any:
        # Telegram answers this error for private chats. For a group or channel it lists the
        # non-bot admins; a chat nobody configured with set_admins here has none (an empty
        # list: nobody may use admin-only commands), as when its owner deleted the account.
        chat = self._chat_for(params.get("chat_id"))
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        config = self._admins.get(int(chat["id"]))
        if config is None:
            return []
        ids = ([] if config.owner is None else [config.owner]) + list(config.admins)
        members = [self._member(chat, user_id, token) for user_id in ids]
        return [m for m in members if not m["user"].get("is_bot")]

    async def _get_chat_member(self, params: JSONDict, token: str) -> Any:
        chat = self._chat_for(params.get("chat_id"))
        if params.get("user_id") is None:
            raise ApiError(400, "Bad Request: user_id is empty")
        return self._member(chat, int(params["user_id"]), token)
