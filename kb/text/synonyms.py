"""Query-time aliases for the way helpdesk staff say things (analysis stage).

A query word brings its aliases into the word-overlap search; a document that has any of them
counts as having the word (at ``spec.ALIAS_BOOST``). Three sources, all general vocabulary that no
single advisory owns (product and model aliases live in the content, ``products[].aliases``):

- :data:`SYNONYMS`: hand-written pairs of analyzed terms (MeCab lemmas, English stems);
- :data:`kb.text.glossary.ENGLISH_JAPANESE`: English IT words and their Japanese equivalents, used in
  both directions, so an English question finds a Japanese-only article and back;
- :data:`kb.text.glossary.JAPANESE_COLLOQUIAL`: what users write and what articles write.

:func:`table` analyzes the glossary with the same pipeline as the index (Snowball stems, MeCab
lemmas) once, and merges all three; the site emits the same table for the browser.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .glossary import ENGLISH_JAPANESE, JAPANESE_COLLOQUIAL

SYNONYMS: dict[str, tuple[str, ...]] = {
    # English, as stems (kb.text.analysis.stem)
    "bsod": ("stop",),
    "blue": ("stop",),
    "come": ("start",),
    "boot": ("start",),
    "patch": ("fix", "updat", "パッチ"),
    "hotfix": ("updat", "fix"),
    "instal": ("appli",),
    "appli": ("instal",),
    "remov": ("uninstal",),
    "uninstal": ("remov",),
    "login": ("logon", "log"),
    "logon": ("login", "log"),
    "sync": ("synchron",),
    "synchron": ("sync",),
    "won't": ("not",),
    "エラー": ("error",),
    "error": ("エラー",),
}
"""Pairs of analyzed terms, one way (add the reverse entry where it holds)."""

MAX_ALIASES = 6
"""Aliases one word brings at most (the first ones listed)."""


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, ...]]:
    """Analyzed term -> its aliases, from :data:`SYNONYMS` and the glossary (computed once)."""
    from .analysis import stem, word_terms

    merged: dict[str, list[str]] = {}

    def add(key: str, values: list[str]) -> None:
        row = merged.setdefault(key, [])
        row.extend(v for v in values if v != key and v not in row)

    for key, values in SYNONYMS.items():
        add(key, list(values))

    def lemmas(text: str) -> list[str]:
        """The terms of a glossary word: ASCII ones as written, Japanese ones as MeCab lemmas
        without UniDic's English glosses; a one-character part of a compound (者 of 出席者) is dropped."""
        if text.isascii():
            return word_terms(text)
        terms = [t for t in word_terms(text) if not t.isascii()]
        return terms if len(terms) == 1 else [t for t in terms if len(t) > 1]

    for english, japanese in ENGLISH_JAPANESE.items():
        key = stem(english.lower())
        for ja in japanese:
            terms = lemmas(ja)
            add(key, terms)
            if len(terms) == 1:  # and back: 削除 -> delet
                add(terms[0], [key])
    for colloquial, formal in JAPANESE_COLLOQUIAL.items():
        keys = lemmas(colloquial)
        if len(keys) == 1:  # a word MeCab splits (ログイン) cannot be a key
            add(keys[0], [t for f in formal for t in lemmas(f)])
    return {k: tuple(v[:MAX_ALIASES]) for k, v in merged.items() if v}


def term_lang(term: str) -> str:
    """The language an analyzed term is written in: ``ja`` when it has kana or kanji, else ``en``."""
    return "ja" if _JAPANESE_RE.search(term) else "en"


_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ヶ]")


def expand(words: list[str]) -> dict[str, tuple[str, ...]]:
    """Each word with its aliases (the word itself first)."""
    aliases = table()
    return {w: (w,) + tuple(a for a in aliases.get(w, ()) if a != w) for w in words}
