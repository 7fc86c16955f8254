"""Per-user question limits: one chatty user must not starve everybody else of the model.

Telegram's own flood limits are handled by the ``AIORateLimiter`` (see :mod:`.app`); this
is the product's limit on *questions*, counted per user over a sliding minute.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

WINDOW_SECONDS = 60.0
# Forget idle users once the table grows past this, so memory stays bounded.
_PRUNE_AT = 10_000


class Verdict(Enum):
    """What to do with one question."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so once per window
    DROP = "drop"  # over the limit and already told: stay quiet instead of adding spam


@dataclass
class _Window:
    stamps: deque[float] = field(default_factory=deque)
    warned: bool = False


class QuestionLimiter:
    """Sliding-window limit of ``per_minute`` questions per user.

    Example:
        >>> limiter = QuestionLimiter(2, clock=iter([0.0, 1.0, 2.0, 61.5]).__next__)
        >>> [limiter.check(7).value for _ in range(4)]
        ['allow', 'allow', 'warn', 'allow']
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._clock = clock
        self._users: dict[int, _Window] = {}

    def check(self, user_id: int) -> Verdict:
        """Count one question for ``user_id`` if the window has room for it."""
        now = self._clock()
        window = self._users.get(user_id)
        if window is None:
            if len(self._users) >= _PRUNE_AT:
                self._prune(now)
            window = self._users[user_id] = _Window()
        while window.stamps and now - window.stamps[0] >= WINDOW_SECONDS:
            window.stamps.popleft()
        if len(window.stamps) < self.per_minute:
            window.stamps.append(now)
            window.warned = False
            return Verdict.ALLOW
        if window.warned:
            return Verdict.DROP
        window.warned = True
        return Verdict.WARN

    def _prune(self, now: float) -> None:
        idle = [
            uid
            for uid, w in self._users.items()
            if not w.stamps or now - w.stamps[-1] >= WINDOW_SECONDS
        ]
        for uid in idle:
            del self._users[uid]
