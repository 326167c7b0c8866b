"""Ranking: from a pasted text to advisory cases, each with a confidence and the evidence why.

Stage 3 (search). Uses ``kb.search.index.Index`` (BM25F, exact lookups) and ``kb.text.templates`` (templates);
knows nothing about Whoosh. Signals, strongest first:

1. a message template the paste contains in full (every message found counts);
2. a model number or reference (bulletin / KB id) declared by a case; a model listed as not
   affected comes back marked, with the reason;
3. BM25F over words (MeCab lemmas, English stems), CJK bigrams and identifiers.

Exact signals add fixed amounts that word overlap (scaled to at most ``BM25_SCALE``) cannot reach,
so they always outrank it. Every weight, threshold and cap is in :mod:`kb.spec`; the browser search
(``kb/static/kbsearch.js``) mirrors these rules with the same values (docs/PARITY.md).
"""

from __future__ import annotations

import dataclasses
import gc
import heapq
import re
import sys
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import spec
from ..content.model import LANGS, Template
from ..spec import (  # noqa: F401  (re-exported: their old home; the code reads spec.<NAME>)
    ALIAS_BOOST,
    BM25_DEPTH,
    BM25_SCALE,
    CONFIDENCES,
    DEDUPE_ABOVE,
    MAX_ANALYZED_CHARS,
    MAX_ID_CHARS,
    MAX_IDENTIFIER_DF,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    RARE_WORD_IDF,
    REFERENCE_KINDS,
    SPECIFIC_ID_KINDS,
    W_IDENTIFIER,
    W_MODEL,
    W_MODEL_CONDITIONAL,
    W_NOT_AFFECTED,
    W_REFERENCE,
    W_TEMPLATE_FULL,
    W_TEMPLATE_PARTIAL,
    WORD_FIELDS,
    case_url,
)
from ..text import analysis as text_analysis
from ..text.analysis import (
    Analysis,
    analyze,
    find_identifiers,
    is_japanese,
    model_candidates,
    model_key_spans,
    normalize,
    normalize_with_map,
)
from ..text.synonyms import term_lang
from ..text.templates import TemplateMatch, TemplateMatcher
from .index import Index, MatchedTerms, Posting, Postings

_DIGITS_RE = re.compile(r"\d+")


@dataclass
class Evidence:
    field: str  # message | model | not_affected | reference | identifier | title | messages | body | products
    text: str  # the matched text, matches marked with « »
    detail: dict = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"field": self.field, "text": self.text, **({"detail": self.detail} if self.detail else {})}


@dataclass
class Hit:
    id: str
    case: str
    title: str
    lang: str
    score: float
    confidence: str
    evidence: list[Evidence]
    url: str
    not_affected: bool = False
    steps: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "case": self.case,
            "title": self.title,
            "lang": self.lang,
            "score": round(self.score, 3),
            "confidence": self.confidence,
            "not_affected": self.not_affected,
            "evidence": [e.to_dict() for e in self.evidence],
            "url": self.url,
        }


@dataclass
class _Agg:
    score: float = 0.0
    exact: bool = False  # a specific signal that no other advisory shares
    strong: bool = False  # a specific signal that at most spec.STRONG_SPREAD advisories share
    not_affected: bool = False  # a model the case lists as not affected was named ...
    applies: bool = False  # ... and one it applies to (then the case is not marked not affected)
    bm25: float = 0.0
    bm25_lang: str = ""
    coverage: float = 0.0
    posting: Posting | None = None  # the document whose word overlap counted (its terms: ``matched``)
    # The messages found come first (made only for the hits shown: a long paste matches thousands of
    # them): :meth:`_MessageScores.evidence` of ``messages``; then what the other signals found.
    messages: tuple[_MessageScores, int] | None = None
    evidence: list[Evidence] = dataclasses.field(default_factory=list)
    credited: set[str] = dataclasses.field(default_factory=set)  # the terms counted (Searcher._credit)

    _matched: dict[str, set[str]] | None = dataclasses.field(default=None, repr=False)

    def counted(self, posting: Posting) -> None:
        """``posting`` is now the document whose word overlap counts for this case."""
        self.posting, self._matched = posting, None

    @property
    def matched(self) -> dict[str, set[str]]:
        """Field -> the query terms of :attr:`posting` (read when first asked: most cases are never shown)."""
        if self._matched is None:
            self._matched = self.posting.matched if self.posting is not None else {}
        return self._matched


def _overlap(a: _Agg, postings: Postings, row: int, scaled: float, coverage: float) -> None:
    """Add the word overlap of document ``row`` of ``postings`` (``scaled``: its share of the score)
    to its case's _Agg: a case counts its best document (the first of them on a tie)."""
    if scaled > a.bm25:
        p = postings[row]
        a.score += scaled - a.bm25
        a.bm25, a.bm25_lang = scaled, p.lang
        a.counted(p)
    a.coverage = max(a.coverage, coverage)


class _PendingCases:
    """The cases that only the word overlap (and their messages) reached, kept as columns: each
    case's ``advisory#case`` name, its score (summed as its _Agg's would be), its documents (rows of
    ``postings``) and its messages' position. A search scores up to ``spec.BM25_DEPTH`` documents;
    only the cases among the hits shown become _Aggs (:meth:`agg`)."""

    def __init__(self, postings: Postings | None = None, scaled: list[float] | None = None, coverage: list[float] | None = None):
        self.postings, self.scaled, self.coverage = postings, scaled or [], coverage or []
        self.names: list[str] = []
        self.scores: list[float] = []
        self.rows: list[list[int]] = []
        self.messages: list[int | None] = []

    def add(self, name: str, rows: list[int], messages: _MessageScores, reserve: bool) -> None:
        """A case and its documents, in the order scored; its messages set aside (``reserve``:
        the paste has messages) as another signal's case's would be."""
        k = messages.reserve(*name.split("#", 1)) if reserve else None
        score, best = messages.score_of(k), 0.0
        for r in rows:  # (the same additions as _overlap's, in the same order)
            x = self.scaled[r]
            if x > best:
                score += x - best
                best = x
        self.names.append(name)
        self.scores.append(score)
        self.rows.append(rows)
        self.messages.append(k)

    def key(self, i: int) -> tuple[str, str]:
        adv, _, case = self.names[i].partition("#")
        return adv, case

    def agg(self, i: int, messages: _MessageScores) -> _Agg:
        """The _Agg of case ``i``, made as the word overlap would have made it."""
        a = messages.made(self.messages[i])
        assert self.postings is not None
        for r in self.rows[i]:
            _overlap(a, self.postings, r, self.scaled[r], self.coverage[r])
        return a


class Results(list["Hit"]):
    """The hits of one search, best first (a plain list of :class:`Hit`), and how much of the
    paste was used: ``query_chars`` characters came in, ``used_chars`` were searched after
    repeated log lines were dropped; ``cut`` is true when text beyond ``spec.MAX_QUERY_CHARS`` was
    left out (not only repeats). ``lang`` is the language answers were asked in (given, or read
    from the query); a hit whose advisory is not written in it has another :attr:`Hit.lang`."""

    def __init__(self, hits: list[Hit] = (), *, query_chars: int = 0, used_chars: int = 0, cut: bool = False, lang: str = ""):  # type: ignore[assignment]
        super().__init__(hits)
        self.query_chars, self.used_chars, self.cut, self.lang = query_chars, used_chars, cut, lang

    def notice(self) -> str | None:
        """One line for the user when the paste was cut, else None."""
        if not self.cut:
            return None
        return (
            f"the paste has {self.query_chars:,} characters; the first {self.used_chars:,} (after dropping "
            f"lines that repeat but for their numbers) were searched, the rest was left out"
        )


def prepare_query(text: str) -> tuple[str, bool]:
    """Bound a paste: beyond ``spec.DEDUPE_ABOVE`` characters, drop lines that repeat an earlier one
    but for their numbers (log blocks are mostly that), then keep at most ``spec.MAX_QUERY_CHARS``.
    Returns the text to search and whether anything but repeats was left out."""
    limit = spec.MAX_QUERY_CHARS
    if len(text) <= spec.DEDUPE_ABOVE:
        return text, False
    seen: set[str] = set()
    out: list[str] = []
    size = 0
    cut = False
    for line in text.splitlines():
        key = _DIGITS_RE.sub("0", line.strip())
        if not key or key in seen:
            continue
        if size >= limit:
            cut = True
            break
        seen.add(key)
        out.append(line)
        size += len(line) + 1
    joined = "\n".join(out)
    return joined[:limit], cut or len(joined) > limit


def _mark(text: str, spans: list[tuple[int, int]], width: int | None = None) -> str:
    """Mark spans with « » in the line that holds most of them, trimmed to about ``width``
    (``spec.MARK_WIDTH``) characters, from ``spec.MARK_LEAD`` before the first."""
    width = spec.MARK_WIDTH if width is None else width
    if not spans:
        return text[:width]
    starts, ends = _line_bounds(text)
    inside_line: dict[int, int] = {}  # line -> the spans within it (one across a line break is in none)
    for s, e in spans:
        k = bisect_right(starts, s) - 1
        if e <= ends[k]:
            inside_line[k] = inside_line.get(k, 0) + 1
    k = min(inside_line, key=lambda k: (-inside_line[k], k)) if inside_line else 0  # (the first of the lines with the most)
    a, b = starts[k], ends[k]
    inside = sorted((s, e) for s, e in spans if a <= s and e <= b)
    if inside and b - a > width:
        a = max(a, inside[0][0] - spec.MARK_LEAD)
        b = min(b, a + width)
    out, pos = [], a
    for s, e in inside:
        if s < pos or e > b:
            continue
        out.append(text[pos:s] + "«" + text[s:e] + "»")
        pos = e
    out.append(text[pos:b])
    return ("…" if a > 0 and text[a - 1] != "\n" else "") + "".join(out).strip()


_KANA_TAIL_RE = re.compile(r"[\u3040-\u309f]+$")


MARKED_PIECES_KEPT = 2048
"""Pieces of advisories' text (lines, mostly) whose places of terms :func:`_markable` keeps (~4 KB
each for real text: ~8 MB, what 1,024 took before they were kept compactly): the advisories found
come back across searches. At 1,024 a round of the real-text benchmark's queries on 200 articles
(~1,070 lines) found none of them still kept, and a line's analysis is ~0.25 ms (a fifth of a
search there)."""

Places = dict[str, tuple[int, ...]]
"""Term -> where it is in a piece of text: its spans' start and end offsets, end to end."""


@lru_cache(maxsize=MARKED_PIECES_KEPT)
def _markable(text: str, japanese: bool) -> tuple[Places, tuple[tuple[frozenset[str], int, int], ...]]:
    """What highlighting needs of a piece of an advisory's text, remembered (the same lines come back
    across searches): where each of its words and bigrams is (:data:`Places`), and its identifiers as
    (terms, start, end), offsets into ``text``. Only these are kept, not the whole analysis (its map
    from each normalized character back would take several times the room), and compactly: the
    terms interned (the same words come in many lines), a term's spans in one flat tuple (a tuple
    of pairs, and the terms' own strings, took ~8.6 KB a line of real text against ~4 KB).
    Always MeCab's analysis when ``japanese`` (the browser-parity tests swap this module's
    ``analyze``, for the query, not this one)."""
    a = text_analysis.analyze(text, japanese=japanese)
    places: dict[str, list[int]] = {}
    for t in a.words + a.grams:
        places.setdefault(t.text, []).extend((t.start, t.end))
    return (
        {sys.intern(term): tuple(spans) for term, spans in places.items()},
        tuple((frozenset(i.terms), *a.span(i.start, i.end)) for i in a.identifiers),
    )


def _spans_of(places: Places, terms: AbstractSet[str], offset: int) -> list[tuple[int, int]]:
    """The spans of those of ``terms`` that ``places`` has, moved by ``offset``."""
    found = [places[t] for t in terms if t in places] if len(terms) < len(places) else [p for t, p in places.items() if t in terms]
    return [(offset + p[i], offset + p[i + 1]) for p in found for i in range(0, len(p), 2)]


@lru_cache(maxsize=8192)
def _probe(term: str) -> str:
    """A piece of text that a line holding ``term`` almost surely contains: the term itself for
    Latin stems and identifiers (``creat`` in "created"), the stem of a Japanese lemma without its
    kana ending (落 for 落ちる, whose surface conjugates)."""
    return _KANA_TAIL_RE.sub("", term) or term


def _lines_to_mark(text: str, terms: set[str], keep: int) -> list[tuple[int, int]]:
    """The ``keep`` lines of ``text`` with the most probes of ``terms`` (as (start, end) offsets):
    only these are analyzed again to place the marks, so a long field costs one MeCab pass over
    a few lines, not over the whole text. Each probe is looked for in the whole normalized text,
    a line at a time (the next search starts at the next line), not in every line."""
    whole, starts = _normalized_lines(text)
    count: dict[int, int] = {}  # line -> probes found in it (only lines with some)
    last = len(starts) - 1
    for p in {_probe(t) for t in terms if t}:
        if "\n" in p:
            continue  # (in no line; index terms hold no line break)
        at = whole.find(p)
        while at >= 0:
            k = bisect_right(starts, at) - 1
            count[k] = count.get(k, 0) + 1
            at = whole.find(p, starts[k + 1]) if k < last else -1
    line_starts, line_ends = _line_bounds(text)
    lines = sorted((-n, line_starts[k], line_ends[k]) for k, n in count.items())
    return [(a, b) for _n, a, b in lines[:keep]]


@lru_cache(maxsize=256)
def _line_bounds(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where each line of ``text`` starts, and where it ends (before its line break); remembered,
    as :func:`_normalized_lines` is."""
    starts, ends = [], []
    pos = 0
    for line in text.split("\n"):
        starts.append(pos)
        ends.append(pos + len(line))
        pos += len(line) + 1
    return tuple(starts), tuple(ends)


@lru_cache(maxsize=256)
def _normalized_lines(text: str) -> tuple[str, tuple[int, ...]]:
    """The lines of ``text`` normalized and joined by line breaks, and where each begins in that
    (their places in ``text``: :func:`_line_bounds`); remembered: the fields of the advisories found
    come back across searches."""
    normalized = [normalize(line) for line in text.split("\n")]
    starts, at = [], 0
    for norm in normalized:
        starts.append(at)
        at += len(norm) + 1
    return "\n".join(normalized), tuple(starts)


def highlight(text: str, terms: set[str], japanese: bool = True) -> str:
    """Mark the words and bigrams of ``text`` that are in ``terms`` (offsets come from the analysis;
    ``japanese=False``: without MeCab, as the browser marks them, over the whole text). With MeCab,
    only the lines most likely to hold the terms are analyzed (``spec.MARK_LINES``)."""
    if not japanese:
        pieces = [(0, len(text))]
    else:
        pieces = _lines_to_mark(text, terms, spec.MARK_LINES) or [(0, min(len(text), spec.MARK_WIDTH))]
    spans: list[tuple[int, int]] = []
    for start, end in pieces:
        places, identifiers = _markable(text[start:end], japanese)
        spans += _spans_of(places, terms, start)
        spans += [(start + x, start + y) for ts, x, y in identifiers if not ts.isdisjoint(terms)]
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return _mark(text, merged)


def word_groups(head: Analysis) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The query's distinct words in order, and for a Japanese word the English glosses UniDic
    gave it (tokens over the same characters: パッチ and patch), which count as the word itself."""
    words: list[str] = []
    first_at: dict[tuple[int, int], str] = {}
    same: dict[str, tuple[str, ...]] = {}
    for t in head.words:
        owner = first_at.get((t.start, t.end))
        if owner is not None and owner != t.text:
            if t.text not in same.get(owner, ()):
                same[owner] = (*same.get(owner, ()), t.text)
            continue
        first_at[(t.start, t.end)] = t.text
        if t.text not in words:
            words.append(t.text)
    glosses = {g for gs in same.values() for g in gs}
    return [w for w in words if w not in glosses or w in same], same


def signal_strength(spread: Any, specific: Any) -> tuple[Any, Any]:
    """What a signal shared by ``spread`` advisories promises, as (exact, strong): a specific one
    that only one advisory has makes the hit exact; shared by a few, strong; a generic one only
    adds to the score. Numbers or numpy arrays (every message of a paste at once)."""
    return specific & (spread == 1), specific & (spread > 1) & (spread <= spec.STRONG_SPREAD)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block, then resumed if it was running. A
    search makes many short-lived objects (reference counting frees them as it goes); a collection
    in its middle would walk every long-lived object of the process for nothing, which made up a
    third of a long paste's time at 10,000 advisories. Cycles made meanwhile are collected after.
    Other threads' searches may resume it early: it is only ever left as it was found."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


class _StoredDocs:
    """The stored fields of the documents a searcher read last, decoded, up to about ``budget``
    characters of their texts (a small knowledge base's every document; at 10,000 advisories a few
    hundred): the advisories found come back across searches, and each hit shown reads its case's
    (a read, a decompression and a JSON decoding: ~10 % of a search on 200 articles). What is
    given out is shared: nothing here changes it. Safe to share between threads."""

    def __init__(self, read: Callable[[str, str, str], dict | None], budget: int):
        self._read, self._budget = read, budget
        self._docs: OrderedDict[tuple[str, str, str], tuple[dict | None, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __call__(self, adv: str, case: str, lang: str) -> dict | None:
        key = (adv, case, lang)
        with self._lock:
            kept = self._docs.get(key)
            if kept is not None:
                self._docs.move_to_end(key)
                return kept[0]
        doc = self._read(adv, case, lang)
        size = 100 + (len(doc.get("title_text", "")) + sum(map(len, doc.get("texts", {}).values())) if doc else 0)
        with self._lock:
            if key not in self._docs:
                self._docs[key] = (doc, size)
                self._size += size
                while self._size > self._budget and len(self._docs) > 1:
                    _key, (_doc, dropped) = self._docs.popitem(last=False)
                    self._size -= dropped
        return doc


class Searcher:
    STORED_BUDGET = 1_000_000
    """Characters of stored texts a searcher keeps decoded (:class:`_StoredDocs`; ~2-3 MB)."""

    def __init__(self, index: Index):
        self.index = index
        self.matcher = TemplateMatcher(index.templates, index.template_keys)
        self._stored_doc = _StoredDocs(index.stored, self.STORED_BUDGET)

    def search(self, text: str, lang: str | None = None, limit: int | None = None, *, japanese: bool = True) -> Results:
        """Hits for ``text``, best first (``limit``: ``spec.DEFAULT_LIMIT``).

        ``japanese=False`` analyzes the query (and marks the evidence) as the browser does: without
        MeCab, Japanese by bigrams only. The browser's answers are then the same, score for score
        (tests/test_parity_node.py).

        The cyclic garbage collector is paused while a search runs (:func:`collector_paused`)."""
        with collector_paused():
            return self._search(text, lang, limit, japanese)

    def _search(self, text: str, lang: str | None, limit: int | None, japanese: bool) -> Results:
        limit = spec.DEFAULT_LIMIT if limit is None else limit
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        query_chars = len(text)
        text, cut = prepare_query(text)
        if not text.strip():
            return Results(query_chars=query_chars, used_chars=len(text), cut=cut)
        lang = lang or ("ja" if is_japanese(text[: spec.MAX_ANALYZED_CHARS]) else "en")
        # Messages first: every case with one gets its share at once; a case becomes an _Agg when
        # another signal reaches it or when it may be among the hits shown.
        messages = _MessageScores(self, text)
        aggs: dict[tuple[str, str], _Agg] = {}

        def agg(adv: str, case: str) -> _Agg:
            a = aggs.get((adv, case))
            if a is None:
                a = aggs[(adv, case)] = messages.take(adv, case)
            return a

        head = analyze(text[: spec.MAX_ANALYZED_CHARS], japanese=japanese)
        typed = head  # where the identifiers were found, with the map back to what was typed
        if len(text) > spec.MAX_ANALYZED_CHARS:
            norm, origin = normalize_with_map(text[: spec.MAX_ID_CHARS])
            typed = Analysis(text[: spec.MAX_ID_CHARS], norm, origin, find_identifiers(norm), [], [])
        ids = typed.identifiers
        self._identifiers(ids, head, agg, lang)
        weights, pending = self._bm25(head, ids, aggs, messages, lang)

        ranked = self._first(limit, aggs, pending, messages)
        hits = [(adv, case, a, self._label(adv, a, n, ranked, weights)) for n, ((adv, case), a) in enumerate(ranked)]
        return Results(
            [self._hit(adv, case, a, conf, lang, japanese, (typed, head)) for adv, case, a, conf in hits],
            query_chars=query_chars,
            used_chars=len(text),
            cut=cut,
            lang=lang,
        )

    @staticmethod
    def _first(limit: int, aggs: dict[tuple[str, str], _Agg], pending: _PendingCases, messages: _MessageScores) -> list[tuple[tuple[str, str], _Agg]]:
        """The first ``limit`` cases by score, then by advisory and case: of those with an _Agg, those
        the word overlap alone reached (made _Aggs only when among them) and the messages' leaders.
        Only the cases scoring at least the ``limit``-th best score are named and ordered."""
        leaders = messages.leaders(limit)
        scores = [*(a.score for a in aggs.values()), *pending.scores, *(a.score for _k, a in leaders)]
        if limit <= 0 or not scores:
            return []
        cut = heapq.nlargest(limit, scores)[-1]
        first: list[tuple[float, tuple[str, str], _Agg | int]] = [
            *((-a.score, key, a) for key, a in aggs.items() if a.score >= cut),
            *((-score, pending.key(i), i) for i, score in enumerate(pending.scores) if score >= cut),
            *((-a.score, key, a) for key, a in leaders if a.score >= cut),
        ]
        first.sort(key=lambda c: (c[0], c[1]))  # (the names are distinct)
        return [(key, x if isinstance(x, _Agg) else pending.agg(x, messages)) for _s, key, x in first[:limit]]

    @staticmethod
    def _label(adv: str, a: _Agg, rank: int, ranked: list, weights: dict[str, float]) -> str:
        """exact / strong / weak: what the evidence promises (docs/RANKING.md). Hits are ordered by
        score alone; the label says how sure the answer is, not where it stands."""
        if a.exact:
            return spec.CONFIDENCES[0]
        if a.strong:
            return spec.CONFIDENCES[1]
        # (a lone Latin letter or digit decides nothing: "P G T 2 0 1 4 6 F 2" matched the 2 of "Patch 2")
        terms = len({t for f, v in a.matched.items() if f != "grams" for t in v if not (len(t) == 1 and t.isascii())})
        if rank == 0 and a.coverage >= spec.STRONG_MIN_COVERAGE and terms >= spec.STRONG_MIN_TERMS:
            # Words alone: only the first hit, when it covers much of the query and leads every
            # other advisory clearly, the more clearly the less it covers (near-equal answers mean
            # the words do not decide). Calibrated on the real-text sets (bench/realtext/RESULTS.md).
            runner_up = next((b.score for (other, _c), b in ranked[1:] if other != adv), 0.0)
            needed = spec.STRONG_LEAD + spec.STRONG_LEAD_PER_COVERAGE * max(0.0, spec.STRONG_COVERAGE - a.coverage)
            # ... and when it has the most telling query word that any hit has: another hit with a
            # rarer word of the query (an exception's name, an error code) is a reason for doubt.
            found = [t for (_k, b) in ranked for f, ts in b.matched.items() if f != "grams" for t in ts if t in weights]
            rarest = max(weights[t] for t in found) if found else 0.0
            mine = max((weights[t] for f, ts in a.matched.items() if f != "grams" for t in ts if t in weights), default=0.0)
            if a.score - runner_up >= needed and mine >= rarest:
                return spec.CONFIDENCES[1]
        return spec.CONFIDENCES[2]

    @staticmethod
    def _signal(a: _Agg, spread: int, specific: bool) -> None:
        """Record a signal shared by ``spread`` advisories (:func:`signal_strength`)."""
        exact, strong = signal_strength(spread, specific)
        a.exact, a.strong = a.exact or bool(exact), a.strong or bool(strong)

    # --- signals ---------------------------------------------------------------------------

    def _identifiers(self, ids, head: Analysis, agg, answer_lang: str) -> None:
        query_words = {w.text for w in head.words}
        for ident in ids:
            for term in ident.terms:
                if ident.kind == "model":
                    self._model(term, agg, answer_lang, query_words)
                elif ident.kind in spec.REFERENCE_KINDS:
                    rows = self.index.lookup("refs", term)
                    spread = len({adv for adv, _c, _l in rows})
                    for adv, case, _lang in rows:
                        self._credit(
                            agg(adv, case), term, spec.W_REFERENCE, spread, True, Evidence("reference", f"«{term.upper()}»", {"reference": term})
                        )
                # Mentioned anywhere else in a case (not declared): counts by rarity.
                self._identifier_hit(ident.kind, term, agg)
        # Model numbers typed with spaces or hyphens inside (PGT 20146 F2): only declared ones count.
        seen = {t for i in ids for t in i.terms}
        for key in model_candidates(head.normalized):
            if key not in seen:
                seen.add(key)
                self._model(key, agg, answer_lang, query_words)

    def _model(self, term: str, agg, answer_lang: str, query_words: set[str]) -> None:
        """A model number: declared as affected (unconditionally, or under a condition the query may
        state) or as not affected by a case."""
        spread = len({adv for f in ("models", "models_cond") for adv, _c, _l in self.index.lookup(f, term)})
        for adv, case, _lang in self.index.lookup("models", term):
            self._model_hit(agg(adv, case), term, spec.W_MODEL, spread)
        conditional: dict[tuple[str, str], bool] = {}
        for adv, case, lang in self.index.lookup("models_cond", term):
            row = self._table(adv, case, lang, "model_table").get(term, ("", ""))
            conditional[(adv, case)] = conditional.get((adv, case), False) or self._condition_fits(row, query_words)
        for (adv, case), fits in conditional.items():
            weight = spec.W_MODEL + spec.CONDITION_FIT_BONUS if fits else spec.W_MODEL_CONDITIONAL
            self._model_hit(agg(adv, case), term, weight, spread, conditional=True)
        na_rows = self.index.lookup("not_affected", term)
        na_spread = len({adv for adv, _c, _l in na_rows})
        for adv, case, _lang in na_rows:
            a = agg(adv, case)
            if term in a.credited:
                continue
            shown, reason = self._table(adv, case, answer_lang, "not_affected_table").get(term, (term, ""))
            why = Evidence("not_affected", f"«{shown}»: {reason}".rstrip(": "), {"model": term, "reason": reason})
            self._credit(a, term, spec.W_NOT_AFFECTED, na_spread, True, why)
            a.not_affected = True

    def _identifier_hit(self, kind: str, term: str, agg) -> None:
        """Any other identifier the content mentions (a version, file, error code, GUID ...): the rarer
        it is across the knowledge base, the more it counts; specific kinds make the hit exact."""
        df = self.index.doc_frequency("ids", term)
        if not 0 < df <= spec.MAX_IDENTIFIER_DF:
            return
        weight = spec.W_IDENTIFIER * min(1.0, self.index.idf("ids", term) / spec.IDENTIFIER_FULL_IDF)
        rows = self.index.lookup("ids", term)
        spread = len({adv for adv, _c, _l in rows})
        specific = kind in spec.SPECIFIC_ID_KINDS and not (kind == "hex" and int(term, 16) < spec.SPECIFIC_HEX_MIN)
        for adv, case, _lang in rows:
            self._credit(agg(adv, case), term, weight, spread, specific, Evidence("identifier", f"«{term}»", {"kind": kind, "identifier": term}))

    def _credit(self, a: _Agg, term: str, weight: float, spread: int, specific: bool, evidence: Evidence) -> bool:
        """Count a declared or mentioned term for a case once, however many of its forms the query
        holds: its weight, its signal for the label, its evidence. False when it already counted."""
        if term in a.credited:
            return False
        a.credited.add(term)
        a.score += weight
        self._signal(a, spread, specific)
        a.evidence.append(evidence)
        return True

    def _stored(self, adv: str, case: str, lang: str) -> tuple[str, dict]:
        """The stored fields of a case in ``lang``, or, for an advisory not written in ``lang``, in
        the first language (``LANGS`` order) it is written in; with the language they are in."""
        for candidate in (lang, *(x for x in LANGS if x != lang)):
            stored = self._stored_doc(adv, case, candidate)
            if stored is not None:
                return candidate, stored
        return lang, {}

    def _table(self, adv: str, case: str, lang: str, name: str) -> dict[str, tuple[str, str]]:
        """A stored ``key<TAB>shown<TAB>note`` table of a case (model conditions, not-affected reasons)."""
        stored = self._stored(adv, case, lang)[1]
        rows = (line.split("\t") for line in stored.get("texts", {}).get(name, "").split("\n") if line)
        return {r[0]: (r[1], r[2]) for r in rows if len(r) == 3}

    def _condition_fits(self, row: tuple[str, str], query_words: set[str]) -> bool:
        """Does the query say what the condition of a conditional model entry says? Only telling words
        count: numbers (``2003``) and words rare in the knowledge base, not "Windows" or "server"."""
        condition = row[1]
        if not condition:
            return False
        shared = {t.text for t in analyze(condition).words} & query_words
        return any(w.isdigit() or self.index.idf("body", w) >= spec.RARE_WORD_IDF for w in shared)

    def _model_hit(self, a: _Agg, term: str, weight: float, spread: int, conditional: bool = False) -> None:
        if self._credit(a, term, weight, spread, True, Evidence("model", f"«{term.upper()}»", {"model": term, "conditional": conditional})):
            a.applies = True

    def _expand(self, words: list[str]) -> dict[str, tuple[str, ...]]:
        """Each word with its aliases, the word itself first (:func:`kb.text.synonyms.expand`, with
        the alias table the index was built with)."""
        aliases = self.index.aliases
        return {w: (w,) + tuple(a for a in aliases.get(w, ()) if a != w) for w in words}

    def _bm25(
        self, head: Analysis, ids, aggs: dict[tuple[str, str], _Agg], messages: _MessageScores, lang: str
    ) -> tuple[dict[str, float], _PendingCases]:
        """Word overlap, added to the cases of ``aggs``; returns the weight (idf) of each query word
        and identifier term, and the cases that only the word overlap (and their messages) reached,
        (:class:`_PendingCases`): most of the ``spec.BM25_DEPTH`` documents scored are never shown,
        and their cases need a score to be ranked by, not an _Agg."""
        expand = self._expand
        max_terms = spec.MAX_TERMS
        words, same = word_groups(head)
        words = words[:max_terms]
        groups = expand(words)  # word -> (word, *aliases)
        for w in words:  # the English gloss of a Japanese word is that word, not an alias or a word of its own
            if same.get(w):
                groups[w] = (w, *same[w], *(a for g in same[w] for a in expand([g])[g][1:]), *groups[w][1:])
        search_words = list(dict.fromkeys(w for g in groups.values() for w in g))
        grams = list(dict.fromkeys(t.text for t in head.grams))[:max_terms]
        id_terms = list(dict.fromkeys(t for i in ids for t in i.terms))[:max_terms]
        terms = {f: search_words for f in spec.WORD_FIELDS}
        terms["grams"] = grams
        terms["ids"] = id_terms
        aliases_only = {w for g in groups.values() for w in g[1:]} - set(words) - {x for xs in same.values() for x in xs}
        # A translation (an alias in the other script: 削除 for "delete") bridges languages: it counts
        # only in documents of its own language, never in a document the query's words can match.
        only_in = {a: term_lang(a) for w, g in groups.items() for a in g[1:] if a in aliases_only and term_lang(a) != term_lang(w)}
        # An advisory written in the query's language is judged by that text, not by its translation.
        postings = self.index.search(terms, limit=spec.BM25_DEPTH, boosts={w: spec.ALIAS_BOOST for w in aliases_only}, only_in=only_in, lang=lang)
        weights = {w: self.index.idf("body", w) for w in words}
        weights.update({t: self.index.idf("ids", t) * spec.ID_COVERAGE_WEIGHT for t in id_terms})
        if not postings:
            return weights, _PendingCases()
        top = max(postings.scores) or 1.0
        scale, relative_share, coverage_share = spec.BM25_SCALE, spec.BM25_RELATIVE_SHARE, spec.BM25_COVERAGE_SHARE
        # Which query words a matched term stands for: in full (the word, or its gloss), or as an alias.
        full_for: dict[str, list[str]] = {}
        alias_for: dict[str, list[str]] = {}
        for w, alts in groups.items():
            for t in dict.fromkeys((w, *same.get(w, ()))):
                full_for.setdefault(t, []).append(w)
            for t in dict.fromkeys(alts):
                alias_for.setdefault(t, []).append(w)
        assert postings.table is not None
        coverage = self._coverage(postings.table, weights, full_for, alias_for, set(id_terms))
        # Word overlap: BM25F relative to the best document, and how much of the query's rare
        # vocabulary the document has (a document that has the rare words beats one that repeats
        # the common ones).
        scaled = [scale * (relative_share * score / top + coverage_share * c * c) for score, c in zip(postings.scores, coverage)]
        reached = {f"{adv}#{case}": a for (adv, case), a in aggs.items()}  # the cases other signals reached
        rows_of: dict[str, list[int]] = {}  # the others: advisory#case -> its documents
        for row, key in enumerate(postings.keys):
            name = key.rpartition("@")[0]
            a = reached.get(name)
            if a is not None:
                _overlap(a, postings, row, scaled[row], coverage[row])
                continue
            rows = rows_of.get(name)
            if rows is None:
                rows_of[name] = [row]
            else:
                rows.append(row)
        pending = _PendingCases(postings, scaled, coverage)
        reserve = len(messages.cases) > 0
        for name, rows in rows_of.items():
            pending.add(name, rows, messages, reserve)
        return weights, pending

    @staticmethod
    def _coverage(
        table: MatchedTerms, weights: dict[str, float], full_for: dict[str, list[str]], alias_for: dict[str, list[str]], id_set: set[str]
    ) -> list[float]:
        """How much of the query's weight each document of ``table`` covers: the weights of the
        query words (and identifier terms) it has, a word in full when the document has it (or its
        gloss), ``ALIAS_BOOST`` of it when the document has only an alias of it; added in the order
        of ``weights`` (a word it lacks adds 0.0, which changes no bit), over their total. One
        table product for all documents."""
        import numpy as np

        place = {t: k for k, t in enumerate(weights)}
        if not place:
            return [0.0] * len(table.has)
        full_at: tuple[list[int], list[int]] = ([], [])  # (term, query word) pairs: in full ...
        part_at: tuple[list[int], list[int]] = ([], [])  # ... and as an alias
        for u, (f, t) in enumerate(table.terms):
            if f == "ids":
                if t in id_set:
                    full_at[0].append(u)
                    full_at[1].append(place[t])
            elif f in spec.WORD_FIELDS:
                for w in full_for.get(t, ()):
                    full_at[0].append(u)
                    full_at[1].append(place[w])
                for w in alias_for.get(t, ()):
                    part_at[0].append(u)
                    part_at[1].append(place[w])
        full = np.zeros((len(table.terms), len(place)), dtype=np.float32)
        part = np.zeros_like(full)
        full[full_at] = 1
        part[part_at] = 1
        has = table.has.astype(np.float32)
        credit = np.where(has @ full > 0, 1.0, np.where(has @ part > 0, spec.ALIAS_BOOST, 0.0))
        total = sum(weights.values()) or 1.0
        return (np.cumsum(credit * np.fromiter(weights.values(), dtype=np.float64), axis=1)[:, -1] / total).tolist()

    # --- presenting ------------------------------------------------------------------------

    def _hit(
        self, adv: str, case: str, a: _Agg, confidence: str, lang: str, japanese: bool = True, query: tuple[Analysis, Analysis] | None = None
    ) -> Hit:
        lang, stored = self._stored(adv, case, lang)  # the answer is in the query's language when the advisory has it
        texts = stored.get("texts", {})
        # An identifier, reference or model number is shown where the advisory has it (its line, the
        # occurrence marked), else as the query has it; the index term stays in the detail.
        evidence = [
            *(a.messages[0].evidence(a.messages[1]) if a.messages else ()),
            *(_shown_identifier(e, texts, query) if e.field in _TERM_FIELDS else e for e in a.evidence),
        ]
        if a.matched:
            # Show the words that matched, in the field with most of them, from the language they matched in.
            source = texts if a.bm25_lang == lang else (self._stored_doc(adv, case, a.bm25_lang) or {}).get("texts", {})
            best = max(
                spec.WORD_FIELDS, key=lambda f: len(a.matched.get(f, ())) + spec.EVIDENCE_GRAM_SHARE * len(a.matched.get("grams", ())) * (f == "body")
            )
            repeats_message = best == "messages" and any(e.field == "message" for e in evidence)
            if (a.matched.get(best) or a.matched.get("grams")) and not repeats_message:
                evidence.append(Evidence(best, highlight(source.get(best, ""), set().union(*a.matched.values()), japanese)))
        not_affected = a.not_affected and not a.applies
        return Hit(
            id=adv,
            case=case,
            title=stored.get("title_text", f"{adv}#{case}"),
            lang=lang,
            score=a.score,
            confidence=confidence,
            evidence=evidence,
            url=spec.case_url(adv, case, lang),
            not_affected=not_affected,
            # (the case's steps are for the models it affects: none for a model it lists as not affected)
            steps=[] if not_affected else [s for s in texts.get("steps", "").split("\n") if s][: spec.STEPS_SHOWN],
        )


class _MessageScores:
    """The messages a paste contains, credited to every case at once (numpy), as the rules say
    (docs/RANKING.md): each message found in full adds ``W_TEMPLATE_FULL`` and its fixed text, once
    per case; a specific one that one advisory has makes the case exact, that a few share, strong;
    a case's best partly found message adds ``W_TEMPLATE_PARTIAL`` times its coverage unless the
    case is exact. Scores are summed in entry order, as one case at a time would sum them.

    A long paste finds messages in tens of thousands of cases; only those another signal reaches
    (:meth:`take`) or that may be among the hits shown (:meth:`leaders`) become an :class:`_Agg`."""

    def __init__(self, searcher: Searcher, text: str):
        import numpy as np

        found = searcher.matcher.match_entries(text, spec.MIN_COVERAGE)
        self.found, self.entries = found, searcher.index.templates
        self.table = table = searcher.index.template_table()
        self.cases, self.taken = np.zeros(0, np.int64), np.zeros(0, bool)
        self.n_strings = n_strings = len(table.strings)
        self._keys: list[int] | None = None  # cases, as a list (looked up by halving)
        if not len(found.entries):
            return
        rows = np.asarray(table.rows[found.entries], dtype=np.int64)
        full = np.fromiter((f.full for f in found.found), bool, len(found.found))[found.which]
        coverage = np.fromiter((f.coverage for f in found.found), float, len(found.found))[found.which]
        self.cases, at = np.unique(rows[:, 0] * n_strings + rows[:, 1], return_inverse=True)
        n = len(self.cases)
        spread = np.asarray(table.spread)[rows[:, 5]]
        specific = rows[:, 6] == 0
        # Found in full: each message once per case (its first entry), in entry order.
        whole = np.flatnonzero(full)
        first = np.unique(at[whole] * n_strings + rows[whole, 2], return_index=True)[1]
        kept = whole[np.sort(first)]
        wordings, which = np.unique(rows[kept, 5], return_inverse=True)
        points = np.array([_full_message_points(table.text(w)) for w in wordings.tolist()], dtype=np.float64)
        case_of = at[kept]
        self.score = np.bincount(case_of, weights=points[which], minlength=n).astype(np.float64)  # (int when nothing is found in full)
        exact, strong = signal_strength(spread[kept], specific[kept])
        self.exact = np.bincount(case_of, weights=exact, minlength=n) > 0
        self.strong = np.bincount(case_of, weights=strong, minlength=n) > 0
        by_case = np.argsort(case_of, kind="stable")
        self.whole, self.whole_bounds = kept[by_case], np.searchsorted(case_of[by_case], np.arange(n + 1))
        # Partly found: the best of a case (most coverage, then the first), unless the case is exact.
        part = np.flatnonzero(~full)
        part = part[np.lexsort((found.entries[part], -coverage[part]))]
        best = part[np.unique(at[part], return_index=True)[1]]
        best = best[~self.exact[at[best]]]
        key_found = np.fromiter((found.found[k].key_found for k in found.which[best].tolist()), bool, len(best))
        self.score[at[best]] = self.score[at[best]] + spec.W_TEMPLATE_PARTIAL * coverage[best] * np.where(key_found, 1.0, spec.PARTIAL_WITHOUT_KEY)
        telling = key_found & (coverage[best] >= spec.PARTIAL_STRONG_COVERAGE) & specific[best] & (spread[best] <= spec.STRONG_SPREAD)
        self.strong[at[best[telling]]] = True
        self.partial = dict(zip(at[best[telling]].tolist(), best[telling].tolist()))  # case -> its partly found message
        self.taken = np.zeros(n, bool)

    def _case(self, adv: str, case: str) -> int | None:
        """The position of a case in :attr:`cases`, or None when the paste has none of its messages."""
        if not len(self.cases):
            return None
        a, c = self.table.string_id(adv), self.table.string_id(case)
        if a is None or c is None:
            return None
        if self._keys is None:
            self._keys = self.cases.tolist()
        key = a * self.n_strings + c
        k = bisect_left(self._keys, key)
        return k if k < len(self._keys) and self._keys[k] == key else None

    def _agg(self, k: int) -> _Agg:
        self.taken[k] = True
        return _Agg(score=float(self.score[k]), exact=bool(self.exact[k]), strong=bool(self.strong[k]), messages=(self, k))

    def evidence(self, k: int) -> list[Evidence]:
        """What the messages of case ``k`` show: each found in full, then the partly found one
        that made the case strong."""
        found, entries = self.found, self.entries
        out: list[Evidence] = []
        for p in self.whole[self.whole_bounds[k] : self.whole_bounds[k + 1]].tolist():
            f = found.found[found.which[p]]
            out.append(_message_evidence(TemplateMatch(entries[int(found.entries[p])], True, 1.0, dict(f.slots), f.span, f.key_found)))
        p = self.partial.get(k)
        if p is not None:
            f, e = found.found[found.which[p]], entries[int(found.entries[p])]
            out.append(Evidence("message", e.text, {"message": e.message, "kind": e.kind, "coverage": round(f.coverage, 2)}))
        return out

    def take(self, adv: str, case: str) -> _Agg:
        """The case's _Agg, with what its messages give it (nothing: a fresh one)."""
        return self.made(self.reserve(adv, case))

    def reserve(self, adv: str, case: str) -> int | None:
        """Set a case aside as taken (another signal reached it: it is no leader) without making its
        _Agg yet; its position (None when the paste has none of its messages), for :meth:`made`."""
        k = self._case(adv, case)
        if k is not None:
            self.taken[k] = True
        return k

    def score_of(self, k: int | None) -> float:
        """What the messages give a case at position ``k`` (None: nothing) to start from."""
        return 0.0 if k is None else float(self.score[k])

    def made(self, k: int | None) -> _Agg:
        """The _Agg of the case at position ``k`` (None: a fresh one)."""
        return _Agg() if k is None else self._agg(k)

    def leaders(self, limit: int) -> list[tuple[tuple[str, str], _Agg]]:
        """The first ``limit`` cases not taken, by score (then by advisory and case, as hits are
        ordered), as _Aggs: the only ones of them that can be among the first ``limit`` hits."""
        import numpy as np

        rest = np.flatnonzero(~self.taken)
        if limit <= 0 or not len(rest):
            return []
        if len(rest) > limit:
            scores = self.score[rest]
            rest = rest[scores >= np.partition(scores, len(rest) - limit)[len(rest) - limit]]  # (ties at the last place too)
        n, string = self.n_strings, self.table.string
        named = [(-self.score[k], (string(key // n), string(key % n)), k) for k, key in zip(rest.tolist(), self.cases[rest].tolist())]
        return [(name, self._agg(k)) for _s, name, k in sorted(named)[:limit]]


_TERM_FIELDS = ("identifier", "reference", "model")
"""Evidence fields of a matched index term (``Evidence.detail`` holds the term under the same name)."""


@lru_cache(maxsize=4096)
def _line_identifiers(line: str) -> Analysis:
    """One line of a stored field with its identifiers only (regular expressions, no MeCab), remembered:
    the fields of the advisories found come back across searches."""
    norm, origin = normalize_with_map(line)
    return Analysis(line, norm, origin, find_identifiers(norm), [], [])


def _occurrences(a: Analysis, term: str, model: bool) -> list[tuple[int, int]]:
    """Where ``term`` occurs in the analyzed text ``a`` (offsets into ``a.original``): the identifiers
    that have it among their terms, else, for a model number, the words that spell it (``PGT 20146 F2``)."""
    spans = [(i.start, i.end) for i in a.identifiers if term in i.terms]
    if not spans and model:
        spans = model_key_spans(a.normalized, term)
    return [a.span(s, e) for s, e in spans]


_NOT_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_DIGITS_RUN_RE = re.compile(r"[0-9]+")
_WRITTEN_KINDS = frozenset({"model", "file", "guid", "advisory", "version", "cve", "stopcode"})
"""Identifier kinds whose term is the text as written, less the separators a model number may have."""


def _id_probe(term: str, kind: str | None) -> str:
    """Letters and digits that the text of any occurrence of ``term`` has, once normalized and without
    its other characters: the term itself for the kinds written as they are (a model number, a file
    name), else its last run of digits without leading zeros (``イベントID: 0800`` is ``event:800``);
    nothing for a hex code (a STOP code is also found by its name)."""
    if term.startswith("0x"):
        return ""
    if kind in _WRITTEN_KINDS:
        return _NOT_ALNUM_RE.sub("", term)
    runs = _DIGITS_RUN_RE.findall(term)
    return runs[-1].lstrip("0") if runs else ""


@lru_cache(maxsize=4096)
def _alnum(text: str) -> str:
    """The letters and digits of ``text`` as normalized (NFKC, lowercase), nothing else: a line without
    the probe of a term (:func:`_id_probe`) cannot hold it, so its identifiers are not looked for."""
    return _NOT_ALNUM_RE.sub("", unicodedata.normalize("NFKC", text).lower())


def quote(texts: dict[str, str], term: str, kind: str | None = None) -> str | None:
    """The first line of a case's fields (``spec.WORD_FIELDS`` order) where the identifier ``term`` (of
    ``kind``: ``model`` also finds a model number written with spaces) occurs, each of its occurrences
    there marked (:func:`_mark`), or None. Identifiers are looked for by their patterns only (no
    MeCab), in the lines that have the term's letters and digits (:func:`_id_probe`)."""
    probe = _id_probe(term, kind)
    for name in spec.WORD_FIELDS:
        text = texts.get(name, "")
        if probe not in _alnum(text):
            continue
        pos = 0
        for line in text.split("\n"):
            if probe in _alnum(line):
                spans = _occurrences(_line_identifiers(line), term, kind == "model")
                if spans:
                    return _mark(text, [(pos + s, pos + e) for s, e in spans])
            pos += len(line) + 1
    return None


def _shown_identifier(e: Evidence, texts: dict[str, str], query: tuple[Analysis, Analysis] | None) -> Evidence:
    """The evidence of a matched identifier, reference or model number with real text: the advisory's
    line that has it (:func:`quote`), else what the query typed (the identifiers found in ``query[0]``,
    model numbers typed with spaces in ``query[1]``), else the index term as it was."""
    term = e.detail.get(e.field, "")
    kind = "model" if e.field == "model" else e.detail.get("kind")
    shown = quote(texts, term, kind)
    if shown is None and query is not None:
        typed, head = query
        spans = [typed.span(i.start, i.end) for i in typed.identifiers if term in i.terms]
        source = typed
        if not spans and kind == "model":
            spans, source = [head.span(s, t) for s, t in model_key_spans(head.normalized, term)], head
        if spans:
            shown = "«" + source.original[spans[0][0] : spans[0][1]] + "»"
    return e if shown is None else Evidence(e.field, shown, e.detail)


@lru_cache(maxsize=8192)
def _literal_length(text: str) -> int:
    """How many characters of a message wording are fixed text (not slots)."""
    return sum(len(x) for x in Template.parse(text).literals)


def _full_message_points(text: str) -> float:
    """What a message found in full adds to its case: a fixed amount, plus its fixed text's length."""
    return spec.W_TEMPLATE_FULL + min(_literal_length(text), spec.TEMPLATE_LITERAL_CAP) / spec.TEMPLATE_LITERAL_PER_POINT


def _message_evidence(m: TemplateMatch) -> Evidence:
    e = m.entry
    return Evidence("message", _render_match(m), {"message": e.message, "kind": e.kind, "slots": m.slots})


def _render_match(m: TemplateMatch) -> str:
    """The message with each slot showing the value the paste had there, marked."""
    t = Template.parse(m.entry.text)
    return "".join(p if isinstance(p, str) else f"«{m.slots.get(p.name, p.name)}»" for p in t.parts)
