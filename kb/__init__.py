"""kb: a knowledge base of support advisories, searchable in Japanese and English.

Pipeline, one module per stage (no stage imports a later one):

    content files --kb.content--> kb.model records --kb.analysis / kb.messages / kb.corpus-->
    terms and templates --kb.index (Whoosh) / kb.search--> hits --kb.api / kb.cli / kb.site

Start with :func:`kb.open` and :meth:`KnowledgeBase.search`.
"""

__version__ = "0.1.0"

from .api import KnowledgeBase, StaleIndexWarning, open
from .content import ContentError, Problem
from .index import IndexUnavailable
from .search import Evidence, Hit, Results

__all__ = ["ContentError", "Evidence", "Hit", "IndexUnavailable", "KnowledgeBase", "Problem", "Results", "StaleIndexWarning", "__version__", "open"]
