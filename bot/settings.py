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

from index.embedding import ModelSpec
from index.errors import ArticleBotError

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


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
    embedding_backend: Literal["torch", "onnx-int8"] = "onnx-int8"
    torch_threads: int = Field(default=0, ge=0, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_question_chars: int = Field(default=1000, ge=10, le=4000)
    questions_per_minute: int = Field(default=12, ge=1, le=600)
    summary_sentences: int = Field(default=3, ge=1, le=10)
    summary_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    summary_interval: int = Field(default=0, ge=0, description="seconds; 0 disables")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None

    @field_validator("summary_chat_ids", "admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("summary_interval", mode="before")
    @classmethod
    def _parse_duration(cls, value: object) -> object:
        """Accept ``3600``, ``90m``, ``6h`` or ``1d``."""
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise ValueError("use seconds or a number with s, m, h or d (e.g. 6h)")
            return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        return value

    @field_validator("telegram_bot_token", "webhook_secret", "models_dir_override", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

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
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid setting — {problems}") from None
