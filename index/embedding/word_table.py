"""The word-embedding table kept outside the graph, read row by row from its ``.npy`` file.

Why not a memory map: a page fault on a mapped file brings the pages around it into the
process too (fault-around and read-ahead, 64 KiB and more), so a bot that had seen a few
hundred distinct pieces held 86 MiB of the table in its resident set, growing with every
new word.  ``os.pread`` of the few rows a text needs costs a system call each (microseconds)
and leaves the process's memory alone; the kernel's page cache still keeps hot rows fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class WordTable:
    """A 2-D ``.npy`` array whose rows are read on demand (see module doc)."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"{path}: unsupported .npy version {version}")
            offset = handle.tell()
        if fortran or len(shape) != 2 or dtype.hasobject:
            raise ValueError(f"{path} is not a row-major 2-D numeric array")
        size = path.stat().st_size
        if offset + shape[0] * shape[1] * dtype.itemsize != size:
            raise ValueError(f"{path} is truncated or padded ({size} bytes)")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = dtype
        self._offset = offset
        self._row_bytes = self.shape[1] * dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY)

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """The rows for ``ids`` (any shape) as float32, shaped ``ids.shape + (width,)``."""
        flat = np.asarray(ids, dtype=np.int64).ravel()
        if flat.size and (flat.min() < 0 or flat.max() >= self.shape[0]):
            raise IndexError(f"piece id outside the word table (0..{self.shape[0] - 1})")
        unique, where = np.unique(flat, return_inverse=True)
        rows = np.empty((len(unique), self.shape[1]), dtype=self.dtype)
        for slot, row in enumerate(unique.tolist()):
            data = os.pread(self._fd, self._row_bytes, self._offset + row * self._row_bytes)
            rows[slot] = np.frombuffer(data, dtype=self.dtype)
        vectors: np.ndarray = rows[where].astype(np.float32)
        return vectors.reshape(*np.shape(ids), self.shape[1])
