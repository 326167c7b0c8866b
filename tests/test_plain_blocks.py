"""kb.content.plain_blocks gives markdown-it's own block tokens for plain prose, and declines the rest.

Its tokens are compared field by field (every field of markdown-it's ``Token``) with those of the
parser content loading uses otherwise (:func:`kb.content.load._checking_parser`), on generated
documents (random lines, and nested lists with jittered indentation), on the bundled and generated
content, and on text it must leave to markdown-it. Loading with and without it gives the same
advisories and problems."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from markdown_it.token import Token

from kb.content import load as content_load
from kb.content.load import _checking_parser
from kb.content.plain_blocks import plain_block_tokens
from tools.synthetic import write_corpus

FIELDS = [f.name for f in dataclasses.fields(Token)]

# Lines of every sort: plain ones, and near misses of each construct the subset leaves out.
LINES = [
    *["", "", "", "  ", "text", "日本語の文です。", "2019年に", "1.5 GB", "**注意**: x", "__init__", "``x``", "~~s~~", "<br>", ":x"],
    *["|a|", "a | b", "=x", "#5", "##x", "-x-", "+x", "*x*", "_x_", "[スタート] をクリック", "[a]", "text  ", "x\u3000y", "\u3000indent"],
    *["1.", "1. one", "2. two", "01. z", "0. zero", "10. ten", "123456789. nine", "1234567890. ten", "3) x", "1) y", "1. 1.5 GB"],
    *["- a", "- b", "* c", "+ d", "-  two", "- - -", "* * *", "---", "===", "= =", "- ", "-", "*", "+", "- \u3000x", "- **注意**: x"],
    *["# H", "## H2", "###### six", "####### seven", "#nospace", "# ", "#", "# C#", "# x #", "# trail  ", "#\u3000x", "#5 # x"],
    *["> q", "```", "~~~", "```x", "~~~x", "    code", "[r]: /u", "text [a]: b", "[foo", "bar]: /url", "| --- |", "|-|", "- | -", ":-"],
    *["***", "**", "_ _ _", "__", "1. # h", "- > q", "- 1. n", "1. - b", "- #5", "- `c`", "- <b>", "-- x", "+ + +", "- [a] b"],
    *["x\u3000", "\x0c", "\u2028", "a\\", "\x85x", "x\xa0", "\ufeffx", "\u200bx", "#\tx", "a\tb", "a\rb", "a\0b"],
]
INDENTS = ["", "", "", " ", "  ", "   ", "    ", "     ", "      ", "        "]


def _fields(tokens: list[Token]) -> list[tuple]:
    return [tuple(getattr(t, f) for f in FIELDS) for t in tokens]


def _same_as_markdown_it(text: str) -> bool:
    """Asserts that the shortcut's tokens, when it gives any, are markdown-it's; True when it gave them."""
    tokens = plain_block_tokens(text)
    if tokens is None:
        return False
    env: dict = {}
    assert _fields(tokens) == _fields(_checking_parser().parse(text, env)), repr(text)
    assert env == {}  # (no link reference definition was there to find)
    return True


def _random_lines(rng: random.Random) -> str:
    lines = [rng.choice(INDENTS) + rng.choice(LINES) for _ in range(rng.randint(0, 12))]
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n", "\n  "])


def _nested_lists(rng: random.Random) -> str:
    """Headings, paragraphs and lists inside lists, their lines indented as the item's text (most
    of the time) or a few columns off, with blank lines here and there."""
    texts = ["text", "日本語の文です。", "**注意**: x", "[スタート] を押す", "`code` x", "x  ", "2. not an item", "#5", "a | b"]
    out: list[str] = []

    def column(at: int) -> int:
        return at if rng.random() < 0.75 else max(0, at + rng.choice([-3, -2, -1, 1, 2, 3, 4]))

    def blank() -> None:
        if rng.random() < 0.35:
            out.append(rng.choice(["", "", "  "]))

    def blocks(at: int, depth: int) -> None:
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.2:
                out.append(" " * column(at) + "#" * rng.randint(1, 3) + " " + rng.choice(texts))
            elif r < 0.5 or depth > 3:
                out.extend(" " * column(at) + rng.choice(texts) for _ in range(rng.randint(1, 3)))
            else:
                ordered, bullet, first = rng.random() < 0.5, rng.choice("-*+"), rng.choice([1, 1, 1, 2, 0, 10, 99])
                for k in range(rng.randint(1, 4)):
                    marker = f"{first + k}." if ordered else bullet
                    if rng.random() < 0.1:
                        marker = rng.choice(["-", "1.", "*", "2)"])
                    out.append(" " * column(at) + marker + " " + rng.choice(texts))
                    inner = at + len(marker) + 1
                    if rng.random() < 0.3:
                        out.append(" " * column(inner) + rng.choice(texts))
                    if rng.random() < 0.4:
                        blank()
                        blocks(inner, depth + 1)
                    blank()
            blank()

    blocks(0, 0)
    return "\n".join(out) + rng.choice(["", "\n"])


@pytest.mark.parametrize(("make", "at_least"), [(_random_lines, 300), (_nested_lists, 1000)])
def test_generated_documents_get_markdown_its_tokens(make, at_least: int):
    rng = random.Random(20261201)
    made = [make(rng) for _ in range(3000)]
    taken = sum(_same_as_markdown_it(text) for text in made)
    assert taken >= at_least  # (the comparison is not only of documents it declined)


def test_plain_lines_alone_are_always_taken():
    rng = random.Random(7)
    plain = ["", "text", "日本語の文です。", "**注意**: x", "[a] b", "# H", "## H2", "- a", "* b", "1. one", "2. two", "   more", "  - nested"]
    for _ in range(2000):
        text = "\n".join(rng.choice(plain) for _ in range(rng.randint(1, 10)))
        if "\n   more" in "\n" + text or "\n  - nested" in "\n" + text:
            _same_as_markdown_it(text)  # (indented lines are taken or not depending on what precedes)
        else:
            assert _same_as_markdown_it(text), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "```\ncode\n```",
        "~~~\ncode\n~~~",
        "    indented code",
        "> a quote",
        "| a | b |\n| --- | --- |\n| 1 | 2 |",
        "Title\n=====",
        "Title\n-----",
        "a\n\n***\n\nb",
        "- - -",
        "[ref]: https://example.com\n\n[ref]",
        "1) parenthesis",
        "-  two spaces after the marker",
        "- > quoted in a list",
        "1. - a list in a list on one line",
        "# closed heading #",
        "#",
        "a\tb",
        "a\r\nb",
        "a\0b",
        "\u3000starts with an ideographic space\u3000",
    ],
)
def test_other_constructs_are_left_to_markdown_it(text: str):
    assert plain_block_tokens(text) is None


def test_bundled_and_generated_content_is_taken(tmp_path: Path):
    bundled = Path(__file__).resolve().parent.parent / "content"
    write_corpus(tmp_path, 60, seed=11, mixed=True)
    files = sorted(bundled.glob("*/*.md")) + sorted(tmp_path.glob("*/*.md"))
    assert len(files) >= 60
    for path in files:
        lines = path.read_text("utf-8").split("\n")
        end = lines.index("---", 1)  # (the body: what loading parses)
        assert _same_as_markdown_it("\n".join(lines[end + 1 :])), path


def test_loading_is_the_same_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bundled = Path(__file__).resolve().parent.parent / "content"
    write_corpus(tmp_path, 30, seed=13, mixed=True)
    for root in (bundled, tmp_path):
        with_it = content_load.load(root, workers=1)
        with monkeypatch.context() as m:
            m.setattr(content_load, "plain_block_tokens", lambda text: None)
            without = content_load.load(root, workers=1)
        assert with_it == without
        assert with_it[0]


def test_problems_are_the_same_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Prose with mistakes in it, in the plain subset (a case heading advisory.yaml does not
    declare, refused link schemes, one on a list item's lazy continuation line, a missing asset):
    the same problems, at the same lines, as markdown-it's tokens give."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", content)
    en = content / "trendmicro-tmcm-tmi-not-ready" / "en.md"
    en.write_text(
        en.read_text("utf-8")
        + "\n# not-declared: A case nobody declared\n\nSee [the page](javascript:alert(1)) and ![shot](assets/missing.png).\n"
        + "\n## Workaround\n\n1. Open [the other advisory](kb:no-such-advisory#x).\n2. Then\n   [a data link](data:text/html,hi)\n",
        "utf-8",
    )
    assert plain_block_tokens(en.read_text("utf-8").split("---\n", 2)[2]) is not None  # (the shortcut is what is tested)
    with_it = content_load.load(content, workers=1)
    with monkeypatch.context() as m:
        m.setattr(content_load, "plain_block_tokens", lambda text: None)
        without = content_load.load(content, workers=1)
    assert with_it == without
    assert len([p for p in with_it[1] if p.severity == "error"]) >= 4


def test_the_trimmed_characters_are_every_one_that_may_be_trimmed():
    """The characters whose presence at a paragraph's ends leaves the text to markdown-it: Python's
    whitespace (what ``str.strip`` removes), controls, U+2000-U+200B, the line and paragraph
    separators and the BOM (what markdown-it's trimming may remove, by version)."""
    import sys

    from kb.content.plain_blocks import _TRIMMED

    derived = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() or c < " " or c == "\x7f" or "\u2000" <= c <= "\u200b"}
    expected = derived | {"\u2028", "\u2029", "\ufeff"}
    assert expected == _TRIMMED
