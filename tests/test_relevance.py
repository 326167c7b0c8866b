"""The relevance set against the bundled content plus >= 1,000 generated near-miss advisories.

R@1 must be 100 % for the queries about bundled content, and negatives may only get weak hits.
Figures are printed; `python -m tools.evaluate` writes them to tests/relevance/RESULTS.md.
"""

from __future__ import annotations

import pytest

from tools.evaluate import build_corpus, evaluate, load_queries, metrics

DISTRACTORS = 1000


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    base = build_corpus(tmp_path_factory.mktemp("relevance"), DISTRACTORS)
    assert len(base.advisories()) >= DISTRACTORS + 2
    result = evaluate(base, load_queries())
    base.close()
    return result


def test_the_set_covers_every_kind_of_query():
    queries = load_queries()
    assert len(queries) >= 60
    assert sum(1 for q in queries if q.get("negative")) >= 5
    assert any(q.get("not_affected") for q in queries)
    assert any("\n" in q["q"].strip() for q in queries), "multi-line pastes"
    assert any(q.get("lang") == "en" for q in queries) and any(q.get("lang") == "ja" for q in queries)


def test_r_at_1_is_perfect(outcomes):
    m = metrics(outcomes)
    print(f"\nrelevance: R@1 {m['r_at_1']:.1%}  MRR {m['mrr']:.3f}  negatives ok {m['negatives_ok']:.0%}  ({m['queries']} queries)")
    failures = [f"{o.query['q'][:50]!r}: {'; '.join(o.problems)}" for o in outcomes if not o.ok and not o.query.get("negative")]
    assert failures == []
    assert m["r_at_1"] == 1.0


def test_negatives_get_only_weak_hits(outcomes):
    bad = [f"{o.query['q'][:50]!r}: {'; '.join(o.problems)}" for o in outcomes if o.query.get("negative") and not o.ok]
    assert bad == []
