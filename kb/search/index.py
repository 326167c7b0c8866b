"""The on-disk index: Whoosh, and the only module that imports it.

Stage 3. Documents arrive already analyzed (``kb.search.documents``), so every Whoosh field uses a plain
space tokenizer over our own terms: the same pipeline runs at index and at query time, and the
pickled schema holds nothing but Whoosh's own classes.

Layout of an index folder (``index/`` by default)::

    index/current -> build-20261122T040000-ab12    (symlink, swapped atomically)
    index/build-.../whoosh/                         (Whoosh segment files: the index of record, and what an incremental build extends)
    index/build-.../stored.*                        (each document's title and texts, for evidence: zlib-compressed JSON)
    index/build-.../postings.bin                    (every posting of every field: document, BM25F weight, tf)
    index/build-.../terms.*, termtab.npy, termhash.npy  (every term: where its postings are; a hash table)
    index/build-.../docs.*, doclangs.npy, lengths.bin   (document keys, languages, field lengths)
    index/build-.../templates.json                  (message templates and their keys)
    index/build-.../aliases.json                    (the query-time aliases, kb.text.synonyms.table(), as analyzed by this build)
    index/build-.../sources.json                    (what each advisory folder looked like: for the next build)
    index/build-.../content-state.bin               (the content files' sizes and mtimes as built from: for the staleness check)
    index/build-.../manifest.json                   (what was built from which content files)

A build writes a new ``build-*`` folder and then replaces the ``current`` symlink with one
``os.replace``: searches running meanwhile keep their open build; a failed build leaves
``current`` untouched. Builds are serialized by the folder's writer lock (:mod:`kb.storage`), the
folder carries a ``.kb-index`` marker (kb replaces no folder without it), and an old build is
removed only when no open :class:`Index` pins it. Folders left by a killed build are removed by
the next build.

**Incremental builds.** A build may start from the previous one (:class:`Part` with ``docs=None``:
"this advisory is as it was"): the previous Whoosh segments are linked into the new folder and only
the changed, added and removed advisories' documents are deleted and added; the postings of the
unchanged documents are taken from the previous ``postings.bin`` and every BM25F weight is computed
again (the average field lengths change). Documents are numbered the same way either way (advisories
in order, then their documents), so an incremental build answers exactly as a full one.

Reading never writes: :class:`Index` opens files read-only, so a read-only index serves searches.
A search reads only kb's own mapped files (postings, term table, stored documents); Whoosh is
imported and opened only for what they do not hold (a lookup in a field without a term table), so
a new process answers without paying for it. Whoosh's reader is not safe for concurrent use, so
each :class:`Index` serializes its calls into Whoosh with a lock; one :class:`Index` may be shared
by threads.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
import shutil
import struct
import threading
import time
import uuid
import zlib
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, pairwise
from pathlib import Path
from typing import Any, overload

from ..content.model import LANGS
from ..spec import BM25_B, BM25_K1, FIELD_BOOSTS, LOOKUP_FIELDS  # BM25F field weights and parameters (kb.spec: shared with the browser)
from ..storage import INDEX_MARKER, claim_folder, pin, unpinned, writer_lock
from ..text.synonyms import table as alias_table
from ..text.templates import TemplateEntry, WordingKeys
from .documents import SearchDoc
from .layout import FORMAT, MANIFEST, SOURCES, IndexUnavailable, current_build, read_manifest
from .tables import BlobWriter, ColumnsFile, FileBytes, Strings, TermTable, crc32, mapped, write_strings
from .template_table import Entries, SplitStrings, TemplateRows, Templates, template_row, write_templates

MARKER = INDEX_MARKER
ALIASES = "aliases.json"

_TOKEN = re.compile(r"[^ \t\r\n]+")
"""The terms Whoosh indexes from a field's text (``SpaceSeparatedTokenizer``): postings are counted
from the same tokens."""


def _schema() -> Any:
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.fields import ID, STORED, TEXT, Schema

    terms = SpaceSeparatedTokenizer()
    fields = {name: TEXT(analyzer=terms, field_boost=boost, phrase=False) for name, boost in FIELD_BOOSTS.items()}
    fields.update({name: TEXT(analyzer=terms, phrase=False) for name in LOOKUP_FIELDS})
    return Schema(key=ID(stored=True, unique=True, sortable=True), title_text=STORED, texts=STORED, **fields)


def _indexed() -> tuple[str, ...]:
    """Every field with postings: the scored ones first (their order is that of ``lengths.bin``)."""
    return (*FIELD_BOOSTS, *LOOKUP_FIELDS)


def _counted_writer(ix: Any, **options: Any) -> Any:
    """A Whoosh writer for ``ix`` that also takes documents whose terms kb has counted already:
    :meth:`add_counted` (see :func:`_counted_writer_class`)."""
    return _counted_writer_class()(ix, **options)


@lru_cache(maxsize=1)
def _counted_writer_class() -> type:
    """Whoosh's ``SegmentWriter`` (whoosh-reloaded 2.7.5, pinned) with ``add_counted``: a document
    given as its stored values and, per indexed field, its terms' counts, as kb has them from the
    analysis. ``add_document`` would tokenize the field texts again, send every posting through an
    external sort (each one pickled to a temporary file and back) and look up each posting's field
    length when the segment is written: about half of a full build's CPU time. Here the postings
    stay in flat arrays, are put in Whoosh's order (field name, term bytes, document) with one
    sort, and are handed to Whoosh's own field writer with the lengths known already (it stores
    them quantized, as the lengths ``add_document`` reads back are). When Whoosh merges small
    segments into the new one, their postings (in Whoosh's pool) join the stream. The segment is
    the one ``add_document`` writes from the same texts, byte for byte (``tests/test_whoosh_segment.py``;
    ``tests/test_incremental.py`` checks Whoosh's postings against kb's tables build after build).
    Documents may be added either way, not both in one writer."""
    from whoosh.formats import Existence, Frequency
    from whoosh.system import pack_uint
    from whoosh.writing import SegmentWriter

    class CountedSegmentWriter(SegmentWriter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._vocab: dict[str, dict[str, int]] = {}  # field -> term -> term number
            self._terms: list[tuple[str, str]] = []  # (field, term) of each term number
            self._tids, self._counts = array("i"), array("I")  # one entry per posting
            self._docs = _Runs()  # each posting's document (a document's postings come together)
            self._lengths: dict[str, array] = {}  # scored field -> each document's length (0: none)
            self._counted = False  # documents came through add_counted

        def add_counted(self, stored: dict[str, Any], counts: dict[str, dict[str, int]]) -> None:
            """One document: ``stored`` holds the values of the stored fields, ``counts`` each
            indexed field's terms and how often each occurs (every indexed field of the schema)."""
            self._check_state()
            schema, docnum, perdoc = self.schema, self.docnum, self.perdocwriter
            perdoc.start_doc(docnum)
            for name in sorted({*stored, *counts}):
                field = schema[name]
                length = 0
                if field.indexed:
                    vocab = self._vocab.setdefault(name, {})
                    fmt = field.format
                    if not isinstance(fmt, (Existence, Frequency)):
                        raise TypeError(f"add_counted writes Existence and Frequency postings, not {type(fmt).__name__} ({name})")
                    terms = counts[name]
                    for term in terms:
                        if term not in vocab:  # (numbered in the order met)
                            vocab[term] = len(self._terms)
                            self._terms.append((name, term))
                    self._tids.extend(map(vocab.__getitem__, terms))  # (whole arrays, not an append per posting)
                    if isinstance(fmt, Existence):  # (a term counts once, whatever its count)
                        self._counts.extend([1] * len(terms))
                        length = len(terms)
                    else:
                        self._counts.extend(terms.values())
                        length = sum(terms.values())
                    if field.scorable:
                        lengths = self._lengths.setdefault(name, array("I"))
                        lengths.extend([0] * (docnum + 1 - len(lengths)))
                        lengths[docnum] = length
                    else:
                        length = 0
                value = stored.get(name)
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type and value is not None:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
            perdoc.finish_doc()
            self._docs.end(docnum, len(self._tids))
            self._added = self._counted = True
            self.docnum += 1

        def add_document(self, **fields: Any) -> None:
            if self._counted:
                raise RuntimeError("documents are added with add_counted or add_document, not both")
            super().add_document(**fields)

        def _flush_segment(self) -> None:
            if not self._counted:
                super()._flush_segment()
                return
            try:
                self._write_counted()
            finally:  # (the writer is done: all it gathered is let go before the rest of the build is written)
                self._vocab, self._terms, self._lengths = {}, [], {}
                self._let_go_postings()

        def _let_go_postings(self) -> None:
            self._tids, self._counts, self._docs = array("i"), array("I"), _Runs()

        def _write_counted(self) -> None:
            self.perdocwriter.close()
            fw = self.fieldwriter
            if self.pool.fieldnames:
                # Whoosh merged small segments into this one (``add_reader``): their documents come
                # after the counted ones, their postings are in Whoosh's pool. Both streams, in
                # Whoosh's order, go through Whoosh's own ``add_postings``.
                reader = self.per_document_reader() if self.codec.length_stats else None
                ours = (
                    (name, btext, doc, weight, value)
                    for name, field, btext, docs, counts in self._in_order()
                    for doc, (weight, value) in zip(docs, map(_posting_value(field), counts))
                )
                fw.add_postings(self.schema, reader, heapq.merge(ours, self.pool.iter_postings(), key=lambda p: p[:3]))
                fw.close()
                if reader is not None:
                    reader.close()
                return
            current = None
            for name, field, btext, docs, counts in self._in_order():
                if name != current:
                    if current is not None:
                        fw.finish_field()
                    current, value_of, lengths = name, _posting_value(field), self._lengths.get(name, array("I"))
                    fw.start_field(name, field)
                fw.start_term(btext)
                for doc, (weight, value) in zip(docs, map(value_of, counts)):
                    fw.add(doc, weight, value, lengths[doc] if doc < len(lengths) else 0)
                fw.finish_term()
            if current is not None:
                fw.finish_field()
            fw.close()

        def _in_order(self) -> Iterator[tuple[str, Any, bytes, list[int], list[int]]]:
            """(field name, field, term as UTF-8, its documents ascending, their counts), in
            Whoosh's order: field name, then term (UTF-8 bytes sort as the code points do)."""
            import numpy as np

            terms, schema = self._terms, self.schema
            by_term = sorted(range(len(terms)), key=terms.__getitem__)
            (docs, counts), per_term = _grouped(  # (stable: a term's documents stay ascending)
                np.frombuffer(self._tids, dtype=np.int32), by_term, [self._docs, np.frombuffer(self._counts, dtype=np.uint32)]
            )
            self._let_go_postings()  # (sorted: the arrays they came in can go)
            at = 0
            for t, end in zip(by_term, np.cumsum(per_term).tolist()):
                name, term = terms[t]
                yield name, schema[name], term.encode("utf-8"), docs[at:end].tolist(), counts[at:end].tolist()
                at = end

    def _posting_value(field: Any) -> Callable[[int], tuple[float, bytes]]:
        """A posting's weight and value from its count, as ``Format.word_values`` makes them (and
        ``add_document`` passes them on) for ``field``."""
        fmt = field.format
        if isinstance(fmt, Frequency):
            return lambda n: (n * fmt.field_boost, pack_uint(n))
        return lambda n: (fmt.field_boost, b"")

    return CountedSegmentWriter


class _Scratch(threading.local):
    """Arrays a thread reuses from search to search. A long paste lays a million or more postings
    end to end; fresh arrays that size cost more in page faults than the work that fills them
    (measured: 12 ms against 8 ms for 1.5M postings)."""

    def __init__(self) -> None:
        self._arrays: dict[str, Any] = {}

    def array(self, name: str, n: int, dtype: Any) -> Any:
        """An array of ``n`` items (uninitialized) that stays this thread's until its next call with ``name``."""
        import numpy as np

        a = self._arrays.get(name)
        if a is None or len(a) < n:
            a = self._arrays[name] = np.empty(n + n // 4, dtype)  # (room to grow a little)
        return a[:n]


POSTINGS_PER_PASS = 1 << 16
"""The fewest postings :func:`_sum_postings` lays end to end at once (:func:`_pass_size`: more in a
large index); its reused arrays hold a pass (~1 MB at this size), whatever the query. Without a bound they grew to the longest paste
so far and stayed that large (~100 MB at 30,000 advisories after ordinary pastes, more after a
megabyte); at 1 << 20 (~17 MB) a query process's resident memory was 15 MB more after 800 queries
at 10,000 advisories, with the same latency; 1 << 18 -> 1 << 16: ~3 MB less (A/B, interleaved); at
1 << 14 the multi-line pastes took 2-3 ms more."""

PASS_PER_DOCUMENT = 4
"""A pass holds at least this many postings per document of the index (:func:`_pass_size`). Each
pass after the first lays every document's sum so far ahead of its postings: with passes of 1 << 16
postings the 20 slowest pastes at 30,000 advisories (110,000 documents, ~1.5M postings each) summed
the sums of every document again in each of ~25 passes, more than their postings: 47-52 ms for
their word overlap, 33-37 ms with passes of ~4 documents' worth (at 10,000 advisories ~12 -> ~11
ms; harness on the bench's indexes, interleaved). The arrays are ~17 bytes a posting: ~2.5 MB at
10,000 advisories, ~7.5 MB at 30,000."""


def _pass_size(n_docs: int) -> int:
    """Postings summed at once in an index of ``n_docs`` documents: :data:`POSTINGS_PER_PASS` or
    :data:`PASS_PER_DOCUMENT` per document, whichever is more."""
    return max(POSTINGS_PER_PASS, PASS_PER_DOCUMENT * n_docs)


Pass = list[tuple[int, Any, Any, float]]
"""Postings summed at once: (term number, documents, weights, idf) of each term, or of its part in the pass."""


def _passes(parts: list[tuple[Any, Any, float]], size: int) -> list[Pass]:
    """``parts`` ((documents, weights, idf) per term) cut, in order, into passes of at most ``size``
    postings: each pass a list of (term number, documents, weights, idf), a term's postings split
    where a pass fills up (a term that fits whole is not sliced)."""
    out: list[Pass] = [[]]
    room = size
    for u, (docs, w, idf) in enumerate(parts):
        i = 0
        while i < len(docs):
            n = min(room, len(docs) - i)
            out[-1].append((u, docs, w, idf) if n == len(docs) else (u, docs[i : i + n], w[i : i + n], idf))
            i, room = i + n, room - n
            if room == 0:
                out.append([])
                room = size
    return [p for p in out if p]


def _sum_postings(passes: list[Pass], n_docs: int, scratch: _Scratch) -> tuple[Any, Any]:
    """Each document's score: the sum, term after term, of ``idf * weight`` over the postings of
    ``passes`` (:func:`_passes` of each term's documents, weights and idf). A pass's postings are
    laid end to end and summed by ``bincount``, which adds a document's contributions in that
    order: the same float additions as one term at a time (``scores[docs] += idf * w``), a few
    times faster. Each pass after the first starts with the sums so far, one per document ahead of
    its postings, so that every document's sum still takes the same additions in the same order.
    Returns the scores and the documents laid end to end (term after term; in ``scratch``), or
    None for them when there was more than one pass."""
    import numpy as np

    passes = passes or [[]]
    head = n_docs if len(passes) > 1 else 0
    size = head + sum(len(docs) for _u, docs, _w, _idf in passes[0])
    laid = scratch.array("docs", size, np.intp)
    weights = scratch.array("weights", size, np.float64)
    laid[:head] = np.arange(head)
    weights[:head] = 0.0  # (0.0 + x is x: the first pass's sums are those of its postings alone)
    for pieces in passes:
        at = head
        for _u, docs, w, idf in pieces:
            n = len(docs)
            laid[at : at + n] = docs
            np.multiply(w, idf, out=weights[at : at + n])  # (in float32, as ``idf * w`` is, then widened)
            at += n
        scores = np.bincount(laid[:at], weights=weights[:at], minlength=n_docs)
        if head:
            weights[:head] = scores  # (where the next pass starts from)
    return scores, (laid if len(passes) == 1 else None)


def _matched_terms(top: list[int], all_docs: Any, passes: list[Pass], terms: list[tuple[str, str]], n_docs: int, scratch: _Scratch) -> MatchedTerms:
    """Which document of ``top`` has which term (``terms``: those numbered in ``passes``, in order; a
    translation's already limited to its language): the postings as :func:`_sum_postings` laid
    them end to end, looked up once for all terms; when it summed in passes (``all_docs`` is
    None), laid again and looked up a pass's worth at a time (one term at a time took twice as
    long on the longest pastes at 10,000 advisories)."""
    import numpy as np

    chosen = np.zeros(max(n_docs, 1), dtype=bool)  # (a lookup table small enough for the fastest caches)
    chosen[top] = True
    row_of = np.zeros(max(n_docs, 1), dtype=np.intp)
    row_of[top] = np.arange(len(top))
    has = np.zeros((len(top), len(terms)), dtype=bool)
    for pieces in passes:
        term_of = np.array([u for u, _d, _w, _idf in pieces], dtype=np.intp)
        ends = np.cumsum([len(docs) for _u, docs, _w, _idf in pieces])
        laid = all_docs
        if laid is None:  # (summed in passes: laid end to end again, a pass's worth)
            laid = scratch.array("docs", int(ends[-1]), np.intp)
            at = 0
            for _u, docs, _w, _idf in pieces:
                laid[at : at + len(docs)] = docs
                at += len(docs)
        found = np.flatnonzero(np.take(chosen, laid, out=scratch.array("chosen", len(laid), bool)))
        has[row_of[laid[found]], term_of[np.searchsorted(ends, found, side="right")]] = True
    return MatchedTerms(has, terms)


def _legacy_index(folder: Path) -> bool:
    """An index folder written by kb before folders carried a marker."""
    names = [p.name for p in folder.iterdir()]
    return "current" in names and all(n in ("current", "previous") or n.startswith(("build-", ".current-")) for n in names)


class MatchedTerms:
    """Which of a search's scored terms each of its best documents has: ``has[i, u]`` is true when
    document ``i`` (in the order of the postings returned) has ``terms[u]`` ((field, term), field
    after field). Read as sets only for the documents that need them (:attr:`Posting.matched`)."""

    def __init__(self, has: Any, terms: list[tuple[str, str]]):
        self.has, self.terms = has, terms

    def of(self, i: int) -> dict[str, set[str]]:
        """Field -> the terms document ``i`` has (fields in the order of :attr:`terms`)."""
        out: dict[str, set[str]] = {}
        for f, t in compress(self.terms, self.has[i].tolist()):
            out.setdefault(f, set()).add(t)
        return out


@dataclass
class Posting:
    key: str
    advisory: str
    case: str
    lang: str
    score: float
    table: MatchedTerms  # the terms this document has: row ``row``
    row: int

    @property
    def matched(self) -> dict[str, set[str]]:
        """Field -> the query terms this document has (made on each call)."""
        return self.table.of(self.row)


class Postings(Sequence[Posting]):
    """The best documents of one search, best first, as :meth:`Index.search` returns them: their
    ``keys`` and ``scores`` and which of the query's terms each has (``table``, a row each). A
    :class:`Posting` is made only for a document asked for: a search scores up to
    ``spec.BM25_DEPTH`` documents and shows a few."""

    def __init__(self, keys: list[str], scores: list[float], table: MatchedTerms | None):
        self.keys, self.scores, self.table = keys, scores, table

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> Posting: ...
    @overload
    def __getitem__(self, i: slice) -> list[Posting]: ...
    def __getitem__(self, i: int | slice) -> Posting | list[Posting]:
        if isinstance(i, slice):
            return [self[k] for k in range(len(self))[i]]
        key = self.keys[i]
        assert self.table is not None  # (there is a table whenever there are documents)
        return Posting(key, *split_key(key), self.scores[i], self.table, range(len(self))[i])


@dataclass
class Part:
    """One advisory's share of a build, in the build's order (advisory ids ascending).

    ``docs`` and ``templates`` are its documents (in :func:`kb.search.documents.documents` order) and message
    templates, freshly analyzed; ``None`` takes them from the build the new one starts from."""

    advisory: str
    docs: Iterable[SearchDoc] | None = None
    templates: list[TemplateEntry] | None = None


def build(
    parts: Iterable[Part],
    root: Path,
    manifest: dict,
    progress: Callable[[int], None] | None = None,
    *,
    previous: Index | None = None,
    sources: dict | None = None,
    records: dict[str, bytes] | None = None,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
    protect: tuple[Path, ...] = (),
) -> Path:
    """Write a complete new build under ``root`` and make it current. Returns the build folder.

    With ``previous`` (an open build of the same format), parts without documents are taken from it;
    without, every part must bring its documents. ``sources`` is stored as ``sources.json`` (what the
    caller needs to know next time), and each of ``records`` (file name -> bytes) as it is. Holds
    ``root``'s writer lock throughout (``wait``/``notify`` as in :func:`kb.storage.writer_lock`);
    ``protect`` names folders ``root`` must not overlap (the content)."""
    root = claim_folder(root, MARKER, "index", legacy=_legacy_index, protect=protect)
    with writer_lock(root, wait=wait, notify=notify):
        _remove_leftovers(root)
        build_dir = root / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        try:
            _write_build(build_dir, parts, manifest, progress, previous, sources or {}, records or {})
            _swap(root, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _prune(root, keep={build_dir.name, _previous_name(root)})
    return build_dir


class _Gather:
    """The new build's documents, numbered in order, with their field lengths and postings.

    Fresh documents' postings are counted here (``tids``/``docs``/``tf``: flat arrays, one entry per
    posting); a reused advisory's documents keep their postings in the previous build's arrays and
    are only renumbered (``old_to_new``)."""

    def __init__(self, previous: _Previous | None, stored: BlobWriter):
        self.fields = _indexed()
        self.boosts = [float(FIELD_BOOSTS.get(f, 1.0)) for f in self.fields]
        self.n_scored = len(FIELD_BOOSTS)
        self.previous = previous
        self.base = previous.n_postings if previous else 0  # new terms are numbered from here (old ones by their offset)
        self.vocab: list[dict[str, int]] = [{} for _ in self.fields]  # per field: term -> its place in ``term_ids``
        self.new_terms: list[tuple[int, str]] = []  # (field, term) of term base + i
        self.term_ids = array("i")  # the term id of each term met, in the order met (postings name them by this order: ``tids``)
        self.tids, self.tf = array("i"), array("f")  # one entry per posting; array("f"): float32, as Whoosh stores weights
        self.docs = _Runs()  # each fresh posting's document (a document's postings come together)
        self.keys: list[str] = []
        self.stored = stored  # each document's title and texts, in document order
        self.lengths = array("I")  # fresh documents: raw lengths of the scored fields
        self.length_rows: list[tuple[int, int, int]] = []  # (new first doc, old first doc or -1, count): where each run of rows comes from
        self.templates = TemplateRows(previous.template_files if previous else None)
        self.old_to_new = None
        self._run: tuple[int, int] | None = None  # (first, count): the previous build's documents to take next, in one piece
        self.checksums: dict[str, int] = {}  # file -> CRC-32, of the large files written (:meth:`write`)
        if previous is not None:
            import numpy as np

            self.old_to_new = np.full(len(previous.keys), -1, dtype=np.int32)

    def add(self, d: SearchDoc, field_counts: dict[str, Counter[str]]) -> None:
        """A fresh document; ``field_counts``: its terms and their counts, field by field (:func:`_term_counts`)."""
        self._take_run()
        doc = len(self.keys)
        self.keys.append(d.key)
        self.stored.add(stored_blob(d.title, d.texts))
        self.length_rows.append((doc, -1, 1))
        self.lengths.extend(len(d.terms.get(name, ())) for name in FIELD_BOOSTS)
        old = self.previous.lookup if self.previous else None
        for f, name in enumerate(self.fields):
            counts = field_counts[name]
            if not counts:
                continue
            vocab, boost = self.vocab[f], self.boosts[f]
            for term in counts:
                if term not in vocab:  # (numbered in the order met)
                    entry = old(name, term) if old else None
                    if entry is not None:
                        tid = entry[0]
                    else:
                        tid = self.base + len(self.new_terms)
                        self.new_terms.append((f, term))
                    vocab[term] = len(self.term_ids)
                    self.term_ids.append(tid)
            self.tids.extend(map(vocab.__getitem__, counts))
            self.tf.extend([count * boost for count in counts.values()])
        self.docs.end(doc, len(self.tids))

    def reuse(self, advisory: str) -> None:
        """The previous build's documents of ``advisory``, renumbered (taken with the advisories
        next to it in the previous build, when they are reused too)."""
        assert self.previous is not None
        first, count = self.previous.ranges[advisory]
        if self._run is not None and sum(self._run) == first:
            self._run = (self._run[0], self._run[1] + count)
        else:
            self._take_run()
            self._run = (first, count)
        self.templates.reuse(advisory)

    def _take_run(self) -> None:
        if self._run is None:
            return
        import numpy as np

        assert self.previous is not None and self.old_to_new is not None
        (first, count), self._run = self._run, None
        doc = len(self.keys)
        self.keys.extend(self.previous.keys[first : first + count])
        self.stored.copy(self.previous.index._stored, first, count)
        self.old_to_new[first : first + count] = np.arange(doc, doc + count, dtype=np.int32)
        self.length_rows.append((doc, first, count))

    def write(self, build_dir: Path) -> int:
        """Write the postings, the term table, the document keys and languages and the field lengths;
        returns the number of documents."""
        import numpy as np

        self._take_run()
        self.stored.close()
        advisories = [k.partition("#")[0] for k in self.keys]
        if any(a > b for a, b in pairwise(advisories)):
            raise ValueError("advisories must come in id order, each with its documents together (Index looks them up by halving)")
        lengths = self._lengths()
        path = build_dir / "postings.bin"
        out, term_ids, df = self._postings(path) if self.previous is None else self._merged_postings(path)
        try:
            rows, terms, term_lengths = self._term_rows(term_ids, df)
            averages = [t / max(len(self.keys), 1) for t in lengths.sum(axis=0, dtype=np.uint64).tolist()]
            _weights(out["docs"], out["tf"], np.repeat(rows["field"], df), lengths, averages, out["weights"])
            n_postings = len(out["docs"])
        finally:
            self.checksums = {"postings.bin": out.close(), self.stored.blob.path.name: self.stored.blob.crc}
        TermTable.write(build_dir, rows, terms, term_lengths)
        meta = {"postings": n_postings, "scored": list(self.fields[: self.n_scored]), "fields": list(self.fields), "langs": list(LANGS)}
        (build_dir / "terms.json").write_text(json.dumps(meta), "utf-8")
        write_strings(build_dir / "docs", self.keys)
        np.save(build_dir / "doclangs.npy", self._language_rows(advisories))
        (build_dir / "lengths.bin").write_bytes(lengths.tobytes() + np.asarray(averages, dtype=np.float64).tobytes())
        return len(self.keys)

    def _lengths(self) -> Any:
        """Every document's raw field lengths (a row per document, a column per scored field): the
        fresh documents' and runs of the previous build's rows."""
        import numpy as np

        n_scored = self.n_scored
        fresh = np.frombuffer(self.lengths, dtype=np.uint32).reshape(-1, n_scored) if len(self.lengths) else np.zeros((0, n_scored), np.uint32)
        lengths = np.zeros((len(self.keys), n_scored), dtype=np.uint32)
        k = 0
        for doc, old_first, count in self.length_rows:
            if old_first < 0:
                lengths[doc : doc + count] = fresh[k : k + count]
                k += count
            else:
                assert self.previous is not None
                lengths[doc : doc + count] = self.previous.lengths[old_first : old_first + count]
        return lengths

    def _language_rows(self, advisories: list[str]) -> Any:
        """:func:`_doc_langs` of every document: the previous build's rows for the runs taken from it,
        computed for each span of fresh documents (an advisory's documents are all fresh or all
        taken, and a row depends only on its advisory's documents)."""
        import numpy as np

        if self.previous is None:
            return _doc_langs(self.keys, advisories)
        index = self.previous.index
        out = np.zeros((2, len(self.keys)), dtype=np.uint8)
        fresh_from = None  # the first document of the span of fresh ones being gathered
        for doc, old_first, count in [*self.length_rows, (len(self.keys), 0, 0)]:
            if old_first < 0:
                fresh_from = doc if fresh_from is None else fresh_from
                continue
            if fresh_from is not None:
                out[:, fresh_from:doc] = _doc_langs(self.keys[fresh_from:doc], advisories[fresh_from:doc])
                fresh_from = None
            out[0, doc : doc + count] = index._doc_langs[old_first : old_first + count]
            out[1, doc : doc + count] = index._twin_bits[old_first : old_first + count]
        return out

    def _fresh(self) -> tuple[Any, Any, Any, Any]:
        """The fresh postings sorted by term id, then document: the term ids in order, each one's
        number of postings, the documents and the tfs. The arrays they were gathered in are let go."""
        import numpy as np

        term_ids = np.frombuffer(self.term_ids, dtype=np.int32)
        by_id = np.argsort(term_ids)  # (each id is met once: one per field and term, the previous build's or a new one)
        (docs, tf), df = _grouped(  # (documents were added in ascending order: they stay so within a term)
            np.frombuffer(self.tids, dtype=np.int32), by_id, [self.docs, np.frombuffer(self.tf, dtype=np.float32)]
        )
        self.tids, self.tf, self.docs = array("i"), array("f"), _Runs()
        return term_ids[by_id], df, docs, tf

    def _postings(self, path: Path) -> tuple[ColumnsFile, Any, Any]:
        """Every posting, by term then document, in a new ``postings.bin`` (:func:`_postings_file`:
        its documents and tfs filled in); the term id of each term, its document frequency."""
        term_ids, df, docs, tf = self._fresh()
        out = _postings_file(path, len(docs))
        out["docs"][:] = docs
        out["tf"][:] = tf
        return out, term_ids, df

    def _merged_postings(self, path: Path) -> tuple[ColumnsFile, Any, Any]:
        """What :meth:`_postings` returns, for a build that starts from a previous one: its postings
        renumbered (without the documents that left), the fresh ones inserted where they belong
        (documents keep their order: advisories come in id order in both builds). A term the
        previous build has keeps its id (the offset of its postings there); the new terms come
        after all of them, in the order of their ids, as a sort by term id would put them."""
        import numpy as np

        p = self.previous
        o2n = self.old_to_new
        assert p is not None and o2n is not None
        n_old = len(p.post_docs)
        term_off, old_df = p.term_rows["off"].astype(np.int64), p.term_rows["df"].astype(np.int64)
        gone = _gone_postings(p.post_docs, o2n)  # the postings of the documents that left
        kept_df = old_df - np.bincount(np.searchsorted(term_off, gone, side="right") - 1, minlength=len(term_off)) if len(gone) else old_df
        ids, per_id, docs, tf = self._fresh()
        tids = np.repeat(ids, per_id)
        known = tids < self.base
        # Where each fresh posting goes, as a place among the previous postings: before the first
        # posting of its term whose document comes after it in the new numbering. Kept documents keep
        # their order, so that is the first whose previous number is at least ``below``: the number
        # of previous documents numbered below the fresh one (a document that left counts as the
        # kept one before it, ``filled``; a gone posting's place is never chosen but dropped). Fresh
        # postings of new terms go after all others.
        row = np.searchsorted(term_off, tids[known])
        filled = np.maximum.accumulate(o2n) if len(o2n) else o2n
        below = np.searchsorted(filled, docs[known], side="left")
        at = np.full(len(tids), n_old, dtype=np.int64)
        bounds = np.flatnonzero(np.diff(row, prepend=-1)).tolist() + [len(row)]
        for a, b in pairwise(bounds):
            r = int(row[a])
            first = int(term_off[r])
            at[a:b] = first + np.searchsorted(p.post_docs[first : first + int(old_df[r])], below[a:b], side="left")
        # One pass per column, into the new file (no whole-array temporaries: fresh pages cost more than the copying).
        out = _postings_file(path, n_old - len(gone) + len(tids))
        _spliced(p.post_tf, gone, at, tf, out["tf"])
        _spliced(p.post_docs, gone, at, np.zeros(len(tids), np.int32), out["docs"])
        kept = np.flatnonzero(o2n >= 0)
        if not np.array_equal(o2n[kept], kept):  # (kept documents whose numbers changed: renumber; a fresh posting's place holds 0 until filled in)
            _renumber(out["docs"], o2n)
        out["docs"][at - np.searchsorted(gone, at, side="left") + np.arange(len(at))] = docs
        df = kept_df + np.bincount(row, minlength=len(term_off))
        new_tids = tids[~known]
        starts = np.flatnonzero(np.diff(new_tids, prepend=-1)) if len(new_tids) else np.zeros(0, np.int64)
        alive = df > 0  # (a term whose documents all left is gone)
        term_ids = np.concatenate([term_off[alive], new_tids[starts]])
        return out, term_ids, np.concatenate([df[alive], np.diff(np.append(starts, len(new_tids)))])

    def _term_rows(self, term_ids: Any, df: Any) -> tuple[Any, bytes, Any]:
        """The term table's rows (:attr:`TermTable.ROW`), the terms one after the other, and their
        lengths, for terms known by their ids (in postings order) and their document frequencies."""
        import numpy as np

        rows = np.zeros(len(term_ids), dtype=TermTable.ROW)
        rows["df"] = df
        rows["off"] = np.cumsum(df) - df
        known = term_ids < self.base
        n_known = int(known.sum())  # (the known terms come first)
        blob = b""
        known_lengths = np.zeros(0, np.int64)
        if n_known:
            p = self.previous
            assert p is not None
            old_rows = np.searchsorted(p.term_rows["off"].astype(np.int64), term_ids[:n_known])
            rows["field"][:n_known] = p.term_rows["field"][old_rows]
            rows["hash"][:n_known] = p.term_rows["hash"][old_rows]
            old_lengths = p.index._table.terms.lengths().astype(np.int64)
            known_lengths = old_lengths[old_rows]
            raw = np.frombuffer(p.index._table.terms.raw_range(0, len(old_lengths)), dtype=np.uint8)
            if n_known == len(old_lengths):
                blob = raw.tobytes()
            else:
                wanted = np.zeros(len(old_lengths), dtype=bool)
                wanted[old_rows] = True
                blob = raw[np.repeat(wanted, old_lengths)].tobytes()
        fresh = [self.new_terms[t - self.base] for t in term_ids[n_known:].tolist()]
        encoded = [term.encode("utf-8", "surrogatepass") for _f, term in fresh]
        rows["field"][n_known:] = [f for f, _t in fresh]
        rows["hash"][n_known:] = [TermTable.hash(f, b) for (f, _t), b in zip(fresh, encoded)]
        lengths = np.concatenate([known_lengths, np.array([len(b) for b in encoded], dtype=np.int64)])
        return rows, blob + b"".join(encoded), lengths


_BLOCK = 1 << 18  # postings per block of a pass over all of them (temporaries of a few MB, reused)

_SPLICE_BY_RUNS = 20_000
"""Up to this many postings removed and inserted, :func:`_spliced` copies the runs between them (a
few copies of memory); beyond, it goes by masks."""


class _Runs:
    """A column of postings given as runs: ``values[i]`` for each of the next ``lengths[i]`` postings
    (a document's number, for its postings, which come together). Gathered as the postings come
    (:meth:`end`), then sliced: a slice lays out that block of postings. Whole, the column would
    take 4 bytes a posting (at 30,000 advisories, ~100 MB in each of the two places a build
    gathers postings)."""

    def __init__(self, values: array | None = None, lengths: array | None = None):
        self.values = array("I") if values is None else values
        self.lengths = array("I") if lengths is None else lengths
        self.total = sum(self.lengths)  # postings so far
        self._bounds: tuple[Any, Any, Any] | None = None  # (values, ends, starts) as numpy arrays, once sliced

    def end(self, value: int, total: int) -> None:
        """The postings up to ``total`` (those since the last run ended) have ``value``; nothing when there are none."""
        if total > self.total:
            self.values.append(value)
            self.lengths.append(total - self.total)
            self.total = total

    @property
    def dtype(self) -> Any:
        import numpy as np

        return np.dtype(np.uint32)

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, block: slice) -> Any:
        import numpy as np

        if self._bounds is None:
            lengths = np.frombuffer(self.lengths, dtype=np.uint32)
            ends = np.cumsum(lengths, dtype=np.int64)
            self._bounds = (np.frombuffer(self.values, dtype=np.uint32), ends, ends - lengths)
        values, ends, starts = self._bounds
        a, b = block.start, min(block.stop, self.total)
        if a >= b:
            return values[:0]
        first, last = np.searchsorted(ends, [a, b - 1], side="right").tolist()  # the runs that hold postings a .. b-1
        runs = slice(first, last + 1)
        return np.repeat(values[runs], np.minimum(ends[runs], b) - np.maximum(starts[runs], a))


def _grouped(numbers: Any, order: Sequence[int] | Any, columns: Sequence[Any]) -> tuple[list[Any], Any]:
    """``columns`` (one entry per posting) put in the order of their postings' numbers as ``order``
    lists the numbers (a permutation of them), postings of one number kept in the order they came
    (a stable sort); and how many postings each number has, in that order. A counting sort, a
    block of ``_BLOCK`` postings at a time: besides the sorted columns it needs memory for a block
    and a slot per number, where ``argsort`` over all the postings needed 8 bytes a posting for the
    order and more for its workspace (at 30,000 advisories, 26 million postings: ~400 MB)."""
    import numpy as np

    n = len(numbers)
    rank = np.empty(len(order), dtype=np.int32)  # each number's place in ``order``
    rank[np.asarray(order, dtype=np.intp)] = np.arange(len(order), dtype=np.int32)
    per_rank = np.zeros(len(rank), dtype=np.int64)
    per_rank[rank] = np.bincount(numbers, minlength=len(rank))
    slot = np.cumsum(per_rank) - per_rank  # where each rank's next posting goes
    out = [np.empty(n, dtype=c.dtype) for c in columns]
    for a in range(0, n, _BLOCK):
        b = min(a + _BLOCK, n)
        keys = rank[numbers[a:b]]
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.diff(keys, prepend=-1))  # where each rank's run in the block starts
        runs = np.diff(np.append(starts, b - a))
        at = slot[keys] + (np.arange(b - a) - np.repeat(starts, runs))
        for c, o in zip(columns, out):
            o[at] = c[a:b][order]
        slot[keys[starts]] += runs
    return out, per_rank


def _intp_blocks(values: Any) -> Iterator[tuple[int, Any]]:
    """``values`` a block of ``_BLOCK`` at a time, each copied into one reused ``intp`` buffer: (where
    the block starts, the buffer's view). Indexing with it takes numpy's fast path (with uint32 or
    int32 arrays, its slow one: ~4x)."""
    import numpy as np

    at = np.empty(min(_BLOCK, len(values)), dtype=np.intp)
    for a in range(0, len(values), _BLOCK):
        k = min(len(values) - a, _BLOCK)
        np.copyto(at[:k], values[a : a + k])
        yield a, at[:k]


def _gone_postings(post_docs: Any, old_to_new: Any) -> Any:
    """The positions (ascending) of the postings whose document has no new number (-1)."""
    import numpy as np

    found = [hits + a for a, docs in _intp_blocks(post_docs) if len(hits := np.flatnonzero(old_to_new[docs] < 0))]
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _renumber(docs: Any, old_to_new: Any) -> None:
    """``docs[:] = old_to_new[docs]``, a block at a time."""
    import numpy as np

    for a, block in _intp_blocks(docs):
        np.take(old_to_new, block, out=docs[a : a + len(block)])


def _postings_file(path: Path, n: int) -> ColumnsFile:
    """A new ``postings.bin`` for ``n`` postings: documents (uint32 on disk: the numbers are below
    2**31, so the int32 column has the same bytes), weights and tfs (float32)."""
    import numpy as np

    return ColumnsFile(path, n, [("docs", np.int32), ("weights", np.float32), ("tf", np.float32)])


def _spliced(a: Any, gone: Any, at: Any, values: Any, out: Any) -> Any:
    """``a`` without the elements at ``gone`` (ascending positions), with ``values[i]`` inserted
    before ``a[at[i]]`` (``at`` ascending; ``len(a)``: at the end), values at the same place in their
    order: ``np.insert(np.delete(a, gone), ...)`` in one pass, with positions in ``a``, into ``out``
    (``len(a) - len(gone) + len(at)`` long). Returns ``out``."""
    import numpy as np

    assert len(out) == len(a) - len(gone) + len(at)
    dest = at - np.searchsorted(gone, at, side="left") + np.arange(len(at))  # where the values land
    if len(gone) + len(at) > _SPLICE_BY_RUNS:
        keep = np.ones(len(a), dtype=bool)
        keep[gone] = False
        rest = np.ones(len(out), dtype=bool)
        rest[dest] = False
        out[rest] = a[keep]
        out[dest] = values
        return out
    bounds = np.flatnonzero(np.diff(at, prepend=-1)).tolist() + [len(at)]  # runs of values with the same place
    places = [(int(at[i]), i, j) for i, j in pairwise(bounds)] + [(len(a), len(at), len(at))]
    removed = gone.tolist()
    src = dst = g = 0
    for place, i, j in places:
        while g < len(removed) and removed[g] < place:
            n = removed[g] - src
            out[dst : dst + n] = a[src : removed[g]]
            dst, src, g = dst + n, removed[g] + 1, g + 1
        n = place - src
        out[dst : dst + n] = a[src:place]
        dst, src = dst + n, place
        out[dst : dst + j - i] = values[i:j]
        dst += j - i
    return out


def _weights(docs: Any, tf: Any, post_field: Any, lengths: Any, averages: list[float], weights: Any) -> None:
    """Each posting's BM25F weight, ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``, with
    the document's field length as Whoosh quantizes it (float32); 0 in the fields not scored.
    Computed into ``weights`` a block of postings at a time (whole-array temporaries of a large
    build would each cost more in fresh pages than in arithmetic)."""
    import numpy as np

    n_docs, n_scored = lengths.shape
    quantized = _quantize(lengths)
    norm = np.ones((max(n_docs, 1), n_scored + 1), dtype=np.float64)  # the last column: fields not scored
    for f in range(n_scored):
        dl = quantized[:, f].astype(np.float64)
        norm[:n_docs, f] = BM25_K1 * ((1 - BM25_B) + BM25_B * dl / (averages[f] or 1.0))
    norm = norm.ravel()
    block = _BLOCK
    at, t, x = np.empty(block, np.int64), np.empty(block, np.float64), np.empty(block, np.float64)
    for a in range(0, len(docs), block):
        b = min(a + block, len(docs))
        k = b - a
        column = np.minimum(post_field[a:b], n_scored)
        np.multiply(docs[a:b], n_scored + 1, out=at[:k], dtype=np.int64)
        np.add(at[:k], column, out=at[:k])
        np.take(norm, at[:k], out=x[:k])  # the document's norm in the posting's field
        np.copyto(t[:k], tf[a:b])
        np.add(t[:k], x[:k], out=x[:k])
        np.multiply(t[:k], BM25_K1 + 1, out=t[:k])
        np.divide(t[:k], x[:k], out=t[:k])
        weights[a:b] = t[:k]
        weights[a:b][column == n_scored] = 0.0


def _doc_langs(keys: list[str], advisories: list[str]) -> Any:
    """``doclangs.npy``: each document's language (its number in LANGS; 255: another), and bit i
    set when the document is in another language than LANGS[i] and its advisory also has a document
    in LANGS[i] (a translation twin, left out of searches in that language)."""
    import numpy as np

    codes = {lang: i for i, lang in enumerate(LANGS)}
    langs = np.array([codes.get(k.rpartition("@")[2], 255) for k in keys], dtype=np.uint8)
    if not len(keys):
        return np.zeros((2, 0), np.uint8)
    bit = np.where(langs < len(LANGS), np.left_shift(1, np.minimum(langs, len(LANGS) - 1).astype(np.int64)), 0)
    first = np.flatnonzero([True, *(a != b for a, b in pairwise(advisories))])  # (an advisory's documents are together)
    masks = np.repeat(np.bitwise_or.reduceat(bit, first), np.diff(np.append(first, len(keys))))
    twins = np.zeros(len(keys), dtype=np.uint8)
    for i in range(len(LANGS)):
        twins |= (((langs != i) & ((masks >> i) & 1 == 1)).astype(np.uint8)) << i
    return np.stack([langs, twins])


def _quantize(lengths: Any) -> Any:
    """Field lengths as Whoosh's BM25F sees them: ``byte_to_length(length_to_byte(n))``."""
    import numpy as np
    from whoosh.util.numeric import byte_to_length, length_to_byte

    values, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([byte_to_length(length_to_byte(int(v))) for v in values.tolist()], dtype=np.int64)
    return table[inverse].reshape(lengths.shape)


class _Previous:
    """What an incremental build takes from the build it starts from."""

    def __init__(self, index: Index):
        self.index = index
        self.keys = list(index._keys)
        self.n_postings = index._n_postings
        self.post_docs = index._post_docs  # (mapped)
        self.post_tf = index._post_tf
        self.lengths = index._raw_lengths()
        self.term_rows = index._table.rows  # in the order of their postings: their offsets ascend
        self.ranges: dict[str, tuple[int, int]] = {}
        for d, key in enumerate(self.keys):
            adv = key.partition("#")[0]
            first, n = self.ranges.get(adv, (d, 0))
            self.ranges[adv] = (first, n + 1)
        self.template_files = index._template_files()

    def lookup(self, field: str, term: str) -> tuple[int, int] | None:
        return self.index._table.get(field, term)


def _write_build(
    build_dir: Path,
    parts: Iterable[Part],
    manifest: dict,
    progress: Callable[[int], None] | None,
    previous: Index | None,
    sources: dict,
    records: dict[str, bytes],
) -> None:
    from whoosh import index as whoosh_index

    (build_dir / "whoosh").mkdir(parents=True)
    prev = _Previous(previous) if previous is not None else None
    gather = _Gather(prev, BlobWriter(build_dir / "stored"))
    if prev is None:
        ix = whoosh_index.create_in(str(build_dir / "whoosh"), _schema())
    else:
        _link_tree(prev.index.dir / "whoosh", build_dir / "whoosh")
        ix = whoosh_index.open_dir(str(build_dir / "whoosh"))
    writer = _counted_writer(ix)
    deleting = _Deletions(writer)
    try:
        seen: set[str] = set()
        for part in parts:
            seen.add(part.advisory)
            if part.docs is None:
                if prev is None or part.advisory not in prev.ranges:
                    raise ValueError(f"{part.advisory} has no documents and no previous build holds them")
                gather.reuse(part.advisory)
                continue
            if prev is not None and part.advisory in prev.ranges:
                deleting.advisory(prev, part.advisory)
            for d in part.docs:
                counts = _term_counts(d)
                writer.add_counted({"key": d.key, "title_text": d.title, "texts": d.texts}, {"key": {d.key: 1}, **counts})
                gather.add(d, counts)
                if progress:
                    progress(1)
            gather.templates.add(map(template_row, part.templates or ()))
        if prev is not None:
            for adv in prev.ranges.keys() - seen:
                deleting.advisory(prev, adv)
    except BaseException:
        deleting.close()
        writer.cancel()
        gather.stored.close()
        raise
    deleting.close()
    writer.commit()
    count = gather.write(build_dir)
    with ix.reader() as reader:
        if reader.doc_count() != count:
            raise RuntimeError(f"the new Whoosh index holds {reader.doc_count()} documents, not {count}")
        whoosh_docs = reader.doc_count_all()  # (deleted documents included, until Whoosh merges them away)
    write_templates(build_dir, gather.templates)
    if prev is not None:  # (a build that starts from another has its analysis: the same aliases)
        shutil.copyfile(prev.index.dir / ALIASES, build_dir / ALIASES)
    else:
        (build_dir / ALIASES).write_text(json.dumps(alias_table(), ensure_ascii=False, separators=(",", ":")), "utf-8")
    # (ASCII escapes: a file name that is not UTF-8 is a lone surrogate in Python, which UTF-8 cannot write)
    (build_dir / SOURCES).write_text(json.dumps(sources, separators=(",", ":")), "utf-8")
    for name, data in records.items():
        if name in (MANIFEST, SOURCES) or Path(name).name != name or (build_dir / name).exists():
            raise ValueError(f"not a record's file name: {name!r}")
        (build_dir / name).write_bytes(data)
    files = [p for p in sorted(build_dir.rglob("*")) if p.is_file()]
    sizes = {str(p.relative_to(build_dir)): p.stat().st_size for p in files}
    known = {**(_linked_sums(prev.index, build_dir) if prev is not None else {}), **gather.checksums}
    sums = {rel: known[rel] if rel in known else crc32(p) for p in files for rel in [str(p.relative_to(build_dir))]}
    # The manifest is written last: a build folder without one is unfinished.
    (build_dir / MANIFEST).write_text(
        json.dumps(
            {"format": FORMAT, "documents": count, "whoosh_documents": whoosh_docs, "files": sizes, "crc32": sums, **manifest},
            ensure_ascii=True,  # (as sources.json)
            indent=1,
        ),
        "utf-8",
    )


def intact(build_dir: Path) -> bool:
    """Whether every file of a build still has the checksum it was written with (reads them all:
    what a build starts from must not carry damage that opening it does not notice)."""
    manifest = read_manifest(build_dir)
    sums = manifest.get("crc32") if manifest else None
    sizes = manifest.get("files", {}) if manifest else {}
    if not isinstance(sums, dict) or sums.keys() != sizes.keys():
        return False
    from concurrent.futures import ThreadPoolExecutor

    # (zlib and file reads let go of the interpreter: two threads read two files at once, largest first)
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            return all(pool.map(lambda rel: crc32(build_dir / rel) == sums[rel], sorted(sums, key=lambda rel: -int(sizes.get(rel) or 0))))
        except OSError:
            return False


def stored_blob(title: str, texts: dict[str, str]) -> bytes:
    """A document's stored fields as ``stored.bin`` holds them (what :meth:`Index.stored` returns)."""
    data = json.dumps({"title_text": title, "texts": texts}, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(data.encode("utf-8", "surrogatepass"), 6)


def _field_texts(d: SearchDoc) -> dict[str, str]:
    """Each indexed field's terms, space-separated: the text ``add_document`` would take."""
    return {name: " ".join(d.terms.get(name, ())) for name in _indexed()}


def _term_counts(d: SearchDoc) -> dict[str, Counter[str]]:
    """Each indexed field's terms and their counts: what Whoosh's tokenizer (``_TOKEN``) finds in
    :func:`_field_texts`. That is the terms themselves when none is empty or holds a separator
    (always, from kb's analysis), which is checked on the joined text instead of tokenizing it."""
    out = {}
    for name in _indexed():
        terms = d.terms.get(name, ())
        text = " ".join(terms)
        whole = text.count(" ") == max(len(terms) - 1, 0) and "" not in terms and not any(c in text for c in "\t\r\n")
        out[name] = Counter(terms) if whole else Counter(_TOKEN.findall(text))
    return out


class _Deletions:
    """Deletes the previous build's documents of an advisory from the Whoosh writer, through one
    searcher for the whole build (Whoosh opens a new one per call otherwise: each reads every
    segment's key terms)."""

    def __init__(self, writer: Any):
        self.writer = writer
        self._searcher: Any = None

    def advisory(self, prev: _Previous, advisory: str) -> None:
        if self._searcher is None:
            self._searcher = self.writer.searcher()
        first, count = prev.ranges[advisory]
        for key in prev.keys[first : first + count]:
            self.writer.delete_by_term("key", key, searcher=self._searcher)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None


def _linked_sums(previous: Index, build_dir: Path) -> dict[str, int]:
    """The checksums the previous build's manifest records for the files the new build shares with
    it (hard links: the same file, which Whoosh never changes), so they are not read again."""
    out = {}
    for rel, crc in ((previous.manifest or {}).get("crc32") or {}).items():
        try:
            if os.path.samefile(previous.dir / rel, build_dir / rel):
                out[rel] = crc
        except OSError:
            continue
    return out


def _link_tree(src: Path, dst: Path) -> None:
    """The previous build's Whoosh files in the new build: hard links (Whoosh writes new files and
    never changes one it wrote), copies where links are not possible. The lock file is left out."""
    for p in src.iterdir():
        if not p.is_file() or p.name.endswith("_WRITELOCK"):
            continue
        try:
            os.link(p, dst / p.name)
        except OSError:
            shutil.copy2(p, dst / p.name)


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


_DECODE_ALL_ABOVE = 64
"""A lookup that returns more documents than this decodes every document key once (and keeps them)."""


class _Vanished(Exception):
    """The build folder was removed between resolving ``current`` and opening it."""


class Index:
    """A read-only view of one build: BM25F search, exact lookups, stored documents, templates.

    Opening reads the manifest, the document keys and the term table, and maps the postings (and
    opens ``postings.bin`` for the long lists, closed when the object goes away); the message
    templates are read on first use (:attr:`templates`). Safe to share between threads (calls into
    Whoosh are serialized). Close it to let a later build remove its files (a search still running
    then, or after, reads them as they were)."""

    _NUMBERS_KEPT = 4096  # document numbers remembered by key (see _open)

    def __init__(self, build_dir: Path):
        self.dir = build_dir
        try:
            self._pin = pin(build_dir / MANIFEST)
        except FileNotFoundError:
            raise _Vanished() from None
        except OSError as exc:
            raise IndexUnavailable(f"cannot read the index in {build_dir}: {exc.strerror}") from None
        self._lock = threading.RLock()
        self._templates: Templates | None = None
        self._entries: Entries | None = None
        self._split: _SplitKeys | None = None
        self._aliases: dict[str, tuple[str, ...]] | None = None
        self._whoosh_searcher: Any = None  # opened when first needed (rarely: see the module's notes)
        try:
            self._open(build_dir)
        except IndexUnavailable:
            self._pin.close()
            raise
        except Exception as exc:
            self._pin.close()
            raise IndexUnavailable(f"the index in {build_dir.parent} is damaged ({type(exc).__name__}: {exc}): run `kb build` to rebuild it") from exc

    def _damaged(self, what: str) -> IndexUnavailable:
        return IndexUnavailable(f"the index in {self.dir.parent} is damaged ({what}): run `kb build` to rebuild it")

    def _open(self, build_dir: Path) -> None:
        self.manifest = read_manifest(build_dir)
        if self.manifest is None:
            # Never hand Whoosh (which unpickles its schema) a folder this program did not write.
            raise IndexUnavailable(f"{build_dir} is not an index built by kb (no {MANIFEST} of format {FORMAT}): run `kb build`")
        for rel, size in self.manifest.get("files", {}).items():
            try:
                actual = os.stat(build_dir / rel).st_size
            except OSError:
                actual = -1
            if actual != size:
                raise self._damaged(f"{rel} is missing or has changed")
        import numpy as np

        meta = json.loads((build_dir / "terms.json").read_text("utf-8"))
        if meta.get("langs") != list(LANGS):
            raise self._damaged("the languages differ")
        self._keys = Strings(build_dir / "docs")  # document number -> "advisory#case@lang"
        self.doc_count = len(self._keys)
        # document number -> its stored fields (stored_blob); read, not mapped: a search reads the
        # few it shows, and the pages a long-running process mapped would stay in its resident memory
        self._stored = Strings(build_dir / "stored", map_file=False)
        if len(self._stored) != self.doc_count:
            raise self._damaged("the stored documents do not fit")
        self._table = TermTable(build_dir, meta["fields"])
        self._scored = frozenset(meta["scored"])
        self._scored_order: list[str] = list(meta["scored"])  # (the columns of lengths.bin)
        n = self._n_postings = int(meta["postings"])
        if (build_dir / "postings.bin").stat().st_size != 12 * n:
            raise self._damaged("postings.bin does not fit")
        self._post_docs: Any
        self._post_weights: Any
        self._post_tf: Any
        if n:
            self._post_docs = mapped(np.memmap(build_dir / "postings.bin", dtype=np.uint32, mode="r", shape=(n,)))
            self._post_weights = mapped(np.memmap(build_dir / "postings.bin", dtype=np.float32, mode="r", offset=4 * n, shape=(n,)))
            self._post_tf = mapped(np.memmap(build_dir / "postings.bin", dtype=np.float32, mode="r", offset=8 * n, shape=(n,)))
        else:
            self._post_docs, self._post_weights, self._post_tf = np.zeros(0, np.uint32), np.zeros(0, np.float32), np.zeros(0, np.float32)
        if (build_dir / "lengths.bin").stat().st_size != (4 * self.doc_count + 8) * len(self._scored):
            raise self._damaged("lengths.bin does not fit")
        doclangs = mapped(np.load(build_dir / "doclangs.npy", mmap_mode="r"))
        if doclangs.shape != (2, self.doc_count):
            raise self._damaged("doclangs.npy does not fit")
        self._doc_langs = doclangs[0]
        # Per language: document -> True when the document is in another language and its advisory
        # also has a document in this one (a translation twin, left out of searches in this language).
        self._twin_bits = doclangs[1]
        self._twins_cache: dict[str, Any] = {}
        self._scratch = _Scratch()
        # The numbers of the documents recent searches returned, by key: their stored fields are
        # read next (the hits shown), by key.
        self._numbers: dict[str, int] = {}
        # long posting lists are read from the file, not through the mapping (see _postings); the
        # file stays open as long as this object (a search may still be reading when close() runs)
        self._postings_file = FileBytes(build_dir / "postings.bin")

    def _twins(self, lang: str) -> Any:
        t = self._twins_cache.get(lang)
        if t is None:
            t = self._twins_cache[lang] = (self._twin_bits >> LANGS.index(lang)) & 1 == 1
        return t

    @property
    def templates(self) -> Sequence[TemplateEntry]:
        """Every message wording of every case (:class:`~kb.text.templates.TemplateEntry`), in build order;
        each entry is made when first asked for."""
        with self._lock:
            if self._entries is None:
                self._entries = Entries(self._template_files())
            return self._entries

    @property
    def template_keys(self) -> WordingKeys:
        """Each template's keys (:func:`kb.text.templates.choose_keys`), with each wording once
        (:class:`~kb.text.templates.WordingKeys`: what a TemplateMatcher needs, read as needed)."""
        import numpy as np

        t = self._template_files()
        return WordingKeys(t.wordings, SplitStrings(t.keys), np.asarray(t.rows[:, 5]), t.codes, SplitStrings(t.lits), t.grouped)

    def template_table(self) -> Templates:
        """The templates as numbers (:class:`~kb.search.template_table.Templates`): a row per entry,
        each wording's spread."""
        return self._template_files()

    @property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        """The query-time aliases (:func:`kb.text.synonyms.table`) as this build analyzed them: read,
        not analyzed again, when a search starts (an index without them: analyzed now)."""
        with self._lock:
            if self._aliases is None:
                try:
                    raw = json.loads((self.dir / ALIASES).read_text("utf-8"))
                except FileNotFoundError:
                    raw = None
                except (OSError, ValueError) as exc:
                    raise self._damaged(f"{ALIASES}: {type(exc).__name__}") from exc
                if raw is None:
                    self._aliases = alias_table()
                elif not isinstance(raw, dict):
                    raise self._damaged(f"{ALIASES} is not a table")
                else:
                    self._aliases = {k: tuple(v) for k, v in raw.items()}
            return self._aliases

    def _template_files(self) -> Templates:
        with self._lock:
            if self._templates is None:
                try:
                    self._templates = Templates(self.dir)
                except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
                    raise self._damaged(f"templates: {type(exc).__name__}") from exc
            return self._templates

    def _raw_lengths(self) -> Any:
        """Every document's field lengths (scored fields), as counted (not quantized)."""
        import numpy as np

        n_scored = len(self._scored)
        raw = np.fromfile(self.dir / "lengths.bin", dtype=np.uint32, count=self.doc_count * n_scored)
        return raw.reshape(self.doc_count, n_scored)

    def close(self) -> None:
        with self._lock:
            if self._whoosh_searcher is not None:
                self._whoosh_searcher.close()
                self._whoosh_searcher = None
            self._pin.close()

    READ_FROM = 128
    """A term with at least this many postings has them read from ``postings.bin`` for a search; a
    shorter list is sliced from the mapped file. Pages touched through the mapping stay in the
    process's resident memory: after 800 queries at 10,000 generated advisories, 64 MB of the
    105 MB file was resident, most of it long lists read in full; read, their pages are the
    system's page cache, not the process's. 512 left ~16 MB of the file resident after the bench's
    queries at 10,000 advisories, 128 ~7 MB, with the same latencies (A/B, interleaved: a read
    costs about what the page faults of a mapped list cost); 64 saved no more."""

    def _postings(self, off: int, df: int, weights: bool = True, into: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
        """A term's documents and (with ``weights``) BM25F weights (:attr:`READ_FROM`); a long list
        is read into ``into`` (two arrays of ``df`` items) when given."""
        if df < self.READ_FROM:
            return self._post_docs[off : off + df], (self._post_weights[off : off + df] if weights else None)
        import numpy as np

        docs, w = into if into is not None else (np.empty(df, np.uint32), np.empty(df, np.float32) if weights else None)
        self._postings_file.read_into(docs, 4 * off)
        if weights:
            self._postings_file.read_into(w, 4 * (self._n_postings + off))
        return docs, (w if weights else None)

    @property
    def _searcher(self) -> Any:
        """This build's Whoosh searcher, opened on first use (a search does not need it)."""
        with self._lock:
            if self._whoosh_searcher is None:
                from whoosh import index as whoosh_index

                try:
                    searcher = whoosh_index.open_dir(str(self.dir / "whoosh"), readonly=True).searcher()
                except _DAMAGE as exc:
                    raise self._damaged(f"Whoosh: {type(exc).__name__}") from exc
                if searcher.reader().doc_count() != self.doc_count:
                    searcher.close()
                    raise self._damaged("the Whoosh documents do not fit")
                self._whoosh_searcher = searcher
            return self._whoosh_searcher

    @property
    def _reader(self) -> Any:
        return self._searcher.reader()

    def _whoosh(self, fn, *args):
        """Call into Whoosh under the lock; what Whoosh raises on a damaged file becomes
        :class:`IndexUnavailable`."""
        with self._lock:
            try:
                return fn(*args)
            except _DAMAGE as exc:
                raise self._damaged(type(exc).__name__) from exc

    def idf(self, field: str, term: str) -> float:
        df = self.doc_frequency(field, term)
        n = max(self.doc_count, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def doc_frequency(self, field: str, term: str) -> int:
        if field in self._table.fields:
            entry = self._table.get(field, term)
            return entry[1] if entry is not None else 0
        return self._whoosh(self._reader.doc_frequency, field, term)

    def exists(self, field: str, term: str) -> bool:
        return self.doc_frequency(field, term) > 0

    def langs_of(self, advisory: str) -> frozenset[str]:
        """The languages an advisory is written in."""
        return frozenset(split_key(self._keys[d])[2] for d in self._docs_of(advisory))

    def _docs_of(self, advisory: str) -> range:
        """The document numbers of an advisory (they are consecutive: advisories come in id order)."""
        keys = self._keys
        first = bisect_left(keys, advisory, key=_advisory_of)
        last = first
        while last < len(keys) and _advisory_of(keys[last]) == advisory:
            last += 1
        return range(first, last)

    def search(
        self,
        terms: dict[str, list[str]],
        limit: int = 50,
        boosts: dict[str, float] | None = None,
        only_in: dict[str, str] | None = None,
        lang: str | None = None,
    ) -> Postings:
        """BM25F over the given field -> terms (an OR of all of them), every posting of every term
        scored (no term is dropped); the best ``limit`` documents. ``boosts`` weighs single terms;
        ``only_in`` limits single terms to the documents of one language (a translation of a query
        word counts only in documents of the language it is written in). With ``lang``, a document
        in another language is left out when its advisory has a document in ``lang``.

        The same formula as ``whoosh.scoring.BM25F``, over the weights precomputed at build time
        (``postings.bin``): about 10 ns per posting, where Whoosh's matcher tree costs ~100 µs per
        matching document."""
        import numpy as np

        boosts = boosts or {}
        only = {t: LANGS.index(x) for t, x in (only_in or {}).items()}
        n_docs = len(self._keys)
        used: list[tuple[str, str]] = []  # (field, term) of the terms that scored
        parts: list[tuple[Any, Any, float]] = []  # (documents, weights, idf) of each term that scored
        found: list[tuple[str, str, int, int]] = []
        for f, ts in terms.items():
            if f not in self._scored:
                continue  # (an exact-lookup field: no weights)
            for t in dict.fromkeys(ts):
                entry = self._table.get(f, t)
                if entry is not None:
                    found.append((f, t, *entry))
        long = sum(df for _f, _t, _off, df in found if df >= self.READ_FROM)
        # the long lists are read into this thread's arrays when they fit (no fresh arrays a search)
        fits = long <= POSTINGS_PER_PASS
        if fits:
            read_docs, read_weights = self._scratch.array("read-docs", long, np.uint32), self._scratch.array("read-weights", long, np.float32)
        at = 0  # (where the next long list goes in them)
        for f, t, off, df in found:
            if df >= self.READ_FROM and fits:
                docs, w = self._postings(off, df, into=(read_docs[at : at + df], read_weights[at : at + df]))
                at += df
            else:
                docs, w = self._postings(off, df)
            want = only.get(t)
            if want is not None:
                same = self._doc_langs[docs] == want
                docs, w = docs[same], w[same]
                if not len(docs):
                    continue
            # Whoosh's idf; the field boost is already in the posting weights (applied at indexing).
            weight = (math.log(self.doc_count / (df + 1)) + 1) * boosts.get(t, 1.0) if self.doc_count else 0.0
            parts.append((docs, w, weight))
            used.append((f, t))
        passes = _passes(parts, _pass_size(n_docs))
        scores, all_docs = _sum_postings(passes, n_docs, self._scratch)
        if lang is not None:
            scores[self._twins(lang)] = 0.0  # (once for all terms: what a document scored there is dropped)
        hit = np.flatnonzero(scores > 0)
        if not len(hit):
            return Postings([], [], None)
        if len(hit) > limit:
            # The best ``limit``; documents tied at the cut are taken lowest docnum first (as the browser does).
            cut = scores[hit[np.argpartition(-scores[hit], limit - 1)[limit - 1]]]
            above, tied = hit[scores[hit] > cut], hit[scores[hit] == cut]
            hit = np.concatenate([above, np.sort(tied)[: limit - len(above)]])
        top = hit[np.lexsort((hit, -scores[hit]))].tolist()  # best first; a tie, lowest docnum first
        table = _matched_terms(top, all_docs, passes, used, n_docs, self._scratch)
        keys = self._keys.many(top)
        if len(self._numbers) + len(keys) > self._NUMBERS_KEPT:
            self._numbers.clear()
        self._numbers.update(zip(keys, top))
        return Postings(keys, scores[top].tolist(), table)

    def _key(self, docnum: int) -> str:
        """The key of a document, by its number in this index (not Whoosh's)."""
        return self._keys[docnum]

    def _position(self, key: str) -> int:
        """A document's number in this index, from its key (``doc_count`` when there is none)."""
        d = self._numbers.get(key)
        if d is not None:
            return d
        for d in self._docs_of(split_key(key)[0]):
            if self._keys[d] == key:
                return d
        return self.doc_count

    def lookup(self, field: str, term: str) -> list[tuple[str, str, str]]:
        """Every (advisory, case, lang) whose ``field`` holds ``term`` exactly, in document order."""
        if field not in self._table.fields:
            if not self.exists(field, term):
                return []
            from whoosh.query import Term  # (rarely needed: whoosh.query is slow to import)

            keys = self._whoosh(lambda: [self._reader.stored_fields(d)["key"] for d in self._searcher.docs_for_query(Term(field, term))])
            order = sorted(range(len(keys)), key=lambda i: self._position(keys[i]))
            return [split_key(keys[i]) for i in order]
        entry = self._table.get(field, term)
        if entry is None:
            return []
        off, df = entry
        docs = self._postings(off, df, weights=False)[0].tolist()
        if df > _DECODE_ALL_ABOVE or self._split is not None:
            split = self._split_keys()
            return [split[d] for d in docs]
        keys = self._keys
        return [split_key(keys[d]) for d in docs]

    def _split_keys(self) -> _SplitKeys:
        """Every document's (advisory, case, lang), decoded once (for lookups that return many)."""
        with self._lock:
            if self._split is None:
                self._split = _SplitKeys(self._keys)
            return self._split

    def stored(self, advisory: str, case: str, lang: str) -> dict | None:
        """A document's stored fields (``title_text``, ``texts``: field -> text), None when the
        advisory has no such case in ``lang``."""
        d = self._position(f"{advisory}#{case}@{lang}")
        if d == self.doc_count:
            return None
        return self.stored_at(d)

    # --- the whole build, read in order (what the static site's search index is made from) ---

    def documents(self) -> list[tuple[str, str, str]]:
        """Every document's (advisory, case, lang), by document number: advisories in id order, then
        their cases, then their languages."""
        split = self._split_keys()
        return [split[d] for d in range(self.doc_count)]

    def field_lengths(self) -> tuple[list[str], Any]:
        """The scored fields, and every document's length in each as counted (a row per document, a
        column per field, in that order)."""
        return list(self._scored_order), self._raw_lengths()

    def all_terms(self) -> list[tuple[str, str, int, int, int]]:
        """Every (field, term) with postings, in postings order: (field, term, postings offset,
        document frequency, first document); the offset is what :meth:`postings_at` reads."""
        rows = self._table.rows
        if not len(rows):
            return []
        names = list(self._table.fields)
        terms = self._table.terms.many(range(len(rows)))
        offsets, dfs = rows["off"].tolist(), rows["df"].tolist()
        firsts = self._post_docs[rows["off"].astype("int64")].tolist()
        return [(names[f], t, o, n, d) for f, t, o, n, d in zip(rows["field"].tolist(), terms, offsets, dfs, firsts, strict=True)]

    def postings_at(self, field: str, off: int, df: int) -> tuple[list[int], list[int]]:
        """A term's postings (:meth:`all_terms`): its documents, ascending, and how many times the
        term is in each (the stored weight is that count times the field's boost)."""
        import numpy as np

        docs = self._post_docs[off : off + df].tolist()
        counts = np.rint(self._post_tf[off : off + df] / np.float32(FIELD_BOOSTS.get(field, 1.0))).astype(np.int64).tolist()
        return docs, counts

    def stored_at(self, d: int) -> dict:
        """Document ``d``'s stored fields (as :meth:`stored`)."""
        try:
            data = json.loads(zlib.decompress(self._stored.raw(d)).decode("utf-8", "surrogatepass"))
        except (zlib.error, ValueError) as exc:
            raise self._damaged(f"stored document {d}: {type(exc).__name__}") from exc
        if not isinstance(data, dict):
            raise self._damaged(f"stored document {d} is not a record")
        return data


class _SplitKeys:
    """Every document's (advisory, case, lang) by document number, kept as numbers into the distinct
    advisory ids, case ids and languages (a tuple of three strings per document took ~17 MB at
    10,000 advisories, for the life of a query process, after one lookup of a common model number)."""

    def __init__(self, keys: Iterable[str]):
        names: dict[str, int] = {}
        self._parts = array("i")  # per document: its advisory's, case's and language's numbers in ``_names``
        for key in keys:
            for part in split_key(key):
                self._parts.append(names.setdefault(part, len(names)))
        self._names = list(names)

    def __getitem__(self, d: int) -> tuple[str, str, str]:
        parts, names = self._parts, self._names
        return names[parts[3 * d]], names[parts[3 * d + 1]], names[parts[3 * d + 2]]


def _advisory_of(key: str) -> str:
    return key.partition("#")[0]
