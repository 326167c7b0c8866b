"""The static site (kb.site.pages, kb.browser.index) without a browser: pages, links, escaping, the atomic swap, and the
browser index's agreement with the Python analysis and the Whoosh index.

The browser itself is exercised in tests/test_browser.py.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from itertools import accumulate
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kb.api import KnowledgeBase
from kb.browser.index import _B64, LENGTH_ALPHABET, VECTORS_PATH, quantized_length, search_index, term_hash, vector
from kb.content.load import load_or_raise
from kb.site.pages import default_site_dir, write_site
from kb.text import analysis

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the repository

CONTENT = PROJECT_ROOT / "content"
ADVISORIES = sorted(p.name for p in CONTENT.iterdir() if p.is_dir())
JS = (PROJECT_ROOT / "kb" / "static" / "kbsearch.js").read_text("utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return write_site(load_or_raise(CONTENT), tmp_path_factory.mktemp("site") / "site")


class _Page(HTMLParser):
    """Ids, links and a few head facts of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.alternates: dict[str, str] = {}
        self.lang = ""
        self.viewport = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "meta" and a.get("name") == "viewport":
            self.viewport = True
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a["href"]
        if tag == "script":
            self.scripts.append(a.get("src", ""))
        for name in ("href", "src", "action"):
            if a.get(name):
                self.links.append(a[name])


def parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text("utf-8"))
    return p


# --- test vectors: the Python side still produces kb/static/vectors.json ---------------------


def test_vectors_are_current():
    vectors = json.loads(VECTORS_PATH.read_text("utf-8"))
    assert len(vectors) >= 40
    stale = [v["input"] for v in vectors if vector(v["input"]) != v]
    assert not stale, f"kb/static/vectors.json is stale for {stale[:3]}: run `python -m kb.site.pages vectors`, then tests/test_browser.py"


def test_js_tables_match_python():
    """Word lists and tables that kbsearch.js copies from kb/text/analysis.py."""
    stop = re.search(r"STOP_WORDS = new Set\(`([^`]*)`", JS).group(1).split()
    assert set(stop) == set(analysis.STOP_WORDS)
    ext = re.search(r'const FILE_EXT = "([^"]*)"', JS).group(1)
    assert ext == analysis._FILE_EXT
    fold = dict(re.findall(r'"(.)": ("\\\\"|"[^"]*"|\'[^\']*\')', JS[JS.index("const FOLD") : JS.index("const KATA")]))
    python_fold = {chr(k): v for k, v in analysis._FOLD.items()}
    assert {k: json.loads(v) if v.startswith('"') else v.strip("'") for k, v in fold.items()} == python_fold


def test_term_hash_and_lengths():
    assert term_hash("") == 0x811C9DC5
    assert term_hash("a") == 0xE40C292C  # FNV-1a of one code unit 0x61
    from whoosh.util.numeric import byte_to_length, length_to_byte

    for n in list(range(1, 3000)) + [10_000, 50_000, 106_373, 106_374, 200_000]:
        assert quantized_length(n) == byte_to_length(length_to_byte(n)), n


# --- pages -----------------------------------------------------------------------------------


def test_pages_exist(site: Path):
    for rel in ("index.html", "sitemap.xml", "opensearch.xml", "static/style.css", "static/kbsearch.js", "search/core.js"):
        assert (site / rel).is_file(), rel
    for lang in ("ja", "en"):
        for kind in ("index", "vendors", "products", "models", "references"):
            assert (site / lang / f"{kind}.html").is_file()
        for adv in ADVISORIES:
            assert (site / lang / adv / "index.html").is_file()


def test_advisory_pages(site: Path):
    for adv in load_or_raise(CONTENT):
        for lang, other in (("ja", "en"), ("en", "ja")):
            page = parse(site / lang / adv.id / "index.html")
            assert page.lang == lang and page.viewport
            assert set(adv.case_ids) <= page.ids  # an anchor per case
            assert page.alternates == {"ja": f"../../ja/{adv.id}/index.html", "en": f"../../en/{adv.id}/index.html"}
            assert f"../../{other}/{adv.id}/index.html" in page.links  # the language switch
            assert any(s.endswith("static/kbsearch.js") for s in page.scripts)
    html = (site / "ja" / "fujitsu-tx200ft-ms05-018" / "index.html").read_text("utf-8")
    assert 'class="slot"' in html and "PGT20146F2" in html and "MtcScp" in html
    assert 'id="win2003--' in html  # headings and sections are prefixed per case
    assert "ＰＧＴ" not in html


def test_every_link_is_relative_and_resolves(site: Path):
    """No absolute or root-relative internal links; every internal link and #fragment exists."""
    pages = {p: parse(p) for p in site.rglob("*.html")}
    assert len(pages) >= 2 + 2 * len(ADVISORIES) + 8
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), f"{path}: {link}"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path.relative_to(site)}: broken link {link}"
            assert not (parts.path.endswith("/")), f"{path}: directory link {link} does not open index.html from file://"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in pages[target].ids, f"{path.relative_to(site)}: no #{parts.fragment} in {target.relative_to(site)}"


def test_indexes(site: Path):
    models = (site / "en" / "models.html").read_text("utf-8")
    assert "PGT20146F2" in models and "fujitsu-tx200ft-ms05-018/index.html#win2003" in models
    na = models[models.index(">PRIMERGY TX150FT S2<") :]
    assert "not affected" in na[:2000] and "emergency fix module is already applied" in na[:2000]
    refs = (site / "ja" / "references.html").read_text("utf-8")
    assert "MS05-018" in refs and "KB890859" in refs
    assert "Trend Micro" in (site / "en" / "vendors.html").read_text("utf-8")
    assert "ServerProtect for Windows" in (site / "ja" / "products.html").read_text("utf-8")


def test_sitemap_and_opensearch(site: Path):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(site / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert "index.html" in locs and f"en/{ADVISORIES[0]}/index.html" in locs
    url = ET.parse(site / "opensearch.xml").getroot().find("{http://a9.com/-/spec/opensearch/1.1/}Url")
    assert url.get("template") == "index.html?q={searchTerms}"


def test_html_in_content_is_shown_as_text(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content, ignore=shutil.ignore_patterns("README.md"))
    md = content / "trendmicro-tmcm-tmi-not-ready" / "en.md"
    text = md.read_text("utf-8").replace("title: ", "title: <b>bold</b> ", 1)
    text += '\n<script>window.__xss = 1</script> <img src=x onerror="window.__xss=1">\n\nSee [the other one](kb:fujitsu-tx200ft-ms05-018#win2000).\n'
    md.write_text(text, "utf-8")
    out = write_site(load_or_raise(content), tmp_path / "site")
    html = (out / "en" / "trendmicro-tmcm-tmi-not-ready" / "index.html").read_text("utf-8")
    assert "<script>window" not in html and "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="../../en/fujitsu-tx200ft-ms05-018/index.html#win2000"' in html
    # the search index is data for JSON.parse-like consumption: the text is there, as a string
    assert "window.__xss = 1" in "".join(p.read_text("utf-8") for p in (out / "search" / "d").rglob("*.js"))


# --- building and swapping -------------------------------------------------------------------


def test_failed_build_leaves_previous_site(tmp_path: Path, monkeypatch):
    out = tmp_path / "site"
    write_site(load_or_raise(CONTENT), out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    import kb.site.pages

    def boom(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(kb.site.pages, "search_index", boom)
    with pytest.raises(RuntimeError):
        write_site(load_or_raise(CONTENT), out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folders left behind


def test_rebuild_replaces_site(tmp_path: Path):
    out = tmp_path / "site"
    write_site(load_or_raise(CONTENT), out)
    (out / "stale.html").write_text("old", "utf-8")
    write_site(load_or_raise(CONTENT), out)
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_default_site_dir(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("KB_SITE", str(tmp_path / "x"))
    assert default_site_dir() == tmp_path / "x"
    monkeypatch.delenv("KB_SITE")
    assert default_site_dir() == Path("site")  # in the working directory


def test_cli_site(tmp_path: Path, capsys):
    from kb.cli import main

    assert main(["--content", str(CONTENT), "--index", str(tmp_path / "index"), "site", "--site", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "index.html").is_file()
    assert "index.html" in capsys.readouterr().out


# --- the browser's index -----------------------------------------------------------------------


def test_browser_index_matches_whoosh(tmp_path: Path):
    """Document count, average field lengths, document frequencies and (quantized) field lengths as
    Whoosh's BM25F sees them: the browser's BM25F numbers come from these."""
    base = KnowledgeBase(CONTENT, tmp_path / "index")
    base.build()
    index = base.searcher().index
    reader = index._reader
    si = search_index(base.advisories())
    core = json.loads(si.files["core.js"][len("KBSearch.load(") : -3])
    assert core["docs"] == reader.doc_count()
    for name, (code, _boost) in core["fields"].items():
        assert core["avgfl"][name] == pytest.approx(reader.field_length(name) / reader.doc_count())
    shards = {int(k[2:-3]): json.loads(v[v.index(",") + 1 : -3]) for k, v in si.files.items() if k.startswith("t/")}
    checked = 0
    for term in ("server", "coserver", "起動", "tmcm", "kb890859", "pgt20146f2", "errcode=-107", "patch"):
        entry = shards[term_hash(term) % core["shards"]].get(term, {})
        for name, (code, _boost) in core["fields"].items():
            postings = entry.get(code, [])
            assert len(postings) // 3 == reader.doc_frequency(name, term), (name, term)
            doc = 0
            for i in range(0, len(postings), 3):
                doc += postings[i]
                assert postings[i + 2] == reader.doc_field_length(doc, name), (name, term, doc)
                checked += 1
    assert checked > 20
    base.close()


def _decode_varints(s: str) -> list[int]:
    out, acc = [], 0
    for ch in s:
        v = _B64.index(ch)
        acc = acc * 32 + (v & 31)
        if v < 32:
            out.append(acc)
            acc = 0
    return out


def _decode_lengths(s: str, ranks: list[int]) -> list[int]:
    out, i, esc = [], 0, len(LENGTH_ALPHABET) - 1
    while i < len(s):
        k = LENGTH_ALPHABET.index(s[i])
        if k == esc:
            i += 1
            k = ord(s[i]) - 0xC0
        out.append(ranks[k])
        i += 1
    return out


def _segment_docs(core: dict) -> list[list[int]]:
    """The documents of each segment, in order, as kbsearch.js's load() numbers them from the core: an
    advisory's documents are case by case, language by language; those of an advisory written in every
    language are in their language's segment, the others' in the last one."""
    n_langs = len(core["langs"])
    full = (1 << n_langs) - 1
    masks = [full] * len(_decode_varints(core["cases"]))
    partial, adv = _decode_varints(core["partial_langs"]), 0
    for k in range(0, len(partial), 2):
        adv += partial[k]
        masks[adv] = partial[k + 1]
    segs: list[list[int]] = [[] for _ in range(n_langs + 1)]
    doc = 0
    for adv, n_cases in enumerate(_decode_varints(core["cases"])):
        for _case in range(n_cases):
            for lang in range(n_langs):
                if masks[adv] >> lang & 1:
                    segs[lang if masks[adv] == full else n_langs].append(doc)
                    doc += 1
    assert doc == core["docs"]
    return segs


def _check_long_lists(advisories: list) -> dict[str, int]:
    """Every posting list stored apart in parts by segment (x/: each part's documents numbered among its
    segment's, and tf; identical parts once) decodes to the postings the shards hold inline (which
    test_browser_index_matches_whoosh checks against Whoosh), and a part's own lengths (y/) equal its
    segment's length table (l/<field>/<segment>) at its documents: the browser may read either."""
    inline = search_index(advisories)  # the bundled content's lists are all short: in the shards, as Whoosh has them
    si = search_index(advisories, large_df=1, table_df=3)
    core = json.loads(si.files["core.js"][len("KBSearch.load(") : -3])
    assert core["format"] == "kb-site-search/4"
    args = lambda files, rel: json.loads(files[rel][files[rel].index(",") + 1 : -3])  # noqa: E731
    seg_docs = _segment_docs(core)
    tables = {}
    for code, _ in core["fields"].values():
        for seg, docs in enumerate(seg_docs):
            rel = f"l/{code}/{seg}.js"
            assert (rel in si.files) == bool(docs) and (core["length_table_sizes"][code][seg] > 0) == bool(docs)
            if docs:
                assert si.files[rel].startswith(f'KBSearch.addLengths("{code}",{seg},')
                chars = json.loads(si.files[rel][si.files[rel].rindex(",") + 1 : -3])
                tables[code, seg] = dict(zip(docs, _decode_lengths(chars, core["length_ranks"][code]), strict=True))
    inline_core = json.loads(inline.files["core.js"][len("KBSearch.load(") : -3])
    inline_shards = [args(inline.files, f"t/{n}.js") for n in range(inline_core["shards"])]
    shards = [args(si.files, f"t/{n}.js") for n in range(core["shards"])]
    files: dict[int, int] = {}
    counts = {"checked": 0, "own": 0, "parts": 0, "split": 0, "partial": 0}
    for shard in shards:
        for term, entry in shard.items():
            expected_entry = inline_shards[term_hash(term) % inline_core["shards"]][term]
            for code, _boost in core["fields"].values():
                raw = entry.get(code)
                if raw is None:
                    continue
                assert isinstance(raw, dict), (term, code)  # large_df=1: every list apart
                postings = []
                assert [part[0] for part in raw["p"]] == sorted({part[0] for part in raw["p"]})  # one part per segment, in order
                for part in raw["p"]:
                    seg, x = part[0], part[1]
                    body = args(si.files, f"x/{x}.js")
                    files[x] = files.get(x, 0) + 1
                    if "m" in body:
                        bits = base64.b64decode(body["m"])
                        assert len(bits) == (len(seg_docs[seg]) + 7) // 8
                        docs = [i * 8 + b for i in range(len(bits)) for b in range(8) if bits[i] >> b & 1]
                    else:
                        docs = list(accumulate(_decode_varints(body["d"])))
                    docs = [seg_docs[seg][d] for d in docs]
                    tfs = [f + 1 for f in _decode_varints(body["f"])]
                    lengths = [tables[code, seg][d] for d in docs]
                    if len(part) > 2:
                        assert len(docs) < 3 and _decode_lengths(args(si.files, f"y/{part[2]}.js"), core["length_ranks"][code]) == lengths
                        assert part[3] == len(gzip.compress(si.files[f"y/{part[2]}.js"].encode(), 6, mtime=0))
                        counts["own"] += 1
                    else:
                        assert len(docs) >= 3
                    postings += zip(docs, tfs, [core["length_table"][b] for b in lengths], strict=True)
                    counts["parts"] += 1
                    counts["partial"] += seg == len(core["langs"])
                counts["split"] += len(raw["p"]) > 1
                flat = expected_entry[code]  # [doc gap, tf, length, ...]
                expected = list(zip(accumulate(flat[0::3]), flat[1::3], flat[2::3], strict=True))
                assert raw["n"] == len(postings) and sorted(postings) == expected, (term, code)
                counts["checked"] += 1
    assert counts["checked"] > 500 and counts["own"] and counts["split"] and max(files.values()) > 1  # some parts are shared
    return counts


def test_long_posting_lists_decode_to_the_short_ones():
    """On the bundled content (every advisory in both languages): parts in the language segments."""
    counts = _check_long_lists(load_or_raise(CONTENT))
    assert counts["partial"] == 0


def test_long_posting_lists_decode_to_the_short_ones_mixed(tmp_path):
    """With advisories in one language only (tests/parity/mixed.py): their documents are the last segment's."""
    from tests.parity.mixed import write_mixed_content

    counts = _check_long_lists(load_or_raise(write_mixed_content(tmp_path)))
    assert counts["partial"] > 0


def test_bundled_search_index_is_small(site: Path):
    """Everything a first search can load on the bundled content stays under 100 KB gzipped."""
    total = sum(
        len(gzip.compress(p.read_bytes(), 9))
        for p in [*(site / "search").rglob("*.js"), site / "static" / "kbsearch.js", site / "static" / "style.css", site / "index.html"]
    )
    assert total <= 100_000, total
