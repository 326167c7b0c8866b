"""Static-site search benchmark: what a first search costs in the browser.

    .venv/bin/python bench/bench_site.py [--n 10000] [--reuse] [--out bench/out]

Builds the site for the bundled content, and for the bundled content plus N synthetic advisories
(``kb.synthetic.write_corpus``), under ``bench/out/``. Then, in headless Chromium, for every query of
``tests/relevance/queries.yaml``:

* **bytes**: a fresh browser context (cold cache) opens ``en/index.html?q=...``; every file it
  loads (page, CSS, kbsearch.js, search/core.js and the shards and groups the query needs) is
  counted at its gzipped size (level 6, what a web server would send);
* **first search**: the time the page took from starting the search to showing the results,
  loading the index files included (``data-kb-ms`` on ``#kb-results``);
* **warm search**: the same query again in that page, everything loaded (ranking only).

Writes ``bench/RESULTS-site.md``.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.content.load import load_or_raise  # noqa: E402
from kb.site.pages import write_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
QUERIES = ROOT / "tests" / "relevance" / "queries.yaml"
RESULTS = ROOT / "bench" / "RESULTS-site.md"
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def gz(path: Path, cache: dict[Path, int]) -> int:
    if path not in cache:
        cache[path] = len(gzip.compress(path.read_bytes(), 6))
    return cache[path]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def build(label: str, content: Path, out: Path, reuse: bool) -> dict:
    """Build (or reuse) the site for ``content``; returns timings and index facts."""
    info: dict = {"label": label, "site": out}
    if reuse and (out / "search" / "core.js").exists():
        info["reused"] = True
        return info
    t0 = time.perf_counter()
    advisories = load_or_raise(content)
    info["advisories"] = len(advisories)
    info["load_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    write_site(advisories, out)
    info["site_s"] = time.perf_counter() - t1
    return info


def index_facts(site: Path) -> dict:
    files = [p for p in (site / "search").rglob("*.js")]
    raw = sum(p.stat().st_size for p in files)
    pages = sum(1 for _ in site.rglob("*.html"))
    core = site / "search" / "core.js"
    return {
        "files": len(files),
        "raw_mb": raw / 1e6,
        "pages": pages,
        "core_raw": core.stat().st_size,
        "core_gz": len(gzip.compress(core.read_bytes(), 6)),
    }


def measure(browser, site: Path, queries: list[str]) -> list[dict]:
    cache: dict[Path, int] = {}
    rows = []
    for q in queries:
        context = browser.new_context()
        page = context.new_page()
        urls: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: urls.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((site / "en" / "index.html").as_uri() + "?q=" + quote(q))
        page.wait_for_selector("#kb-results[data-kb-done]", state="attached", timeout=120_000)
        first_ms = float(page.get_attribute("#kb-results", "data-kb-ms") or "nan")
        warm_ms, top = page.evaluate(
            """async q => { const t = performance.now(); const hits = await KBSearch.search(q); const ms = performance.now() - t;
                return [ms, hits.length ? [hits[0].id, hits[0].case] : null]; }""",
            q,
        )
        files = {Path(unquote(urlsplit(u).path)) for u in urls if u.startswith("file:")}
        index_files = [f for f in files if "search" in f.parts]
        rows.append(
            {
                "q": q,
                "bytes": sum(gz(f, cache) for f in files),
                "index_bytes": sum(gz(f, cache) for f in index_files),
                "files": len(index_files),
                "first_ms": first_ms,
                "warm_ms": warm_ms,
                "hits": page.locator("#kb-results [data-kb-id]").count(),
                "top": tuple(top) if top else None,
                "errors": errors,
            }
        )
        context.close()
    return rows


def agreement(content: Path, index_dir: Path, rows: list[dict]) -> dict:
    """Top advisory and case of the Python API (kb.search.rank) against the browser's, per query."""
    from kb.api import KnowledgeBase

    base = KnowledgeBase(content, index_dir)
    t0 = time.perf_counter()
    base.ensure_index()
    built_s = time.perf_counter() - t0
    same = latin_rows = latin_same = 0
    differ = []
    for r in rows:
        hits = base.search(r["q"], limit=1)
        py = (hits[0].id, hits[0].case) if hits else None
        ok = py == r["top"]
        same += ok
        if not CJK.search(r["q"]):
            latin_rows += 1
            latin_same += ok
        if not ok:
            differ.append((r["q"], py, r["top"]))
    base.close()
    return {"same": same, "n": len(rows), "latin_rows": latin_rows, "latin_same": latin_same, "differ": differ, "index_s": built_s}


def summary(rows: list[dict]) -> dict:
    def s(key):
        v = [r[key] for r in rows]
        return {"median": statistics.median(v), "p95": pct(v, 95), "max": max(v)}

    return {k: s(k) for k in ("bytes", "index_bytes", "files", "first_ms", "warm_ms")}


def report(results: list[tuple[dict, dict, list[dict]]], n_queries: int, agreements: dict[str, dict]) -> str:
    lines = [
        "# Static site: search cost in the browser",
        "",
        "Produced by `bench/bench_site.py` (headless Chromium, `file://`). Queries: the "
        f"{n_queries} queries of `tests/relevance/queries.yaml`. **Bytes** are everything a first search "
        "loads in a fresh browser context (the page, CSS, `kbsearch.js`, `search/core.js` and the shards "
        "and groups the query needs), each file counted gzipped (level 6). **First search** is the time "
        "from starting the search to the results, loading the index files included; **warm** is the same "
        "query again with everything loaded.",
        "",
        "| corpus | advisories | pages | index files (raw) | core.js gz | first-search bytes gz: median / p95 / max | index files loaded: median / max | first search ms: median / p95 | warm ms: median / p95 | build s (load + site) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for info, facts, rows in results:
        s = summary(rows)
        b = s["bytes"]
        build_s = f"{info['load_s']:.0f} + {info['site_s']:.0f}" if "site_s" in info else "(reused)"
        lines.append(
            f"| {info['label']} | {info.get('advisories', '?')} | {facts['pages']} | {facts['files']} ({facts['raw_mb']:.1f} MB) | {facts['core_gz'] / 1e3:.1f} KB "
            f"| {b['median'] / 1e3:.1f} / {b['p95'] / 1e3:.1f} / {b['max'] / 1e3:.1f} KB | {s['files']['median']:.0f} / {s['files']['max']:.0f} "
            f"| {s['first_ms']['median']:.0f} / {s['first_ms']['p95']:.0f} | {s['warm_ms']['median']:.1f} / {s['warm_ms']['p95']:.1f} | {build_s} |"
        )
    lines += [
        "",
        "Budgets: at most 100 KB gzipped for a first search on the bundled content, 300 KB on the large corpus.",
        "",
        "Agreement with the Python API (`KnowledgeBase.search`, same corpus): the browser ranks with the same",
        "rules and numbers, but without MeCab a Japanese query has only bigrams (no Japanese words).",
        "",
        "| corpus | same top advisory and case: all queries | queries without Japanese |",
        "| --- | ---: | ---: |",
    ]
    for info, _facts, _rows in results:
        a = agreements.get(info["label"])
        if a:
            lines.append(f"| {info['label']} | {a['same']}/{a['n']} | {a['latin_same']}/{a['latin_rows']} |")
        else:
            lines.append(f"| {info['label']} | (not measured: --agreement) | |")
    for label, a in agreements.items():
        if a["differ"]:
            lines += ["", f"Different top hit ({label}):", ""]
            for q, py, js in a["differ"]:
                q = q.replace("\n", " ")
                lines.append(f"- `{q[:70]}`: Python {py}, browser {js}")
    lines.append("")
    for info, _facts, rows in results:
        heavy = sorted(rows, key=lambda r: -r["bytes"])[:5]
        lines += [
            f"## Heaviest first searches: {info['label']}",
            "",
            "| query | bytes gz | index files | first ms | hits |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for r in heavy:
            q = r["q"].replace("\n", " ").replace("|", "\\|")
            lines.append(f"| `{q[:70]}{'…' if len(q) > 70 else ''}` | {r['bytes'] / 1e3:.1f} KB | {r['files']} | {r['first_ms']:.0f} | {r['hits']} |")
        errors = [e for r in rows for e in r["errors"]]
        lines += ["", f"Console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000, help="synthetic advisories (0: bundled content only)")
    p.add_argument("--out", default=str(ROOT / "bench" / "out"))
    p.add_argument("--reuse", action="store_true", help="reuse the corpus and sites already built under --out")
    p.add_argument("--results", default=str(RESULTS))
    p.add_argument("--agreement", action="store_true", help="also build the Python index of each corpus and compare top hits")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    queries = [q["q"] for q in yaml.safe_load(QUERIES.read_text("utf-8"))]

    builds = [build("bundled", ROOT / "content", out / "site-bundled", args.reuse)]
    builds[0]["content"] = ROOT / "content"
    if args.n:
        corpus = out / f"corpus-{args.n}"
        if not (args.reuse and corpus.exists()):
            from tools.synthetic import write_corpus

            shutil.rmtree(corpus, ignore_errors=True)
            shutil.copytree(ROOT / "content", corpus, ignore=shutil.ignore_patterns("README.md"))
            write_corpus(corpus, args.n, seed=0)
        builds.append(build(f"bundled + {args.n:,} synthetic", corpus, out / f"site-{args.n}", args.reuse))
        builds[-1]["content"] = corpus
        print(f"built: {builds[-1]}", flush=True)

    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for info in builds:
            rows = measure(browser, info["site"], queries)
            results.append((info, index_facts(info["site"]), rows))
            s = summary(rows)
            print(info["label"], {k: {kk: round(vv, 1) for kk, vv in v.items()} for k, v in s.items()}, flush=True)
        browser.close()
    agreements = {}
    if args.agreement:
        for info, _facts, rows in results:
            agreements[info["label"]] = agreement(info["content"], out / f"index-{info['site'].name}", rows)
            print(info["label"], {k: v for k, v in agreements[info["label"]].items() if k != "differ"}, flush=True)
    text = report(results, len(queries), agreements)
    Path(args.results).write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
