"""Packed advisories put aside in a temporary file, read back one at a time.

A build that also makes the site goes through every advisory twice (the index, then the pages),
and holding them all in memory in between cost ~420 MB of objects at 10,000 advisories (~130 MB
even packed). A :class:`Shelf` keeps the packed bytes in a file without a name instead (``O_TMPFILE``
where the system has it): nothing to clean up, however the process ends, and its pages belong to
the system's page cache, which it may drop, not to the process. A :class:`Shelved` record is
where one advisory's bytes are; :class:`kb.content.model.Packed` reads them through it when it is
unpacked, and sends the bytes themselves to another process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, overload

from .model import Advisory, Packed


class Shelf:
    """An append-only file of byte strings, read back by position (:meth:`put` -> :class:`Shelved`).
    Safe to share between threads."""

    def __init__(self, folder: Path | None = None):
        """A shelf in ``folder`` (when it can be written there), else in the system's temporary folder."""
        import tempfile  # (not at import: a search imports this module and never shelves)
        import weakref

        file: IO[bytes] | None = None
        if folder is not None and folder.is_dir():
            try:
                file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (open for the shelf's life)
            except OSError:  # (a folder this user may only read)
                file = None
        self._file = file if file is not None else tempfile.TemporaryFile()  # noqa: SIM115
        self._end = 0
        self._lock = threading.Lock()
        weakref.finalize(self, self._file.close)  # (closed with the last advisory that points here)

    def put(self, data: bytes) -> Shelved:
        with self._lock:
            at = self._end
            self._end += len(data)
        view = memoryview(data)
        done = 0
        while done < len(data):
            done += os.pwrite(self._file.fileno(), view[done:], at + done)
        return Shelved(self, at, len(data))

    def read(self, at: int, size: int) -> bytes:
        parts = []
        while size:
            chunk = os.pread(self._file.fileno(), size, at)
            if not chunk:
                raise OSError(f"the shelf file ends before byte {at + size}")
            parts.append(chunk)
            at += len(chunk)
            size -= len(chunk)
        return b"".join(parts)

    def pack(self, packed: Packed) -> Packed:
        """``packed`` with its bytes put aside here."""
        return Packed(packed.id, packed.path, packed.case_ids, packed.documents, self.put(packed.raw()))


@dataclass(frozen=True)
class Shelved:
    """Where a byte string is on a :class:`Shelf`."""

    shelf: Shelf
    at: int
    size: int

    def read(self) -> bytes:
        return self.shelf.read(self.at, self.size)


class Unpacked(Sequence[Advisory]):
    """Packed advisories as a sequence of advisories: each unpacked when asked for, and not kept (a
    pass over them holds one at a time). :attr:`packed` are the advisories themselves."""

    def __init__(self, packed: list[Packed]):
        self.packed = packed

    def __len__(self) -> int:
        return len(self.packed)

    @overload
    def __getitem__(self, i: int) -> Advisory: ...
    @overload
    def __getitem__(self, i: slice) -> list[Advisory]: ...
    def __getitem__(self, i: int | slice) -> Advisory | list[Advisory]:
        if isinstance(i, slice):
            return [p.advisory() for p in self.packed[i]]
        return self.packed[i].advisory()

    def __iter__(self) -> Iterator[Advisory]:
        return (p.advisory() for p in self.packed)
