#!/usr/bin/env python
"""Sanity checks for ``bench/realtext/queries.yaml`` against the corpus it was written about.

    .venv/bin/python bench/realtext/check_queries.py [CORPUS_JSONL] [--queries QUERIES_YAML]

Checks, and exits non-zero on any failure:

* every query has ``q``, a known ``kind`` and an ``expect`` list; negatives expect nothing, the others
  at least one id; no id twice in one list; no query text twice;
* every expected id exists in the corpus;
* no query other than a ``paste`` shares a run of 12 or more characters with the title or body of any
  article it expects (the queries are written in a user's own words, not copied). Both sides are
  lower-cased, whitespace is collapsed, spaces next to non-ASCII characters are dropped (the articles put
  spaces around Latin words in Japanese text) and product names (``PRODUCTS``) count as one character.
  A shared run made of a single ASCII token (an identifier, a host name, one long word) is allowed.
  ``paste`` queries are exempt: error codes and messages are facts a user pastes as they appear.

Prints the counts per kind and the number of distinct target articles (first expected id) and of
distinct expected ids. Stdlib plus PyYAML.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "alchemy-insights-ja.jsonl"
DEFAULT_QUERIES = Path(__file__).resolve().with_name("queries.yaml")
KINDS = ("paraphrase-ja", "question-en", "paste", "known-item", "negative")
MIN_SHARED = 12

_PRODUCT_NAMES = """
microsoft 365 管理センター
teams 管理センター
sharepoint 管理センター
exchange 管理センター
microsoft 365
office 365
microsoft teams
sharepoint online
onedrive for business
exchange online powershell
exchange online
azure ad connect
azure active directory
azure ad
microsoft edge
microsoft stream
microsoft bookings
microsoft forms
microsoft whiteboard
microsoft planner
skype for business online
skype for business
defender for endpoint
microsoft defender
windows autopilot
windows 10
windows 11
outlook.com
outlook on the web
outlook for mac
outlook for windows
power automate
power pivot
power bi
azure portal
apple watch
surface pro x
azure kinect dk
outlook customer manager
project online
microsoft intune
google chrome
internet explorer
access services
"""
PRODUCTS = sorted(_PRODUCT_NAMES.split("\n")[1:-1], key=len, reverse=True)
_SINGLE_TOKEN = re.compile(r"[a-z0-9._@/:\-\u00a7]+")


def normalise(text: str) -> str:
    s = re.sub(r"\s+", " ", text.lower())
    for name in PRODUCTS:
        s = s.replace(name, "\u00a7")
    return re.sub(r" (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) ", "", s)


def longest_shared(a: str, b: str) -> str:
    """Longest substring of ``a`` that also occurs in ``b`` (``a`` is short: a query)."""
    best = ""
    for i in range(len(a)):
        j = i + len(best) + 1
        while j <= len(a) and a[i:j] in b:
            best = a[i:j]
            j += 1
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    args = ap.parse_args(argv)

    docs = {}
    with open(args.corpus, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                docs[d["id"]] = d
    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))["queries"]

    problems: list[str] = []
    seen_q: set[str] = set()
    for n, item in enumerate(queries, 1):
        q, kind, expect = item.get("q"), item.get("kind"), item.get("expect")
        where = f"#{n} {q!r:.60}"
        if not isinstance(q, str) or not q.strip():
            problems.append(f"{where}: empty q")
            continue
        if q in seen_q:
            problems.append(f"{where}: duplicate query text")
        seen_q.add(q)
        if kind not in KINDS:
            problems.append(f"{where}: unknown kind {kind!r}")
        if not isinstance(expect, list):
            problems.append(f"{where}: expect is not a list")
            continue
        if kind == "negative" and expect:
            problems.append(f"{where}: a negative expects ids")
        if kind != "negative" and not expect:
            problems.append(f"{where}: expects nothing")
        if len(set(expect)) != len(expect):
            problems.append(f"{where}: an id is listed twice")
        for doc_id in expect:
            if doc_id not in docs:
                problems.append(f"{where}: unknown id {doc_id!r}")
        if kind == "paste":
            continue
        nq = normalise(q)
        for doc_id in expect:
            if doc_id not in docs:
                continue
            shared = longest_shared(nq, normalise(docs[doc_id]["title"] + "\n" + docs[doc_id]["body"])).strip()
            if len(shared) >= MIN_SHARED and not _SINGLE_TOKEN.fullmatch(shared):
                problems.append(f"{where}: shares {len(shared)} chars with {doc_id}: {shared!r}")

    kinds = Counter(item.get("kind") for item in queries)
    targets = {item["expect"][0] for item in queries if item.get("expect")}
    expected = {i for item in queries for i in item.get("expect") or []}
    print(f"{len(queries)} queries: " + ", ".join(f"{k} {kinds.get(k, 0)}" for k in KINDS))
    print(f"distinct target articles (first expected id): {len(targets)}; distinct expected ids: {len(expected)}")
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
