"""Flat tables in mapped files: how an index stores strings and its term table without parsing them
when it opens (stage 3, beside :mod:`kb.search.index`, which writes and reads them).

Each table is a ``.bin`` of bytes plus a ``.npy`` of offsets or rows; readers map them read-only, so
opening costs the same whatever the corpus's size and a lookup touches a few pages.
"""

from __future__ import annotations

import contextlib
import os
import weakref
import zlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar


def mapped(array: Any) -> Any:
    """A memory-mapped array as a plain ndarray view (numpy's memmap subclass makes every index and
    slice slow)."""
    import numpy as np

    return array.view(np.ndarray)


def write_strings(stem: Path, items: Sequence[str]) -> None:
    """``stem.bin``: the strings, UTF-8, one after the other; ``stem.npy``: where each starts (and
    one more entry: the end)."""
    encoded = [x.encode("utf-8", "surrogatepass") for x in items]
    write_blob(stem, b"".join(encoded), [len(b) for b in encoded])


def write_blob(stem: Path, blob: bytes, lengths: Any) -> None:
    """What :class:`Strings` reads: ``blob``, the items one after the other, of ``lengths``."""
    import numpy as np

    starts = np.zeros(len(lengths) + 1, dtype=np.uint64)
    np.cumsum(np.asarray(lengths, dtype=np.uint64), out=starts[1:])
    if int(starts[-1]) != len(blob):
        raise ValueError(f"{stem.name}: the lengths do not add up to the blob")
    stem.with_suffix(".bin").write_bytes(blob)
    np.save(stem.with_suffix(".npy"), starts)


class SummedFile:
    """A file written through this keeps the CRC-32 of what was written (:attr:`crc`), so that a build
    need not read its large files back to record their checksums."""

    def __init__(self, path: Path):
        self.path = path
        self.crc = 0
        self._out = path.open("wb")

    def write(self, data: Any) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self._out.write(data)

    def close(self) -> None:
        self._out.close()


class ColumnsFile:
    """A new file of equal-length columns, one after the other, filled in place through a writable
    map: ``self[name]`` is a column, an array backed by the file. Large fresh arrays cost more in
    page faults than in the work that fills them; here the file's pages are the only ones made, and
    nothing is copied again to write it. :meth:`close` returns the CRC-32 of the file's bytes (all
    views of the columns must be gone by then)."""

    def __init__(self, path: Path, n: int, columns: Sequence[tuple[str, Any]]):
        import mmap

        import numpy as np

        self.path = path
        self._file = path.open("w+b")
        size = n * sum(np.dtype(t).itemsize for _, t in columns)
        self._file.truncate(size)
        self._map = mmap.mmap(self._file.fileno(), size) if size else None
        self._columns: dict[str, Any] = {}
        at = 0
        for name, t in columns:
            self._columns[name] = np.frombuffer(self._map, dtype=t, count=n, offset=at) if self._map is not None else np.zeros(0, dtype=t)
            at += n * np.dtype(t).itemsize

    def __getitem__(self, name: str) -> Any:
        return self._columns[name]

    def close(self) -> int:
        crc = zlib.crc32(self._map) if self._map is not None else 0
        self._columns.clear()
        if self._map is not None:
            with contextlib.suppress(BufferError):  # (a view still held, after an error: the map closes when it goes)
                self._map.close()
        self._file.close()
        return crc


class BlobWriter:
    """Writes what :class:`Strings` reads, one item at a time (bytes, kept on disk, not in memory):
    ``stem.bin`` grows as items are added; :meth:`close` writes ``stem.npy``. :attr:`blob` has the
    checksum of ``stem.bin``."""

    def __init__(self, stem: Path):
        from array import array

        self._stem = stem
        self._out = self.blob = SummedFile(stem.with_suffix(".bin"))
        self._starts = array("Q", [0])

    def add(self, item: bytes) -> None:
        self._out.write(item)
        self._starts.append(self._starts[-1] + len(item))

    def copy(self, source: Strings, first: int, count: int) -> None:
        """Items ``first`` .. ``first + count - 1`` of ``source``, as they are (one write)."""
        bounds = source.bounds(first, first + count)
        self._out.write(source.raw_range(first, first + count))
        end = self._starts[-1]
        self._starts.extend(end + b - bounds[0] for b in bounds[1:])

    def close(self) -> None:
        import numpy as np

        self._out.close()
        np.save(self._stem.with_suffix(".npy"), np.frombuffer(self._starts, dtype=np.uint64))


class FileBytes:
    """A read-only file sliced like ``bytes`` (``f[a:b]``), each slice one ``pread``. What is read
    this way is not mapped, so it does not stay in the resident memory of the process that read it
    (the kernel's page cache keeps it, as it keeps a mapped file's pages). The file is closed when
    this object goes away, never before: no read can reach a descriptor the process reused."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        weakref.finalize(self, os.close, self._fd)

    def __getitem__(self, span: slice) -> bytes:
        start, stop = span.start, span.stop
        data = os.pread(self._fd, stop - start, start)
        if len(data) != stop - start:
            raise ValueError(f"the file ends before byte {stop}")
        return data

    def read_into(self, out: Any, at: int) -> None:
        """Fill the (contiguous) array ``out`` with the file's bytes from ``at`` on, without a copy
        where the system reads into a buffer (``preadv``)."""
        view = out.data.cast("B")
        if not hasattr(os, "preadv"):  # (macOS before 11)
            view[:] = self[at : at + len(view)]
            return
        done = 0
        while done < len(view):
            got = os.preadv(self._fd, [view[done:]], at + done)
            if got <= 0:
                raise ValueError(f"the file ends before byte {at + len(view)}")
            done += got


class Strings(Sequence[str]):
    """Strings written by :func:`write_strings`, read one by one from the mapped file
    (``map_file=False``: read with ``pread``, for large tables of which a process reads a few items at a time)."""

    def __init__(self, stem: Path, *, map_file: bool = True):
        import mmap

        import numpy as np

        self._starts = mapped(np.load(stem.with_suffix(".npy"), mmap_mode="r"))
        if self._starts.ndim != 1 or not len(self._starts):
            raise ValueError(f"{stem.name}.npy is not a list of offsets")
        self._blob: Any = b""
        size = stem.with_suffix(".bin").stat().st_size
        if size != int(self._starts[-1]):
            raise ValueError(f"{stem.name}.bin does not fit its offsets")
        if size and not map_file:
            self._blob = FileBytes(stem.with_suffix(".bin"))
        elif size:
            with open(stem.with_suffix(".bin"), "rb") as f:
                self._blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def raw(self, i: int) -> bytes:
        return self._blob[int(self._starts[i]) : int(self._starts[i + 1])]

    def many(self, items: Sequence[int]) -> list[str]:
        """The strings at the given positions, in that order (for many at once, cheaper than one by one)."""
        import numpy as np

        at = np.asarray(items, dtype=np.intp)
        if len(at) and (at.min() < 0 or at.max() >= len(self)):
            raise IndexError("a position is out of range")
        blob = self._blob
        return [blob[a:b].decode("utf-8", "surrogatepass") for a, b in zip(self._starts[at].tolist(), self._starts[at + 1].tolist())]

    def bounds(self, first: int, end: int) -> list[int]:
        """Where items ``first`` .. ``end - 1`` start, and where the last one ends (offsets in the blob)."""
        return self._starts[first : end + 1].tolist()

    def raw_range(self, first: int, end: int) -> bytes:
        """Items ``first`` .. ``end - 1``, one after the other."""
        return self._blob[int(self._starts[first]) : int(self._starts[end])]

    def lengths(self) -> Any:
        """Every item's length in bytes (an array)."""
        import numpy as np

        return np.diff(self._starts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.raw(i).decode("utf-8", "surrogatepass")

    READ_PIECE = 1 << 22
    """Bytes read at once when every item of a table that is read, not mapped, is asked for in
    order (a read per item costs a system call each: ~0.06 s more for a build's 80,000 wordings)."""

    def __iter__(self) -> Iterator[str]:
        blob, bounds = self._blob, self._starts.tolist()
        if not isinstance(blob, FileBytes):
            return (blob[a:b].decode("utf-8", "surrogatepass") for a, b in pairwise(bounds))
        return self._read_in_pieces(blob, bounds)

    def _read_in_pieces(self, blob: FileBytes, bounds: list[int]) -> Iterator[str]:
        i, n = 0, len(bounds) - 1
        while i < n:
            j = min(n, max(i + 1, bisect_right(bounds, bounds[i] + self.READ_PIECE) - 1))  # items i .. j - 1, at least one
            base = bounds[i]
            piece = blob[base : bounds[j]]
            for a, b in pairwise(bounds[i : j + 1]):
                yield piece[a - base : b - base].decode("utf-8", "surrogatepass")
            i = j


_UNKNOWN = object()


class TermTable:
    """Every (field, term) of a build: where its postings are and how many. A hash table in mapped
    files (``terms.bin``: the terms; ``termtab.npy``: per term its field, postings offset and
    document frequency; ``termhash.npy``: buckets), so that opening an index costs the same
    whatever its size and a lookup costs a few microseconds."""

    ROW: ClassVar[list[tuple[str, str]]] = [("field", "u1"), ("df", "<u4"), ("off", "<u8"), ("hash", "<u4")]
    CACHED: ClassVar[int] = 50_000  # lookups remembered (get)

    @staticmethod
    def hash(field: int, term: bytes) -> int:
        """A term's hash (kept in its row, so that the next build need not compute it again); its
        bucket is the hash's low bits."""
        return zlib.crc32(term, field)

    @classmethod
    def write(cls, build_dir: Path, rows: Any, terms: bytes, lengths: Any) -> None:
        """``rows`` (of :attr:`ROW`: field, df, postings offset, hash) and the terms, UTF-8 one
        after the other in ``terms`` (of ``lengths``), in the same order."""
        import numpy as np

        write_blob(build_dir / "terms", terms, lengths)
        np.save(build_dir / "termtab.npy", rows)
        n = len(rows)
        n_buckets = 1 << max(n - 1, 1).bit_length()  # a power of two >= n
        bucket = rows["hash"].astype(np.int64) & (n_buckets - 1)
        order = np.argsort(bucket, kind="stable")
        starts = np.searchsorted(bucket[order], np.arange(n_buckets + 1)).astype(np.uint32)
        np.save(build_dir / "termhash.npy", np.concatenate([starts, order.astype(np.uint32)]))

    def __init__(self, build_dir: Path, field_names: list[str]):
        import numpy as np

        self.fields = {name: f for f, name in enumerate(field_names)}
        self._names = field_names
        self._terms = Strings(build_dir / "terms", map_file=False)  # (read, not mapped: see get's cache)
        self._rows = mapped(np.load(build_dir / "termtab.npy", mmap_mode="r"))
        table = mapped(np.load(build_dir / "termhash.npy", mmap_mode="r"))
        n = len(self._terms)
        if self._rows.dtype != np.dtype(self.ROW) or len(self._rows) != n or len(table) < n + 2:
            raise ValueError("the term table does not fit")
        self._mask = len(table) - n - 2
        self._starts, self._slots = table[: self._mask + 2], table[self._mask + 2 :]
        self._cache: dict[tuple[str, str], tuple[int, int] | None] = {}

    def get(self, field: str, term: str) -> tuple[int, int] | None:
        """(postings offset, document frequency) of ``term`` in ``field``; None when it has none.
        Answers are remembered (up to ``CACHED`` of them: a search asks for the same terms several
        times, and common words recur from query to query)."""
        key = (field, term)
        known = self._cache.get(key, _UNKNOWN)  # (one lookup: another thread may clear the cache)
        if known is not _UNKNOWN:
            return known  # type: ignore[return-value]
        found = self._find(field, term)
        if len(self._cache) >= self.CACHED:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _find(self, field: str, term: str) -> tuple[int, int] | None:
        f = self.fields.get(field)
        if f is None:
            return None
        raw = term.encode("utf-8", "surrogatepass")
        b = self.hash(f, raw) & self._mask
        for slot in self._slots[int(self._starts[b]) : int(self._starts[b + 1])].tolist():
            row = self._rows[slot]
            if int(row["field"]) == f and self._terms.raw(slot) == raw:
                return int(row["off"]), int(row["df"])
        return None

    @property
    def rows(self) -> Any:
        """Every term's row (:attr:`ROW`), in the order of their postings."""
        return self._rows

    @property
    def terms(self) -> Strings:
        """Every term, in the order of :attr:`rows`."""
        return self._terms

    def items(self) -> Iterator[tuple[str, str, int, int]]:
        """Every (field, term, postings offset, document frequency)."""
        rows = self._rows
        for term, f, off, df in zip(self._terms, rows["field"].tolist(), rows["off"].tolist(), rows["df"].tolist()):
            yield self._names[f], term, off, df


def crc32(path: Path) -> int:
    """The CRC-32 of a file's bytes (read a MB at a time into one buffer)."""
    crc = 0
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            crc = zlib.crc32(view[:n], crc)
    return crc
