#!/usr/bin/env python
"""SQLite FTS5 (trigram) baseline for the real-text relevance set in ``bench/realtext/queries.yaml``.

    .venv/bin/python bench/realtext/fts5_baseline.py [CORPUS_JSONL] [--queries QUERIES_YAML] [--k 10]

CORPUS_JSONL defaults to ``../shared/corpora/alchemy-insights-ja.jsonl`` relative to the repository root
(one JSON object a line with ``id``, ``title``, ``body``; see that folder's README). The corpus is read at
run time and never copied into the repository.

The index is an in-memory FTS5 table with the ``trigram`` tokenizer over ``title`` and ``body``, ranked by
``bm25(t, 3.0, 1.0)`` (title weighted three times the body). A query is turned into an OR of its
trigrams: it is split into runs of characters (at whitespace and sentence punctuation), every 3-character
window of a run becomes a quoted FTS5 phrase (inner ``"`` doubled), at most ``MAX_TRIGRAMS`` of them,
joined with ``OR``. Runs shorter than 3 characters contribute nothing; a query with no trigram returns
no result.

:func:`evaluate` takes any ``run(query) -> ranked article ids`` callable, so another engine (kb's) can be
measured on the same set with the same figures: per kind the count, R@1, R@5 (a hit when the rank-1 /
any top-5 id is in ``expect``), MRR@10 (reciprocal rank of the first expected id within the top 10, 0 if
none) and, for ``negative`` queries (``expect: []``), the share that returned nothing at all.

Stdlib only, plus PyYAML to read the query file. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "alchemy-insights-ja.jsonl"
DEFAULT_QUERIES = Path(__file__).resolve().with_name("queries.yaml")

MAX_TRIGRAMS = 200
TOP_K = 10
KIND_ORDER = ("paraphrase-ja", "question-en", "paste", "known-item", "negative")

# Characters that end a run (besides whitespace): brackets, quotes and sentence punctuation, ASCII and
# full-width. Characters found inside identifiers and error codes (. - _ : / @ # etc.) stay in the run.
_BREAKS = set("「」『』【】〈〉《》（）()[]{}<>、。，．・！？!?,;；\"'“”‘’`")


def load_corpus(path: Path) -> list[dict]:
    """Read the JSONL corpus: a list of dicts with at least ``id``, ``title`` and ``body``."""
    docs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                docs.append(json.loads(line))
    return docs


def load_queries(path: Path) -> list[dict]:
    """Read ``queries.yaml``: a list of ``{q, kind, expect}`` dicts."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    queries = data["queries"] if isinstance(data, dict) else data
    for item in queries:
        item["expect"] = list(item.get("expect") or [])
    return queries


def runs(text: str) -> list[str]:
    """Split ``text`` into runs of characters at whitespace and the punctuation in ``_BREAKS``."""
    out: list[str] = []
    cur: list[str] = []
    for ch in text:
        if ch.isspace() or ch in _BREAKS:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def trigram_match_expression(text: str, cap: int = MAX_TRIGRAMS) -> str | None:
    """The FTS5 MATCH expression for ``text``: its distinct trigrams as quoted phrases, OR-ed.

    Returns ``None`` when the text has no run of 3 or more characters.
    """
    seen: dict[str, None] = {}
    for run in runs(text):
        for i in range(len(run) - 2):
            gram = run[i : i + 3]
            if gram not in seen:
                seen[gram] = None
                if len(seen) >= cap:
                    break
        if len(seen) >= cap:
            break
    if not seen:
        return None
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in seen)


def build_index(docs: Iterable[dict]) -> tuple[sqlite3.Connection, list[str]]:
    """An in-memory FTS5 trigram table ``t(title, body)`` holding ``docs``, and the article ids by rowid
    (``ids[rowid - 1]``)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='trigram')")
    ids: list[str] = []
    rows = []
    for d in docs:
        ids.append(d["id"])
        rows.append((len(ids), d.get("title") or "", d.get("body") or ""))
    conn.executemany("INSERT INTO t (rowid, title, body) VALUES (?, ?, ?)", rows)
    conn.commit()
    return conn, ids


def make_run(conn: sqlite3.Connection, ids: Sequence[str], k: int = TOP_K) -> Callable[[str], list[str]]:
    """A ``run(query) -> ranked ids`` function over the FTS5 index (``bm25(t, 3.0, 1.0)``: title weighted
    three times the body)."""

    def run(query: str) -> list[str]:
        expr = trigram_match_expression(query)
        if expr is None:
            return []
        rows = conn.execute(
            "SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t, 3.0, 1.0) LIMIT ?",
            (expr, k),
        ).fetchall()
        return [ids[r[0] - 1] for r in rows]

    return run


def evaluate(run: Callable[[str], list[str]], queries: Sequence[dict], k: int = TOP_K) -> dict:
    """Run every query through ``run`` and score it.

    Returns ``{"per_kind": {kind: figures}, "all": figures_of_positive_kinds, "details": [...]}`` where
    figures are ``count``, ``r1``, ``r5``, ``mrr`` (MRR@k, first expected id in the top ``k``) for kinds
    with expected ids, and ``count``, ``empty`` (share of queries that returned nothing) and ``nonempty``
    for ``negative``. ``details`` lists, per query, its kind, the top ``k`` ids and the rank (1-based) of
    the first expected id or ``None``.
    """
    per: dict[str, dict[str, float]] = {}
    details = []
    for item in queries:
        kind = item["kind"]
        expect = set(item.get("expect") or [])
        t0 = time.perf_counter()
        ranked = list(run(item["q"]))[:k]
        elapsed = time.perf_counter() - t0
        acc = per.setdefault(kind, {"count": 0, "r1": 0.0, "r5": 0.0, "mrr": 0.0, "empty": 0.0, "ms": 0.0})
        acc["count"] += 1
        acc["ms"] += elapsed * 1000
        rank = None
        if not ranked:
            acc["empty"] += 1
        if expect:
            for i, doc_id in enumerate(ranked, 1):
                if doc_id in expect:
                    rank = i
                    break
            if rank == 1:
                acc["r1"] += 1
            if rank is not None and rank <= 5:
                acc["r5"] += 1
            if rank is not None:
                acc["mrr"] += 1.0 / rank
        details.append({"q": item["q"], "kind": kind, "top": ranked, "rank": rank, "expect": sorted(expect)})

    out: dict[str, dict] = {}
    total = {"count": 0, "r1": 0.0, "r5": 0.0, "mrr": 0.0}
    for kind, acc in per.items():
        n = acc["count"]
        fig: dict[str, float] = {"count": n, "ms_per_query": acc["ms"] / n}
        if kind == "negative":
            fig["empty"] = acc["empty"] / n
            fig["nonempty"] = 1 - fig["empty"]
        else:
            fig.update(r1=acc["r1"] / n, r5=acc["r5"] / n, mrr=acc["mrr"] / n, empty=acc["empty"] / n)
            total["count"] += n
            for key in ("r1", "r5", "mrr"):
                total[key] += acc[key]
        out[kind] = fig
    n = total["count"] or 1
    overall = {"count": total["count"], "r1": total["r1"] / n, "r5": total["r5"] / n, "mrr": total["mrr"] / n}
    return {"per_kind": out, "all": overall, "details": details}


def markdown_table(result: dict) -> str:
    """The per-kind figures of :func:`evaluate` as a Markdown table."""
    lines = [
        "| kind | queries | R@1 | R@5 | MRR@10 | no result |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    per = result["per_kind"]
    kinds = [k for k in KIND_ORDER if k in per] + sorted(k for k in per if k not in KIND_ORDER)
    for kind in kinds:
        f = per[kind]
        if kind == "negative":
            lines.append(f"| {kind} | {f['count']} | – | – | – | {f['empty']:.2f} |")
        else:
            lines.append(f"| {kind} | {f['count']} | {f['r1']:.2f} | {f['r5']:.2f} | {f['mrr']:.2f} | {f['empty']:.2f} |")
    a = result["all"]
    lines.append(f"| all with expected ids | {a['count']} | {a['r1']:.2f} | {a['r5']:.2f} | {a['mrr']:.2f} | |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS, help="corpus JSONL")
    ap.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="queries YAML")
    ap.add_argument("--k", type=int, default=TOP_K, help="results kept per query (default 10)")
    ap.add_argument("--details", type=Path, help="also write per-query results as JSON to this file")
    args = ap.parse_args(argv)

    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    docs = load_corpus(args.corpus)
    queries = load_queries(args.queries)
    t0 = time.perf_counter()
    conn, ids = build_index(docs)
    build_s = time.perf_counter() - t0
    result = evaluate(make_run(conn, ids, args.k), queries, args.k)
    print(
        f"FTS5 trigram baseline (bm25 title 3.0 / body 1.0), {len(docs)} articles indexed in {build_s:.1f} s, "
        f"{len(queries)} queries, SQLite {sqlite3.sqlite_version}\n"
    )
    print(markdown_table(result))
    if args.details:
        args.details.write_text(json.dumps(result["details"], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
