"""The one configuration object, read from the environment and ``.env``.

Every setting is listed with a comment in ``.env.example``; nothing else in the
project reads the environment for configuration.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.urls import is_http_url
from index import MAX_QUESTION_CHARS, MAX_SUMMARY_SENTENCES, ArticleBotError, ArticleLimits
from index.embedding import DEFAULT_BACKEND, Backend, ModelSpec

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Past this the scheduler's date arithmetic overflows; nobody means "every two years".
MAX_SUMMARY_INTERVAL_DAYS = 366
MAX_SUMMARY_INTERVAL = MAX_SUMMARY_INTERVAL_DAYS * _UNIT_SECONDS["d"]
# What @BotFather hands out: the bot's id, a colon, then the secret part.
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
# What Telegram accepts as a webhook secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Past this an "article" is a book: embedding it would hold the bot for minutes.
MAX_ARTICLE_CHARS_LIMIT = 2_000_000


class SettingsError(ArticleBotError):
    """A setting with a value that cannot be used."""


class Settings(BaseSettings):
    """Settings of the bot, the console and the command line."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = DEFAULT_TELEGRAM_BASE_URL
    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    models_dir_override: Path | None = Field(default=None, alias="models_dir")
    embedding_model: str = "default"
    embedding_backend: Backend = DEFAULT_BACKEND
    torch_threads: int = Field(default=0, ge=0, le=64)
    # A folder written by `article-bot train-reranker`; unset: the shipped ranking alone.
    reranker: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_question_chars: int = Field(default=MAX_QUESTION_CHARS, ge=10, le=4000)
    questions_per_minute: int = Field(default=12, ge=1, le=600)
    commands_per_minute: int = Field(default=6, ge=1, le=600)
    chat_backlog: int = Field(default=8, ge=1, le=1000)
    reply_retry_minutes: float = Field(default=15.0, ge=0.0, le=1440.0)
    shutdown_grace: float = Field(default=10.0, ge=0.0, le=300.0, description="seconds")
    summary_sentences: int = Field(default=3, ge=1, le=MAX_SUMMARY_SENTENCES)
    summary_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    summary_interval: int = Field(
        default=0, ge=0, le=MAX_SUMMARY_INTERVAL, description="seconds; 0 disables"
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
    # Live articles: what chats may add, and how much.
    open_private_articles: bool = False
    allow_private_urls: bool = False
    auto_add_channels: Annotated[list[int], NoDecode] = Field(default_factory=list)
    auto_summary: bool = True
    min_article_chars: int = Field(default=400, ge=1, le=MAX_ARTICLE_CHARS_LIMIT)
    max_article_chars: int = Field(default=100_000, ge=100, le=MAX_ARTICLE_CHARS_LIMIT)
    max_articles_per_chat: int = Field(default=200, ge=1, le=100_000)
    seeds_visible: bool = True
    corpus_cache_chats: int = Field(default=128, ge=1, le=100_000)

    @field_validator("summary_chat_ids", "admin_ids", "auto_add_channels", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("summary_interval", mode="before")
    @classmethod
    def _parse_duration(cls, value: object) -> object:
        """Accept ``3600``, ``90m``, ``6h`` or ``1d``, up to a year."""
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise ValueError("use seconds or a number with s, m, h or d (e.g. 6h)")
            digits = match.group(1).lstrip("0") or "0"
            if len(digits) > len(str(MAX_SUMMARY_INTERVAL)):  # int() refuses 5,000 digits
                raise ValueError(f"at most {MAX_SUMMARY_INTERVAL_DAYS}d")
            value = int(digits) * _UNIT_SECONDS[match.group(2)]
        if isinstance(value, int) and value > MAX_SUMMARY_INTERVAL:
            raise ValueError(f"at most {MAX_SUMMARY_INTERVAL_DAYS}d")
        return value

    @field_validator("seeds_dir", "data_dir", mode="before")
    @classmethod
    def _folder_named(cls, value: object) -> object:
        """An empty value would mean the current folder: the index would be written over it."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; name a folder, or leave the setting out for the default")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator(
        "telegram_bot_token", "webhook_secret", "models_dir_override", "reranker", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Strip what editors and ``echo`` add around a pasted value (a newline breaks URLs)."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the value: it is a secret.
        if value is not None and not _TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError(
                "not a bot token from @BotFather (digits, a colon, then letters, digits, _ or -)"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("use 1 to 256 characters: letters A-Z and a-z, digits, _ and -")
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not is_http_url(value):
            raise ValueError("use an http:// or https:// URL, e.g. " + DEFAULT_TELEGRAM_BASE_URL)
        return value

    @property
    def telegram_base_file_url(self) -> str:
        """Where files sent to the bot are downloaded: the same server, ``/file/bot``."""
        base = self.telegram_base_url.rstrip("/")
        return base.removesuffix("/bot") + "/file/bot" if base.endswith("/bot") else base

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def database_path(self) -> Path:
        """The chats' own articles (SQLite)."""
        return self.data_dir / "articles.sqlite3"

    @property
    def article_limits(self) -> ArticleLimits:
        return ArticleLimits(self.max_article_chars, self.max_articles_per_chat)

    @property
    def models_dir(self) -> Path:
        return self.models_dir_override or self.data_dir / "models"

    @property
    def model_spec(self) -> ModelSpec:
        return ModelSpec(
            name=self.embedding_model,
            models_dir=self.models_dir,
            backend=self.embedding_backend,
            threads=self.torch_threads,
        )


def load_settings(**overrides: object) -> Settings:
    """Build the settings once at start-up, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:  # .env is read as UTF-8
        raise SettingsError(
            f"cannot read .env: it is not UTF-8 text (byte {exc.object[exc.start]:#04x} "
            f"at position {exc.start}); save it as UTF-8"
        ) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid setting — {problems}") from None
