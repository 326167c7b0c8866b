#!/usr/bin/env python
"""kb and SQLite FTS5 (trigram) side by side on the real Japanese helpdesk corpus, in one run.

    .venv/bin/python bench/realtext/run.py [--corpus JSONL] [--work DIR] [--out bench/realtext/RESULTS.md]

1. ``kb import`` brings the corpus (``../shared/corpora/alchemy-insights-ja.jsonl``) into a temporary
   content folder (never into the repository), ``kb check`` must be clean, ``kb build`` builds the
   index; each step is timed (wall and CPU).
2. Both engines answer every query of ``queries.yaml`` (the development set) and ``heldout.yaml``
   (written later, by someone who had not seen the engine or the first set), interleaved, warm.
3. Per set and kind: R@1, R@5, MRR@10 for both; for kb, the precision of each label of the first
   hit (negatives count: any first hit of a negative is wrong) and how many right first hits are
   only ``weak``; latency p50/p95 of both.

Writes the tables to ``--out`` (with the machine's load) and prints them, and keeps the figures README
shows in ``bench/measured.json`` (``realtext``, or ``realtext-<N>`` with ``--articles N``), whose
README section it writes again (``bench/measured.py``). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(REPO))

import fts5_baseline as fts  # noqa: E402
import measured  # noqa: E402

import kb  # noqa: E402
from kb.content.load import load  # noqa: E402
from kb.importer import import_articles  # noqa: E402

SETS = {"development (queries.yaml)": HERE / "queries.yaml", "held-out (heldout.yaml)": HERE / "heldout.yaml"}


def cpu() -> float:
    """CPU seconds of this process and of the worker processes it waited for (kb reads and
    analyzes many advisories in one worker process per CPU: kb/workers.py)."""
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def timed(fn):
    w0, c0 = time.perf_counter(), cpu()
    out = fn()
    return out, time.perf_counter() - w0, cpu() - c0


def corpus_ids(content: Path) -> dict[str, str]:
    """Advisory id -> the corpus article id it was imported from (``.kb-import.json``)."""
    out = {}
    for d in content.iterdir():
        book = d / ".kb-import.json"
        if book.exists():
            out[d.name] = json.loads(book.read_text("utf-8"))["source"]["key"]
    return out


def label_figures(details: list[dict], labels: dict[str, list[tuple[str, str]]]) -> dict:
    per: dict[str, list[int]] = {c: [0, 0] for c in ("exact", "strong", "weak")}
    right_weak = right = 0
    for d in details:
        got = labels.get(d["q"]) or []
        if not got:
            continue
        first, label = got[0]
        ok = first in set(d["expect"])
        per[label][0] += ok
        per[label][1] += 1
        right += ok
        right_weak += ok and label == "weak"
    return {"labels": per, "right": right, "right_weak": right_weak}


def subset_lines(corpus: Path, n: int) -> str:
    """The JSONL lines of ``n`` articles of ``corpus``: those the query sets expect (in the order the
    queries name them), then the others in corpus order."""
    lines = {json.loads(line)["id"]: line for line in corpus.read_text("utf-8").splitlines() if line.strip()}
    wanted = [i for path in SETS.values() if path.exists() for q in fts.load_queries(path) for i in q["expect"] if i in lines]
    chosen = list(dict.fromkeys([*wanted, *lines]))[:n]
    return "".join(lines[i] + "\n" for i in chosen)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=fts.DEFAULT_CORPUS)
    ap.add_argument("--work", type=Path, help="folder for the imported content and index (default: a temporary one)")
    ap.add_argument("--out", type=Path, help="where the tables go (default: RESULTS.md here, RESULTS-<N>.md with --articles N)")
    ap.add_argument(
        "--articles",
        type=int,
        help="a small KB of N articles: those the queries expect first, then the others in corpus order; "
        "only the queries whose expected articles are all in it are asked (and the negatives)",
    )
    args = ap.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    out_path = args.out or HERE / (f"RESULTS-{args.articles}.md" if args.articles else "RESULTS.md")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        content, index = work / "content", work / "index"
        corpus = args.corpus
        if args.articles:
            corpus = work / "corpus.jsonl"  # (in the temporary folder: nothing of the corpus enters the repository)
            work.mkdir(parents=True, exist_ok=True)
            corpus.write_text(subset_lines(args.corpus, args.articles), "utf-8")
        report, t_import, c_import = timed(lambda: import_articles(corpus, content))
        (advisories, problems), t_check, c_check = timed(lambda: load(content))
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            print(f"kb check: {len(errors)} errors after import, first: {errors[0]}", file=sys.stderr)
            return 1
        base = kb.KnowledgeBase(content, index)
        _, t_build, c_build = timed(lambda: base.build())
        ids = corpus_ids(content)

        docs = fts.load_corpus(corpus)
        kept = {d["id"] for d in docs}
        conn, fts_ids = fts.build_index(docs)
        fts_run = fts.make_run(conn, fts_ids)

        lines = [
            "# Real-text benchmark: kb and SQLite FTS5 trigram on the same articles and queries",
            "",
            f"Corpus: {len(docs):,} real Japanese helpdesk articles ({args.corpus.name}, CC BY 4.0, see its README"
            + (f"; with --articles {args.articles}: those the queries expect first, the queries about others left out" if args.articles else "")
            + "), imported with "
            f"`kb import` (not stored in the repository). Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start. "
            "Produced by `.venv/bin/python bench/realtext/run.py" + (f" --articles {args.articles}" if args.articles else "") + "` from HEAD.",
            "",
            "| step | wall | CPU |",
            "| --- | ---: | ---: |",
            f"| `kb import` ({report.new:,} new advisories) | {t_import:.1f} s | {c_import:.1f} s |",
            f"| `kb check` ({len(advisories):,} advisories, {len(problems)} warnings) | {t_check:.1f} s | {c_check:.1f} s |",
            f"| `kb build` (index) | {t_build:.1f} s | {c_build:.1f} s |",
            "",
        ]
        figures: dict = {"commit": measured.commit(), "articles": len(docs), "sets": {}}
        all_kb_ms: list[float] = []
        all_fts_ms: list[float] = []
        for title, path in SETS.items():
            if not path.exists():
                continue
            queries = [q for q in fts.load_queries(path) if not args.articles or set(q["expect"]) <= kept]
            labels: dict[str, list[tuple[str, str]]] = {}
            kb_ms: list[float] = []
            fts_ms: list[float] = []

            def kb_run(q: str) -> list[str]:
                t0 = time.perf_counter()
                hits = base.search(q, limit=10)
                kb_ms.append((time.perf_counter() - t0) * 1000)
                labels[q] = [(ids.get(h.id, h.id), h.confidence) for h in hits]
                return [ids.get(h.id, h.id) for h in hits]

            def fts_timed(q: str) -> list[str]:
                t0 = time.perf_counter()
                out = fts_run(q)
                fts_ms.append((time.perf_counter() - t0) * 1000)
                return out

            for item in queries:  # warm both, interleaved
                kb_run(item["q"])
                fts_timed(item["q"])
            kb_ms.clear()
            fts_ms.clear()
            res_kb = fts.evaluate(kb_run, queries)
            res_fts = fts.evaluate(fts_timed, queries)
            lab = label_figures(res_kb["details"], labels)
            lines += [f"## {title}: {len(queries)} queries", "", "**kb**", "", fts.markdown_table(res_kb), "", "**FTS5 trigram**", ""]
            lines += [fts.markdown_table(res_fts), ""]
            rows = ["| label of kb's first hit | first hits | right | precision |", "| --- | ---: | ---: | ---: |"]
            for name, (ok, n) in lab["labels"].items():
                rows.append(f"| {name} | {n} | {ok} | {ok / n:.2f} |" if n else f"| {name} | 0 | 0 | – |")
            lines += rows
            lines += [
                "",
                f"Right first hits labelled only `weak`: {lab['right_weak']} of {lab['right']}.",
                "",
                f"Latency, warm, same queries: kb p50 {statistics.median(kb_ms):.1f} ms / p95 {pct(kb_ms, 0.95):.1f} ms; "
                f"FTS5 p50 {statistics.median(fts_ms):.1f} ms / p95 {pct(fts_ms, 0.95):.1f} ms.",
                "",
            ]
            figures["sets"][title.partition(" (")[0]] = {
                "queries": len(queries),
                "kb": {k: v for k, v in res_kb.items() if k != "details"},
                "fts": {k: v for k, v in res_fts.items() if k != "details"},
                "labels": lab["labels"],
                "kb_ms": [statistics.median(kb_ms), pct(kb_ms, 0.95)],
                "fts_ms": [statistics.median(fts_ms), pct(fts_ms, 0.95)],
            }
            all_kb_ms += kb_ms
            all_fts_ms += fts_ms
        base.close()
    text = "\n".join(lines)
    out_path.write_text(text, "utf-8")
    print(text)
    if args.out is None:  # (the default tables: README shows their figures)
        figures |= {
            "queries": sum(s["queries"] for s in figures["sets"].values()),
            "kb_ms": [statistics.median(all_kb_ms), pct(all_kb_ms, 0.95)],
            "fts_ms": [statistics.median(all_fts_ms), pct(all_fts_ms, 0.95)],
        }
        measured.record(f"realtext-{args.articles}" if args.articles else "realtext", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
