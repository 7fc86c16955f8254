"""Lines of a stream in batches: what is there now, up to a size, without waiting for more.

``article-bot ask`` answers standard input as it arrives: a person typing gets each
answer at once, a pipe full of questions is embedded in batches (one model call each),
and an endless input (``yes | article-bot ask``) never fills memory, because a reader
thread stays at most a few batches ahead of the answers.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TextIO

_END = object()


def stdin_batches(stream: TextIO, batch_size: int, max_line_chars: int) -> Iterator[list[str]]:
    """Non-blank lines of ``stream``, each cut at ``max_line_chars``, in batches.

    A batch holds the lines already read when the previous one was answered (at least
    one, at most ``batch_size``), so nothing waits for input that may never come.
    """
    lines: queue.Queue[object] = queue.Queue(maxsize=2 * batch_size)

    def read() -> None:
        try:
            for line in _lines(stream, max_line_chars):
                lines.put(line)
        except BaseException as exc:  # handed to the answering side, which raises it
            lines.put(exc)
        lines.put(_END)

    threading.Thread(target=read, name="stdin-reader", daemon=True).start()
    while True:
        batch: list[str] = []
        item = lines.get()
        while True:
            if isinstance(item, BaseException):
                raise item
            if item is _END:
                if batch:
                    yield batch
                return
            batch.append(str(item))
            if len(batch) >= batch_size:
                break
            try:
                item = lines.get_nowait()
            except queue.Empty:
                break
        yield batch


def _lines(stream: TextIO, max_chars: int) -> Iterator[str]:
    """Non-blank lines; the rest of a line longer than ``max_chars`` is skipped unread."""
    while line := stream.readline(max_chars):
        if not line.endswith("\n") and len(line) >= max_chars:
            while (rest := stream.readline(max_chars)) and not rest.endswith("\n"):
                pass
        for part in line.splitlines():  # also the line separators str.splitlines knows
            if part.strip():
                yield part
