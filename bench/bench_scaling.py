#!/usr/bin/env python
"""Scaling: the search benchmark's figures at 1,000, 10,000 and 30,000 advisories side by side,
and how each grows from 10,000 to 30,000 (issue #10: sub-linear, build memory <= 1.5 GB at 30,000).

    .venv/bin/python bench/bench_scaling.py --run   # runs bench_search.py at each size, then reports
    .venv/bin/python bench/bench_scaling.py         # reports from the last runs' results.json

Each size is one ``bench/bench_search.py --n N`` run (its own corpus, FTS5 peer and queries; 10,000
is the default run, which also writes ``bench/RESULTS.md``). The report goes to
``bench/RESULTS-scaling.md``; it refuses runs that imported different kb sources. This is not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from measured import GOALS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SIZES = (1_000, 10_000, 30_000)
TARGET = ROOT / "bench" / "RESULTS-scaling.md"
BUILD_MEMORY_GOAL_MB = GOALS.build_memory_mb  # issue #10: build memory flat-ish, <= 1.5 GB at 30,000


def _kb(r: dict) -> dict:
    return r["engines"]["kb"]


def _fts(r: dict) -> dict:
    return r["engines"]["fts-tokens"]


# (measure, value of one run, format, what issue #10 asks of its growth from 10k to 30k: "sub-linear"
# (the warm latencies, the 1 MB paste), "flat" (the cold start: at most FLAT_GROWTH) or nothing)
Row = tuple[str, Callable[[dict], float], str, str]
FLAT_GROWTH = GOALS.flat
ROWS: list[Row] = [
    ("documents (advisory x case x language)", lambda r: r["tokenize"]["docs"], "{:,.0f}", ""),
    ("content files, MB", lambda r: r["content_bytes"] / 1e6, "{:.0f}", ""),
    ("kb build, wall s", lambda r: r["build"]["build_s"], "{:.1f}", ""),
    ("kb build, CPU s (with its workers')", lambda r: r["build"]["build_cpu_s"], "{:.1f}", ""),
    ("build / tokenize-only pass, CPU", lambda r: r["build"]["build_cpu_s"] / r["tokenize"]["documents_cpu_s"], "{:.2f}x", ""),
    ("peak RSS, build process, MB", lambda r: r["build"]["maxrss_mb"], "{:.0f}", ""),
    ("peak RSS, largest analysis worker, MB", lambda r: r["build"].get("worker_maxrss_mb", 0.0), "{:.0f}", ""),
    ("index size, MB", lambda r: r["build"]["index_bytes"] / 1e6, "{:.0f}", ""),
    ("`kb build` with the site, wall s", lambda r: r["site_build"]["build_s"], "{:.1f}", ""),
    ("`kb build` with the site, peak RSS, MB", lambda r: r["site_build"]["maxrss_mb"], "{:.0f}", ""),
    ("kb one-line p50, ms", lambda r: _kb(r)["one_p50"], "{:.1f}", "sub-linear"),
    ("kb one-line p95, ms", lambda r: _kb(r)["one_p95"], "{:.1f}", "sub-linear"),
    ("FTS5 one-line p95, ms", lambda r: _fts(r)["one_p95"], "{:.1f}", ""),
    ("kb multi-line p50, ms", lambda r: _kb(r)["multi_p50"], "{:.1f}", "sub-linear"),
    ("kb multi-line p95, ms", lambda r: _kb(r)["multi_p95"], "{:.1f}", "sub-linear"),
    ("FTS5 multi-line p95, ms", lambda r: _fts(r)["multi_p95"], "{:.1f}", ""),
    ("kb 1 MB paste, ms", lambda r: _kb(r)["big_ms"], "{:.0f}", "sub-linear"),
    ("FTS5 1 MB paste, ms", lambda r: _fts(r)["big_ms"], "{:.0f}", ""),
    ("kb cold `kb search --json`, s (median of 5)", lambda r: statistics.median(r["kb_cold_s"]), "{:.2f}", "flat"),
    ("kb cold `kb search`, the answer on screen, s", lambda r: statistics.median(r["kb_answer_s"]), "{:.2f}", "flat"),
    ("peak RSS, query process after the queries, MB", lambda r: _kb(r)["maxrss_queries_mb"], "{:.0f}", ""),
    ("`kb check` reading every folder, s", lambda r: r["check_full"]["wall_s"], "{:.1f}", ""),
    (
        "`kb build --no-site` after editing one advisory, s (median of 3)",
        lambda r: statistics.median(x["wall_s"] for x in r["rebuilds"]),
        "{:.2f}",
        "",
    ),
    ("R@1, 400 labeled queries, %", lambda r: 100 * _kb(r)["quality"]["all"][0], "{:.1f}", ""),
    ("MRR, 400 labeled queries", lambda r: _kb(r)["quality"]["all"][1], "{:.3f}", ""),
]


def _sources(r: dict) -> str:
    """The hash of the kb sources a run imported (``kb at <commit>; kb sources <hash>``)."""
    return r["kb_version"].rpartition("kb sources ")[2]


def load_runs(sizes: tuple[int, ...] = SIZES) -> dict[int, dict]:
    runs = {}
    for n in sizes:
        path = OUT / f"search-n{n}" / "results.json"
        if not path.exists():
            raise SystemExit(f"no run at {n:,} advisories ({path}): run bench/bench_search.py --n {n}, or this script with --run")
        runs[n] = json.loads(path.read_text("utf-8"))
    versions = {_sources(r) for r in runs.values()}  # (commits may differ: tests or bench/ changed between the runs)
    if len(versions) > 1:
        raise SystemExit("the runs measured different kb sources: " + "; ".join(f"{n:,}: {r['kb_version']}" for n, r in runs.items()))
    return runs


def report(runs: dict[int, dict]) -> str:
    sizes = sorted(runs)
    mid, big = sizes[-2], sizes[-1]
    docs = runs[big]["tokenize"]["docs"] / runs[mid]["tokenize"]["docs"]
    head = ["measure", *(f"{n:,}" for n in sizes), f"{mid:,} -> {big:,}"]
    lines = [
        "# Scaling benchmark",
        "",
        f"`bench/bench_search.py --n N` at {', '.join(f'{n:,}' for n in sizes)} synthetic advisories (`tools.synthetic`, seed 0), "
        "kb at "
        + ", ".join(sorted({r["kb_version"].partition(";")[0] for r in runs.values()}))
        + f" (kb sources {_sources(runs[big])}); report by `bench/bench_scaling.py`. Each size is its own run, so each column carries "
        "the machine's load of its moment (1-minute load average during each run: "
        + ", ".join(f"{n:,}: {min(r['loadavg']):.1f}-{max(r['loadavg']):.1f}" for n, r in runs.items())
        + "). The last column is the 30,000 figure over the 10,000 one; the corpus grew "
        f"{docs:.2f}x in documents, so a growth below that is sub-linear.",
        "",
        "| " + " | ".join(head) + " |",
        "| " + " | ".join("---" for _ in head) + " |",
    ]
    verdicts = []
    for name, value, fmt, asked in ROWS:
        vals = [value(runs[n]) for n in sizes]
        growth = vals[-1] / vals[-2] if vals[-2] else float("nan")
        mark = ""
        if asked:
            ok = growth < docs if asked == "sub-linear" else growth <= FLAT_GROWTH
            mark = f" ({asked})" if ok else f" (**not {asked}**)"
            verdicts.append(f"- {name}: {growth:.2f}x from {mid:,} to {big:,}, {asked}: " + ("met" if ok else "**not met**"))
        lines.append("| " + " | ".join([name, *(fmt.format(v) for v in vals), f"{growth:.2f}x{mark}"]) + " |")
    b = runs[big]["build"]
    workers = b.get("workers", 1)
    total = b["maxrss_mb"] + workers * b.get("worker_maxrss_mb", 0.0)
    ok = b["maxrss_mb"] <= BUILD_MEMORY_GOAL_MB
    lines += [
        "",
        f"Goals of issue #10 for growth from {mid:,} to {big:,} (sub-linear: under {docs:.2f}x; flat: at most {FLAT_GROWTH}x) and build memory:",
        "",
        *verdicts,
        f"- build memory <= 1.5 GB at {big:,}: " + ("met" if ok else "**not met**") + f" (the build process's peak RSS {b['maxrss_mb']:.0f} MB; "
        f"with its {workers} analysis workers' peaks added, {total:.0f} MB, an upper bound: forked workers share the pages they inherit); "
        f"`kb build` with the static site: {runs[big]['site_build']['maxrss_mb']:.0f} MB ("
        + ("within" if runs[big]["site_build"]["maxrss_mb"] <= BUILD_MEMORY_GOAL_MB else "**over**")
        + " 1.5 GB; the content is read once for the index and the site and put aside, the site's pages are made an advisory at a "
        "time and its search index from the index build)",
        "",
        "The figures of each size, its FTS5 peer and the method: `bench/out/search-n<N>/RESULTS.md` of that run "
        "(the 10,000 one is `bench/RESULTS.md`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="run bench_search.py at each size first (10,000 last: it writes bench/RESULTS.md)")
    args = ap.parse_args(argv)
    if args.run:
        for n in sorted(SIZES, key=lambda n: n == 10_000):
            subprocess.run([sys.executable, str(ROOT / "bench" / "bench_search.py"), "--n", str(n)], check=True)
    TARGET.write_text(report(load_runs()), "utf-8")
    print(TARGET.read_text("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
