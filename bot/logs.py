"""Logging set-up for every entry point: the command line, the bot and the benchmarks.

The library only logs; this is the one place that decides where records go and how
loud each logger may be.
"""

from __future__ import annotations

import logging
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that must stay quieter than LOG_LEVEL=DEBUG: python-telegram-bot logs whole updates
# (question text, names) at DEBUG, httpx and httpcore log request URLs (which contain the
# token), the job scheduler logs every run at INFO, and faiss reports which CPU build it
# loaded.
LOGGER_FLOORS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "faiss.loader": logging.WARNING,
}


def configure_logging(level: str = "INFO", *, quiet: bool = False) -> None:
    """Send records at ``level`` and above to stderr; ``quiet`` keeps only warnings.

    The handler carries the threshold too: some libraries (bm25s) force their own
    logger to DEBUG when imported, which a level on the root logger alone would not stop.
    An existing root handler (a test runner's) is left as it is.
    """
    threshold: int = logging.getLevelNamesMapping()[level.upper()]
    if quiet and threshold > logging.DEBUG:
        threshold = logging.WARNING
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.setLevel(threshold)
        root.addHandler(handler)
    root.setLevel(threshold)
    for name, floor in LOGGER_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, threshold))
