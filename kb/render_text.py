"""Plain-text (Markdown) rendering of an advisory, for `kb show` and for people reading a terminal."""

from __future__ import annotations

from .content.model import Advisory, Case, Step

LABELS = {
    "ja": {
        "applies": "対象",
        "not_affected": "対象外",
        "messages": "メッセージ",
        "fix": "修正",
        "files": "ファイル",
        "conditions": "発生条件",
        "symptoms": "現象",
        "cause": "原因",
        "resolution": "対処",
        "workaround": "回避方法",
        "notes": "補足",
        "refs": "参照",
        "products": "製品",
    },
    "en": {
        "applies": "Applies to",
        "not_affected": "Not affected",
        "messages": "Messages",
        "fix": "Fix",
        "files": "Files",
        "conditions": "Conditions",
        "symptoms": "Symptoms",
        "cause": "Cause",
        "resolution": "Resolution",
        "workaround": "Workaround",
        "notes": "Notes",
        "refs": "References",
        "products": "Products",
    },
}


def _steps(steps: tuple[Step, ...], depth: int, out: list[str]) -> None:
    for n, s in enumerate(steps, 1):
        pad = "   " * depth
        out.append(f"{pad}{n}. {s.text}")
        out.extend(f"{pad}   {note}" for note in s.notes)
        _steps(s.substeps, depth + 1, out)


def _facts(case: Case, lang: str) -> list[str]:
    """Scope, fix, messages and files of a case: the facts of advisory.yaml."""
    L = LABELS[lang]
    out = []
    for a in case.applies_to:
        what = ", ".join(a.models) or " ".join(filter(None, [a.product, ", ".join(a.versions)]))
        cond = f"  ({a.condition.get(lang) or next(iter(a.condition.values()))})" if a.condition else ""
        out.append(f"- {L['applies']}: {what}{cond}")
    for n in case.not_affected:
        out.append(f"- {L['not_affected']}: {n.model or n.product} — {_pick(n.reason, lang)}")
    if case.fix:
        out.append(f"- {L['fix']}: {_pick(case.fix.name, lang)}")
    if case.messages:
        out += ["", f"### {L['messages']}", ""]
        for m in case.messages:
            meta = " ".join(filter(None, [m.source, f"ID {m.event_id}" if m.event_id is not None else None]))
            text = m.text.get(lang) or next(iter(m.text.values()))
            out.append(f"- [{m.kind}{': ' + meta if meta else ''}] {text.render()}")
    for f in case.files:
        out += ["", f"### {L['files']}", "", ", ".join(f.names) + (f"  {f.from_version} -> {f.to_version}" if f.to_version else "")]
        out.extend(f"- {loc.role}: {loc.path}" + (f"  ({_pick(loc.when, lang)})" if loc.when else "") for loc in f.locations)
    return out


def _pick(text: dict[str, str], lang: str) -> str:
    """A localized string in ``lang``, or in the language it has."""
    return text.get(lang) or next(iter(text.values()), "")


def case_text(adv: Advisory, case: Case, lang: str) -> str:
    """One case: its facts, then its sections in the order written (typed ones under their usual
    name, free-form ones under their own heading); workaround steps numbered."""
    L = LABELS[lang]
    ct = case.text[lang]
    out = [] if case.implicit else [f"## {ct.title}  (#{case.id})", ""]
    out += _facts(case, lang)
    for sec in ct.sections:
        heading = sec.heading if sec.kind is None else L[sec.kind]
        out += ["", f"### {heading}", ""] if heading else [""]
        if sec.kind == "workaround" and sec.procedures:
            for proc in sec.procedures:
                if proc.condition:
                    out += ["", f"**{proc.condition}**"]
                _steps(proc.steps, 0, out)
        else:
            out.append(sec.markdown)
    return "\n".join(out).strip("\n")


def advisory_text(adv: Advisory, lang: str = "ja", case_id: str | None = None) -> str:
    """The advisory in ``lang``, or, when it is not written in ``lang``, in the language it has
    (said in a first line)."""
    shown = adv.lang_for(lang)
    L = LABELS[shown]
    out = []
    if shown != lang:
        out += [f"({LANG_ONLY[lang].format(lang=LANG_NAMES[lang][shown])})", ""]
    out += [f"# {adv.title[shown]}", ""]
    if adv.summary.get(shown):
        out += [adv.summary[shown], ""]
    out.append(f"- id: {adv.id}" + (f"   vendor: {adv.vendor}" if adv.vendor else ""))
    if adv.products:
        out.append(f"- {L['products']}: " + "; ".join(p.name + (f" ({', '.join(p.aliases)})" if p.aliases else "") for p in adv.products))
    if adv.references:
        out.append(f"- {L['refs']}: " + "; ".join(" = ".join((r.id, *r.aliases)) for r in adv.references))
    if adv.intro.get(shown):
        out += ["", adv.intro[shown]]
    for case in adv.cases:
        if case_id is None or case.id == case_id:
            out += ["", case_text(adv, case, shown)]
    return "\n".join(out).rstrip() + "\n"


LANG_NAMES = {"ja": {"ja": "日本語", "en": "英語"}, "en": {"ja": "Japanese", "en": "English"}}
LANG_ONLY = {"ja": "この記事は{lang}のみです", "en": "This advisory is only in {lang}"}
