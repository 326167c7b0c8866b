"""The ranking specification: every weight, threshold, cap, budget and field list that the Python
search (``kb.search.rank``, ``kb.text.templates``, ``kb.search.index``) and the browser search (``kb/static/kbsearch.js``)
share, in one place.

Every UPPERCASE name below is *shared*: ``kb.browser.index`` copies it into the site's ``search/core.js``
(``params``, see :func:`shared`) and kbsearch.js reads it from there as ``P.<NAME>``, never as a
literal of its own. The names in :data:`APPLIED_AT_BUILD` are the exception: ``kb.site.pages`` applies
them while it writes the browser's index (the browser gets their effect, not the value).
``tests/test_parity_node.py`` checks both rules and runs both searches side by side.

Python code reads these as ``spec.NAME`` at call time (so a test can change one in one place);
the old homes (``kb.search.rank``, ``kb.search.index``, ``kb.text.templates``) re-export them for importers.
No stage imports a later one: this module imports nothing from kb.
"""

from __future__ import annotations

from typing import Any

# --- how much of a query is used -----------------------------------------------------------------

DEDUPE_ABOVE = 64_000  # characters; longer pastes lose lines that repeat but for their numbers
MAX_QUERY_CHARS = 1_100_000  # templates are matched in this much of a paste; the rest is dropped
MAX_ID_CHARS = 256_000  # identifiers are looked for in this much
MAX_ANALYZED_CHARS = 4_000  # words and bigrams come from this much
MAX_TERMS = 96  # distinct words, bigrams and identifier terms each, at most, per query
DEFAULT_LIMIT = 10  # hits returned when the caller does not say

# --- message templates (kb.text.templates.TemplateMatcher) ---------------------------------------------

SLOT_MAX = 200  # characters a slot may take (keeps matching linear on huge pastes)
KEYS_PER_TEMPLATE = 4  # a template is found through this many of its rarest trigrams
MIN_SQUASHED_CHARS = 3  # a paste shorter than this (squashed) has no trigram: no template is looked for
MAX_FIND_TRIES = 50  # occurrences of a template's longest literal tried as anchors for a full match
REACH_SLACK = 8  # characters added around an anchor's window (literals + slots) when matching in full
MIN_CHUNK_CHARS = 4  # partial match: literal chunks shorter than this are not counted
MIN_FRAGMENT_CHARS = 8  # partial match: a paste at least this long lying inside one literal counts by its share
MIN_COVERAGE = 0.3  # partial matches covering less of the template's literal text are dropped

# --- signals: fixed amounts that word overlap cannot reach ----------------------------------------

W_TEMPLATE_FULL = 40.0  # a message found in full ...
TEMPLATE_LITERAL_CAP = 90  # ... plus its literal characters, counted up to this many ...
TEMPLATE_LITERAL_PER_POINT = 3  # ... this many characters per point (a longer message says more)
W_TEMPLATE_PARTIAL = 20.0  # times the coverage of the best partly found message of a case
PARTIAL_STRONG_COVERAGE = 0.5  # a partly found message covering this much makes the hit strong (when its longest chunk is found)
PARTIAL_WITHOUT_KEY = 0.25  # a partly found message without its longest literal chunk counts this share of its weight
W_MODEL = 30.0  # a model number the case declares
CONDITION_FIT_BONUS = 5.0  # added to W_MODEL when the query says what a conditional entry's condition says
W_MODEL_CONDITIONAL = 15.0  # a conditional model entry whose condition the query does not state
W_NOT_AFFECTED = 30.0  # a model the case lists as not affected (the hit comes back marked)
W_REFERENCE = 25.0  # a bulletin / KB / CVE / vendor advisory id the case declares
W_IDENTIFIER = 20.0  # any other identifier the case mentions, at full rarity ...
IDENTIFIER_FULL_IDF = 6.0  # ... reached at this idf (below it the weight scales down)
MAX_IDENTIFIER_DF = 400  # identifiers in more documents than this say nothing and are skipped
RARE_WORD_IDF = 3.0  # a condition word the query shares counts when its body idf reaches this (or it is a number)

# --- word overlap (BM25F) -----------------------------------------------------------------------------

BM25_SCALE = 15.0  # word overlap adds at most this much
BM25_RELATIVE_SHARE = 0.5  # share of BM25_SCALE for BM25F relative to the best document ...
BM25_COVERAGE_SHARE = 0.5  # ... and for (coverage of the query's idf-weighted vocabulary) squared
ID_COVERAGE_WEIGHT = 2  # in coverage, an identifier term weighs its ids idf times this
ALIAS_BOOST = 0.4  # an alias from kb.text.synonyms counts less than the word the user typed
BM25_DEPTH = 200  # documents scored for word overlap
BM25_K1 = 1.2
BM25_B = 0.5  # length normalization: advisories differ a lot in length; full 0.75 buries long ones
FIELD_BOOSTS: dict[str, float] = {
    # BM25F field weights: where a term matches says how much it means.
    "title": 3.0,
    "messages": 2.0,
    "body": 1.0,
    "products": 2.0,
    "grams": 0.6,
    "ids": 4.0,
}
WORD_FIELDS = ("title", "messages", "body", "products")  # the scored fields that hold words (the rest: grams, ids)
LOOKUP_FIELDS = ("refs", "models", "models_cond", "not_affected")  # exact-lookup fields, not scored

# --- identifier kinds and confidence ---------------------------------------------------------------

REFERENCE_KINDS = ("bulletin", "kb", "kbnum", "cve", "advisory")  # looked up in the declared references
SPECIFIC_ID_KINDS = frozenset({"guid", "keyvalue", "fileline", "hex", *REFERENCE_KINDS})  # can identify an advisory by themselves ...
SPECIFIC_HEX_MIN = 0x10000  # ... a hex code only from this value up (0x80070005, not 0xA: short codes are shared by many problems)
GENERIC_MESSAGE_KINDS = ("stop-code",)  # messages of these kinds never identify an advisory by themselves
CONFIDENCES = ("exact", "strong", "weak")  # labels, most certain first (hits are ordered by score alone)

# Labels (docs/RANKING.md): exact = a signal that by itself identifies one advisory (a specific message
# found in full, a declared model or reference, a specific identifier) that no other advisory shares;
# strong = such a signal shared by at most STRONG_SPREAD advisories, or the first hit's words cover
# most of the query and it leads the next advisory clearly; weak = related.
STRONG_SPREAD = 3  # advisories that may share a specific signal for it to make a hit strong
STRONG_COVERAGE = 0.7  # word coverage (idf-weighted share of the query's words) at which a first hit ...
STRONG_LEAD = 3.0  # ... needs this lead in score over the best hit of another advisory to be strong;
STRONG_LEAD_PER_COVERAGE = 10.0  # below STRONG_COVERAGE the lead needed grows by this much per unit of coverage ...
STRONG_MIN_COVERAGE = 0.4  # ... down to this coverage (below it, words alone never make a hit strong) ...
STRONG_MIN_TERMS = 3  # ... and this many distinct query terms (words, identifiers) it matched: one or two words decide nothing

# --- presenting a hit -----------------------------------------------------------------------------------

MARK_WIDTH = 180  # evidence text: about this many characters of the line with most matches ...
MARK_LEAD = 40  # ... starting this many before the first match
MARK_LINES = 2  # with MeCab (Python only): the lines with most hints of the matched terms analyzed to place the marks
EVIDENCE_GRAM_SHARE = 0.1  # choosing the evidence field: a matched bigram counts this much for "body"
STEPS_SHOWN = 3  # first steps returned with a hit

# --- where a case lives on the site ----------------------------------------------------------------------

CASE_URL = "{lang}/{advisory}/index.html#{case}"  # relative to the site root


def case_url(advisory: str, case: str, lang: str) -> str:
    """Where a case lives on the static site, relative to the site root."""
    return CASE_URL.format(lang=lang, advisory=advisory, case=case)


# --- what the browser gets ----------------------------------------------------------------------------------

APPLIED_AT_BUILD = frozenset({"KEYS_PER_TEMPLATE", "RARE_WORD_IDF"})
"""Used by Python when it writes the browser's index (template keys; the telling words of model
conditions), so the browser never needs the value itself."""


def names() -> list[str]:
    """Every constant of the specification (UPPERCASE module names), in definition order."""
    return [n for n in globals() if n.isupper() and not n.startswith("_") and n != "APPLIED_AT_BUILD"]


def _json(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def shared() -> dict[str, Any]:
    """The values the browser reads as ``P.<NAME>``: every constant but :data:`APPLIED_AT_BUILD`,
    as JSON (sets sorted, tuples as lists), read now (so a changed value is what the site gets)."""
    g = globals()
    return {n: _json(g[n]) for n in names() if n not in APPLIED_AT_BUILD}
