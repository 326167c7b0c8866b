"""The static site: every advisory in Japanese and English, indexes, and an in-browser search.

The last stage of the pipeline. :func:`build_site` runs four steps, each a plain function:

    advisories --plan_pages--> pages (path, template, view data)
               --render------> HTML / XML text (Jinja2, autoescaped; Markdown via kb.content)
               --search_index-> search/*.js (the browser's index, from kb.corpus documents)
               --_swap_in-----> site/ (built beside it, then renamed into place)

Every link is relative (``../../en/<id>/index.html#case``), so the site works from ``file://`` and
under any sub-path. The browser search (``static/kbsearch.js``) loads its index with ``<script>``
tags, sharded by term hash so that a first search on a large corpus loads only a few files.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import re
import shutil
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it.token import Token
from markupsafe import Markup

from . import __version__, spec
from .analysis import analyze, model_key, normalize
from .content import ID_RE, markdown_parser
from .corpus import SearchDoc, documents, template_entries
from .messages import TemplateEntry, choose_keys, squash
from .model import LANGS, PLACEHOLDER_TYPES, Advisory, Case, url_problem
from .render_text import LABELS as TEXT_LABELS
from .storage import claim_folder, writer_lock
from .synonyms import SYNONYMS

if TYPE_CHECKING:
    from .api import KnowledgeBase

PACKAGE_DIR = Path(__file__).resolve().parent


SITE_MARKER = ".kb-site"


def default_site_dir() -> Path:
    """``KB_SITE``, else ``./site`` in the working directory."""
    return Path(os.environ.get("KB_SITE") or "site")


def _legacy_site(folder: Path) -> bool:
    """A site written by kb before sites carried a marker."""
    return (folder / "static" / "kbsearch.js").is_file() and (folder / "search" / "core.js").is_file() and (folder / "index.html").is_file()


# --- words on the pages ----------------------------------------------------------------------

LANG_NAMES = {"ja": "日本語", "en": "English"}
LABELS: dict[str, dict[str, str]] = {
    "ja": {
        **TEXT_LABELS["ja"],
        "site": "サポート情報ナレッジベース",
        "home": "ホーム",
        "skip": "本文へ移動",
        "search": "検索",
        "search_label": "エラーメッセージ・型名・KB 番号などを貼り付け",
        "search_button": "検索",
        "search_hint": "イベントログの行、STOP コード、型名 (PGT20146F2 など)、KB 番号をそのまま貼り付けて検索できます。",
        "vendors": "ベンダー別",
        "products_index": "製品別",
        "models": "型名一覧",
        "references": "KB 番号一覧",
        "indexes": "索引",
        "advisories": "アドバイザリ一覧",
        "contents": "目次",
        "vendor": "ベンダー",
        "published": "公開日",
        "updated": "更新日",
        "source": "出典",
        "case": "ケース",
        "model": "型名",
        "product": "製品",
        "versions": "バージョン",
        "condition": "条件",
        "reason": "理由",
        "status": "区分",
        "applies_yes": "対象",
        "applies_if": "条件付きで対象",
        "not_affected_mark": "対象外",
        "kind": "種類",
        "event_id": "イベント ID",
        "slot_note": "枠で囲んだ部分は環境により異なります。",
        "version_change": "バージョン",
        "location": "場所",
        "when": "条件",
        "aliases": "別名",
        "successor": "後継製品",
        "alias_of": "の別名",
        "lang_switch": "English",
        "by_initial": "頭文字で選ぶ",
        "print": "印刷",
        "fix_version": "修正版数",
        "names": "ファイル名",
        "role": "種別",
    },
    "en": {
        **TEXT_LABELS["en"],
        "site": "Support advisory knowledge base",
        "home": "Home",
        "skip": "Skip to content",
        "search": "Search",
        "search_label": "Paste an error message, model number or KB id",
        "search_button": "Search",
        "search_hint": "Paste event log lines, a STOP code, a model number (such as PGT20146F2) or a KB id as they are.",
        "vendors": "By vendor",
        "products_index": "By product",
        "models": "Model numbers",
        "references": "KB ids",
        "indexes": "Indexes",
        "advisories": "Advisories",
        "contents": "Contents",
        "vendor": "Vendor",
        "published": "Published",
        "updated": "Updated",
        "source": "Source",
        "case": "Case",
        "model": "Model",
        "product": "Product",
        "versions": "Versions",
        "condition": "Condition",
        "reason": "Reason",
        "status": "Status",
        "applies_yes": "applies",
        "applies_if": "applies if",
        "not_affected_mark": "not affected",
        "kind": "Kind",
        "event_id": "Event ID",
        "slot_note": "Framed parts differ from system to system.",
        "version_change": "Version",
        "location": "Location",
        "when": "When",
        "aliases": "Also called",
        "successor": "Successor",
        "alias_of": "alias of",
        "lang_switch": "日本語",
        "by_initial": "By first character",
        "print": "Print",
        "fix_version": "Fix version",
        "names": "Files",
        "role": "Role",
    },
}
KIND_LABELS = {
    "ja": {
        "event-log": "イベントログ",
        "popup": "ポップアップ",
        "stop-code": "STOP コード",
        "service-manager": "サービス管理",
        "console": "コンソール",
        "screen": "画面",
    },
    "en": {
        "event-log": "event log",
        "popup": "popup",
        "stop-code": "STOP code",
        "service-manager": "service manager",
        "console": "console",
        "screen": "screen",
    },
}
ROLE_LABELS = {
    "ja": {"install": "配置先", "backup": "バックアップ", "source": "入手元"},
    "en": {"install": "install", "backup": "backup", "source": "source"},
}
PROSE_SECTIONS = ("conditions", "symptoms", "cause", "resolution", "workaround_md", "notes")


# --- Markdown --------------------------------------------------------------------------------


def slug(text: str) -> str:
    """An id fragment: lowercase words of any script joined by hyphens (``FTvirtual Server が起動する場合`` -> ``ftvirtual-server-が起動する場合``)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "-".join(re.findall(r"\w+", text)) or "section"


class MarkdownRenderer:
    """Content Markdown (raw HTML off) to HTML: headings shifted under the page's own and given ids
    prefixed per case, ``kb:`` links made relative."""

    def __init__(self) -> None:
        self.md = markdown_parser()

    def render(self, text: str, *, prefix: str, used: set[str], link, shift: int = 1) -> Markup:
        if not text.strip():
            return Markup("")
        tokens = self.md.parse(text)
        for i, t in enumerate(tokens):
            if t.type in ("heading_open", "heading_close"):
                t.tag = f"h{min(6, int(t.tag[1]) + shift)}"
                if t.type == "heading_open":
                    base = f"{prefix}--{slug(tokens[i + 1].content)}"
                    hid, n = base, 2
                    while hid in used:
                        hid, n = f"{base}-{n}", n + 1
                    used.add(hid)
                    t.attrSet("id", hid)
            elif t.type == "table_open":
                t.attrSet("class", "md-table")
            elif t.type == "inline" and t.children:
                t.children = _safe_links(t.children, link)
        return Markup(self.md.renderer.render(tokens, self.md.options, {}))


def _safe_links(children: list[Token], link) -> list[Token]:
    """``kb:`` links made relative; any other link or image whose target is not an http(s) address
    shown as its text (`kb check` refuses such content; this is the site's own guard)."""
    out: list[Token] = []
    dropped = 0  # open links being dropped (links do not nest, but be safe)
    for c in children:
        if c.type == "link_open":
            href = str(c.attrGet("href") or "")
            target, _, case = href[3:].partition("#")
            if href.startswith("kb:") and ID_RE.match(target) and (not case or ID_RE.match(case)):
                c.attrSet("href", link(target, case))
            elif href.startswith("kb:") or url_problem(href):
                dropped += 1
                continue
        elif c.type == "link_close" and dropped:
            dropped -= 1
            continue
        elif c.type == "image" and url_problem(str(c.attrGet("src") or "")):
            c = Token("text", "", 0, content=c.content)
        out.append(c)
    return out


# --- pages -----------------------------------------------------------------------------------


@dataclass
class Page:
    """One output file: its path under the site root, its template and the data it shows."""

    path: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)
    lang: str = "ja"
    alternates: dict[str, str] = field(default_factory=dict)  # lang -> path of the same page in that language
    in_sitemap: bool = True


@dataclass
class Row:
    """A line of an index page: a link to an advisory (and case), with a status and a note."""

    href: str
    text: str
    status: str = ""  # "" | "conditional" | "not-affected" | "alias"
    note: str = ""
    detail: str = ""


@dataclass
class Group:
    """A heading of an index page (a vendor, product, model or KB id) and its rows."""

    anchor: str
    name: str
    rows: list[Row]
    aliases: list[str] = field(default_factory=list)


def anchor(prefix: str, text: str) -> str:
    return f"{prefix}-{slug(text)}"


def case_path(lang: str, advisory: str, case: str = "") -> str:
    return f"{lang}/{advisory}/index.html" + (f"#{case}" if case else "")


INDEX_SPLIT = 2000
"""An index with more rows than this is split into pages by the first characters of the entries."""


def _prefix(name: str, depth: int) -> str:
    key = re.sub(r"[^a-z0-9]", "", normalize(name))
    return key[:depth] or "other"


def _buckets(groups: list[Group], depth: int = 1) -> dict[str, list[Group]]:
    """Groups by the first ``depth`` characters of their name; a bucket over INDEX_SPLIT rows splits further."""
    by: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        by[_prefix(g.name, depth)].append(g)
    out: dict[str, list[Group]] = {}
    for key, gs in by.items():
        longer = key != "other" and depth < 8 and any(len(_prefix(g.name, 99)) > depth for g in gs)
        if longer and sum(len(g.rows) for g in gs) > INDEX_SPLIT:
            out.update(_buckets(gs, depth + 1))
        else:
            out[key] = gs
    return out


def index_pages(lang: str, kind: str, title: str, groups: list[Group], intro: str = "") -> tuple[list[Page], dict[str, str]]:
    """The page(s) of one index, and where each group anchor lives (anchor -> path#anchor)."""
    groups = sorted(groups, key=lambda g: (normalize(g.name), g.name))
    base = f"{lang}/{kind}.html"
    alt = {other: f"{other}/{kind}.html" for other in LANGS}
    where: dict[str, str] = {}
    if sum(len(g.rows) for g in groups) <= INDEX_SPLIT:
        for g in groups:
            where[g.anchor] = f"{base}#{g.anchor}"
        return [Page(base, "index_page.html", {"title": title, "intro": intro, "groups": groups, "kind": kind}, lang, alt)], where
    buckets = sorted(_buckets(groups).items())
    letters = [(key, f"{kind}-{key}.html", sum(len(g.rows) for g in gs)) for key, gs in buckets]
    pages = []
    for key, gs in buckets:
        path = f"{lang}/{kind}-{key}.html"
        for g in gs:
            where[g.anchor] = f"{path}#{g.anchor}"
        pages.append(
            Page(
                path,
                "index_page.html",
                {"title": f"{title}: {key}", "intro": intro, "groups": gs, "kind": kind, "letters": letters},
                lang,
                {o: f"{o}/{kind}-{key}.html" for o in LANGS},
            )
        )
    pages.append(Page(base, "index_page.html", {"title": title, "intro": intro, "groups": [], "kind": kind, "letters": letters}, lang, alt))
    return pages, where


def _case_title(adv: Advisory, case: Case, lang: str) -> str:
    return f"{adv.title.get(lang, adv.id)} — {case.text[lang].title}"


def index_groups(advisories: list[Advisory], lang: str) -> dict[str, list[Group]]:
    """The four indexes of one language: vendors, products, model numbers and KB ids."""
    L = LABELS[lang]
    vendors: dict[str, Group] = {}
    products: dict[str, Group] = {}
    models: dict[str, Group] = {}
    refs: dict[str, Group] = {}
    for adv in advisories:
        title = adv.title.get(lang, adv.id)
        g = vendors.setdefault(adv.vendor, Group(anchor("v", adv.vendor), adv.vendor, []))
        g.rows.append(Row(case_path(lang, adv.id), title, note=adv.summary.get(lang, "")))
        for p in adv.products:
            pg = products.setdefault(p.name, Group(anchor("p", p.name), p.name, []))
            pg.aliases = list(dict.fromkeys([*pg.aliases, *p.aliases]))
            pg.rows.append(Row(case_path(lang, adv.id), title, detail=f"{L['successor']}: {p.successor}" if p.successor else ""))
        for case in adv.cases:
            ctitle = _case_title(adv, case, lang)
            for a in case.applies_to:
                cond = a.condition.get(lang, "")
                for m in a.models:
                    mg = models.setdefault(model_key(m), Group(anchor("m", model_key(m)), m, []))
                    mg.rows.append(Row(case_path(lang, adv.id, case.id), ctitle, "conditional" if cond else "", cond))
                if a.product:
                    pg = products.setdefault(a.product, Group(anchor("p", a.product), a.product, []))
                    pg.rows.append(Row(case_path(lang, adv.id, case.id), ctitle, "conditional" if cond else "", cond, ", ".join(a.versions)))
            for n in case.not_affected:
                reason = n.reason.get(lang, "")
                if n.model:
                    mg = models.setdefault(model_key(n.model), Group(anchor("m", model_key(n.model)), n.model, []))
                    mg.rows.append(Row(case_path(lang, adv.id, case.id), ctitle, "not-affected", reason))
                if n.product:
                    pg = products.setdefault(n.product, Group(anchor("p", n.product), n.product, []))
                    pg.rows.append(Row(case_path(lang, adv.id, case.id), ctitle, "not-affected", reason))
        for r in adv.references:
            rg = refs.setdefault(r.id, Group(anchor("r", r.id), r.id, []))
            rg.aliases = list(dict.fromkeys([*rg.aliases, *r.aliases]))
            rg.rows.append(Row(case_path(lang, adv.id), title, detail=r.url or ""))
            for alias in r.aliases:
                ag = refs.setdefault(alias, Group(anchor("r", alias), alias, []))
                ag.rows.append(Row(case_path(lang, adv.id), title, "alias", f"{r.id} {L['alias_of']}" if lang == "ja" else f"{L['alias_of']} {r.id}"))
    return {
        "vendors": list(vendors.values()),
        "products": list(products.values()),
        "models": list(models.values()),
        "references": list(refs.values()),
    }


def advisory_view(adv: Advisory, lang: str, md: MarkdownRenderer, href) -> dict[str, Any]:
    """What the advisory page shows, with Markdown already rendered.

    ``href(prefix, name)`` is where an index entry lives (relative to the site root), or "".
    """
    used: set[str] = set(adv.case_ids)

    def link(target: str, case: str) -> str:  # kb:<advisory>#<case> in Markdown
        return relative_root(case_path(lang, adv.id)) + case_path(lang, target, case)

    cases = []
    for case in adv.cases:
        ct = case.text[lang]
        applies = [
            {
                "models": [(m, href("m", model_key(m))) for m in a.models],
                "product": a.product,
                "versions": a.versions,
                "condition": a.condition.get(lang, ""),
            }
            for a in case.applies_to
        ]
        not_affected = [
            {"model": n.model, "href": href("m", model_key(n.model)) if n.model else "", "product": n.product, "reason": n.reason.get(lang, "")}
            for n in case.not_affected
        ]
        messages: list[dict[str, Any]] = []
        for m in case.messages:
            t = m.text.get(lang) or next(iter(m.text.values()))
            parts = [
                p if isinstance(p, str) else {"name": p.name, "type": p.type, "shown": p.example if p.example is not None else p.name}
                for p in t.parts
            ]
            messages.append(
                {
                    "id": m.id,
                    "kind": KIND_LABELS[lang].get(m.kind, m.kind),
                    "source": m.source,
                    "event_id": m.event_id,
                    "group": m.group.get(lang, ""),
                    "parts": parts,
                }
            )
        sections = []
        for name in PROSE_SECTIONS:
            text = getattr(ct, name)
            if text.strip():
                key = "workaround" if name == "workaround_md" else name
                sections.append(
                    {
                        "key": key,
                        "id": f"{case.id}--{key}",
                        "label": LABELS[lang][key],
                        "html": md.render(text, prefix=case.id, used=used, link=link, shift=1),
                    }
                )
                used.add(f"{case.id}--{key}")
        cases.append(
            {
                "id": case.id,
                "title": ct.title,
                "applies": applies,
                "not_affected": not_affected,
                "messages": messages,
                "has_slots": any(not isinstance(p, str) for m in messages for p in m["parts"]),
                "fix": {"name": case.fix.name.get(lang, ""), "version": case.fix.version} if case.fix else None,
                "files": [
                    {
                        "names": f.names,
                        "from": f.from_version,
                        "to": f.to_version,
                        "locations": [
                            {"path": loc.path, "role": ROLE_LABELS[lang].get(loc.role, loc.role), "when": loc.when.get(lang, "")}
                            for loc in f.locations
                        ],
                    }
                    for f in case.files
                ],
                "sections": sections,
            }
        )
    return {
        "adv": adv,
        "title": adv.title.get(lang, adv.id),
        "summary": adv.summary.get(lang, ""),
        "intro": md.render(adv.intro.get(lang, ""), prefix="intro", used=used, link=link, shift=1),
        "references": [
            {"id": r.id, "aliases": r.aliases, "url": r.url if r.url and not url_problem(r.url) else None, "href": href("r", r.id)}
            for r in adv.references
        ],
        "products": [{"name": p.name, "aliases": p.aliases, "successor": p.successor, "href": href("p", p.name)} for p in adv.products],
        "vendor_href": href("v", adv.vendor),
        "cases": cases,
    }


HOME_LIMIT = 100
"""The home pages list this many advisories, the latest first; the indexes list them all."""


def latest(advisories: list[Advisory], n: int = HOME_LIMIT) -> list[Advisory]:
    return sorted(advisories, key=lambda a: (a.updated or a.published or date.min, a.id), reverse=True)[:n]


def plan_pages(advisories: list[Advisory]) -> list[Page]:
    """Every page of the site, in the order written."""
    md = MarkdownRenderer()
    home = {"advisories": latest(advisories), "total": len(advisories)}
    pages: list[Page] = [Page("index.html", "home.html", home, "ja", {"ja": "ja/index.html", "en": "en/index.html"})]
    for lang in LANGS:
        L = LABELS[lang]
        groups = index_groups(advisories, lang)
        where: dict[str, str] = {}
        titles = {"vendors": L["vendors"], "products": L["products_index"], "models": L["models"], "references": L["references"]}
        for kind, gs in groups.items():
            ps, w = index_pages(lang, kind, titles[kind], gs)
            pages += ps
            where.update(w)
        alt = {other: f"{other}/index.html" for other in LANGS}
        pages.append(Page(f"{lang}/index.html", "lang_home.html", home, lang, alt))

        def href(prefix: str, name: str, _w=where) -> str:
            return _w.get(anchor(prefix, name), "")

        for adv in advisories:
            alt = {other: case_path(other, adv.id) for other in LANGS}
            pages.append(Page(case_path(lang, adv.id), "advisory.html", advisory_view(adv, lang, md, href), lang, alt))
    return pages


# --- rendering -------------------------------------------------------------------------------


def jinja_env() -> Environment:
    env = Environment(loader=PackageLoader("kb", "templates"), autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(LANGS=LANGS, LANG_NAMES=LANG_NAMES, version=__version__)
    return env


def relative_root(path: str) -> str:
    """``../`` once per folder level of ``path`` (``ja/x/index.html`` -> ``../../``)."""
    return "../" * path.count("/")


def render_page(env: Environment, page: Page) -> str:
    root = relative_root(page.path)
    context = {
        **page.data,
        "page": page,
        "lang": page.lang,
        "L": LABELS[page.lang],
        "root": root,
        "alternates": {lang: root + p for lang, p in page.alternates.items()},
        "other_lang": next((x for x in LANGS if x != page.lang), page.lang),
    }
    return env.get_template(page.template).render(context)


def sitemap(pages: list[Page], base_url: str) -> str:
    """``sitemap.xml``; locations are absolute when ``KB_SITE_URL`` is set, else relative to the sitemap."""
    env = jinja_env()
    urls = [{"loc": base_url + p.path, "alternates": {lang: base_url + path for lang, path in p.alternates.items()}} for p in pages if p.in_sitemap]
    return env.get_template("sitemap.xml").render(urls=urls)


def opensearch(base_url: str) -> str:
    return jinja_env().get_template("opensearch.xml").render(base_url=base_url, L=LABELS["ja"])


# --- the browser's search index --------------------------------------------------------------

SCORED_CODES = {"title": "t", "messages": "m", "body": "b", "products": "p", "grams": "g", "ids": "i"}
LOOKUP_CODES = {"refs": "R", "models": "M", "models_cond": "C", "not_affected": "N"}
LARGE_DF = 64  # posting lists of at least this many documents are stored apart, compactly
LENGTH_TABLE_SHARE = 8  # lists in more than 1/8 of the documents read lengths from the field's table
TERM_SHARD_BYTES = 2_000  # target size of one term shard (uncompressed JSON)
KEY_SHARD_BYTES = 4_000
DOC_GROUP_BYTES = 6_000  # advisories' titles and texts, grouped
USE_GROUP_BYTES = 2_000  # which cases use each wording
KEY_LIST_MAX = 40_000  # up to this many template keys the core lists them; beyond, a bit filter
_TOKEN_RE = re.compile(r"[^ \t\r\n]+")  # Whoosh's SpaceSeparatedTokenizer


def _length_table() -> list[int]:
    """Whoosh stores a field length in one byte: the smallest of these values at or above it."""
    return [round((1.033**n - 1) * 27) for n in range(256)]


_LENGTHS = _length_table()


def quantized_length(n: int) -> int:
    """The field length BM25F sees in Whoosh (``byte_to_length(length_to_byte(n))``)."""
    if n >= _LENGTHS[-1]:
        return _LENGTHS[-1]
    lo, hi = 0, 255
    while lo < hi:
        mid = (lo + hi) // 2
        if _LENGTHS[mid] < n:
            lo = mid + 1
        else:
            hi = mid
    return _LENGTHS[lo]


def length_byte(n: int) -> int:
    """Whoosh's ``length_to_byte``: the index of the smallest table value at or above ``n``."""
    return 255 if n >= _LENGTHS[-1] else _LENGTHS.index(quantized_length(n))


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def varints(values: list[int]) -> str:
    """Non-negative integers as base64 characters: 5 bits each, most significant first; characters
    from the upper half of the alphabet say "more follows"."""
    out: list[str] = []
    for v in values:
        chunks = [v & 31]
        v >>= 5
        while v:
            chunks.append(v & 31)
            v >>= 5
        out.extend(_B64[32 + c] for c in reversed(chunks[1:]))
        out.append(_B64[chunks[0]])
    return "".join(out)


def _compact(docs: list[int], tfs: list[int], n_docs: int, lengths: list[int] | None) -> dict[str, str]:
    """A long posting list: documents as gaps or as a bitmap (whichever is shorter), tf - 1, and the
    documents' length bytes (unless the list is so long that the field's length table is cheaper)."""
    gaps = varints([docs[0]] + [b - a for a, b in pairwise(docs)])
    bits = bytearray((n_docs + 7) // 8)
    for d in docs:
        bits[d >> 3] |= 1 << (d & 7)
    bitmap = base64.b64encode(bytes(bits)).decode("ascii")
    out = {**({"m": bitmap} if len(bitmap) < len(gaps) else {"d": gaps}), "f": varints([t - 1 for t in tfs])}
    return out if lengths is None else {**out, "l": varints(lengths)}


def _compact_uses(uses: list[tuple[int, int, str, str]]) -> dict[str, Any]:
    """A wording's uses: case gaps, positions, and message ids and kinds by number (when they vary)."""
    messages = list(dict.fromkeys(m for _, _, m, _ in uses))
    kinds = list(dict.fromkeys(k for _, _, _, k in uses))
    cases = [c for c, _, _, _ in uses]
    out: dict[str, Any] = {
        "c": varints([cases[0]] + [b - a for a, b in pairwise(cases)]),
        "p": varints([p for _, p, _, _ in uses]),
        "m": messages,
        "k": kinds,
    }
    if len(messages) > 1:
        out["mi"] = varints([messages.index(m) for _, _, m, _ in uses])
    if len(kinds) > 1:
        out["ki"] = varints([kinds.index(k) for _, _, _, k in uses])
    return out


def term_hash(s: str) -> int:
    """FNV-1a over UTF-16 code units (``hash`` in kbsearch.js)."""
    h = 0x811C9DC5
    data = s.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = ((h ^ (data[i] | data[i + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    return h


def _pow2_at_least(n: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(n, 1))))


def _deltas(values: list[int], stride: int) -> list:
    out = list(values)
    for i in range(len(out) - stride, 0, -stride):
        out[i] -= out[i - stride]
    return out


def _js_regex(py: str) -> str:
    """A PLACEHOLDER_TYPES pattern in JavaScript (``u`` flag): Unicode digits, no needless escapes."""
    return py.replace(r"\d", r"\p{Nd}").replace('\\"', '"')


def _idf(n: int, df: int) -> float:
    """kb.index.Index.idf."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _table(text: str) -> dict[str, tuple[str, str]]:
    """A ``key<TAB>shown<TAB>note`` table as kb.search reads it."""
    rows = (line.split("\t") for line in text.split("\n") if line)
    return {r[0]: (r[1], r[2]) for r in rows if len(r) == 3}


@dataclass
class SearchIndex:
    """The browser index as files: path under ``search/`` -> the script text."""

    files: dict[str, str]
    stats: dict[str, Any]


def _call(fn: str, *args: Any) -> str:
    return f"KBSearch.{fn}(" + ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args) + ");\n"


def _grouped(items: list[Any], size_of, target: int) -> int:
    """How many consecutive items make a group of about ``target`` bytes."""
    if not items:
        return 1
    avg = sum(size_of(x) for x in items) / len(items)
    return max(1, int(target // max(avg, 1)))


def _pack(items: list[Any], size_of, target: int) -> list[int]:
    """Start positions of consecutive groups of ``items`` of about ``target`` bytes each."""
    starts, size = [0], 0
    for i, x in enumerate(items):
        if size >= target:
            starts.append(i)
            size = 0
        size += size_of(x)
    return starts


@dataclass
class _Postings:
    """Every term's postings per field code: scored fields as flat ``[doc, tf, length, ...]``, lookup
    fields as ``[doc, ...]`` (``C``: ``[doc, condition, ...]``); plus what BM25F needs per field."""

    entries: dict[str, dict[str, Any]]  # term -> field code -> postings (a list, or a dict once stored apart)
    field_total: Counter[str]
    length_bytes: dict[str, bytearray]  # code -> Whoosh's length byte of every document


def _collect_documents(advisories: list[Advisory]) -> tuple[list[SearchDoc], list[int], list[int]]:
    """The documents in Whoosh's order (advisory, case, language), cases per advisory, and each
    case's rank among its advisory's case ids (kb.search breaks ties by advisory id, then case id)."""
    ids = [a.id for a in advisories]
    if ids != sorted(ids):  # the browser breaks ties by position
        raise ValueError("advisories must come in id order (kb.content.load sorts folders by name)")
    docs: list[SearchDoc] = []
    cases_per_adv: list[int] = []
    case_rank: list[int] = []
    for adv in advisories:
        ds = documents(adv)
        if [(d.case, d.lang) for d in ds] != [(c.id, lang) for c in adv.cases for lang in LANGS]:
            raise RuntimeError(f"kb.corpus.documents() returned {adv.id}'s documents out of case/language order")
        docs += ds
        cases_per_adv.append(len(adv.cases))
        order = sorted(adv.case_ids)
        case_rank += [order.index(c) for c in adv.case_ids]
    return docs, cases_per_adv, case_rank


def _collect_postings(docs: list[SearchDoc]) -> _Postings:
    """Postings exactly as Whoosh indexes the documents' terms (same tokenizer, same length bytes)."""
    p = _Postings(defaultdict(dict), Counter(), {code: bytearray(len(docs)) for code in SCORED_CODES.values()})
    for d_idx, d in enumerate(docs):
        for name, code in SCORED_CODES.items():
            tokens = _TOKEN_RE.findall(" ".join(d.terms.get(name, ())))
            p.field_total[name] += len(tokens)
            p.length_bytes[code][d_idx] = length_byte(len(tokens))
            qlen = quantized_length(len(tokens))
            for term, freq in Counter(tokens).items():
                p.entries[term].setdefault(code, []).extend((d_idx, freq, qlen))
        model_rows = None
        for name, code in LOOKUP_CODES.items():
            for term in dict.fromkeys(_TOKEN_RE.findall(" ".join(d.terms.get(name, ())))):
                if code == "C":
                    model_rows = model_rows if model_rows is not None else _table(d.texts.get("model_table", ""))
                    p.entries[term].setdefault(code, []).extend((d_idx, model_rows.get(term, ("", ""))[1]))
                else:
                    p.entries[term].setdefault(code, []).append(d_idx)
    # A conditional model entry counts more when the query says what its condition says: numbers and
    # words rare in the knowledge base (Searcher._condition_fits). The browser gets just those words.
    n_docs = max(len(docs), 1)
    telling: dict[str, str] = {}
    for e in p.entries.values():
        pairs = e.get("C", [])
        for k in range(1, len(pairs), 2):
            condition = pairs[k]
            if condition not in telling:
                words = {t.text for t in analyze(condition).words} if condition else set()
                body_df = lambda w: len(p.entries.get(w, {}).get("b", ())) // 3  # noqa: E731
                telling[condition] = " ".join(w for w in sorted(words) if w.isdigit() or _idf(n_docs, body_df(w)) >= spec.RARE_WORD_IDF)
            pairs[k] = telling[condition]
    return p


def _posting_files(p: _Postings, n_docs: int, large_df: int, table_df: int | None, files: dict[str, str]) -> dict[str, Any]:
    """Term shards (t/), long lists (x/) and length tables (l/); returns what the core says of them.

    A short list stays in its term's shard as ``[doc gap, tf, length, ...]``. A long one gets a file of
    its own, compact; the shard keeps ``{x: file, n: documents, s: gzipped bytes, t: 1 if its lengths
    come from the field's table}``. Shards hold the terms whose hash falls in them.
    """
    table_df = table_df if table_df is not None else max(large_df, n_docs // LENGTH_TABLE_SHARE)
    n_lists = 0
    for term in sorted(p.entries):
        e = p.entries[term]
        for code, values in e.items():
            df = len(values) // 3
            if code in SCORED_CODES.values() and df >= large_df:
                table = df >= table_df
                lengths = None if table else [p.length_bytes[code][d] for d in values[0::3]]
                text = _call("addList", n_lists, _compact(values[0::3], values[1::3], n_docs, lengths))
                files[f"x/{n_lists}.js"] = text
                e[code] = {"x": n_lists, "n": df, "s": gzip_size(text.encode()), **({"t": 1} if table else {})}
                n_lists += 1
            else:
                e[code] = _deltas(values, 2 if code == "C" else 1 if code in "RMN" else 3)
    table_sizes = {}
    for code, length_table in p.length_bytes.items():
        files[f"l/{code}.js"] = _call("addLengths", code, base64.b64encode(bytes(length_table)).decode("ascii"))
        table_sizes[code] = gzip_size(files[f"l/{code}.js"].encode())
    size = sum(len(t) + len(json.dumps(e, ensure_ascii=False, separators=(",", ":"))) + 4 for t, e in p.entries.items())
    n_shards = _pow2_at_least(size / TERM_SHARD_BYTES)
    shards: dict[int, dict[str, Any]] = defaultdict(dict)
    for t in sorted(p.entries):
        shards[term_hash(t) % n_shards][t] = p.entries[t]
    files.update({f"t/{n}.js": _call("addShard", n, shards.get(n, {})) for n in range(n_shards)})
    return {"shards": n_shards, "long_lists": n_lists, "length_table": _LENGTHS, "length_table_sizes": table_sizes}


def _template_files(advisories: list[Advisory], case_index: dict[tuple[str, str], int], files: dict[str, str]) -> dict[str, Any]:
    """Template keys (k/) with the wordings they select, and who uses each wording (u/).

    Many cases share one wording, so wordings are stored once, numbered. A key's file holds the
    wordings it selects, so a paste loads exactly its candidates (a wording with several keys is in
    several files). The core gets the set of keys, so that only present keys are fetched.
    """
    templates: list[TemplateEntry] = [t for a in advisories for t in template_entries(a)]
    keys = choose_keys(templates)
    first: dict[str, int] = {}
    for i, t in enumerate(templates):
        first.setdefault(t.text, i)
    texts = sorted(first, key=lambda text: (keys[first[text]], first[text]))  # wordings sharing keys together
    text_id = {text: n for n, text in enumerate(texts)}
    # Who uses a wording: (case, position among the case's template entries, message id, kind).
    # kb.search only compares the entries of one case with each other, so the position is order enough.
    raw_uses: list[list[tuple[int, int, str, str]]] = [[] for _ in texts]
    position: Counter[int] = Counter()
    for t in templates:
        c = case_index[(t.advisory, t.case)]
        raw_uses[text_id[t.text]].append((c, position[c], t.message, t.kind))
        position[c] += 1
    uses = [_compact_uses(u) for u in raw_uses]
    use_starts = _pack(uses, lambda u: len(json.dumps(u, ensure_ascii=False)), USE_GROUP_BYTES)
    for g, (a, b) in enumerate(zip(use_starts, use_starts[1:] + [len(uses)])):
        files[f"u/{g}.js"] = _call("addUses", g, uses[a:b])
    by_key: dict[str, list[int]] = defaultdict(list)
    for text in texts:
        for k in keys[first[text]]:
            by_key[k].append(text_id[text])
    n_key_shards = _pow2_at_least(sum(len(k) + sum(len(texts[i]) + 8 for i in v) for k, v in by_key.items()) / KEY_SHARD_BYTES)
    key_shards: dict[int, dict[str, list]] = defaultdict(dict)
    for k in sorted(by_key):
        key_shards[term_hash(k) % n_key_shards][k] = [x for i in by_key[k] for x in (i, texts[i])]
    files.update({f"k/{n}.js": _call("addKeys", n, key_shards.get(n, {})) for n in range(n_key_shards)})
    if len(by_key) <= KEY_LIST_MAX:
        key_filter: dict[str, Any] = {"list": "".join(sorted(by_key))}
    else:  # one bit per hash bucket: a key may be present
        m = _pow2_at_least(len(by_key) * 8)
        bits = bytearray(m // 8)
        for k in by_key:
            b = term_hash(k) % m
            bits[b >> 3] |= 1 << (b & 7)
        key_filter = {"bits": base64.b64encode(bytes(bits)).decode("ascii"), "m": m}
    return {
        "templates": len(templates),
        "texts": len(texts),
        "key_shards": n_key_shards,
        "use_groups": use_starts,
        "key_filter": key_filter,
        "keys": len(by_key),
    }


def _doc_files(advisories: list[Advisory], docs: list[SearchDoc], files: dict[str, str]) -> int:
    """Titles, texts (for evidence), first steps and not-affected reasons of every case, one file per
    language and group of advisories (d/<lang>/<n>.js). Returns the group size."""
    records: dict[str, list] = {lang: [] for lang in LANGS}
    k = 0
    for adv in advisories:
        per_lang: dict[str, list] = {lang: [] for lang in LANGS}
        for c in adv.cases:
            for lang in LANGS:
                d = docs[k]
                k += 1
                per_lang[lang].append(
                    {
                        "id": c.id,
                        "title": d.title,
                        "texts": {f: d.texts.get(f, "") for f in spec.WORD_FIELDS},
                        "steps": [s for s in d.texts.get("steps", "").split("\n") if s][: spec.STEPS_SHOWN],
                        "na": {key: list(v) for key, v in _table(d.texts.get("not_affected_table", "")).items()},
                    }
                )
        for lang in LANGS:
            records[lang].append({"id": adv.id, "cases": per_lang[lang]})
    group = _grouped(records[LANGS[0]], lambda r: len(json.dumps(r, ensure_ascii=False)), DOC_GROUP_BYTES)
    for lang in LANGS:
        for g in range(0, max(len(advisories), 1), group):
            files[f"d/{lang}/{g // group}.js"] = _call("addDocs", lang, g // group, records[lang][g : g + group])
    return group


def search_index(advisories: list[Advisory], large_df: int = LARGE_DF, table_df: int | None = None) -> SearchIndex:
    """Build the browser's index from the same documents and templates as the Python index.

    Posting lists of ``large_df`` documents or more are stored apart; those of ``table_df`` or more
    (default: 1/8 of the documents) take their lengths from the field's length table.
    """
    docs, cases_per_adv, case_rank = _collect_documents(advisories)
    case_index = {(adv.id, c.id): n for n, (adv, c) in enumerate((adv, c) for adv in advisories for c in adv.cases)}
    postings = _collect_postings(docs)
    files: dict[str, str] = {}
    terms = _posting_files(postings, len(docs), large_df, table_df, files)
    templates = _template_files(advisories, case_index, files)
    doc_group = _doc_files(advisories, docs, files)
    core = {
        "format": "kb-site-search/1",
        "kb": __version__,
        "langs": list(LANGS),
        "docs": len(docs),
        "cases": cases_per_adv,
        "case_rank": case_rank,
        "fields": {name: [code, spec.FIELD_BOOSTS[name]] for name, code in SCORED_CODES.items()},
        "lookups": LOOKUP_CODES,
        "avgfl": {name: postings.field_total[name] / (len(docs) or 1) for name in SCORED_CODES},
        **{k: v for k, v in terms.items() if k != "long_lists"},
        **{k: v for k, v in templates.items() if k not in ("texts", "keys")},
        "doc_group": doc_group,
        "placeholder_types": {k: _js_regex(v) for k, v in PLACEHOLDER_TYPES.items()},
        # Every kb.spec constant the browser ranks with (kbsearch.js reads them as P.<NAME>), and the aliases.
        "params": {**spec.shared(), "SYNONYMS": {k: list(v) for k, v in SYNONYMS.items()}},
    }
    files["core.js"] = _call("load", core)
    stats = {
        "docs": len(docs),
        "terms": len(postings.entries),
        "files": len(files),
        **{k: terms[k] for k in ("shards", "long_lists")},
        **{k: templates[k] for k in ("templates", "texts", "keys", "key_shards")},
        "doc_group": doc_group,
    }
    return SearchIndex(files, stats)


# --- output ----------------------------------------------------------------------------------


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def _swap_in(new: Path, out: Path) -> None:
    """Replace ``out`` with ``new``: rename the old site away, the new one in, then delete the old."""
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    had_old = out.exists()
    if had_old:
        os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        if had_old:
            os.replace(old, out)
        raise
    if had_old:
        shutil.rmtree(old, ignore_errors=True)


def claim_site(out: Path, protect: tuple[Path, ...] = ()) -> Path:
    """``out`` resolved, when kb may write the site there (see :func:`kb.storage.claim_folder`)."""
    return claim_folder(Path(out), SITE_MARKER, "site", legacy=_legacy_site, protect=protect)


def write_site(
    advisories: list[Advisory],
    out: Path,
    base_url: str | None = None,
    *,
    large_df: int = LARGE_DF,
    table_df: int | None = None,
    protect: tuple[Path, ...] = (),
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
) -> Path:
    """Build the site for ``advisories`` beside ``out`` and swap it in; a failure leaves ``out`` as it was.

    ``out`` must be a folder kb made (it carries ``.kb-site``), an empty one or a new one
    (:class:`kb.storage.UnsafeTarget` otherwise); ``protect`` lists folders it must not overlap.
    Writers are serialized by a lock on the folder that holds ``out`` (the site itself is
    swapped, so it cannot hold the lock), which also lets a build remove what a killed one left
    (``.<name>.new-*`` / ``.<name>.old-*``)."""
    base_url = base_url if base_url is not None else os.environ.get("KB_SITE_URL", "")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    out = claim_site(out, protect)
    with writer_lock(out.parent, name=None, wait=wait, notify=notify):
        for left in [*out.parent.glob(f".{out.name}.new-*"), *out.parent.glob(f".{out.name}.old-*")]:
            shutil.rmtree(left, ignore_errors=True)
        tmp = out.parent / f".{out.name}.new-{uuid.uuid4().hex[:8]}"
        try:
            pages = plan_pages(advisories)
            env = jinja_env()
            for page in pages:
                _write(tmp, page.path, render_page(env, page))
            static = resources.files("kb").joinpath("static")
            for name in ("style.css", "kbsearch.js"):
                _write(tmp, f"static/{name}", static.joinpath(name).read_text("utf-8"))
            for rel, text in search_index(advisories, large_df, table_df).files.items():
                _write(tmp, f"search/{rel}", text)
            _write(tmp, "sitemap.xml", sitemap(pages, base_url))
            _write(tmp, "opensearch.xml", opensearch(base_url))
            shutil.copyfile(out / SITE_MARKER, tmp / SITE_MARKER)
            _swap_in(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out


def build_site(base: KnowledgeBase, out: Path) -> Path:
    """Build ``out`` (e.g. ``site/``) from the knowledge base's content. Returns the site folder.

    Raises :class:`kb.ContentError` (leaving ``out`` untouched) when the content has errors.
    """
    return write_site(base.advisories(), Path(out), protect=(base.content_dir, base.index_dir))


# --- shared test vectors (kb/static/vectors.json) ----------------------------------------------


def vector(text: str) -> dict[str, Any]:
    """What the Python pipeline makes of ``text``; kbsearch.js must make the same."""
    a = analyze(text, japanese=False)
    return {
        "input": text,
        "normalized": a.normalized,
        "words": [t.text for t in a.words],
        "grams": [t.text for t in a.grams],
        "identifiers": [{"kind": i.kind, "value": i.value, "aliases": list(i.aliases)} for i in a.identifiers],
        "squashed": squash(text),
    }


VECTORS_PATH = PACKAGE_DIR / "static" / "vectors.json"


def write_vectors(path: Path = VECTORS_PATH) -> list[dict[str, Any]]:
    """Recompute every vector of ``vectors.json`` from its input (run after changing kb/analysis.py)."""
    inputs = [v["input"] for v in json.loads(path.read_text("utf-8"))]
    vectors = [vector(t) for t in inputs]
    path.write_text(json.dumps(vectors, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return vectors


def gzip_size(data: bytes) -> int:
    """Bytes a web server would send (gzip level 6)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


if __name__ == "__main__":  # python -m kb.site vectors
    import sys

    if sys.argv[1:] == ["vectors"]:
        print(f"{len(write_vectors())} vectors -> {VECTORS_PATH}")
    else:
        print("usage: python -m kb.site vectors", file=sys.stderr)
        raise SystemExit(2)
