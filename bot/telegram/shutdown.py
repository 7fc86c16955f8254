"""A stop that ends within a bounded time and says what it left unanswered.

``Application.stop`` waits for every update already taken from Telegram. When a chat was
flooded, those handlers may wait minutes on the chat's flood limit, and a SIGTERM then ends
in a forced kill that loses everything. Here the fair update processor drops what has not
started, gives running handlers ``SHUTDOWN_GRACE`` seconds, cuts off the rest and logs how
many updates were not answered.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.telegram.fairness import FairUpdateProcessor

log = logging.getLogger(__name__)

GRACE_KEY = "shutdown_grace"


class BoundedStopApplication(Application[Any, Any, Any, Any, Any, Any]):
    """``Application`` whose ``stop`` drains the fair update processor first."""

    async def stop(self) -> None:
        processor = self.update_processor
        if isinstance(processor, FairUpdateProcessor) and self.running:
            grace = float(self.bot_data.get(GRACE_KEY, 10.0))
            held = processor.held
            if held:
                log.info("stopping: %d update(s) in progress, %.0f s to finish", held, grace)
            await processor.drain(grace)
            await super().stop()
            report = processor.report
            if report.unanswered:
                log.warning(
                    "stopped: %d update(s) not answered (%d waiting, %d arrived while "
                    "stopping, %d cut off after %.0f s)",
                    report.unanswered,
                    report.waiting,
                    report.arrived_late,
                    report.cut_off,
                    grace,
                )
            else:
                log.info("stopped: every update taken was answered")
            return
        await super().stop()
