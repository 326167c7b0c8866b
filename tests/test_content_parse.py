"""The shortcuts of content loading give what the plain way gives.

Loading parses Markdown block by block and parses the inline syntax only of text that can hold a
link (``kb.content.load._links``), and builds ``advisory.yaml``'s values from the composed nodes
itself (``kb.content.load._value``). Each is checked here against the plain way: markdown-it's full
parse, and PyYAML's own construction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.content import load as content_load
from kb.content.load import _checking_parser, _links, _NoDatesLoader, markdown_parser, parse_yaml
from kb.content.problems import Report
from tools.synthetic import write_corpus

MARKDOWN = [
    "Plain text, no link at all.\n\nA second paragraph with < and > but no autolink: a < b > c.",
    'See [the notice](https://example.com/a) and ![a picture](assets/shot.png "title").',
    "Autolink <https://example.com/x?y=1> and mail <someone@example.com>.",
    "A reference [link][ref] and a collapsed [ref][] and a shortcut [ref].\n\n[ref]: https://example.com/ref",
    "The definition comes first.\n\n[later]: kb:other-advisory#case\n\nThen [it is used][later].",
    "Escaped \\[not a link\\](https://example.com) and `[code](https://example.com)` in code.",
    "# Heading with [a link](kb:a#b)\n\n## Another <https://example.com/h>",
    "1. Step one: open [the page](https://example.com/1).\n2. Step two\n   - note with [link](assets/n.txt)\n\n   Second paragraph [x](y.txt).",
    "> quoted [link](javascript:alert(1))\n> second line\n> [another](data:text/html,hi)",
    "| a | b |\n| --- | --- |\n| [cell](https://example.com/c) | <https://example.com/d> |",
    "line one\nline two [on line two](https://example.com/2)\\\nline three ![img](../outside.png)",
    "Brackets [without a target] and [empty]() and [spaces](<with space.txt>).",
    "    indented code [not a link](https://example.com)\n\n```\nfenced [not a link](x)\n```",
    "Nested [outer [inner](https://example.com/i)](https://example.com/o) and [![img](a.png)](https://example.com/l).",
    "Entity &#91;not](https://example.com) and &lt;https://example.com&gt;.",
    "日本語の段落に[リンク](https://example.com/ja)と<https://example.com/jp>。\n全角［括弧］はリンクではない。",
]


def _links_of_the_full_parse(text: str, first_line: int) -> list[tuple[int, str, str]]:
    """Links and images as markdown-it's full parse (inline syntax everywhere) gives them."""
    md = markdown_parser()
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    out = []
    for t in md.parse(text):
        if t.type != "inline" or not t.children:
            continue
        line = first_line + (t.map[0] if t.map else 0)
        for c in t.children:
            if c.type in ("softbreak", "hardbreak"):
                line += 1
            elif c.type in ("link_open", "image"):
                out.append((line, "link" if c.type == "link_open" else "image", str(c.attrGet("href" if c.type == "link_open" else "src") or "")))
    return out


def _links_as_loading_finds_them(text: str, first_line: int) -> list[tuple[int, str, str]]:
    md = _checking_parser()
    env: dict[str, Any] = {}  # (the link reference definitions the block parse finds)
    return _links(md, md.parse(text, env), env, first_line)


@pytest.mark.parametrize("text", MARKDOWN)
def test_links_found_as_the_full_parse_finds_them(text: str):
    expected = _links_of_the_full_parse(text, 5)
    assert _links_as_loading_finds_them(text, 5) == expected


def test_the_examples_have_links_to_find():
    found = [link for text in MARKDOWN for link in _links_of_the_full_parse(text, 1)]
    assert len(found) >= 20  # (the comparison above is not between two empty lists)


def test_links_of_every_bundled_and_generated_file(tmp_path: Path):
    bundled = Path(__file__).resolve().parent.parent / "content"
    write_corpus(tmp_path, 40, seed=3)
    files = sorted(bundled.glob("*/*.md")) + sorted(tmp_path.glob("*/*.md"))
    assert len(files) >= 40
    for path in files:
        text = path.read_text("utf-8")
        assert _links_as_loading_finds_them(text, 1) == _links_of_the_full_parse(text, 1), path


YAML = [
    "id: a\ncases:\n  - id: b\n    messages: [{id: m, text: 'x {{n:int}}'}]\n",
    "=: 1\nb: [1, 2.5, true, null, '', x, 0x1f, 1_000, 1:30, .inf, -.NaN, 0o17, 017, +12, -0]",
    "c: {d: !!binary aGVsbG8=}\ne: !!str 12\nf: !!int '12'\ng: !!float 1\nh: !!null ''",
    "a: !!set {x, y}\nb: !!omap [x: 1, y: 2]\nc: !!pairs [x: 1, x: 2]",
    "1: x\ntrue: y\n~: z\n2.5: w\nnull: v",
    "a: 1\na: 2\nb: {c: 1, c: 3}",
    "!!map {a: [!!seq [1], !!map {b: c}]}",
    "- 1\n- [2, {b: c}]\n- 'quoted: text'\n- \"esc\\u00e9\"\n- |\n  block\n  text\n- >\n  folded\n  text",
    "a: 2020-01-01\nb: 2020-01-01 10:00:00\nc: !!timestamp 2020-01-01",
    "a: yes\nb: No\nc: off\nd: ON\ne: y",
    "just a scalar",
    "",
]


@pytest.mark.parametrize("text", YAML)
def test_yaml_values_are_the_loaders_own(text: str):
    report = Report()
    parsed = parse_yaml(text, Path("x.yaml"), report)
    assert [p for p in report.problems if p.severity == "error" and "duplicate" not in p.message] == []
    expected = yaml.load(text, Loader=_NoDatesLoader)  # (libyaml's SafeLoader, dates kept as text)
    assert parsed is not None
    assert parsed[0] == expected
    assert type(parsed[0]) is type(expected)


@pytest.mark.parametrize("text", ["a: !foo x", "a: !!python/name:os.system x", "a: =", "=", "a: !!int x"])
def test_yaml_the_loader_refuses_is_refused(text: str):
    report = Report()
    assert parse_yaml(text, Path("x.yaml"), report) is None
    with pytest.raises((yaml.YAMLError, ValueError)):  # (what parse_yaml reports as a problem)
        yaml.load(text, Loader=_NoDatesLoader)
    assert [p.line for p in report.problems] == [1]


def test_each_wording_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_corpus(tmp_path, 4, seed=5)
    parsed: list[str] = []
    real = content_load.Template.parse

    def counting(text: str):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(content_load.Template, "parse", staticmethod(counting))
    advisories, problems = content_load.load(tmp_path, workers=1)
    assert not [p for p in problems if p.severity == "error"]
    wordings = [(a.id, c.id, m.id, t.source) for a in advisories for c in a.cases for m in c.messages for t in set(m.text.values())]
    assert wordings and len(parsed) == len(wordings)


def test_raw_html_rules_left_out_change_nothing(tmp_path: Path):
    """markdown_parser() leaves out the raw-HTML rules, which only say no with raw HTML off: the
    tokens (blocks and inline children) and the rendered HTML are those of the parser with them."""
    from markdown_it import MarkdownIt

    full = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    ours = markdown_parser()
    assert "html_block" not in ours.get_active_rules()["block"] and "html_block" in full.get_active_rules()["block"]
    write_corpus(tmp_path, 20, seed=7)
    html = "<div>\n*raw* <b>block</b>\n</div>\n\nInline <span class=x>html</span> and <!-- a comment --> <?php x ?>\n\n<https://example.com> <a@b.co>"
    texts = [html, *MARKDOWN, *(p.read_text("utf-8") for p in sorted(tmp_path.glob("*/*.md")))]

    def shape(tokens: list) -> list:
        return [(t.type, t.tag, t.map, t.content, t.markup, t.attrs, shape(t.children or [])) for t in tokens]

    for text in texts:
        assert shape(ours.parse(text)) == shape(full.parse(text))
        assert ours.render(text) == full.render(text)


@pytest.mark.parametrize(
    "text",
    [
        'a: !!seq ""',
        'a: !!map ""',
        'a: !!set ""',
        'a: !!omap ""',
        '!!seq "": x',
        "a:\n  b: !x 1\nc: !y 2",
        'a:\n  b: !!int ""\nc: !!float x',
        "a: !!bool maybe",
        'a: !!int ""',
        "a: !!timestamp x",
        "a: [1, {b: !!seq ''}]\nc: !z 3",
    ],
)
def test_values_the_loader_cannot_build_are_the_same_problem(text: str):
    """A value PyYAML's constructors refuse is reported as the loader's own error (the same value,
    line and message), never loaded nor raised: building depth first must not change which."""
    report = Report()
    assert parse_yaml(text, Path("x.yaml"), report) is None
    try:
        yaml.load(text, Loader=_NoDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        expected = [((mark.line + 1) if mark else 1, f"malformed YAML: {getattr(exc, 'problem', None) or str(exc).splitlines()[0]}")]
    except Exception as exc:
        expected = [(1, f"a value cannot be read: {str(exc)[:120]}")]
    else:
        pytest.fail("the loader builds it")
    assert [(p.line, p.message) for p in report.problems] == expected


class _Shrunk:
    """A stat result claiming ``size`` bytes: the file as it was when stat-ed, before it grew."""

    def __init__(self, real: Any, size: int):
        self._real, self.st_size = real, size

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize(("size", "grows_to", "read"), [(5, 5, True), (0, 9, True), (5, 10, True), (5, 11, False), (10, 10, True)])
def test_read_text_reads_what_is_there_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, grows_to: int, read: bool):
    """The read asks for the size stat gave and one byte more; a file that grew since is read on to
    the limit (here 10 bytes), and refused past it."""
    path = tmp_path / "en.md"
    path.write_text("x" * grows_to, "utf-8")
    real_stat = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, **kw: _Shrunk(real_stat(self, **kw), size) if self == path else real_stat(self, **kw))
    report = Report()
    text = content_load.read_text(path, report, limit=10)
    if read:
        assert text == "x" * grows_to and not report.problems
    else:
        assert text is None and [p.message for p in report.problems] == ["file is too large: the limit for en.md is 10 bytes (0 KiB)"]
