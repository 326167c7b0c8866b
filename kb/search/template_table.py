"""A build's message templates on disk: every entry as numbers, every wording once with its literal
parts and keys (stage 3; :mod:`kb.search.index` writes and opens them, :mod:`kb.text.templates`
matches them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..content.model import Template
from ..text.templates import TemplateEntry, key_codes, literal_parts, wording_keys
from .tables import Strings, mapped, write_strings

TEMPLATE_STRINGS = ("advisory", "case", "message", "lang", "kind")
"""The string columns of an entry (TemplateEntry), stored as numbers into one string table."""

TemplateRow = tuple[str, str, str, str, str, str, bool]
"""An entry as the build gathers it: (advisory, case, message, lang, kind, text, generic)."""


def template_row(e: TemplateEntry) -> TemplateRow:
    return (e.advisory, e.case, e.message, e.lang, e.kind, e.text, e.generic)


def write_templates(build_dir: Path, rows: list[TemplateRow], cached_lits: dict[str, list[str]]) -> None:
    """The message templates: ``templates.json`` (counts), ``template-rows.npy`` (per entry: its five
    strings as numbers into ``template-strings.*``, its wording, generic), each wording once
    (``wordings.*``) with its squashed literal parts (``wording-lits.*``, reused by the next build),
    its keys (``wording-keys.*``, :func:`kb.text.templates.wording_keys`) and how many advisories have it
    (``wording-spread.npy``), and the keys as sorted trigram codes (``template-keys.npy``)."""
    import numpy as np

    # Strings and wordings are numbered in the order they first appear (row by row).
    cells = [x for r in rows for x in r[:5]]
    strings = {x: i for i, x in enumerate(dict.fromkeys(cells))}
    texts = {t: i for i, t in enumerate(dict.fromkeys(r[5] for r in rows))}
    table = np.zeros((len(rows), 7), dtype=np.int32)
    if rows:
        table[:, :5] = np.fromiter(map(strings.__getitem__, cells), dtype=np.int32, count=len(cells)).reshape(-1, 5)
        table[:, 5] = np.fromiter((texts[r[5]] for r in rows), dtype=np.int32, count=len(rows))
        table[:, 6] = np.fromiter((r[6] for r in rows), dtype=np.int32, count=len(rows))
    text_list = list(texts)
    counts = np.bincount(table[:, 5], minlength=len(text_list)) if rows else np.zeros(0, np.int64)
    lits = [cached_lits[t] if t in cached_lits else literal_parts(Template.parse(t)) for t in text_list]
    keys = wording_keys(lits, counts.tolist())
    spread = np.zeros(len(text_list), dtype=np.int32)
    if rows:
        pairs = np.unique(table[:, 5].astype(np.int64) * max(len(strings), 1) + table[:, 0])
        spread = np.bincount(pairs // max(len(strings), 1), minlength=len(text_list)).astype(np.int32)
    np.save(build_dir / "template-rows.npy", table)
    write_strings(build_dir / "template-strings", list(strings))
    write_strings(build_dir / "wordings", text_list)
    write_strings(build_dir / "wording-lits", [SEP.join(ls) for ls in lits])
    write_strings(build_dir / "wording-keys", [SEP.join(ks) for ks in keys])
    np.save(build_dir / "wording-spread.npy", spread)
    codes, owners = key_codes(keys)
    np.save(build_dir / "template-keys.npy", np.stack([codes, owners]) if len(codes) else np.zeros((2, 0), np.int64))
    (build_dir / "templates.json").write_text(json.dumps({"entries": len(rows), "wordings": len(text_list), "strings": len(strings)}), "utf-8")


SEP = "\x1f"  # between a wording's literal parts or keys (squashed: never in them)


class Templates:
    """The templates of a build, read as needed (see :func:`write_templates`)."""

    def __init__(self, build_dir: Path):
        import numpy as np

        meta = json.loads((build_dir / "templates.json").read_text("utf-8"))
        self.rows = mapped(np.load(build_dir / "template-rows.npy", mmap_mode="r"))
        self.strings = Strings(build_dir / "template-strings")
        self.wordings = Strings(build_dir / "wordings")
        self.lits = Strings(build_dir / "wording-lits")
        self.keys = Strings(build_dir / "wording-keys")
        self.spread = mapped(np.load(build_dir / "wording-spread.npy", mmap_mode="r"))
        codes = mapped(np.load(build_dir / "template-keys.npy", mmap_mode="r"))
        n, w = meta["entries"], meta["wordings"]
        if self.rows.shape != (n, 7) or len(self.wordings) != w or len(self.lits) != w or len(self.keys) != w or len(self.spread) != w:
            raise ValueError("the template files do not fit")
        if len(self.strings) != meta["strings"] or codes.ndim != 2 or len(codes) != 2:
            raise ValueError("the template files do not fit")
        self.codes = (codes[0], codes[1])
        self._strings: list[str] | None = None
        self._ids: dict[str, int] | None = None

    def text(self, w: int) -> str:
        return self.wordings[w]

    def string_list(self) -> list[str]:
        if self._strings is None:
            self._strings = list(self.strings)
        return self._strings

    def string(self, i: int) -> str:
        return self.string_list()[i]

    def string_id(self, s: str) -> int | None:
        """The number of a string of the entries (advisory, case, message, language, kind), or None."""
        if self._ids is None:
            self._ids = {x: i for i, x in enumerate(self.string_list())}
        return self._ids.get(s)

    def entry(self, i: int) -> TemplateEntry:
        a, c, m, lang, k, w, g = self.rows[i].tolist()
        s = self.string
        return TemplateEntry(s(a), s(c), s(m), s(lang), s(k), self.text(w), bool(g))

    def by_advisory(self) -> dict[str, list[TemplateRow]]:
        """Every entry as a row, by advisory (in order)."""
        out: dict[str, list[TemplateRow]] = {}
        s, texts = self.string, list(self.wordings)
        for a, c, m, lang, k, w, g in self.rows.tolist():
            out.setdefault(s(a), []).append((s(a), s(c), s(m), s(lang), s(k), texts[w], bool(g)))
        return out

    def cached_lits(self) -> dict[str, list[str]]:
        """wording -> its squashed literal parts (for the next build)."""
        return {t: (lits.split(SEP) if lits else []) for t, lits in zip(self.wordings, self.lits)}


class Entries(Sequence[TemplateEntry]):
    """The entries of a build's templates, each made when it is first asked for."""

    def __init__(self, templates: Templates):
        self._t = templates
        self._made: list[TemplateEntry | None] = [None] * len(templates.rows)

    def __len__(self) -> int:
        return len(self._made)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        e = self._made[i]
        if e is None:
            e = self._made[i] = self._t.entry(i if i >= 0 else i + len(self))
        return e

    def __iter__(self) -> Iterator[TemplateEntry]:
        if any(e is None for e in self._made):  # every entry at once: far cheaper than one by one
            t = self._t
            strings, texts = t.string_list(), list(t.wordings)
            made = self._made
            for i, (a, c, m, lang, k, w, g) in enumerate(t.rows.tolist()):
                if made[i] is None:
                    made[i] = TemplateEntry(strings[a], strings[c], strings[m], strings[lang], strings[k], texts[w], bool(g))
        return iter(self._made)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]


class SplitStrings(Sequence[list[str]]):
    """Strings of parts joined by ``SEP``, split when read."""

    def __init__(self, strings: Strings):
        self._s = strings

    def __len__(self) -> int:
        return len(self._s)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        x = self._s[i]
        return x.split(SEP) if x else []
