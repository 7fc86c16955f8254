"""One process at a time for work that writes a shared folder (conversion, export, indexing).

The bot, a ``build`` run and a benchmark may start together on one data folder;
without a lock they would both write it and one of them would crash or serve
half-written files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
from collections.abc import Iterator
from pathlib import Path

# What opening the lock file fails with on a folder this process may not write.
_READ_ONLY = frozenset((errno.EROFS, errno.EACCES, errno.EPERM))


@contextlib.contextmanager
def exclusive_lock(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_file`` (created if needed) for the block."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive_lock_if_writable(lock_file: Path) -> Iterator[bool]:
    """Like :func:`exclusive_lock`, yielding True; False when the folder is read-only.

    A process that cannot create the lock file cannot write beside it either, so it
    may go on without the lock as long as it writes nothing there.
    """
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(exclusive_lock(lock_file))
            locked = True
        except OSError as exc:
            if exc.errno not in _READ_ONLY:
                raise
            locked = False
        yield locked
