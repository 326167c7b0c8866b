"""kb.content.schema_check against jsonschema: the compiled checks must call a value valid exactly
when jsonschema's Draft 2020-12 validator does. Loading trusts a "valid" without asking jsonschema,
so one value that only jsonschema refuses would let bad content into the index.

Checked on the bundled and generated advisories as written, and on thousands of changed copies:
a value replaced (wrong types, empty, near-miss strings for the patterns, 1.0 and true for an
integer), a key removed or added, a list emptied or grown."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from kb.content.load import parse_yaml, schema
from kb.content.problems import Report
from kb.content.schema_check import compile_schema
from tools.synthetic import write_corpus

PROJECT_ROOT = Path(__file__).resolve().parents[1]

REPLACEMENTS = [
    "", "x", "A", "abc-def", "abc--def", "Abc", "-abc", "abc-", "a b", "main", "ja", "en",
    "2024-01-02", "2024-1-2", "2024-01-02\n", "https://example.com/a", "http://x", "ftp://example.com", "https://", "https://a b",
    "PGT20146F2", "TX200 FT", "-TX", "TX/", "1.2.3", "1.", "1", "a:b", "a/b", "install", "backup", "other",
    0, 1, -1, 7036, 1.0, 1.5, -0.5, True, False, None,
    [], [""], ["a"], ["a", ""], [1], [{}], [{"id": "x"}], [{"name": "n"}], [{"reason": {"ja": "理由"}, "model": "TX"}],
    {}, {"ja": ""}, {"ja": "x"}, {"en": "y", "ja": "x"}, {"fr": "x"}, {"ja": 1}, {"name": "x"}, {"id": "x", "extra": 1},
]  # fmt: skip


def _samples(tmp: Path) -> list[dict]:
    write_corpus(tmp / "synthetic", 40, seed=3, mixed=True)
    out = []
    for path in sorted([*PROJECT_ROOT.glob("content/*/advisory.yaml"), *(tmp / "synthetic").glob("*/advisory.yaml")]):
        parsed = parse_yaml(path.read_text("utf-8"), path, Report())
        assert parsed is not None, path
        out.append(parsed[0])
    return out


def _places(value):
    """Every (container, key) in a parsed advisory, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield value, k
            yield from _places(v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield value, i
            yield from _places(v)


def _changed(data: dict, rng: random.Random) -> dict:
    d = copy.deepcopy(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        places = list(_places(d))
        container, key = rng.choice(places)
        action = rng.random()
        if action < 0.6:
            container[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
        elif action < 0.75:
            del container[key]
        elif action < 0.85 and isinstance(container, dict):
            container[rng.choice(["extra", "Id", "kind", "text", "models", "product", "reason", "name", 1])] = copy.deepcopy(rng.choice(REPLACEMENTS))
        elif isinstance(container[key], list):
            container[key] = [] if rng.random() < 0.5 else container[key] + copy.deepcopy(container[key][:1] or [rng.choice(REPLACEMENTS)])
        else:
            container[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return d


@pytest.fixture(scope="module")
def checks():
    return compile_schema(schema()), Draft202012Validator(schema())


def test_the_advisories_as_written_are_valid_to_both(checks, tmp_path_factory):
    fast, slow = checks
    samples = _samples(tmp_path_factory.mktemp("schema"))
    assert len(samples) > 40
    for data in samples:
        assert slow.is_valid(data) and fast(data), data.get("id")


def test_changed_advisories_get_the_same_answer_from_both(checks, tmp_path_factory):
    fast, slow = checks
    samples = _samples(tmp_path_factory.mktemp("schema"))
    rng = random.Random(11)
    seen = {True: 0, False: 0}
    for n in range(6000):
        data = _changed(rng.choice(samples), rng)
        expected = slow.is_valid(data)
        assert fast(data) == expected, (n, data)
        seen[expected] += 1
    assert seen[True] > 500 and seen[False] > 2000, seen  # both answers are exercised


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ({"id": "a", "messages": [{"id": "m", "kind": "k", "text": "t", "event_id": 1.0}]}, True),  # 1.0 is an integer
        ({"id": "a", "messages": [{"id": "m", "kind": "k", "text": "t", "event_id": True}]}, False),  # true is not
        ({"id": "a", "messages": [{"id": "m", "kind": "k", "text": "t", "event_id": -1}]}, False),
        ({"id": "a", "published": "2024-01-02\n"}, True),  # Python's $ matches before a final newline, in both
        ({"id": "a", "messages": [{"id": "m", "kind": "k", "text": {"ja": "x", "en": "y"}}]}, True),
        ({"id": "a", "messages": [{"id": "m", "kind": "k", "text": {}}]}, False),  # oneOf: neither
        ({"id": "a", "cases": [{"id": "c", "applies_to": [{"versions": ["1"]}]}]}, False),  # anyOf: neither
        ({"id": "a", "cases": [{"id": "c", "files": [{"names": ["a"], "locations": [{"path": "p", "role": "backup"}]}]}]}, True),
        ({"id": "a", "cases": [{"id": "c", "files": [{"names": ["a"], "locations": [{"path": "p", "role": True}]}]}]}, False),
        ({1: "x", "id": "a"}, False),  # a key that is not a name is not a property
        ([], False),
    ],
)
def test_edges_of_the_keywords(checks, value, valid):
    fast, slow = checks
    assert slow.is_valid(value) is valid
    assert fast(value) is valid


def test_a_schema_keyword_it_does_not_know_is_refused():
    with pytest.raises(ValueError, match="maxLength"):
        compile_schema({"type": "string", "maxLength": 3})
