"""Hostile or broken content: `kb check` reports each problem as file:line + hint, all at once,
without a traceback and in bounded time; the site never emits a link that is not http(s) or kb's own.

One test per kind: link targets (references[].url and Markdown links/images), duplicate YAML keys,
YAML anchors/aliases (a real billion-laughs document), oversize and special files, message templates
too weak to identify a message; plus the site's own link guard and `kb check` on the command line.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

from kb.cli import main as kb_main
from kb.content.load import MAX_MARKDOWN_BYTES, MAX_YAML_BYTES, load, load_or_raise
from kb.content.model import MAX_FREE_SLOTS, MIN_TEMPLATE_PIECE, MIN_TEMPLATE_TEXT, Reference, Template, template_problems, url_problem
from kb.content.problems import ContentError
from kb.site.pages import MarkdownRenderer, write_site

REPO = Path(__file__).resolve().parents[2]

# The minimal advisory of tests/test_content.py (copied: tests/ is not a package).
YAML = """\
id: acme-widget
vendor: Acme
products:
  - name: Acme Widget
references:
  - id: KB123456
cases:
  - id: first
    applies_to:
      - models: [AW100F2]
    messages:
      - id: boom
        kind: event-log
        text: "Widget{{n:number}} exploded."
"""
MD = {
    "ja": "---\ntitle: ウィジェットの問題\nsummary: ウィジェットが壊れる。\n---\n\n# first: 最初のケース\n\n## 現象\n\n壊れます。\n\n## 回避方法\n\n1. 再起動します。\n",
    "en": "---\ntitle: Widget problem\nsummary: The widget breaks.\n---\n\n# first: The first case\n\n## Symptoms\n\nIt breaks.\n\n## Workaround\n\n1. Restart it.\n",
}


def advisory(root: Path, yaml_text: str = YAML, ja: str = MD["ja"], en: str = MD["en"]) -> Path:
    d = root / "acme-widget"
    d.mkdir(parents=True, exist_ok=True)
    for name, text in (("advisory.yaml", yaml_text), ("ja.md", ja), ("en.md", en)):
        (d / name).write_text(text, "utf-8")
    return d


def errors(root: Path) -> list[tuple[str, int, str, str]]:
    """(file name, line, message, hint) of every error."""
    return [(Path(p.path).name, p.line, p.message, p.hint) for p in load(root)[1] if p.severity == "error"]


def line_no(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if fragment in line)


def test_the_fixture_is_clean(tmp_path):
    advisory(tmp_path)
    assert errors(tmp_path) == []


# --- 1. link targets ---------------------------------------------------------------------------

BAD_URLS = [
    ("javascript:alert(1)", "scheme is 'javascript:'"),
    ("  JaVaScRiPt:alert(1)", "scheme is 'JaVaScRiPt:'"),
    ("java\tscript:alert(1)", "scheme is 'javascript:'"),
    ("\x01javascript:alert(1)", "scheme is 'javascript:'"),
    ("vbscript:msgbox(1)", "scheme is 'vbscript:'"),
    ("data:text/html,<script>alert(1)</script>", "scheme is 'data:'"),
    ("file:///etc/passwd", "scheme is 'file:'"),
    ("mailto:a@example.com", "scheme is 'mailto:'"),
    ("../other/index.html", "relative link"),
    ("//evil.example/x", "relative link"),
    ("https:evil.example", "names no host"),
    ("https://example.com/a b", "spaces or control characters"),
]


@pytest.mark.parametrize("url,why", BAD_URLS, ids=[repr(u) for u, _ in BAD_URLS])
def test_reference_url_that_is_not_a_web_address_is_refused(tmp_path, url, why):
    text = YAML.replace("  - id: KB123456\n", f"  - id: KB123456\n    url: {json.dumps(url)}\n")
    advisory(tmp_path, text)
    errs = errors(tmp_path)
    assert len(errs) == 1, errs
    name, line, message, hint = errs[0]
    assert (name, line) == ("advisory.yaml", 7)
    assert message.startswith("references.0.url: ") and "is not a web address" in message and why in message
    assert "https://" in hint


@pytest.mark.parametrize("url", ["https://example.com/kb/123456", "HTTP://Example.com", "https://例え.jp/パス?q=1#x"])
def test_reference_url_that_is_a_web_address_is_accepted(tmp_path, url):
    advisory(tmp_path, YAML.replace("  - id: KB123456\n", f"  - id: KB123456\n    url: {json.dumps(url)}\n"))
    assert errors(tmp_path) == []
    assert url_problem(url) is None


def test_markdown_links_and_images_that_are_not_web_addresses_are_refused(tmp_path):
    bad = {
        "[a](javascript:alert(1))": "scheme is 'javascript:'",
        "[b](  JaVaScRiPt:alert(1))": "scheme is 'JaVaScRiPt:'",
        "[c](&#106;avascript:alert(1))": "scheme is 'javascript:'",
        "[d](java&#9;script:alert(1))": "relative link",  # the tab arrives percent-encoded
        "<vbscript:msgbox(1)>": "scheme is 'vbscript:'",
        "![e](data:image/svg+xml;base64,PHN2Zz4=)": "scheme is 'data:'",
        "![f](data:image/png;base64,AAAA)": "scheme is 'data:'",
        "[g](file:///C:/Windows/win.ini)": "scheme is 'file:'",
        "[h](../../etc/passwd)": "relative link",
        "[i](#top)": "relative link",
        "[j][ref]": "scheme is 'javascript:'",
        "| cell [k](javascript:x) |\n| --- |": "scheme is 'javascript:'",
    }
    good = ["[web](https://example.com/a)", "[plain](http://example.com)", "[other case](kb:acme-widget#first)", "`[code](javascript:x)`"]
    en = MD["en"] + "\n" + "\n\n".join([*bad, *good]) + "\n\n[ref]: javascript:alert(2)\n"
    advisory(tmp_path, en=en)
    errs = errors(tmp_path)
    why_at = {line_no(en, src.split("\n")[0]): why for src, why in bad.items()}
    assert sorted(line for _, line, _, _ in errs) == sorted(why_at), errs
    for name, line, message, hint in errs:
        assert name == "en.md"
        assert re.match(r"(link|image) target '.*' is not allowed: ", message) and why_at[line] in message, (line, message)
        assert "https://" in hint and "kb:<advisory-id>#<case-id>" in hint
    assert any(m.startswith("image target 'data:image/png") for _, _, m, _ in errs)


def test_every_problem_of_an_advisory_is_reported_at_once(tmp_path):
    text = YAML.replace("  - id: KB123456\n", "  - id: KB123456\n    url: javascript:alert(1)\n")
    ja = MD["ja"].replace("summary:", "title: 二つ目\nsummary:")
    en = MD["en"] + "\n[x](javascript:alert(1))\n"
    advisory(tmp_path, text, ja, en)
    got = {(name, line) for name, line, _, _ in errors(tmp_path)}
    assert got == {("advisory.yaml", 7), ("ja.md", 3), ("en.md", line_no(en, "[x]"))}


# --- the site's own guard ----------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "action", "formaction")]


def _bad_site_url(url: str) -> bool:
    """A URL the site must never emit: anything but http(s), or a relative link that leaves the site."""
    scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.\-]*):", re.sub(r"[\t\n\r]", "", url))
    if scheme:
        return scheme.group(1).lower() not in ("http", "https")
    return url.startswith("//") or url.startswith("\\")


HOSTILE_MD = """\
[a](javascript:alert(1)) [b](<  JaVaScRiPt:alert(1)>) [c](../../../etc/passwd) ![d](data:image/png;base64,AAAA)
[e](vbscript:x) [f](//evil.example/) [g](kb:../../evil) [h](mailto:a@example.com) <file:///etc/passwd>
[web](https://example.com/ok) [case](kb:acme-widget#first)
"""


def test_site_markdown_renderer_never_emits_a_hostile_link():
    html = MarkdownRenderer().render(HOSTILE_MD, prefix="intro", used=set(), link=lambda adv, case: f"../../ja/{adv}/index.html#{case}")
    p = _Links()
    p.feed(str(html))
    assert p.urls == ["https://example.com/ok", "../../ja/acme-widget/index.html#first"]
    text = re.sub(r"<[^>]+>", "", str(html))
    assert " c d\n" in text and " f g h " in text  # links the guard dropped (markdown-it keeps the others as source text)
    assert "<img" not in str(html)


def test_site_built_from_hostile_model_has_only_safe_links(tmp_path):
    """kb check refuses this content, so the site is built from the model with the hostile values put back in."""
    advisory(tmp_path / "content")
    adv = load_or_raise(tmp_path / "content")[0]
    hostile = dataclasses.replace(
        adv,
        references=(Reference("KB123456", (), "  JaVaScRiPt:alert(1)"), Reference("KB654321", (), "https://example.com/kb654321")),
        intro={lang: HOSTILE_MD for lang in adv.intro},
    )
    site = write_site([hostile], tmp_path / "site")
    seen = []
    for page in site.rglob("*.html"):
        p = _Links()
        p.feed(page.read_text("utf-8"))
        seen += p.urls
        assert not [u for u in p.urls if _bad_site_url(u)], page
    assert "https://example.com/kb654321" in seen and "https://example.com/ok" in seen


# --- 2. duplicate keys -------------------------------------------------------------------------


def test_duplicate_keys_in_advisory_yaml_and_front_matter(tmp_path):
    text = YAML + '    messages:\n      - id: other\n        kind: popup\n        text: "Gadget{{n:number}} melted down."\n'
    ja = MD["ja"].replace("summary:", "title: 別のタイトル\nsummary:")
    advisory(tmp_path, text, ja)
    errs = errors(tmp_path)
    assert ("advisory.yaml", 15, "duplicate key 'messages' (first at line 11)") in [e[:3] for e in errs]
    assert ("ja.md", 3, "duplicate key 'title' (first at line 2)") in [e[:3] for e in errs]
    assert len(errs) == 2 and all("replace" in e[3] for e in errs)


# --- 3. anchors and aliases --------------------------------------------------------------------

BILLION_LAUGHS = (
    "\n".join(['lol0: &lol0 "lol"'] + [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]) + "\n"
)  # 10**9 strings once expanded


def test_yaml_anchors_and_aliases_are_refused_with_their_lines(tmp_path):
    text = YAML.replace("vendor: Acme", "vendor: &v Acme").replace("  - name: Acme Widget", "  - name: *v")
    advisory(tmp_path, text)
    errs = errors(tmp_path)
    assert [(n, line) for n, line, _, _ in errs] == [("advisory.yaml", 2), ("advisory.yaml", 4)]
    assert "anchors and aliases are not allowed: &v" in errs[0][2] and "*v" in errs[1][2]
    assert "write each value out in full" in errs[0][3]


@pytest.mark.parametrize("where", ["advisory.yaml", "ja.md"])
def test_billion_laughs_is_refused_before_it_expands(tmp_path, where):
    if where == "advisory.yaml":
        advisory(tmp_path, YAML + BILLION_LAUGHS)
        first = line_no(YAML + BILLION_LAUGHS, "lol0:")
    else:
        advisory(tmp_path, ja=MD["ja"].replace("---\n\n#", BILLION_LAUGHS + "---\n\n#", 1))
        first = 4
    code = "import json, sys; from kb.content.load import load; print(json.dumps([[p.path, p.line, p.message] for p in load(sys.argv[1])[1]]))"
    # The time and memory limits are only a safety net: expanding the document takes minutes and gigabytes.
    limit = (lambda: resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))) if resource else None
    r = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=limit,
    )
    assert r.returncode == 0, r.stderr
    problems = json.loads(r.stdout)
    assert [(Path(p).name, line) for p, line, _ in problems] == [(where, first + i) for i in range(10)]
    assert all("YAML anchors and aliases are not allowed" in m for _, _, m in problems)
    assert "&lol0" in problems[0][2] and "&lol9, *lol8" in problems[9][2]


# --- 4. oversize and special files -------------------------------------------------------------


def test_oversize_files_are_refused_without_reading_them(tmp_path, monkeypatch):
    d = advisory(tmp_path)
    (d / "advisory.yaml").write_text(YAML + "#" * (MAX_YAML_BYTES - len(YAML) + 1), "utf-8")
    with open(d / "ja.md", "wb") as f:  # sparse: 4 GiB that take no disk space and must not be read
        f.truncate(4 << 30)
    (d / "en.md").write_text(MD["en"] + "x" * MAX_MARKDOWN_BYTES, "utf-8")
    reads = []
    real_open = Path.open

    def watched_open(self, mode="r", *args, **kwargs):
        reads.append(self.name)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watched_open)
    errs = errors(tmp_path)
    assert [(n, line) for n, line, _, _ in errs] == [("advisory.yaml", 1), ("ja.md", 1), ("en.md", 1)]
    assert errs[0][2] == f"file is too large: the limit for advisory.yaml is {MAX_YAML_BYTES:,} bytes (256 KiB); it has {MAX_YAML_BYTES + 1:,}"
    assert errs[1][2] == f"file is too large: the limit for ja.md is {MAX_MARKDOWN_BYTES:,} bytes (256 KiB); it has 4,294,967,296"
    assert "the limit for en.md" in errs[2][2] and all("split the advisory" in e[3] for e in errs)
    assert not {"advisory.yaml", "ja.md", "en.md"} & set(reads), "oversize files are refused from their size alone"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_not_read(tmp_path):
    d = advisory(tmp_path)
    (d / "en.md").unlink()
    os.mkfifo(d / "en.md")  # reading it would wait forever for a writer
    assert errors(tmp_path) == [("en.md", 1, "not a regular file", "replace it with a plain text file")]


# --- 5. message templates ----------------------------------------------------------------------

WEAK_TEMPLATES = [
    ("the {{x}}", "the fixed text 'the ' is too short to identify a message: it has 0 identifying character(s)"),
    ("{{x}} error {{y}}", "the fixed text ' error ' is too short to identify a message"),
    ("{{x}} エラー {{y:number}}", "the fixed text ' エラー ' is too short"),
    ("Fan {{x}} stop", "it has 7 identifying character(s), a template needs at least 8"),
    ("{{x}}", "the message has no fixed text outside its {{slots}}"),
    ("ab {{x:number}} cd {{y:number}} ef {{z:number}} gh", "no fixed piece of the message is long enough to find it by: the longest, 'ab ', has 2"),
    ("Widget {{a:word}} {{b:word}} exploded.", "placeholders {{a}} and {{b}} have no fixed text between them"),
    ("Widget {{a:number}}{{b:hex}} exploded.", "placeholders {{a}} and {{b}} have no fixed text between them"),
    ("Widget {{a}}, {{b}}, {{c:path}} exploded.", f"has 3 text or path placeholders (a, b, c); at most {MAX_FREE_SLOTS} are allowed"),
]


@pytest.mark.parametrize("template,wording", WEAK_TEMPLATES, ids=[t for t, _ in WEAK_TEMPLATES])
def test_a_template_that_cannot_identify_a_message_is_refused(tmp_path, template, wording):
    text = YAML.replace('"Widget{{n:number}} exploded."', json.dumps(template, ensure_ascii=False))
    advisory(tmp_path, text)
    errs = errors(tmp_path)
    assert errs and all((n, line) == ("advisory.yaml", 14) for n, line, _, _ in errs), errs
    assert any(wording in m for _, _, m, _ in errs), errs
    assert all(m.startswith(f"message {template!r}: ") and h for _, _, m, h in errs)


def test_one_error_per_wording_and_per_language(tmp_path):
    text = YAML.replace('text: "Widget{{n:number}} exploded."', 'text: {ja: "{{n:number}} エラー", en: "Widget{{n:number}} exploded."}')
    advisory(tmp_path, text)
    errs = errors(tmp_path)
    assert len(errs) == 1 and "' エラー'" in errs[0][2]
    advisory(tmp_path, YAML.replace('"Widget{{n:number}} exploded."', '"the {{x}}"'))
    assert len(errors(tmp_path)) == 1, "a text shared by both languages is reported once"


def test_the_template_rule_passes_the_bundled_and_generated_templates():
    from tools.synthetic import make_advisory

    assert (MIN_TEMPLATE_TEXT, MIN_TEMPLATE_PIECE, MAX_FREE_SLOTS) == (8, 5, 2)
    texts = [t.source for a in load_or_raise(REPO / "content") for c in a.cases for m in c.messages for t in m.text.values()]
    for i in range(0, 10000, 5):
        for c in make_advisory(i).cases:
            for m in c.messages:
                texts += m["text"].values() if isinstance(m["text"], dict) else [m["text"]]
    assert len(texts) > 10000
    weak = [(t, template_problems(Template.parse(t))) for t in texts]
    assert [w for w in weak if w[1]] == []


# --- the command line --------------------------------------------------------------------------


def test_kb_check_reports_bad_content_on_stderr(tmp_path, capsys):
    text = YAML.replace("  - id: KB123456\n", "  - id: KB123456\n    url: '  JaVaScRiPt:alert(1)'\n")
    text += '    messages:\n      - id: other\n        kind: popup\n        text: "the {{x}}"\n'
    en_text = MD["en"] + "\n[x](data:text/html,hi)\n"
    advisory(tmp_path, text, en=en_text)
    assert kb_main(["check", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    y, en = tmp_path / "acme-widget" / "advisory.yaml", tmp_path / "acme-widget" / "en.md"
    assert f"{y}:7: error: references.0.url: '  JaVaScRiPt:alert(1)' is not a web address: its scheme is 'JaVaScRiPt:'" in err
    assert f"{y}:16: error: duplicate key 'messages' (first at line 12)" in err
    assert f"{en}:{line_no(en_text, '[x]')}: error: link target 'data:text/html,hi' is not allowed" in err
    assert err.count("hint:") >= 3 and "Traceback" not in err


# --- 6. what an author mistypes -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2020-13-45", '"2020-02-30"', "2021-02-29", "0000-01-01"])
def test_a_date_the_calendar_does_not_have_is_an_error_at_its_line(tmp_path, value):
    text = YAML.replace("vendor: Acme\n", f"vendor: Acme\npublished: {value}\n")
    advisory(tmp_path, text)
    (problem,) = errors(tmp_path)
    assert problem[:2] == ("advisory.yaml", 3)
    assert problem[2].startswith(f"published: {value.strip(chr(34))} is not a date") and "YYYY-MM-DD" in problem[3]
    with pytest.raises(ContentError):  # (an exception of kb's: the API's callers catch it, the CLI exits 3)
        load_or_raise(tmp_path)
    assert kb_main(["--content", str(tmp_path), "--index", str(tmp_path / "index"), "build", "--no-site"]) == 3
    assert not (tmp_path / "index").exists()


def warnings_of(root: Path) -> list[tuple[str, int, str, str]]:
    return [(Path(p.path).name, p.line, p.message, p.hint) for p in load(root)[1] if p.severity == "warning"]


@pytest.mark.parametrize(
    ("slot", "says"),
    [
        ("{n:number}", "'{n:number}' looks like a placeholder written with single braces"),
        ("{ n : number }", "'{ n : number }' looks like a placeholder written with single braces"),
        ("｛｛n:number｝｝", "'｛｛n:number｝｝' looks like a placeholder written with full-width braces"),
        ("{{n:number=abc}}", "the example 'abc' of {{n:number}} is not a number"),
        ("{{n:hex=zz}}", "the example 'zz' of {{n:hex}} is not a hex"),
    ],
)
def test_a_slot_that_would_be_read_as_fixed_text_or_never_fits_is_a_warning_at_its_line(tmp_path, slot, says):
    """Such a message is found only with the very characters written (or its example is wrong): the
    format allows it, so it is a warning, at the message's line."""
    advisory(tmp_path, YAML.replace("Widget{{n:number}} exploded.", f"Widget{slot} exploded at the gate."))
    assert errors(tmp_path) == []
    ((name, line, message, hint),) = warnings_of(tmp_path)
    assert (name, line) == ("advisory.yaml", line_no(YAML, "Widget{{n:number}}"))
    assert message.startswith(says) and ("{{" in hint or "another type" in hint)


@pytest.mark.parametrize(
    "text",
    [
        "Widget{{n:number}} exploded.",
        "Widget {0} failed with {x}.",
        "Widget {{{{n:number}}}} exploded.",
        "Disk {{d:path=C:\\Documents and Settings}} exploded.",
    ],
)
def test_what_is_no_slip_gets_no_warning(tmp_path, text):
    advisory(tmp_path, YAML.replace("Widget{{n:number}} exploded.", text.replace("\\", "\\\\")))
    assert errors(tmp_path) == [] and warnings_of(tmp_path) == []


@pytest.mark.parametrize(
    "heading",
    [
        "# first： 最初のケース",
        "#first: 最初のケース",
        "## first: 最初のケース",
        "＃ first: 最初のケース",
        "# first 最初のケース",
        "first: 最初のケース",
    ],
)
def test_a_mistyped_case_heading_is_named_at_its_own_line(tmp_path, heading):
    """A full-width colon, a missing space or '#', one '#' too many: the case is missing, and the
    error points at the line the author meant as its heading, not at line 1."""
    ja = MD["ja"].replace("# first: 最初のケース", heading)
    advisory(tmp_path, ja=ja)
    (problem,) = errors(tmp_path)
    assert problem[:2] == ("ja.md", line_no(ja, heading))
    assert "case 'first' is missing from ja.md: this line looks like its heading" in problem[2] and "'# first: <title>'" in problem[3]


def test_control_characters_in_the_content_are_a_warning_and_never_reach_the_terminal(tmp_path, capsys):
    """Pasted terminal colours or a NUL in the prose: a warning at the first one's line, and `kb
    show` / `kb search` print them escaped (a terminal would obey them)."""
    ja = MD["ja"].replace("壊れます。", "壊れます。\x1b[31m赤い\x07警告\x00です。")
    advisory(tmp_path / "content", ja=ja)
    assert errors(tmp_path / "content") == []
    ((name, line, message, _hint),) = warnings_of(tmp_path / "content")
    assert (name, line) == ("ja.md", line_no(ja, "壊れます。")) and message == "control character U+001B in the text (and 2 more in the file)"
    folders = ["--content", str(tmp_path / "content"), "--index", str(tmp_path / "index")]
    assert kb_main([*folders, "build", "--no-site"]) == 0
    capsys.readouterr()
    assert kb_main([*folders, "show", "acme-widget"]) == 0
    shown = capsys.readouterr().out
    assert "壊れます。\\x1b[31m赤い\\x07警告\\x00です。" in shown
    assert kb_main([*folders, "search", "赤い警告 壊れます", "--lang", "ja"]) == 0
    found = capsys.readouterr().out
    assert "acme-widget#first" in found
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", shown + found)


def test_an_empty_typed_section_and_steps_indented_as_code_are_warnings(tmp_path):
    """Both leave the advisory without what its heading promises, and no error says so: the one-
    language advisory has no other file to compare with."""
    ja = "---\ntitle: ウィジェットの問題\nsummary: ウィジェットが壊れる。\n---\n\n# first: 最初のケース\n\n## 原因\n\n## 回避方法\n\n\t1. 再起動します。\n\t2. 確認します。\n"
    d = advisory(tmp_path, ja=ja)
    (d / "en.md").unlink()
    assert errors(tmp_path) == []
    assert [(n, line, m.split(":")[0]) for n, line, m, _h in warnings_of(tmp_path)] == [
        ("ja.md", line_no(ja, "## 原因"), "section '原因' is empty"),
        ("ja.md", line_no(ja, "1. 再起動"), "lines of section '回避方法' look like a list but are indented as code (a tab or four spaces)"),
    ]
    fixed = ja.replace("## 原因\n\n", "## 原因\n\n摩耗です。\n\n").replace("\t", "")
    advisory(tmp_path, ja=fixed)
    (d / "en.md").unlink()
    assert warnings_of(tmp_path) == []


def test_a_section_heading_one_character_from_a_typed_one_is_a_warning(tmp_path):
    """`## Symptons` or `## 発生要件` make a free-form section: the case then has no symptoms or
    conditions for ranking and "What to do", and nothing said so. A heading that is another word
    (`## Nodes`, `## 対象`, `## 動作環境`) says nothing."""
    ja = (
        "---\ntitle: ウィジェットの問題\nsummary: ウィジェットが壊れる。\n---\n\n# first: 最初のケース\n\n"
        "## 発生要件\n\n高負荷時。\n\n## 対象\n\nAW100F2\n\n## 動作環境\n\nWindows\n\n## Symptons\n\nIt breaks.\n\n## Nodes\n\nTwo.\n"
    )
    d = advisory(tmp_path, ja=ja)
    (d / "en.md").unlink()
    assert errors(tmp_path) == []
    assert [(n, line, m, h) for n, line, m, h in warnings_of(tmp_path)] == [
        (
            "ja.md",
            line_no(ja, "## 発生要件"),
            "section '発生要件' is free-form, one character from '発生条件' (conditions)",
            "a free-form section is shown as written, but not read as the case's conditions; if that is what it is, name it '発生条件'",
        ),
        (
            "ja.md",
            line_no(ja, "## Symptons"),
            "section 'Symptons' is free-form, one character from 'symptoms' (symptoms)",
            "a free-form section is shown as written, but not read as the case's symptoms; if that is what it is, name it 'symptoms'",
        ),
    ]
    advisory(tmp_path, ja=ja.replace("発生要件", "発生条件").replace("Symptons", "Symptoms"))
    (d / "en.md").unlink()
    assert warnings_of(tmp_path) == []


@pytest.mark.parametrize(
    ("near", "typed"),
    [("Reslution", "resolution"), ("Resolutoin", "resolution"), ("Root cuase", "root cause"), ("Solutions", "solution"), ("回避手段", "回避手順")],
)
def test_slips_of_typed_headings(near, typed):
    from kb.content.model import near_typed_heading

    assert near_typed_heading(near)[0] == typed
    for other in ("Notes", "Nodes", "Issues", "現像", "対応表", "参考資料", "Resolution", "FAQ", "背景"):
        assert near_typed_heading(other) is None, other


@pytest.mark.parametrize(
    ("edit", "hint"),
    [
        (("vendor: Acme\n", "vendor: Acme\npublished: 2020/01/05\n"), "write the date as YYYY-MM-DD, e.g. 2005-04-12"),
        (("models: [AW100F2]", "models: [ＡＷ１００Ｆ２]"), "write it in half-width (ASCII) characters: 'AW100F2'"),
    ],
)
def test_a_value_its_pattern_refuses_gets_the_hint_for_what_it_is(tmp_path, edit, hint):
    advisory(tmp_path, YAML.replace(*edit))
    ((_name, _line, _message, got),) = errors(tmp_path)
    assert got == hint


@pytest.mark.parametrize(
    ("slot", "hint"),
    [
        ("{{n:Number}}", "types are written in lowercase: '{{n:number}}'"),
        ("{{番号:number}}", "a placeholder's name is ASCII letters, digits and '_'"),
    ],
)
def test_a_slot_nearly_right_gets_a_hint_that_says_what_is_wrong(tmp_path, slot, hint):
    advisory(tmp_path, YAML.replace("Widget{{n:number}} exploded.", f"Widget{slot} exploded at the gate."))
    ((_name, _line, message, got),) = errors(tmp_path)
    assert "is neither a placeholder nor an escape" in message and got.startswith(hint)


@pytest.mark.parametrize(("kind", "meant"), [("eventlog", "event-log"), ("event_log", "event-log"), ("stop-codes", "stop-code"), ("Popup", "popup")])
def test_a_misspelt_known_message_kind_is_a_warning_naming_it(tmp_path, kind, meant):
    """Kinds are open, but a misspelt known one loses its label and its treatment (a stop code is generic)."""
    advisory(tmp_path, YAML.replace("kind: event-log", f"kind: {kind}"))
    ((_name, line, message, hint),) = warnings_of(tmp_path) + errors(tmp_path)  # (the schema refuses what is not a lowercase id)
    assert line == line_no(YAML, "kind: event-log") and meant in message + hint
