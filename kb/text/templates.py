"""Error-message template matching: does a pasted text contain one of the content's messages?

Stage 2 (analysis). A message such as ``CoServer{{n:number}}.MtcScp status: Virtual Server{{x:number}}
is failed.`` is compiled to a pattern whose slots match any value of their type. Matching happens on
*squashed* text (normalized, all white space removed), so line breaks, indentation, timestamps on
other lines and the spaces Windows puts (or not) between Japanese words do not matter; slot values
are reported from the original paste.

To stay fast with tens of thousands of templates and a paste of up to megabytes, each template has a
few *keys*: its rarest character trigrams. Only templates whose key occurs in the paste are checked
(keys and the paste's trigrams compared as integers), each wording once however many cases share it
(its regular expression compiled once); in a long paste, every literal piece of every candidate is
found in one pass (an Aho-Corasick automaton, pyahocorasick) instead of one search per piece.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import spec
from ..content.model import PLACEHOLDER_TYPES, Placeholder, Template
from ..spec import KEYS_PER_TEMPLATE, SLOT_MAX  # noqa: F401  (re-exported; the code reads spec.<NAME>)
from .analysis import normalize_with_map

try:  # a long paste is scanned once for every candidate's literal pieces (optional: else piece by piece)
    import ahocorasick
except ImportError:  # pragma: no cover
    ahocorasick = None


_SPACE_RUN = re.compile(r"\s+")  # the same characters as str.isspace()
_SPACE_CODES = [c for c in range(0x3001) if chr(c).isspace()]  # (none above U+3000)
_SQUASH_WITH_NUMPY = 4_000  # characters from which white space is found with numpy


def squash_with_map(text: str) -> tuple[str, list[int]]:
    """Normalized text without white space, and for each character its offset in ``text`` (plus one
    last entry, ``len(text)``)."""
    norm, origin = normalize_with_map(text)  # origin ends with len(text)
    if _SPACE_RUN.search(norm) is None:
        return norm, origin
    if len(norm) > _SQUASH_WITH_NUMPY:
        import numpy as np

        keep = ~np.isin(_codes(np, norm), _SPACE_CODES)
        return _SPACE_RUN.sub("", norm), np.asarray(origin[:-1], dtype=np.int64)[keep].tolist() + [origin[-1]]
    kept: list[int] = []
    pos = 0
    for m in _SPACE_RUN.finditer(norm):
        kept += origin[pos : m.start()]
        pos = m.end()
    kept += origin[pos:]
    return _SPACE_RUN.sub("", norm), kept


def squash(text: str) -> str:
    return squash_with_map(text)[0]


def literal_parts(template: Template) -> list[str]:
    """The template's literal pieces, squashed (empty ones dropped)."""
    return [s for s in (squash(p) for p in template.literals) if s]


def _slot_regex(p: Placeholder, index: int) -> str:
    body = PLACEHOLDER_TYPES.get(p.type, PLACEHOLDER_TYPES["text"])
    slot_max = spec.SLOT_MAX
    body = body.replace(r"\s", "").replace("{0,200}", f"{{0,{slot_max}}}").replace("{1,200}", f"{{1,{slot_max}}}")
    return f"(?P<s{index}>{body})"


def compile_template(template: Template) -> re.Pattern[str]:
    """A regular expression over squashed text; group ``s<i>`` is the i-th placeholder."""
    out, k = [], 0
    for part in template.parts:
        if isinstance(part, str):
            out.append(re.escape(squash(part)))
        else:
            out.append(_slot_regex(part, k))
            k += 1
    return re.compile("".join(out), re.DOTALL)


_CHUNK_RE = re.compile(r"[\s.,:;!?()\[\]{}<>\"'|=。、・：「」『』【】（）]+")


def trigrams(s: str) -> set[str]:
    return {s[i : i + 3] for i in range(len(s) - 2)}


@dataclass(frozen=True)
class TemplateEntry:
    """One message wording in one language, as stored with the index."""

    advisory: str
    case: str
    message: str
    lang: str
    kind: str
    text: str  # the template source with {{slots}}
    generic: bool = False  # the message is generic (Message.generic, or a kind in spec.GENERIC_MESSAGE_KINDS)


@dataclass
class TemplateMatch:
    entry: TemplateEntry
    full: bool
    coverage: float  # share of the template's literal characters found in the paste
    slots: dict[str, str] = field(default_factory=dict)
    span: tuple[int, int] | None = None  # in the original paste
    key_found: bool = True  # partial match: the template's longest literal chunk is in the paste


def choose_keys(entries: Sequence[TemplateEntry]) -> list[list[str]]:
    """For each template, its rarest trigrams across all templates: one per long literal, then the rarest."""
    counts = Counter(e.text for e in entries)
    texts = list(counts)
    keys = wording_keys([joined_parts(Template.parse(t)) for t in texts], [counts[t] for t in texts])
    by_text = dict(zip(texts, keys))
    return [list(by_text[e.text]) for e in entries]


def joined_parts(template: Template) -> str:
    """:func:`literal_parts`, joined by ``PARTS_SEP`` (none of them is empty: no ambiguity)."""
    return PARTS_SEP.join(literal_parts(template))


def wording_keys(joined: Sequence[str], counts: Sequence[int]) -> list[list[str]]:
    """The keys of each wording, given its literal parts (:func:`joined_parts`) and how many
    templates have it: for each literal, the trigram the fewest templates have (then the smallest),
    literals with more distinct trigrams first, up to ``spec.KEYS_PER_TEMPLATE`` distinct keys.

    (A template's document frequency counts every template: a wording shared by ten cases counts
    ten times.) Computed over integer trigram codes with numpy."""
    import numpy as np

    n_parts = [x.count(PARTS_SEP) + 1 if x else 0 for x in joined]
    n_flat = sum(n_parts)
    owner = np.repeat(np.arange(len(joined), dtype=np.int64), n_parts)
    text = PARTS_SEP.join(x for x in joined if x)
    a = _codes(np, text) if text else np.zeros(0, np.int64)
    if len(a) >= _GRAM:
        sep = a == ord(PARTS_SEP)
        grams = (a[:-2] << 42) | (a[1:-1] << 21) | a[2:]
        inside = ~(sep[:-2] | sep[1:-1] | sep[2:])
        segs = np.cumsum(sep)[:-2][inside]  # which literal each trigram is in
        grams = grams[inside]
    else:
        segs = grams = np.zeros(0, np.int64)
    # Trigrams as dense ids (in code order: the order of the strings), then each literal's distinct ones.
    codes, gid = np.unique(grams, return_inverse=True)
    n_g = max(len(codes), 1)
    segs, gid = np.divmod(_distinct(np, segs * n_g + gid.reshape(-1)), n_g)
    distinct = np.bincount(segs, minlength=n_flat)
    # document frequency: each wording's distinct trigrams, counted as many times as it has templates
    words, wgid = np.divmod(_distinct(np, owner[segs] * n_g + gid), n_g)
    df = np.bincount(wgid, weights=np.asarray(counts, dtype=np.float64)[words], minlength=n_g).astype(np.int64)
    # each literal's rarest trigram, then the smallest: the least (df, id) of its segment
    best = np.full(n_flat, -1, dtype=np.int64)
    if len(segs):
        starts = np.flatnonzero(np.diff(segs, prepend=-1))
        least = np.minimum.reduceat(df[gid] * n_g + gid, starts)
        best[segs[starts]] = codes[least % n_g]
    out: list[list[str]] = []
    k = 0
    limit = spec.KEYS_PER_TEMPLATE
    best_l, distinct_l = best.tolist(), distinct.tolist()
    for n in n_parts:
        chosen: list[str] = []
        for j in sorted(range(k, k + n), key=lambda j: -distinct_l[j]):
            if distinct_l[j]:
                c = best_l[j]
                gram = chr(c >> 42) + chr((c >> 21) & _MASK21) + chr(c & _MASK21)
                if gram not in chosen:
                    chosen.append(gram)
            if len(chosen) >= limit:
                break
        out.append(chosen)
        k += n
    return out


def key_codes(keys: Sequence[Sequence[str]]) -> tuple[Any, Any]:
    """Keys as integer trigram codes, sorted, each with the index of its list in ``keys``. (A key that
    is not a trigram is left out: it is never found, as trigrams() are what a paste offers.)"""
    import numpy as np

    pairs = [(k, g) for g, ks in enumerate(keys) for k in dict.fromkeys(ks) if len(k) == _GRAM]
    codes = _trigram_codes(np, "".join(k for k, _ in pairs), step=_GRAM)
    order = np.argsort(codes, kind="stable")
    return codes[order], np.fromiter((g for _, g in pairs), dtype=np.int64, count=len(pairs))[order]


def _spans(np: Any, starts: Any, counts: Any) -> Any:
    """Every position of the ranges ``[starts[i], starts[i] + counts[i])``, one range after the other."""
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))


def _distinct(np: Any, values: Any) -> Any:
    """The distinct values, sorted (np.unique, by sorting)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


PARTS_SEP = "\x1f"  # white space: never in squashed text
_MASK21 = (1 << 21) - 1


class _Wording:
    """What matching needs of one wording (a template's source text): its literal parts (from the
    index when it has them, else parsed), its chunks cut on first use, its template parsed and its
    regular expression compiled only when a paste may hold the whole wording (both redone if the
    spec value they depend on has changed since).

    A query process keeps one for every wording that has been a candidate (~26,000 at 10,000
    advisories), so it is kept small: tuples, no copy of its text, nothing that can be derived
    cheaply when needed (:attr:`longest`, :attr:`key_chunk`)."""

    __slots__ = ("_source", "_table", "_template", "chunk_min", "chunk_total", "chunks", "lits", "rx", "slot_max", "total")

    def __init__(self, text: str | int, lits: Sequence[str] | None = None, table: Sequence[str] | None = None):
        # The text, or its number in ``table`` (a table of wordings): with ``lits`` given, it is
        # needed only to parse the template, which most candidate wordings never are.
        self._source, self._table = text, table
        self._template: Template | None = None
        # (literal parts and chunks are interned: many wordings share them, ~6 in 7 chunks at 10,000 advisories)
        self.lits: tuple[str, ...] = tuple(map(sys.intern, lits if lits is not None else literal_parts(self.template)))
        self.total = sum(map(len, self.lits))
        self.rx: re.Pattern[str] | None = None
        self.slot_max: int | None = None  # spec.SLOT_MAX the regex was compiled with
        self.chunks: tuple[str, ...] = ()
        self.chunk_total = 1
        self.chunk_min: int | None = None  # spec.MIN_CHUNK_CHARS the chunks were cut with

    @property
    def text(self) -> str:
        source = self._source
        if isinstance(source, str):
            return source
        assert self._table is not None
        return self._table[source]

    @property
    def longest(self) -> str:
        """The first of the longest literal parts ("" when there are none)."""
        return max(self.lits, key=len) if self.lits else ""

    @property
    def key_chunk(self) -> str:
        """The first of the longest chunks (after :meth:`cut`; "" when there are none)."""
        return max(self.chunks, key=len) if self.chunks else ""

    @property
    def template(self) -> Template:
        if self._template is None:
            self._template = Template.parse(self.text)
        return self._template

    @property
    def slots(self) -> tuple[Placeholder, ...]:
        return self.template.placeholders

    def regex(self) -> re.Pattern[str]:
        if self.rx is None or self.slot_max != spec.SLOT_MAX:
            self.rx, self.slot_max = compile_template(self.template), spec.SLOT_MAX
        return self.rx

    def cut(self) -> tuple[str, ...]:
        if self.chunk_min != spec.MIN_CHUNK_CHARS:
            chunks = tuple(sys.intern(c) for lit in self.lits for c in _CHUNK_RE.split(lit) if len(c) >= spec.MIN_CHUNK_CHARS)
            self.chunks = self.lits if chunks == self.lits else chunks  # (one tuple, when no literal part is cut)
            self.chunk_total = sum(map(len, self.chunks)) or 1
            self.chunk_min = spec.MIN_CHUNK_CHARS
        return self.chunks


@dataclass
class Found:
    """How one wording occurs in one paste (the same for every entry with that wording)."""

    full: bool
    coverage: float
    slots: dict[str, str] = field(default_factory=dict)
    span: tuple[int, int] | None = None
    key_found: bool = True


def _occurrences(sq: str, needle: str, limit: int) -> Iterator[int]:
    """Where ``needle`` starts in ``sq``, overlapping occurrences included, the first ``limit``."""
    pos, tries = sq.find(needle), 0
    while pos >= 0 and tries < limit:
        yield pos
        pos, tries = sq.find(needle, pos + 1), tries + 1


class _Paste:
    """A squashed paste and where the needles (longest literals, chunks) of its candidate wordings
    occur in it. A short paste is searched needle by needle; a long one is scanned once for all of
    them with an Aho-Corasick automaton (pyahocorasick) when it is installed."""

    def __init__(self, text: str, sq: str, origin: list[int], present: set[str] | None):
        self.text, self.sq, self.origin = text, sq, origin
        self._present = present  # the paste's trigrams, when computed
        self._has: dict[str, bool] = {}
        self._starts: dict[str, list[int]] | None = None  # needle -> first occurrences (scan)

    def scan(self, wordings: list[_Wording], limit: int) -> list[int]:
        """Find every needle of ``wordings`` in one pass over the paste; returns, for each wording,
        how many characters of its chunks the paste has."""
        import numpy as np

        needles: dict[str, int] = {}
        for w in wordings:
            if w.lits:
                needles.setdefault(w.longest, len(needles))
        anchors = len(needles)
        for w in wordings:  # (every literal part too: whether a wording can occur in full is then known)
            for lit in w.lits:
                needles.setdefault(lit, len(needles))
        chunk_needles: list[int] = []  # the needle of every chunk, wording by wording
        chunk_counts: list[int] = []
        for w in wordings:
            chunks = w.cut()
            chunk_counts.append(len(chunks))
            chunk_needles += [needles.setdefault(c, len(needles)) for c in chunks]
        names = list(needles)
        found = bytearray(len(names))
        starts: list[list[int]] = [[] for _ in range(anchors)]
        if names:
            automaton = ahocorasick.Automaton()
            for k, needle in enumerate(names):
                if needle:  # ("" is in every paste: has() says so)
                    automaton.add_word(needle, (k, len(needle) - 1))
            automaton.make_automaton()
            for end, (k, back) in automaton.iter(self.sq):
                found[k] = 1
                if k < anchors and len(starts[k]) < limit:
                    starts[k].append(end - back)
        self._has = {needle: bool(f) for needle, f in zip(names, found) if needle}
        self._starts = {names[k]: starts[k] for k in range(anchors)}
        at = np.asarray(chunk_needles, dtype=np.int64)
        lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
        running = np.concatenate(([0], np.cumsum(np.frombuffer(found, dtype=np.uint8)[at] * lengths[at])))
        ends = np.cumsum(chunk_counts, dtype=np.int64)
        return (running[ends] - running[ends - np.asarray(chunk_counts, dtype=np.int64)]).tolist()

    def anchors(self, needle: str, limit: int) -> Iterable[int]:
        if self._starts is not None and needle in self._starts:
            return self._starts[needle][: max(limit, 0)]
        return _occurrences(self.sq, needle, limit)

    def covered(self, needles: Sequence[str]) -> int:
        """How many characters of ``needles`` the paste has: the sum of the lengths of those it has
        (:meth:`has` of each, inlined: a paste's candidate wordings ask for thousands)."""
        if self._present is not None:
            return sum(len(c) for c in needles if self.has(c))
        known, sq, n = self._has, self.sq, 0
        for c in needles:
            h = known.get(c)
            if h is None:
                h = known[c] = c in sq
            if h:
                n += len(c)
        return n

    def has(self, needle: str) -> bool:
        h = self._has.get(needle)
        if h is None:
            present = self._present
            if present is not None and len(needle) >= _GRAM and any(needle[i : i + _GRAM] not in present for i in range(len(needle) - _GRAM + 1)):
                h = False
            else:
                h = needle in self.sq
            self._has[needle] = h
        return h


@dataclass
class PasteMatches:
    """The entries a paste contains (:meth:`TemplateMatcher.match_entries`): ``entries``, ascending
    (int64 array), and for the k-th of them ``found[which[k]]``, how its wording occurs."""

    entries: Any
    which: Any
    found: list[Found]

    @staticmethod
    def none() -> PasteMatches:
        import numpy as np

        return PasteMatches(np.zeros(0, np.int64), np.zeros(0, np.int64), [])


_GRAM = 3  # keys are character trigrams
_SCAN_ABOVE = 20_000  # squashed characters from which a paste is scanned once for all needles (with pyahocorasick)


class TemplateMatcher:
    """Finds which content messages a pasted text contains.

    Entries that share a wording (and keys) are matched once per paste; each wording's regular
    expression is compiled once, when it is first a candidate."""

    def __init__(self, entries: Sequence[TemplateEntry], keys: Sequence[list[str]] | None = None):
        import numpy as np

        self.entries = entries
        keys = keys if keys is not None else choose_keys(entries)
        known = keys if isinstance(keys, WordingKeys) and len(keys) == len(entries) else None
        group_keys: Sequence[list[str]]
        self._texts: Sequence[str]
        self._lits: Sequence[list[str]] | None = None  # each wording's literal parts, when the index has them
        if known is not None:  # an index's templates: each wording once, with its keys
            entry_group: Any = known.wording
            group_keys, self._texts, self._lits = known.keys, known.texts, known.lits
            self._group_wording: Any = range(len(group_keys))
        else:
            group_of: dict[tuple[str, tuple[str, ...]], int] = {}
            wording_of: dict[str, int] = {}
            new_keys: list[list[str]] = []
            texts: list[str] = []
            entry_group, self._group_wording = [], []
            for e, ks in zip(entries, keys):
                ident = (e.text, tuple(ks))
                g = group_of.get(ident)
                if g is None:
                    g = group_of[ident] = len(new_keys)
                    new_keys.append(ks)
                    w = wording_of.setdefault(e.text, len(texts))
                    if w == len(texts):
                        texts.append(e.text)
                    self._group_wording.append(w)
                entry_group.append(g)
            group_keys, self._texts = new_keys, texts
        if known is not None and known.grouped is not None:  # (each wording is a group)
            self._entry_order, self._group_bounds = known.grouped
        else:
            groups = np.asarray(entry_group, dtype=np.int64)
            self._entry_order = np.argsort(groups, kind="stable")  # entries by group (ascending within one)
            self._group_bounds = np.searchsorted(groups[self._entry_order], np.arange(len(group_keys) + 1))
        if known is not None and known.codes is not None:
            self._key_codes, self._key_groups = known.codes
        else:
            self._key_codes, self._key_groups = key_codes(group_keys)
        self._wordings: list[_Wording | None] = [None] * len(self._texts)

    def _wording(self, w: int) -> _Wording:
        c = self._wordings[w]
        if c is None:
            c = self._wordings[w] = _Wording(w, self._lits[w] if self._lits is not None else None, self._texts)
        return c

    def _entries_of(self, g: int) -> list[int]:
        return self._entry_order[self._group_bounds[g] : self._group_bounds[g + 1]].tolist()

    def _candidate_groups(self, squashed: str) -> list[int]:
        """The groups (entries sharing a wording and keys) with a key among the paste's trigrams."""
        import numpy as np

        if not len(self._key_codes) or len(squashed) < _GRAM:
            return []
        grams = _distinct(np, _trigram_codes(np, squashed, step=1))
        lo = np.searchsorted(self._key_codes, grams, side="left")
        hi = np.searchsorted(self._key_codes, grams, side="right")
        found = hi > lo
        lo, hi = lo[found], hi[found]
        if not len(lo):
            return []
        # every key position in [lo, hi) of every present trigram
        return _distinct(np, self._key_groups[_spans(np, lo, hi - lo)]).tolist()

    def candidates(self, squashed: str) -> list[int]:
        """The entries whose keys occur in a squashed text (ascending)."""
        return sorted(i for g in self._candidate_groups(squashed) for i in self._entries_of(g))

    def match(self, text: str, min_coverage: float | None = None) -> list[TemplateMatch]:
        """Every template the text contains fully, or partly (``coverage`` >= ``min_coverage``,
        by default ``spec.MIN_COVERAGE``): found in full first, then by coverage, then in entry order."""
        found = self.match_entries(text, min_coverage)
        hits = sorted(zip(found.entries.tolist(), found.which.tolist()), key=lambda h: (-found.found[h[1]].full, -found.found[h[1]].coverage, h[0]))
        entries = self.entries
        return [TemplateMatch(entries[i], f.full, f.coverage, dict(f.slots), f.span, f.key_found) for i, f in ((i, found.found[k]) for i, k in hits)]

    def match_entries(self, text: str, min_coverage: float | None = None) -> PasteMatches:
        """What :meth:`match` finds, as numbers: the entries, ascending, and for each how its wording
        occurs. Nothing is made per entry, so a paste that matches thousands of them stays cheap."""
        import numpy as np

        min_coverage = spec.MIN_COVERAGE if min_coverage is None else min_coverage
        sq, origin = squash_with_map(text)
        if len(sq) < spec.MIN_SQUASHED_CHARS:
            return PasteMatches.none()
        groups = self._candidate_groups(sq)
        ws = sorted({self._group_wording[g] for g in groups})
        paste = _Paste(text, sq, origin, None)
        covered: list[int] | list[None] = [None] * len(ws)
        if len(sq) > _SCAN_ABOVE and ahocorasick is not None:
            covered = paste.scan([self._wording(w) for w in ws], spec.MAX_FIND_TRIES)
        elif len(sq) > _SCAN_ABOVE:
            paste._present = trigrams(sq)
        found = {w: self._find(self._wording(w), paste, c) for w, c in zip(ws, covered)}
        hit: list[int] = []
        hit_found: list[Found] = []
        for g in groups:
            f = found[self._group_wording[g]]
            if f is not None and f.coverage >= min_coverage:
                hit.append(g)
                hit_found.append(f)
        if not hit:
            return PasteMatches.none()
        lo = self._group_bounds[hit]
        counts = self._group_bounds[np.asarray(hit) + 1] - lo
        entries = self._entry_order[_spans(np, lo, counts)]
        which = np.repeat(np.arange(len(hit)), counts)
        order = np.argsort(entries, kind="stable")
        return PasteMatches(entries[order], which[order], hit_found)

    def _find(self, w: _Wording, paste: _Paste, covered: int | None = None) -> Found | None:
        """Whether a wording occurs in full in the paste (with its slot values), else how much of it
        (``covered``: how many characters of its chunks the paste has, when already counted)."""
        lits = w.lits
        if not lits:
            return None
        sq, origin, text = paste.sq, paste.origin, paste.text
        chunks = w.cut()
        if covered is None:
            covered = paste.covered(chunks)
        # A full occurrence has every literal part, so every chunk of them: when the paste has none
        # of the chunks, or lacks a literal part, no anchor can give a match (and the regular
        # expression, compiled on first use, is not needed).
        if (covered or not chunks) and all(map(paste.has, lits)):
            reach = w.total + spec.SLOT_MAX * len(w.slots) + spec.REACH_SLACK
            rx = None
            for pos in paste.anchors(w.longest, spec.MAX_FIND_TRIES):
                rx = rx or w.regex()
                m = rx.search(sq, max(0, pos - reach), min(len(sq), pos + reach))
                if m:
                    values = {}
                    for k, p in enumerate(w.slots):
                        s, e = m.span(f"s{k}")
                        values[p.name] = text[origin[s] : origin[e - 1] + 1] if e > s else ""
                    return Found(True, 1.0, values, (origin[m.start()], origin[m.end() - 1] + 1))
        if not covered and chunks and not (spec.MIN_FRAGMENT_CHARS <= len(sq) <= w.total):
            return None  # (none of it, and too long or too short to be a fragment of it: most candidates of a long paste)
        coverage = covered / w.chunk_total
        # The longest chunk is what tells this message from its siblings (AccountDisabledException
        # vs TenantAccessBlockedException after the same prefix): without it, the paste is another message.
        key_found = not chunks or paste.has(w.key_chunk)
        if len(sq) >= spec.MIN_FRAGMENT_CHARS and len(sq) <= w.total and any(sq in lit for lit in lits):
            coverage = max(coverage, len(sq) / w.total)
        if coverage <= 0:
            return None
        return Found(False, coverage, key_found=key_found)


def _codes(np: Any, s: str) -> Any:
    """The code points of ``s`` as int64."""
    return np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def _trigram_codes(np: Any, s: str, step: int) -> Any:
    """Each trigram of ``s`` (every one: ``step`` 1; consecutive ones: ``step`` 3) as one integer."""
    a = _codes(np, s)
    if len(a) < _GRAM:
        return np.zeros(0, np.int64)
    return ((a[:-2] << 42) | (a[1:-1] << 21) | a[2:])[::step]


class WordingKeys(Sequence[list[str]]):
    """Template keys as an index stores them: ``keys[i]`` for entry ``i`` (a sequence of lists like
    :func:`choose_keys` returns), and besides, each wording once: ``texts``, their ``keys``, the
    ``wording`` of every entry and, optionally, ``codes``: the keys as sorted trigram codes with their
    wordings (two arrays), ``lits``: each wording's :func:`literal_parts`, and ``grouped``: the entries
    by wording (their numbers, ascending within a wording, and where each wording's begin). A
    :class:`TemplateMatcher` given these groups the entries without looking at them, and reads a
    wording's text (and its literal parts) only when it is a candidate."""

    def __init__(
        self,
        texts: Sequence[str],
        keys: Sequence[list[str]],
        wording: Any,
        codes: tuple[Any, Any] | None = None,
        lits: Sequence[list[str]] | None = None,
        grouped: tuple[Any, Any] | None = None,
    ):
        self.texts, self.keys, self.wording, self.codes, self.lits = texts, keys, wording, codes, lits
        self.grouped = grouped

    def __len__(self) -> int:
        return len(self.wording)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.keys[int(w)] for w in self.wording[i]]
        return self.keys[int(self.wording[i])]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]
