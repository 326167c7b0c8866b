"""Stage 4: the browser search — the index ``kb/static/kbsearch.js`` reads (:mod:`.index`)."""
