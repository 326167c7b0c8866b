"""The advisory content model: typed, immutable records loaded from `content/`.

Stage 1 of the pipeline (content files -> **model** -> analysis -> index & search -> API/CLI/site).
Nothing here reads files or imports a later stage; `kb.content` builds these records.

Localized strings are plain ``dict[str, str]`` keyed by language code (``"ja"``, ``"en"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

LANGS: tuple[str, ...] = ("ja", "en")
"""Languages every advisory is written in; Japanese is the source language."""

Localized = dict[str, str]

# --- message templates -------------------------------------------------------------------

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([a-z]+)\s*)?(?:=([^\n]*?))?\}\}(?!\})")
"""``{{name}}``, ``{{name:type}}`` or ``{{name:type=example}}`` inside a message text."""

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
    def parse(cls, text: str) -> "Template":
        parts: list[str | Placeholder] = []
        pos = 0
        for m in PLACEHOLDER_RE.finditer(text):
            if m.start() > pos:
                parts.append(text[pos : m.start()])
            parts.append(Placeholder(m.group(1), m.group(2) or "text", m.group(3)))
            pos = m.end()
        if pos < len(text):
            parts.append(text[pos:])
        return cls(text, tuple(parts))

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


@dataclass(frozen=True)
class Message:
    """A verbatim text a system shows: event log, popup, STOP screen, service manager ..."""

    id: str
    kind: str
    text: dict[str, Template]
    source: str | None = None
    event_id: int | None = None
    group: Localized = field(default_factory=dict)


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
    substeps: tuple["Step", ...] = ()


@dataclass(frozen=True)
class Procedure:
    """An ordered list of steps, optionally under a condition ("when the server starts")."""

    condition: str | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class CaseText:
    """The per-language prose of one case (Markdown source of each section)."""

    title: str
    conditions: str = ""
    symptoms: str = ""
    cause: str = ""
    resolution: str = ""
    workaround_md: str = ""
    workaround: tuple[Procedure, ...] = ()
    notes: str = ""
    resolution_steps: tuple[Procedure, ...] = ()

    @property
    def steps(self) -> tuple[Procedure, ...]:
        """What to do, in order: the resolution's steps when it has any, else the workaround's."""
        return self.resolution_steps or self.workaround


@dataclass(frozen=True)
class Case:
    id: str
    applies_to: tuple[Applicability, ...]
    not_affected: tuple[NotAffected, ...]
    messages: tuple[Message, ...]
    fix: Fix | None
    files: tuple[FileFacts, ...]
    text: dict[str, CaseText]

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
