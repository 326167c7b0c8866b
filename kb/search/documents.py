"""From advisories to searchable documents: one document per advisory, case and language.

Stage 2 (analysis). Runs the analysis pipeline over every field and returns plain data
(:class:`SearchDoc`, :class:`~kb.text.templates.TemplateEntry`) that the index stage stores. The static
site's search index is made from that index (its postings and stored texts), so the browser sees the
same terms without analyzing anything again.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from sys import intern

from .. import spec
from ..content.model import Advisory, Case, Packed
from ..text.analysis import analyze, find_identifiers, forget_tagger, model_family_keys, model_keys, normalize
from ..text.templates import TemplateEntry
from ..workers import PARALLEL_FROM, ordered_map


@dataclass
class SearchDoc:
    """A document of the index; ``fields`` hold display text, ``terms`` the analyzed terms."""

    advisory: str
    case: str
    lang: str
    title: str
    texts: dict[str, str]  # field -> text (for evidence)
    terms: dict[str, list[str]] = field(default_factory=dict)  # field -> index terms

    @property
    def key(self) -> str:
        return f"{self.advisory}#{self.case}@{self.lang}"


TEXT_FIELDS = spec.WORD_FIELDS
"""Fields analyzed into words and CJK bigrams; ``ids`` and the model fields hold identifiers."""


def reference_terms(adv: Advisory) -> list[str]:
    """Canonical forms of every reference id and alias (``MS05-018`` -> ``ms05-018``, ``KB890859`` ->
    ``kb890859``), and each id whole (``HPE-SA-2019-943`` -> ``hpe-sa-2019-943``)."""
    out: list[str] = []
    for r in adv.references:
        for name in (r.id,) + r.aliases:
            out.extend(t for i in find_identifiers(normalize(name)) for t in i.terms)
            out.append(re.sub(r"\s+", "", normalize(name)))
    return list(dict.fromkeys(out))


def case_texts(adv: Advisory, case: Case, lang: str) -> dict[str, str]:
    """The display text of each field of one case in one language."""
    ct = case.text[lang]
    messages = "\n".join(
        " ".join(filter(None, [m.source, f"Event ID {m.event_id}" if m.event_id is not None else None, m.text[lang].render()]))
        for m in case.messages
        if lang in m.text
    )
    applies = []
    for a in case.applies_to:
        bits = list(a.models) + ([a.product] if a.product else []) + list(a.versions)
        applies.append(" ".join(bits) + (f" ({a.condition[lang]})" if a.condition else ""))
    not_aff = [f"{n.model or n.product}: {n.reason.get(lang, '')}" for n in case.not_affected]
    files = []
    for f in case.files:
        files.append(" ".join(f.names) + " " + " -> ".join(v for v in (f.from_version, f.to_version) if v))
        files.extend(f"{loc.path} {loc.when.get(lang, '')}" for loc in f.locations)
    body = [
        adv.summary.get(lang, ""),
        adv.intro.get(lang, ""),
        ct.conditions,
        ct.symptoms,
        ct.cause,
        ct.resolution,
        case.fix.name.get(lang, "") if case.fix else "",
        ct.workaround_md,  # (the resolution's and the workaround's Markdown hold their steps: each counted once)
        ct.notes,
        ct.other,
        "\n".join(applies),
        "\n".join(not_aff),
        "\n".join(files),
    ]
    products = [adv.vendor] * bool(adv.vendor) + [n for p in adv.products for n in (p.name, *p.aliases, *((p.successor,) if p.successor else ()))]
    first = ct.steps[0].steps if ct.steps else ()
    model_lines = [f"{k}\t{m}\t{a.condition.get(lang, '')}" for a in case.applies_to for m in a.models for k in model_keys(m)]
    not_aff_lines = [f"{k}\t{n.model}\t{n.reason.get(lang, '')}" for n in case.not_affected if n.model for k in model_keys(n.model)]
    return {
        "model_table": "\n".join(model_lines),
        "not_affected_table": "\n".join(not_aff_lines),
        "steps": "\n".join(s.text for s in first),
        "title": adv.title[lang] if case.implicit else f"{adv.title[lang]}\n{ct.title}",
        "messages": messages,
        "body": "\n".join(b for b in body if b),
        "products": "\n".join(products),
    }


ADVISORIES_PER_TASK = 8  # advisories a worker analyzes per round trip


def analyzed(advisories: Iterable[Advisory], workers: int | None = None, *, count: int | None = None) -> Generator[list[SearchDoc], None, None]:
    """:func:`documents` of each advisory, in order (:func:`indexable` without the wordings)."""
    for docs, _templates in indexable(advisories, workers, count=count):
        yield docs


def indexable(
    items: Iterable[Advisory | Packed], workers: int | None = None, *, count: int | None = None
) -> Generator[tuple[list[SearchDoc], list[TemplateEntry]], None, None]:
    """What the index needs of each advisory, in order: its documents (:func:`documents`) and its
    message wordings (:func:`template_entries`). From :data:`PARALLEL_FROM` advisories on, worker
    processes analyze them (:func:`kb.workers.ordered_map`: one per CPU, or ``workers``; each with a
    MeCab tagger of its own) while the caller indexes what came back; the results are the same
    either way (the analysis is a function of the advisory alone). A
    :class:`~kb.content.model.Packed` advisory is unpickled only where it is analyzed (a worker,
    when there are workers). ``items`` may be an iterator (``count``: how many it gives), taken as
    the workers need more: a caller that keeps none of them holds only those in flight. Closing the
    generator stops the workers."""
    n = len(items) if count is None else count  # type: ignore[arg-type]
    made = ordered_map(_indexable, items, n_items=n, workers=workers, min_items=PARALLEL_FROM, per_task=ADVISORIES_PER_TASK, start=forget_tagger)
    try:
        yield from made
    finally:
        made.close()


def _indexable(item: Advisory | Packed) -> tuple[list[SearchDoc], list[TemplateEntry]]:
    adv = item.advisory() if isinstance(item, Packed) else item
    return documents(adv), template_entries(adv)


def documents(adv: Advisory) -> list[SearchDoc]:
    """One document per case and language of the advisory (cases in order, then languages)."""
    docs = []
    refs = reference_terms(adv)
    for case in adv.cases:
        primary = [k for m, p in case.models() if p for k in model_keys(m)]
        conditional = [k for m, p in case.models() if not p for k in model_keys(m)]
        not_affected = [k for n in case.not_affected if n.model for k in model_keys(n.model)]
        # A declared model's family (TX150FT of PRIMERGY TX150FT S2) is a mention, not a declaration:
        # a query naming it finds the case by rarity, weakly, and is never told the model is (not) affected.
        declared = {*primary, *conditional, *not_affected}
        family_of = [m for m, _p in case.models()] + [n.model for n in case.not_affected if n.model]
        families = list(dict.fromkeys(k for m in family_of for k in model_family_keys(m) if k not in declared))
        for lang in adv.langs:
            texts = case_texts(adv, case, lang)
            terms: dict[str, list[str]] = {}
            ids: list[str] = list(refs)
            grams: list[str] = []
            # Terms interned: a document repeats its terms (~1,700 tokens an advisory, a few hundred
            # distinct), so its lists share one string per term, and so do the documents of a
            # worker's task once sent (pickle sends an object once per message).
            for name in TEXT_FIELDS:
                a = analyze(texts[name])
                terms[name] = [intern(t.text) for t in a.words]
                grams.extend(intern(t.text) for t in a.grams)
                ids.extend(map(intern, a.id_terms()))
            terms["grams"] = grams
            terms["ids"] = ids + primary + conditional + not_affected + families
            terms["refs"] = refs
            terms["models"] = primary
            terms["models_cond"] = conditional
            terms["not_affected"] = not_affected
            title = adv.title[lang] if case.implicit else f"{adv.title[lang]} — {case.text[lang].title}"
            docs.append(SearchDoc(adv.id, case.id, lang, title, texts, terms))
    return docs


def template_entries(adv: Advisory) -> list[TemplateEntry]:
    """Every message wording; one entry when all languages share the same wording."""
    out = []
    for case in adv.cases:
        for m in case.messages:
            seen: set[str] = set()
            for lang, t in m.text.items():
                if t.source not in seen:
                    seen.add(t.source)
                    generic = m.generic or m.kind in spec.GENERIC_MESSAGE_KINDS
                    out.append(TemplateEntry(adv.id, case.id, m.id, lang, m.kind, t.source, generic))
    return out
