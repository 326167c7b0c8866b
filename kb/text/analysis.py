"""Text analysis: the one pipeline used at index time and at query time.

Stage 2 of the pipeline. Every step is a small function; :func:`analyze` composes them:

    text --normalize--> normalized text (with a map back to original offsets)
         --find_identifiers--> identifiers (model numbers, KB ids, hex codes, files ...)
         --split_runs--> Latin runs and CJK runs (identifier spans are cut out)
              Latin: latin_words -> stop words -> stem            => "words"
              CJK:   MeCab (fugashi + unidic-lite) lemmas         => "words"
              CJK:   character bigrams                             => "grams"

Each token carries ``start``/``end`` offsets into the *original* text, so highlighting works on
Japanese and on full-width input. The browser mirrors normalize / identifiers / Latin words / CJK
bigrams in ``kb/static/kbsearch.js``; ``kb/static/vectors.json`` holds test vectors for both.

No Whoosh here: ``kb.search.index`` wraps these functions in a Whoosh analyzer.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from .stopcodes import STOP_CODES

# --- normalization -------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "¥": "\\",  # Japanese fonts show the path separator as a yen sign
        "￥": "\\",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "‘": "'",
        "’": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "〜": "~",
        "～": "~",
    }
)
_KATA = "ァ-ヺ"
LONG_VOWEL_RE = re.compile(f"(?<![{_KATA}ー])([{_KATA}][{_KATA}ー]{{2,}})ー(?![{_KATA}ー])")
"""A katakana word of 4+ characters ending in ー (the ー is dropped, as kuromoji's stemmer does)."""

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


def _nfkc_char_groups(text: str) -> list[tuple[int, str]]:
    """Split text into (offset, chunk) groups that NFKC can normalize independently.

    A base character absorbs the combining marks and half-width (semi-)voiced sound marks after it,
    so ``ｶﾞ`` becomes one group that normalizes to ``ガ``.
    """
    groups: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f\u3099\u309a"):
            j += 1
        groups.append((i, text[i:j]))
        i = j
    return groups


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC, lowercase, symbol folding and long-vowel folding, with a map back to the original.

    Returns ``(normalized, origin)`` where ``origin[i]`` is the offset in ``text`` of the character
    that produced ``normalized[i]``; ``origin`` has one extra entry, ``len(text)``.
    """
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        # Fast path: a line NFKC leaves alone and whose folding keeps its length maps one to one.
        if unicodedata.is_normalized("NFKC", line):
            folded = _CONTROL_RE.sub(" ", line.translate(_FOLD).lower())
            if len(folded) == len(line):
                out.append(folded)
                origin.extend(range(pos, pos + len(line)))
                pos += len(line)
                continue
        for off, chunk in _nfkc_char_groups(line):
            norm = _CONTROL_RE.sub(" ", unicodedata.normalize("NFKC", chunk).translate(_FOLD).lower())
            out.append(norm)
            origin.extend([pos + off] * len(norm))
        pos += len(line)
    s = "".join(out)
    # Long-vowel folding removes characters: rebuild the map alongside.
    if "ー" in s:
        drop = [m.end() - 1 for m in LONG_VOWEL_RE.finditer(s)]
        if drop:
            starts, ends = [0, *(d + 1 for d in drop)], [*drop, len(s)]
            s = "".join(s[a:b] for a, b in zip(starts, ends))
            kept: list[int] = []
            for a, b in zip(starts, ends):
                kept += origin[a:b]
            origin = kept
    origin.append(len(text))
    return s, origin


def normalize(text: str) -> str:
    """The normalized form used everywhere: ``ＰＧＴ２０１４６Ｆ２`` -> ``pgt20146f2``, ``ｻｰﾊﾞｰ`` -> ``サーバ``."""
    return normalize_with_map(text)[0]


def collapse_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def is_japanese(text: str) -> bool:
    """True when the text has any kana or kanji (used to pick the answer language)."""
    return bool(re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text))


# --- identifiers ---------------------------------------------------------------------------


class Identifier(NamedTuple):
    """A whole identifier found in text. ``value`` and ``aliases`` are canonical index terms."""

    kind: str
    value: str
    start: int  # offsets into the *normalized* text
    end: int
    aliases: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.value,) + self.aliases


def _hex(h: str) -> str:
    digits = h[2:].lstrip("0") or "0"
    return "0x" + digits


_FILE_EXT = "exe|dll|sys|cpp|cc|c|h|hpp|cs|java|py|js|ini|cfg|conf|log|msi|msp|msu|bat|cmd|ps1|xml|inf|cab|ocx|drv|vbs|jar|so"
# (kind, pattern, needs); order is priority for overlapping spans. ``needs``: what every match of
# the pattern holds, each a literal (``a|b``: one of them) or DIGIT (some ``\d``); text that lacks
# one skips the pattern without scanning it (16 scans of every text were ~30 % of an analysis;
# tests/test_analysis.py checks each need against matches of random identifier-like text).
DIGIT = "digit"
_ANY_DIGIT_RE = re.compile(r"\d")
_B = r"(?<![0-9a-z_])"  # ASCII word boundaries: Japanese text often touches an identifier directly
_E = r"(?![0-9a-z_])"
SPACED_STOP_NAMES_RE = re.compile(
    _B + "(?:" + "|".join(n.replace("_", r"\s+") for n in sorted((n for n in STOP_CODES if n.count("_") >= 2), key=len, reverse=True)) + ")" + _E
)
"""Bug check names of three words or more written with spaces (``irql not less or equal``); shorter
ones (``memory management``, ``file system``) are ordinary phrases, so they count only with underscores."""
_ID_PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("guid", re.compile(r"\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?"), ("-",)),
    ("bulletin", re.compile(_B + r"ms ?-?(\d{2}) ?-?(\d{3})(?![0-9])"), ("ms", DIGIT)),
    ("bulletin", re.compile(_B + r"ms-?(\d{2})-(\d{1,2})(?![0-9])"), ("ms", DIGIT)),  # MS05-18: the number without its leading zero
    ("kb", re.compile(_B + r"(?:kb|q) ?-?(\d{5,7})(?![0-9])"), ("kb|q", DIGIT)),
    ("cve", re.compile(_B + r"cve-(\d{4})-(\d{4,7})(?![0-9])"), ("cve-", DIGIT)),
    ("advisory", re.compile(_B + r"[a-z]{2,10}(?:-[a-z0-9]{1,10}){2,5}" + _E), ("-",)),  # HPE-SA-2019-943, DELL-SA-...
    ("event", re.compile(r"(?:イベント ?id|event ?id|eventid)\s*[:=#]?\s*(\d{1,5})(?![0-9])"), ("id", DIGIT)),
    ("fileline", re.compile(rf"(?<![0-9a-z_.-])([0-9a-z_-]+\.(?:{_FILE_EXT}))(?:\s?[|:]\s?(\d+)|\((\d+)\))(?![0-9])"), (".", DIGIT)),
    ("file", re.compile(rf"(?<![0-9a-z_.-])([0-9a-z_-]+\.(?:{_FILE_EXT})){_E}"), (".",)),
    ("stopcode", re.compile(_B + r"(?:stop|bug ?check(?: code)?)\s?:?\s?(0x[0-9a-f]{1,8})" + _E), ("stop|bug", "0x")),
    ("stopcode", re.compile(_B + r"[a-z][a-z0-9]*(?:_[a-z0-9]+){1,8}" + _E), ("_",)),  # IRQL_NOT_LESS_OR_EQUAL: a bug check's name
    ("stopcode", SPACED_STOP_NAMES_RE, (" ",)),  # irql not less or equal: the name as people type it
    ("keyvalue", re.compile(_B + r"([a-z][a-z_]{2,24})\s?=\s?(-?\d+|0x[0-9a-f]+)" + _E), ("=", DIGIT)),
    ("hex", re.compile(_B + r"0x[0-9a-f]{1,16}" + _E), ("0x",)),
    ("version", re.compile(r"(?<![0-9a-z_.])(?:v(\d+(?:\.\d+)+[a-z]\d+)|(\d+\.\d+\.\d+(?:\.\d+)?))(?![0-9a-z_]|\.\d)"), (".", DIGIT)),
    ("kbnum", re.compile(r"(?<![0-9a-z_.-])(\d{6,7})(?![0-9a-z_]|\.\d)"), (DIGIT,)),
    ("model", re.compile(_B + r"(?:[a-z]{1,6}-?\d[a-z0-9]*(?:[- ][a-z]{0,2}\d{1,2}(?![0-9a-z_.]))?|\d[a-z0-9]*[a-z][a-z0-9]*)" + _E), (DIGIT,)),
]


def _canonical(kind: str, m: re.Match[str]) -> tuple[str, tuple[str, ...]] | None:
    g = m.groups()
    if kind == "guid":
        return g[0], ()
    if kind == "bulletin":
        return f"ms{g[0]}-{g[1].zfill(3)}", ()
    if kind == "stopcode":
        if g:
            return _hex(g[0]), ()
        name = re.sub(r"\s+", "_", m.group(0))
        code = STOP_CODES.get(name)
        return (_hex(f"0x{code:x}"), (name,)) if code is not None else None
    if kind in ("kb", "kbnum"):
        return f"kb{g[0]}", ()
    if kind == "cve":
        return f"cve-{g[0]}-{g[1]}", ()
    if kind == "advisory":
        return (m.group(0), ()) if re.search(r"\d", m.group(0)) else None
    if kind == "event":
        return f"event:{int(g[0])}", ()
    if kind == "fileline":
        return f"{g[0]}|{int(g[1] or g[2])}", (g[0],)
    if kind == "file":
        return g[0], ()
    if kind == "keyvalue":
        val = _hex(g[1]) if g[1].startswith("0x") else str(int(g[1]))
        return f"{g[0]}={val}", ()
    if kind == "hex":
        return _hex(m.group(0)), ()
    if kind == "version":
        return (f"v{g[0]}" if g[0] else g[1]), ()
    if kind == "model":
        value = model_key(m.group(0))
        return (value, ()) if _is_model_number(value) else None
    return None


def _letters_and_digits(text: str) -> bool:
    return bool(re.search(r"[a-z]", text)) and bool(re.search(r"\d", text))


def _is_model_number(key: str) -> bool:
    """Whether a model key (:func:`model_key`) is one the identifier analysis takes: letters and digits, 4 characters or more."""
    return len(key) >= 4 and _letters_and_digits(key)


def model_key(text: str) -> str:
    """Canonical model number: normalized, without spaces and hyphens (``TX150FT S2`` -> ``tx150fts2``)."""
    return re.sub(r"[\s\-_/.]", "", normalize(text))


def model_keys(text: str) -> list[str]:
    """Index keys of a declared model: the whole name, and from its first letters-and-digits word on
    (``PRIMERGY TX150FT S2`` -> ``primergytx150fts2``, ``tx150fts2``), so people can omit the family name."""
    keys = [model_key(text)]
    parts = normalize(text).split()
    for i, p in enumerate(parts):
        if _letters_and_digits(p):
            key = model_key(" ".join(parts[i:]))
            if key not in keys:
                keys.append(key)
            break
    return keys


_GENERATION_RE = re.compile(r"[a-z]{0,2}\d{1,2}")  # (what the model pattern of _ID_PATTERNS takes after a space or hyphen)


def model_family_keys(text: str) -> list[str]:
    """Index keys of the family of a declared model whose name ends in a generation written apart
    (``PRIMERGY TX150FT S2`` -> ``primergytx150ft``, ``tx150ft``; ``ProLiant DL380 G7`` -> ``dl380``, ...):
    :func:`model_keys` of the name without that last word, when a letters-and-digits word comes
    before it, and only keys a query can spell as a model number (letters and digits, 4 characters
    or more). None for other names (``PowerEdge R640``, ``PGT20146F2``, ``Windows Server 2003 R2``).
    People often type the family alone; the search counts it as a mention, never as the declared model."""
    parts = [p for p in re.split(r"[\s\-]+", normalize(text)) if p]
    if len(parts) < 2 or not _GENERATION_RE.fullmatch(parts[-1]):
        return []
    if not any(map(_letters_and_digits, parts[:-1])):
        return []
    return [k for k in model_keys(" ".join(parts[:-1])) if _is_model_number(k)]


_ALNUM_RE = re.compile(r"[a-z0-9]+")
MAX_MODEL_CANDIDATES = 64
"""Model-number candidates looked up per query, at most (each costs an exact lookup)."""


def model_candidates(norm: str) -> list[str]:
    """Keys of model numbers as helpdesks type them, with spaces or hyphens inside (``PGT 20146 F2``
    -> ``pgt20146f2``): every run of 2 to 4 letter/digit words that touch through one space or hyphen,
    joined, when it has letters and digits and 5 to 24 characters. The search counts one only when a
    case declares that model, so a candidate that is no model costs a lookup and nothing else."""
    words = [(m.group(0), m.start(), m.end()) for m in _ALNUM_RE.finditer(norm)]
    out: list[str] = []
    for i in range(len(words)):
        key = words[i][0]
        for j in range(i + 1, min(i + 4, len(words))):
            if words[j][1] - words[j - 1][2] != 1 or norm[words[j - 1][2]] not in " -":
                break
            key += words[j][0]
            if 5 <= len(key) <= 24 and not key.isdigit() and not key.isalpha() and key not in out:
                out.append(key)
                if len(out) == MAX_MODEL_CANDIDATES:
                    return out
    return out


def model_key_spans(norm: str, key: str) -> list[tuple[int, int]]:
    """Where ``norm`` spells the model key ``key`` as :func:`model_candidates` reads a model number:
    1 to 4 letter/digit words touching through one space or hyphen, joined (``pgt 20146 f2`` for
    ``pgt20146f2``). Spans in ``norm``, left to right, not overlapping; none for a key that is not
    letters and digits only."""
    if not _ALNUM_RE.fullmatch(key):
        return []
    words = [(m.group(0), m.start(), m.end()) for m in _ALNUM_RE.finditer(norm)]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        joined, j = words[i][0], i
        while joined != key and key.startswith(joined) and j + 1 < min(i + 4, len(words)):
            if words[j + 1][1] - words[j][2] != 1 or norm[words[j][2]] not in " -":
                break
            j += 1
            joined += words[j][0]
        if joined == key:
            out.append((words[i][1], words[j][2]))
            i = j + 1
        else:
            i += 1
    return out


def _needs_met(norm: str) -> Callable[[str], bool]:
    """Whether ``norm`` holds a need of :data:`_ID_PATTERNS` (remembered for the one text)."""
    met: dict[str, bool] = {}

    def has(need: str) -> bool:
        ok = met.get(need)
        if ok is None:
            ok = met[need] = bool(_ANY_DIGIT_RE.search(norm)) if need == DIGIT else any(x in norm for x in need.split("|"))
        return ok

    return has


def find_identifiers(norm: str) -> list[Identifier]:
    """Identifiers in normalized text, longest and highest-priority first where spans overlap."""
    found: list[Identifier] = []
    taken = bytearray(len(norm))  # 1 where an earlier (higher-priority) identifier stands
    has = _needs_met(norm)
    for kind, rx, needs in _ID_PATTERNS:
        if not all(map(has, needs)):
            continue
        for m in rx.finditer(norm):
            s, e = m.span(1) if kind == "stopcode" and m.groups() else m.span()  # "STOP" stays a word
            if taken.find(1, s, e) >= 0:
                continue
            canon = _canonical(kind, m)
            if canon is None:
                continue
            found.append(Identifier(kind, canon[0], s, e, canon[1]))
            taken[s:e] = b"\x01" * (e - s)
    found.sort(key=lambda i: i.start)
    return found


# --- tokens --------------------------------------------------------------------------------


class Token(NamedTuple):
    text: str
    start: int  # offsets into the original text
    end: int
    kind: str = "word"  # word | gram | id


STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "during",
        "each",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


_ASCII_WORD_RE = re.compile(r"[a-z]+")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball English (Porter2) stem of a lowercase ASCII word (``created``, ``creating`` ->
    ``creat``; ``switches`` -> ``switch``); other words unchanged. Mirrored by ``porter2`` in
    kbsearch.js (tests/test_porter2.py checks the two agree)."""
    if not _ASCII_WORD_RE.fullmatch(word):
        return word
    return _english_stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _english_stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


_LATIN_WORD_RE = re.compile(r"[a-z0-9\u00c0-\u024f]+")
_CJK_RUN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ヶ]+")
_SPLIT_ALNUM_RE = re.compile(r"[a-z\u00c0-\u024f]+|\d+")


def latin_words(norm: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Latin words with letter/digit runs split (``coserver1`` -> ``coserver``, ``1``), stemmed; stop
    words and single letters dropped."""
    out = []
    for m in _LATIN_WORD_RE.finditer(norm):
        for part in _SPLIT_ALNUM_RE.finditer(m.group(0)):
            w = part.group(0)
            if w in STOP_WORDS or (len(w) == 1 and not w.isdigit()):  # a lone letter (the X of X-OWA-Error) says nothing
                continue
            s = base + m.start() + part.start()
            out.append((stem(w), s, s + len(w)))
    return out


def _script(ch: str) -> str:
    if "\u3040" <= ch <= "\u309f":
        return "H"  # hiragana
    if "\u30a0" <= ch <= "\u30ff":
        return "K"  # katakana (and ー)
    return "C"  # kanji and the rest


def bigram_allowed(a: str, b: str) -> bool:
    """A bigram may not cross from hiragana into a word (の|パ, が|上) or from katakana into
    hiragana (ス|が): those pairs straddle a particle. Kanji into hiragana (動|し) is okurigana."""
    sa, sb = _script(a), _script(b)
    return not ((sa == "H" and sb != "H") or (sa == "K" and sb == "H"))


def cjk_bigrams(norm: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Overlapping character bigrams over each CJK run (see :func:`bigram_allowed`); a one-character
    run gives a unigram, unless it is a lone hiragana (a particle such as に or を)."""
    out = []
    for m in _CJK_RUN_RE.finditer(norm):
        run, s = m.group(0), base + m.start()
        if len(run) == 1 and _script(run) != "H":
            out.append((run, s, s + 1))
        for i in range(len(run) - 1):
            if bigram_allowed(run[i], run[i + 1]):
                out.append((run[i : i + 2], s + i, s + i + 2))
    return out


_SKIP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白", "代名詞"})
_STOP_LEMMAS = frozenset({"事", "物", "為", "為る", "居る", "有る", "成る"})
"""Lemmas that carry no topic (こと, もの, ため, する, いる, ある, なる): like English stop words.
Verbs that UniDic marks 非自立可能 (する, いる, できる, ください ...) are skipped as a class."""

GLOSS_FIXES: dict[str, str] = {
    # lemma -> the English word it means in IT text, where UniDic's gloss names another word that
    # sounds the same (checked on the helpdesk corpus: キャッシュ is a cache there, never cash)
    "キャッシュ": "cache",
    "ロック": "lock",
    "ロール": "role",
    "ハブ": "hub",
    "パス": "path",
    "リンク": "link",  # (UniDic also reads it as rink, by the sentence)
}
MIN_GLOSSED_CHARS = 3
"""Katakana shorter than this is usually a fragment of a longer loanword that MeCab split
(アド|イン for アドイン, ウィ|ジェット): its gloss (address, we) would be wrong, so none is added."""
_local = threading.local()


def forget_tagger() -> None:
    """Make this thread's next analysis start a MeCab tagger of its own (a process forked from one
    that had a tagger must not share it)."""
    _local.tagger = None


def _tagger():
    """One MeCab tagger per thread (fugashi taggers are not shareable and not picklable)."""
    t = getattr(_local, "tagger", None)
    if t is None:
        import fugashi

        t = fugashi.Tagger()
        _local.tagger = t
    return t


def mecab_words(norm: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Japanese content words: UniDic lemma without its English gloss, or the surface for unknown words."""
    out = []
    pos = 0
    memo = _NODE_WORDS
    for node in _tagger()(norm):
        surface = node.surface
        pos += len(node.white_space)
        start = pos
        pos += len(surface)
        key = (surface, node.feature_raw)
        words = memo.get(key)
        if words is None:
            words = _node_words(surface, node.feature)
            if len(memo) >= _NODE_WORDS_KEPT:
                memo.clear()
            memo[key] = words
        for word in words:
            out.append((word, base + start, base + start + len(surface)))
    return out


def _node_words(surface: str, feat: Any) -> tuple[str, ...]:
    """The terms of one MeCab token (its surface, its UniDic features): none for particles and other
    words that say little, else its word, and the stem of its English gloss when it has a trusted one."""
    if feat.pos1 in _SKIP_POS or (feat.pos1 == "動詞" and feat.pos2 == "非自立可能") or feat.lemma in _STOP_LEMMAS:
        return ()
    lemma = feat.lemma
    word, _, gloss = (lemma if lemma and lemma != "*" else surface).partition("-")
    word = LONG_VOWEL_RE.sub(r"\1", word.lower())
    if not word.strip():
        return ()
    gloss = GLOSS_FIXES.get(word, gloss.lower())
    if gloss.isascii() and gloss.isalpha() and len(surface) >= MIN_GLOSSED_CHARS and gloss not in STOP_WORDS:
        # UniDic glosses loanwords with their English origin (パッチ-patch): index that too,
        # so a Japanese paste finds text that writes the word in Latin letters, and back.
        return (word, stem(gloss))
    return (word,)


_NODE_WORDS: dict[tuple[str, str], tuple[str, ...]] = {}
"""(surface, UniDic feature string) -> :func:`_node_words`: the same few thousand tokens come again
and again, and reading a node's features into fields (fugashi's ``node.feature``) cost more than
MeCab's own analysis (measured: ~70 % of :func:`mecab_words`). Shared by threads (a miss is only
computed again); emptied when it holds ``_NODE_WORDS_KEPT``."""
_NODE_WORDS_KEPT = 50_000


# --- the pipeline --------------------------------------------------------------------------


@dataclass
class Analysis:
    """Everything the index and the query need from one text."""

    original: str
    normalized: str
    origin: list[int] = field(repr=False)
    identifiers: list[Identifier]
    words: list[Token]
    grams: list[Token]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span to the original text."""
        s = self.origin[start]
        e = self.origin[end] if end < len(self.origin) else len(self.original)
        if e <= s:  # several normalized chars from one original char
            e = s + 1
        return s, e

    def id_terms(self) -> list[str]:
        return [t for i in self.identifiers for t in i.terms]


WORDY_ID_KINDS = frozenset({"file", "fileline", "keyvalue"})
"""Identifiers whose text also gives words (a file name's parts, the key and value of errcode=-107), besides the identifier itself."""


def _segments(norm: str, ids: list[Identifier]) -> list[tuple[int, int]]:
    """The spans of ``norm`` between identifiers."""
    out, pos = [], 0
    for i in ids:
        if i.start > pos:
            out.append((pos, i.start))
        pos = max(pos, i.end)
    if pos < len(norm):
        out.append((pos, len(norm)))
    return out


def analyze(text: str, *, japanese: bool = True, cjk_words: Callable[[str, int], list[tuple[str, int, int]]] | None = None) -> Analysis:
    """Run the whole pipeline. ``japanese=False`` skips MeCab (used where the browser must agree);
    ``cjk_words`` replaces MeCab for the words of Japanese runs (the browser's lexicon segmenter)."""
    if cjk_words is None and japanese:
        cjk_words = mecab_words
    norm, origin = normalize_with_map(text)
    ids = find_identifiers(norm)
    a = Analysis(text, norm, origin, ids, [], [])
    for i in ids:
        if i.kind in WORDY_ID_KINDS:  # cron.log is also the words cron and log
            for w, ws, we in latin_words(norm[i.start : i.end], i.start):
                a.words.append(Token(w, *a.span(ws, we)))
    for s, e in _segments(norm, ids):
        chunk = norm[s:e]
        for w, ws, we in latin_words(chunk, s):
            a.words.append(Token(w, *a.span(ws, we)))
        for m in _CJK_RUN_RE.finditer(chunk):
            if cjk_words is not None:
                for w, ws, we in cjk_words(m.group(0), s + m.start()):
                    a.words.append(Token(w, *a.span(ws, we)))
            for g, gs, ge in cjk_bigrams(m.group(0), s + m.start()):
                a.grams.append(Token(g, *a.span(gs, ge), kind="gram"))
    return a


def word_terms(text: str) -> list[str]:
    return [t.text for t in analyze(text).words]


def gram_terms(text: str) -> list[str]:
    norm = normalize(text)
    ids = find_identifiers(norm)
    return [g for s, e in _segments(norm, ids) for g, _, _ in cjk_bigrams(norm[s:e], s)]
