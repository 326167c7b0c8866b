"""The heading -> section table of ``kb import``: which headings name one of kb's typed sections
(:data:`SECTION_TYPES`), per language, and :func:`section_type` to look a heading up (used by
:mod:`kb.importer.convert` for the per-article report of sections)."""

from __future__ import annotations

import re
import unicodedata

SECTION_TYPES: tuple[str, ...] = ("conditions", "symptoms", "cause", "resolution", "workaround", "notes")
"""The typed sections an article without cases can have; every other heading is a free-form section."""

SECTION_ALIASES: dict[str, dict[str, str]] = {
    "ja": {
        "発生条件": "conditions",
        "条件": "conditions",
        "発生環境": "conditions",
        "前提条件": "conditions",
        "現象": "symptoms",
        "症状": "symptoms",
        "事象": "symptoms",
        "問題": "symptoms",
        "問題点": "symptoms",
        "原因": "cause",
        "発生原因": "cause",
        "対処": "resolution",
        "対処方法": "resolution",
        "対処法": "resolution",
        "対応": "resolution",
        "対応方法": "resolution",
        "解決策": "resolution",
        "解決方法": "resolution",
        "解決法": "resolution",
        "修正方法": "resolution",
        "対策": "resolution",
        "回避方法": "workaround",
        "回避策": "workaround",
        "回避手順": "workaround",
        "暫定対処": "workaround",
        "暫定対応": "workaround",
        "補足": "notes",
        "備考": "notes",
        "注意": "notes",
        "注意事項": "notes",
        "参考": "notes",
        "参考情報": "notes",
    },
    "en": {
        "Conditions": "conditions",
        "Applies to": "conditions",
        "Environment": "conditions",
        "Prerequisites": "conditions",
        "Symptoms": "symptoms",
        "Symptom": "symptoms",
        "Problem": "symptoms",
        "Issue": "symptoms",
        "Cause": "cause",
        "Causes": "cause",
        "Root cause": "cause",
        "Resolution": "resolution",
        "Solution": "resolution",
        "Fix": "resolution",
        "How to fix": "resolution",
        "Workaround": "workaround",
        "Workarounds": "workaround",
        "Notes": "notes",
        "Note": "notes",
        "More information": "notes",
        "Additional information": "notes",
    },
}
"""Heading text -> section type, per language (the same entries as the loader's table,
``kb.content.model.SECTION_HEADINGS``). Headings are compared after NFKC, with inner white space made
single, a trailing colon dropped and case folded; the loader accepts each heading in either
language's file, and so does :func:`section_type`."""


def _heading_key(heading: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", heading)).strip().rstrip(":").strip().lower()


_ALIAS_LOOKUP = {lang: {_heading_key(k): v for k, v in table.items()} for lang, table in SECTION_ALIASES.items()}


def section_type(heading: str, lang: str = "ja") -> str | None:
    """The typed section a heading names (one of :data:`SECTION_TYPES`), or None for a free-form
    one. ``lang``'s table is consulted first, then the other language's."""
    key = _heading_key(heading)
    for table in sorted(_ALIAS_LOOKUP, key=lambda t: t != lang):
        kind = _ALIAS_LOOKUP[table].get(key)
        if kind:
            return kind
    return None
