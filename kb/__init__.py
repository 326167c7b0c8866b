"""kb: a knowledge base of support advisories, searchable in Japanese and English.

The code follows the data, one package per stage; no stage imports a later one::

    kb.content   content files -> advisory records (model, load: every problem with file:line)
    kb.text      analysis used at index and query time (analysis, templates, synonyms, glossary, ...)
    kb.search    documents -> the index (Whoosh, numpy tables) -> ranked hits with evidence
    kb.site      the static site's pages;  kb.browser: the index the site's search script reads
    kb.api / kb.cli          the library and the thin command line over it
    kb.freshness             whether the index is current (the content's stats), also from a forked child
    kb.spec                  every number and list the Python and the browser search share
    kb.importer              ``kb import``: other knowledge bases into content files

Start with :func:`kb.open` and :meth:`KnowledgeBase.search`. The names below are imported when first
used, so ``import kb`` (and ``kb --help``) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import KnowledgeBase, StaleIndexWarning, open
    from .content.problems import ContentError, Problem
    from .search.index import IndexUnavailable
    from .search.rank import Evidence, Hit, Results

_HOME = {
    "KnowledgeBase": ".api",
    "StaleIndexWarning": ".api",
    "open": ".api",
    "ContentError": ".content.problems",
    "Problem": ".content.problems",
    "IndexUnavailable": ".search.index",
    "Evidence": ".search.rank",
    "Hit": ".search.rank",
    "Results": ".search.rank",
}

__all__ = ["ContentError", "Evidence", "Hit", "IndexUnavailable", "KnowledgeBase", "Problem", "Results", "StaleIndexWarning", "__version__", "open"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home, __name__), name)
