"""The Python API: open a knowledge base, search it, read advisories, build its index.

    >>> import kb
    >>> base = kb.open()                       # bundled content; builds index/ if missing or stale
    >>> hit = base.search("PGT20146F2")[0]
    >>> (hit.id, hit.case, hit.confidence)
    ('fujitsu-tx200ft-ms05-018', 'win2003', 'exact')
    >>> base.get("trendmicro-tmcm-tmi-not-ready").title["en"][:22]
    'Trend Micro Control Ma'
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .content import ContentError, advisory_folders, load_or_raise
from .corpus import documents, template_entries
from .index import Index, IndexUnavailable, build, current_build, read_manifest
from .model import Advisory
from .search import Hit, Searcher

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_content_dir() -> Path:
    return Path(os.environ.get("KB_CONTENT", PROJECT_ROOT / "content"))


def default_index_dir() -> Path:
    return Path(os.environ.get("KB_INDEX", PROJECT_ROOT / "index"))


INDEX_CODE = ("model.py", "content.py", "analysis.py", "messages.py", "corpus.py", "index.py")
"""The modules whose code shapes the index: a change to them makes an index stale."""


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
        self._searcher: Searcher | None = None

    # --- content ---------------------------------------------------------------------------

    def advisories(self) -> list[Advisory]:
        """All advisories (loaded once). Raises :class:`kb.ContentError` when the content has errors."""
        if self._advisories is None:
            self._advisories = {a.id: a for a in load_or_raise(self.content_dir)}
        return list(self._advisories.values())

    def get(self, advisory_id: str) -> Advisory:
        """One advisory by id; ``KeyError`` when there is none."""
        self.advisories()
        assert self._advisories is not None
        return self._advisories[advisory_id]

    # --- index -----------------------------------------------------------------------------

    def is_stale(self) -> bool:
        build_dir = current_build(self.index_dir)
        if build_dir is None:
            return True
        manifest = read_manifest(build_dir) or {}
        return manifest.get("fingerprint") != content_fingerprint(self.content_dir)

    def build(self, progress: Callable[[int], None] | None = None, total: Callable[[int], None] | None = None) -> Path:
        """Build the index from the content; the previous index keeps serving until the new one is complete.

        Raises :class:`kb.ContentError` (and leaves the index as it was) when the content has errors.
        """
        fingerprint = content_fingerprint(self.content_dir)
        self._advisories = None
        advisories = self.advisories()
        if total:
            total(sum(len(a.cases) * 2 for a in advisories))
        docs = (d for a in advisories for d in documents(a))
        templates = [t for a in advisories for t in template_entries(a)]
        manifest = {"fingerprint": fingerprint, "content": str(self.content_dir), "advisories": len(advisories), "kb": __version__}
        out = build(docs, templates, self.index_dir, manifest, progress)
        if self._searcher is not None:
            self._searcher.index.close()
            self._searcher = None
        return out

    def ensure_index(self) -> None:
        if self.is_stale():
            self.build()

    def searcher(self) -> Searcher:
        if self._searcher is None:
            build_dir = current_build(self.index_dir)
            if build_dir is None:
                raise IndexUnavailable(f"no index in {self.index_dir}: run `kb build`")
            self._searcher = Searcher(Index(build_dir))
        return self._searcher

    def search(self, text: str, lang: str | None = None, limit: int = 10) -> list[Hit]:
        """Advisory cases for a pasted text, best first. ``lang`` picks the answer language ("ja"/"en");
        by default it is the query's own language."""
        if lang is not None and lang not in ("ja", "en"):
            raise ValueError(f"lang must be 'ja' or 'en', not {lang!r}")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        return self.searcher().search(text, lang=lang, limit=limit)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.index.close()
            self._searcher = None


def open(content_dir: Path | str | None = None, index_dir: Path | str | None = None, *, build_if_stale: bool = True) -> KnowledgeBase:  # noqa: A001
    """Open a knowledge base (default: the bundled ``content/`` and ``index/``).

    With ``build_if_stale`` the index is (re)built when it is missing or older than the content.
    """
    base = KnowledgeBase(content_dir, index_dir)
    if build_if_stale:
        base.ensure_index()
    return base


__all__ = ["KnowledgeBase", "open", "ContentError", "IndexUnavailable", "Hit"]
