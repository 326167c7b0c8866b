"""The browser's search index: what ``kb/static/kbsearch.js`` reads, written under ``search/``.

Made from an index build (:class:`kb.search.index.Index`: its postings, stored texts and message
wordings), so that the browser sees exactly the terms and counts the Python side scores, and the
site analyzes nothing again; a term at a time, each file handed on as it is made, so that building
it holds little more than the shards' text. Sharded by term hash so that a first search on a large
corpus loads only a few files. Every posting of every term is stored (long lists in files of their own): the
browser scores them all, as kb.search.index does. The file formats are listed at the top of kbsearch.js; what
mirrors what in docs/PARITY.md. :func:`search_index` is the entry point, :func:`browser_script` the
script (kbsearch.js with the stemmer of porter2.js put in); :mod:`kb.site.pages` writes their files.

The browser has no MeCab: :func:`japanese_lexicon` gives it the corpus's Japanese words instead (the
surface forms MeCab found, with their terms: search/j/), and :func:`browser_analyze` analyzes a query
as kbsearch.js then does, for the parity tests.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import math
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

import ahocorasick

from .. import __version__, spec
from ..content.model import LANGS, PLACEHOLDER_TYPES, Advisory, Packed
from ..content.shelf import Unpacked
from ..search.documents import TEXT_FIELDS, SearchDoc, indexable
from ..search.index import Index, Part
from ..search.index import build as build_index
from ..text.analysis import (
    _CJK_RUN_RE,
    Analysis,
    _script,
    _segments,
    _tagger,
    analyze,
    find_identifiers,
    is_japanese,
    mecab_words,
    normalize,
)
from ..text.glossary import ENGLISH_JAPANESE, JAPANESE_COLLOQUIAL
from ..text.stopcodes import STOP_CODES
from ..text.synonyms import SYNONYMS
from ..text.synonyms import table as alias_table
from ..text.templates import TemplateEntry, choose_keys, squash

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # kb/: static/ and templates/ are beside the stage packages

# --- the browser's search index --------------------------------------------------------------

SCORED_CODES = {"title": "t", "messages": "m", "body": "b", "products": "p", "grams": "g", "ids": "i"}
LOOKUP_CODES = {"refs": "R", "models": "M", "models_cond": "C", "not_affected": "N"}
LARGE_DF = 64  # posting lists of at least this many documents are stored apart, compactly
LENGTH_TABLE_SHARE = 2  # a long list's part in half its segment's documents or more reads lengths from the segment's table only
TERM_SHARD_BYTES = 250  # target size of one term shard (uncompressed JSON): a query loads one per term;
# at most one shard per document, so that a small corpus keeps few files (gzip's overhead is per file)
LENGTH_ALPHABET = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\')  # JSON-safe ASCII
"""Field lengths as text: a field's length bytes, ranked by how many documents have them, are one
character each (the rank in this alphabet; from its last character on, that character and then
``chr(0xC0 + rank)``): one byte per document, which gzip compresses about as well as raw bytes."""
KEY_SHARD_BYTES = 2_000  # target size of one template key shard: a paste loads those of its trigrams that are keys
DOC_GROUP_BYTES = 2_000  # cases' titles and texts, grouped: a search loads the groups of the hits it shows
USE_GROUP_BYTES = 2_000  # which cases use each wording
KEY_LIST_MAX = 40_000  # up to this many template keys the core lists them; beyond, a bit filter


def _length_table() -> list[int]:
    """Whoosh stores a field length in one byte: the smallest of these values at or above it."""
    return [round((1.033**n - 1) * 27) for n in range(256)]


_LENGTHS = _length_table()


def quantized_length(n: int) -> int:
    """The field length BM25F sees in Whoosh (``byte_to_length(length_to_byte(n))``)."""
    if n >= _LENGTHS[-1]:
        return _LENGTHS[-1]
    lo, hi = 0, 255
    while lo < hi:
        mid = (lo + hi) // 2
        if _LENGTHS[mid] < n:
            lo = mid + 1
        else:
            hi = mid
    return _LENGTHS[lo]


def length_byte(n: int) -> int:
    """Whoosh's ``length_to_byte``: the index of the smallest table value at or above ``n``."""
    return 255 if n >= _LENGTHS[-1] else _LENGTHS.index(quantized_length(n))


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def varints(values: list[int]) -> str:
    """Non-negative integers as base64 characters: 5 bits each, most significant first; characters
    from the upper half of the alphabet say "more follows"."""
    out: list[str] = []
    for v in values:
        chunks = [v & 31]
        v >>= 5
        while v:
            chunks.append(v & 31)
            v >>= 5
        out.extend(_B64[32 + c] for c in reversed(chunks[1:]))
        out.append(_B64[chunks[0]])
    return "".join(out)


def _compact(docs: list[int], tfs: list[int], n_docs: int) -> dict[str, Any]:
    """A long list's part: its documents (numbered among its segment's ``n_docs``) as gaps or as a
    bitmap (whichever is shorter), and tf - 1."""
    gaps = varints([docs[0]] + [b - a for a, b in pairwise(docs)])
    bits = bytearray((n_docs + 7) // 8)
    for d in docs:
        bits[d >> 3] |= 1 << (d & 7)
    bitmap = base64.b64encode(bytes(bits)).decode("ascii")
    return {**({"m": bitmap} if len(bitmap) < len(gaps) else {"d": gaps}), "f": varints([t - 1 for t in tfs])}


def length_ranks(length_table: bytes | bytearray) -> list[int]:
    """A field's length bytes, most documents first (ties: smaller byte first): :func:`length_chars`'s order."""
    return [b for b, _ in sorted(Counter(length_table).items(), key=lambda bc: (-bc[1], bc[0]))]


def length_chars(length_bytes: list[int] | bytes | bytearray, ranks: list[int]) -> str:
    """Length bytes as text, one character each (two beyond the alphabet's last but one rank): see LENGTH_ALPHABET."""
    rank = {b: k for k, b in enumerate(ranks)}
    esc = len(LENGTH_ALPHABET) - 1
    return "".join(LENGTH_ALPHABET[rank[b]] if rank[b] < esc else LENGTH_ALPHABET[esc] + chr(0xC0 + rank[b]) for b in length_bytes)


def _compact_uses(uses: list[tuple[int, int, str, str, bool]]) -> dict[str, Any]:
    """A wording's uses: case gaps, positions, message ids and kinds by number (when they vary), and
    which are declared generic (``g``: 1 when all are, varints of 0/1 when some are; absent when none)."""
    messages = list(dict.fromkeys(u[2] for u in uses))
    kinds = list(dict.fromkeys(u[3] for u in uses))
    cases = [u[0] for u in uses]
    out: dict[str, Any] = {
        "c": varints([cases[0]] + [b - a for a, b in pairwise(cases)]),
        "p": varints([u[1] for u in uses]),
        "m": messages,
        "k": kinds,
    }
    if len(messages) > 1:
        out["mi"] = varints([messages.index(u[2]) for u in uses])
    if len(kinds) > 1:
        out["ki"] = varints([kinds.index(u[3]) for u in uses])
    generic = [int(u[4]) for u in uses]
    if any(generic):
        out["g"] = 1 if all(generic) else varints(generic)
    return out


def term_hash(s: str) -> int:
    """FNV-1a over UTF-16 code units (``hash`` in kbsearch.js)."""
    h = 0x811C9DC5
    data = s.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = ((h ^ (data[i] | data[i + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    return h


def _pow2_at_least(n: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(n, 1))))


def _deltas(values: list[Any], stride: int) -> list:
    out = list(values)
    for i in range(len(out) - stride, 0, -stride):
        out[i] -= out[i - stride]
    return out


def _js_regex(py: str) -> str:
    """A PLACEHOLDER_TYPES pattern in JavaScript (``u`` flag): Unicode digits, no needless escapes."""
    return py.replace(r"\d", r"\p{Nd}").replace('\\"', '"')


def _idf(n: int, df: int) -> float:
    """kb.search.index.Index.idf."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _table(text: str) -> dict[str, tuple[str, str]]:
    """A ``key<TAB>shown<TAB>note`` table as kb.search.rank reads it."""
    rows = (line.split("\t") for line in text.split("\n") if line)
    return {r[0]: (r[1], r[2]) for r in rows if len(r) == 3}


@dataclass
class SearchIndex:
    """The browser index as files: path under ``search/`` -> the script text; and the Japanese
    lexicon it ships (:class:`Lexicon`: what the parity tests analyze queries with, as the browser does)."""

    files: dict[str, str]
    stats: dict[str, Any]
    lexicon: Lexicon | None = None


def _call(fn: str, *args: Any) -> str:
    return f"KBSearch.{fn}(" + ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args) + ");\n"


def _grouped(items: list[Any], size_of, target: int) -> int:
    """How many consecutive items make a group of about ``target`` bytes."""
    if not items:
        return 1
    avg = sum(size_of(x) for x in items) / len(items)
    return max(1, int(target // max(avg, 1)))


def _pack(items: list[Any], size_of, target: int) -> list[int]:
    """Start positions of consecutive groups of ``items`` of about ``target`` bytes each."""
    starts, size = [0], 0
    for i, x in enumerate(items):
        if size >= target:
            starts.append(i)
            size = 0
        size += size_of(x)
    return starts


@dataclass
class _Shape:
    """An advisory as the browser numbers its documents: its id, its languages and its case ids (a
    document per case and language, cases first)."""

    id: str
    langs: tuple[str, ...]
    cases: list[str]


def _shapes(keys: list[tuple[str, str, str]]) -> list[_Shape]:
    """The advisories of an index, from its documents' (advisory, case, lang) in document order.

    A case has one document per language its advisory is written in (:attr:`Advisory.langs`), so an
    advisory has ``len(cases) * len(langs)`` documents: the browser numbers them the same way from
    the core's ``cases`` and ``partial_langs``."""
    shapes: list[_Shape] = []
    for adv, case, lang in keys:
        if not shapes or shapes[-1].id != adv:
            shapes.append(_Shape(adv, (), []))
        s = shapes[-1]
        if not s.cases or s.cases[-1] != case:
            s.cases.append(case)
        if len(s.cases) == 1:
            s.langs += (lang,)
    ids = [s.id for s in shapes]
    if ids != sorted(set(ids)):  # the browser breaks ties by position
        raise ValueError("the index's advisories are not in id order (a build adds them in the order kb.content.load sorts the folders)")
    if keys != [(s.id, c, lang) for s in shapes for c in s.cases for lang in s.langs]:
        raise RuntimeError("the index's documents are not in case/language order")
    return shapes


def lang_mask(adv: Advisory | _Shape) -> int:
    """The languages of an advisory as bits: bit k for ``LANGS[k]``."""
    return sum(1 << k for k, lang in enumerate(LANGS) if lang in adv.langs)


def _partial_langs(advisories: list[_Shape]) -> str:
    """The advisories not written in every language, as varints ``[position gap, lang_mask, ...]``
    (most advisories are written in all: only the others are listed)."""
    full = (1 << len(LANGS)) - 1
    out: list[int] = []
    last = 0
    for n, adv in enumerate(advisories):
        mask = lang_mask(adv)
        if mask != full:
            out += [n - last, mask]
            last = n
    return varints(out)


def document_segments(advisories: list[Advisory] | list[_Shape]) -> list[int]:
    """Each document's segment: for an advisory written in every language, its language (an index into
    LANGS); for the others, ``len(LANGS)``. A search with a query language scores the documents of
    that language and of advisories lacking some language only (kb.search.index: a translation twin
    is left out), so it loads those segments' parts of the long lists and of the length tables."""
    full = (1 << len(LANGS)) - 1
    out: list[int] = []
    for adv in advisories:
        partial = lang_mask(adv) != full
        for _case in adv.cases:
            out += [len(LANGS) if partial else LANGS.index(lang) for lang in adv.langs]
    return out


def _length_bytes(lengths: Any) -> Any:
    """Whoosh's length byte of each of ``lengths`` (numpy): :func:`length_byte`, for many at once."""
    import numpy as np

    return np.minimum(np.searchsorted(np.asarray(_LENGTHS), lengths, side="left"), 255).astype(np.uint8)


class _Conditions:
    """What a conditional model entry's condition tells (``C``'s second values): a conditional model
    entry counts more when the query says what its condition says, numbers and words rare in the
    knowledge base (Searcher._condition_fits); the browser gets just those words."""

    def __init__(self, index: Index, n_docs: int, body_df: dict[str, int]):
        self.index, self.n_docs, self.body_df = index, max(n_docs, 1), body_df
        self._tables: dict[int, dict[str, tuple[str, str]]] = {}  # document -> its model table
        self._telling: dict[str, str] = {}

    def of(self, doc: int, term: str) -> str:
        table = self._tables.get(doc)
        if table is None:
            if len(self._tables) >= 4096:  # (a few documents' tables at a time: a term's documents come in order)
                self._tables.clear()
            table = self._tables[doc] = _table(self.index.stored_at(doc)["texts"].get("model_table", ""))
        condition = table.get(term, ("", ""))[1]
        told = self._telling.get(condition)
        if told is None:
            words = {t.text for t in analyze(condition).words} if condition else set()
            rare = lambda w: _idf(self.n_docs, self.body_df.get(w, 0)) >= spec.RARE_WORD_IDF  # noqa: E731
            told = self._telling[condition] = " ".join(w for w in sorted(words) if w.isdigit() or rare(w))
        return told


def _posting_files(index: Index, doc_seg: list[int], large_df: int, table_df: int | None, emit: Callable[[str, str], None]) -> dict[str, Any]:
    """Term shards (t/), long lists' parts (x/), their documents' lengths (y/) and the fields' length
    tables per segment (l/<field>/<segment>), from every posting of the index (the same terms and
    counts as Whoosh's, same length bytes); returns what the core says of them.

    A short list stays in its term's shard as ``[doc gap, tf, length, ...]`` (a lookup field's as
    ``[doc gap, ...]``; ``C``'s as ``[doc gap, condition, ...]``). A long one is cut by segment
    (:func:`document_segments`): each non-empty part is a file of its own, compact (its documents
    numbered among the segment's, and tf), and, unless the part is in ``table_df`` documents or more
    (default: half the segment's), a file of its documents' lengths. The shard keeps ``{n:
    documents, p: [[segment, part file, lengths file, its gzipped bytes], ...]}`` (a part without
    the last two reads its lengths from the segment's table). The browser reads a field's lengths in
    a segment from the table or from the parts' own files, whichever is fewer bytes for the query:
    the same numbers either way. Identical files are stored once (the bigrams of a word found only
    whole have the same postings). Shards hold the terms whose hash falls in them; a term's fields
    come in the order the documents first have them.

    Terms go one at a time (their postings are read from the index's mapped file when their turn
    comes), so what is held is the shards' text, not the postings."""
    import numpy as np

    n_docs = len(doc_seg)
    n_segs = len(LANGS) + 1
    seg_docs: list[list[int]] = [[] for _ in range(n_segs)]
    ordinal = []  # a document's number among its segment's documents
    for d, seg in enumerate(doc_seg):
        ordinal.append(len(seg_docs[seg]))
        seg_docs[seg].append(d)
    names, raw = index.field_lengths()
    if raw.shape[0] != n_docs:
        raise RuntimeError("the index's field lengths do not fit its documents")
    codes = {**SCORED_CODES, **LOOKUP_CODES}
    place = {name: k for k, name in enumerate(codes)}  # a document's fields are met in this order
    length_bytes = {SCORED_CODES[name]: _length_bytes(raw[:, k]) for k, name in enumerate(names)}
    qlens = {code: np.asarray(_LENGTHS)[b].tolist() for code, b in length_bytes.items()}
    length_tables = {code: b.tobytes() for code, b in length_bytes.items()}
    field_total = {name: int(raw[:, k].sum()) for k, name in enumerate(names)}
    by_term: dict[str, list[tuple[int, int, str, int, int]]] = defaultdict(list)  # term -> (first doc, place, field, offset, df)
    body_df: dict[str, int] = {}
    for name, term, off, df, first in index.all_terms():
        by_term[term].append((first, place[name], name, off, df))
        if name == "body":
            body_df[term] = df
    conditions = _Conditions(index, n_docs, body_df)
    stored: dict[bytes, int] = {}  # a part's compact JSON (its digest) -> its file
    stored_lengths: dict[bytes, tuple[int, int]] = {}  # (field code, lengths) (their digest) -> (file, gzipped bytes)
    ranks = {code: length_ranks(table) for code, table in length_tables.items()}
    entries: list[tuple[str, str]] = []  # (term, its entry as JSON), terms in order
    for term in sorted(by_term):
        e: dict[str, Any] = {}
        for _first, _place, name, off, df in sorted(by_term[term]):
            code = codes[name]
            docs, tfs = index.postings_at(name, off, df)
            if code in "RMN":
                e[code] = _deltas(docs, 1)
            elif code == "C":
                pairs: list[Any] = [x for d in docs for x in (d, conditions.of(d, term))]
                e[code] = _deltas(pairs, 2)
            elif df < large_df:
                qlen = qlens[code]
                e[code] = _deltas([x for d, tf in zip(docs, tfs) for x in (d, tf, qlen[d])], 3)
            else:
                parts: list[list[int]] = []
                by_seg: dict[int, list[int]] = defaultdict(list)
                for k, d in enumerate(docs):
                    by_seg[doc_seg[d]].append(k)
                for seg in sorted(by_seg):
                    at = by_seg[seg]
                    body = _compact([ordinal[docs[k]] for k in at], [tfs[k] for k in at], len(seg_docs[seg]))
                    key = _digest(json.dumps(body, separators=(",", ":")))
                    if key not in stored:
                        stored[key] = n = len(stored)
                        emit(f"x/{n}.js", _call("addList", n, body))
                    part = [seg, stored[key]]
                    limit = table_df if table_df is not None else max(large_df, len(seg_docs[seg]) // LENGTH_TABLE_SHARE)
                    if len(at) < limit:
                        chars = length_chars([length_tables[code][docs[k]] for k in at], ranks[code])
                        lkey = _digest(code + "\0" + chars)
                        if lkey not in stored_lengths:
                            n = len(stored_lengths)
                            text = _call("addOwnLengths", n, chars)
                            emit(f"y/{n}.js", text)
                            stored_lengths[lkey] = (n, gzip_size(text.encode()))
                        part += stored_lengths[lkey]
                    parts.append(part)
                e[code] = {"n": df, "p": parts}
        entries.append((term, json.dumps(e, ensure_ascii=False, separators=(",", ":"))))
    table_sizes: dict[str, list[int]] = {}
    for code, length_table in length_tables.items():
        table_sizes[code] = [0] * n_segs
        for seg, docs in enumerate(seg_docs):
            if docs:
                text = _call("addLengths", code, seg, length_chars([length_table[d] for d in docs], ranks[code]))
                emit(f"l/{code}/{seg}.js", text)
                table_sizes[code][seg] = gzip_size(text.encode())
    size = sum(len(t) + len(entry) + 4 for t, entry in entries)
    n_shards = _pow2_at_least(min(size / TERM_SHARD_BYTES, n_docs))
    shards: list[list[str]] = [[] for _ in range(n_shards)]
    for t, entry in entries:  # (as json.dumps writes a dict of them: terms in order)
        shards[term_hash(t) % n_shards].append(json.dumps(t, ensure_ascii=False) + ":" + entry)
    del entries
    for n, shard in enumerate(shards):
        emit(f"t/{n}.js", f"KBSearch.addShard({n},{{" + ",".join(shard) + "});\n")
    return {
        "shards": n_shards,
        "long_lists": len(stored),
        "length_lists": len(stored_lengths),
        "length_alphabet": LENGTH_ALPHABET,
        "length_ranks": ranks,
        "length_table": _LENGTHS,
        "length_table_sizes": table_sizes,
        "field_total": field_total,
        "terms": len(by_term),
    }


def _digest(text: str) -> bytes:
    """What identical files are recognized by (the text itself would be held for the whole build)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _template_files(templates: list[TemplateEntry], case_index: dict[tuple[str, str], int], emit: Callable[[str, str], None]) -> dict[str, Any]:
    """Template keys (k/) with the wordings they select, and who uses each wording (u/).

    Many cases share one wording, so wordings are stored once, numbered. A key's file holds the
    wordings it selects, so a paste loads exactly its candidates (a wording with several keys is in
    several files). The core gets the set of keys, so that only present keys are fetched.
    """
    keys = choose_keys(templates)
    first: dict[str, int] = {}
    for i, t in enumerate(templates):
        first.setdefault(t.text, i)
    texts = sorted(first, key=lambda text: (keys[first[text]], first[text]))  # wordings sharing keys together
    text_id = {text: n for n, text in enumerate(texts)}
    # Who uses a wording: (case, position among the case's template entries, message id, kind, declared
    # generic). kb.search.rank only compares the entries of one case with each other, so the position is
    # order enough. A use of a kind in spec.GENERIC_MESSAGE_KINDS is generic anyway: the browser reads
    # those kinds from P, so only the messages declared generic (Message.generic) are marked here.
    raw_uses: list[list[tuple[int, int, str, str, bool]]] = [[] for _ in texts]
    position: Counter[int] = Counter()
    for t in templates:
        c = case_index[(t.advisory, t.case)]
        raw_uses[text_id[t.text]].append((c, position[c], t.message, t.kind, t.generic and t.kind not in spec.GENERIC_MESSAGE_KINDS))
        position[c] += 1
    uses = [_compact_uses(u) for u in raw_uses]
    use_starts = _pack(uses, lambda u: len(json.dumps(u, ensure_ascii=False)), USE_GROUP_BYTES)
    for g, (a, b) in enumerate(zip(use_starts, use_starts[1:] + [len(uses)])):
        emit(f"u/{g}.js", _call("addUses", g, uses[a:b]))
    by_key: dict[str, list[int]] = defaultdict(list)
    for text in texts:
        for k in keys[first[text]]:
            by_key[k].append(text_id[text])
    n_key_shards = _pow2_at_least(sum(len(k) + sum(len(texts[i]) + 8 for i in v) for k, v in by_key.items()) / KEY_SHARD_BYTES)
    key_shards: dict[int, dict[str, list]] = defaultdict(dict)
    for k in sorted(by_key):
        key_shards[term_hash(k) % n_key_shards][k] = [x for i in by_key[k] for x in (i, texts[i])]
    for n in range(n_key_shards):
        emit(f"k/{n}.js", _call("addKeys", n, key_shards.get(n, {})))
    if len(by_key) <= KEY_LIST_MAX:
        key_filter: dict[str, Any] = {"list": "".join(sorted(by_key))}
    else:  # one bit per hash bucket: a key may be present
        m = _pow2_at_least(len(by_key) * 8)
        bits = bytearray(m // 8)
        for k in by_key:
            b = term_hash(k) % m
            bits[b >> 3] |= 1 << (b & 7)
        key_filter = {"bits": base64.b64encode(bytes(bits)).decode("ascii"), "m": m}
    return {
        "templates": len(templates),
        "texts": len(texts),
        "key_shards": n_key_shards,
        "use_groups": use_starts,
        "key_filter": key_filter,
        "keys": len(by_key),
    }


def _stored_documents(index: Index) -> Iterator[SearchDoc]:
    """Every document of the index as stored (title and texts; no terms), in document order."""
    for d, (adv, case, lang) in enumerate(index.documents()):
        stored = index.stored_at(d)
        yield SearchDoc(adv, case, lang, stored["title_text"], stored["texts"])


def _doc_files(index: Index, shapes: list[_Shape], emit: Callable[[str, str], None]) -> int:
    """Each case's advisory id, title, texts (for evidence), first steps and not-affected reasons, one
    file per language and group of consecutive cases (d/<lang>/<n>.js, cases numbered as in the
    core): a search loads the groups of the hits it shows. A case of an advisory not written in a
    language is ``null`` in that language's files (none of only those is written). Returns the group
    size (cases per file).

    The documents are read from the index twice, a group at a time: once for the group size (about
    DOC_GROUP_BYTES per file, measured on the first language, in LANGS order, each case is written
    in), then for the files."""
    first_doc: list[dict[str, int]] = []  # per case: language -> its document
    d = 0
    for s in shapes:
        for _case in s.cases:
            first_doc.append({lang: d + k for k, lang in enumerate(s.langs)})
            d += len(s.langs)
    keys = index.documents()

    def record(doc: int) -> dict[str, Any]:
        adv, case, _lang = keys[doc]
        stored = index.stored_at(doc)
        texts = stored["texts"]
        return {
            "a": adv,
            "id": case,
            "title": stored["title_text"],
            "texts": {f: texts.get(f, "") for f in spec.WORD_FIELDS},
            "steps": [s for s in texts.get("steps", "").split("\n") if s][: spec.STEPS_SHOWN],
            "na": {key: list(v) for key, v in _table(texts.get("not_affected_table", "")).items()},
        }

    n_cases = len(first_doc)
    sizes = [len(json.dumps(record(next(docs[lang] for lang in LANGS if lang in docs)), ensure_ascii=False)) for docs in first_doc]
    group = _grouped(sizes, lambda size: size, DOC_GROUP_BYTES)
    for lang in LANGS:
        for g in range(0, max(n_cases, 1), group):
            chunk = [record(docs[lang]) if lang in docs else None for docs in first_doc[g : g + group]]
            if any(chunk) or not n_cases:
                emit(f"d/{lang}/{g // group}.js", _call("addDocs", lang, g // group, chunk))
    return group


@contextlib.contextmanager
def private_index(advisories: Sequence[Advisory], folder: Path | None = None) -> Iterator[Index]:
    """An index of ``advisories`` (in id order) built in a temporary folder (inside ``folder``, else
    the system's temporary folder), open; removed afterwards. For a site made without a build of
    the knowledge base's own (``kb site``, the tests). Analyzed as a build does
    (:func:`kb.search.documents.indexable`: by worker processes when there are many; packed
    advisories, :class:`kb.content.shelf.Unpacked`, are unpacked there)."""
    items: list[Advisory | Packed] = list(advisories.packed if isinstance(advisories, Unpacked) else advisories)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kb-site-index-", dir=folder) as tmp:
        made = indexable(iter(items), count=len(items))
        try:
            parts = (Part(item.id, *next(made)) for item in items)
            index = Index(build_index(parts, Path(tmp) / "index", {"advisories": len(items)}))
        finally:
            made.close()
        try:
            yield index
        finally:
            index.close()


def search_index(
    source: Index | Sequence[Advisory],
    large_df: int = LARGE_DF,
    table_df: int | None = None,
    emit: Callable[[str, str], None] | None = None,
) -> SearchIndex:
    """Build the browser's index from an index build (:class:`kb.search.index.Index`: the same
    documents, postings and templates as the Python side's), or from advisories (indexed first in a
    temporary folder: :func:`private_index`).

    Posting lists of ``large_df`` documents or more are stored apart, in parts by segment; parts of
    ``table_df`` documents or more (default: half their segment's) take their lengths from the
    segment's length table. ``emit(path, text)`` takes each file as it is made (then
    :attr:`SearchIndex.files` stays empty); by default they are kept in :attr:`SearchIndex.files`.
    """
    if not isinstance(source, Index):
        with private_index(source) as index:
            return search_index(index, large_df, table_df, emit)
    index = source
    files: dict[str, str] = {}
    written = 0

    def out(rel: str, text: str) -> None:
        nonlocal written
        written += 1
        (emit or files.__setitem__)(rel, text)

    shapes = _shapes(index.documents())
    n_docs = sum(len(s.cases) * len(s.langs) for s in shapes)
    case_index = {(s.id, c): n for n, (s, c) in enumerate((s, c) for s in shapes for c in s.cases)}
    terms = _posting_files(index, document_segments(shapes), large_df, table_df, out)
    templates = _template_files(list(index.templates), case_index, out)
    doc_group = _doc_files(index, shapes, out)
    lexicon = japanese_lexicon(_stored_documents(index))
    lexicon_files, lexicon_core = lexicon.files()
    for rel, text in lexicon_files.items():
        out(rel, text)
    case_rank = [order.index(c) for s in shapes for order in [sorted(s.cases)] for c in s.cases]
    core = {
        "format": "kb-site-search/4",
        "kb": __version__,
        "langs": list(LANGS),
        "docs": n_docs,
        "cases": varints([len(s.cases) for s in shapes]),  # every number of the core that grows with the corpus is varints
        "partial_langs": _partial_langs(shapes),
        "case_rank": varints(case_rank),
        "fields": {name: [code, spec.FIELD_BOOSTS[name]] for name, code in SCORED_CODES.items()},
        "lookups": LOOKUP_CODES,
        "avgfl": {name: terms["field_total"][name] / (n_docs or 1) for name in SCORED_CODES},
        **{k: v for k, v in terms.items() if k not in ("long_lists", "length_lists", "field_total", "terms")},
        **{k: v for k, v in templates.items() if k not in ("texts", "keys", "use_groups")},
        "use_groups": varints(_deltas(templates["use_groups"], 1)),
        "doc_group": doc_group,
        "placeholder_types": {k: _js_regex(v) for k, v in PLACEHOLDER_TYPES.items()},
        "lexicon": lexicon_core,
        # Every kb.spec constant the browser ranks with (kbsearch.js reads them as P.<NAME>), the aliases
        # (kb.text.synonyms.table(): SYNONYMS and the glossary, analyzed) and the bug check names (kb.text.stopcodes).
        "params": {**spec.shared(), **browser_data()},
    }
    out("core.js", _call("load", core))
    stats = {
        "docs": n_docs,
        "terms": terms["terms"],
        "files": written,
        **{k: terms[k] for k in ("shards", "long_lists", "length_lists")},
        **{k: templates[k] for k in ("templates", "texts", "keys", "key_shards")},
        "doc_group": doc_group,
        "lexicon": {**lexicon.stats, "shards": lexicon_core["shards"]},
    }
    return SearchIndex(files, stats, lexicon)


def browser_data() -> dict[str, Any]:
    """The tables kbsearch.js reads from core.js beside kb.spec's constants: ``ALIASES``
    (:func:`kb.text.synonyms.table`) and ``STOP_CODES`` (:data:`kb.text.stopcodes.STOP_CODES`)."""
    return {"ALIASES": {k: list(v) for k, v in alias_table().items()}, "STOP_CODES": dict(STOP_CODES)}


# --- Japanese words without MeCab: the corpus's lexicon (search/j/) -------------------------------
#
# kb.search.rank analyzes a Japanese query with MeCab (kb.text.analysis.mecab_words: UniDic lemmas, glosses),
# and the index holds those lemmas. The browser has no MeCab and cannot ship its dictionary, but a
# query word can only score when the corpus has it: so the site ships the surface forms MeCab found
# in the corpus's own text, each with the terms MeCab made of it (lemma, gloss), plus the other
# inflected forms of the corpus's verbs and adjectives and the glossary's words (their aliases count
# even where the corpus lacks them). The browser cuts each CJK run of a query into those surfaces by
# the cheapest path (a surface costs -ln of its frequency as a token; a stretch no surface covers is
# an unknown word, costed by script and length) and emits their terms; an unknown word becomes a
# placeholder term, which no document has but which counts in the query's coverage as MeCab's word
# would. Bigrams are emitted for the whole run, as in Python. Costs are integers, so that Python
# (Lexicon.words, for the parity tests) and kbsearch.js (lexiconWords) find the same path.
#
# MeCab weighs its words in context, the cut by frequency does not: where the two part ways on the
# corpus's own text (ワークスペース: MeCab's ワークス·ペース, by frequency ワーク·スペース; 読み込み before 中: the
# verb, alone: the noun), the string as MeCab reads it in most of its occurrences becomes a *phrase*,
# one surface of several tokens, costed just below the cut it replaces (:func:`_add_phrases`).

LEXICON_SHARD_BYTES = 3_000  # target size of one lexicon shard (uncompressed JSON)
COST_SCALE = 100  # a surface's cost: round(-ln(its share of the corpus's tokens) * COST_SCALE)
UNSEEN_COUNT = 2  # a generated form (inflection, glossary word) is costed as a surface seen twice
UNKNOWN_COSTS = {"C": (1500, 600, 4), "H": (1500, 600, 3), "K": (2000, 300, 0)}
"""Unknown words by script (kanji, hiragana, katakana): cost ``a + b * length``, at most ``max``
characters (0: katakana is read to the end of its stretch, as MeCab groups unknown katakana)."""
UNKNOWN_HIRAGANA_WORD = 3  # an unknown hiragana stretch this long is a word (shorter: an ending)
PLACEHOLDER = "\x00"  # starts the term of an unknown word: no document has it
PHRASE_MIN_COUNT = 2  # a phrase is MeCab's reading of a string in at least this many of its occurrences ...
PHRASE_ROUNDS = 3  # ... (more than half of them); phrases are looked for again with those found, at most this often
_INFLECTING = frozenset({"動詞", "形容詞"})
_GODAN_ROWS = {
    "カ": "かきくけこ",
    "ガ": "がぎぐげご",
    "サ": "さしすせそ",
    "タ": "たちつてと",
    "ナ": "なにぬねの",
    "バ": "ばびぶべぼ",
    "マ": "まみむめも",
    "ラ": "らりるれろ",
    "ワア": "わいうえお",
}
_ONBIN = {"カ": "い", "ガ": "い", "タ": "っ", "ラ": "っ", "ワア": "っ", "ナ": "ん", "バ": "ん", "マ": "ん"}
_PROBES = ("", "ない", "ます", "た", "て", "だ", "で", "ば", "う", "ず")  # what may follow a form when MeCab checks it


def _kana_to_hiragana(kana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kana)


def _inflections(base: str, ctype: str) -> list[str]:
    """Candidate inflected forms of a verb or adjective (UniDic conjugation type ``ctype``) written
    ``base`` in its dictionary form: MeCab checks each before it goes into the lexicon."""
    if ctype.startswith("五段-"):
        row = ctype.split("-")[1].removesuffix("行")
        stem = base[:-1]
        if row not in _GODAN_ROWS:
            return []
        onbin = [stem + _ONBIN[row]] if row in _ONBIN else []
        volitional = stem + _GODAN_ROWS[row][4] + "う"  # 書こう: one word to MeCab
        return [stem + e for e in _GODAN_ROWS[row]] + onbin + [stem + "っ"] * base.endswith("く") + [volitional]  # 行く: 行った
    if ctype.startswith(("上一段", "下一段")):
        stem = base[:-1]
        return [stem, stem + "る", stem + "れ", stem + "ろ", stem + "よ", stem + "よう"]
    if ctype == "形容詞":
        stem = base[:-1]
        return [stem + e for e in ("", "い", "く", "かっ", "けれ", "かろ", "う", "さ")]
    if ctype == "カ行変格":
        stem = base[:-1]
        return [stem, stem + "る", stem + "れ", stem + "い", stem + "よう"]
    return []


def cjk_runs(text: str) -> list[str]:
    """The CJK runs of ``text`` that kb.text.analysis.analyze gives to MeCab (normalized, between identifiers)."""
    norm = normalize(text)
    return [m.group(0) for s, e in _segments(norm, find_identifiers(norm)) for m in _CJK_RUN_RE.finditer(norm, s, e)]


def _mecab_tokens(run: str) -> list[tuple[str, tuple[str, ...], Any]]:
    """MeCab's tokens of a run: (surface, the terms kb.text.analysis.mecab_words makes of it, UniDic features)."""
    terms_at: dict[tuple[int, int], list[str]] = defaultdict(list)
    for w, s, e in mecab_words(run):
        terms_at[(s, e)].append(w)
    out, pos = [], 0
    for node in _tagger()(run):
        pos += len(node.white_space)
        s, pos = pos, pos + len(node.surface)
        out.append((node.surface, tuple(terms_at.pop((s, pos), ())), node.feature))
    if terms_at:  # mecab_words and the tagger disagree on where the words are
        raise RuntimeError(f"cannot map kb.text.analysis.mecab_words onto MeCab's tokens of {run!r}")
    return out


def glossary_words() -> list[str]:
    """The Japanese words of kb/text/glossary.py and kb.text.synonyms.SYNONYMS (their aliases count in every corpus)."""
    words = [*JAPANESE_COLLOQUIAL, *(w for v in JAPANESE_COLLOQUIAL.values() for w in v), *(w for v in ENGLISH_JAPANESE.values() for w in v)]
    words += [w for k, v in SYNONYMS.items() for w in (k, *v)]
    return [w for w in dict.fromkeys(words) if is_japanese(w)]


@dataclass
class Lexicon:
    """Surface forms -> the terms MeCab makes of them, with a cost; what the browser segments
    Japanese queries with. ``first`` / ``whole``: a surface's terms when it starts its run / is the
    whole run, where MeCab reads it otherwise there (で at the start of a run is a conjunction)."""

    entries: dict[str, tuple[int, tuple[str, ...]]]
    first: dict[str, tuple[str, ...]]
    whole: dict[str, tuple[str, ...]]
    stats: dict[str, int]
    phrases: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = field(default_factory=dict)
    """A surface of several tokens (its entry's terms are empty) -> each token's length and terms."""

    @property
    def maxlen(self) -> int:
        return self._surfaces()[0]

    def _surfaces(self) -> tuple[int, set[str]]:
        """The longest surface's length, and every beginning of every surface (the surfaces
        included); remade when surfaces were added."""
        cached = self.__dict__.get("_surface_cache")
        if cached is None or cached[0] != len(self.entries):
            longest = max(map(len, self.entries), default=0)
            cached = self.__dict__["_surface_cache"] = (len(self.entries), longest, {s[:k] for s in self.entries for k in range(1, len(s) + 1)})
        return cached[1], cached[2]

    def segment(self, run: str) -> list[tuple[int, int, bool]]:
        """The cheapest cut of a CJK run into known surfaces and unknown words: (start, end, known).
        Mirrored by ``lexiconSegment`` in kbsearch.js (same candidates, same order, integer costs)."""
        n = len(run)
        maxlen, prefixes = self._surfaces()
        best: list[int | None] = [0] + [None] * n
        back: list[tuple[int, bool]] = [(0, False)] * (n + 1)
        span_end = [0] * n  # where the stretch of run[i]'s script ends
        for i in range(n - 1, -1, -1):
            span_end[i] = span_end[i + 1] if i + 1 < n and _script(run[i + 1]) == _script(run[i]) else i + 1

        def offer(i: int, j: int, cost: int, known: bool) -> None:
            if best[j] is None or cost < best[j]:  # type: ignore[operator]
                best[j], back[j] = cost, (i, known)

        for i in range(n):
            here = best[i]
            if here is None:
                continue
            for j in range(i + 1, min(n, i + maxlen) + 1):
                piece = run[i:j]
                if piece not in prefixes:  # no longer surface starts so (the same offers, fewer lookups)
                    break
                e = self.entries.get(piece)
                if e is not None:
                    offer(i, j, here + e[0], True)
            sc = _script(run[i])
            a, b, longest = UNKNOWN_COSTS[sc]
            ends = [span_end[i]] if longest == 0 else range(i + 1, min(span_end[i], i + longest) + 1)
            for j in ends:
                if run[i:j] not in self.entries:
                    offer(i, j, here + a + b * (j - i), False)
        out, j = [], n
        while j > 0:
            i, known = back[j]
            out.append((i, j, known))
            j = i
        return out[::-1]

    def tokens(self, run: str, *, edges: bool = True) -> list[tuple[int, int, tuple[str, ...] | None]]:
        """The tokens of a CJK run as MeCab's are read here: (start, end, terms); terms None for an
        unknown word. A phrase gives each of its tokens. ``edges=False``: read as if the run went on
        at both ends (no ``first`` or ``whole`` terms)."""
        out: list[tuple[int, int, tuple[str, ...] | None]] = []
        for i, j, known in self.segment(run):
            s = run[i:j]
            phrase = self.phrases.get(s) if known else None
            if phrase is not None:
                for length, part in phrase:
                    out.append((i, i + length, part))
                    i += length
            elif known:
                terms = None
                if edges:
                    terms = self.whole.get(s, self.first.get(s)) if j - i == len(run) else self.first.get(s) if i == 0 else None
                out.append((i, j, terms if terms is not None else self.entries[s][1]))
            else:
                out.append((i, j, None))
        return out

    def words(self, run: str, base: int = 0) -> list[tuple[str, int, int]]:
        """The query terms of a CJK run, as kb.text.analysis.mecab_words gives them (offsets into the run + ``base``)."""
        out = []
        for i, j, terms in self.tokens(run):
            if terms is not None:
                out += [(t, base + i, base + j) for t in terms]
            elif _script(run[i]) != "H" or j - i >= UNKNOWN_HIRAGANA_WORD:
                out.append((PLACEHOLDER + run[i:j], base + i, base + j))
        return out

    def files(self) -> tuple[dict[str, str], dict[str, Any]]:
        """Shards j/<n>.js (surfaces by the hash of their first character) and what the core says of them."""
        rows: dict[str, list] = {s: [cost, *terms] for s, (cost, terms) in sorted(self.entries.items())}
        rows.update({s: [self.entries[s][0], *([length, *terms] for length, terms in p)] for s, p in sorted(self.phrases.items())})
        rows.update({"^" + s: list(t) for s, t in sorted(self.first.items())})
        rows.update({"^" + s + "$": list(t) for s, t in sorted(self.whole.items())})
        size = sum(len(k) + len(json.dumps(v, ensure_ascii=False)) + 4 for k, v in rows.items())
        n = _pow2_at_least(size / LEXICON_SHARD_BYTES) if rows else 0
        shards: dict[int, dict[str, list]] = defaultdict(dict)
        for k, v in rows.items():
            shards[term_hash(k.lstrip("^")[0]) % n][k] = v
        files = {f"j/{i}.js": _call("addLexicon", i, shards.get(i, {})) for i in range(n)}
        core = {
            "shards": n,
            "maxlen": self.maxlen,
            "unknown": {k: list(v) for k, v in UNKNOWN_COSTS.items()},
            "hiragana_word": UNKNOWN_HIRAGANA_WORD,
            "placeholder": PLACEHOLDER,
        }
        return files, core


def japanese_lexicon(docs: Iterable[SearchDoc], extra: list[str] | None = None) -> Lexicon:
    """The lexicon of the documents' Japanese text (their analyzed fields, kb.search.documents.TEXT_FIELDS),
    plus the inflected forms of its verbs and adjectives and the words of ``extra`` (default: the
    glossary's, :func:`glossary_words`) with theirs. Runs MeCab once per distinct CJK run. ``docs``
    may be an iterator: each is read once, in turn."""
    runs: Counter[str] = Counter()
    seen_texts: dict[str, list[str]] = {}  # an advisory's documents repeat its texts (its summary, in each case)
    advisory = None
    for d in docs:
        if d.advisory != advisory:
            advisory = d.advisory
            seen_texts.clear()
        for name in TEXT_FIELDS:
            text = d.texts.get(name, "")
            if text not in seen_texts:
                seen_texts[text] = cjk_runs(text) if is_japanese(text) else []
            runs.update(seen_texts[text])
    count: Counter[str] = Counter()
    analyses: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    first: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    whole: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    bases: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)  # (lemma, conjugation type) -> dictionary forms

    def note_base(feat: Any) -> None:
        if feat.pos1 in _INFLECTING and feat.cType not in ("*", "") and feat.lemma and "-" not in feat.lemma:
            for b in (feat.lemma, feat.orthBase, _kana_to_hiragana(feat.kanaBase or "")):
                if b and b != "*" and normalize(b) == b:
                    bases[(feat.lemma, feat.cType)][b] = None

    read: dict[str, list[_Token]] = {}  # each run's tokens as MeCab reads them (for the phrases)
    for run, n in runs.items():
        tokens = _mecab_tokens(run)
        ends = list(accumulate(len(surface) for surface, _, _ in tokens))  # (a CJK run has no spaces)
        read[run] = [(end - len(surface), end, terms) for end, (surface, terms, _) in zip(ends, tokens)]
        for k, (surface, terms, feat) in enumerate(tokens):
            count[surface] += n
            analyses[surface][terms] += n
            if k == 0:
                first[surface][terms] += n
                if len(tokens) == 1:
                    whole[surface][terms] += n
            note_base(feat)
    generated: dict[str, tuple[str, ...]] = {}
    for word in extra if extra is not None else glossary_words():
        for run in cjk_runs(word):
            for surface, terms, feat in _mecab_tokens(run):
                if surface not in count:
                    generated.setdefault(surface, terms)
                note_base(feat)
    tagger = _tagger()
    for (lemma, ctype), forms in bases.items():
        for base in forms:
            for cand in _inflections(base, ctype):
                if not cand or cand in count or cand in generated or normalize(cand) != cand:
                    continue
                for probe in _PROBES:
                    nodes = tagger(cand + probe)
                    if nodes and nodes[0].surface == cand and nodes[0].feature.lemma == lemma:
                        generated[cand] = tuple(w for w, s, e in mecab_words(cand + probe) if (s, e) == (0, len(cand)))
                        break
    total = sum(count.values())
    entries: dict[str, tuple[int, tuple[str, ...]]] = {}
    for surface, c in count.items():
        entries[surface] = (round(-math.log(c / total) * COST_SCALE), analyses[surface].most_common(1)[0][0])
    unseen = round(-math.log(UNSEEN_COUNT / max(total, 1)) * COST_SCALE)
    for surface, terms in generated.items():
        entries[surface] = (unseen, terms)
    at_start = {s: c.most_common(1)[0][0] for s, c in first.items()}
    at_start = {s: t for s, t in at_start.items() if t != entries[s][1]}
    alone = {s: c.most_common(1)[0][0] for s, c in whole.items()}
    alone = {s: t for s, t in alone.items() if t != at_start.get(s, entries[s][1])}
    stats = {"runs": len(runs), "tokens": total, "surfaces": len(count), "generated": len(generated)}
    lexicon = Lexicon(entries, at_start, alone, stats)
    _add_phrases(lexicon, runs, read)
    lexicon.stats["phrases"] = len(lexicon.phrases)
    return lexicon


# A token as MeCab reads it: (start, end, terms) in its run; as the lexicon reads it, terms may be None (unknown)
_Token = tuple[int, int, tuple[str, ...] | None]


def _differences(mecab: list[_Token], mine: list[_Token]) -> Iterator[tuple[int, int]]:
    """The stretches of a run that MeCab and the lexicon read differently: between two boundaries
    both have, where their tokens differ. Where one token has other terms (読み込み: the noun, MeCab's
    verb before 中), the stretch takes in MeCab's next token (else its previous), the context that
    decided it."""
    common = sorted({e for _, e, _ in mecab} & {e for _, e, _ in mine})
    a = b = start = 0
    for end in common:
        first_a, first_b = a, b
        while a < len(mecab) and mecab[a][1] <= end:
            a += 1
        while b < len(mine) and mine[b][1] <= end:
            b += 1
        if mecab[first_a:a] != mine[first_b:b]:
            if a - first_a == 1 and b - first_b == 1:  # the same word, other terms
                if a < len(mecab):
                    end = mecab[a][1]
                elif first_a > 0:
                    start = mecab[first_a - 1][0]
            yield start, end
        start = end


def _add_phrases(lexicon: Lexicon, runs: Counter[str], read: dict[str, list[_Token]]) -> None:
    """Make phrases of the strings that MeCab reads otherwise than the lexicon (:func:`_differences`)
    in its own text: a string whose occurrences MeCab reads one way more than half the time (and at
    least PHRASE_MIN_COUNT times; an occurrence not on MeCab's token boundaries reads otherwise)
    becomes a surface of those tokens, costed one below the lexicon's cut of the string. Then again
    with the phrases found, as they change the cut elsewhere."""
    for _ in range(PHRASE_ROUNDS):
        candidates: dict[str, None] = {}
        for run in runs:
            for start, end in _differences(read[run], lexicon.tokens(run)):
                if end - start >= 2 and run[start:end] not in lexicon.phrases:
                    candidates[run[start:end]] = None
        if not candidates:
            return
        automaton = ahocorasick.Automaton()
        for string in candidates:
            automaton.add_word(string, string)
        automaton.make_automaton()
        readings: dict[str, Counter[tuple[tuple[int, tuple[str, ...]], ...] | None]] = defaultdict(Counter)
        for run, n in runs.items():
            tokens = read[run]
            at = {s: k for k, (s, _, _) in enumerate(tokens)}
            for last, string in automaton.iter(run):
                start, end = last + 1 - len(string), last + 1
                pieces: list[tuple[int, tuple[str, ...]]] = []
                k = at.get(start)
                while k is not None and k < len(tokens) and tokens[k][1] <= end:
                    pieces.append((tokens[k][1] - tokens[k][0], tokens[k][2] or ()))
                    k += 1
                aligned = k is not None and sum(length for length, _ in pieces) == len(string)
                readings[string][tuple(pieces) if aligned else None] += n
        found: dict[str, tuple[int, tuple[tuple[int, tuple[str, ...]], ...]]] = {}  # (decided on the lexicon as the round found it)
        for string, votes in readings.items():
            (reading, n), total = votes.most_common(1)[0], sum(votes.values())
            if reading is None or n < PHRASE_MIN_COUNT or 2 * n <= total:
                continue
            if tuple((e - s, t) for s, e, t in lexicon.tokens(string, edges=False)) == reading:
                continue
            found[string] = (sum(lexicon.entries[string[s:e]][0] for s, e, known in lexicon.segment(string) if known) - 1, reading)
        if not found:
            return
        for string, (cost, reading) in found.items():
            lexicon.entries[string] = (cost, ())
            lexicon.phrases[string] = reading
            lexicon.first.pop(string, None)
            lexicon.whole.pop(string, None)


def browser_analyze(text: str, lexicon: Lexicon | None) -> Analysis:
    """:func:`kb.text.analysis.analyze` as kbsearch.js analyzes a query: Japanese words from ``lexicon``
    (:meth:`Lexicon.words`) where Python uses MeCab; without a lexicon, ``analyze(text, japanese=False)``."""
    if lexicon is None:
        return analyze(text, japanese=False)
    return analyze(text, cjk_words=lexicon.words)


# --- the script (static/kbsearch.js) -----------------------------------------------------------

KBSEARCH_PATH = PACKAGE_DIR / "static" / "kbsearch.js"
PORTER2_PATH = PACKAGE_DIR / "static" / "porter2.js"
PORTER2_MARKER = "/* @porter2 */"
_PORTER2_EXPORT = "if (typeof module"


def browser_script() -> str:
    """``static/kbsearch.js`` as the site ships it: kb/static/kbsearch.js with the Snowball stemmer of
    kb/static/porter2.js (its ``function porter2``, the single source of the algorithm) put in at
    kbsearch.js's ``/* @porter2 */`` line, so that the site's search is one self-contained script."""
    static = resources.files("kb").joinpath("static")
    js, stemmer = static.joinpath("kbsearch.js").read_text("utf-8"), static.joinpath("porter2.js").read_text("utf-8")
    if js.count(PORTER2_MARKER) != 1 or stemmer.count(_PORTER2_EXPORT) != 1 or "function porter2(" not in stemmer:
        raise RuntimeError(f"cannot put {PORTER2_PATH.name} into {KBSEARCH_PATH.name}: expected one {PORTER2_MARKER} line and one porter2 function")
    body = stemmer[: stemmer.index(_PORTER2_EXPORT)].rstrip("\n")
    indent = js[: js.index(PORTER2_MARKER)].rsplit("\n", 1)[1]
    return without_comment_lines(js.replace(PORTER2_MARKER, "\n".join(indent + line if line else line for line in body.split("\n")).lstrip(" ")))


def without_comment_lines(js: str) -> str:
    """``js`` without its whole-line comments (``// ...`` lines, ``/* ... */`` blocks that begin and
    end a line) and blank lines: what a browser needs of kb's scripts, a quarter less to download
    (the sources keep them for their readers). A line inside a template literal that spans lines is
    kept as it is; any other comment stays. A comment block that ends before more code on its last
    line is a shape this does not strip: an error (kb's own scripts, checked by the tests)."""
    kept: list[str] = []
    in_block = in_literal = False
    for number, line in enumerate(js.split("\n"), 1):
        bare = line.strip()
        if in_block:
            if "*/" in bare:
                if not bare.endswith("*/") or bare.count("*/") != 1:
                    raise RuntimeError(f"kbsearch.js line {number}: code after the end of a comment block")
                in_block = False
            continue
        if not in_literal:
            if not bare or bare.startswith("//"):
                continue
            if bare.startswith("/*") and "*/" not in bare:
                in_block = True
                continue
            if bare.startswith("/*") and bare.endswith("*/") and bare.count("*/") == 1:
                continue
        if line.count("`") % 2:  # (a template literal opens or closes on this line)
            in_literal = not in_literal
        kept.append(line)
    if in_block or in_literal:
        raise RuntimeError("kbsearch.js ends inside a comment block or a template literal")
    return "\n".join(kept) + "\n"


# --- shared test vectors (kb/static/vectors.json) ----------------------------------------------


def vector(text: str) -> dict[str, Any]:
    """What the Python pipeline makes of ``text``; kbsearch.js must make the same."""
    a = analyze(text, japanese=False)
    return {
        "input": text,
        "normalized": a.normalized,
        "words": [t.text for t in a.words],
        "grams": [t.text for t in a.grams],
        "identifiers": [{"kind": i.kind, "value": i.value, "aliases": list(i.aliases)} for i in a.identifiers],
        "squashed": squash(text),
    }


VECTORS_PATH = PACKAGE_DIR / "static" / "vectors.json"


def write_vectors(path: Path = VECTORS_PATH) -> list[dict[str, Any]]:
    """Recompute every vector of ``vectors.json`` from its input (run after changing kb/text/analysis.py)."""
    inputs = [v["input"] for v in json.loads(path.read_text("utf-8"))]
    vectors = [vector(t) for t in inputs]
    path.write_text(json.dumps(vectors, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return vectors


def gzip_size(data: bytes) -> int:
    """Bytes a web server would send (gzip level 6)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))
