"""Static-site search in headless Chromium: what a first search costs, and whether it answers like Python.

    .venv/bin/python bench/bench_site.py [--n 1000 --n 10000] [--work bench/out/site] [--reuse]
                                         [--results bench/RESULTS-site.md]

Corpora: the bundled content, and the bundled content plus N synthetic advisories (tools/synthetic.py,
seed 0) for each ``--n``. Each gets a Python index and a site under ``--work`` (``bundled/``,
``synthetic-N/{content,index,site}``: the layout of bench/site_lexicon.py, so ``--work
bench/out/lexicon`` shares its corpora). ``--reuse`` keeps a corpus already there, brings its index up
to date (``KnowledgeBase.ensure_index``) and keeps its site only when it was built by this script from
the same content and the same kb/ code (``site.stamp``). Then, in headless Chromium from ``file://``,
for every query of tests/relevance/queries.yaml on the English and on the Japanese results page
(``en/index.html?q=…``, ``ja/index.html?q=…``: results come in the page's language):

* **bytes**: a fresh browser context (cold cache) opens the results page; every file it loads (the
  page, CSS, kbsearch.js, search/core.js and the lexicon shards, term shards, lists, lengths and
  texts the query needs) is counted at its gzipped size (level 6, what a web server would send);
* **first search**: the time the page took from starting the search to showing the results, loading
  the index files included (``data-kb-ms`` on ``#kb-results``);
* **warm search**: the same query again in that page, everything loaded (``KBSearch.search`` with
  the page's language, median of 3: ranking only);
* **agreement**: the first hit the page shows (advisory and case, and its label) against
  ``KnowledgeBase.search(q, lang=<page language>)`` on the same corpus (MeCab), and every hit of the
  warm search (advisory, case, label) against Python's list.

Writes ``--results`` (bench/RESULTS-site.md) with the commit and the machine's load, and, with the
default ``--results``, keeps the figures README shows in ``bench/measured.json`` (``site``), whose
README section it writes again (``bench/measured.py``). Not a test.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import measured  # noqa: E402

from kb.api import KnowledgeBase  # noqa: E402
from kb.browser.index import cjk_runs  # noqa: E402
from kb.freshness import content_fingerprint  # noqa: E402
from kb.search.index import IndexUnavailable  # noqa: E402
from kb.site.pages import write_site  # noqa: E402
from tools.synthetic import bundled_plus_synthetic  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
QUERIES = ROOT / "tests" / "relevance" / "queries.yaml"
RESULTS = ROOT / "bench" / "RESULTS-site.md"
PAGE_LANGS = {"en": "English", "ja": "Japanese"}  # the results pages measured, <lang>/index.html
SMALL_BUDGET = 100_000  # bytes gzipped, every first search on the bundled content (tests/test_browser.py)
LARGE_BUDGET = 300_000  # bytes gzipped, the p95 of first searches at 10,000 advisories (docs/SITE.md)
LARGE = 10_000  # advisories from which LARGE_BUDGET applies

# The same search again in the loaded page (the page's language): median time of 3, and the hits.
WARM_JS = """async ([q, lang]) => {
    const times = []; let hits = [];
    for (let k = 0; k < 3; k++) { const t = performance.now(); hits = await KBSearch.search(q, {lang}); times.push(performance.now() - t); }
    times.sort((a, b) => a - b);
    return [times[1], hits.map(h => [h.id, h.case, h.confidence])];
}"""
SHOWN_JS = "els => els.map(e => [e.dataset.kbId, e.dataset.kbCase, e.dataset.kbConfidence])"


def kb_s(n: float) -> str:
    return f"{n / 1e3:.1f} KB"


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank."""
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def gz_size(path: Path, cache: dict[Path, int]) -> int:
    if path not in cache:
        cache[path] = len(gzip.compress(path.read_bytes(), 6, mtime=0))
    return cache[path]


def code_state() -> str:
    """The commit, and the files of kb/ that differ from it (what the sites and indexes were built with)."""
    changed = measured.changed_in_kb()
    return f"`{measured.head()}`" + (f" with uncommitted changes in {', '.join(changed)}" if changed else " (kb/ as committed)")


# --- corpora ----------------------------------------------------------------------------------------------


def code_digest() -> str:
    """A hash of everything under kb/ (code, script, templates): a site is reused only when it is unchanged."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "kb").rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(ROOT)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def prepare(label: str, content: Path, work: Path, reuse: bool) -> dict:
    """The Python index and the site of ``content`` under ``work``: built, or reused when current."""
    info: dict = {"label": label, "content": content, "site": work / "site"}
    base = KnowledgeBase(content, work / "index")
    if not reuse:
        shutil.rmtree(work / "index", ignore_errors=True)
    t0 = time.perf_counter()
    if base.is_stale():
        base.build()
        info["index_s"] = time.perf_counter() - t0
    try:
        base.searcher()
    except IndexUnavailable:  # reused, but written by another version of kb.search.index
        base.build(full=True)
        info["index_s"] = time.perf_counter() - t0
    advisories = base.advisories()
    info["advisories"] = len(advisories)
    stamp = work / "site.stamp"
    wanted = f"{code_digest()} {content_fingerprint(content)}"
    current = (info["site"] / "search" / "core.js").exists() and stamp.exists() and stamp.read_text("utf-8") == wanted
    if not (reuse and current):  # else: built by this script from the same content and code
        stamp.unlink(missing_ok=True)
        t0 = time.perf_counter()
        write_site(advisories, info["site"], index=base.searcher().index)  # (its search made from the build, as kb build does)
        info["site_s"] = time.perf_counter() - t0
        stamp.write_text(wanted, "utf-8")
    info["base"] = base
    return info


def site_facts(site: Path) -> dict:
    files = list((site / "search").rglob("*.js"))
    core = site / "search" / "core.js"
    lexicon = list((site / "search" / "j").glob("*.js"))
    return {
        "files": len(files),
        "raw_mb": sum(p.stat().st_size for p in files) / 1e6,
        "pages": sum(1 for _ in site.rglob("*.html")),
        "core_gz": len(gzip.compress(core.read_bytes(), 6, mtime=0)),
        "lexicon_gz": sum(len(gzip.compress(p.read_bytes(), 6, mtime=0)) for p in lexicon),
        "format": json.loads(core.read_text("utf-8")[len("KBSearch.load(") : -3])["format"],
    }


# --- measuring --------------------------------------------------------------------------------------------


def measure(browser, site: Path, lang: str, queries: list[str]) -> list[dict]:
    """Every query on the ``lang`` results page, each in a fresh browser context."""
    cache: dict[Path, int] = {}
    rows = []
    for q in queries:
        context = browser.new_context()
        page = context.new_page()
        urls: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: urls.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((site / lang / "index.html").as_uri() + "?q=" + quote(q))
        page.wait_for_selector("#kb-results[data-kb-done]", state="attached", timeout=120_000)
        if page.locator("#kb-results .kb-error").count():
            errors.append(page.inner_text("#kb-results .kb-error"))
        first_ms = float(page.get_attribute("#kb-results", "data-kb-ms") or "nan")
        shown = [tuple(h) for h in page.eval_on_selector_all("#kb-results [data-kb-id]", SHOWN_JS)]
        warm_ms, hits = page.evaluate(WARM_JS, [q, lang])
        context.close()
        files = {Path(unquote(urlsplit(u).path)) for u in urls if u.startswith("file:")}
        index_files = [f for f in files if (site / "search") in f.parents]
        rows.append(
            {
                "q": q,
                "japanese": bool(cjk_runs(q)),
                "bytes": sum(gz_size(f, cache) for f in files),
                "files": len(index_files),
                "first_ms": first_ms,
                "warm_ms": warm_ms,
                "shown": shown,
                "hits": [tuple(h) for h in hits],
                "errors": errors,
                "load": os.getloadavg()[0],
            }
        )
    return rows


def compare(base: KnowledgeBase, lang: str, rows: list[dict]) -> None:
    """Python's answers beside the browser's, in each row: ``python`` (advisory, case, label) per hit."""
    for r in rows:
        r["python"] = [(h.id, h.case, h.confidence) for h in base.search(r["q"], lang=lang)]
        r["same_first"] = (r["shown"][:1] or [None])[0] == (r["python"][:1] or [None])[0]
        r["same_case"] = [h[:2] for h in r["shown"][:1]] == [h[:2] for h in r["python"][:1]]
        r["same_all"] = r["hits"] == r["python"]


# --- the report -------------------------------------------------------------------------------------------


def dist(values: list[float]) -> str:
    return f"{statistics.median(values) / 1e3:.1f} / {pct(values, 95) / 1e3:.1f} / {max(values) / 1e3:.1f} KB"


def ms(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} / {pct(values, 95):.{digits}f}"


def hit(h: tuple | None) -> str:
    return f"{h[0]}#{h[1]} ({h[2]})" if h else "–"


def budget_lines(results: list[tuple[dict, dict, dict]]) -> list[str]:
    lines = []
    for info, _facts, pages in results:
        for lang, rows in pages.items():
            where = f"{info['label']}, {PAGE_LANGS[lang]} page"
            values = [r["bytes"] for r in rows]
            if info["advisories"] >= LARGE:
                over = [r for r in rows if r["bytes"] > LARGE_BUDGET]
                verdict = "met" if pct(values, 95) <= LARGE_BUDGET else "**not met**"
                lines.append(
                    f"- {where}: p95 {kb_s(pct(values, 95))} against {kb_s(LARGE_BUDGET)}: {verdict}; "
                    f"{len(over)} of {len(rows)} first searches over it ({sum(r['japanese'] for r in over)} of them Japanese)"
                )
            elif info["label"] == "bundled":
                verdict = "met" if max(values) <= SMALL_BUDGET else "**not met**"
                lines.append(f"- {where}: max {kb_s(max(values))} against {kb_s(SMALL_BUDGET)}: {verdict}")
    return lines


def report(results: list[tuple[dict, dict, dict]], queries: list[dict], state: str, command: str) -> str:
    n = len(queries)
    negatives = sum(1 for q in queries if q.get("negative"))
    japanese = sum(1 for q in queries if cjk_runs(q["q"]))
    lines = [
        "# Static site: search in the browser (headless Chromium)",
        "",
        f"Produced by `{command}` at commit {state}; headless Chromium, `file://`; machine: "
        f"{os.cpu_count()} cores, shared (the 1-minute load average while measuring is in the tables). "
        f"Queries: the {n} queries of `tests/relevance/queries.yaml` ({negatives} of them negatives, {japanese} with Japanese text), "
        "each on the English and on the Japanese results page (`en/index.html?q=…`, `ja/index.html?q=…`: the results "
        "come in the page's language). Corpora: the bundled content, and the bundled content plus synthetic advisories "
        "(`tools/synthetic.py`, seed 0).",
        "",
        "## Corpora",
        "",
        "*Build s*: the Python index (`KnowledgeBase.build`) and the site (`write_site`), when this run built them.",
        "",
        "| corpus | advisories | pages | `search/` files (raw) | core.js gz | lexicon `j/` gz | index format | build s: index / site |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for info, f, _pages in results:
        index_s = f"{info['index_s']:.0f}" if "index_s" in info else "(reused)"
        site_s = f"{info['site_s']:.0f}" if "site_s" in info else "(reused)"
        lines.append(
            f"| {info['label']} | {info['advisories']:,} | {f['pages']:,} | {f['files']:,} ({f['raw_mb']:.1f} MB) | {kb_s(f['core_gz'])} "
            f"| {kb_s(f['lexicon_gz'])} | `{f['format']}` | {index_s} / {site_s} |"
        )
    lines += [
        "",
        "## First search and warm latency",
        "",
        "*Bytes*: everything a first search loads in a fresh browser context (the page, CSS, `kbsearch.js`, "
        "`search/core.js`, and the lexicon shards, term shards, lists, lengths and texts the query needs), each file "
        "gzipped (level 6). *First search*: from starting the search to the results shown, loading the index files "
        "included. *Warm*: the same query again with everything loaded (`KBSearch.search`, median of 3). *Load*: "
        "the 1-minute load average after each query, median / max.",
        "",
        "| corpus | results page | first-search bytes gz: median / p95 / max | `search/` files loaded: median / max "
        "| first search ms: median / p95 | warm ms: median / p95 | load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for info, _f, pages in results:
        for lang, rows in pages.items():
            files = [r["files"] for r in rows]
            loads = [r["load"] for r in rows]
            lines.append(
                f"| {info['label']} | {PAGE_LANGS[lang]} | {dist([r['bytes'] for r in rows])} "
                f"| {statistics.median(files):.0f} / {max(files)} | {ms([r['first_ms'] for r in rows], 0)} "
                f"| {ms([r['warm_ms'] for r in rows], 1)} | {statistics.median(loads):.1f} / {max(loads):.1f} |"
            )
    lines += [
        "",
        f"Budgets: every first search within {kb_s(SMALL_BUDGET)} gzipped on the bundled content; "
        f"the p95 within {kb_s(LARGE_BUDGET)} at {LARGE:,} advisories.",
        "",
        *budget_lines(results),
        "",
        "## Agreement with the Python API",
        "",
        "The first hit the results page shows against `KnowledgeBase.search(q, lang=<the page's language>)` on the "
        "same corpus (MeCab): the same advisory and case / and the same label too; split into queries with Japanese "
        "text (the browser cuts them with the site's lexicon where Python runs MeCab: docs/PARITY.md) and the others. "
        "*Every hit*: the whole list (advisory, case, label, in order) of `KBSearch.search` equals Python's.",
        "",
        "| corpus | results page | same first advisory and case / and label | Japanese queries | other queries | every hit |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for info, _f, pages in results:
        for lang, rows in pages.items():
            ja = [r for r in rows if r["japanese"]]
            other = [r for r in rows if not r["japanese"]]
            lines.append(
                f"| {info['label']} | {PAGE_LANGS[lang]} | {sum(r['same_case'] for r in rows)} / {sum(r['same_first'] for r in rows)} of {len(rows)} "
                f"| {sum(r['same_case'] for r in ja)}/{len(ja)} | {sum(r['same_case'] for r in other)}/{len(other)} "
                f"| {sum(r['same_all'] for r in rows)}/{len(rows)} |"
            )
    for info, _f, pages in results:
        differ = [(lang, r) for lang, rows in pages.items() for r in rows if not r["same_all"]]
        if differ:
            lines += ["", f"Where the lists differ ({info['label']}): the first rank where they part, and the hits there.", ""]
            lines += ["| results page | query | Japanese | rank | Python | browser |", "| --- | --- | --- | ---: | --- | --- |"]
            for lang, r in differ:
                k = next((k for k, (a, b) in enumerate(zip(r["python"], r["hits"])) if a != b), min(len(r["python"]), len(r["hits"])))
                at = lambda hits: hit(hits[k] if k < len(hits) else None)  # noqa: E731
                lines.append(
                    f"| {PAGE_LANGS[lang]} | {query_cell(r['q'])} | {'yes' if r['japanese'] else 'no'} | {k + 1} | {at(r['python'])} | {at(r['hits'])} |"
                )
    lines.append("")
    for info, _f, pages in results:
        rows = [(lang, r) for lang, page_rows in pages.items() for r in page_rows]
        lines += [
            f"## Heaviest first searches: {info['label']}",
            "",
            "| results page | query | bytes gz | `search/` files | first ms | hits |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for lang, r in sorted(rows, key=lambda lr: -lr[1]["bytes"])[:5]:
            lines.append(
                f"| {PAGE_LANGS[lang]} | {query_cell(r['q'])} | {kb_s(r['bytes'])} | {r['files']} | {r['first_ms']:.0f} | {len(r['shown'])} |"
            )
        errors = [e for _lang, r in rows for e in r["errors"]]
        lines += ["", f"Console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""), ""]
    return "\n".join(lines)


def query_cell(q: str) -> str:
    q = q.replace("\n", " ").replace("|", "\\|")
    return f"`{q[:70]}{'…' if len(q) > 70 else ''}`"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, action="append", help="synthetic advisories added to the bundled content (repeatable; default: 1000 and 10000)")
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "site", help="where the corpora, indexes and sites go")
    p.add_argument("--reuse", action="store_true", help="reuse the corpora, indexes and sites already under --work when current")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    sizes = args.n if args.n is not None else [1_000, 10_000]
    args.work = args.work.absolute()  # file:// URLs need absolute paths
    args.work.mkdir(parents=True, exist_ok=True)
    queries = yaml.safe_load(QUERIES.read_text("utf-8"))
    texts = [q["q"] for q in queries]
    state = code_state()
    command = " ".join([".venv/bin/python bench/bench_site.py", *(sys.argv[1:] if argv is None else argv)])

    corpora = [prepare("bundled", ROOT / "content", args.work / "bundled", args.reuse)]
    print(f"{corpora[-1]['label']}: ready", flush=True)
    for n in [n for n in sizes if n]:  # --n 0: the bundled content only
        work = args.work / f"synthetic-{n}"
        corpora.append(prepare(f"bundled + {n:,} synthetic", bundled_plus_synthetic(work / "content", n, args.reuse), work, args.reuse))
        print(f"{corpora[-1]['label']}: ready", {k: v for k, v in corpora[-1].items() if k.endswith("_s")}, flush=True)

    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for info in corpora:
            pages = {}
            for lang in PAGE_LANGS:
                pages[lang] = measure(browser, info["site"], lang, texts)
                compare(info["base"], lang, pages[lang])
                rows = pages[lang]
                print(
                    f"{info['label']}, {lang}: bytes {dist([r['bytes'] for r in rows])}, warm {ms([r['warm_ms'] for r in rows], 1)} ms, "
                    f"same first {sum(r['same_case'] for r in rows)}/{len(rows)}",
                    flush=True,
                )
            results.append((info, site_facts(info["site"]), pages))
            info["base"].close()
        browser.close()
    if code_state() != state:
        print(f"warning: kb/ changed during the run ({state} -> {code_state()})", file=sys.stderr)
    rows_file = args.work / "bench-site-rows.json"  # every measurement, for a closer look
    rows_file.write_text(json.dumps({info["label"]: pages for info, _f, pages in results}, ensure_ascii=False, indent=1), "utf-8")
    text = report(results, queries, state, command)
    args.results.write_text(text, "utf-8")
    print(text)
    if args.results == RESULTS:
        measured.record("site", summary(results, len(queries)))
    return 0


def summary(results: list[tuple[dict, dict, dict]], queries: int) -> dict:
    """The figures README shows: per corpus and results page, first-search bytes (median, p95, max),
    first search and warm ms (median, p95), agreement with Python, and the budget that applies."""
    corpora = []
    for info, _facts, pages in results:
        out = {}
        for lang, rows in pages.items():
            values = [r["bytes"] for r in rows]
            budget, over = None, 0
            if info["advisories"] >= LARGE:
                budget = ("p95", LARGE_BUDGET, pct(values, 95) <= LARGE_BUDGET)
                over = sum(v > LARGE_BUDGET for v in values)
            elif info["label"] == "bundled":
                budget = ("every one", SMALL_BUDGET, max(values) <= SMALL_BUDGET)
                over = sum(v > SMALL_BUDGET for v in values)
            out[PAGE_LANGS[lang]] = {
                "n": len(rows),
                "bytes": [statistics.median(values), pct(values, 95), max(values)],
                "first_ms": [statistics.median(r["first_ms"] for r in rows), pct([r["first_ms"] for r in rows], 95)],
                "warm_ms": [statistics.median(r["warm_ms"] for r in rows), pct([r["warm_ms"] for r in rows], 95)],
                "same_case": sum(r["same_case"] for r in rows),
                "same_all": sum(r["same_all"] for r in rows),
                "budget": budget,
                "over": over,
            }
        corpora.append({"label": info["label"], "advisories": info["advisories"], "pages": out})
    return {"commit": measured.commit(), "queries": queries, "corpora": corpora}


if __name__ == "__main__":
    raise SystemExit(main())
