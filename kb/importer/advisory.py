"""The ``advisory.yaml`` of an imported article (:func:`advisory_yaml`): products, reference, dates,
source and the extracted messages, from the source's fields and front matter; the values it
understands (:func:`parse_date`, product names) and the YAML style of kb's content (:func:`_dump`,
also used for the front matter of ``ja.md`` / ``en.md``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..content.model import url_problem
from .common import ID_RE
from .report import ArticleResult
from .sources import _Article


def parse_date(value: Any) -> str | None:
    """YYYY-MM-DD from a date, an ISO date/time, Y/M/D, M/D/YYYY or 2021年4月14日; None when not understood."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    v = unicodedata.normalize("NFKC", value).strip()
    for rx, order in (
        (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$", "ymd"),
        (r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:\s.*)?$", "ymd"),
        (r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$", "ymd"),
        (r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$", "mdy"),
        (r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "ymd"),
    ):
        m = re.match(rx, v)
        if m:
            a, b, c = (int(x) for x in m.groups())
            y, mo, d = (a, b, c) if order == "ymd" else (c, a, b)
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                return None
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()]
    return []


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_FAST_DUMPER = getattr(yaml, "CSafeDumper", None)  # libyaml's emitter: ~10x faster


def _dump(data: Any) -> str:
    """YAML with lists indented under their key (``products:\n  - name: …``), as content/README.md writes it."""
    if _FAST_DUMPER is None:
        return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20, default_flow_style=False)
    text = yaml.dump(data, Dumper=_FAST_DUMPER, allow_unicode=True, sort_keys=False, width=1 << 20, default_flow_style=False)
    # every line that starts with '- ' or spaces belongs to a list of a top-level key (the values
    # are single-line scalars): indenting them all keeps the data and gives the usual style
    return "\n".join("  " + ln if ln.startswith(("- ", "  ")) else ln for ln in text.split("\n"))


def advisory_yaml(art: _Article, res: ArticleResult, messages: list[tuple[str, str, str]], *, vendor: str | None, kind: str, source: Path) -> bytes:
    """The ``advisory.yaml`` of an article (no cases): its id, vendor, products, reference, dates,
    source and ``messages``; what has no place in it goes to ``res`` (unmapped fields, dates not
    understood). A ``vendor`` given to the import wins over the source's; ``kind`` is ``jsonl`` or
    ``folder``, ``source`` the import's source."""
    texts = [art.texts[lang] for lang in ("ja", "en") if lang in art.texts]
    meta: dict[str, Any] = {}
    for t in texts:
        for k, v in t.meta.items():
            meta.setdefault(k, v)
    unmapped = sorted({k for t in texts for k in t.meta.get("_unmapped", [])})
    res.unmapped.extend(unmapped)
    data: dict[str, Any] = {"id": res.id or ""}
    vendor = vendor or (meta["vendor"].strip() if isinstance(meta.get("vendor"), str) and meta["vendor"].strip() else None)
    if vendor:
        data["vendor"] = vendor
    products: list[str] = []
    for k in ("service", "services", "product", "products"):
        for p in _names(meta.get(k)):
            if p not in products:
                products.append(p)
    if products:
        data["products"] = [{"name": p} for p in products]
    src_id = str(meta.get("id") or meta.get("slug") or art.key)
    urls: list[str] = []
    for t in texts:
        u = t.meta.get("url")
        if isinstance(u, str) and u.strip() and u.strip() not in urls:
            urls.append(u.strip())
    if urls:
        ref: dict[str, Any] = {"id": src_id}
        web = [u for u in urls if url_problem(u) is None]
        if web:
            ref["url"] = web[0]
        for u in urls:
            if u not in web[:1]:
                res.unmapped.append(f"url {u}")
        data["references"] = [ref]
    for key, out in (("date", "published"), ("published", "published"), ("updated", "updated"), ("lastmod", "updated")):
        if key in meta and out not in data:
            d = parse_date(meta[key])
            if d:
                data[out] = d
            elif meta[key] not in (None, ""):
                res.notes.append(f"{key} {str(meta[key])[:30]!r} not understood")
    if kind == "jsonl":
        data["source"] = str(meta["source"]) if isinstance(meta.get("source"), str) else f"{source.name}#{art.key}"
    else:
        data["source"] = texts[0].origin
    if messages:
        seen: dict[str, str] = {}
        ids: set[str] = set()
        out_msgs: list[dict[str, str]] = []
        for hint, kind, tpl in messages:
            if tpl in seen:
                continue
            mid = hint or f"m{len(out_msgs) + 1}"
            base, n = mid, 2
            while mid in ids or not ID_RE.match(mid):
                mid = f"{base}-{n}" if ID_RE.match(base) else f"m{len(out_msgs) + n}"
                n += 1
            ids.add(mid)
            seen[tpl] = mid
            out_msgs.append({"id": mid, "kind": kind, "text": tpl})
            res.messages.append(tpl)
        data["messages"] = out_msgs
    head = "# Written by `kb import`. Edit freely: a later import leaves hand-edited files alone (unless --force).\n"
    return (head + _dump(data)).encode("utf-8")
