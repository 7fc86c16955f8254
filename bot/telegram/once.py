"""Remember what was already done, so a repeat is not done twice.

Telegram may deliver an update again (a webhook retry, a restart before the offset was
confirmed), and a double tap sends two button presses before the first one's edit removes
the button. Both would otherwise post the same reply twice or count one vote twice.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

# Keys remembered; the oldest are forgotten first, so memory stays bounded.
REMEMBERED = 10_000


class Once:
    """``claim(key)`` is True the first time for ``key`` and False for every repeat.

    Example:
        >>> once = Once(capacity=2)
        >>> [once.claim(k) for k in ("a", "a", "b", "c", "a")]
        [True, False, True, True, True]
    """

    def __init__(self, capacity: int = REMEMBERED) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def claim(self, key: Hashable) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    def release(self, key: Hashable) -> None:
        """Forget ``key`` (the work failed and may be tried again)."""
        self._seen.pop(key, None)
