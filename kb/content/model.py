"""The advisory content model: typed, immutable records loaded from `content/`.

Stage 1 of the pipeline (content files -> **model** -> analysis -> index & search -> API/CLI/site).
Nothing here reads files or imports a later stage; `kb.content.load` builds these records.

Localized strings are plain ``dict[str, str]`` keyed by language code (``"ja"``, ``"en"``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Protocol

LANGS: tuple[str, ...] = ("ja", "en")
"""The languages content may be written in. An advisory has one or both (:attr:`Advisory.langs`)."""

Localized = dict[str, str]

# --- message templates -------------------------------------------------------------------

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([a-z]+)\s*)?(?:=([^\n]*?))?\}\}(?!\})")
"""``{{name}}``, ``{{name:type}}`` or ``{{name:type=example}}`` inside a message text."""

TEMPLATE_TOKEN_RE = re.compile(r"(\{\{\{\{)|(\}\}\}\})|" + PLACEHOLDER_RE.pattern)
"""What a message text is read with, left to right: ``{{{{`` (a literal ``{{``), ``}}}}`` (a literal
``}}``) or a placeholder. The same pattern is in ``kb/static/kbsearch.js`` (``parseTemplate``)."""

ESCAPES = {"{{{{": "{{", "}}}}": "}}"}
"""Doubled braces in a message text stand for literal ones (JSON errors, mustache-style paths)."""

PLACEHOLDER_TYPES: dict[str, str] = {
    # type -> regular expression for the value (matched against normalized text)
    "number": r"[-+]?\d+",
    "hex": r"(?:0x)?[0-9a-f]+",
    "word": r"[^\s,;:()\[\]{}]+",
    "drive": r"[a-z]:",
    "path": r"(?:[a-z]:)?[\\/¥][^\s\"'<>|:]{0,200}?|[a-z]:",
    "guid": r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?",
    "text": r".{1,200}?",
}
"""Value patterns per placeholder type. ``text`` (the default) is any run up to 200 characters."""

# --- links -------------------------------------------------------------------------------

WEB_URL_RE = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^\x00-\x20\x7f/?#\\]+[^\x00-\x20\x7f]*\Z")
"""An absolute ``http://`` or ``https://`` address with a host, without spaces or control characters.
The same pattern is in ``kb/schema/advisory.schema.json`` (``references[].url``)."""

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be a link on the site, or None for an absolute http(s) address.

    Browsers drop leading and trailing control characters and spaces, and tabs and line breaks
    anywhere (``" JaVa\\tScript:"`` is ``javascript:``); the scheme is read the same way here.
    Internal ``kb:`` links are not URLs: callers handle them first.
    """
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    m = _SCHEME_RE.match(cleaned)
    if m is None:
        return "it is a relative link (it does not start with https:// or http://)"
    if m.group(1).lower() not in ("http", "https"):
        return f"its scheme is '{m.group(1)}:'; only https:// and http:// addresses are allowed"
    if WEB_URL_RE.match(url) is None:
        if re.search(r"[\x00-\x20\x7f]", url):
            return "it contains spaces or control characters"
        return "it names no host (write https://<host>/...)"
    return None


@dataclass(frozen=True)
class Placeholder:
    name: str
    type: str = "text"
    example: str | None = None


@dataclass(frozen=True)
class Template:
    """A message text split into literal parts and placeholders.

    ``parts`` alternates: ``str`` literals and :class:`Placeholder` slots, in order.
    """

    source: str
    parts: tuple[str | Placeholder, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        """Split ``text`` into literals and slots; ``{{{{`` and ``}}}}`` become literal ``{{`` and ``}}``."""
        parts: list[str | Placeholder] = []
        literal: list[str] = []
        pos = 0
        for m in TEMPLATE_TOKEN_RE.finditer(text):
            literal.append(text[pos : m.start()])
            pos = m.end()
            if m.group(1) or m.group(2):
                literal.append(ESCAPES[m.group(0)])
                continue
            if "".join(literal):
                parts.append("".join(literal))
            literal = []
            parts.append(Placeholder(m.group(3), m.group(4) or "text", m.group(5)))
        literal.append(text[pos:])
        if "".join(literal):
            parts.append("".join(literal))
        return cls(text, tuple(parts))

    @staticmethod
    def stray_braces(text: str) -> list[int]:
        """Offsets of ``{{`` / ``}}`` that are neither a placeholder nor an escape (``{{{{``, ``}}}}``)."""
        out: list[int] = []
        pos = 0
        for m in [*TEMPLATE_TOKEN_RE.finditer(text), None]:
            chunk = text[pos : m.start() if m else len(text)]
            out.extend(pos + k.start() for k in re.finditer(r"\{\{|\}\}", chunk))
            if m:
                pos = m.end()
        return out

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.parts if isinstance(p, Placeholder))

    @property
    def literals(self) -> tuple[str, ...]:
        return tuple(p for p in self.parts if isinstance(p, str))

    def render(self, mark: str = "{example}") -> str:
        """The text with each slot shown as its example (or its name when it has none).

        ``mark`` formats a slot; it may use ``{name}``, ``{example}`` and ``{type}``.
        """
        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            else:
                out.append(mark.format(name=p.name, example=p.example if p.example is not None else p.name, type=p.type))
        return "".join(out)


# --- what a template must have to identify a message (checked by kb.content.load) -------------

MIN_TEMPLATE_TEXT = 8
"""Identifying characters a template needs in its fixed text (outside the ``{{slots}}``): letters,
digits and CJK characters; spaces, punctuation and :data:`GENERIC_WORDS` do not count."""
MIN_TEMPLATE_PIECE = 5
"""Identifying characters the longest fixed piece (between two slots) needs: a paste is found by it."""
MAX_FREE_SLOTS = 2
"""``text`` and ``path`` slots (they take almost any characters) one wording may have: each one
more multiplies the work of matching a paste by up to 200 (the longest slot value)."""
FREE_SLOT_TYPES = ("text", "path")
GENERIC_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "without",
        "and",
        "or",
        "nor",
        "not",
        "no",
        "as",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "cannot",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "than",
        "then",
        "there",
        "here",
        "which",
        "who",
        "what",
        "when",
        "where",
        "while",
        "if",
        "into",
        "onto",
        "over",
        "under",
        "up",
        "out",
        "off",
        "so",
        "such",
        "only",
        "also",
        "very",
        "just",
        "all",
        "any",
        "some",
        "please",
        "error",
        "errors",
        "warning",
        "warnings",
        "fail",
        "fails",
        "failed",
        "failure",
        "occurred",
        "unknown",
        "code",
        "status",
        "message",
        "info",
        "information",
        "success",
        "successful",
        "succeeded",
        "エラー",
        "警告",
        "失敗",
        "情報",
    ]
)
"""Words found in so many messages that they identify none (compared after NFKC and lowercasing)."""


_WORD_RE = re.compile(r"[^\W_]+")


def identifying_chars(text: str) -> int:
    """Letters, digits and CJK characters of ``text``, not counting :data:`GENERIC_WORDS`."""
    words = _WORD_RE.findall(unicodedata.normalize("NFKC", text).lower())
    return sum(len(w) for w in words if w not in GENERIC_WORDS)


def template_problems(template: Template) -> list[tuple[str, str]]:
    """Why ``template`` cannot identify a message, or cannot be matched in bounded time, as
    (problem, hint) pairs; empty when it is fine."""
    out: list[tuple[str, str]] = []
    parts = template.parts
    pieces = template.literals
    counts = [identifying_chars(p) for p in pieces]
    total = sum(counts)
    if total < MIN_TEMPLATE_TEXT:
        fixed = " … ".join(repr(p) for p in pieces if p.strip())
        out.append(
            (
                (f"the fixed text {fixed} is too short to identify a message" if fixed else "the message has no fixed text outside its {{slots}}")
                + f": it has {total} identifying character(s), a template needs at least {MIN_TEMPLATE_TEXT}"
                + " (letters, digits or CJK characters outside the {{slots}}; spaces, punctuation and common words such as 'the' or 'error' do not count)",
                "quote more of the message as fixed text; keep identifying values (error codes, names, file names) literal instead of {{slots}}",
            )
        )
    elif (most := max(counts)) < MIN_TEMPLATE_PIECE:
        longest = pieces[counts.index(most)]
        out.append(
            (
                f"no fixed piece of the message is long enough to find it by: the longest, {longest!r}, has {most} "
                f"identifying character(s); one piece between {{{{slots}}}} needs at least {MIN_TEMPLATE_PIECE}",
                "quote a longer stretch of the message without a {{slot}} inside it",
            )
        )
    for i, p in enumerate(parts):
        j = i + 1
        if j < len(parts) and isinstance(parts[j], str) and not str(parts[j]).strip():
            j += 1  # white space only: matching ignores it
        other = parts[j] if j < len(parts) else None
        if isinstance(p, Placeholder) and isinstance(other, Placeholder):
            out.append(
                (
                    f"placeholders {{{{{p.name}}}}} and {{{{{other.name}}}}} have no fixed text between them, so a paste cannot tell where one value ends",
                    "put the text that separates the two values between them, or make them one {{slot}}",
                )
            )
    free = [p.name for p in template.placeholders if p.type in FREE_SLOT_TYPES]
    if len(free) > MAX_FREE_SLOTS:
        out.append(
            (
                f"the message has {len(free)} text or path placeholders ({', '.join(free)}); at most {MAX_FREE_SLOTS} are allowed",
                "give the others a narrower type (number, hex, word, drive, guid), or keep their values literal",
            )
        )
    return out


# --- advisory parts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    name: str
    aliases: tuple[str, ...] = ()
    successor: str | None = None


@dataclass(frozen=True)
class Reference:
    """A bulletin, KB article or other published id; ``aliases`` name the same fix."""

    id: str
    aliases: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Applicability:
    """One applies-to entry of a case: model numbers and/or product versions, under an optional condition."""

    models: tuple[str, ...] = ()
    product: str | None = None
    versions: tuple[str, ...] = ()
    condition: Localized = field(default_factory=dict)

    @property
    def primary(self) -> bool:
        """True when the entry applies without an extra condition."""
        return not self.condition


@dataclass(frozen=True)
class NotAffected:
    model: str | None = None
    product: str | None = None
    reason: Localized = field(default_factory=dict)


MESSAGE_KINDS: dict[str, dict[str, str]] = {
    # kind -> how it is labelled per language. Kinds are open: any lowercase id is accepted and
    # shown as written; these are the known ones (content/README.md lists them).
    "event-log": {"ja": "イベントログ", "en": "Event log"},
    "popup": {"ja": "ポップアップ", "en": "Pop-up"},
    "dialog": {"ja": "ダイアログ", "en": "Dialog"},
    "stop-code": {"ja": "STOP コード", "en": "STOP code"},
    "service-manager": {"ja": "サービス マネージャー", "en": "Service manager"},
    "console": {"ja": "コンソール", "en": "Console"},
    "screen": {"ja": "画面表示", "en": "Screen"},
    "app-log": {"ja": "アプリケーション ログ", "en": "Application log"},
    "syslog": {"ja": "syslog", "en": "syslog"},
    "http": {"ja": "HTTP エラー", "en": "HTTP error"},
    "browser-console": {"ja": "ブラウザー コンソール", "en": "Browser console"},
}
"""Known message kinds and their labels."""


@dataclass(frozen=True)
class Message:
    """A verbatim text a system shows: event log, popup, STOP screen, service manager ..."""

    id: str
    kind: str
    text: dict[str, Template]
    source: str | None = None
    event_id: int | None = None
    group: Localized = field(default_factory=dict)
    generic: bool = False
    """True for a message many unrelated problems show (a chkdsk request, "the service did not
    start"): matching it is evidence, but it cannot by itself identify this advisory."""


@dataclass(frozen=True)
class Fix:
    name: Localized
    version: str | None = None


@dataclass(frozen=True)
class FileLocation:
    path: str
    role: str = "install"
    when: Localized = field(default_factory=dict)


@dataclass(frozen=True)
class FileFacts:
    names: tuple[str, ...]
    from_version: str | None = None
    to_version: str | None = None
    locations: tuple[FileLocation, ...] = ()


@dataclass(frozen=True)
class Step:
    """One workaround step (Markdown text), with its notes and sub-steps."""

    text: str
    notes: tuple[str, ...] = ()
    substeps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Procedure:
    """An ordered list of steps, optionally under a condition ("when the server starts")."""

    condition: str | None
    steps: tuple[Step, ...]


# --- sections ----------------------------------------------------------------------------

SECTION_KINDS = ("conditions", "symptoms", "cause", "resolution", "workaround", "notes")
"""The typed sections: each has a meaning for ranking and for "What to do". Any other heading is a
free-form section, kept as written."""

SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    # kind -> headings that mean it (compared after NFKC, lowercasing and dropping a trailing colon);
    # the first Japanese and the first English one are what `kb` writes itself.
    "conditions": ("発生条件", "条件", "発生環境", "前提条件", "conditions", "applies to", "environment", "prerequisites"),
    "symptoms": ("現象", "症状", "事象", "問題", "問題点", "symptoms", "symptom", "problem", "issue"),
    "cause": ("原因", "発生原因", "cause", "causes", "root cause"),
    "resolution": (
        "対処",
        "対処方法",
        "対処法",
        "対応",
        "対応方法",
        "解決策",
        "解決方法",
        "解決法",
        "修正方法",
        "対策",
        "resolution",
        "solution",
        "fix",
        "how to fix",
    ),
    "workaround": ("回避方法", "回避策", "回避手順", "暫定対処", "暫定対応", "workaround", "workarounds"),
    "notes": ("補足", "備考", "注意", "注意事項", "参考", "参考情報", "notes", "note", "more information", "additional information"),
}


def heading_key(heading: str) -> str:
    """How headings are compared: NFKC, lowercased, inner spaces single, a trailing colon dropped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", heading)).strip().rstrip(":").strip().lower()


_KIND_OF_HEADING = {heading_key(h): kind for kind, hs in SECTION_HEADINGS.items() for h in hs}


def section_kind(heading: str) -> str | None:
    """The typed section a heading names (``"原因"`` -> ``"cause"``), or None for a free-form one."""
    return _KIND_OF_HEADING.get(heading_key(heading))


NEAR_HEADING_MIN = (6, 3)
"""How long a typed heading is, at least, for a free-form heading to be taken for a slip of it:
(in Latin letters, in other scripts). Shorter ones are one character from ordinary words that
make headings of their own: ``notes`` and ``nodes``, ``issue`` and ``issues``, 現象 and 対象,
対応 and 対応表."""


@lru_cache(maxsize=4096)
def near_typed_heading(heading: str) -> tuple[str, str] | None:
    """(typed heading, its kind) when ``heading``, itself free-form, is one slip from a typed
    heading: a character typed wrong, added, left out, or two swapped (``Symptons``,
    ``Reslution``, 発生要件 for 発生条件), the typed heading long enough (:data:`NEAR_HEADING_MIN`);
    else None. None of the 720 distinct headings of the 2,829 real articles in ``../shared/corpora``
    is one slip from a typed heading without being one."""
    key = heading_key(heading)
    if key in _KIND_OF_HEADING:
        return None
    latin, other = NEAR_HEADING_MIN
    for typed, kind in _KIND_OF_HEADING.items():
        if abs(len(typed) - len(key)) > 1 or len(typed) < (latin if typed.isascii() else other):
            continue
        if _one_slip(key, typed):
            return typed, kind
    return None


def _one_slip(a: str, b: str) -> bool:
    """Whether two different strings are one edit apart: a substitution, an insertion or deletion,
    or two neighbouring characters swapped."""
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):  # (one character more in b, at i)
        return a[i:] == b[i + 1 :]
    if i == len(a):
        return False  # (the same)
    return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])


@dataclass(frozen=True)
class Section:
    """One section of a case as written: its heading, its kind (None: free-form) and its Markdown."""

    heading: str
    kind: str | None
    markdown: str
    procedures: tuple[Procedure, ...] = ()


@dataclass(frozen=True)
class CaseText:
    """The per-language prose of one case (Markdown source of each section).

    ``sections`` holds every section in the order written, typed and free-form; the typed fields
    (``symptoms``, ``cause`` ...) join the sections of their kind, for ranking and "What to do".
    """

    title: str
    conditions: str = ""
    symptoms: str = ""
    cause: str = ""
    resolution: str = ""
    workaround_md: str = ""
    workaround: tuple[Procedure, ...] = ()
    notes: str = ""
    resolution_steps: tuple[Procedure, ...] = ()
    sections: tuple[Section, ...] = ()

    @property
    def other(self) -> str:
        """The free-form sections, headings included, as one text (for search)."""
        return "\n\n".join(f"{s.heading}\n{s.markdown}" for s in self.sections if s.kind is None)

    @property
    def steps(self) -> tuple[Procedure, ...]:
        """What to do, in order: the resolution's steps when it has any, else the workaround's, else
        (how-to articles) those of the first free-form section with numbered steps."""
        return self.resolution_steps or self.workaround or next((s.procedures for s in self.sections if s.kind is None and s.procedures), ())


IMPLICIT_CASE = "main"
"""The id of the one case of an advisory whose ``advisory.yaml`` declares no ``cases``."""


@dataclass(frozen=True)
class Case:
    id: str
    applies_to: tuple[Applicability, ...]
    not_affected: tuple[NotAffected, ...]
    messages: tuple[Message, ...]
    fix: Fix | None
    files: tuple[FileFacts, ...]
    text: dict[str, CaseText]
    implicit: bool = False
    """True for the one case of an advisory without declared cases (no scope of its own)."""

    def models(self) -> list[tuple[str, bool]]:
        """Every model number this case applies to, with whether it applies unconditionally."""
        return [(m, a.primary) for a in self.applies_to for m in a.models]


@dataclass(frozen=True)
class Advisory:
    id: str
    vendor: str
    products: tuple[Product, ...]
    references: tuple[Reference, ...]
    published: date | None
    updated: date | None
    source: str | None
    title: Localized
    summary: Localized
    cases: tuple[Case, ...]
    path: str = ""
    intro: Localized = field(default_factory=dict)

    def case(self, case_id: str) -> Case:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise KeyError(f"{self.id} has no case {case_id!r}")

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.cases)

    @property
    def langs(self) -> tuple[str, ...]:
        """The languages the advisory is written in (it has ``<lang>.md``), in :data:`LANGS` order."""
        return tuple(lang for lang in LANGS if lang in self.title)

    def lang_for(self, wanted: str) -> str:
        """``wanted`` when the advisory is written in it, else the language it is written in."""
        return wanted if wanted in self.title else self.langs[0]


class Stored(Protocol):
    """Where bytes were put aside (:class:`kb.content.shelf.Shelved`): read back on demand."""

    def read(self) -> bytes: ...


@dataclass(frozen=True)
class Packed:
    """An advisory kept as the bytes a worker pickled it to, with what a build asks of it before it
    is analyzed: what a build holds while it indexes, passing each to an analysis worker that
    unpickles it. About a third of the memory of the advisory's objects (13 KB against 40 KB on
    generated ones), and the caller never unpickles what only the workers use (0.4 ms an
    advisory). The bytes may be put aside (``data``: :class:`Stored`, on a
    :class:`kb.content.shelf.Shelf`, a temporary file without a name); they go to another process
    as bytes, and are never written anywhere else."""

    id: str
    path: str
    case_ids: tuple[str, ...]
    documents: int  # the documents it makes: its cases times its languages
    data: bytes | Stored

    @classmethod
    def of(cls, adv: Advisory) -> Packed:
        import pickle

        return cls(adv.id, adv.path, adv.case_ids, len(adv.cases) * len(adv.langs), pickle.dumps(adv, protocol=pickle.HIGHEST_PROTOCOL))

    def raw(self) -> bytes:
        """The pickled advisory."""
        return self.data if isinstance(self.data, bytes) else self.data.read()

    def advisory(self) -> Advisory:
        import pickle

        return pickle.loads(self.raw())  # (made by Packed.of: kb's own bytes)

    def __reduce__(self) -> tuple:
        # to another process: the bytes themselves (a shelf is this process's file)
        return (Packed, (self.id, self.path, self.case_ids, self.documents, self.raw()))
