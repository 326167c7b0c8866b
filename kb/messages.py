"""Error-message template matching: does a pasted text contain one of the content's messages?

Stage 2 (analysis). A message such as ``CoServer{{n:number}}.MtcScp status: Virtual Server{{x:number}}
is failed.`` is compiled to a pattern whose slots match any value of their type. Matching happens on
*squashed* text (normalized, all white space removed), so line breaks, indentation, timestamps on
other lines and the spaces Windows puts (or not) between Japanese words do not matter; slot values
are reported from the original paste.

To stay fast with tens of thousands of templates and a paste of up to megabytes, each template has a
few *keys*: its rarest character trigrams. Only templates whose key occurs in the paste are checked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import spec
from .analysis import normalize_with_map
from .model import PLACEHOLDER_TYPES, Placeholder, Template
from .spec import KEYS_PER_TEMPLATE, SLOT_MAX  # noqa: F401  (re-exported; the code reads spec.<NAME>)


def squash_with_map(text: str) -> tuple[str, list[int]]:
    """Normalized text without white space, and for each character its offset in ``text``."""
    norm, origin = normalize_with_map(text)
    keep = [i for i, ch in enumerate(norm) if not ch.isspace()]
    return "".join(norm[i] for i in keep), [origin[i] for i in keep] + [len(text)]


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


def choose_keys(entries: list[TemplateEntry]) -> list[list[str]]:
    """For each template, its rarest trigrams across all templates: one per long literal, then the rarest."""
    grams = [[trigrams(lit) for lit in literal_parts(Template.parse(e.text))] for e in entries]
    df: Counter[str] = Counter()
    for lits in grams:
        df.update(set().union(*lits) if lits else set())
    keys: list[list[str]] = []
    for lits in grams:
        chosen: list[str] = []
        for g in sorted(lits, key=len, reverse=True):
            if g:
                best = min(g, key=lambda t: (df[t], t))
                if best not in chosen:
                    chosen.append(best)
            if len(chosen) >= spec.KEYS_PER_TEMPLATE:
                break
        keys.append(chosen)
    return keys


class TemplateMatcher:
    """Finds which content messages a pasted text contains."""

    def __init__(self, entries: list[TemplateEntry], keys: list[list[str]] | None = None):
        self.entries = entries
        keys = keys if keys is not None else choose_keys(entries)
        self._by_key: dict[str, list[int]] = {}
        for i, ks in enumerate(keys):
            for k in ks:
                self._by_key.setdefault(k, []).append(i)
        self._compiled: dict[int, tuple[Template, re.Pattern[str], list[str], int]] = {}

    def _get(self, i: int) -> tuple[Template, re.Pattern[str], list[str], int]:
        c = self._compiled.get(i)
        if c is None:
            t = Template.parse(self.entries[i].text)
            lits = literal_parts(t)
            c = (t, compile_template(t), lits, sum(map(len, lits)))
            self._compiled[i] = c
        return c

    def candidates(self, squashed: str) -> list[int]:
        present = trigrams(squashed)
        found: set[int] = set()
        if len(present) < len(self._by_key):
            for g in present:
                found.update(self._by_key.get(g, ()))
        else:
            for g, idx in self._by_key.items():
                if g in present:
                    found.update(idx)
        return sorted(found)

    def match(self, text: str, min_coverage: float | None = None) -> list[TemplateMatch]:
        """Every template the text contains fully, or partly (``coverage`` >= ``min_coverage``,
        by default ``spec.MIN_COVERAGE``)."""
        min_coverage = spec.MIN_COVERAGE if min_coverage is None else min_coverage
        sq, origin = squash_with_map(text)
        if len(sq) < spec.MIN_SQUASHED_CHARS:
            return []
        out = []
        for i in self.candidates(sq):
            m = self._match_one(i, sq, origin, text)
            if m is not None and m.coverage >= min_coverage:
                out.append(m)
        out.sort(key=lambda m: (-m.full, -m.coverage))
        return out

    def _match_one(self, i: int, sq: str, origin: list[int], text: str) -> TemplateMatch | None:
        template, rx, lits, total = self._get(i)
        entry = self.entries[i]
        if not lits:
            return None
        longest = max(lits, key=len)
        slots = template.placeholders
        reach = total + spec.SLOT_MAX * len(slots) + spec.REACH_SLACK
        pos, tries = sq.find(longest), 0
        while pos >= 0 and tries < spec.MAX_FIND_TRIES:
            window_start = max(0, pos - reach)
            m = rx.search(sq, window_start, min(len(sq), pos + reach))
            if m:
                values = {}
                for k, p in enumerate(slots):
                    s, e = m.span(f"s{k}")
                    values[p.name] = text[origin[s] : origin[e - 1] + 1] if e > s else ""
                return TemplateMatch(entry, True, 1.0, values, (origin[m.start()], origin[m.end() - 1] + 1))
            pos, tries = sq.find(longest, pos + 1), tries + 1
        chunks = [c for lit in lits for c in _CHUNK_RE.split(lit) if len(c) >= spec.MIN_CHUNK_CHARS]
        chunk_total = sum(map(len, chunks)) or 1
        coverage = sum(len(c) for c in chunks if c in sq) / chunk_total
        # The longest chunk is what tells this message from its siblings (AccountDisabledException
        # vs TenantAccessBlockedException after the same prefix): without it, the paste is another message.
        key_found = not chunks or max(chunks, key=len) in sq
        if len(sq) >= spec.MIN_FRAGMENT_CHARS and len(sq) <= total and any(sq in lit for lit in lits):
            coverage = max(coverage, len(sq) / total)
        if coverage <= 0:
            return None
        return TemplateMatch(entry, False, coverage, key_found=key_found)
