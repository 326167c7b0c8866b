"""Relevance evaluation: run a labeled query set against a knowledge base and report R@1 and MRR.

    python -m tools.evaluate [--distractors 1000] [--out tests/relevance/RESULTS.md]

builds a temporary corpus (the bundled content plus generated near-miss advisories from
:mod:`tools.synthetic`), runs ``tests/relevance/queries.yaml`` and writes the figures. The test suite
(``tests/test_relevance.py``) runs the same evaluation and asserts on it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kb.api import KnowledgeBase
from kb.search.rank import Hit

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the repository

QUERIES = PROJECT_ROOT / "tests" / "relevance" / "queries.yaml"


@dataclass
class Outcome:
    query: dict
    hits: list[Hit]
    rank: int | None  # 1-based rank of the first correct hit; None when absent
    ok: bool  # R@1 success (or, for a negative, nothing better than weak)
    problems: list[str] = field(default_factory=list)


def load_queries(path: Path = QUERIES) -> list[dict]:
    return yaml.safe_load(path.read_text("utf-8"))


def is_correct(hit: Hit, q: dict) -> bool:
    if hit.id != q["id"]:
        return False
    if q.get("case") and hit.case != q["case"]:
        return False
    if "not_affected" in q and hit.not_affected != q["not_affected"]:
        return False
    return not (q.get("confidence") and hit.confidence not in q["confidence"])


def judge(q: dict, hits: list[Hit]) -> Outcome:
    if q.get("negative"):
        strong = [h for h in hits if h.confidence != "weak"]
        return Outcome(q, hits, None, not strong, [f"{h.id}#{h.case} is {h.confidence}" for h in strong])
    rank = next((i for i, h in enumerate(hits, 1) if is_correct(h, q)), None)
    problems = []
    if rank != 1:
        top = f"{hits[0].id}#{hits[0].case} ({hits[0].confidence})" if hits else "nothing"
        problems.append(f"expected {q['id']}#{q.get('case', '*')} first, got {top}; correct at rank {rank}")
    if q.get("lang") and hits and hits[0].lang != q["lang"]:
        problems.append(f"answer language {hits[0].lang}, expected {q['lang']}")
    return Outcome(q, hits, rank, rank == 1 and not problems, problems)


def evaluate(base: KnowledgeBase, queries: list[dict], limit: int = 10) -> list[Outcome]:
    return [judge(q, base.search(q["q"], limit=limit)) for q in queries]


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    positives = [o for o in outcomes if not o.query.get("negative")]
    negatives = [o for o in outcomes if o.query.get("negative")]
    r1 = sum(o.rank == 1 for o in positives) / len(positives) if positives else 1.0
    mrr = sum(1 / o.rank for o in positives if o.rank) / len(positives) if positives else 1.0
    neg = sum(o.ok for o in negatives) / len(negatives) if negatives else 1.0
    return {
        "queries": len(outcomes),
        "positives": len(positives),
        "negatives": len(negatives),
        "r_at_1": r1,
        "mrr": mrr,
        "negatives_ok": neg,
        "all_ok": sum(o.ok for o in outcomes) / len(outcomes),
    }


def build_corpus(tmp: Path, distractors: int, seed: int = 0) -> KnowledgeBase:
    """The bundled content plus ``distractors`` generated near-miss advisories, indexed under ``tmp``."""
    from tools.synthetic import write_corpus

    content = tmp / "content"
    shutil.copytree(PROJECT_ROOT / "content", content, ignore=shutil.ignore_patterns("README.md"))
    if distractors:
        write_corpus(content, distractors, seed=seed)
    base = KnowledgeBase(content, tmp / "index")
    base.build()
    return base


def report(outcomes: list[Outcome], distractors: int, seconds: float) -> str:
    m = metrics(outcomes)
    lines = [
        "# Relevance",
        "",
        f"Query set: `tests/relevance/queries.yaml` ({m['positives']} queries with an expected advisory/case, {m['negatives']} negatives).",
        f"Corpus: the bundled advisories plus {distractors} generated near-miss distractors (`tools.synthetic`, seed 0).",
        "Produced by `python -m tools.evaluate`; `tests/test_relevance.py` asserts R@1 = 100 %.",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| R@1 (advisory and case) | {m['r_at_1']:.1%} |",
        f"| MRR | {m['mrr']:.3f} |",
        f"| negatives with only weak hits | {m['negatives_ok']:.0%} |",
        f"| evaluation time (all queries) | {seconds:.1f} s |",
        "",
    ]
    failed = [o for o in outcomes if not o.ok]
    if failed:
        lines += ["## Failures", ""] + [f"- `{o.query['q'][:60]!s}`: {'; '.join(o.problems)}" for o in failed]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--distractors", type=int, default=1000)
    p.add_argument("--out", default=str(PROJECT_ROOT / "tests" / "relevance" / "RESULTS.md"))
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = build_corpus(Path(tmp), args.distractors)
        t0 = time.perf_counter()
        outcomes = evaluate(base, load_queries())
        seconds = time.perf_counter() - t0
        base.close()
    text = report(outcomes, args.distractors, seconds)
    Path(args.out).write_text(text, "utf-8")
    print(text)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
