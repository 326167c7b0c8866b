"""The static site for advisories not written in both languages, without cases, with free-form
sections and assets (tests/parity/mixed.py), without a browser: which pages exist, how the other
language lists them, hreflang / sitemap / language switch, sections in order, assets, step numbers,
the search box's language, and the browser index's document numbering.

The browser side of the same content: tests/test_browser.py; parity with Python in Node:
tests/test_parity_node.py (``test_mixed_content_ranks_like_python``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kb.api import KnowledgeBase
from kb.browser.index import lang_mask, search_index, varints
from kb.content.load import load_or_raise
from kb.site.pages import MarkdownRenderer, advisory_assets, write_site
from tests.parity.mixed import EN_ONLY, JA_ONLY, JA_ONLY_CASES, write_mixed_content

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(content, site) for the bundled content plus the mixed advisories."""
    root = tmp_path_factory.mktemp("mixed")
    content = write_mixed_content(root)
    return content, write_site(load_or_raise(content), root / "site")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.alternates: dict[str, str] = {}
        self.switch: dict[str, str] = {}
        self.html: dict[str, str] = {}
        self.form = ""
        self.headings: list[tuple[str, str]] = []  # (tag, text) of h1..h6
        self.images: list[dict[str, str]] = []
        self._heading: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.html = a
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a["href"]
        if tag == "a" and "lang-switch" in a.get("class", ""):
            self.switch = a
        if tag == "form":
            self.form = a.get("action", "")
        if tag == "img":
            self.images.append(a)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag, ""]
        for name in ("href", "src", "action"):
            if a.get(name):
                self.links.append(a[name])

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading is not None and tag == self._heading[0]:
            self.headings.append((tag, self._heading[1].strip()))
            self._heading = None


def parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text("utf-8"))
    return p


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text("utf-8")))


# --- pages only in the languages an advisory has ---------------------------------------------------


def test_pages_exist_only_in_the_advisorys_languages(built):
    _, site = built
    assert (site / "ja" / JA_ONLY / "index.html").is_file() and not (site / "en" / JA_ONLY).exists()
    assert (site / "ja" / JA_ONLY_CASES / "index.html").is_file() and not (site / "en" / JA_ONLY_CASES).exists()
    assert (site / "en" / EN_ONLY / "index.html").is_file() and not (site / "ja" / EN_ONLY).exists()
    for lang in ("ja", "en"):  # the bilingual ones as ever
        assert (site / lang / "fujitsu-tx200ft-ms05-018" / "index.html").is_file()


def test_every_link_resolves(built):
    """No link, hreflang alternate or language switch of any page points at a page that does not exist."""
    _, site = built
    pages = {p: parse(p) for p in site.rglob("*.html")}
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), f"{path}: {link}"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path.relative_to(site)}: broken link {link}"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in pages[target].ids, f"{path.relative_to(site)}: no #{parts.fragment} in {target.relative_to(site)}"


def test_other_language_listings_mark_the_advisory(built):
    _, site = built
    en_home = (site / "en" / "index.html").read_text("utf-8")
    row = re.search(
        r'<a class="adv-title" href="\.\./ja/acme-mail-stuck/index\.html" hreflang="ja" lang="ja">([^<]*)</a> <span class="badge badge-lang">([^<]*)<',
        en_home,
    )
    assert row and row.group(1) == "送信トレイにメールが残り送信されない" and row.group(2) == "Japanese only"
    ja_home = (site / "ja" / "index.html").read_text("utf-8")
    assert re.search(
        r'href="\.\./en/acme-howto/index\.html" hreflang="en" lang="en">How to export contacts from Acme Mail</a> <span class="badge badge-lang">英語のみ<',
        ja_home,
    )
    assert "badge-lang" not in ja_home.split("acme-mail-stuck", 1)[1].split("</li>", 1)[0]  # not marked in its own language
    root = (site / "index.html").read_text("utf-8")
    assert (
        'href="ja/acme-mail-stuck/index.html" hreflang="ja" lang="ja"' in root and 'href="en/acme-howto/index.html" hreflang="en" lang="en"' in root
    )
    assert root.count("Japanese only") == 2 and root.count("英語のみ") == 1  # two ja-only advisories in the English column
    # the indexes: by vendor, product, model number (with the not-affected one) and KB id
    for kind, needle in (
        ("vendors", "v-acme"),
        ("products", "p-acme-gateway"),
        ("models", "m-agw2000x"),
        ("models", "m-agw1000x"),
        ("references", "r-kb5012345"),
    ):
        html = (site / "en" / f"{kind}.html").read_text("utf-8")
        group = html[html.index(f'id="{needle}"') :].split("</section>", 1)[0]
        assert "../ja/acme-gateway-crash/index.html" in group and "Japanese only" in group and 'lang="ja"' in group, (kind, needle)
    models = (site / "en" / "models.html").read_text("utf-8")
    na = models[models.index('id="m-agw1000x"') :].split("</section>", 1)[0]
    assert "not affected" in na and "The old firmware lacks the feature" in na  # the reason in English, from advisory.yaml


def test_no_empty_index_groups(built):
    """The English-only how-to has no vendor and no products: no empty headings anywhere."""
    _, site = built
    for lang in ("ja", "en"):
        for kind in ("vendors", "products", "models", "references"):
            page = parse(site / lang / f"{kind}.html")
            assert all(text for tag, text in page.headings), (lang, kind, page.headings)
    how_to = parse(site / "en" / EN_ONLY / "index.html")
    assert not re.search(r"<dl class=\"facts\">\s*</dl>", (site / "en" / EN_ONLY / "index.html").read_text("utf-8"))
    assert "Vendor" not in [t for _, t in how_to.headings]


def test_hreflang_switch_and_sitemap_only_to_existing_pages(built):
    _, site = built
    ja_only = parse(site / "ja" / JA_ONLY / "index.html")
    assert ja_only.alternates == {}  # no hreflang alternates for a page in one language
    assert ja_only.switch["href"] == "../../en/index.html" and "rel" not in ja_only.switch  # the English home, not an alternate
    note = re.search(r'<p class="lang-note" lang="en">([^<]*)<a href="([^"]*)"', (site / "ja" / JA_ONLY / "index.html").read_text("utf-8"))
    assert note and "Japanese only" in note.group(1) and note.group(2) == "../../en/index.html"
    en_only = parse(site / "en" / EN_ONLY / "index.html")
    assert en_only.alternates == {} and en_only.switch["href"] == "../../ja/index.html"
    both = parse(site / "en" / "fujitsu-tx200ft-ms05-018" / "index.html")
    assert both.alternates == {"ja": "../../ja/fujitsu-tx200ft-ms05-018/index.html", "en": "../../en/fujitsu-tx200ft-ms05-018/index.html"}
    assert both.switch["href"] == "../../ja/fujitsu-tx200ft-ms05-018/index.html" and both.switch["rel"] == "alternate"

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = ET.parse(site / "sitemap.xml").getroot().findall("s:url", ns)
    locs = [u.find("s:loc", ns).text for u in urls]
    hrefs = [x.get("href") for u in urls for x in u.findall("x:link", ns)]
    assert f"ja/{JA_ONLY}/index.html" in locs and f"en/{JA_ONLY}/index.html" not in locs and f"ja/{EN_ONLY}/index.html" not in locs
    assert all((site / p).is_file() for p in locs + hrefs)
    ja_only_url = next(u for u in urls if u.find("s:loc", ns).text == f"ja/{JA_ONLY}/index.html")
    assert ja_only_url.findall("x:link", ns) == []


def test_search_box_searches_in_the_pages_language(built):
    """Issue #12: the search box of an English page lands on the English results page."""
    _, site = built
    for rel, action, results in (
        ("en/index.html", "../en/index.html", "en"),
        (f"en/{EN_ONLY}/index.html", "../../en/index.html", "en"),
        ("en/models.html", "../en/index.html", "en"),
        (f"ja/{JA_ONLY}/index.html", "../../ja/index.html", "ja"),
        ("index.html", "index.html", None),  # the bilingual home: results in the query's language
    ):
        page = parse(site / rel)
        assert page.form == action, rel
        assert page.html.get("data-kb-results") == results, rel


# --- what an advisory page shows ---------------------------------------------------------------------


def test_implicit_case_without_case_header(built):
    _, site = built
    page = parse(site / "en" / EN_ONLY / "index.html")
    assert "main" in page.ids and "main--title" not in page.ids and "toc-h" not in page.ids
    html = (site / "en" / EN_ONLY / "index.html").read_text("utf-8")
    assert html.count('id="main"') == 1  # the case's anchor (#main) is the only element with that id
    assert page.headings[:3] == [("h1", "How to export contacts from Acme Mail"), ("h2", "Export steps"), ("h2", "Notes")]
    html = (site / "en" / EN_ONLY / "index.html").read_text("utf-8")
    assert '<ol start="3">' in html  # the second list goes on from step 3
    assert 'href="../../ja/acme-mail-stuck/index.html#main"' in html  # a kb: link to an advisory in Japanese only
    assert "<h1" not in html.split("</h1>", 1)[1]  # a heading inside a list is not a second page title
    assert (
        "Contacts can be exported as a CSV file" in html.split('<section class="case implicit" id="main">')[0]
    )  # the introduction, before the article


def test_sections_in_written_order(built):
    """Intro, then the case's sections as written, typed ones under the page's names for them, the
    free-form one under its own heading; the messages after the symptoms."""
    _, site = built
    page = parse(site / "ja" / JA_ONLY / "index.html")
    assert [t for _, t in page.headings] == ["送信トレイにメールが残り送信されない", "現象", "メッセージ", "背景情報", "対処"]
    assert {"main--symptoms", "main--messages", "main--背景情報", "main--resolution"} <= page.ids
    text = text_of(site / "ja" / JA_ONLY / "index.html")
    assert (
        text.index("滞留することがあります")
        < text.index("送信トレイに残ります")
        < text.index("SmtpRelayDenied")
        < text.index("クォータ超過")
        < text.index("添付ファイルを削除")
    )


def test_escaped_braces_shown_literally(built):
    _, site = built
    html = (site / "ja" / JA_ONLY / "index.html").read_text("utf-8")
    msg = re.search(r'<pre class="msg-text">(.*?)</pre>', html, re.S).group(1)
    assert msg.endswith("refused by policy ACME-77 {{tenant}}") and '<span class="slot" title="rcpt (word)">rcpt</span>' in msg
    assert "アプリケーション ログ" in html  # the kind's label (kb.content.model.MESSAGE_KINDS)


def test_assets_copied_and_linked(built):
    content, site = built
    assert (site / "assets" / JA_ONLY / "screen.png").read_bytes() == (content / JA_ONLY / "assets" / "screen.png").read_bytes()
    assert (site / "assets" / JA_ONLY / "logs" / "mail log.txt").is_file()
    assert not (site / "assets" / JA_ONLY / "outside.txt").exists()  # a symbolic link: never copied
    page = parse(site / "ja" / JA_ONLY / "index.html")
    assert page.images == [{"src": "../../assets/acme-mail-stuck/screen.png", "alt": "送信トレイの画面", "loading": "lazy"}]
    assert "../../assets/acme-mail-stuck/logs/mail%20log.txt" in page.links
    html = (site / "ja" / JA_ONLY / "index.html").read_text("utf-8")
    assert "・ リンク先の外</p>" in html and "outside" not in html  # the link to the symbolic link is shown as text
    assert re.search(r"\.prose img \{[^}]*max-width: 100%", (site / "static" / "style.css").read_text("utf-8"))


def test_assets_are_only_regular_files(tmp_path):
    content = write_mixed_content(tmp_path, bundled=False)
    (content / JA_ONLY / "assets" / "sub").mkdir()
    (content / JA_ONLY / "assets" / "sub" / "a.txt").write_text("a", "utf-8")
    (content / JA_ONLY / "assets" / "linked").symlink_to(tmp_path, target_is_directory=True)
    adv = next(a for a in load_or_raise(content) if a.id == JA_ONLY)
    assert sorted(advisory_assets(adv)) == ["logs/mail log.txt", "screen.png", "sub/a.txt"]


def test_image_alt_and_asset_links():
    md = MarkdownRenderer()
    files = {"shot one.png"}

    def asset(target: str) -> str | None:
        name = unquote(target.split("#")[0]).removeprefix("./").removeprefix("assets/")
        return f"../../assets/x/{name}" if name in files and target.lstrip("./").startswith("assets/") else None

    html = str(
        md.render(
            "![](assets/shot%20one.png) ![a](assets/missing.png) [p](../../etc/passwd)", prefix="p", used=set(), link=lambda a, c: "", asset=asset
        )
    )
    assert '<img src="../../assets/x/shot one.png" alt="shot one.png" loading="lazy" />' in html  # no alt in the source: the file name
    assert "<img" not in html.split("/>", 1)[1] and "passwd" not in html.replace("../../etc/passwd", "")


# --- step numbers (issue #12) ------------------------------------------------------------------------------


def test_steps_keep_their_numbering(built):
    """The bundled Fujitsu advisory: sub-steps that the Japanese text calls ①～⑥ are numbered ①..; the
    English text says "steps 1 to 6" and its sub-steps are 1, 2, ... (never a., b., c.)."""
    _, site = built
    ja = (site / "ja" / "fujitsu-tx200ft-ms05-018" / "index.html").read_text("utf-8")
    en = (site / "en" / "fujitsu-tx200ft-ms05-018" / "index.html").read_text("utf-8")
    assert "①～⑥の手順" in ja and "steps 1 to 6" in en
    assert ja.count('<ol class="circled">') == 3  # win2003's sub-steps; win2000's two procedures under ### headings
    assert 'class="circled"' not in en
    win2003 = ja[ja.index('id="win2003--workaround"') :]
    assert win2003.index("<ol>") < win2003.index('<ol class="circled">')  # the top-level steps stay 1., 2.
    css = (site / "static" / "style.css").read_text("utf-8")
    assert "lower-alpha" not in css and "@counter-style kb-circled" in css and ".prose ol.circled { list-style-type: kb-circled; }" in css
    gw = (site / "ja" / JA_ONLY_CASES / "index.html").read_text("utf-8")
    assert '<ol class="circled">' in gw  # "①～②の後": the nested steps are circled


def test_ordered_list_start_is_kept():
    html = str(MarkdownRenderer().render("Steps:\n\n3. three\n4. four\n", prefix="p", used=set(), link=lambda a, c: ""))
    assert '<ol start="3">' in html


# --- the browser index ---------------------------------------------------------------------------------------


def test_browser_index_numbers_documents_per_language(built, tmp_path):
    """One document per case and language the advisory is written in, as the Python index adds them."""
    content, _ = built
    base = KnowledgeBase(content, tmp_path / "index")
    base.build()
    advisories = base.advisories()
    si = search_index(advisories)
    core = json.loads(si.files["core.js"][len("KBSearch.load(") : -3])
    reader = base.searcher().index._reader
    assert core["docs"] == reader.doc_count() == sum(len(a.cases) * len(a.langs) for a in advisories)
    assert core["format"] == "kb-site-search/4"
    partial = [(a, lang_mask(a)) for a in advisories if len(a.langs) < 2]
    expected, last = [], 0
    for n, a in enumerate(advisories):
        if len(a.langs) < 2:
            expected += [n - last, lang_mask(a)]
            last = n
    assert core["partial_langs"] == varints(expected) and len(partial) == 3
    docs: dict[str, dict[int, dict | None]] = {"ja": {}, "en": {}}  # lang -> case position -> record
    for rel, text in si.files.items():
        if rel.startswith("d/"):
            _, lang, name = rel.split("/")
            group = int(name[: -len(".js")])
            for k, record in enumerate(json.loads(text[text.index("[") : -3])):
                docs[lang][group * core["doc_group"] + k] = record
    cases = [(a, c) for a in advisories for c in a.cases]
    for lang in ("ja", "en"):
        # a file of only cases of advisories not written in the language is not written at all
        got = [((docs[lang].get(n) or {}).get("a"), (docs[lang].get(n) or {}).get("id")) for n in range(len(cases))]
        assert got == [(a.id, c.id) if lang in a.langs else (None, None) for a, c in cases]
    assert [r["title"] for r in docs["en"].values() if r and r["a"] == EN_ONLY] == [
        "How to export contacts from Acme Mail"
    ]  # an implicit case: the advisory's title
    base.close()
