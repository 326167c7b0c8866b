"""Python searching as the browser does: Japanese query words from the site's lexicon, not MeCab.

``browser_searching(lexicon)`` makes ``Searcher.search(..., japanese=False)`` analyze the query with
:func:`kb.browser.index.browser_analyze` (the words kbsearch.js finds with the same lexicon) while the
evidence is still marked without MeCab, as the browser marks it; ``japanese=True`` (MeCab, what
``kb search`` does) is left alone. Used by tests/test_parity_node.py, tests/test_browser.py and
bench/site_lexicon.py: kb/search/rank.py and kb/text/analysis.py are not changed for it. ``site_lexicon(site)``
reads the lexicon a built site ships (search/j/), so that the comparison uses what the browser reads.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import kb.search.rank
from kb.browser.index import PLACEHOLDER, UNKNOWN_COSTS, UNKNOWN_HIRAGANA_WORD, Lexicon, browser_analyze
from kb.text.analysis import Analysis, analyze


@contextlib.contextmanager
def browser_searching(lexicon: Lexicon | None) -> Iterator[None]:
    """Within the block, ``Searcher.search(text, japanese=False)`` is what kbsearch.js computes on a
    site that ships ``lexicon`` (kb.search.rank's module functions are swapped, then restored)."""

    def query_analysis(text: str, *, japanese: bool = True) -> Analysis:
        # kb.search.rank calls analyze for the query (japanese as asked) and for a model entry's
        # condition (japanese=True: the site stores the condition's words as MeCab finds them)
        return analyze(text, japanese=True) if japanese else browser_analyze(text, lexicon)

    # (the evidence marks keep MeCab's analysis (kb.search.rank._markable): no lexicon in the browser either)
    saved = kb.search.rank.analyze
    kb.search.rank.analyze = query_analysis  # type: ignore[assignment]
    try:
        yield
    finally:
        kb.search.rank.analyze = saved  # type: ignore[assignment]


def _script_args(text: str, fn: str) -> list:
    """The arguments of ``KBSearch.<fn>(...)`` in one of the site's search/*.js files."""
    head = f"KBSearch.{fn}("
    if not (text.startswith(head) and text.endswith(");\n")):
        raise ValueError(f"not a KBSearch.{fn} file")
    return json.loads("[" + text[len(head) : -3] + "]")


def site_lexicon(site: Path) -> Lexicon | None:
    """The lexicon a built site ships (search/j/*.js), as a :class:`kb.browser.index.Lexicon`: what
    the parity tests analyze queries with, so that they check the data the browser reads."""
    core = _script_args((site / "search" / "core.js").read_text("utf-8"), "load")[0]
    info = core.get("lexicon")
    if not info or not info["shards"]:
        return None
    if {k: tuple(v) for k, v in info["unknown"].items()} != UNKNOWN_COSTS or info["hiragana_word"] != UNKNOWN_HIRAGANA_WORD:
        raise ValueError("the site's lexicon was built with other unknown-word costs than kb.browser.index's")
    if info["placeholder"] != PLACEHOLDER:
        raise ValueError("the site's lexicon has another placeholder than kb.browser.index's")
    entries: dict[str, tuple[int, tuple[str, ...]]] = {}
    first: dict[str, tuple[str, ...]] = {}
    whole: dict[str, tuple[str, ...]] = {}
    phrases: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
    for n in range(info["shards"]):
        shard_no, rows = _script_args((site / "search" / "j" / f"{n}.js").read_text("utf-8"), "addLexicon")
        assert shard_no == n
        for key, value in rows.items():
            if key.startswith("^") and key.endswith("$"):
                whole[key[1:-1]] = tuple(value)
            elif key.startswith("^"):
                first[key[1:]] = tuple(value)
            elif value[1:] and isinstance(value[1], list):  # a phrase: [cost, [length, terms...] per token]
                entries[key] = (value[0], ())
                phrases[key] = tuple((part[0], tuple(part[1:])) for part in value[1:])
            else:
                entries[key] = (value[0], tuple(value[1:]))
    lexicon = Lexicon(entries, first, whole, {}, phrases)
    if lexicon.maxlen != info["maxlen"]:
        raise ValueError("the site's lexicon says another longest surface than its shards have")
    return lexicon
