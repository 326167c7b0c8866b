"""Stage 3: what is indexed (:mod:`.documents`), the index (:mod:`.index`, the only Whoosh importer),
and ranking (:mod:`.rank`); every number they share with the browser is in :mod:`kb.spec`.

Nothing is imported here: naming one module (``kb.search.index`` for its errors, say) does not load
the others. The public names are :mod:`kb`'s (``kb.Hit``, ``kb.Results``, ...)."""
