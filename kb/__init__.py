"""kb: a knowledge base of support advisories, searchable in Japanese and English.

Pipeline, one module per stage (no stage imports a later one):

    content files --kb.content--> kb.model records --kb.analysis / kb.messages / kb.corpus-->
    terms and templates --kb.index (Whoosh) / kb.search--> hits --kb.api / kb.cli / kb.site

Start with :func:`kb.open` and :meth:`KnowledgeBase.search`.
"""

__version__ = "0.1.0"

from .api import KnowledgeBase, StaleIndexWarning, open  # noqa: E402,A004
from .content import ContentError, Problem  # noqa: E402
from .index import IndexUnavailable  # noqa: E402
from .search import Evidence, Hit, Results  # noqa: E402

__all__ = ["KnowledgeBase", "open", "ContentError", "Problem", "IndexUnavailable", "StaleIndexWarning", "Hit", "Evidence", "Results", "__version__"]
