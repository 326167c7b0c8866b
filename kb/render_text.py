"""Plain-text (Markdown) rendering of an advisory, for `kb show` and for people reading a terminal."""

from __future__ import annotations

from .model import Advisory, Case, Step

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


def case_text(adv: Advisory, case: Case, lang: str) -> str:
    L = LABELS[lang]
    ct = case.text[lang]
    out = [f"## {ct.title}  (#{case.id})", ""]
    for a in case.applies_to:
        what = ", ".join(a.models) or " ".join(filter(None, [a.product, ", ".join(a.versions)]))
        cond = f"  ({a.condition[lang]})" if a.condition else ""
        out.append(f"- {L['applies']}: {what}{cond}")
    for n in case.not_affected:
        out.append(f"- {L['not_affected']}: {n.model or n.product} — {n.reason.get(lang, '')}")
    if case.fix:
        out.append(f"- {L['fix']}: {case.fix.name.get(lang, '')}")
    for key in ("conditions", "symptoms"):
        if getattr(ct, key):
            out += ["", f"### {L[key]}", "", getattr(ct, key)]
    if case.messages:
        out += ["", f"### {L['messages']}", ""]
        for m in case.messages:
            meta = " ".join(filter(None, [m.source, f"ID {m.event_id}" if m.event_id is not None else None]))
            out.append(f"- [{m.kind}{': ' + meta if meta else ''}] {m.text[lang].render()}")
    for f in case.files:
        out += ["", f"### {L['files']}", "", ", ".join(f.names) + (f"  {f.from_version} -> {f.to_version}" if f.to_version else "")]
        out.extend(f"- {loc.role}: {loc.path}" + (f"  ({loc.when[lang]})" if loc.when else "") for loc in f.locations)
    for key in ("cause", "resolution"):
        if getattr(ct, key):
            out += ["", f"### {L[key]}", "", getattr(ct, key)]
    if ct.workaround:
        out += ["", f"### {L['workaround']}", ""]
        for p in ct.workaround:
            if p.condition:
                out += ["", f"**{p.condition}**"]
            _steps(p.steps, 0, out)
    if ct.notes:
        out += ["", f"### {L['notes']}", "", ct.notes]
    return "\n".join(out)


def advisory_text(adv: Advisory, lang: str = "ja", case_id: str | None = None) -> str:
    L = LABELS[lang]
    out = [f"# {adv.title[lang]}", "", adv.summary[lang], ""]
    out.append(f"- id: {adv.id}   vendor: {adv.vendor}")
    out.append(f"- {L['products']}: " + "; ".join(p.name + (f" ({', '.join(p.aliases)})" if p.aliases else "") for p in adv.products))
    if adv.references:
        out.append(f"- {L['refs']}: " + "; ".join(" = ".join((r.id, *r.aliases)) for r in adv.references))
    if adv.intro.get(lang):
        out += ["", adv.intro[lang]]
    for case in adv.cases:
        if case_id is None or case.id == case_id:
            out += ["", case_text(adv, case, lang)]
    return "\n".join(out).rstrip() + "\n"
