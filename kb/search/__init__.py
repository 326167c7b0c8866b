"""Stage 3: what is indexed (:mod:`.documents`), the index (:mod:`.index`, the only Whoosh importer),
and ranking (:mod:`.rank`); every number they share with the browser is in :mod:`kb.spec`."""

from .rank import Evidence, Hit, Results, Searcher

__all__ = ["Evidence", "Hit", "Results", "Searcher"]
