"""Is the index current? The content folders' state, its fingerprint, and the check, off the main path.

The index records a fingerprint of the content it was built from (every file's name, size and
modification time, and the indexing code), and those values themselves (``content-state.bin``:
:func:`content_state`). A reader compares them with the content as it is now: :func:`staleness`,
value by value (:meth:`ContentState.changed`), or by fingerprint for a build without the record.
That costs one ``stat`` per content file (~40,000 at 10,000 advisories, more than a search), so
``kb search --json`` runs it in a forked process while it searches (:class:`StalenessCheck`).
Standard library only: the child needs neither numpy nor Whoosh nor MeCab.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .search.layout import CONTENT_STATE, current_build, read_manifest, read_sources

if TYPE_CHECKING:
    import hashlib


def default_content_dir() -> Path:
    """``KB_CONTENT``, else ``./content`` in the working directory."""
    return Path(os.environ.get("KB_CONTENT") or "content")


def default_index_dir() -> Path:
    """``KB_INDEX``, else ``./index`` in the working directory."""
    return Path(os.environ.get("KB_INDEX") or "index")


def kb_folders(content_dir: Path | str | None, index_dir: Path | str | None) -> tuple[Path, Path]:
    """The content and index folders: as given, else :func:`default_content_dir` and :func:`default_index_dir`."""
    return (Path(content_dir) if content_dir else default_content_dir(), Path(index_dir) if index_dir else default_index_dir())


INDEX_STAGES = ("content", "text", "search")
"""The packages whose code shapes an index (the stages before it, and it)."""


def _stage_modules() -> tuple[str, ...]:
    here = Path(__file__).resolve().parent
    found = sorted(p.relative_to(here).as_posix() for stage in INDEX_STAGES for p in (here / stage).glob("*.py"))
    return (*found, "spec.py")


INDEX_CODE = _stage_modules()
"""The modules whose code shapes the index (paths inside kb/): a change to them makes an index stale."""

BUILD_CODE = (*INDEX_CODE, "api.py", "freshness.py", "storage.py", "workers.py")
"""Every module a build's output depends on (the index's, plus kb.api, the content scan and the folder handling): a
build starts from the previous one only when none of them changed."""


@dataclass
class Folder:
    """An advisory folder as a scan saw it."""

    signature: str  # a hash of its entries' names, sizes and modification times
    mtime: int  # the folder's own modification time (ns), taken before it was listed
    names: list[str]  # its entries
    stats: list[int] = field(default_factory=list)  # size and modification time (ns) of each entry in turn; -1, -1: no stat


def scan_content(content_dir: Path) -> dict[str, str]:
    """Each advisory folder (as :func:`kb.content.load.advisory_folders` lists them) -> a signature of the
    names, sizes and modification times of the entries in it (sub-folders are not entered).

    An edit (in place or by writing a new file and renaming it) changes the file's size or mtime and
    so the signature; an edit that keeps both (within the file system's clock resolution) goes
    unseen, as it does for ``make``. No file is read: one ``stat`` per entry, and one listing per
    folder (see :func:`scan_folders` for how a build's record saves the listings)."""
    return {name: f.signature for name, f in scan_folders(content_dir).items()}


def scan_folders(content_dir: Path, known: dict[str, list] | None = None) -> dict[str, Folder]:
    """:func:`scan_content`, with each folder's mtime and entries. ``known``: folder -> [mtime,
    entries] as a build recorded them; a folder whose mtime is still the recorded one has the same
    entries (adding, removing or renaming one changes it), so it is not listed again: its entries
    are only ``stat``-ed. That is the whole cost of noticing that the content changed: one ``stat``
    per folder and per file."""
    root = os.fspath(content_dir)
    names = _advisory_folder_names(root)
    if names is None:
        return {}
    known = known or {}
    import hashlib  # (here, not at the top: a search that asks for no check never loads OpenSSL)

    stat, digest = os.stat, hashlib.blake2b
    out: dict[str, Folder] = {}
    for name in names:
        folder = root + os.sep + name  # (not os.path.join: this loop runs once per content file)
        try:
            mtime = stat(folder).st_mtime_ns
            recorded = known.get(name)
            if recorded is not None and recorded[0] == mtime:
                files = recorded[1]
            else:
                with os.scandir(folder) as it:
                    files = sorted(e.name for e in it)
        except OSError:
            out[name] = Folder("?", -1, [])
            continue
        entries: list[str] = []
        stats: list[int] = []
        prefix = folder + os.sep
        for f in files:
            try:
                st = stat(prefix + f)
                entries.append(f"{f}\0{st.st_size}\0{st.st_mtime_ns}")
                stats += (st.st_size, st.st_mtime_ns)
            except OSError:
                entries.append(f"{f}\0?")
                stats += (-1, -1)
        out[name] = Folder(digest("\n".join(entries).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest(), mtime, files, stats)
    return out


def _advisory_folder_names(root: str) -> list[str] | None:
    """The advisory folders' names under ``root``, sorted (None: no such folder); as
    :func:`kb.content.load.advisory_folders` lists them: a link that leads nowhere, or round in a
    loop, is no folder."""
    try:
        with os.scandir(root) as it:
            return sorted(e.name for e in it if not e.name.startswith((".", "_")) and _is_folder(e))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # (a link round in a loop: ELOOP)
        return False


# --- the content's state, as a build saw it ------------------------------------------------
#
# What the fingerprint sums up, kept whole so that a reader compares it value by value: no listing
# to rebuild from sources.json, no text to format and hash per folder, and the first difference
# ends the check. (At 10,000 advisories: ~95 ms instead of ~140 ms, 85 of them the stat calls.)

_STATE_MAGIC = b"kb-content-state/1"


def content_state(scan: dict[str, Folder]) -> bytes | None:
    """The record of a :func:`scan_folders` result that :meth:`ContentState.changed` compares the
    content with: the index code's digest, the folders in order with their entries' names, and their
    modification times and the entries' sizes and modification times as 64-bit integers. None when
    the scan cannot be recorded so (a folder or an entry it could not ``stat``, a time beyond 64 bits
    of nanoseconds): the fingerprint then decides alone."""
    numbers = array("q")
    names: list[str] = []
    for name, f in scan.items():
        if f.signature == "?" or len(f.stats) != 2 * len(f.names) or -1 in f.stats[0::2]:
            return None
        names += (name, str(len(f.names)), *f.names)
        try:
            numbers.append(f.mtime)
            numbers.extend(f.stats)
        except OverflowError:
            return None
    text = "\0".join(names).encode("utf-8", "surrogateescape")
    raw = numbers.tobytes()
    head = b" ".join(
        [_STATE_MAGIC, code_digest(INDEX_CODE).hexdigest().encode(), sys.byteorder.encode(), str(len(text)).encode(), str(len(raw)).encode()]
    )
    return head + b"\n" + text + raw


def _count(text: str) -> int:
    """A non-negative decimal number written plainly (ValueError otherwise)."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a count: {text[:20]!r}")
    return int(text)


@dataclass
class ContentState:
    """A :func:`content_state` record read back."""

    code: str  # the index code's digest
    names: list[str]  # per folder: its name, its number of entries, the entries
    numbers: array  # per folder: its mtime, then size and mtime of each entry

    @classmethod
    def read(cls, path: Path) -> ContentState | None:
        """The record in ``path``, or None when it is missing or not one."""
        try:
            data = path.read_bytes()
            head, _, body = data.partition(b"\n")
            magic, code, order, n_text, n_raw = head.decode("ascii").split(" ")
            text_len, raw_len = _count(n_text), _count(n_raw)
        except (OSError, ValueError):
            return None
        if magic != _STATE_MAGIC.decode() or order not in ("little", "big") or len(body) != text_len + raw_len or raw_len % 8:
            return None
        numbers = array("q")
        numbers.frombytes(body[text_len:])
        if order != sys.byteorder:
            numbers.byteswap()
        names = body[:text_len].decode("utf-8", "surrogateescape").split("\0") if text_len else []
        return cls(code, names, numbers)

    def changed(self, content_dir: Path) -> bool:
        """Whether the content differs from the record: another set of folders, or in a folder
        other entries, or another size or modification time of one, or one that cannot be
        ``stat``-ed now. The same answer as comparing fingerprints (:func:`fingerprint`), stopping
        at the first difference; a record that does not hold together counts as a difference."""
        root = os.fspath(content_dir)
        now = _advisory_folder_names(root) or []
        names, numbers, stat = self.names, self.numbers, os.stat
        i = k = 0
        try:
            for name in now:
                if i + 1 >= len(names) or names[i] != name:
                    return True
                count = _count(names[i + 1])
                files = names[i + 2 : i + 2 + count]
                i += 2 + count
                folder = root + os.sep + name
                if stat(folder).st_mtime_ns != numbers[k]:  # (entries added, removed or renamed, or not: list them)
                    with os.scandir(folder) as it:
                        if sorted(e.name for e in it) != files:
                            return True
                k += 1
                prefix = folder + os.sep
                for f in files:
                    st = stat(prefix + f)
                    if st.st_size != numbers[k] or st.st_mtime_ns != numbers[k + 1]:
                        return True
                    k += 2
        except (OSError, IndexError, ValueError):  # (what the record holds could be stat-ed when it was made)
            return True
        return i != len(names) or k != len(numbers)


def code_digest(names: Iterator[str] | tuple[str, ...]) -> hashlib._Hash:
    import hashlib

    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in names:
        h.update(hashlib.sha256((here / name).read_bytes()).digest())
    return h


def content_fingerprint(content_dir: Path, scan: dict[str, str] | None = None) -> str:
    """A hash of every content file's name, size and modification time (:func:`scan_content`), and
    of the indexing code."""
    h = code_digest(INDEX_CODE)
    for name, signature in (scan if scan is not None else scan_content(content_dir)).items():
        h.update(f"{name}\0{signature}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def fingerprint(content_dir: Path, scan: dict[str, Folder]) -> str:
    """:func:`content_fingerprint` of a :func:`scan_folders` result."""
    return content_fingerprint(content_dir, {name: f.signature for name, f in scan.items()})


def listings(sources: dict) -> dict[str, list]:
    """folder -> [mtime, entries], as a build recorded them in its sources."""
    folders = sources.get("folders")
    if not isinstance(folders, dict):
        return {}
    return {name: [e[3], e[4]] for name, e in folders.items() if isinstance(e, list) and len(e) >= 5 and isinstance(e[4], list)}


def staleness(content_dir: Path, index_dir: Path) -> str | None:
    """Why the index in ``index_dir`` does not reflect ``content_dir`` now (None when it does)."""
    build_dir = current_build(index_dir)
    if build_dir is None:
        return f"there is no index in {index_dir}"
    manifest = read_manifest(build_dir) or {}
    state = ContentState.read(build_dir / CONTENT_STATE)
    if state is not None:  # (a build made by this version: compared value by value)
        fresh = state.code == code_digest(INDEX_CODE).hexdigest() and not state.changed(content_dir)
    else:
        fresh = manifest.get("fingerprint") == fingerprint(content_dir, scan_folders(content_dir, listings(read_sources(build_dir))))
    if fresh:
        return None
    built_from = manifest.get("content")
    if built_from and (index_dir / built_from).resolve() != content_dir.resolve():
        return f"the index in {index_dir} was built from {os.path.normpath(index_dir / built_from)}, not {content_dir}"
    return f"the content in {content_dir} changed after the index was built"


_UNSET = object()


def _other_threads() -> bool:
    """Whether this process runs threads besides this one: forking it then is not safe (one of them
    could hold a lock the child needs)."""
    return threading.active_count() > 1


class Forked:
    """``work()``, computed by a forked child process from the moment this is made, so that it runs
    on another CPU while this process goes on; :meth:`result` waits for it and returns its answer as
    JSON carries it (lists for tuples). ``valid`` says whether an answer has the expected shape.

    The child only reads, and sends its answer through a pipe. Where ``fork`` is missing, or the
    child fails, :meth:`result` calls ``work()`` in this process: the answer is the same, only later;
    ``background=False`` asks for that, and so does a process that runs other threads."""

    def __init__(self, work: Callable[[], Any], valid: Callable[[Any], bool], *, background: bool = True) -> None:
        self._work, self._valid = work, valid
        self._value: object = _UNSET
        self._child: tuple[int, int] | None = None  # (pid, read end of the pipe)
        if not background or not hasattr(os, "fork") or _other_threads():
            return
        r, w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            return
        if pid == 0:  # the child: answer, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(r)
                view = memoryview(json.dumps([work()], separators=(",", ":")).encode("utf-8", "surrogateescape"))
                while view:
                    view = view[os.write(w, view) :]
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        self._child = (pid, r)

    def cancel(self) -> None:
        """Stop the child, when its answer is not wanted after all."""
        if self._child is not None:
            (pid, fd), self._child = self._child, None
            os.close(fd)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self._value = None

    def result(self) -> Any:
        """The answer, as the child found it when it started (or this process, see above)."""
        if self._value is _UNSET:
            self._value = self._collect()
        return self._value

    def _collect(self) -> Any:
        if self._child is not None:
            (pid, fd), self._child = self._child, None
            chunks = []
            try:
                while chunk := os.read(fd, 1 << 16):
                    chunks.append(chunk)
            finally:
                os.close(fd)
                _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                try:
                    answer = json.loads(b"".join(chunks).decode("utf-8", "surrogateescape"))
                except ValueError:
                    answer = None
                if isinstance(answer, list) and len(answer) == 1 and self._valid(answer[0]):
                    return answer[0]
        return self._work()  # no child, or it failed: here


class StalenessCheck(Forked):
    """:func:`staleness` in a forked child (:class:`Forked`), so that its ``stat`` calls run on
    another CPU while this process searches; :meth:`result` says why the index is stale (None: it
    is current)."""

    def __init__(self, content_dir: Path, index_dir: Path, *, background: bool = True) -> None:
        super().__init__(lambda: staleness(content_dir, index_dir), lambda a: a is None or isinstance(a, str), background=background)

    def result(self) -> str | None:
        return super().result()


class ForkedScan(Forked):
    """:func:`scan_folders` in a forked child (:class:`Forked`): a build reads what it starts from
    meanwhile. :meth:`folders` is the scan."""

    def __init__(self, content_dir: Path, known: dict[str, list] | None = None, *, background: bool = True) -> None:
        super().__init__(
            lambda: [[name, f.signature, f.mtime, f.names, f.stats] for name, f in scan_folders(content_dir, known).items()],
            lambda a: isinstance(a, list) and all(isinstance(e, list) and len(e) == 5 for e in a),
            background=background,
        )

    def folders(self) -> dict[str, Folder]:
        return {name: Folder(signature, mtime, names, stats) for name, signature, mtime, names, stats in self.result()}
