"""Japanese words in the browser without MeCab: the site's lexicon (search/j/), measured.

    .venv/bin/python bench/site_lexicon.py [--work bench/out/lexicon] [--corpus JSONL] [--sizes 1000,10000]
                                           [--reuse] [--out bench/RESULTS-lexicon.md]

The browser cuts a Japanese query into the surface forms MeCab found in the corpus (kb.browser.index.
Lexicon, shipped as search/j/ shards) where ``kb search`` runs MeCab. For each corpus: the bundled
content, the real Japanese helpdesk corpus (``kb import`` of ../shared/corpora/alchemy-insights-ja.jsonl
into --work: never into the repository), and the bundled content plus 1,000 and 10,000 synthetic
advisories (tools/synthetic.py), this builds the Python index and the site, then measures:

* **lexicon size**: the search/j/ shards, raw and gzipped, in total and per shard; surfaces seen in the
  corpus and generated (other inflections of its verbs and adjectives, the glossary's words); the
  time the lexicon takes to build (besides the documents, which ``kb build`` analyzes anyway);
* **agreement**: every query answered by kbsearch.js in Node (the site as built) and by
  ``KnowledgeBase.search`` (MeCab, what ``kb search`` answers): the same first advisory and case, and
  the same label; beside it the browser before the lexicon (bigrams only: Python's
  ``japanese=False``); the words the ranking sees (MeCab's, a word no document has counted as
  unknown) against the lexicon's; and Node against Python with the same lexicon, every hit
  (``tests.parity.lexicon.browser_searching``: the parity check at scale). On the real corpus, R@1 of
  each against the hand-labelled answers;
* **first-search bytes** in Node: a fresh context per query, every file the search loads (core,
  term shards, long lists, lexicon shards, texts) gzipped (level 6), plus the page, CSS and script as
  a browser loads them; median, p95, max, and how much of it is the lexicon; and where the bytes go,
  per kind of file (core, term shards, long lists, their lengths, length tables, lexicon, template
  keys and uses, texts);
* **warm latency** in Node: the same query again in that context (median of 3), median and p95 over
  the queries.

Writes ``--out`` (bench/RESULTS-lexicon.md). Not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import spec  # noqa: E402
from kb.api import KnowledgeBase  # noqa: E402
from kb.browser.index import PLACEHOLDER, cjk_runs, japanese_lexicon  # noqa: E402
from kb.search.documents import documents  # noqa: E402
from kb.search.index import IndexUnavailable  # noqa: E402
from kb.site.pages import write_site  # noqa: E402
from kb.text.analysis import mecab_words  # noqa: E402
from kb.text.synonyms import table as alias_table  # noqa: E402
from tests.parity.lexicon import browser_searching, site_lexicon  # noqa: E402
from tools.synthetic import bundled_plus_synthetic  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "alchemy-insights-ja.jsonl"
RELEVANCE = ROOT / "tests" / "relevance" / "queries.yaml"
REALTEXT = {"development": ROOT / "bench" / "realtext" / "queries.yaml", "held out": ROOT / "bench" / "realtext" / "heldout.yaml"}
RESULTS = ROOT / "bench" / "RESULTS-lexicon.md"
PAGE_FILES = ("en/index.html", "static/style.css", "static/kbsearch.js")  # what a browser loads besides search/
BUDGET = 300_000  # bytes gzipped, a first search at 10,000 advisories (docs/SITE.md)

# kbsearch.js in Node, a fresh context per query (a cold cache), counting the files each search loads.
NODE_RUNNER = r"""
"use strict";
const fs = require("fs"), path = require("path"), vm = require("vm");
const { pathToFileURL, fileURLToPath } = require("url");
const site = path.resolve(process.argv[2]);
const request = JSON.parse(fs.readFileSync(0, "utf-8"));
const scriptPath = path.join(site, "static", "kbsearch.js");
const scriptCode = fs.readFileSync(scriptPath, "utf-8");

function fresh() {
  const loaded = [];
  const ctx = vm.createContext({ setImmediate, console, URL, URLSearchParams, performance, atob });
  const appendScript = (el) => setImmediate(() => {
    const file = fileURLToPath(el.src);
    let code;
    try { code = fs.readFileSync(file, "utf-8"); } catch (err) { if (el.onerror) el.onerror(err); return; }
    loaded.push(path.relative(site, file));
    vm.runInContext(code, ctx, { filename: file });
    if (el.onload) el.onload();
  });
  ctx.window = ctx;
  ctx.location = { href: pathToFileURL(path.join(site, "en", "index.html")).href, search: "" };
  ctx.document = {
    readyState: "complete", documentElement: { lang: "en" }, head: { appendChild: appendScript }, createElement: () => ({}),
    querySelector: (sel) => (sel.startsWith("script") ? { src: pathToFileURL(scriptPath).href } : null),
    querySelectorAll: () => [], getElementById: () => null, addEventListener: () => {},
  };
  vm.runInContext(scriptCode, ctx, { filename: scriptPath });
  return [ctx.KBSearch, loaded];
}

(async () => {
  const out = [];
  for (const q of request.queries) {
    const [kb, loaded] = fresh();
    const t0 = performance.now();
    const hits = await kb.search(q);
    const cold = performance.now() - t0;
    const warm = [];
    for (let k = 0; k < 3; k++) { const t = performance.now(); await kb.search(q); warm.push(performance.now() - t); }
    warm.sort((a, b) => a - b);
    out.push({
      hits: hits.map((h) => [h.id, h.case, h.confidence, h.score]),
      files: loaded, cold_ms: cold, warm_ms: warm[1],
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { process.stderr.write(String((err && err.stack) || err) + "\n"); process.exit(1); });
"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6, mtime=0))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))] if values else float("nan")


def is_japanese_query(q: str) -> bool:
    return bool(cjk_runs(q))


# --- corpora ----------------------------------------------------------------------------------------------


def prepare(label: str, content: Path, work: Path, reuse: bool) -> dict:
    """Build (or reuse) the Python index and the site of ``content`` under ``work``."""
    info: dict = {"label": label, "content": content, "index": work / "index", "site": work / "site"}
    base = KnowledgeBase(content, info["index"])
    if not (reuse and (info["site"] / "search" / "core.js").exists() and info["index"].exists()):
        t0 = time.perf_counter()
        base.build()
        info["index_s"] = time.perf_counter() - t0
        advisories = base.advisories()
        t0 = time.perf_counter()
        shutil.rmtree(info["site"], ignore_errors=True)
        write_site(advisories, info["site"], index=base.searcher().index)  # (its search made from the build, as kb build does)
        info["site_s"] = time.perf_counter() - t0
    try:
        base.searcher()
    except IndexUnavailable:  # reused, but written by another version of kb.search.index
        base.build()
    advisories = base.advisories()
    docs = [d for a in advisories for d in documents(a)]
    t0 = time.perf_counter()
    lexicon = japanese_lexicon(docs)
    info["lexicon_s"] = time.perf_counter() - t0
    info["lexicon_stats"] = lexicon.stats
    info["advisories"] = len(advisories)
    info["base"] = base
    return info


def real_corpus(work: Path, corpus: Path, reuse: bool) -> tuple[Path, dict[str, str]] | None:
    """The real corpus imported into ``work/content`` (once); advisory id -> the corpus's article id."""
    if not corpus.exists():
        return None
    content = work / "content"
    if not (reuse and content.exists()):
        from kb.importer import import_articles

        shutil.rmtree(content, ignore_errors=True)
        import_articles(corpus, content)
    ids = {}
    for d in content.iterdir():
        book = d / ".kb-import.json"
        if book.exists():
            ids[d.name] = json.loads(book.read_text("utf-8"))["source"]["key"]
    return content, ids


# --- measuring --------------------------------------------------------------------------------------------


def lexicon_files(site: Path) -> dict:
    shards = sorted((site / "search" / "j").glob("*.js"), key=lambda p: int(p.stem))
    raw = [p.stat().st_size for p in shards]
    gzs = [gz(p.read_bytes()) for p in shards]
    core = json.loads((site / "search" / "core.js").read_text("utf-8")[len("KBSearch.load(") : -3])
    return {
        "shards": len(shards),
        "raw": sum(raw),
        "gz": sum(gzs),
        "shard_raw_median": statistics.median(raw) if raw else 0,
        "shard_gz_median": statistics.median(gzs) if gzs else 0,
        "shard_gz_max": max(gzs, default=0),
        "maxlen": core["lexicon"]["maxlen"],
        "core_gz": gz((site / "search" / "core.js").read_bytes()),
    }


def without_lexicon(site: Path, folder: Path) -> Path:
    """The same site as the browser saw it before the lexicon: its files (linked), core.js saying
    there is no lexicon, so that Japanese is searched by bigrams alone."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "search").mkdir(parents=True)
    for rel in ("static", "en"):
        (folder / rel).symlink_to(site / rel, target_is_directory=True)
    for sub in (site / "search").iterdir():
        if sub.is_dir():
            (folder / "search" / sub.name).symlink_to(sub, target_is_directory=True)
    text = (site / "search" / "core.js").read_text("utf-8")
    core = json.loads(text[len("KBSearch.load(") : -3])
    core["lexicon"] = {**core["lexicon"], "shards": 0}
    (folder / "search" / "core.js").write_text("KBSearch.load(" + json.dumps(core, ensure_ascii=False, separators=(",", ":")) + ");\n", "utf-8")
    return folder


def run_node(site: Path, queries: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        runner = Path(tmp) / "runner.js"
        runner.write_text(NODE_RUNNER, "utf-8")
        proc = subprocess.run(
            ["node", str(runner), str(site)],
            input=json.dumps({"queries": queries}, ensure_ascii=False),
            capture_output=True,
            text=True,
            encoding="utf-8",
        )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout)


FILE_KINDS = {
    "core.js": "core",
    "t": "term shards t/",
    "x": "long lists x/",
    "y": "lists' lengths y/",
    "l": "length tables l/",
    "j": "lexicon j/",
    "k": "template keys k/",
    "u": "template uses u/",
    "d": "texts d/",
}


def kind_of(rel: str) -> str:
    """search/t/12.js -> "t", search/core.js -> "core.js"."""
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 else parts[-1]


def by_kind(files: list[str], file_gz: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in files:
        out[kind_of(f)] = out.get(kind_of(f), 0) + file_gz[f]
    return out


def ranking_words(words: list[str], known) -> list[str]:
    """The words as the ranking sees them: a word no document (nor the aliases) has is just "unknown"."""
    return ["?" if w.startswith(PLACEHOLDER) or not known(w) else w for w in words]


def measure(info: dict, sets: dict[str, list[dict]], article_of: dict[str, str] | None = None) -> dict:
    base: KnowledgeBase = info["base"]
    site: Path = info["site"]
    searcher = base.searcher()
    lexicon = site_lexicon(site)
    index = searcher.index
    aliases = alias_table()

    def known(w: str) -> bool:
        return w in aliases or any(index.doc_frequency(f, w) > 0 for f in spec.WORD_FIELDS)

    page = {rel: gz((site / rel).read_bytes()) for rel in PAGE_FILES}
    file_gz: dict[str, int] = {}
    out: dict = {"sets": {}, "lexicon": lexicon_files(site), "page_gz": sum(page.values())}
    for name, items in sets.items():
        queries = [it["q"] for it in items]
        t0 = time.perf_counter()
        node = run_node(site, queries)
        node_s = time.perf_counter() - t0
        before = run_node(without_lexicon(site, site.parent / "site-without-lexicon"), queries)
        rows = []
        for it, js, old in zip(items, node, before, strict=True):
            q = it["q"]
            mecab = base.search(q)
            with browser_searching(None):
                bigrams = searcher.search(q, japanese=False)
            with browser_searching(lexicon):
                mirror = searcher.search(q, japanese=False)
            first = lambda hits: (hits[0].id, hits[0].case, hits[0].confidence) if hits else None  # noqa: E731
            js_first = tuple(js["hits"][0][:3]) if js["hits"] else None
            same_hits = [(h.id, h.case, h.confidence) for h in mirror] == [tuple(h[:3]) for h in js["hits"]] and all(
                abs(h.score - j[3]) <= 1e-6 for h, j in zip(mirror, js["hits"], strict=True)
            )
            runs = cjk_runs(q[: spec.MAX_ANALYZED_CHARS])
            words_same = all(
                ranking_words([w for w, _s, _e in mecab_words(r)], known) == ranking_words([w for w, _s, _e in lexicon.words(r)], known) for r in runs
            )
            for f in js["files"] + old["files"]:
                if f not in file_gz:
                    file_gz[f] = gz((site / f).read_bytes())
            rows.append(
                {
                    "q": q,
                    "japanese": is_japanese_query(q),
                    "expect": it.get("expect"),
                    "mecab": first(mecab),
                    "bigrams": first(bigrams),
                    "browser": js_first,
                    "parity": same_hits,
                    "words_same": words_same,
                    "runs": len(runs),
                    "bytes": sum(page.values()) + sum(file_gz[f] for f in js["files"]),
                    "by_kind": {**by_kind(js["files"], file_gz), "page": sum(page.values())},
                    "lexicon_bytes": sum(file_gz[f] for f in js["files"] if f.startswith("search/j/")),
                    "files": len(js["files"]),
                    "cold_ms": js["cold_ms"],
                    "warm_ms": js["warm_ms"],
                    "before_bytes": sum(page.values()) + sum(file_gz[f] for f in old["files"]),
                    "before_warm_ms": old["warm_ms"],
                    "before_first": tuple(old["hits"][0][:3]) if old["hits"] else None,
                    "mecab_words": [w for r in runs for w, _s, _e in mecab_words(r)],
                    "lexicon_words": [w for r in runs for w, _s, _e in lexicon.words(r)],
                }
            )
        out["sets"][name] = {"rows": rows, "node_s": node_s}
    out["article_of"] = article_of
    return out


# --- the report -------------------------------------------------------------------------------------------


def kb_s(x: float) -> str:
    return f"{x / 1e3:.1f} KB"


def agreement_row(label: str, name: str, rows: list[dict], article_of: dict[str, str] | None) -> list[str]:
    ja = [r for r in rows if r["japanese"]]

    def same(key: str, with_label: bool) -> int:
        return sum(
            1 for r in ja if r[key] and r["mecab"] and (r[key] if with_label else r[key][:2]) == (r["mecab"] if with_label else r["mecab"][:2])
        )

    cells = [
        label,
        name,
        f"{len(ja)}",
        f"{same('browser', False)} / {same('browser', True)}",
        f"{same('bigrams', False)} / {same('bigrams', True)}",
        f"{sum(r['words_same'] for r in ja)}",
        f"{sum(r['parity'] for r in rows)}/{len(rows)}",
        f"{sum(1 for r in rows if not r['japanese'] and r['browser'] == r['mecab'])}/{sum(1 for r in rows if not r['japanese'])}",
    ]
    if article_of is not None:

        def r1(key: str, subset: list[dict]) -> str:
            pos = [r for r in subset if r["expect"]]
            ok = sum(1 for r in pos if r[key] and article_of.get(r[key][0], r[key][0]) in r["expect"])
            return f"{ok / len(pos):.2f}" if pos else "–"

        cells.append(f"{r1('mecab', ja)} / {r1('browser', ja)} / {r1('bigrams', ja)}")
    else:
        cells.append("–")
    return ["| " + " | ".join(cells) + " |"]


def report(results: list[tuple[dict, dict]], machine: str) -> str:
    lines = [
        "# Japanese words in the browser: the site's lexicon",
        "",
        "Produced by `.venv/bin/python bench/site_lexicon.py` (Node, `file://`-style script loads). "
        f"Machine: {machine}. The browser cuts a Japanese query into the surface forms MeCab found in the corpus "
        "(`kb.browser.index.Lexicon`, shipped as `search/j/` shards, loaded for the characters the query has) where "
        "`kb search` runs MeCab; see docs/PARITY.md.",
        "",
        "## Lexicon size",
        "",
        "| corpus | advisories | CJK runs (distinct) | surfaces seen / generated | shards | raw | gzipped | per shard gz: median / max | longest surface | build s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for info, m in results:
        st, lx = info["lexicon_stats"], m["lexicon"]
        lines.append(
            f"| {info['label']} | {info['advisories']:,} | {st['runs']:,} | {st['surfaces']:,} / {st['generated']:,} | {lx['shards']} | {kb_s(lx['raw'])} "
            f"| {kb_s(lx['gz'])} | {lx['shard_gz_median'] / 1e3:.1f} / {lx['shard_gz_max'] / 1e3:.1f} KB | {lx['maxlen']} | {info['lexicon_s']:.1f} |"
        )
    lines += [
        "",
        "Generated surfaces are the other inflections of the corpus's verbs and adjectives (落ちた when the corpus "
        "has 落ちる), checked by MeCab, and the glossary's words (kb/text/glossary.py) with theirs. *build s*: the "
        "lexicon alone (one MeCab pass per distinct CJK run, then the inflections), on top of the documents' "
        "analysis that `kb build` does anyway.",
        "",
        "## Agreement with `kb search` (MeCab)",
        "",
        "*Japanese queries*: queries with CJK text. *Same first hit*: the browser's first advisory and case equal "
        "`KnowledgeBase.search`'s (MeCab) / and its label too. *Before*: the browser without the lexicon (bigrams "
        "only). *Same words*: every CJK run of the query gives the ranking the same words (a word that no document "
        "and no alias has counts as unknown on both sides). *Node = Python*: every hit (advisory, case, label, score "
        "to 1e-6) of kbsearch.js equals Python's search with the same lexicon (`tests.parity.lexicon`). *Without "
        "Japanese*: the other queries, same first hit and label. *R@1*: against the hand-labelled answers, Japanese "
        "queries: MeCab / browser / before.",
        "",
        "| corpus | queries | Japanese queries | same first hit / and label | before: same first hit / and label | same words | Node = Python | without Japanese | R@1 (Japanese) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for info, m in results:
        for name, s in m["sets"].items():
            lines += agreement_row(info["label"], name, s["rows"], m["article_of"])
    lines += [
        "",
        "## First search and warm latency (Node)",
        "",
        "*Bytes*: the page, CSS and script (as a browser loads them) plus every `search/` file the search loaded in "
        "a fresh context, each gzipped (level 6). *Lexicon*: the `search/j/` part of it, for the Japanese queries. "
        "*Cold*: the first search in a fresh context, loading and evaluating the files included (Node reads them "
        "from disk). *Warm*: the same query again (median of 3). *Before*: the same site with the lexicon switched "
        "off (`core.lexicon.shards` 0: bigrams only, as the browser searched before), same queries.",
        "",
        "| corpus | queries | bytes gz: median / p95 / max | before | Japanese queries: bytes median / p95 / max | before | lexicon gz: median / max | files: median / max | cold ms: median / p95 | warm ms: median / p95 | before |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    budget_notes: list[str] = []
    for info, m in results:
        for name, s in m["sets"].items():
            rows = s["rows"]
            ja = [r for r in rows if r["japanese"]] or [{"bytes": 0, "lexicon_bytes": 0, "before_bytes": 0}]

            def dist(values: list[float]) -> str:
                return f"{kb_s(statistics.median(values))} / {kb_s(pct(values, 95))} / {kb_s(max(values))}"

            def ms(values: list[float]) -> str:
                return f"{statistics.median(values):.1f} / {pct(values, 95):.1f}"

            lines.append(
                f"| {info['label']} | {name} ({len(rows)}) | {dist([r['bytes'] for r in rows])} | {dist([r['before_bytes'] for r in rows])} "
                f"| {dist([r['bytes'] for r in ja])} | {dist([r['before_bytes'] for r in ja])} "
                f"| {kb_s(statistics.median([r['lexicon_bytes'] for r in ja]))} / {kb_s(max(r['lexicon_bytes'] for r in ja))} "
                f"| {statistics.median([r['files'] for r in rows]):.0f} / {max(r['files'] for r in rows)} "
                f"| {ms([r['cold_ms'] for r in rows])} | {ms([r['warm_ms'] for r in rows])} | {ms([r['before_warm_ms'] for r in rows])} |"
            )
            over = [r for r in rows if r["bytes"] > BUDGET]
            if over:
                budget_notes.append(
                    f"- {info['label']}, {name}: {len(over)} of {len(rows)} first searches over {kb_s(BUDGET)} "
                    f"({sum(1 for r in over if r['japanese'])} of them Japanese); before the lexicon, "
                    f"{sum(1 for r in rows if r['before_bytes'] > BUDGET)}."
                )
    lines += ["", f"Budget: a first search within {kb_s(BUDGET)} gzipped at 10,000 advisories.", "", *budget_notes, ""]
    lines += [
        "## Where the bytes of a first search go",
        "",
        "Per kind of file, gzipped, over the queries of each set: median / p95 / max of what a first search loads of "
        "that kind (*page*: the page, CSS and kbsearch.js), and the share of all first-search bytes. *y/* holds a long "
        "list's own field lengths; a search reads, per field, either those or the field's length table *l/*, whichever is "
        "fewer bytes (the same numbers).",
        "",
        "| corpus | queries | " + " | ".join(["page", *FILE_KINDS.values()]) + " |",
        "| --- | --- | " + " | ".join(["---:"] * (len(FILE_KINDS) + 1)) + " |",
    ]
    for info, m in results:
        for name, s in m["sets"].items():
            rows = s["rows"]
            total = sum(r["bytes"] for r in rows) or 1
            cells = []
            for kind in ["page", *FILE_KINDS]:
                values = [r["by_kind"].get(kind, 0) for r in rows]
                cells.append(
                    f"{statistics.median(values) / 1e3:.1f} / {pct(values, 95) / 1e3:.1f} / {max(values) / 1e3:.1f} KB ({sum(values) / total:.0%})"
                )
            lines.append(f"| {info['label']} | {name} ({len(rows)}) | " + " | ".join(cells) + " |")
    lines.append("")
    for info, m in results:
        differ = [(name, r) for name, s in m["sets"].items() for r in s["rows"] if r["japanese"] and r["browser"] != r["mecab"]]
        if not differ:
            continue
        lines += [f"## Where the browser's first hit is not MeCab's: {info['label']}", ""]
        lines += ["| set | query | MeCab | browser | MeCab's words / the lexicon's (where they differ) |", "| --- | --- | --- | --- | --- |"]
        for name, r in differ:
            q = r["q"].replace("\n", " ").replace("|", "\\|")
            mw = [w for w in r["mecab_words"] if w not in r["lexicon_words"]]
            lw = [w.replace(PLACEHOLDER, "?") for w in r["lexicon_words"] if w not in r["mecab_words"]]
            cell = lambda h: f"{h[0]}#{h[1]} ({h[2]})" if h else "–"  # noqa: E731
            lines.append(
                f"| {name} | `{q[:60]}{'…' if len(q) > 60 else ''}` | {cell(r['mecab'])} | {cell(r['browser'])} | {', '.join(mw) or '–'} / {', '.join(lw) or '–'} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "lexicon")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--sizes", default="1000,10000", help="synthetic corpus sizes (comma separated; empty: none)")
    p.add_argument("--reuse", action="store_true", help="reuse the corpora, indexes and sites already built under --work")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    relevance = yaml.safe_load(RELEVANCE.read_text("utf-8"))
    results = []

    info = prepare("bundled", ROOT / "content", args.work / "bundled", args.reuse)
    results.append((info, measure(info, {"relevance": relevance})))
    print(info["label"], "done", flush=True)

    real = real_corpus(args.work / "real", args.corpus, args.reuse)
    if real is not None:
        content, article_of = real
        info = prepare("real (alchemy-insights-ja)", content, args.work / "real", args.reuse)
        sets = {name: yaml.safe_load(path.read_text("utf-8"))["queries"] for name, path in REALTEXT.items()}
        results.append((info, measure(info, sets, article_of)))
        print(info["label"], "done", flush=True)
    else:
        print(f"{args.corpus} not found: the real corpus is left out", file=sys.stderr)

    for n in [int(x) for x in args.sizes.split(",") if x.strip()]:
        work = args.work / f"synthetic-{n}"
        content = bundled_plus_synthetic(work / "content", n, args.reuse)
        info = prepare(f"bundled + {n:,} synthetic", content, work, args.reuse)
        results.append((info, measure(info, {"relevance": relevance})))
        print(info["label"], "done", flush=True)

    machine = f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    text = report(results, machine)
    args.out.write_text(text + "\n", "utf-8")
    print(text)
    for info, _m in results:
        info["base"].close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
