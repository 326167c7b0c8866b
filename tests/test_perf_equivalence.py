"""The fast template matcher (kb.text.templates) and the vectorized crediting (kb.search.rank) answer exactly like the straightforward code they replaced.

The reference below is the matcher as it was before it matched once per wording, compiled each
wording once and scanned long pastes once for all candidates: every entry's keys looked up in the
paste's trigrams, every candidate matched on its own. Both run on the bundled content and on a
generated corpus, over pastes of every kind (messages with other values, odd spacing and widths,
parts of messages, look-alikes, log blocks, noise, and a long paste), by each path of the fast
matcher (short pastes piece by piece; long pastes through integer trigram codes and one
Aho-Corasick scan, or without pyahocorasick), and with the spec values they read changed.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

import kb.text.templates as messages
from kb import spec
from kb.content.load import load
from kb.content.model import PLACEHOLDER_TYPES, Placeholder, Template
from kb.search.documents import template_entries
from kb.text.analysis import normalize_with_map
from kb.text.templates import TemplateEntry, TemplateMatch, TemplateMatcher, WordingKeys, choose_keys, squash_with_map

ROOT = Path(__file__).resolve().parent.parent

# === the reference: the matcher before it was made fast (kept as it was) ============================


def ref_squash_with_map(text: str) -> tuple[str, list[int]]:
    norm, origin = normalize_with_map(text)
    keep = [i for i, ch in enumerate(norm) if not ch.isspace()]
    return "".join(norm[i] for i in keep), [origin[i] for i in keep] + [len(text)]


def ref_squash(text: str) -> str:
    return ref_squash_with_map(text)[0]


def ref_literal_parts(template: Template) -> list[str]:
    return [s for s in (ref_squash(p) for p in template.literals) if s]


def ref_slot_regex(p: Placeholder, index: int) -> str:
    body = PLACEHOLDER_TYPES.get(p.type, PLACEHOLDER_TYPES["text"])
    slot_max = spec.SLOT_MAX
    body = body.replace(r"\s", "").replace("{0,200}", f"{{0,{slot_max}}}").replace("{1,200}", f"{{1,{slot_max}}}")
    return f"(?P<s{index}>{body})"


def ref_compile_template(template: Template) -> re.Pattern[str]:
    out, k = [], 0
    for part in template.parts:
        if isinstance(part, str):
            out.append(re.escape(ref_squash(part)))
        else:
            out.append(ref_slot_regex(part, k))
            k += 1
    return re.compile("".join(out), re.DOTALL)


REF_CHUNK_RE = re.compile(r"[\s.,:;!?()\[\]{}<>\"'|=。、・：「」『』【】（）]+")


def ref_trigrams(s: str) -> set[str]:
    return {s[i : i + 3] for i in range(len(s) - 2)}


def ref_choose_keys(entries: list[TemplateEntry]) -> list[list[str]]:
    grams = [[ref_trigrams(lit) for lit in ref_literal_parts(Template.parse(e.text))] for e in entries]
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


class RefMatcher:
    def __init__(self, entries: list[TemplateEntry], keys: list[list[str]]):
        self.entries = entries
        self._by_key: dict[str, list[int]] = {}
        for i, ks in enumerate(keys):
            for k in ks:
                self._by_key.setdefault(k, []).append(i)
        self._compiled: dict[int, tuple[Template, re.Pattern[str], list[str], int]] = {}

    def _get(self, i: int) -> tuple[Template, re.Pattern[str], list[str], int]:
        c = self._compiled.get(i)
        if c is None:
            t = Template.parse(self.entries[i].text)
            lits = ref_literal_parts(t)
            c = (t, ref_compile_template(t), lits, sum(map(len, lits)))
            self._compiled[i] = c
        return c

    def candidates(self, squashed: str) -> list[int]:
        present = ref_trigrams(squashed)
        found: set[int] = set()
        for g in present:
            found.update(self._by_key.get(g, ()))
        return sorted(found)

    def match(self, text: str, min_coverage: float | None = None) -> list[TemplateMatch]:
        min_coverage = spec.MIN_COVERAGE if min_coverage is None else min_coverage
        sq, origin = ref_squash_with_map(text)
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
        chunks = [c for lit in lits for c in REF_CHUNK_RE.split(lit) if len(c) >= spec.MIN_CHUNK_CHARS]
        chunk_total = sum(map(len, chunks)) or 1
        coverage = sum(len(c) for c in chunks if c in sq) / chunk_total
        key_found = not chunks or max(chunks, key=len) in sq
        if len(sq) >= spec.MIN_FRAGMENT_CHARS and len(sq) <= total and any(sq in lit for lit in lits):
            coverage = max(coverage, len(sq) / total)
        if coverage <= 0:
            return None
        return TemplateMatch(entry, False, coverage, key_found=key_found)


# === corpora and pastes ===============================================================================


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, list[TemplateEntry]]:
    from tools.synthetic import write_corpus

    root = tmp_path_factory.mktemp("perf-eq")
    write_corpus(root / "synthetic", 160, seed=3)
    for name in (ROOT / "content").iterdir():  # the bundled advisories among the generated ones
        if name.is_dir() and not name.name.startswith((".", "_")):
            shutil.copytree(name, root / "synthetic" / name.name)
    out = {}
    for name, folder in (("bundled", ROOT / "content"), ("synthetic", root / "synthetic")):
        advisories, problems = load(folder)
        assert not [p for p in problems if p.severity == "error"]
        out[name] = [t for a in advisories for t in template_entries(a)]
    return out


VALUES = {
    "number": ["0", "7", "12", "-107", "65535", "２"],
    "hex": ["0x0000000a", "0xC0000005", "ff", "0X80070005"],
    "word": ["srv01", "PC023", "Tape1", "ノード2", "node-7"],
    "drive": ["C:", "d:", "Ｅ：", "Z:"],
    "path": ["C:\\WINDOWS\\system32\\drivers", "D:\\Data\\share", "/var/log/app", "¥Program Files¥App", "E:"],
    "guid": ["{12345678-ABCD-1234-ABCD-1234567890AB}", "9e8d7c6b-5a49-3827-1605-f4e3d2c1b0a9"],
    "text": ["svchost.exe", "NT AUTHORITY\\LOCAL SERVICE", "ユーザー名", "Weekly Incr 3", "x"],
}
NOISE = [
    "2024/01/02 03:04:05 情報 Service Control Manager 7036 Windows Update サービスは実行中状態に移行しました。",
    "The Event log service was started.",
    "Special privileges assigned to new logon. Logon ID: 0x3e7",
    "ボリューム シャドウ コピー サービスは正常に開始されました。",
    "error: 0x80070005 access denied at C:\\Windows\\Temp",
    "TMI errcode=-108 MRFServer.cpp|112",
]


def render(t: Template, rng: random.Random, spacing: bool) -> str:
    out = []
    for p in t.parts:
        if isinstance(p, str):
            if spacing and rng.random() < 0.5:  # squashing removes white space, so it may be anywhere
                cut = rng.randrange(len(p) + 1)
                p = p[:cut] + rng.choice([" ", "\n  ", "\u3000", "\t"]) + p[cut:]
            out.append(p)
        else:
            out.append(rng.choice(VALUES.get(p.type, VALUES["text"])))
    text = "".join(out)
    if rng.random() < 0.2:  # full-width forms: NFKC folds them back
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return text


def pastes(entries: list[TemplateEntry], seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    texts = sorted({e.text for e in entries})
    out = ["", " ", "ab", "abc", "エラー", "error", *NOISE]
    for _ in range(n):
        t = Template.parse(rng.choice(texts))
        whole = render(t, rng, spacing=rng.random() < 0.5)
        kind = rng.randrange(7)
        if kind == 0:
            out.append(whole)
        elif kind == 1:  # in a log block
            lines = [rng.choice(NOISE) for _ in range(rng.randint(2, 12))]
            lines.insert(rng.randrange(len(lines) + 1), f"2024/05/06 07:08:09 エラー App 1000 {whole}")
            if rng.random() < 0.5:
                lines.insert(rng.randrange(len(lines) + 1), render(Template.parse(rng.choice(texts)), rng, False))
            out.append("\n".join(lines))
        elif kind == 2:  # a part of a message
            a = rng.randrange(len(whole) + 1)
            out.append(whole[a : a + rng.randint(4, 60)])
        elif kind == 3:  # a look-alike: one word changed
            words = whole.split()
            if words:
                words[rng.randrange(len(words))] = rng.choice(["Disabled", "停止", "xyz", "TenantAccessBlockedException"])
            out.append(" ".join(words))
        elif kind == 4:  # the first half only
            out.append(whole[: len(whole) // 2])
        elif kind == 5:  # the same message twice, the first time broken
            out.append(whole[: len(whole) // 3] + "\n" + whole)
        else:  # unicode odds and ends around it
            out.append(unicodedata.normalize("NFD", whole) + " ｶﾀｶﾅ サーバー ー " + whole[:10])
    return out


def big_paste(entries: list[TemplateEntry], seed: int, size: int) -> str:
    rng = random.Random(seed)
    texts = sorted({e.text for e in entries})
    lines: list[str] = []
    total = 0
    while total < size:
        if rng.random() < 0.5:
            line = render(Template.parse(rng.choice(texts)), rng, rng.random() < 0.2)
            if rng.random() < 0.2:
                line = line[: len(line) // 2]
        else:
            line = rng.choice(NOISE).replace("0x3e7", hex(rng.getrandbits(20)))
        line = f"2024/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d} 01:02:03 Error Source {line}"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def as_tuples(found: list[TemplateMatch]) -> list[tuple]:
    return [(m.entry, m.full, m.coverage, m.slots, m.span, m.key_found) for m in found]


MODES = {
    # name: (pyahocorasick used, squashed characters above which a paste is scanned once)
    "default": (True, None),
    "scan-every-paste": (True, 0),
    "no-ahocorasick": (False, None),
    "no-ahocorasick-every-paste": (False, 0),
}


def _mode(mp: pytest.MonkeyPatch, mode: str) -> None:
    use_ac, scan_above = MODES[mode]
    if not use_ac:
        mp.setattr(messages, "ahocorasick", None)
    elif messages.ahocorasick is None:
        pytest.skip("pyahocorasick is not installed")
    if scan_above is not None:
        mp.setattr(messages, "_SCAN_ABOVE", scan_above)


def _compare(entries: list[TemplateEntry], texts: list[str], min_coverage: float | None = None) -> int:
    keys = choose_keys(entries)
    ref, fast = RefMatcher(entries, keys), TemplateMatcher(entries, keys)
    matched = 0
    for text in texts:
        want = as_tuples(ref.match(text, min_coverage))
        got = as_tuples(fast.match(text, min_coverage))
        assert got == want, f"differs on {text[:80]!r}"
        assert fast.candidates(ref_squash(text)) == ref.candidates(ref_squash(text))
        matched += bool(want)
    return matched


# === the tests =======================================================================================


@pytest.mark.parametrize("per_template", [4, 1, 0, 9])
def test_choose_keys_is_unchanged(corpora, per_template, monkeypatch):
    monkeypatch.setattr(spec, "KEYS_PER_TEMPLATE", per_template)
    for entries in corpora.values():
        assert choose_keys(entries) == ref_choose_keys(entries)
    odd = [
        TemplateEntry("a", "c", "m", "en", "app-log", t)
        for t in ("", "ab", "{{x}}", "{{x}}{{y:number}}", "aaaa aaaa", "é\u0301x yz\u3000ÅÅÅ", "x{{n:number}}yy")
    ]
    assert choose_keys(odd) == ref_choose_keys(odd)
    assert choose_keys([]) == []


def test_squash_with_map_is_unchanged():
    rng = random.Random(5)
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    samples = ["", " ", "a", " a ", "ａ　ｂ\r\n", "サーバー ー\tｰ", "x\u3000\u2028y", "ﾃﾞｨｽｸ  ﾌﾙ", "\x85\xa0z"]
    alphabet = ["a", "Ｂ", "ー", "ｶ", "ﾞ", "é", "e\u0301", "¥", "＼", "①", "ﬁ", *spaces]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(400)]
    for s in samples:
        assert squash_with_map(s) == ref_squash_with_map(s), repr(s)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("corpus", ["bundled", "synthetic"])
def test_same_matches_as_the_reference(corpora, corpus, mode):
    entries = corpora[corpus]
    texts = pastes(entries, seed=11, n=300 if corpus == "synthetic" else 120)
    with pytest.MonkeyPatch.context() as mp:
        _mode(mp, mode)
        matched = _compare(entries, texts)
        assert matched > len(texts) // 3  # the pastes do reach templates
        assert _compare(entries, texts[:80], min_coverage=0.0) > 0


@pytest.mark.parametrize("mode", ["default", "no-ahocorasick"])
def test_same_matches_on_a_long_paste(corpora, mode):
    entries = corpora["synthetic"]
    text = big_paste(entries, seed=2, size=150_000)
    assert len(messages.squash(text)) > messages._SCAN_ABOVE  # the long-paste path
    with pytest.MonkeyPatch.context() as mp:
        _mode(mp, mode)
        keys = choose_keys(entries)
        want = as_tuples(RefMatcher(entries, keys).match(text))
        got = as_tuples(TemplateMatcher(entries, keys).match(text))
    assert got == want
    assert sum(1 for m in want if m[1]) > 50 and any(not m[1] for m in want)


@pytest.mark.parametrize(
    "changes",
    [
        {"MAX_FIND_TRIES": 1},
        {"MAX_FIND_TRIES": 0},
        {"SLOT_MAX": 3},
        {"MIN_CHUNK_CHARS": 2, "MIN_FRAGMENT_CHARS": 4},
        {"REACH_SLACK": -10_000},
        {"MIN_SQUASHED_CHARS": 12},
    ],
)
@pytest.mark.parametrize("mode", ["default", "scan-every-paste", "no-ahocorasick-every-paste"])
def test_same_matches_with_other_spec_values(corpora, changes, mode):
    entries = corpora["bundled"] + corpora["synthetic"][:300]
    texts = pastes(entries, seed=7, n=80)
    with pytest.MonkeyPatch.context() as mp:
        _mode(mp, mode)
        for name, value in changes.items():
            mp.setattr(spec, name, value)
        _compare(entries, texts)


def test_a_matcher_follows_spec_changes_made_after_it_was_built(corpora, monkeypatch):
    """The fast matcher remembers compiled wordings; a changed SLOT_MAX or MIN_CHUNK_CHARS still applies."""
    entries = corpora["bundled"]
    keys = choose_keys(entries)
    fast = TemplateMatcher(entries, keys)
    texts = pastes(entries, seed=3, n=60)
    for t in texts:
        fast.match(t)
    monkeypatch.setattr(spec, "SLOT_MAX", 2)
    monkeypatch.setattr(spec, "MIN_CHUNK_CHARS", 6)
    ref = RefMatcher(entries, keys)
    for t in texts:
        assert as_tuples(fast.match(t)) == as_tuples(ref.match(t))


def test_entries_sharing_a_wording_each_get_their_match(corpora):
    """Matching once per wording still reports every entry that has it, each with its own slots."""
    entries = corpora["synthetic"]
    shared = Counter(e.text for e in entries).most_common(1)[0][0]
    t = Template.parse(shared)
    text = render(t, random.Random(1), False)
    found = [m for m in TemplateMatcher(entries).match(text) if m.entry.text == shared and m.full]
    assert len(found) == sum(1 for e in entries if e.text == shared) > 1
    assert len({id(m.slots) for m in found}) == len(found)


def test_hand_given_keys(corpora):
    """Keys passed in (not chosen) are honoured as before: entries with the same wording but other keys."""
    entries = corpora["bundled"]
    keys = choose_keys(entries)
    keys = [ks if i % 3 else ks[:1] for i, ks in enumerate(keys)]
    keys[0] = ["nokeyhere", *keys[0]]
    _compare(entries, pastes(entries, seed=9, n=60))
    texts = pastes(entries, seed=9, n=60)
    ref, fast = RefMatcher(entries, keys), TemplateMatcher(entries, keys)
    for text in texts:
        assert as_tuples(fast.match(text)) == as_tuples(ref.match(text))


def as_index_keys(entries: list[TemplateEntry], keys: list[list[str]]) -> WordingKeys:
    """The keys as kb.search.index hands them over: each wording once."""
    texts: dict[str, int] = {}
    wording_keys: list[list[str]] = []
    for e, ks in zip(entries, keys):
        if e.text not in texts:
            texts[e.text] = len(texts)
            wording_keys.append(ks)
    return WordingKeys(list(texts), wording_keys, [texts[e.text] for e in entries])


@pytest.mark.parametrize("mode", ["default", "no-ahocorasick-every-paste"])
@pytest.mark.parametrize("corpus", ["bundled", "synthetic"])
def test_same_matches_with_the_keys_as_an_index_stores_them(corpora, corpus, mode):
    entries = corpora[corpus]
    keys = choose_keys(entries)
    indexed = as_index_keys(entries, keys)
    assert indexed == keys  # a list of each entry's keys, like any
    texts = pastes(entries, seed=13, n=150) + [big_paste(entries, seed=4, size=40_000)]
    with pytest.MonkeyPatch.context() as mp:
        _mode(mp, mode)
        ref, fast = RefMatcher(entries, keys), TemplateMatcher(entries, indexed)
        for text in texts:
            assert as_tuples(fast.match(text)) == as_tuples(ref.match(text)), text[:80]
            assert fast.candidates(ref_squash(text)) == ref.candidates(ref_squash(text))


def test_an_index_hands_the_matcher_what_it_was_built_with(tmp_path):
    """Index.templates and Index.template_keys are the entries and keys of the build, in order."""
    from kb.api import KnowledgeBase

    base = KnowledgeBase(ROOT / "content", tmp_path / "index")
    base.build()
    index = base.searcher().index
    entries = [t for a in base.advisories() for t in template_entries(a)]
    assert index.templates == entries and list(index.template_keys) == choose_keys(entries)
    assert isinstance(index.template_keys, WordingKeys)
    texts = pastes(entries, seed=17, n=60)
    ref, fast = RefMatcher(entries, choose_keys(entries)), TemplateMatcher(index.templates, index.template_keys)
    for text in texts:
        assert as_tuples(fast.match(text)) == as_tuples(ref.match(text))
    # The matcher takes each wording's literal parts from the index instead of parsing its text (read
    # again only for its template): the same.
    assert index.template_keys.lits is not None
    for w, text in enumerate(index.template_keys.texts):
        made, parsed = fast._wording(w), messages._Wording(text)
        assert (made.text, made.lits, made.total, made.longest, made.cut(), made.slots) == (
            text,
            parsed.lits,
            parsed.total,
            parsed.longest,
            parsed.cut(),
            parsed.slots,
        )
    # The entries grouped by wording are the build's (wording-entries.npy, wording-bounds.npy), as
    # the matcher groups them itself for keys without them.
    import numpy as np

    grouped, wording = index.template_keys.grouped, np.asarray(index.template_keys.wording)
    assert grouped is not None
    order = np.argsort(wording, kind="stable")
    assert grouped[0].tolist() == order.tolist()
    assert grouped[1].tolist() == np.searchsorted(wording[order], np.arange(len(index.template_keys.texts) + 1)).tolist()
    base.close()


def test_templates_of_a_build_without_the_entries_by_wording_are_grouped_when_opened(tmp_path):
    """A build made before kb wrote wording-entries.npy and wording-bounds.npy: the matcher groups the
    entries itself, with the same matches."""
    from kb.api import KnowledgeBase
    from kb.search.template_table import SplitStrings, Templates

    base = KnowledgeBase(ROOT / "content", tmp_path / "index")
    base.build()
    build_dir = base.searcher().index.dir
    entries = [t for a in base.advisories() for t in template_entries(a)]
    base.close()
    old = tmp_path / "old"
    shutil.copytree(build_dir, old)
    (old / "wording-entries.npy").unlink()
    (old / "wording-bounds.npy").unlink()
    import numpy as np

    t_new, t_old = Templates(build_dir), Templates(old)
    assert t_new.grouped is not None and t_old.grouped is None

    def keys(t: Templates) -> WordingKeys:
        return WordingKeys(t.wordings, SplitStrings(t.keys), np.asarray(t.rows[:, 5]), t.codes, SplitStrings(t.lits), t.grouped)

    ref, new, was = RefMatcher(entries, choose_keys(entries)), TemplateMatcher(entries, keys(t_new)), TemplateMatcher(entries, keys(t_old))
    for text in pastes(entries, seed=5, n=40):
        assert as_tuples(new.match(text)) == as_tuples(was.match(text)) == as_tuples(ref.match(text))


# === crediting the messages found: all cases at once, as one case at a time would ======================


def ref_message_credit(matches: list[TemplateMatch], spread: dict[str, int]) -> dict[tuple[str, str], dict]:
    """The messages' share of every case, credited one match at a time as rank.py did before it
    credited all cases at once: score, exact, strong and the evidence, per (advisory, case)."""
    from kb.search.rank import Evidence, _message_evidence

    out: dict[tuple[str, str], dict] = {}
    partial: dict[tuple[str, str], TemplateMatch] = {}
    for m in matches:
        e = m.entry
        a = out.setdefault((e.advisory, e.case), {"score": 0.0, "exact": False, "strong": False, "evidence": [], "messages": set()})
        if not m.full:
            best = partial.get((e.advisory, e.case))
            if best is None or m.coverage > best.coverage:
                partial[(e.advisory, e.case)] = m
            continue
        if e.message in a["messages"]:
            continue
        a["messages"].add(e.message)
        fixed = sum(len(x) for x in Template.parse(e.text).literals)
        a["score"] += spec.W_TEMPLATE_FULL + min(fixed, spec.TEMPLATE_LITERAL_CAP) / spec.TEMPLATE_LITERAL_PER_POINT
        n = spread.get(e.text, 1)
        if not e.generic and n > 0:
            a["exact"] = a["exact"] or n == 1
            a["strong"] = a["strong"] or 1 < n <= spec.STRONG_SPREAD
        a["evidence"].append(_message_evidence(m))
    for key, m in partial.items():
        a = out[key]
        if a["exact"]:
            continue
        a["score"] += spec.W_TEMPLATE_PARTIAL * m.coverage * (1.0 if m.key_found else spec.PARTIAL_WITHOUT_KEY)
        if m.key_found and m.coverage >= spec.PARTIAL_STRONG_COVERAGE and not m.entry.generic and spread.get(m.entry.text, 1) <= spec.STRONG_SPREAD:
            a["strong"] = True
            a["evidence"].append(
                Evidence("message", m.entry.text, {"message": m.entry.message, "kind": m.entry.kind, "coverage": round(m.coverage, 2)})
            )
    return out


@pytest.fixture(scope="module")
def synthetic_base(tmp_path_factory):
    from kb.api import KnowledgeBase
    from tools.synthetic import write_corpus

    root = tmp_path_factory.mktemp("credit")
    write_corpus(root / "content", 160, seed=3)
    for name in (ROOT / "content").iterdir():
        if name.is_dir() and not name.name.startswith((".", "_")):
            shutil.copytree(name, root / "content" / name.name)
    base = KnowledgeBase(root / "content", root / "index")
    base.build()
    yield base
    base.close()


def test_messages_are_credited_to_every_case_as_one_case_at_a_time(synthetic_base):
    """rank._MessageScores gives each case the score, exact/strong signal and evidence the one-match-
    at-a-time crediting gives it (bit for bit), and its leaders are the first cases by score."""
    from kb.search.rank import _MessageScores

    searcher = synthetic_base.searcher()
    table = searcher.index.template_table()
    spread = dict(zip(table.wordings, table.spread.tolist()))
    entries = list(searcher.index.templates)
    texts = [*pastes(entries, seed=23, n=150), big_paste(entries, seed=5, size=60_000)]
    credited = 0
    for text in texts:
        want = ref_message_credit(searcher.matcher.match(text, spec.MIN_COVERAGE), spread)
        got = _MessageScores(searcher, text)
        for limit in (1, 3, 10):
            order = sorted(want, key=lambda k: (-want[k]["score"], k))[:limit]
            assert [k for k, _a in got.leaders(limit)] == order, text[:80]
            got.taken[:] = False
        for (adv, case), w in want.items():
            a = got.take(adv, case)
            assert (a.score, a.exact, a.strong) == (w["score"], w["exact"], w["strong"]), (text[:80], adv, case)
            assert a.messages is not None and a.messages[0].evidence(a.messages[1]) == w["evidence"]
            credited += 1
        assert got.take("no-such-advisory", "x").score == 0.0
    assert credited > 500  # the pastes reach many cases


def mixed_queries(searcher, seed: int) -> list[str]:
    """40 pastes of the index's messages (with ``seed``), then words, model numbers and ids in both languages."""
    return [
        *pastes(list(searcher.index.templates), seed=seed, n=40),
        "delete the update and restart the server",
        "更新プログラムを削除してサーバーを再起動",
        "PGT20146F2 が起動しない",
        "MS05-018 KB890859 blue screen after reboot",
        "TMI not ready errcode=-107",
        "ログインできない パスワード",
    ]


def ref_coverage(matched: dict[str, set[str]], weights: dict[str, float], full_for, alias_for, id_set: set[str]) -> float:
    """A document's coverage as Searcher._bm25 computed it one document at a time (kept as it was)."""
    words = frozenset().union(*(matched.get(f, ()) for f in spec.WORD_FIELDS))
    ids = frozenset(matched.get("ids", set()) & id_set)
    in_full = {w for t in words for w in full_for.get(t, ())}
    credit = {w: 1.0 for w in in_full}
    for t in words:
        for w in alias_for.get(t, ()):
            if w not in in_full:
                credit[w] = spec.ALIAS_BOOST
    credit.update({t: 1.0 for t in ids})
    weighted = list(weights.items())
    place = {t: k for k, (t, _w) in enumerate(weighted)}
    total = sum(weights.values()) or 1.0
    return sum(weighted[k][1] * credit[weighted[k][0]] for k in sorted(place[t] for t in credit if t in place)) / total


def test_coverage_is_computed_for_every_document_as_one_at_a_time(synthetic_base, monkeypatch):
    """Searcher._coverage (one table product for the best documents) gives each document the word
    coverage, bit for bit, that the per-document sum gave; aliases and identifiers included."""
    from kb.search.rank import Searcher

    seen = {"docs": 0, "alias": 0, "ids": 0}
    fast = Searcher._coverage

    def both(table, weights, full_for, alias_for, id_set):
        got = fast(table, weights, full_for, alias_for, id_set)
        for i, value in enumerate(got):
            matched = table.of(i)
            assert value == ref_coverage(matched, weights, full_for, alias_for, id_set)
            seen["docs"] += 1
            seen["ids"] += bool(matched.get("ids"))
            seen["alias"] += any(t in alias_for and t not in full_for for f in spec.WORD_FIELDS for t in matched.get(f, ()))
        return got

    monkeypatch.setattr(Searcher, "_coverage", staticmethod(both))
    searcher = synthetic_base.searcher()
    queries = mixed_queries(searcher, seed=29)
    for q in queries:
        for lang in (None, "en", "ja"):
            searcher.search(q, lang=lang)
    assert seen["docs"] > 20_000 and seen["ids"] > 500 and seen["alias"] > 5_000, seen


class EagerSearcher:
    """Searcher._bm25 and the ranking as they were (kept as they were): every case a scored
    document reaches becomes an _Agg, and the hits are the first of all of them."""

    @staticmethod
    def search(searcher, text: str, lang: str | None = None, limit: int | None = None) -> list[dict]:
        from kb.search import rank

        original = rank.Searcher._bm25

        def eager(self, head, ids, aggs, messages, lang):
            weights, pending = original(self, head, ids, aggs, messages, lang)
            for i in range(len(pending.names)):  # every case the overlap reached, made at once
                aggs[pending.key(i)] = pending.agg(i, messages)
            return weights, rank._PendingCases()

        rank.Searcher._bm25 = eager
        try:
            return [h.to_dict() for h in searcher.search(text, lang, limit)]
        finally:
            rank.Searcher._bm25 = original


def test_cases_the_word_overlap_reached_are_ranked_as_if_each_had_its_agg(synthetic_base):
    """A case only the word overlap reached is ranked by its pending score and gets its _Agg only
    when shown: the same hits, scores, labels and evidence as when every case got its _Agg."""
    from kb.search import rank

    searcher = synthetic_base.searcher()
    queries = mixed_queries(searcher, seed=31)
    pending = with_messages = 0
    made, added = rank._PendingCases.agg, rank._PendingCases.add

    def checked(self, name, rows, messages, reserve):
        # a pending case that has messages in the paste starts from them and is set aside (no leader)
        nonlocal with_messages
        added(self, name, rows, messages, reserve)
        k = messages._case(*name.split("#", 1))
        assert self.messages[-1] == k and (k is None or messages.taken[k])
        with_messages += k is not None

    def count(self, i, messages):
        nonlocal pending
        pending += 1
        a = made(self, i, messages)
        assert a.score == self.scores[i]  # (bit for bit: what the case was ranked by is what it shows)
        return a

    for q in queries:
        for lang in (None, "en", "ja"):
            for limit in (1, 10, 50):
                rank._PendingCases.agg, rank._PendingCases.add = count, checked
                try:
                    want = EagerSearcher.search(searcher, q, lang, limit)
                    got = [h.to_dict() for h in searcher.search(q, lang, limit)]
                finally:
                    rank._PendingCases.agg, rank._PendingCases.add = made, added
                assert got == want, (q[:60], lang, limit)
    assert pending > 500 and with_messages > 100, (pending, with_messages)  # (hits made from pending cases; pending cases with messages)
    assert searcher.search("TMI not ready errcode=-107", limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        searcher.search("TMI not ready errcode=-107", limit=-1)  # (a slice would have dropped the last case)


def test_template_strings_are_numbered_by_first_appearance_as_a_dict_numbers_them():
    """template_table._first_appearance (numpy) numbers cells as ``dict.fromkeys`` over the cells
    row by row did, including empty tables, one value, and values far apart."""
    import numpy as np

    from kb.search.template_table import _first_appearance

    rng = np.random.default_rng(1)
    tables = [np.zeros((0, 5), np.int64), np.array([[3]]), np.array([[9_000_000, 2], [2, 0]])]
    tables += [rng.integers(0, max(n // 3, 1), size=(n, 5)) for n in (1, 7, 1000, 50_000)]
    for cells in tables:
        flat = cells.ravel().tolist()
        want = list(dict.fromkeys(flat))
        number = {v: i for i, v in enumerate(want)}
        values, renumbered = _first_appearance(np, cells)
        assert values == want
        assert renumbered.shape == cells.shape and renumbered.ravel().tolist() == [number[v] for v in flat]


@pytest.mark.parametrize(
    ("per_pass", "read_from", "per_document"),
    [(None, None, None), (1000, None, 0), (7, None, 0), (1, None, 0), (None, 1, None), (1000, 5, 0), (7, 3, 0), (1, None, 1), (7, 3, 2)],
)
def test_word_overlap_is_scored_as_one_term_at_a_time(synthetic_base, monkeypatch, per_pass, read_from, per_document):
    """Index.search (all postings laid end to end in reused arrays, one bincount, the best documents'
    terms looked up at once; or, past ``POSTINGS_PER_PASS`` postings or ``PASS_PER_DOCUMENT`` per
    document, whichever is more, in passes that start from the
    sums so far, the terms looked up one by one) gives the scores, order and matched terms of adding
    one term's postings at a time, bit for bit; a large search followed by small ones leaves nothing
    behind, and the reused arrays stay within a pass's size. The same when the lists of
    ``READ_FROM`` postings or more are read from the file (into reused arrays when they fit in a
    pass, else into new ones) instead of sliced from the mapping; lookups too."""
    import numpy as np

    import kb.search.index as index_module
    from kb.search.index import split_key
    from kb.text.analysis import analyze

    index = synthetic_base.searcher().index
    if per_pass is not None:
        monkeypatch.setattr(index_module, "POSTINGS_PER_PASS", per_pass)
    if per_document is not None:
        monkeypatch.setattr(index_module, "PASS_PER_DOCUMENT", per_document)
    if read_from is not None:
        mapped_lookups = {(f, t): index.lookup(f, t) for f in ("models", "refs") for t in ("pgt20146f2", "ms05-018", "kb890859", "none")}
        monkeypatch.setattr(index, "READ_FROM", read_from)
        assert {(f, t): index.lookup(f, t) for f, t in mapped_lookups} == mapped_lookups
        assert any(mapped_lookups.values())
        assert index.documents() == [split_key(index._key(d)) for d in range(index.doc_count)]  # (lookups now go through these)
        assert {(f, t): index.lookup(f, t) for f, t in mapped_lookups} == mapped_lookups
    monkeypatch.setattr(index, "_scratch", index_module._Scratch())  # (the fixture's may have grown before)
    cut_at: set[int] = set()  # (the pass sizes the searches asked for)
    passes_of = index_module._passes
    monkeypatch.setattr(index_module, "_passes", lambda parts, size: cut_at.add(size) or passes_of(parts, size))
    rng = random.Random(11)
    queries = []
    for size in (400, 3, 60, 1, 150, 8):  # (sizes up and down: the arrays are reused)
        words, grams = [], []
        for d in rng.sample(range(index.doc_count), 4):
            a = analyze(index.stored(*split_key(index._key(d)))["texts"]["body"][: size * 6])
            words += [t.text for t in a.words]
            grams += [t.text for t in a.grams]
        words = rng.sample(words, min(size, len(words))) + ["no-such-term"]
        queries.append({**{f: words for f in spec.WORD_FIELDS}, "grams": grams[:size], "ids": words[:2]})
    for terms in queries:
        for limit, lang in ((30, None), (5, "ja"), (200, "en")):
            got = index.search(terms, limit=limit, lang=lang)
            scores = np.zeros(index.doc_count)
            postings: dict[tuple[str, str], set[int]] = {}
            for f, ts in terms.items():
                if f not in index._scored:
                    continue
                for t in dict.fromkeys(ts):
                    entry = index._table.get(f, t)
                    if entry is None:
                        continue
                    off, df = entry
                    docs = index._post_docs[off : off + df].astype(np.intp)
                    idf = math.log(index.doc_count / (df + 1)) + 1
                    scores[docs] += (index._post_weights[off : off + df] * idf).astype(np.float64)
                    postings[(f, t)] = set(docs.tolist())
            if lang is not None:
                scores[index._twins(lang)] = 0.0
            want = sorted(np.flatnonzero(scores > 0).tolist(), key=lambda d: (-scores[d], d))[:limit]
            assert [p.key for p in got] == [index._key(d) for d in want]
            assert [p.score for p in got] == [float(scores[d]) for d in want]
            for p, d in zip(got, want):
                has: dict[str, set[str]] = {}
                for (f, t), docs in postings.items():
                    if d in docs:
                        has.setdefault(f, set()).add(t)
                assert p.matched == has
                assert index._position(p.key) == d
    assert cut_at == {index_module._pass_size(index.doc_count)}
    if per_pass is not None:
        size = index_module._pass_size(index.doc_count)
        assert size == max(per_pass, index_module.PASS_PER_DOCUMENT * index.doc_count)
        assert max(len(a) for a in index._scratch._arrays.values()) <= 1.25 * (index.doc_count + size) + 1
    if read_from is not None:
        assert "read-docs" in index._scratch._arrays or per_pass == 7  # (long lists were read into the reused arrays)


@pytest.mark.parametrize("per_pass", [1, 7, 64, 999, 1 << 20])
def test_sums_in_passes_take_the_same_additions_in_the_same_order(per_pass):
    """_sum_postings, in one pass or in many (each starting from the sums so far), adds each
    document's contributions in term order, exactly as one term at a time does. Many postings per
    document, with weights 24 orders of magnitude apart, make any other order show in the last bits
    (weights within a few orders of magnitude sum exactly in float64, in any order)."""
    import numpy as np

    import kb.search.index as index_module

    rng = np.random.default_rng(5)
    n_docs = 40
    parts = []
    for _ in range(300):
        docs = np.sort(rng.choice(n_docs, size=int(rng.integers(1, n_docs)), replace=False)).astype(np.int32)
        weights = (rng.random(len(docs)) * 10.0 ** rng.integers(-12, 13)).astype(np.float32)
        parts.append((docs, weights, float(rng.random() * 7)))
    want = np.zeros(n_docs)
    for docs, w, idf in parts:
        want[docs.astype(np.intp)] += (w * idf).astype(np.float64)
    scores, laid = index_module._sum_postings(index_module._passes(parts, per_pass), n_docs, index_module._Scratch())
    assert scores.tolist() == want.tolist()
    assert (laid is None) == (sum(len(d) for d, _w, _i in parts) > per_pass)


def test_no_terms_no_matches():
    """_sum_postings and _matched_terms with no term at all (Index.search returns before, but the
    functions stand on their own): zero scores, an empty table."""
    import numpy as np

    import kb.search.index as index_module

    scores, laid = index_module._sum_postings(index_module._passes([], 5), 3, index_module._Scratch())
    assert scores.tolist() == [0.0, 0.0, 0.0] and len(laid) == 0
    table = index_module._matched_terms([0, 2], laid, [], [], 3, index_module._Scratch())
    assert table.has.shape == (2, 0) and table.of(0) == {}
    one = [(np.array([1], dtype=np.int32), np.array([1.0], dtype=np.float32), 1.0)]
    assert index_module._matched_terms([1], np.array([1]), index_module._passes(one, 5), [("body", "x")], 3, index_module._Scratch()).of(0) == {
        "body": {"x"}
    }


def test_term_counts_are_what_whoosh_tokenizes_from_the_joined_terms():
    """index._term_counts takes a field's terms as they are when Whoosh's tokenizer would find the
    same in their joined text, and tokenizes it when not (an empty term, a term with a separator):
    the same counts in the same order either way."""
    from kb.search.documents import SearchDoc
    from kb.search.index import _TOKEN, _field_texts, _term_counts

    for terms in (["a", "b", "a"], [], ["z"], ["a b", "c"], ["", "x"], ["a", "", "b"], ["x\ty"], ["x\n", "x"], [" "], ["", ""], ["x\r"]):
        d = SearchDoc("adv", "case", "ja", "title", {}, {"body": terms, "ids": list(reversed(terms))})
        whoosh = {name: list(Counter(_TOKEN.findall(text)).items()) for name, text in _field_texts(d).items()}
        assert {name: list(c.items()) for name, c in _term_counts(d).items()} == whoosh, terms
