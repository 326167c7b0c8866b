"""A build's message templates on disk: every entry as numbers, every wording once with its literal
parts and keys (stage 3; :mod:`kb.search.index` writes and opens them, :mod:`kb.text.templates`
matches them).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..content.model import Template
from ..text.templates import PARTS_SEP, TemplateEntry, joined_parts, key_codes, wording_keys
from .tables import Strings, mapped, write_strings

TEMPLATE_STRINGS = ("advisory", "case", "message", "lang", "kind")
"""The string columns of an entry (TemplateEntry), stored as numbers into one string table."""

TemplateRow = tuple[str, str, str, str, str, str, bool]
"""An entry as the build gathers it: (advisory, case, message, lang, kind, text, generic)."""


def template_row(e: TemplateEntry) -> TemplateRow:
    return (e.advisory, e.case, e.message, e.lang, e.kind, e.text, e.generic)


class TemplateRows:
    """A new build's entries as they come, in build order: fresh rows (strings), and runs of the
    previous build's rows, which stay numbers (:meth:`reuse`), so that an incremental build does
    not turn the previous build's entries back into strings to number them again."""

    def __init__(self, previous: Templates | None = None):
        self.previous = previous
        self.pieces: list[list[TemplateRow] | tuple[int, int]] = []  # fresh rows, or (start, end) of previous rows
        self._runs: dict[str, tuple[int, int]] | None = None

    def add(self, rows: Iterable[TemplateRow]) -> None:
        rows = list(rows)
        if rows:
            self.pieces.append(rows)

    def reuse(self, advisory: str) -> None:
        """The previous build's entries of ``advisory`` (an advisory's entries are consecutive)."""
        assert self.previous is not None
        if self._runs is None:
            self._runs = self.previous.runs()
        run = self._runs.get(advisory)
        if run is None:
            return
        last = self.pieces[-1] if self.pieces else None
        if isinstance(last, tuple) and last[1] == run[0]:
            self.pieces[-1] = (last[0], run[1])  # (one run of the previous build's rows)
        else:
            self.pieces.append(run)


def write_templates(build_dir: Path, rows: TemplateRows) -> None:
    """The message templates: ``templates.json`` (counts), ``template-rows.npy`` (per entry: its five
    strings as numbers into ``template-strings.*``, its wording, generic), each wording once
    (``wordings.*``) with its squashed literal parts (``wording-lits.*``, reused by the next build),
    its keys (``wording-keys.*``, :func:`kb.text.templates.wording_keys`) and how many advisories have it
    (``wording-spread.npy``), the rows grouped by wording (``wording-entries.npy``: row numbers, a wording's
    ascending, the wordings in order; ``wording-bounds.npy``: where each wording's begin, and the end), and
    the keys as sorted trigram codes (``template-keys.npy``).

    Strings and wordings are numbered in the order they first appear (row by row). The previous
    build's strings keep their numbers in a space shared with the fresh ones (a fresh string the
    previous build has gets its number, a new one the next free number); the final numbers follow
    from where each first appears, the same as numbering every row's strings one by one."""
    import numpy as np

    prev = rows.previous
    old_strings = prev.string_list() if prev is not None else []
    old_texts = list(prev.wordings) if prev is not None else []
    strings = _Numbering(old_strings)
    texts = _Numbering(old_texts)
    blocks = []
    for piece in rows.pieces:
        if isinstance(piece, tuple):
            assert prev is not None
            blocks.append(np.asarray(prev.rows[piece[0] : piece[1]], dtype=np.int64))
        else:
            block = np.empty((len(piece), 7), dtype=np.int64)
            block[:, :5] = np.fromiter((strings.id(x) for r in piece for x in r[:5]), dtype=np.int64, count=5 * len(piece)).reshape(-1, 5)
            block[:, 5] = [texts.id(r[5]) for r in piece]
            block[:, 6] = [r[6] for r in piece]
            blocks.append(block)
    cells = np.concatenate(blocks) if blocks else np.zeros((0, 7), dtype=np.int64)
    table = np.zeros((len(cells), 7), dtype=np.int32)
    string_order, table[:, :5] = _first_appearance(np, cells[:, :5])
    text_order, table[:, 5] = _first_appearance(np, cells[:, 5])
    table[:, 6] = cells[:, 6]
    string_list = [strings.value(u) for u in string_order]
    text_list = [texts.value(u) for u in text_order]
    counts = np.bincount(table[:, 5], minlength=len(text_list)) if len(table) else np.zeros(0, np.int64)
    old_lits = list(prev.lits) if prev is not None else []
    # each wording's literal parts (joined): the previous build's, else parsed
    lits = [old_lits[u] if u < len(old_texts) else joined_parts(Template.parse(texts.value(u))) for u in text_order]
    # The keys are a function of the literal parts and the counts: when both are the previous
    # build's (an edit that leaves every message as it was), so are the keys, and their files.
    same_keys = prev is not None and lits == old_lits and counts.tolist() == prev.counts().tolist()
    spread = np.zeros(len(text_list), dtype=np.int32)
    if len(table):
        pairs = np.unique(table[:, 5].astype(np.int64) * max(len(string_list), 1) + table[:, 0])
        spread = np.bincount(pairs // max(len(string_list), 1), minlength=len(text_list)).astype(np.int32)
    np.save(build_dir / "template-rows.npy", table)
    write_strings(build_dir / "template-strings", string_list)
    write_strings(build_dir / "wordings", text_list)
    write_strings(build_dir / "wording-lits", lits)
    np.save(build_dir / "wording-spread.npy", spread)
    # (a query process had sorted the rows by wording when it opened the index: 13 ms at 30,000 advisories)
    np.save(build_dir / "wording-entries.npy", np.argsort(table[:, 5], kind="stable").astype(np.int32))
    np.save(build_dir / "wording-bounds.npy", np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    if same_keys:
        assert prev is not None
        for name in _KEY_FILES:
            shutil.copyfile(prev.dir / name, build_dir / name)
    else:
        keys = wording_keys(lits, counts.tolist())
        write_strings(build_dir / "wording-keys", [SEP.join(ks) for ks in keys])
        codes, owners = key_codes(keys)
        np.save(build_dir / "template-keys.npy", np.stack([codes, owners]) if len(codes) else np.zeros((2, 0), np.int64))
    (build_dir / "templates.json").write_text(json.dumps({"entries": len(table), "wordings": len(text_list), "strings": len(string_list)}), "utf-8")


_KEY_FILES = ("wording-keys.bin", "wording-keys.npy", "template-keys.npy")
"""The files of the wordings' keys (:func:`write_templates`)."""


class _Numbering:
    """Numbers for strings: the previous build's keep theirs (0 ...), others get the next ones."""

    def __init__(self, old: list[str]):
        self.old = old
        self.new: list[str] = []
        self._ids: dict[str, int] | None = None

    def id(self, x: str) -> int:
        if self._ids is None:
            self._ids = {s: i for i, s in enumerate(self.old)}
        i = self._ids.get(x)
        if i is None:
            i = self._ids[x] = len(self.old) + len(self.new)
            self.new.append(x)
        return i

    def value(self, i: int) -> str:
        return self.old[i] if i < len(self.old) else self.new[i - len(self.old)]


def _first_appearance(np: Any, cells: Any) -> tuple[list[int], Any]:
    """Renumber ``cells`` (non-negative numbers, any shape, read row by row) in the order their
    values first appear: (the values in that order, the renumbered cells)."""
    flat = cells.ravel()
    if not len(flat):
        return [], cells.astype(np.int32)
    first = np.full(int(flat.max()) + 1, len(flat), dtype=np.int64)
    np.minimum.at(first, flat, np.arange(len(flat), dtype=np.int64))  # where each value first appears
    values = np.flatnonzero(first < len(flat))
    values = values[np.argsort(first[values])]
    rank = np.zeros(len(first), dtype=np.int32)
    rank[values] = np.arange(len(values), dtype=np.int32)
    return values.tolist(), rank[flat].reshape(cells.shape)


SEP = PARTS_SEP  # between a wording's literal parts or keys (squashed: never in them)


class Templates:
    """The templates of a build, read as needed (see :func:`write_templates`)."""

    def __init__(self, build_dir: Path):
        import numpy as np

        self.dir = build_dir
        meta = json.loads((build_dir / "templates.json").read_text("utf-8"))
        self.rows = mapped(np.load(build_dir / "template-rows.npy", mmap_mode="r"))
        self.strings = Strings(build_dir / "template-strings")
        # Read (pread), not mapped: a query process reads each wording once, when it is first a
        # candidate, and keeps what it needs (kb.text.templates._Wording); the mapped pages stayed
        # resident (~4.4 MB after the bench's queries at 10,000 advisories).
        self.wordings = Strings(build_dir / "wordings", map_file=False)
        self.lits = Strings(build_dir / "wording-lits", map_file=False)
        self.keys = Strings(build_dir / "wording-keys")
        self.spread = mapped(np.load(build_dir / "wording-spread.npy", mmap_mode="r"))
        codes = mapped(np.load(build_dir / "template-keys.npy", mmap_mode="r"))
        n, w = meta["entries"], meta["wordings"]
        if self.rows.shape != (n, 7) or len(self.wordings) != w or len(self.lits) != w or len(self.keys) != w or len(self.spread) != w:
            raise ValueError("the template files do not fit")
        if len(self.strings) != meta["strings"] or codes.ndim != 2 or len(codes) != 2:
            raise ValueError("the template files do not fit")
        self.codes = (codes[0], codes[1])
        self.grouped = self._grouped(np, n, w)
        self._strings: list[str] | None = None
        self._ids: dict[str, int] | None = None

    def _grouped(self, np: Any, n: int, w: int) -> tuple[Any, Any] | None:
        """The rows grouped by wording (``wording-entries.npy``, ``wording-bounds.npy``), or None for a
        build made before kb wrote them (the matcher groups them itself)."""
        try:
            order = mapped(np.load(self.dir / "wording-entries.npy", mmap_mode="r"))
            bounds = mapped(np.load(self.dir / "wording-bounds.npy", mmap_mode="r"))
        except FileNotFoundError:
            return None
        if order.shape != (n,) or bounds.shape != (w + 1,) or (w and int(bounds[-1]) != n):
            raise ValueError("the template files do not fit")
        return order, bounds

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

    def counts(self) -> Any:
        """How many entries have each wording."""
        import numpy as np

        return np.bincount(np.asarray(self.rows[:, 5]), minlength=len(self.wordings))

    def runs(self) -> dict[str, tuple[int, int]]:
        """Each advisory's entries: (first row, end row); an advisory's entries are consecutive."""
        import numpy as np

        column = np.asarray(self.rows[:, 0])
        if not len(column):
            return {}
        starts = np.flatnonzero(np.diff(column, prepend=-1))
        ends = [*starts[1:].tolist(), len(column)]
        names = self.string_list()
        return {names[int(column[a])]: (int(a), e) for a, e in zip(starts.tolist(), ends)}


class Entries(Sequence[TemplateEntry]):
    """The entries of a build's templates, each made when it is first asked for."""

    def __init__(self, templates: Templates):
        self._t = templates
        self._n = len(templates.rows)
        # (a dict, not a list of every entry: a search asks for a few, and a list of 300,000 made
        # every query process spend ~4 ms at 30,000 advisories before its first answer)
        self._made: dict[int, TemplateEntry] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = i if i >= 0 else i + self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        e = self._made.get(i)
        if e is None:
            e = self._made[i] = self._t.entry(i)
        return e

    def __iter__(self) -> Iterator[TemplateEntry]:
        made = self._made
        if len(made) < self._n:  # every entry at once: far cheaper than one by one
            t = self._t
            strings, texts = t.string_list(), list(t.wordings)
            for i, (a, c, m, lang, k, w, g) in enumerate(t.rows.tolist()):
                if i not in made:
                    made[i] = TemplateEntry(strings[a], strings[c], strings[m], strings[lang], strings[k], texts[w], bool(g))
        return (made[i] for i in range(self._n))

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
