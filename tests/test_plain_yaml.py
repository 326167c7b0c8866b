"""kb.content.plain_yaml reads plain YAML as libyaml does, and declines the rest.

Its values (types included: ``True`` is not ``1``) and line maps are compared with those of
:func:`kb.content.load.parse_yaml_nodes` (libyaml's nodes) on generated documents (random nesting,
indentation, flow collections and scalars of every tricky sort, as hand-written and as PyYAML
writes them), on the bundled and generated content, and on text it must leave to libyaml. Loading
with and without it gives the same advisories and problems."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml

from kb.content import load as content_load
from kb.content.load import MAX_YAML_DEPTH, _plain_tag, parse_yaml_nodes
from kb.content.plain_yaml import plain_yaml
from kb.content.problems import Report
from tools.synthetic import write_corpus

ROOT = Path(__file__).resolve().parent.parent

# Scalars as written after "key: " or "- ": plain ones of every resolution, near misses of each
# indicator, quoted ones with escapes.
SCALARS = [
    *["text", "two words", "日本語の文です。", "-107", "+3", "0", "12", "007", "0x1F", "1_000", "1.5", "1e3", ".inf", "~", "null"],
    *["yes", "No", "on", "OFF", "true", "False", "y", "2020-01-01", "12:30", "190:20:30", "a:b", "http://x.example/a?b=c#d", "C:\\\\Temp"],
    *["a #comment", "x#y", "#x", "- x", "-x", "?x", "? x", ":x", "[x", "{x", "C:", "a: b", "@x", "`x", "%x", "!x", "!!str x", "|", ">"],
    *["'single'", "'it''s'", "'open", '"double"', '"esc \\" \\\\ \\n \\t \\u3042 \\x41 \\/"', '"bad \\q"', '"\\ud800"', '"open'],
    *['"a, b"', "'[x]'", '"# not a comment"', '"x" # comment', "'x'   # c", '"x"y', "x   # trailing", "a\u3000b", "１２３"],
    *["[a, b]", "[]", "{}", "[ 'x' , \"y\" ]", "[a, [b]]", "[a, ]", "[a: b]", "{ja: x, en: y}", '{ja: "x", en: "y"}', "{a: 1, a: 2}"],
    *["{on: x}", "{ja: [x]}", "[1, 2, -3]", "[yes, no]", "[x # c]", "{ja: 'x'} # c", "[a]b", "&anchor x", "*alias", "x" * 40],
    *["1234567890123456789", "123456789012345678", "9" * 31, "|", "|-", "|+", ">-", "|2", "| # c"],
]
# Lines a literal block scalar may hold, after the indentation it is written at.
BLOCK_LINES = ["text", "  more indented", "# not a comment", "- not an item", "key: not a key", "", "", "trailing  ", "日本語"]
KEYS = ["id", "title", "cases", "models", "text", "ja", "en", "a_b", "a-b", "on", "yes", "1", "null", "Key", "_k"]


def _typed(x):
    """A value with its types spelled out (``True == 1`` in Python)."""
    if isinstance(x, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("list", [_typed(v) for v in x])
    return (type(x).__name__, x)


def _same_as_libyaml(text: str) -> bool:
    """Asserts that plain_yaml, when it answers, answers as libyaml's nodes do (and only for text
    libyaml reads without a problem); True when it answered."""
    fast = plain_yaml(text, _plain_tag, MAX_YAML_DEPTH)
    if fast is None:
        return False
    report = Report()
    slow = parse_yaml_nodes(text, Path("x.yaml"), report)
    assert slow is not None and not report.problems, (text, report.problems)
    data, lines = slow
    assert _typed(fast[0]) == _typed(data), text
    assert {at: line + 1 for at, line in fast[1].items()} == lines, text
    return True


def _random_document(rng: random.Random) -> str:
    """Nested block mappings and sequences (indented or not), comments and blank lines, keys given
    twice now and then, the odd line a column off."""
    out: list[str] = []
    step = rng.choice([2, 2, 4])

    def pad(at: int) -> str:
        return " " * (at if rng.random() < 0.95 else max(0, at + rng.choice([-1, 1])))

    def extra() -> None:
        r = rng.random()
        if r < 0.08:
            out.append(rng.choice(["", "  ", "# a comment", "    # indented comment"]))

    def mapping(at: int, depth: int, first_prefix: str | None = None) -> None:
        keys = rng.sample(KEYS, rng.randint(1, 4))
        if rng.random() < 0.05:
            keys.append(keys[0])
        for n, key in enumerate(keys):
            head = first_prefix if (n == 0 and first_prefix is not None) else pad(at)
            r = rng.random()
            if r < 0.1:
                out.append(f"{head}{key}: {rng.choice(['|', '|-', '|', '|+', '>'])}")
                block_scalar(at + rng.choice([1, 2, 2, 4]))
            elif r < 0.6 or depth > 4:
                out.append(f"{head}{key}: {rng.choice(SCALARS)}")
            elif r < 0.8:
                out.append(f"{head}{key}:")
                mapping(at + step, depth + 1)
            else:
                out.append(f"{head}{key}:")
                sequence(at + rng.choice([0, step]), depth + 1)
            extra()

    def block_scalar(at: int) -> None:
        for _ in range(rng.randint(0, 4)):
            line = rng.choice(BLOCK_LINES)
            out.append(pad(at) + line if line else rng.choice(["", "", " " * rng.randint(1, at + 2)]))

    def sequence(at: int, depth: int) -> None:
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.5 and depth <= 4:
                mapping(at + 2, depth + 1, first_prefix=pad(at) + "- ")
            else:
                out.append(f"{pad(at)}- {rng.choice(SCALARS)}")
            extra()

    if rng.random() < 0.85:
        mapping(0, 0)
    else:
        sequence(0, 0)
    return "\n".join(out) + rng.choice(["", "\n", "\n\n"])


def _random_value(rng: random.Random, depth: int = 0):
    r = rng.random()
    if r < 0.3 and depth < 4:
        return {rng.choice(KEYS): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if r < 0.5 and depth < 4:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([*SCALARS, 0, -5, 12345, True, None, 1.5, "", " lead", "trail ", "a\nb", "\t", "x\x85y", "\u2028", "\ufeff"])


def test_generated_documents_are_read_as_libyaml_reads_them():
    rng = random.Random(20261202)
    made = [_random_document(rng) for _ in range(6000)]
    taken = sum(_same_as_libyaml(text) for text in made)
    assert taken >= 300  # (the comparison is not only of documents it declined)


@pytest.mark.parametrize("flow", [False, None, True])
def test_what_pyyaml_writes_is_read_as_libyaml_reads_it(flow):
    """What `kb import` and other tools write (PyYAML's emitter: indentless sequences, its own
    choice of quotes)."""
    rng = random.Random(7)
    taken = 0
    for _ in range(1500):
        value = {"id": "x", "items": _random_value(rng)}
        taken += _same_as_libyaml(yaml.safe_dump(value, allow_unicode=rng.random() < 0.5, sort_keys=False, default_flow_style=flow, width=1 << 20))
    assert taken >= (0 if flow else 300)  # (all flow: a root in braces is left to libyaml)


@pytest.mark.parametrize(
    "text",
    [
        "- |\n x\n- y\n",
        "- |-\n  a\n  b\n- c\n",
        "a:\n- |\n  x\n  y\nb: 1\n",
        "a:\n  - |-\n    x\n\n    y\n  - z\n",
        "- a: |\n    x\n  b: y\n",
        "- |\n x\n  y\n",
        "k: |-\n  a\n\n\nn: 1\n",
        "-  |\n   x\n",
        "- a: |\n   x\n",
        "k: |\n  # not a comment\n  - not an item\n",
    ],
)
def test_literal_blocks_in_items_and_mappings_are_read_as_libyaml_reads_them(text: str):
    assert _same_as_libyaml(text)


def test_deep_nesting_is_left_to_libyaml_which_reports_it():
    text = "".join(" " * (2 * k) + f"k{k}:\n" for k in range(MAX_YAML_DEPTH + 2)) + " " * (2 * (MAX_YAML_DEPTH + 2)) + "k: x\n"
    assert plain_yaml(text, _plain_tag, MAX_YAML_DEPTH) is None
    shallow = "".join(" " * (2 * k) + f"k{k}:\n" for k in range(MAX_YAML_DEPTH - 2)) + " " * (2 * (MAX_YAML_DEPTH - 2)) + "k: x\n"
    assert _same_as_libyaml(shallow)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",
        "a: |+\n  kept\n\n",
        "a: |2\n   indented\n",
        "a: |\n\n  after a blank line\n",
        "a: |\n  no line break at the end",
        "a: >\n  folded\n",
        "a: plain\n  over two lines\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "---\na: 1\n",
        "a: 1\n...\n",
        "a:\tx\n",
        "a: x\r\nb: y\r\n",
        "\ufeffa: x\n",
        "a: x\x85y\n",
        'a: "two\n  lines"\n',
        "a: [x,\n  y]\n",
        "? a\n: b\n",
        "a:\n",
        "a:\n-\n  b: c\n",
        "- - a\n",
        "a: true\n",
        "a: ~\n",
        "a: 1.5\n",
        "a: 0x1F\n",
        "just text\n",
        "",
        "# only a comment\n",
    ],
)
def test_other_yaml_is_left_to_libyaml(text: str):
    assert plain_yaml(text, _plain_tag, MAX_YAML_DEPTH) is None


def test_bundled_and_generated_content_is_taken(tmp_path: Path):
    write_corpus(tmp_path, 60, seed=11, mixed=True)
    files = sorted((ROOT / "content").glob("*/advisory.yaml")) + sorted(tmp_path.glob("*/advisory.yaml"))
    assert len(files) >= 60
    for path in files:
        assert _same_as_libyaml(path.read_text("utf-8")), path
    for path in sorted((ROOT / "content").glob("*/*.md")) + sorted(tmp_path.glob("*/*.md")):
        lines = path.read_text("utf-8").split("\n")
        assert _same_as_libyaml("\n".join(lines[1 : lines.index("---", 1)])), path  # (the front matter)


def test_loading_gives_the_same_advisories_and_problems_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Bundled and generated content, and content with mistakes in its YAML (a key given twice, a
    value of the wrong type, an unknown key, a case the prose does not have): the same advisories and
    the same problems at the same lines."""
    write_corpus(tmp_path / "generated", 30, seed=13, mixed=True)
    broken = tmp_path / "broken"
    shutil.copytree(ROOT / "content", broken)
    yml = broken / "trendmicro-tmcm-tmi-not-ready" / "advisory.yaml"
    text = yml.read_text("utf-8")
    yml.write_text(text.replace("\nvendor:", "\nvendor: 12\nvendr: x\npublished: 2020-13-45\nvendor:", 1) + "extra: [a, b]\n", "utf-8")
    other = broken / "fujitsu-tx200ft-ms05-018" / "advisory.yaml"
    other.write_text(other.read_text("utf-8").replace("cases:\n", "cases:\n  - id: ghost\n    applies_to: [{models: [X1]}]\n", 1), "utf-8")
    for root in (ROOT / "content", tmp_path / "generated", broken):
        with_it = content_load.load(root, workers=1)
        with monkeypatch.context() as m:
            m.setattr(content_load, "plain_yaml", lambda text, resolve, depth: None)
            without = content_load.load(root, workers=1)
        assert with_it == without
        if root == broken:
            assert len([p for p in with_it[1] if p.severity == "error"]) >= 3
        else:
            assert with_it[0] and not with_it[1]
