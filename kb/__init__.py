"""kb: a knowledge base of support advisories, searchable in Japanese and English.

The code follows the data, one package per stage; no stage imports a later one::

    kb.content   content files -> advisory records (model, load: every problem with file:line)
    kb.text      analysis used at index and query time (analysis, templates, synonyms, glossary, ...)
    kb.search    documents -> the index (Whoosh, numpy tables) -> ranked hits with evidence
    kb.site      the static site's pages;  kb.browser: the index the site's search script reads
    kb.api / kb.cli          the library and the thin command line over it
    kb.spec                  every number and list the Python and the browser search share
    kb.importer              ``kb import``: other knowledge bases into content files

Start with :func:`kb.open` and :meth:`KnowledgeBase.search`.
"""

__version__ = "0.1.0"

from .api import KnowledgeBase, StaleIndexWarning, open
from .content.load import ContentError, Problem
from .search.index import IndexUnavailable
from .search.rank import Evidence, Hit, Results

__all__ = ["ContentError", "Evidence", "Hit", "IndexUnavailable", "KnowledgeBase", "Problem", "Results", "StaleIndexWarning", "__version__", "open"]
