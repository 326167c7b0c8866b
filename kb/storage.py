"""Folders kb writes: ownership markers, the one-writer lock, and pins that keep a build alive.

Used by the two writers, :mod:`kb.search.index` and :mod:`kb.site.pages`; nothing else here knows about
indexes or pages. The rules, each enforced by one function:

* **Only delete what kb made.** An output folder (``index/``, ``site/``) carries a marker file.
  :func:`claim_folder` refuses a path that is a file, the working directory or one of its
  ancestors, a protected folder (the content), or a non-empty folder without the marker.
* **One writer at a time.** :func:`writer_lock` is an exclusive ``flock`` on a lock file inside the
  claimed folder; a second writer waits (saying so) or gives up with :class:`Busy`.
* **Readers never write.** A reader pins the build it uses with a *shared* ``flock`` on a file it
  opens read-only (:func:`pin`); a writer removes an old build only if it can take that lock
  exclusively (:func:`unpinned`), so no search ever loses the files under it.

``flock`` locks belong to the open file and vanish when the process dies, so a killed build never
leaves a stale lock behind. A process forked while kb holds locks (a build's analysis workers) does
not share them: in the child each lock's descriptor is pointed at ``/dev/null`` (:func:`_drop_held`),
so only the process that took a lock holds it, and it ends with that process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_NAME = ".kb-lock"
INDEX_MARKER = ".kb-index"
"""The file that marks an index folder as kb's (:mod:`kb.search.index`)."""
SITE_MARKER = ".kb-site"
"""The file that marks a site folder as kb's (:mod:`kb.site.pages`)."""

_HELD: set[int] = set()  # descriptors of the locks and pins this process holds


def _drop_held() -> None:
    """In a forked child: let go of the parent's locks (the descriptors stay valid, on /dev/null,
    so that nothing the child closes later hits another file)."""
    if not _HELD:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd in _HELD:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    finally:
        os.close(null)
    _HELD.clear()


os.register_at_fork(after_in_child=_drop_held)


def _close_lock(fd: int) -> None:
    """Release a lock (for every copy of the descriptor) and close it."""
    _HELD.discard(fd)
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


class UnsafeTarget(ValueError):
    """kb was asked to write (and so replace) a folder it did not make."""


class Busy(RuntimeError):
    """Another kb process is writing the same folder."""


def _is_ancestor_or_same(folder: Path, other: Path) -> bool:
    return folder == other or folder in other.parents


def claim_folder(
    folder: Path,
    marker: str,
    what: str,
    *,
    legacy: Callable[[Path], bool] | None = None,
    protect: tuple[Path, ...] = (),
    beside: bool = False,
) -> Path:
    """Make sure ``folder`` is ours to replace, creating it (with its ``marker``) when absent, and
    that kb may write in it (and, with ``beside``, next to it: a site is made in a new folder there,
    then swapped in), before any work is done.

    ``what`` names the folder in messages ("index", "site"). ``legacy`` recognises a folder that an
    older kb wrote before markers existed; it is adopted. ``protect`` lists folders that must never
    be written (e.g. the content); the folder may be neither one of them nor an ancestor of one.
    Returns the resolved folder. Raises :class:`UnsafeTarget` with the reason and what to do.
    """
    folder = Path(folder).absolute()
    resolved = folder.resolve()
    hint = f"choose an empty or new folder for the {what}, or the one kb made before"
    if folder.is_symlink() or (resolved.exists() and not resolved.is_dir()):
        raise UnsafeTarget(f"{folder} is not a folder kb made (it is a file or a link); kb will not replace it: {hint}")
    if _is_ancestor_or_same(resolved, Path.cwd().resolve()):
        raise UnsafeTarget(f"{folder} is the working directory or holds it; kb will not use it as the {what} folder: {hint}")
    for p in protect:
        p = Path(p).resolve()
        if _is_ancestor_or_same(resolved, p) or _is_ancestor_or_same(p, resolved):
            raise UnsafeTarget(f"{folder} overlaps {p}, which kb must not write; {hint}")
    if not (resolved / marker).is_file():
        if resolved.is_dir() and any(resolved.iterdir()) and (legacy is None or not legacy(resolved)):
            raise UnsafeTarget(f"{folder} is not empty and was not made by kb (no {marker} file); kb will not replace it: {hint}")
        try:
            resolved.mkdir(parents=True, exist_ok=True)
            (resolved / marker).write_text(f"This folder is written by kb ({what}); `kb build` replaces its contents.\n", "utf-8")
        except OSError as exc:
            raise UnsafeTarget(f"cannot write the {what} folder {folder}: {exc.strerror}; {hint}") from None
    for place in (resolved.parent, resolved) if beside else (resolved,):
        if not os.access(place, os.W_OK | os.X_OK):
            raise UnsafeTarget(f"kb cannot write in {place} (its permissions, or a read-only file system), where it makes the {what}; {hint}")
    return resolved


def output_holding(folder: Path) -> Path | None:
    """The index or site folder kb made that ``folder`` is, or lies in (it carries a marker), or
    None. Nothing of the author's may go there: the next build replaces that folder whole."""
    folder = Path(folder).absolute().resolve()
    for place in (folder, *folder.parents):
        if any((place / marker).is_file() for marker in (INDEX_MARKER, SITE_MARKER)):
            return place
    return None


@contextlib.contextmanager
def writer_lock(folder: Path, *, name: str | None = LOCK_NAME, wait: bool = True, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive writer lock ``folder/name`` for the ``with`` block; with ``name=None``
    the lock is taken on the folder itself and no file is written.

    What is locked must not be anything the writer renames or deletes. With ``wait`` a second
    writer blocks until the first is done (``notify`` is told once that it waits); without, it
    raises :class:`Busy` at once."""
    if name is None:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    else:
        fd = os.open(Path(folder) / name, os.O_RDWR | os.O_CREAT, 0o644)
    _HELD.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            if not wait:
                raise Busy(f"another kb process{holder} is writing {folder}; try again when it is done") from None
            if notify:
                notify(f"waiting for another kb process{holder} that is writing {folder} ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        if name is not None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}\n".encode(), 0)
        yield
    finally:
        _close_lock(fd)


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 64, 0).split()[0].decode()
    except (OSError, IndexError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})"


class Pin:
    """A shared lock on a file (:func:`pin`); :meth:`close` unpins."""

    def __init__(self, fd: int):
        self._fd: int | None = fd

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _close_lock(fd)


def pin(path: Path) -> Pin:
    """Open ``path`` read-only with a shared lock: until the returned pin is closed, :func:`unpinned`
    is false for it. Needs no write permission."""
    fd = os.open(path, os.O_RDONLY)
    _HELD.add(fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except BaseException:
        _close_lock(fd)
        raise
    return Pin(fd)


@contextlib.contextmanager
def unpinned(path: Path) -> Iterator[bool]:
    """Yield True (holding an exclusive lock on ``path`` meanwhile) when no reader pins it, or when
    it does not exist; False when a reader holds a pin."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield True
        return
    _HELD.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        _close_lock(fd)
