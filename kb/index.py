"""The on-disk index: Whoosh, and the only module that imports it.

Stage 3. Documents arrive already analyzed (``kb.corpus``), so every Whoosh field uses a plain
space tokenizer over our own terms: the same pipeline runs at index and at query time, and the
pickled schema holds nothing but Whoosh's own classes.

Layout of an index folder (``index/`` by default)::

    index/current -> build-20261122T040000-ab12    (symlink, swapped atomically)
    index/build-.../whoosh/                         (Whoosh segment files)
    index/build-.../templates.json                  (message templates and their keys)
    index/build-.../manifest.json                   (what was built from which content files)

A build writes a new ``build-*`` folder and then replaces the ``current`` symlink with one
``os.replace``: searches running meanwhile keep their open build; a failed build leaves
``current`` untouched. Builds are serialized by the folder's writer lock (:mod:`kb.storage`), the
folder carries a ``.kb-index`` marker (kb replaces no folder without it), and an old build is
removed only when no open :class:`Index` pins it. Folders left by a killed build are removed by
the next build.

Reading never writes: :class:`Index` opens files read-only, so a read-only index serves searches.
Whoosh's reader is not safe for concurrent use, so each :class:`Index` serializes its calls into
Whoosh with a lock; one :class:`Index` may be shared by threads.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import threading
import time
import uuid
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import Term
from whoosh.util.numeric import byte_to_length, length_to_byte

from .corpus import SearchDoc
from .messages import TemplateEntry, choose_keys
from .model import LANGS
from .spec import BM25_B, BM25_K1, FIELD_BOOSTS, LOOKUP_FIELDS  # BM25F field weights and parameters (kb.spec: shared with the browser)
from .storage import claim_folder, pin, unpinned, writer_lock

FORMAT = "kb-index/3"
MANIFEST = "manifest.json"
MARKER = ".kb-index"


def _schema() -> Schema:
    terms = SpaceSeparatedTokenizer()
    fields = {name: TEXT(analyzer=terms, field_boost=boost, phrase=False) for name, boost in FIELD_BOOSTS.items()}
    fields.update({name: TEXT(analyzer=terms, phrase=False) for name in LOOKUP_FIELDS})
    return Schema(key=ID(stored=True, unique=True, sortable=True), title_text=STORED, texts=STORED, **fields)


class IndexUnavailable(RuntimeError):
    """The index folder is missing, foreign, damaged, or from another format."""


def _legacy_index(folder: Path) -> bool:
    """An index folder written by kb before folders carried a marker."""
    names = [p.name for p in folder.iterdir()]
    return "current" in names and all(n in ("current", "previous") or n.startswith(("build-", ".current-")) for n in names)


@dataclass
class Posting:
    key: str
    advisory: str
    case: str
    lang: str
    score: float
    matched: dict[str, set[str]]  # field -> matched terms


def build(
    docs: Iterable[SearchDoc],
    templates: list[TemplateEntry],
    root: Path,
    manifest: dict,
    progress: Callable[[int], None] | None = None,
    *,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
    protect: tuple[Path, ...] = (),
) -> Path:
    """Write a complete new build under ``root`` and make it current. Returns the build folder.

    Holds ``root``'s writer lock throughout (``wait``/``notify`` as in :func:`kb.storage.writer_lock`);
    ``protect`` names folders ``root`` must not overlap (the content)."""
    root = claim_folder(root, MARKER, "index", legacy=_legacy_index, protect=protect)
    with writer_lock(root, wait=wait, notify=notify):
        _remove_leftovers(root)
        build_dir = root / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        try:
            _write_build(build_dir, docs, templates, manifest, progress)
            _swap(root, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _prune(root, keep={build_dir.name, _previous_name(root)})
    return build_dir


def _write_build(
    build_dir: Path, docs: Iterable[SearchDoc], templates: list[TemplateEntry], manifest: dict, progress: Callable[[int], None] | None
) -> None:
    (build_dir / "whoosh").mkdir(parents=True)
    ix = whoosh_index.create_in(str(build_dir / "whoosh"), _schema())
    writer = ix.writer(limitmb=256)
    count = 0
    lengths: dict[str, list[int]] = {}
    try:
        for d in docs:
            fields = {name: " ".join(d.terms.get(name, ())) for name in (*FIELD_BOOSTS, *LOOKUP_FIELDS)}
            lengths[d.key] = [len(d.terms.get(name, ())) for name in FIELD_BOOSTS]
            writer.add_document(key=d.key, title_text=d.title, texts=d.texts, **fields)
            count += 1
            if progress:
                progress(1)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    _write_lengths(ix, lengths, build_dir / "lengths.bin")
    _write_scores(ix, build_dir)
    keys = choose_keys(templates)
    (build_dir / "templates.json").write_text(json.dumps({"entries": [t.__dict__ for t in templates], "keys": keys}, ensure_ascii=False), "utf-8")
    sizes = {str(p.relative_to(build_dir)): p.stat().st_size for p in sorted(build_dir.rglob("*")) if p.is_file()}
    # The manifest is written last: a build folder without one is unfinished.
    (build_dir / MANIFEST).write_text(
        json.dumps({"format": FORMAT, "documents": count, "files": sizes, **manifest}, ensure_ascii=False, indent=1), "utf-8"
    )


def _write_lengths(ix, lengths: dict[str, list[int]], path: Path) -> None:
    """Field lengths per document in docnum order, as Whoosh's BM25F sees them (one byte each,
    ``byte_to_length(length_to_byte(n))``), then the exact average length of each field.

    Kept beside Whoosh's own so that scoring reads them from one array instead of per call."""
    with ix.reader() as reader:
        keys = reader.column_reader("key")
        flat = array("I")
        for docnum in range(reader.doc_count_all()):
            key = keys[docnum]
            flat.extend(byte_to_length(length_to_byte(n)) for n in lengths[key.decode("utf-8") if isinstance(key, bytes) else key])
        totals = [sum(v[i] for v in lengths.values()) for i in range(len(FIELD_BOOSTS))]
    averages = array("d", (t / max(len(lengths), 1) for t in totals))
    path.write_bytes(flat.tobytes() + averages.tobytes())


def _write_scores(ix, build_dir: Path) -> None:
    """The BM25F term weights of every posting, precomputed from Whoosh's postings, for scoring
    with whole-array arithmetic (:meth:`Index.search`); Whoosh stays the index of record.

    ``scores.bin``: all postings' docnums (uint32), then their weights (float32): for a term with
    frequency tf (field boost included) in a document of field length dl,
    ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``; the idf is applied at query time.
    ``terms.json``: field -> term -> [offset, document frequency] into those arrays.
    ``docs.json``: the document keys in docnum order."""
    import numpy as np

    n_fields = len(FIELD_BOOSTS)
    raw = (build_dir / "lengths.bin").read_bytes()
    split = len(raw) - 8 * n_fields
    flat, averages = array("I"), array("d")
    flat.frombytes(raw[:split])
    averages.frombytes(raw[split:])
    doc_ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    table: dict[str, dict[str, list[int]]] = {}
    offset = 0
    with ix.reader() as reader:
        keys = reader.column_reader("key")
        n_docs = reader.doc_count_all()
        for i, f in enumerate(FIELD_BOOSTS):
            dl = np.frombuffer(flat, dtype=np.uint32)[i::n_fields].astype(np.float64)
            norm = BM25_K1 * ((1 - BM25_B) + BM25_B * dl / (averages[i] or 1.0))
            terms: dict[str, list[int]] = {}
            for raw_term in reader.lexicon(f):
                term = raw_term.decode("utf-8") if isinstance(raw_term, bytes) else raw_term
                pairs = _read_postings(reader.postings(f, raw_term))
                ids = np.fromiter((d for d, _ in pairs), dtype=np.uint32, count=len(pairs))
                tf = np.fromiter((w for _, w in pairs), dtype=np.float64, count=len(pairs))
                doc_ids.append(ids)
                weights.append((tf * (BM25_K1 + 1) / (tf + norm[ids])).astype(np.float32))
                terms[term] = [offset, len(pairs)]
                offset += len(pairs)
            table[f] = terms
        doc_keys = [k.decode("utf-8") if isinstance(k, bytes) else k for k in (keys[d] for d in range(n_docs))]
    with (build_dir / "scores.bin").open("wb") as out:
        out.write((np.concatenate(doc_ids) if doc_ids else np.zeros(0, np.uint32)).astype(np.uint32).tobytes())
        out.write((np.concatenate(weights) if weights else np.zeros(0, np.float32)).astype(np.float32).tobytes())
    (build_dir / "terms.json").write_text(json.dumps({"postings": offset, "fields": table}, ensure_ascii=False, separators=(",", ":")), "utf-8")
    (build_dir / "docs.json").write_text(json.dumps(doc_keys, ensure_ascii=False), "utf-8")


def _read_postings(m) -> list[tuple[int, float]]:
    """(docnum, term frequency) of every document of a Whoosh postings matcher."""
    out: list[tuple[int, float]] = []
    if isinstance(m, W3LeafMatcher):
        # Block by block (whoosh-reloaded 2.7.5 internals, pinned in pyproject.toml).
        while not m._atend:
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            out.extend(zip(m._ids, m._weights))
            m._next_block()
        return out
    while m.is_active():
        out.append((m.id(), m.weight()))
        m.next()
    return out


def _swap(root: Path, build_dir: Path) -> None:
    current = root / "current"
    previous = os.readlink(current) if current.is_symlink() else None
    tmp = root / f".current-{uuid.uuid4().hex[:6]}"
    os.symlink(build_dir.name, tmp)
    os.replace(tmp, current)
    if previous:
        (root / "previous").unlink(missing_ok=True)
        os.symlink(previous, root / "previous")


def _previous_name(root: Path) -> str:
    prev = root / "previous"
    return os.readlink(prev) if prev.is_symlink() else ""


def _prune(root: Path, keep: set[str]) -> None:
    """Remove finished builds other than ``keep`` that no open :class:`Index` pins."""
    for p in root.glob("build-*"):
        if p.name in keep:
            continue
        with unpinned(p / MANIFEST) as free:
            if free:
                shutil.rmtree(p, ignore_errors=True)


def _remove_leftovers(root: Path) -> None:
    """What a killed build left (called under the writer lock, so no build is running): build
    folders without a manifest and temporary ``current`` links."""
    for p in root.glob(".current-*"):
        p.unlink(missing_ok=True)
    for p in root.glob("build-*"):
        if p.is_dir() and not (p / MANIFEST).exists():
            shutil.rmtree(p, ignore_errors=True)


def current_build(root: Path) -> Path | None:
    """The folder the ``current`` symlink points at, if it is one of ours."""
    cur = root / "current"
    if not cur.is_symlink():
        return None
    target = (root / os.readlink(cur)).resolve()
    return target if read_manifest(target) is not None else None


def read_manifest(build_dir: Path) -> dict | None:
    try:
        data = json.loads((build_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def split_key(key: str) -> tuple[str, str, str]:
    """``advisory#case@lang`` -> (advisory, case, lang)."""
    rest, _, lang = key.rpartition("@")
    advisory, _, case = rest.partition("#")
    return advisory, case, lang


def open_current(root: Path, attempts: int = 3) -> Index:
    """Open the build that ``root/current`` points at. A build made current and then pruned by two
    builds between reading the link and opening it is retried; anything else that is wrong raises
    :class:`IndexUnavailable` naming the folder and the fix."""
    for attempt in range(1, attempts + 1):
        build_dir = current_build(root)
        if build_dir is None:
            if (root / "current").is_symlink() or (root / "current").exists():
                raise IndexUnavailable(f"the index in {root} is damaged or from another version of kb: run `kb build` to rebuild it")
            raise IndexUnavailable(f"no index in {root}: run `kb build` first")
        try:
            return Index(build_dir)
        except _Vanished:
            if attempt == attempts:
                break
    raise IndexUnavailable(f"the index in {root} keeps changing under this search: try again")


_DAMAGE = (OSError, ValueError, KeyError, IndexError, EOFError, TypeError, AttributeError, struct.error, zlib.error)
"""What Whoosh raises when a file under it is truncated or garbled."""


class _Vanished(Exception):
    """The build folder was removed between resolving ``current`` and opening it."""


class Index:
    """A read-only view of one build: BM25F search, exact lookups, stored documents, templates.

    Safe to share between threads (calls into Whoosh are serialized). Close it to let a later
    build remove its files."""

    def __init__(self, build_dir: Path):
        self.dir = build_dir
        try:
            self._pin = pin(build_dir / MANIFEST)
        except FileNotFoundError:
            raise _Vanished() from None
        except OSError as exc:
            raise IndexUnavailable(f"cannot read the index in {build_dir}: {exc.strerror}") from None
        self._lock = threading.RLock()
        try:
            self._open(build_dir)
        except IndexUnavailable:
            self._pin.close()
            raise
        except Exception as exc:
            self._pin.close()
            raise IndexUnavailable(f"the index in {build_dir.parent} is damaged ({type(exc).__name__}: {exc}): run `kb build` to rebuild it") from exc

    def _open(self, build_dir: Path) -> None:
        self.manifest = read_manifest(build_dir)
        if self.manifest is None:
            # Never hand Whoosh (which unpickles its schema) a folder this program did not write.
            raise IndexUnavailable(f"{build_dir} is not an index built by kb (no {MANIFEST} of format {FORMAT}): run `kb build`")
        for rel, size in self.manifest.get("files", {}).items():
            try:
                actual = (build_dir / rel).stat().st_size
            except OSError:
                actual = -1
            if actual != size:
                raise IndexUnavailable(f"the index in {build_dir.parent} is damaged ({rel} is missing or has changed): run `kb build` to rebuild it")
        self._ix = whoosh_index.open_dir(str(build_dir / "whoosh"), readonly=True)
        self._searcher = self._ix.searcher()
        self._reader = self._searcher.reader()
        self.doc_count = self._reader.doc_count()
        import numpy as np

        self._keys: list[str] = json.loads((build_dir / "docs.json").read_text("utf-8"))  # docnum -> "advisory#case@lang"
        self._docnum = {k: d for d, k in enumerate(self._keys)}
        terms = json.loads((build_dir / "terms.json").read_text("utf-8"))
        self._terms: dict[str, dict[str, list[int]]] = terms["fields"]
        n = int(terms["postings"])
        if (build_dir / "scores.bin").stat().st_size != 8 * n or len(self._keys) != self._reader.doc_count_all():
            raise IndexUnavailable(f"the index in {build_dir.parent} is damaged (scores.bin does not fit): run `kb build` to rebuild it")
        self._post_docs = np.memmap(build_dir / "scores.bin", dtype=np.uint32, mode="r", shape=(n,)) if n else np.zeros(0, np.uint32)
        self._post_weights = (
            np.memmap(build_dir / "scores.bin", dtype=np.float32, mode="r", offset=4 * n, shape=(n,)) if n else np.zeros(0, np.float32)
        )
        codes = {lang: i for i, lang in enumerate(LANGS)}
        by_adv: dict[str, set[str]] = {}
        adv_of: list[str] = []
        langs = np.zeros(len(self._keys), dtype=np.uint8)
        for d, k in enumerate(self._keys):
            adv, _, lang = split_key(k)
            langs[d] = codes.get(lang, 255)
            by_adv.setdefault(adv, set()).add(lang)
            adv_of.append(adv)
        self._doc_langs = langs
        self._adv_langs = {a: frozenset(v) for a, v in by_adv.items()}
        # Per language: docnum -> True when the document is in another language and its advisory
        # also has a document in this one (a translation twin, left out of searches in this language).
        self._twins = {
            lang: np.fromiter((langs[d] != i and lang in by_adv[adv_of[d]] for d in range(len(adv_of))), dtype=bool, count=len(adv_of))
            for i, lang in enumerate(LANGS)
        }
        data = json.loads((build_dir / "templates.json").read_text("utf-8"))
        self.templates = [TemplateEntry(**e) for e in data["entries"]]
        self.template_keys = data["keys"]

    def close(self) -> None:
        with self._lock:
            self._searcher.close()
            self._pin.close()

    def _whoosh(self, fn, *args):
        """Call into Whoosh under the lock; what Whoosh raises on a damaged file becomes
        :class:`IndexUnavailable`."""
        with self._lock:
            try:
                return fn(*args)
            except _DAMAGE as exc:
                raise IndexUnavailable(f"the index in {self.dir.parent} is damaged ({type(exc).__name__}): run `kb build` to rebuild it") from exc

    def idf(self, field: str, term: str) -> float:
        df = self.doc_frequency(field, term)
        n = max(self.doc_count, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def doc_frequency(self, field: str, term: str) -> int:
        entry = self._terms.get(field, {}).get(term)
        if entry is not None or field in self._terms:
            return entry[1] if entry is not None else 0
        return self._whoosh(self._reader.doc_frequency, field, term)

    def exists(self, field: str, term: str) -> bool:
        return self.doc_frequency(field, term) > 0

    def langs_of(self, advisory: str) -> frozenset[str]:
        """The languages an advisory is written in."""
        return self._adv_langs.get(advisory, frozenset())

    def search(
        self,
        terms: dict[str, list[str]],
        limit: int = 50,
        boosts: dict[str, float] | None = None,
        only_in: dict[str, str] | None = None,
        lang: str | None = None,
    ) -> list[Posting]:
        """BM25F over the given field -> terms (an OR of all of them), every posting of every term
        scored (no term is dropped); the best ``limit`` documents. ``boosts`` weighs single terms;
        ``only_in`` limits single terms to the documents of one language (a translation of a query
        word counts only in documents of the language it is written in). With ``lang``, a document
        in another language is left out when its advisory has a document in ``lang``.

        The same formula as ``whoosh.scoring.BM25F``, over the weights precomputed at build time
        (``scores.bin``): about 10 ns per posting, where Whoosh's matcher tree costs ~100 µs per
        matching document."""
        import numpy as np

        boosts = boosts or {}
        only = {t: LANGS.index(x) for t, x in (only_in or {}).items()}
        n_docs = len(self._keys)
        scores = np.zeros(n_docs, dtype=np.float64)
        allowed = ~self._twins[lang] if lang is not None else None
        used: list[tuple[str, str, int, int]] = []  # (field, term, offset, df) of the terms that scored
        for f, ts in terms.items():
            table = self._terms.get(f, {})
            for t in dict.fromkeys(ts):
                entry = table.get(t)
                if entry is None:
                    continue
                off, df = entry
                docs = self._post_docs[off : off + df]
                w = self._post_weights[off : off + df]
                keep = allowed[docs] if allowed is not None else None
                want = only.get(t)
                if want is not None:
                    same = self._doc_langs[docs] == want
                    keep = same if keep is None else keep & same
                if keep is not None:
                    docs, w = docs[keep], w[keep]
                    if not len(docs):
                        continue
                # Whoosh's idf; the field boost is already in the posting weights (applied at indexing).
                weight = (math.log(self.doc_count / (df + 1)) + 1) * boosts.get(t, 1.0) if self.doc_count else 0.0
                scores[docs] += weight * w
                used.append((f, t, off, df))
        hit = np.flatnonzero(scores > 0)
        if not len(hit):
            return []
        if len(hit) > limit:
            # The best ``limit``; documents tied at the cut are taken lowest docnum first (as the browser does).
            cut = scores[hit[np.argpartition(-scores[hit], limit - 1)[limit - 1]]]
            above, tied = hit[scores[hit] > cut], hit[scores[hit] == cut]
            hit = np.concatenate([above, np.sort(tied)[: limit - len(above)]])
        top = sorted(hit.tolist(), key=lambda d: (-scores[d], d))
        position = np.full(n_docs, -1, dtype=np.int64)
        position[top] = np.arange(len(top))
        matched: list[dict[str, set[str]]] = [{} for _ in top]
        for f, t, off, df in used:
            docs = self._post_docs[off : off + df]
            want = only.get(t)
            for i in position[docs][position[docs] >= 0].tolist():
                if want is not None and self._doc_langs[top[i]] != want:
                    continue
                matched[i].setdefault(f, set()).add(t)
        return [Posting(self._keys[d], *split_key(self._keys[d]), float(scores[d]), matched[i]) for i, d in enumerate(top)]

    def _key(self, docnum: int) -> str:
        return self._keys[docnum]

    def lookup(self, field: str, term: str) -> list[tuple[str, str, str]]:
        """Every (advisory, case, lang) whose ``field`` holds ``term`` exactly."""
        if not self.exists(field, term):
            return []
        docnums = self._whoosh(lambda: list(self._searcher.docs_for_query(Term(field, term))))
        return [split_key(self._key(docnum)) for docnum in docnums]

    def stored(self, advisory: str, case: str, lang: str) -> dict | None:
        def read() -> dict | None:
            docnum = self._searcher.document_number(key=f"{advisory}#{case}@{lang}")
            return None if docnum is None else self._reader.stored_fields(docnum)

        return self._whoosh(read)
