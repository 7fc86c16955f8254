"""Fixtures for bot tests: a fresh fake Bot API server (and a PTB Bot wired to it) per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from support.fake_bot_api import FAKE_TOKEN, FakeBotAPI


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    """A running FakeBotAPI on 127.0.0.1 with a free port, stopped after the test."""
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def fake_bot(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    """An initialized real ``telegram.Bot`` (token ``FAKE_TOKEN``) talking to ``fake_api``."""
    bot: Bot = fake_api.make_bot(FAKE_TOKEN)
    async with bot:
        yield bot
