"""The static site: every advisory in each language it is written in, indexes, and an in-browser search.

The last stage of the pipeline. :func:`build_site` runs four steps, each a plain function:

    advisories --plan_pages--> pages (path, template, view data; an advisory's made when written)
               --render------> HTML / XML text (Jinja2, autoescaped; Markdown via kb.content.load)
               --search_index-> search/*.js (the browser's index: kb.browser.index, from an index build)
               --_swap_in-----> site/ (built beside it, then renamed into place)

Pages: ``<lang>/<id>/index.html`` for each language an advisory is written in (an anchor per case),
``<lang>/index.html`` and four indexes per language (vendors, products, model numbers, KB ids; an
advisory not written in the language is listed in the one it has, marked), the bilingual home
``index.html``; each advisory's ``assets/`` files under ``assets/<id>/`` (shared by its pages).

Every link is relative (``../../en/<id>/index.html#case``), so the site works from ``file://`` and
under any sub-path. The browser search (``static/kbsearch.js``) loads its index with ``<script>``
tags, sharded by term hash so that a first search on a large corpus loads only a few files.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it.token import Token
from markupsafe import Markup

from .. import __version__
from ..text.analysis import model_key, normalize
from ..browser.index import (  # noqa: F401  (re-exported: kb.site.pages was their home, and tests and tools import them from here)
    LARGE_DF,
    VECTORS_PATH,
    SearchIndex,
    browser_script,
    gzip_size,
    length_byte,
    private_index,
    quantized_length,
    search_index,
    term_hash,
    varints,
    vector,
    write_vectors,
)
from ..content.load import ASSETS, ID_RE, markdown_parser
from ..content.model import LANGS, MESSAGE_KINDS, Advisory, Case, url_problem
from ..content.problems import ContentError, Problem
from ..render_text import LABELS as TEXT_LABELS
from ..search.index import Index
from ..storage import SITE_MARKER, claim_folder, writer_lock

if TYPE_CHECKING:
    from ..api import KnowledgeBase


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
        "noscript": "検索には JavaScript が必要です。JavaScript なしでは一覧から探せます:",
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
        "only": "{lang}のみ",
        "only_note": "このアドバイザリは{lang}のみで公開されています。",
        "home_in": "日本語のトップページ",
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
        "noscript": "Searching needs JavaScript. Without it, look an advisory up in the indexes:",
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
        "only": "{lang} only",
        "only_note": "This advisory is available in {lang} only.",
        "home_in": "English home page",
    },
}
ROLE_LABELS = {
    "ja": {"install": "配置先", "backup": "バックアップ", "source": "入手元"},
    "en": {"install": "install", "backup": "backup", "source": "source"},
}
LANG_WORDS = {"ja": {"ja": "日本語", "en": "英語"}, "en": {"ja": "Japanese", "en": "English"}}
"""A language named in the words of a page's language (``LANG_WORDS[page][language]``)."""


# --- Markdown --------------------------------------------------------------------------------


def slug(text: str) -> str:
    """An id fragment: lowercase words of any script joined by hyphens (``FTvirtual Server が起動する場合`` -> ``ftvirtual-server-が起動する場合``)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "-".join(re.findall(r"\w+", text)) or "section"


def unique_id(base: str, used: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3`` ... whichever ``used`` does not have yet; added to ``used``."""
    hid, n = base, 2
    while hid in used:
        hid, n = f"{base}-{n}", n + 1
    used.add(hid)
    return hid


CIRCLED_RE = re.compile("[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]")
"""Circled numbers ①..㊿: a text that refers to its steps as ①～⑥ numbers them so."""


class MarkdownRenderer:
    """Content Markdown (raw HTML off) to HTML: headings shifted under the page's own and given ids
    prefixed per case, ``kb:`` links made relative, ``assets/...`` links and images pointed at the
    advisory's copied files.

    Ordered lists keep their start number. In a text that refers to steps by circled numbers
    (``①～⑥の手順``: Japanese notices number sub-steps so), the lists of sub-steps (nested ones, and
    those after a sub-heading) are numbered ①, ②, ... (class ``circled``); any other list 1, 2, ...
    """

    def __init__(self) -> None:
        self.md = markdown_parser()

    def render(
        self,
        text: str,
        *,
        prefix: str,
        used: set[str],
        link: Callable[[str, str], str],
        shift: int = 1,
        floor: int = 1,
        asset: Callable[[str], str | None] | None = None,
    ) -> Markup:
        """``link(advisory, case)`` is the href of a ``kb:`` link; ``asset(target)`` the href of a
        relative target (None: not a file of the advisory's assets, shown as text). A heading of
        level n is written at level ``max(n + shift, floor)`` (at most 6)."""
        if not text.strip():
            return Markup("")
        tokens = self.md.parse(text)
        circled = CIRCLED_RE.search(text) is not None
        after_heading = False
        for i, t in enumerate(tokens):
            if t.type in ("heading_open", "heading_close"):
                t.tag = f"h{min(6, max(int(t.tag[1]) + shift, floor))}"
                if t.type == "heading_open":
                    after_heading = after_heading or t.level == 0
                    t.attrSet("id", unique_id(f"{prefix}--{slug(tokens[i + 1].content)}", used))
            elif t.type == "ordered_list_open" and circled and (t.level > 0 or after_heading):
                t.attrSet("class", "circled")
            elif t.type == "table_open":
                t.attrSet("class", "md-table")
            elif t.type == "inline" and t.children:
                t.children = _safe_links(t.children, link, asset)
        return Markup(self.md.renderer.render(tokens, self.md.options, {}))


def _safe_links(children: list[Token], link, asset=None) -> list[Token]:
    """``kb:`` links made relative and ``assets/...`` targets pointed at the copied files; any other
    link or image whose target is not an http(s) address shown as its text (`kb check` refuses such
    content; this is the site's own guard). Images get alt text (their file name when the source
    gives none) and load lazily."""
    out: list[Token] = []
    dropped = 0  # open links being dropped (links do not nest, but be safe)
    for c in children:
        if c.type == "link_open":
            href = str(c.attrGet("href") or "")
            target, _, case = href[3:].partition("#")
            local = asset(href) if asset is not None and not href.startswith("kb:") else None
            if href.startswith("kb:") and ID_RE.match(target) and (not case or ID_RE.match(case)):
                c.attrSet("href", link(target, case))
            elif local:
                c.attrSet("href", local)
            elif href.startswith("kb:") or url_problem(href):
                dropped += 1
                continue
        elif c.type == "link_close" and dropped:
            dropped -= 1
            continue
        elif c.type == "image":
            src = str(c.attrGet("src") or "")
            local = asset(src) if asset is not None else None
            if local is None and url_problem(src):
                c = Token("text", "", 0, content=c.content)
            else:
                if local:
                    c.attrSet("src", local)
                if not "".join(x.content for x in c.children or ()).strip():
                    name = unquote(re.split(r"[?#]", src, maxsplit=1)[0]).replace("\\", "/").rsplit("/", 1)[-1]
                    c.children = [Token("text", "", 0, content=name or "image")]
                c.attrSet("loading", "lazy")
        out.append(c)
    return out


# --- assets: files of an advisory that its prose links to ---------------------------------------


def advisory_assets(adv: Advisory) -> dict[str, Path]:
    """The files of ``<advisory folder>/assets/`` the site copies: path inside ``assets/`` (``/``
    separated) -> file. Only regular files reached without a symbolic link (a link could point out
    of the content); ``kb check`` accepts links to nothing else."""
    if not adv.path:
        return {}
    folder = Path(adv.path) / ASSETS
    if folder.is_symlink() or not folder.is_dir():
        return {}
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder):  # does not follow links to folders
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            if stat.S_ISREG(os.lstat(path).st_mode):
                out[path.relative_to(folder).as_posix()] = path
    return out


def asset_path(advisory: str, rel: str) -> str:
    """Where the site keeps a file of an advisory's ``assets/`` (shared by its pages in every language)."""
    return f"{ASSETS}/{advisory}/{rel}"


def asset_target(target: str) -> str | None:
    """The path inside ``assets/`` that a relative link or image target of the prose names
    (``assets/screen.png``, ``./assets/a%20b.png#x`` -> ``screen.png``, ``a b.png``), or None; read
    the way ``kb check`` reads it."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:|//|#", target):
        return None
    rel = unquote(re.split(r"[?#]", target, maxsplit=1)[0]).replace("\\", "/")
    rel = rel[2:] if rel.startswith("./") else rel
    parts = rel.split("/")
    if parts[0] != ASSETS or len(parts) < 2 or any(p in ("", ".", "..") for p in parts[1:]):
        return None
    return "/".join(parts[1:])


# --- pages -----------------------------------------------------------------------------------


@dataclass
class Page:
    """One output file: its path under the site root, its template and the data it shows."""

    path: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)
    lang: str = "ja"
    alternates: dict[str, str] = field(default_factory=dict)  # lang -> path of the same page in that language (pages that exist)
    in_sitemap: bool = True
    search_in: str | None = None  # the language results come in; None: the query's (the bilingual home page)
    advisory: int | None = None  # an advisory's page: its position among the site's advisories
    make: Callable[[Advisory], dict[str, Any]] | None = field(default=None, repr=False, compare=False)
    """Makes an advisory page's data from the advisory when the page is rendered, instead of
    ``data`` (its view holds the advisory's text rendered; made for every page at once, 10,000
    advisories' views took ~290 MB)."""

    def view(self, adv: Advisory | None = None) -> dict[str, Any]:
        if self.make is None:
            return self.data
        if adv is None:
            raise ValueError(f"{self.path}: an advisory page is made from its advisory")
        return self.make(adv)


@dataclass
class Row:
    """A line of an index page: a link to an advisory (and case), with a status and a note."""

    href: str
    text: str
    status: str = ""  # "" | "conditional" | "not-affected" | "alias"
    note: str = ""
    detail: str = ""
    lang: str = ""  # the language of the linked page when it is not the index's (the advisory is not written in it)
    only: str = ""  # then the mark saying so ("Japanese only")


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


def pick(localized: dict[str, str], *langs: str) -> str:
    """The first of ``langs`` that ``localized`` has (non-empty), else any value, else ""."""
    for lang in langs:
        if localized.get(lang):
            return localized[lang]
    return next((v for v in localized.values() if v), "")


def only_mark(page_lang: str, adv_lang: str) -> str:
    """The mark of an advisory shown in a language it is not written in: "" when it is."""
    return "" if page_lang == adv_lang else LABELS[page_lang]["only"].format(lang=LANG_WORDS[page_lang][adv_lang])


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
        return [Page(base, "index_page.html", {"title": title, "intro": intro, "groups": groups, "kind": kind}, lang, alt, search_in=lang)], where
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
                search_in=lang,
            )
        )
    pages.append(
        Page(base, "index_page.html", {"title": title, "intro": intro, "groups": [], "kind": kind, "letters": letters}, lang, alt, search_in=lang)
    )
    return pages, where


def case_title(adv: Advisory, case: Case, lang: str) -> str:
    """How an index names a case: the advisory's title, and the case's (an implicit case has none)."""
    if case.implicit:
        return adv.title[lang]
    return f"{adv.title[lang]} — {case.text[lang].title}"


class IndexGroups:
    """The four indexes of one language (vendors, products, model numbers and KB ids), filled an
    advisory at a time (:meth:`add`). An advisory not written in ``lang`` is listed too, linking to
    its page in the language it has, marked."""

    def __init__(self, lang: str):
        self.lang = lang
        self.vendors: dict[str, Group] = {}
        self.products: dict[str, Group] = {}
        self.models: dict[str, Group] = {}
        self.refs: dict[str, Group] = {}

    def add(self, adv: Advisory) -> None:
        lang = self.lang
        L = LABELS[lang]
        vendors, products, models, refs = self.vendors, self.products, self.models, self.refs
        al = adv.lang_for(lang)
        shown = {"lang": al if al != lang else "", "only": only_mark(lang, al)}
        title = adv.title[al]
        if adv.vendor:
            g = vendors.setdefault(adv.vendor, Group(anchor("v", adv.vendor), adv.vendor, []))
            g.rows.append(Row(case_path(al, adv.id), title, note=adv.summary.get(al, ""), **shown))
        for p in adv.products:
            pg = products.setdefault(p.name, Group(anchor("p", p.name), p.name, []))
            pg.aliases = list(dict.fromkeys([*pg.aliases, *p.aliases]))
            pg.rows.append(Row(case_path(al, adv.id), title, detail=f"{L['successor']}: {p.successor}" if p.successor else "", **shown))
        for case in adv.cases:
            ctitle = case_title(adv, case, al)
            for a in case.applies_to:
                cond = pick(a.condition, lang, al)
                for m in a.models:
                    mg = models.setdefault(model_key(m), Group(anchor("m", model_key(m)), m, []))
                    mg.rows.append(Row(case_path(al, adv.id, case.id), ctitle, "conditional" if cond else "", cond, **shown))
                if a.product:
                    pg = products.setdefault(a.product, Group(anchor("p", a.product), a.product, []))
                    pg.rows.append(Row(case_path(al, adv.id, case.id), ctitle, "conditional" if cond else "", cond, ", ".join(a.versions), **shown))
            for n in case.not_affected:
                reason = pick(n.reason, lang, al)
                if n.model:
                    mg = models.setdefault(model_key(n.model), Group(anchor("m", model_key(n.model)), n.model, []))
                    mg.rows.append(Row(case_path(al, adv.id, case.id), ctitle, "not-affected", reason, **shown))
                if n.product:
                    pg = products.setdefault(n.product, Group(anchor("p", n.product), n.product, []))
                    pg.rows.append(Row(case_path(al, adv.id, case.id), ctitle, "not-affected", reason, **shown))
        for r in adv.references:
            rg = refs.setdefault(r.id, Group(anchor("r", r.id), r.id, []))
            rg.aliases = list(dict.fromkeys([*rg.aliases, *r.aliases]))
            rg.rows.append(Row(case_path(al, adv.id), title, detail=r.url or "", **shown))
            for alias in r.aliases:
                ag = refs.setdefault(alias, Group(anchor("r", alias), alias, []))
                note = f"{r.id} {L['alias_of']}" if lang == "ja" else f"{L['alias_of']} {r.id}"
                ag.rows.append(Row(case_path(al, adv.id), title, "alias", note, **shown))

    def groups(self) -> dict[str, list[Group]]:
        return {
            "vendors": list(self.vendors.values()),
            "products": list(self.products.values()),
            "models": list(self.models.values()),
            "references": list(self.refs.values()),
        }


MESSAGES_AFTER = ("conditions", "symptoms")
"""A case's messages are shown after its last section of these kinds (where the symptoms are told)."""


def _messages_at(sections: list[dict[str, Any]]) -> int:
    """Where the messages go among a case's sections in written order: after the last conditions or
    symptoms section; without one, before the first other typed section (after any text that opens
    the case); without that either, at the end."""
    kinds = [s["kind"] for s in sections]
    told = [k for k, kind in enumerate(kinds) if kind in MESSAGES_AFTER]
    if told:
        return told[-1] + 1
    typed = next((k for k, kind in enumerate(kinds) if kind), len(sections))
    return max(typed, 1 if sections and not sections[0]["heading"] else 0)


def advisory_view(
    adv: Advisory,
    lang: str,
    md: MarkdownRenderer,
    href,
    langs_of: dict[str, tuple[str, ...]] | None = None,
    assets: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """What the advisory page in ``lang`` (one of ``adv.langs``) shows, with Markdown already rendered.

    ``href(prefix, name)`` is where an index entry lives (relative to the site root), or "".
    ``langs_of`` gives the languages of every advisory (a ``kb:`` link goes to the page the target
    has: in ``lang`` when it is written in it); ``assets`` the advisory's files (``advisory_assets``).
    """
    used: set[str] = set(adv.case_ids)
    root = relative_root(case_path(lang, adv.id))
    files = assets or {}

    def link(target: str, case: str) -> str:  # kb:<advisory>#<case> in Markdown
        target_langs = (langs_of or {}).get(target) or (lang,)
        return root + case_path(lang if lang in target_langs else target_langs[0], target, case)

    def asset(target: str) -> str | None:  # assets/<file> in Markdown
        rel = asset_target(target)
        if rel is None or rel not in files:
            return None
        fragment = target.partition("#")[2]
        return root + quote(asset_path(adv.id, rel)) + (f"#{quote(unquote(fragment), safe='=&')}" if fragment else "")

    cases = []
    for case in adv.cases:
        ct = case.text[lang]
        implicit = case.implicit
        level = 2 if implicit else 3  # the heading level of the case's sections
        applies = [
            {
                "models": [(m, href("m", model_key(m))) for m in a.models],
                "product": a.product,
                "versions": a.versions,
                "condition": pick(a.condition, lang),
            }
            for a in case.applies_to
        ]
        not_affected = [
            {"model": n.model, "href": href("m", model_key(n.model)) if n.model else "", "product": n.product, "reason": pick(n.reason, lang)}
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
                    "kind": MESSAGE_KINDS.get(m.kind, {}).get(lang, m.kind),
                    "source": m.source,
                    "event_id": m.event_id,
                    "group": pick(m.group, lang),
                    "parts": parts,
                }
            )
        sections: list[dict[str, Any]] = []
        for s in ct.sections:
            if not s.heading and not s.markdown.strip():
                continue
            if s.kind:  # a typed section: the page's own name for it, its anchor named by its kind
                heading, sid = LABELS[lang][s.kind], unique_id(f"{case.id}--{s.kind}", used)
            elif s.heading:  # a free-form section: its heading as written
                heading, sid = s.heading, unique_id(f"{case.id}--{slug(s.heading)}", used)
            else:  # the text between the case heading and its first section
                heading, sid = "", ""
            html = md.render(s.markdown, prefix=case.id, used=used, link=link, shift=level - 2, floor=level + 1, asset=asset)
            sections.append({"kind": s.kind or "", "key": s.kind or "other", "id": sid, "heading": heading, "label": heading, "html": html})
        at = _messages_at(sections)
        cases.append(
            {
                "id": case.id,
                "title": ct.title,
                "implicit": implicit,
                "h": level,
                "applies": applies,
                "not_affected": not_affected,
                "messages": messages,
                "has_slots": any(not isinstance(p, str) for m in messages for p in m["parts"]),
                "fix": {"name": pick(case.fix.name, lang), "version": case.fix.version} if case.fix else None,
                "files": [
                    {
                        "names": f.names,
                        "from": f.from_version,
                        "to": f.to_version,
                        "locations": [
                            {"path": loc.path, "role": ROLE_LABELS[lang].get(loc.role, loc.role), "when": pick(loc.when, lang)} for loc in f.locations
                        ],
                    }
                    for f in case.files
                ],
                "sections": sections,
                "before": sections[:at],
                "after": sections[at:],
            }
        )
    others = [x for x in LANGS if x not in adv.langs]
    return {
        "adv": adv,
        "title": adv.title[lang],
        "summary": adv.summary.get(lang, ""),
        "intro": md.render(adv.intro.get(lang, ""), prefix="intro", used=used, link=link, shift=1, floor=2, asset=asset),
        "references": [
            {"id": r.id, "aliases": r.aliases, "url": r.url if r.url and not url_problem(r.url) else None, "href": href("r", r.id)}
            for r in adv.references
        ],
        "products": [{"name": p.name, "aliases": p.aliases, "successor": p.successor, "href": href("p", p.name)} for p in adv.products],
        "vendor_href": href("v", adv.vendor) if adv.vendor else "",
        "cases": cases,
        # for a reader of another language: the advisory is not written in it (said in that language)
        "only_notes": [
            {
                "lang": x,
                "text": LABELS[x]["only_note"].format(lang=LANG_WORDS[x][lang]),
                "home": LABELS[x]["home_in"],
                "href": f"{x}/index.html",
            }
            for x in others
        ],
    }


HOME_LIMIT = 100
"""The home pages list this many advisories, the latest first; the indexes list them all."""


def listing(advisories: list[Advisory], lang: str) -> list[dict[str, Any]]:
    """Advisories as a home page in ``lang`` lists them: each in ``lang`` when written in it, else in
    the language it has, marked."""
    out = []
    for adv in advisories:
        al = adv.lang_for(lang)
        out.append(
            {
                "id": adv.id,
                "href": case_path(al, adv.id),
                "title": adv.title[al],
                "summary": adv.summary.get(al, ""),
                "lang": al if al != lang else "",
                "only": only_mark(lang, al),
                "vendor": adv.vendor,
                "published": adv.published,
            }
        )
    return out


@dataclass
class SitePlan:
    """Every page of the site, in the order written, each advisory's files (``assets/``), and each
    advisory's (id, case ids, languages): the documents its search must have."""

    pages: list[Page]
    assets: dict[str, dict[str, Path]]
    shapes: list[tuple[str, tuple[str, ...], tuple[str, ...]]]

    def documents(self) -> list[tuple[str, str, str]]:
        """(advisory, case, lang) of every document, in index order."""
        return [(a, c, lang) for a, cases, langs in self.shapes for c in cases for lang in langs]


def plan_pages(advisories: Sequence[Advisory]) -> SitePlan:
    """Every page of the site. An advisory has a page in each language it is written in (and only
    those); its files are read from its folder (:func:`advisory_assets`).

    ``advisories`` may unpack each advisory when asked for (:class:`kb.content.shelf.Unpacked`): one
    pass here takes what the indexes, the home pages and the links need of each; an advisory's own
    pages are made when written (:attr:`Page.advisory`, :func:`write_site`)."""
    md = MarkdownRenderer()
    groups = {lang: IndexGroups(lang) for lang in LANGS}
    langs_of: dict[str, tuple[str, ...]] = {}
    dated: list[tuple[date, str, int]] = []
    found_assets: dict[str, dict[str, Path]] = {}
    shapes: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for k, adv in enumerate(advisories):
        langs_of[adv.id] = adv.langs
        shapes.append((adv.id, adv.case_ids, adv.langs))
        dated.append((adv.updated or adv.published or date.min, adv.id, k))
        found_assets[adv.id] = advisory_assets(adv)
        for g in groups.values():
            g.add(adv)
    shown = [advisories[k] for _d, _id, k in sorted(dated, reverse=True)[:HOME_LIMIT]]  # the latest first
    home = {"columns": [(lang, listing(shown, lang)) for lang in LANGS], "shown": len(shown), "total": len(advisories)}
    pages: list[Page] = [Page("index.html", "home.html", home, LANGS[0], {lang: f"{lang}/index.html" for lang in LANGS})]
    for lang in LANGS:
        L = LABELS[lang]
        where: dict[str, str] = {}
        titles = {"vendors": L["vendors"], "products": L["products_index"], "models": L["models"], "references": L["references"]}
        for kind, gs in groups[lang].groups().items():
            ps, w = index_pages(lang, kind, titles[kind], gs)
            pages += ps
            where.update(w)
        alt = {other: f"{other}/index.html" for other in LANGS}
        lang_home = {"advisories": listing(shown, lang), "shown": len(shown), "total": len(advisories)}
        pages.append(Page(f"{lang}/index.html", "lang_home.html", lang_home, lang, alt, search_in=lang))

        def href(prefix: str, name: str, _w=where) -> str:
            return _w.get(anchor(prefix, name), "")

        for k, (adv_id, _cases, langs) in enumerate(shapes):  # (k: the advisory's position, as write_site takes them)
            if lang not in langs:
                continue
            alt = {other: case_path(other, adv_id) for other in langs}
            view = partial(advisory_view, lang=lang, md=md, href=href, langs_of=langs_of, assets=found_assets[adv_id])
            pages.append(Page(case_path(lang, adv_id), "advisory.html", lang=lang, alternates=alt, search_in=lang, advisory=k, make=view))
    return SitePlan(pages, found_assets, shapes)


# --- rendering -------------------------------------------------------------------------------


def jinja_env() -> Environment:
    env = Environment(loader=PackageLoader("kb", "templates"), autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(LANGS=LANGS, LANG_NAMES=LANG_NAMES, version=__version__)
    return env


def relative_root(path: str) -> str:
    """``../`` once per folder level of ``path`` (``ja/x/index.html`` -> ``../../``)."""
    return "../" * path.count("/")


def language_switch(page: Page) -> dict[str, Any] | None:
    """The header's link to the other language: the same page in it when there is one, else that
    language's home page (an advisory not written in it); None on a site of one language."""
    other = next((x for x in LANGS if x != page.lang), None)
    if other is None:
        return None
    if other in page.alternates:
        return {"lang": other, "path": page.alternates[other], "same": True}
    return {"lang": other, "path": f"{other}/index.html", "same": False, "title": LABELS[other]["home_in"]}


def render_page(env: Environment, page: Page, adv: Advisory | None = None) -> str:
    """The page's text; an advisory's page (:attr:`Page.advisory`) is made from ``adv``."""
    root = relative_root(page.path)
    switch = language_switch(page)
    context = {
        **page.view(adv),
        "page": page,
        "lang": page.lang,
        "L": LABELS[page.lang],
        "root": root,
        # hreflang alternates: only when the page exists in more than one language
        "alternates": {lang: root + p for lang, p in page.alternates.items()} if len(page.alternates) > 1 else {},
        "switch": {**switch, "href": root + switch["path"]} if switch else None,
        # the search box: results in the page's language, on its language's home page
        "search_action": root + (f"{page.search_in}/index.html" if page.search_in else "index.html"),
    }
    return env.get_template(page.template).render(context)


def sitemap(pages: list[Page], base_url: str) -> str:
    """``sitemap.xml``; locations are absolute when ``KB_SITE_URL`` is set, else relative to the sitemap.
    A page's hreflang alternates are listed when it exists in more than one language."""
    env = jinja_env()
    urls = [
        {"loc": base_url + p.path, "alternates": {lang: base_url + path for lang, path in p.alternates.items()} if len(p.alternates) > 1 else {}}
        for p in pages
        if p.in_sitemap
    ]
    return env.get_template("sitemap.xml").render(urls=urls)


def opensearch(base_url: str) -> str:
    return jinja_env().get_template("opensearch.xml").render(base_url=base_url, L=LABELS["ja"])


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
    return claim_folder(Path(out), SITE_MARKER, "site", legacy=_legacy_site, protect=protect, beside=True)


def _refuse_emptying(out: Path) -> None:
    """No advisories never replace a site that shows some (a wrong content folder, far more often
    than a wish to empty the site, which deleting it does). Raises :class:`kb.ContentError`."""
    shown = {p.parent.name for lang in LANGS for p in (out / lang).glob("*/index.html")}
    if shown:
        raise ContentError(
            [
                Problem(
                    str(out),
                    1,
                    f"there are no advisories to build the site from, and the site in {out} shows {len(shown)}: nothing was built",
                    "check --content (or KB_CONTENT); to empty the site, delete its folder",
                )
            ]
        )


def write_site(
    advisories: Sequence[Advisory],
    out: Path,
    base_url: str | None = None,
    *,
    large_df: int = LARGE_DF,
    table_df: int | None = None,
    protect: tuple[Path, ...] = (),
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
    index: Index | None = None,
) -> Path:
    """Build the site for ``advisories`` beside ``out`` and swap it in; a failure leaves ``out`` as it was.

    The browser's search index is made from ``index``, a build of these advisories as they are
    (``kb build`` passes the one it made; one whose advisories, cases or languages differ is
    refused with ``ValueError``); without, they are indexed first in a temporary folder inside the
    one the site is built in (:func:`kb.browser.index.private_index`).

    ``out`` must be a folder kb made (it carries ``.kb-site``), an empty one or a new one
    (:class:`kb.storage.UnsafeTarget` otherwise); ``protect`` lists folders it must not overlap.
    Writers are serialized by a lock on the folder that holds ``out`` (the site itself is
    swapped, so it cannot hold the lock), which also lets a build remove what a killed one left
    (``.<name>.new-*`` / ``.<name>.old-*``)."""
    base_url = base_url if base_url is not None else os.environ.get("KB_SITE_URL", "")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    out = claim_site(out, protect)
    if not advisories:
        _refuse_emptying(out)
    with writer_lock(out.parent, name=None, wait=wait, notify=notify):
        for left in [*out.parent.glob(f".{out.name}.new-*"), *out.parent.glob(f".{out.name}.old-*")]:
            shutil.rmtree(left, ignore_errors=True)
        tmp = out.parent / f".{out.name}.new-{uuid.uuid4().hex[:8]}"
        try:
            plan = plan_pages(advisories)
            pages, assets = plan.pages, plan.assets
            if index is not None and index.documents() != plan.documents():
                raise ValueError("write_site: the index given was not built from these advisories (their ids, cases or languages differ)")
            env = jinja_env()
            of_advisory: dict[int, list[Page]] = defaultdict(list)
            for page in pages:
                if page.advisory is None:
                    _write(tmp, page.path, render_page(env, page))
                else:
                    of_advisory[page.advisory].append(page)
            for k, adv in enumerate(advisories):  # (each advisory taken once, for its pages in every language)
                for page in of_advisory.pop(k, ()):
                    _write(tmp, page.path, render_page(env, page, adv))
            for name in ("style.css", "favicon.svg"):  # (an icon of its own: no request for /favicon.ico)
                _write(tmp, f"static/{name}", resources.files("kb").joinpath("static", name).read_text("utf-8"))
            _write(tmp, "static/kbsearch.js", browser_script())  # with kb/static/porter2.js put in
            for adv_id, files in assets.items():
                for rel, source in files.items():
                    target = tmp / asset_path(adv_id, rel)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target, follow_symlinks=False)
            emit = lambda rel, text: _write(tmp, f"search/{rel}", text)  # noqa: E731 (each file written as it is made)
            if index is not None:
                search_index(index, large_df, table_df, emit)
            else:
                with private_index(advisories, tmp) as made:  # (removed before the site is swapped in)
                    search_index(made, large_df, table_df, emit)
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


if __name__ == "__main__":  # python -m kb.site.pages vectors
    import sys

    if sys.argv[1:] == ["vectors"]:
        print(f"{len(write_vectors())} vectors -> {VECTORS_PATH}")
    else:
        print("usage: python -m kb.site.pages vectors", file=sys.stderr)
        raise SystemExit(2)
