"""Stage 2: text analysis used at index and query time — the analysis pipeline, message templates,
aliases (synonyms, the bilingual glossary), bug check names and decoding of pasted bytes."""
