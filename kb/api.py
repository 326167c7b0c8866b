"""The Python API: open a knowledge base, search it, read advisories, build its index.

    >>> import kb
    >>> base = kb.open("content", "index")     # or kb.open(): ./content and ./index, or KB_CONTENT / KB_INDEX
    >>> hit = base.search("PGT20146F2")[0]
    >>> (hit.id, hit.case, hit.confidence)
    ('fujitsu-tx200ft-ms05-018', 'win2003', 'exact')
    >>> base.get("trendmicro-tmcm-tmi-not-ready").title["en"][:22]
    'The Trend Micro Contro'

Reading never writes: :func:`open`, :meth:`KnowledgeBase.search` and :meth:`KnowledgeBase.get`
use the index as it is. When the content changed after the index was built, searches still answer
from the index, :attr:`KnowledgeBase.stale` says why, and a :class:`StaleIndexWarning` is issued
once; only :meth:`KnowledgeBase.build` (``kb build``) writes. A missing index raises
:class:`kb.IndexUnavailable` ("run `kb build`").

One :class:`KnowledgeBase` may be shared by threads.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .content import ContentError, Problem, _Report, advisory_folders, load, load_advisory
from .corpus import documents, template_entries
from .index import IndexUnavailable, build, current_build, open_current, read_manifest
from .model import Advisory
from .search import Hit, Results, Searcher


def default_content_dir() -> Path:
    """``KB_CONTENT``, else ``./content`` in the working directory."""
    return Path(os.environ.get("KB_CONTENT") or "content")


def default_index_dir() -> Path:
    """``KB_INDEX``, else ``./index`` in the working directory."""
    return Path(os.environ.get("KB_INDEX") or "index")


INDEX_CODE = ("model.py", "content.py", "analysis.py", "messages.py", "corpus.py", "index.py")
"""The modules whose code shapes the index: a change to them makes an index stale."""


class StaleIndexWarning(UserWarning):
    """The index was built from other content (or by other code) than what is there now."""


def content_fingerprint(content_dir: Path) -> str:
    """A hash of every content file's name, size and modification time, and of the indexing code."""
    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in INDEX_CODE:
        h.update(hashlib.sha256((here / name).read_bytes()).digest())
    if content_dir.is_dir():
        for folder in advisory_folders(content_dir):
            for f in sorted(folder.iterdir()):
                st = f.stat()
                h.update(f"{folder.name}/{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


class KnowledgeBase:
    """Advisories from a content folder, searchable through an index folder."""

    def __init__(self, content_dir: Path | str | None = None, index_dir: Path | str | None = None):
        self.content_dir = Path(content_dir) if content_dir else default_content_dir()
        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self._advisories: dict[str, Advisory] | None = None
        self._loaded_fingerprint = ""
        self.problems: list[Problem] = []  # what loading the content found (warnings, when it loaded)
        self._searcher: Searcher | None = None
        self._stale: str | bool | None = False  # False: not checked yet
        self._lock = threading.Lock()

    # --- content ---------------------------------------------------------------------------

    def advisories(self) -> list[Advisory]:
        """All advisories (loaded once). Raises :class:`kb.ContentError` when the content has errors."""
        if self._advisories is None:
            self._loaded_fingerprint = content_fingerprint(self.content_dir)  # before reading: an edit meanwhile shows as stale
            advisories, self.problems = load(self.content_dir)
            if any(p.severity == "error" for p in self.problems):
                raise ContentError(self.problems)
            self._advisories = {a.id: a for a in advisories}
        return list(self._advisories.values())

    def get(self, advisory_id: str) -> Advisory:
        """One advisory by id; ``KeyError`` when there is none. Reads only that advisory's folder, so
        an error in another advisory does not stop it; :class:`kb.ContentError` for its own errors."""
        if self._advisories is not None:
            return self._advisories[advisory_id]
        folder = self.content_dir / advisory_id
        if "/" in advisory_id or advisory_id.startswith((".", "_")) or not folder.is_dir():
            raise KeyError(advisory_id)
        report = _Report()
        adv = load_advisory(folder, report)
        if adv is None or any(p.severity == "error" for p in report.problems):
            raise ContentError(report.problems)
        return adv

    # --- index -----------------------------------------------------------------------------

    def staleness(self) -> str | None:
        """Why the index does not reflect the content now (None when it does). Checks afresh."""
        build_dir = current_build(self.index_dir)
        if build_dir is None:
            return f"there is no index in {self.index_dir}"
        manifest = read_manifest(build_dir) or {}
        if manifest.get("fingerprint") == content_fingerprint(self.content_dir):
            return None
        built_from = manifest.get("content")
        if built_from and (self.index_dir / built_from).resolve() != self.content_dir.resolve():
            return f"the index in {self.index_dir} was built from {os.path.normpath(self.index_dir / built_from)}, not {self.content_dir}"
        return f"the content in {self.content_dir} changed after the index was built"

    @property
    def stale(self) -> str | None:
        """Why the index is out of date, as checked when it was first used (None: it is current)."""
        if self._stale is False:
            self._stale = self.staleness()
        return self._stale  # type: ignore[return-value]

    def is_stale(self) -> bool:
        return self.staleness() is not None

    def build(
        self,
        progress: Callable[[int], None] | None = None,
        total: Callable[[int], None] | None = None,
        *,
        wait: bool = True,
        notify: Callable[[str], None] | None = None,
        reload: bool = True,
    ) -> Path:
        """Build the index from the content; the previous index keeps serving until the new one is complete.

        Raises :class:`kb.ContentError` (and leaves the index as it was) when the content has errors,
        :class:`kb.storage.UnsafeTarget` when the index folder is not kb's, :class:`kb.storage.Busy`
        when another build holds the folder and ``wait`` is false. ``reload=False`` uses the
        advisories already loaded (the CLI loads them once for the index and the site)."""
        if reload:
            self._advisories = None
        advisories = self.advisories()
        fingerprint = self._loaded_fingerprint
        if total:
            total(sum(len(a.cases) * 2 for a in advisories))
        docs = (d for a in advisories for d in documents(a))
        templates = [t for a in advisories for t in template_entries(a)]
        manifest = {
            "fingerprint": fingerprint,
            "content": os.path.relpath(self.content_dir.resolve(), self.index_dir.resolve()),
            "advisories": len(advisories),
            "kb": __version__,
        }
        out = build(docs, templates, self.index_dir, manifest, progress, wait=wait, notify=notify, protect=(self.content_dir,))
        self.close()
        self._stale = False
        return out

    def ensure_index(self) -> None:
        """Build the index when it is missing or stale (an explicit write; searching never does this)."""
        if self.is_stale():
            self.build()

    def searcher(self) -> Searcher:
        with self._lock:
            if self._searcher is None:
                self._searcher = Searcher(open_current(self.index_dir))
                # The index's long-lived objects (templates, lengths) need no garbage collection:
                # moving them out of the collector's view removes its long pauses on large indexes.
                gc.freeze()
                if self.stale:
                    warnings.warn(StaleIndexWarning(f"{self.stale}: answers come from the index as built; run `kb build` to update it"), stacklevel=3)
            return self._searcher

    def search(self, text: str, lang: str | None = None, limit: int = 10) -> Results:
        """Advisory cases for a pasted text, best first. ``lang`` picks the answer language ("ja"/"en");
        by default it is the query's own language. The list also tells how much of a very long paste
        was used (:class:`kb.search.Results`)."""
        if lang is not None and lang not in ("ja", "en"):
            raise ValueError(f"lang must be 'ja' or 'en', not {lang!r}")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        return self.searcher().search(text, lang=lang, limit=limit)

    def close(self) -> None:
        """Release the index (a later build may then remove its files)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.index.close()
                self._searcher = None

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(content_dir: Path | str | None = None, index_dir: Path | str | None = None, *, build_if_stale: bool = False) -> KnowledgeBase:
    """Open a knowledge base (default: ``./content`` and ``./index``, or ``KB_CONTENT`` / ``KB_INDEX``).

    Reading never writes; ``build_if_stale=True`` is the explicit way to (re)build the index first
    when it is missing or older than the content."""
    base = KnowledgeBase(content_dir, index_dir)
    if build_if_stale:
        base.ensure_index()
    return base


__all__ = ["ContentError", "Hit", "IndexUnavailable", "KnowledgeBase", "Results", "StaleIndexWarning", "open"]
