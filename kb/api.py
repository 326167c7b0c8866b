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
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from . import __version__
from .content.model import Advisory, Packed
from .content.problems import ContentError, Problem, Report
from .content.shelf import Shelf, Unpacked
from .freshness import BUILD_CODE, Folder, ForkedScan, code_digest, content_state, fingerprint, kb_folders, listings, scan_folders, staleness
from .search.documents import indexable
from .search.index import MARKER as INDEX_MARKER
from .search.index import Index, IndexUnavailable, Part, build, intact, open_current
from .search.layout import CONTENT_STATE, SOURCES, current_build, read_manifest, read_sources
from .search.rank import Hit, Results, Searcher
from .search.tables import crc32

MAX_DELETED_SHARE = 0.25
"""An incremental build rebuilds from scratch when the Whoosh index it would start from holds more
deleted documents than this share of its live ones (they are only dropped by a full build)."""

FULL_BUILD_SHARE = 0.5
"""A build analyzes everything (and starts afresh) when more than this share of the advisories changed."""


_A = TypeVar("_A", Advisory, Packed)  # an advisory as read: its objects, or packed


class StaleIndexWarning(UserWarning):
    """The index was built from other content (or by other code) than what is there now."""


def build_code() -> str:
    """A hash of everything an index build's output depends on besides the content: the modules
    of :data:`BUILD_CODE`, the JSON Schema, the kb.spec values and the MeCab dictionary. An incremental build reuses a
    previous build's analysis only when this is unchanged."""
    import hashlib

    from . import spec

    here = Path(__file__).resolve().parent
    h = code_digest(BUILD_CODE)
    for p in sorted((here / "schema").glob("*")):
        if p.is_file():
            h.update(p.name.encode() + hashlib.sha256(p.read_bytes()).digest())
    h.update(repr([(n, _canonical(getattr(spec, n))) for n in spec.names()]).encode())
    try:
        from importlib.metadata import version

        h.update(f"{version('fugashi')} {version('unidic-lite')} {version('whoosh-reloaded')}".encode())
    except Exception:  # pragma: no cover - not installed as a distribution
        pass
    return h.hexdigest()


def _canonical(value: object) -> object:
    """A value whose repr does not depend on hash order (sets sorted)."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, dict):
        return [(k, _canonical(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


@dataclass
class _Plan:
    """What a build is made of: the content as scanned before it was read, the advisories to analyze
    and the build to take the others from."""

    scan: dict[str, Folder]  # the advisory folders as scanned before they were read
    order: list[str]  # every advisory, in build order (folder names: ids, ascending)
    fresh: dict[str, Advisory | Packed]  # the advisories to analyze (all of them without a previous build), as read
    previous: Index | None = None  # the build the others come from (kept open: pinned)
    folders: dict[str, list] = field(default_factory=dict)  # folder -> [signature, case ids, warnings, mtime, entries]: for the next build

    def close(self) -> None:
        if self.previous is not None:
            self.previous.close()
            self.previous = None


class KnowledgeBase:
    """Advisories from a content folder, searchable through an index folder."""

    def __init__(self, content_dir: Path | str | None = None, index_dir: Path | str | None = None):
        self.content_dir, self.index_dir = kb_folders(content_dir, index_dir)
        self._advisories: dict[str, Advisory] | None = None
        self._packed: list[Packed] | None = None  # every advisory, put aside (load_changes(every=True), advisories_packed())
        self._loaded_scan: dict[str, Folder] = {}
        self._plan: _Plan | None = None
        self.problems: list[Problem] = []  # what loading the content found (warnings, when it loaded)
        self._searcher: Searcher | None = None
        self._stale: str | bool | None = False  # False: not checked yet
        self._settled = False  # gc.freeze() again after the first search
        self._warned = False  # the first search has said whether the index is stale
        self._lock = threading.Lock()

    # --- content ---------------------------------------------------------------------------

    def advisories(self) -> list[Advisory]:
        """All advisories (read on the first call, then kept; what :meth:`load_changes` and
        :meth:`build` read is kept packed for the build only, so a call after them reads the content
        again). Raises :class:`kb.ContentError` when the content has errors."""
        if self._advisories is None:
            from .content.load import load

            self._advisories = self._read_all(load)
        return list(self._advisories.values())

    def _read_all(self, load: Callable[[Path], tuple[list[_A], list[Problem]]]) -> dict[str, _A]:
        """Every advisory folder read with ``load`` (:func:`kb.content.load.load` or ``load_packed``),
        by id; the problems in :attr:`problems`. Raises :class:`kb.ContentError` on errors."""
        self._loaded_scan = scan_folders(self.content_dir, self._known())  # before reading: an edit meanwhile shows as stale
        advisories, self.problems = load(self.content_dir)
        if any(p.severity == "error" for p in self.problems):
            raise ContentError(self.problems)
        return {a.id: a for a in advisories}

    def get(self, advisory_id: str) -> Advisory:
        """One advisory by id; ``KeyError`` when there is none. Reads only that advisory's folder, so
        an error in another advisory does not stop it; :class:`kb.ContentError` for its own errors."""
        if not isinstance(advisory_id, str):
            raise TypeError(f"an advisory id is a str, not {type(advisory_id).__name__}")
        if self._advisories is not None:
            return self._advisories[advisory_id]
        folder = self.content_dir / advisory_id
        if not advisory_id or "/" in advisory_id or advisory_id.startswith((".", "_")) or not folder.is_dir():
            raise KeyError(advisory_id)
        from .content.load import load_advisory

        report = Report()
        adv = load_advisory(folder, report)
        if adv is None or any(p.severity == "error" for p in report.problems):
            raise ContentError(report.problems)
        return adv

    def load_changes(self, *, full: bool = False, every: bool = False) -> int:
        """Read the content as the next :meth:`build` needs it: only the advisory folders whose files
        changed since the current index was built, when that index can be built on; every folder
        otherwise, or with ``full``. Returns the number of advisories.

        What is read is kept for the build only, each advisory packed (:class:`kb.content.model.Packed`:
        the bytes a reading worker pickled it to), and the build lets each go once it is indexed;
        :meth:`advisories` reads the advisories themselves. Warnings go to :attr:`problems`. Raises
        :class:`kb.ContentError` when the content has errors; every folder has been read then, so
        the problems are all there, as ``kb check`` reports them. A removed advisory, or a changed
        one whose case ids changed, also makes every folder be read (a ``kb:`` link elsewhere may
        point at it). ``every``: every folder is read (the build still analyzes only what changed)
        and kept for :meth:`advisories_packed` (``kb build`` when it makes the site too: the
        content read once, at one moment, for both)."""
        self._drop_plan()
        self._packed = None
        previous = None if full else self._previous_build(scan=not every)
        if previous is not None and not every:
            try:
                plan = self._read_changed(previous[0], previous[1], previous[2])
            except BaseException:
                previous[0].close()
                if previous[2] is not None:
                    previous[2].cancel()
                raise
            if plan is not None:
                self._plan = plan
                return len(plan.order)
        self._advisories = None
        try:
            packed = self._read_packed()  # (a build holds them while it indexes)
        except BaseException:
            if previous is not None:
                previous[0].close()
            raise
        if every:
            self._packed = list(packed.values())
        self._plan = self._plan_from_loaded(packed, previous)
        return len(self._plan.order)

    def advisories_packed(self) -> Unpacked:
        """Every advisory, packed and put aside in a temporary file (:class:`kb.content.shelf.Unpacked`:
        a sequence of advisories, each unpickled when asked for and not kept): what a caller that
        goes through them one at a time holds instead of every advisory's objects (10,000 generated
        advisories: ~420 MB). What :meth:`load_changes` read with ``every``, else every folder read
        now. Raises :class:`kb.ContentError` when the content has errors."""
        if self._packed is None:
            self._packed = list(self._read_packed().values())
        return Unpacked(self._packed)

    def _read_packed(self) -> dict[str, Packed]:
        """Every advisory folder read, each advisory packed and put aside (:class:`kb.content.shelf.Shelf`:
        in the index folder when it is kb's, else the system's temporary folder)."""
        from functools import partial

        from .content.load import load_packed

        shelf = Shelf(self.index_dir if (self.index_dir / INDEX_MARKER).is_file() else None)
        return self._read_all(partial(load_packed, shelf=shelf))

    def check(self) -> tuple[int, int, list[Problem]]:
        """What ``kb check`` reports: (advisories, cases, problems), the problems as
        :func:`kb.content.load.load` finds them. When the current index was built from this content
        folder by this code, only the advisory folders whose files changed since are read (the
        others were checked by that build, which recorded their case ids and warnings): the same
        rules as an incremental build's (:meth:`load_changes`), so the same answer as reading every
        folder, which happens whenever the changes call for it (an error, a removed advisory,
        changed case ids, a broken ``kb:`` link) or there is no such index."""
        build_dir = current_build(self.index_dir)
        sources = self._usable_sources(build_dir) if build_dir is not None else None
        if sources is not None:
            plan = self._read_changed(None, sources)
            if plan is not None:
                cases = sum(len(plan.folders[name][1]) for name in plan.order)
                return len(plan.order), cases, self.problems
        from .content.load import check

        outlines, problems = check(self.content_dir)
        return len(outlines), sum(len(o.case_ids) for o in outlines), problems

    def _usable_sources(self, build_dir: Path) -> dict | None:
        """The folder record (``sources.json``) of a build, when a build or a check may rely on it:
        written by this code from this content folder, and unchanged since (its checksum)."""
        manifest = read_manifest(build_dir) or {}
        if manifest.get("content") != self._content_rel():
            return None
        try:
            if crc32(build_dir / SOURCES) != (manifest.get("crc32") or {}).get(SOURCES):
                return None
        except OSError:
            return None
        sources = read_sources(build_dir)
        if sources.get("code") != build_code() or not isinstance(sources.get("folders"), dict):
            return None
        return sources

    def _known(self) -> dict[str, list]:
        """The folder listings the current build recorded (for :func:`_scan`)."""
        build_dir = current_build(self.index_dir)
        return listings(read_sources(build_dir)) if build_dir is not None else {}

    def _content_rel(self) -> str:
        return os.path.relpath(self.content_dir.resolve(), self.index_dir.resolve())

    def _refuse_emptying(self) -> None:
        """A content folder without advisories never replaces an index that has some: that is a
        wrong ``--content`` or folders moved away far more often than a wish to empty the knowledge
        base (which deleting the index and the site does). Raises :class:`kb.ContentError`."""
        build_dir = current_build(self.index_dir)
        had = (read_manifest(build_dir) or {}).get("advisories") if build_dir is not None else None
        if isinstance(had, int) and had > 0:
            raise ContentError(
                [
                    Problem(
                        str(self.content_dir),
                        1,
                        f"the content folder holds no advisories, and the index in {self.index_dir} has {had}: nothing was built",
                        "check --content (or KB_CONTENT); to empty the knowledge base, delete the index and the site folders",
                    )
                ]
            )

    def _previous_build(self, scan: bool = False) -> tuple[Index, dict, ForkedScan | None] | None:
        """The current build, open, and its sources, when a build may start from it: made by this
        code from this content folder, undamaged, and without too many deleted documents. With
        ``scan``, the content folders are scanned meanwhile on another CPU (what
        :meth:`_read_changed` needs first: the third item)."""
        build_dir = current_build(self.index_dir)
        sources = self._usable_sources(build_dir) if build_dir is not None else None
        if build_dir is None or sources is None:
            return None
        scanning = ForkedScan(self.content_dir, listings(sources)) if scan else None
        found = self._usable_build(build_dir)
        if found is None:
            if scanning is not None:
                scanning.cancel()
            return None
        return found, sources, scanning

    def _usable_build(self, build_dir: Path) -> Index | None:
        """The build, open, when it is undamaged and has not too many deleted documents."""
        try:
            index = Index(build_dir)
        except Exception:
            return None
        if not intact(build_dir):
            index.close()
            return None
        recorded = (index.manifest or {}).get("whoosh_documents")
        deleted = recorded - index.doc_count if isinstance(recorded, int) else -1  # (the build records how many Whoosh holds)
        if deleted < 0 or deleted > MAX_DELETED_SHARE * index.doc_count:
            index.close()
            return None
        return index

    def _relative(self, path: str) -> str | None:
        """A problem's path inside the content folder ("folder/file"), as load() spells it."""
        prefix = os.path.join(os.fspath(self.content_dir), "")
        return path[len(prefix) :] if path.startswith(prefix) else None

    def _warnings(self, name: str, problems: list[Problem]) -> list[list] | None:
        out: list[list] = []
        for p in problems:
            rel = self._relative(p.path)
            if p.severity != "warning" or rel is None or rel.split("/", 1)[0] != name:
                return None
            out.append([rel, p.line, p.message, p.hint])
        return out

    def _read_changed(self, previous: Index | None, sources: dict, scanning: ForkedScan | None = None) -> _Plan | None:
        """Read the folders that changed since ``previous`` was built. None when every folder has
        to be read: an error, a removed advisory, changed case ids, a broken ``kb:`` link."""
        from .content.load import ID_RE, broken_links, load_advisory

        old: dict[str, list] = sources["folders"]
        scan = scanning.folders() if scanning is not None else scan_folders(self.content_dir, listings(sources))  # before reading
        if any(name not in scan for name in old) or broken_links(self.content_dir):
            return None
        if sum(1 for name, f in scan.items() if old.get(name, [None])[0] != f.signature) > FULL_BUILD_SHARE * len(scan):
            return None
        fresh: dict[str, Advisory | Packed] = {}
        folders: dict[str, list] = {}
        found: dict[str, list[Problem]] = {}
        links: list[str] = []
        for name, scanned in scan.items():
            entry = old.get(name)
            if entry is not None and entry[0] == scanned.signature:
                folders[name] = entry[:3] + [scanned.mtime, scanned.names]
                continue
            if not ID_RE.match(name):
                return None
            report = Report()
            adv = load_advisory(self.content_dir / name, report)
            if adv is None or adv.id != name or any(p.severity == "error" for p in report.problems):
                return None
            if entry is not None and list(adv.case_ids) != entry[1]:
                return None
            warned = self._warnings(name, report.problems)
            if warned is None:
                return None
            fresh[name] = adv
            found[name] = report.problems
            folders[name] = [scanned.signature, list(adv.case_ids), warned, scanned.mtime, scanned.names]
            links += [href for _path, _line, href in report.kb_links.get(adv.path, ())]
        for href in links:  # as kb.content.load checks them
            target, _, case = href[3:].partition("#")
            if target not in folders or (case and case not in folders[target][1]):
                return None
        root = self.content_dir
        problems: list[Problem] = []
        for name in scan:
            if name in found:
                problems += found[name]
            else:
                problems += [Problem(os.fspath(root / rel), line, message, hint, "warning") for rel, line, message, hint in folders[name][2]]
        self.problems = problems
        return _Plan(scan, list(scan), fresh, previous, folders)

    def _plan_from_loaded(self, loaded: dict[str, Advisory] | dict[str, Packed], previous: tuple[Index, dict, ForkedScan | None] | None) -> _Plan:
        """A plan for the advisories loaded in full (:meth:`_read_all`): those whose folder changed are analyzed."""
        scan = self._loaded_scan
        old: dict[str, list] = previous[1]["folders"] if previous else {}
        fresh: dict[str, Advisory | Packed] = {
            name: a for name, a in loaded.items() if not previous or name not in old or name not in scan or old[name][0] != scan[name].signature
        }
        if previous is not None and len(fresh) > FULL_BUILD_SHARE * len(loaded):
            previous[0].close()
            previous, fresh = None, dict(loaded)
        by_folder: dict[str, list[Problem]] = {}
        recordable = True
        for p in self.problems:
            rel = self._relative(p.path)
            name = rel.split("/", 1)[0] if rel else ""
            if name in loaded:
                by_folder.setdefault(name, []).append(p)
            else:
                recordable = False
        folders: dict[str, list] = {}
        if recordable:
            for name, a in loaded.items():
                warned = self._warnings(name, by_folder.get(name, []))
                if warned is None or name not in scan:
                    folders = {}
                    break
                f = scan[name]
                folders[name] = [f.signature, list(a.case_ids), warned, f.mtime, f.names]
        return _Plan(scan, list(loaded), fresh, previous[0] if previous else None, folders)

    def _drop_plan(self) -> None:
        if self._plan is not None:
            self._plan.close()
            self._plan = None

    # --- index -----------------------------------------------------------------------------

    def staleness(self) -> str | None:
        """Why the index does not reflect the content now (None when it does). Checks afresh."""
        return staleness(self.content_dir, self.index_dir)

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
        full: bool = False,
        workers: int | None = None,
    ) -> Path:
        """Build the index from the content; the previous index keeps serving until the new one is complete.

        A build starts from the current index when it can (only the advisories whose folders changed
        are analyzed again) and answers exactly as one from scratch (``full=True``) would.

        Raises :class:`kb.ContentError` (and leaves the index as it was) when the content has errors,
        :class:`kb.storage.UnsafeTarget` when the index folder is not kb's, :class:`kb.storage.Busy`
        when another build holds the folder and ``wait`` is false. ``reload=False`` uses what was
        read already: :meth:`load_changes` (the CLI: ``every=True`` when it makes the site too, which
        then goes through :meth:`advisories_packed`), or every advisory (:meth:`advisories`). ``workers``: processes that analyze the advisories when
        there are many (:func:`kb.search.documents.indexable`; default: one per CPU, 1: none)."""
        if reload or full:
            self.load_changes(full=full)
        elif self._plan is None:
            if self._advisories is not None:
                self._plan = self._plan_from_loaded(self._advisories, self._previous_build())
            else:
                self.load_changes()
        plan = self._plan
        assert plan is not None
        self._plan = None
        if not plan.order:
            plan.close()
            self._refuse_emptying()
        fresh = plan.fresh
        to_analyze = [name for name in plan.order if name in fresh]

        def handed() -> Iterator[Advisory | Packed]:
            for name in to_analyze:  # (the plan lets each go once analyzed: memory stays flat as the index grows)
                yield fresh.pop(name)

        made = indexable(handed(), workers, count=len(to_analyze))  # (nothing runs before the first next())
        try:
            if total:
                total(sum(a.documents if isinstance(a, Packed) else len(a.cases) * len(a.langs) for a in fresh.values()))
            analyzing = set(to_analyze)
            parts = (Part(name, *next(made)) if name in analyzing else Part(name) for name in plan.order)
            manifest = {
                "fingerprint": fingerprint(self.content_dir, plan.scan),
                "content": self._content_rel(),
                "advisories": len(plan.order),
                "analyzed": len(to_analyze),
                "kb": __version__,
            }
            sources = {"code": build_code() if plan.folders else None, "folders": plan.folders}
            out = build(
                parts,
                self.index_dir,
                manifest,
                progress,
                previous=plan.previous,
                sources=sources,
                records=self._records(plan),
                wait=wait,
                notify=notify,
                protect=(self.content_dir,),
            )
        finally:
            made.close()  # (stops the workers when the build stops early)
            plan.close()
        self.close()
        self._stale = False
        return out

    @staticmethod
    def _records(plan: _Plan) -> dict[str, bytes]:
        """The files a build keeps beside the index for readers: the content's state, when the
        scan can be recorded so and the build records every folder's listing in its sources
        (without them, the fingerprint check lists every folder again: the record would trust
        the folders' mtimes where that check does not)."""
        state = content_state(plan.scan) if set(plan.folders) == set(plan.scan) else None
        return {CONTENT_STATE: state} if state is not None else {}

    def ensure_index(self) -> None:
        """Build the index when it is missing or stale (an explicit write; searching never does this)."""
        if self.is_stale():
            self.build()

    def searcher(self) -> Searcher:
        """The open index's :class:`~kb.search.rank.Searcher` (opened on first use; whether the
        index is current is not checked here: see :meth:`search` and :attr:`stale`)."""
        with self._lock:
            if self._searcher is None:
                self._searcher = Searcher(open_current(self.index_dir))
                # The index's long-lived objects (templates, lengths) need no garbage collection:
                # moving them out of the collector's view removes its long pauses on large indexes.
                gc.freeze()
            return self._searcher

    def search(self, text: str, lang: str | None = None, limit: int = 10, *, warn_stale: bool = True) -> Results:
        """Advisory cases for a pasted text, best first. ``lang`` picks the answer language ("ja"/"en");
        by default it is the query's own language. The list also tells how much of a very long paste
        was used (:class:`kb.search.rank.Results`).

        The first search also checks whether the index is current and issues a
        :class:`StaleIndexWarning` when it is not (``warn_stale=False``: the caller asks
        :attr:`stale` itself, when it suits it: the check ``stat``-s every content file, which
        the answer does not wait for then)."""
        if not isinstance(text, str):
            hint = " (decode it first: kb.text.pastes.decode takes UTF-8, Shift_JIS, UTF-16 and more)" if isinstance(text, bytes | bytearray) else ""
            raise TypeError(f"the query is a str, not {type(text).__name__}{hint}")
        if lang is not None and lang not in ("ja", "en"):
            raise ValueError(f"lang must be 'ja' or 'en', not {lang!r}")
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"limit is an int, not {type(limit).__name__}")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        results = self.searcher().search(text, lang=lang, limit=limit)
        if not self._settled:
            # What the first search loaded for good (MeCab, the alias table, the template tables)
            # goes out of the collector's view too.
            self._settled = True
            gc.freeze()
        if warn_stale and not self._warned:
            self._warned = True
            if self.stale:
                warnings.warn(StaleIndexWarning(f"{self.stale}: answers come from the index as built; run `kb build` to update it"), stacklevel=2)
        return results

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
