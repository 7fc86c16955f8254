"""Peak memory of the Telegram bot process itself while it answers questions.

Why a separate process: the benchmark holds torch and both backends, so only a bot started
as ``article-bot run`` (against the fake Bot API on 127.0.0.1) shows what a server must
give the bot.  The process reports its own high-water mark (VmHWM) when it stops.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from support.fake_bot_api import FakeBotAPI

REPO = Path(__file__).resolve().parents[1]
_TOKEN = "123:PEAK"  # a dummy: the fake server accepts any well-formed token
_START_TIMEOUT = 300.0
_ANSWER_TIMEOUT = 120.0

# Runs the command line, then prints the process's own peak RSS (VmHWM, KiB) on stderr.
PEAK_REPORTING_CLI = """
import sys
from bot.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as status_file:
    peak = next(line.split()[1] for line in status_file if line.startswith("VmHWM:"))
print(peak, file=sys.stderr)
sys.exit(status)
"""


def bot_peak_mib(questions: Sequence[str], seeds: Path, data: Path) -> int:
    """Start the bot, ask ``questions`` in private chats, stop it; its peak RSS in MiB."""
    return asyncio.run(_bot_peak(questions, seeds, data))


async def _bot_peak(questions: Sequence[str], seeds: Path, data: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SUMMARY_"))}
    async with FakeBotAPI() as api:
        env.update(
            PYTHONPATH=str(REPO),
            TELEGRAM_BOT_TOKEN=_TOKEN,
            TELEGRAM_BASE_URL=api.base_url,
            SEEDS_DIR=str(seeds.resolve()),
            DATA_DIR=str(data.resolve()),
            LOG_LEVEL="WARNING",
        )
        with tempfile.TemporaryDirectory() as empty:  # no .env is read
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                PEAK_REPORTING_CLI,
                "run",
                cwd=empty,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await api.wait_for("getUpdates", timeout=_START_TIMEOUT)
                for number, question in enumerate(questions):
                    # One user each: the per-user question limit is not what is measured.
                    api.push_update(api.private_text(question, user_id=10_000 + number))
                    await api.wait_for("sendMessage", count=number + 1, timeout=_ANSWER_TIMEOUT)
                process.send_signal(signal.SIGINT)
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
    return int(stderr.split()[-1]) // 1024
