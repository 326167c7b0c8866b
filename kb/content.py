"""Read `content/` into :mod:`kb.model` records, reporting every problem with file and line.

Stage 1 of the pipeline. The format is described in ``content/README.md``:
``<id>/advisory.yaml`` (facts, validated by ``kb/schema/advisory.schema.json``) plus ``ja.md`` and
``en.md`` (front matter + Markdown prose per case).

:func:`load` returns advisories and problems; :func:`load_or_raise` raises :class:`ContentError`
when any problem is an error. Nothing here prints.
"""

from __future__ import annotations

import json
import re
import stat
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import (
    LANGS,
    PLACEHOLDER_RE,
    PLACEHOLDER_TYPES,
    WEB_URL_RE,
    Advisory,
    Applicability,
    Case,
    CaseText,
    FileFacts,
    FileLocation,
    Fix,
    Message,
    NotAffected,
    Procedure,
    Product,
    Reference,
    Step,
    Template,
    template_problems,
    url_problem,
)

SECTIONS: dict[str, dict[str, str]] = {
    # language -> heading text -> CaseText field
    "ja": {"発生条件": "conditions", "現象": "symptoms", "原因": "cause", "対処": "resolution", "回避方法": "workaround_md", "補足": "notes"},
    "en": {
        "Conditions": "conditions",
        "Symptoms": "symptoms",
        "Cause": "cause",
        "Resolution": "resolution",
        "Workaround": "workaround_md",
        "Notes": "notes",
    },
}
CASE_HEADING_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\s*:\s*(\S.*)$")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Limits on what one file may hold: beyond them `kb check` refuses the file instead of spending
# seconds to minutes on it (the bundled files are under 13 KB; Markdown parses at about 0.1-1 MB/s).
MAX_YAML_BYTES = 256 * 1024
"""Largest ``advisory.yaml``, in bytes."""
MAX_MARKDOWN_BYTES = 256 * 1024
"""Largest ``ja.md`` / ``en.md``, in bytes."""
MAX_YAML_DEPTH = 32
"""Deepest nesting of YAML mappings and lists (advisory.yaml needs 9)."""
MAX_REPORTED_PER_FILE = 20
"""Anchors/aliases and bad links reported one by one per file; the rest are counted."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, located at ``path:line``."""

    path: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.severity}: {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


class ContentError(Exception):
    """Raised by :func:`load_or_raise` when the content has errors."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in content; first: {errors[0] if errors else '-'}")


class _Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.kb_links: dict[str, list[tuple[Path, int, str]]] = {}  # advisory folder -> (file, line, href) of its kb: links

    def error(self, path: Path | str, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(path), max(1, line), message, hint, "error"))

    def warn(self, path: Path | str, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(path), max(1, line), message, hint, "warning"))


# --- reading text ------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def read_text(path: Path, report: _Report, limit: int = MAX_MARKDOWN_BYTES) -> str | None:
    """UTF-8 (BOM accepted), CRLF folded to LF. Reports and returns None for unreadable, empty or
    oversize files (more than ``limit`` bytes: refused without reading the file)."""
    too_big = f"file is too large: the limit for {path.name} is {limit:,} bytes ({_size(limit)})"
    hint_big = "split the advisory, or leave long logs and listings out (quote the messages in advisory.yaml); see content/README.md"
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            report.error(path, 1, "not a regular file", "replace it with a plain text file")
            return None
        if st.st_size > limit:
            report.error(path, 1, f"{too_big}; it has {st.st_size:,}", hint_big)
            return None
        with path.open("rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        report.error(path, 1, f"cannot read file: {exc.strerror}", "check the file's permissions")
        return None
    if len(raw) > limit:  # grew since stat
        report.error(path, 1, too_big, hint_big)
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.error(path, line, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", "save the file as UTF-8 (not Shift_JIS or CP932)")
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        report.error(path, 1, "file is empty", "write the content, or delete the file (and its folder)")
        return None
    return text


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: ~10x faster


class _NoDatesLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that keeps dates as strings, so that the JSON Schema sees what was typed."""


_NoDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_MALFORMED_HINT = "check indentation, and quote values that contain ': ' or start with { [ * & ! % @ `"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _malformed(exc: yaml.YAMLError, path: Path, report: _Report, line_offset: int) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = (mark.line + 1 if mark else 1) + line_offset
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    report.error(path, line, f"malformed YAML: {problem}", _MALFORMED_HINT)


def _anchors_and_aliases(text: str) -> dict[int, list[str]]:
    """0-based line -> the anchors (``&name``) and aliases (``*name``) on it, read from the parser's
    event stream: nothing is composed or built, so an alias bomb costs no more than its own size."""
    found: dict[int, list[str]] = {}
    if "&" not in text and "*" not in text:  # neither can be written without these characters
        return found
    for ev in yaml.parse(text, Loader=_BaseLoader):
        anchor = getattr(ev, "anchor", None)
        if anchor:
            line = ev.start_mark.line if ev.start_mark else 0
            found.setdefault(line, []).append(("*" if isinstance(ev, yaml.AliasEvent) else "&") + anchor)
    return found


def parse_yaml(text: str, path: Path, report: _Report, line_offset: int = 0) -> tuple[Any, dict[tuple, int]] | None:
    """Parse YAML, returning the data and a map from each value's path to its 1-based line.

    Refused before anything is built: anchors and aliases, nesting deeper than ``MAX_YAML_DEPTH``,
    keys that are not plain scalars, merge keys (``<<``). Duplicate keys are reported (the later
    one would silently replace the earlier one)."""
    try:
        marks = _anchors_and_aliases(text)
    except yaml.YAMLError as exc:
        _malformed(exc, path, report, line_offset)
        return None
    if marks:
        for n, (line, names) in enumerate(sorted(marks.items())):
            if n == MAX_REPORTED_PER_FILE:
                report.error(path, line + 1 + line_offset, f"... and {len(marks) - n} more lines with YAML anchors or aliases", "")
                break
            shown = list(dict.fromkeys(names))
            report.error(
                path,
                line + 1 + line_offset,
                f"YAML anchors and aliases are not allowed: {', '.join(shown[:4])}{' ...' if len(shown) > 4 else ''}",
                "write each value out in full; anchors (&name) and aliases (*name) are refused so that a small file cannot expand into a huge one",
            )
        return None
    try:
        loader = _NoDatesLoader(text)
        try:
            node = loader.get_single_node()
            lines = _check_nodes(node, path, report, line_offset) if node is not None else {}
            if lines is None:
                return None
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        _malformed(exc, path, report, line_offset)
        return None
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. an integer of 5,000 digits
        report.error(path, 1 + line_offset, f"a value cannot be read: {str(exc)[:120]}", "quote values that are text")
        return None
    return data, lines


def _check_nodes(root: yaml.Node, path: Path, report: _Report, line_offset: int) -> dict[tuple, int] | None:
    """Walk the composed nodes (no aliases are left, so each is visited once): report duplicate and
    non-scalar keys and too deep nesting, and map each value's path to its line. None: do not build."""
    lines: dict[tuple, int] = {}
    ok = True
    stack: list[tuple[yaml.Node, tuple, int, bool]] = [(root, (), 1, True)]
    while stack:
        n, at, depth, own_line = stack.pop()
        if own_line:
            lines[at] = n.start_mark.line + 1 + line_offset
        if depth > MAX_YAML_DEPTH:
            report.error(
                path,
                n.start_mark.line + 1 + line_offset,
                f"YAML nested deeper than {MAX_YAML_DEPTH} levels",
                "check the indentation; advisory.yaml needs no more than 9 levels",
            )
            return None
        children: list[tuple[yaml.Node, tuple, int, bool]] = []
        if isinstance(n, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for k, v in n.value:
                kline = k.start_mark.line + 1 + line_offset
                if not isinstance(k, yaml.ScalarNode):
                    report.error(
                        path, kline, "a key must be a plain name, not a list or mapping", "write 'name: value'; quote keys that start with [ { or ?"
                    )
                    ok = False
                    continue
                if k.tag == _MERGE_TAG:
                    report.error(path, kline, "merge keys ('<<') are not allowed", "write the keys out in full")
                    ok = False
                    continue
                if (k.tag, k.value) in first:
                    report.error(
                        path,
                        kline,
                        f"duplicate key '{k.value}' (first at line {first[k.tag, k.value]})",
                        "merge the two into one key; the later one would silently replace the earlier one",
                    )
                else:
                    first[k.tag, k.value] = kline
                lines[(*at, k.value)] = kline
                children.append((v, (*at, k.value), depth + 1, False))
        elif isinstance(n, yaml.SequenceNode):
            children = [(v, (*at, i), depth + 1, True) for i, v in enumerate(n.value)]
        elif n.tag == "tag:yaml.org,2002:int" and len(n.value) > 30:
            report.error(
                path,
                n.start_mark.line + 1 + line_offset,
                f"number {n.value[:20]}... has {len(n.value)} characters",
                "numbers here are short; quote the value if it is text",
            )
            ok = False
        stack.extend(reversed(children))
    return lines if ok else None


def line_of(lines: dict[tuple, int], at: tuple) -> int:
    """The line of the value at ``at``, or of its nearest ancestor that has one."""
    at = tuple(at)
    while at and at not in lines:
        at = at[:-1]
    return lines.get(at, 1)


# --- schema ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(resources.files("kb").joinpath("schema/advisory.schema.json").read_text("utf-8"))


_HINTS = {
    "required": "add the missing key (see content/README.md)",
    "additionalProperties": "remove or rename the key; allowed keys are listed in kb/schema/advisory.schema.json",
    "pattern": "ids use lowercase letters, digits and single hyphens; model numbers letters, digits, spaces, . / -",
    "enum": "use one of the listed values",
    "type": "check the value's type (quote it to make it a string)",
    "minItems": "the list needs at least one entry",
    "minLength": "the value must not be empty",
    "oneOf": "give one string for every language, or {ja: ..., en: ...}",
    "anyOf": "give at least one of the keys listed",
}


def _schema_problems(data: Any, lines: dict[tuple, int], path: Path, report: _Report) -> bool:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    ok = True
    for err in sorted(Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        if err.context:
            err = best_match(err.context)
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        msg = err.message if len(err.message) < 200 else err.message[:200] + "..."
        hint = _HINTS.get(err.validator, "see kb/schema/advisory.schema.json")
        if err.validator == "pattern" and list(err.absolute_path)[-1:] == ["url"] and isinstance(err.instance, str):
            msg = f"{err.instance[:200]!r} is not a web address: {url_problem(err.instance) or 'it does not match ' + WEB_URL_RE.pattern}"
            hint = "give the full address of the page, starting with https:// (or http://)"
        report.error(path, line_of(lines, tuple(err.absolute_path)), f"{where}: {msg}", hint)
        ok = False
    return ok


# --- Markdown ----------------------------------------------------------------------------


def markdown_parser() -> MarkdownIt:
    """The one Markdown configuration used for content: CommonMark, raw HTML off, tables on."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


@lru_cache(maxsize=1)
def _checking_parser() -> MarkdownIt:
    """:func:`markdown_parser` that keeps every link whatever its target (markdown-it would show
    ``javascript:`` links as text), so that `kb check` sees and refuses them."""
    md = markdown_parser()
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


LINK_HINT = (
    "link to web pages with https:// (or http://) and to advisories with kb:<advisory-id>#<case-id>; "
    "other schemes (javascript:, data:, file:, mailto: ...) and relative paths are refused"
)


def _links(tokens: list[Token], first_line: int) -> list[tuple[int, str, str]]:
    """(1-based line, "link" or "image", target) of every link and image; ``first_line`` is the
    file line of the parsed text's first line."""
    out = []
    for t in tokens:
        if t.type != "inline" or not t.children:
            continue
        line = first_line + (t.map[0] if t.map else 0)
        for c in t.children:
            if c.type in ("softbreak", "hardbreak"):
                line += 1
            elif c.type in ("link_open", "image"):
                out.append((line, "link" if c.type == "link_open" else "image", str(c.attrGet("href" if c.type == "link_open" else "src") or "")))
    return out


@dataclass
class _LangDoc:
    title: str
    summary: str
    intro: str
    cases: dict[str, tuple[str, int, dict[str, str], dict[str, tuple[Procedure, ...]]]]  # id -> (title, line, sections, procedures)
    order: list[str]
    kb_links: list[tuple[int, str]]  # (line, href) of every kb: link


def _inline_text(tokens: list[Token], i: int) -> str:
    return tokens[i + 1].content.strip() if i + 1 < len(tokens) and tokens[i + 1].type == "inline" else ""


def _parse_list(tokens: list[Token], i: int) -> tuple[tuple[Step, ...], int]:
    """Parse an ordered/bullet list starting at ``tokens[i]`` into steps; return (steps, index after)."""
    close = tokens[i].type.replace("_open", "_close")
    level = tokens[i].level
    steps: list[Step] = []
    i += 1
    while i < len(tokens) and not (tokens[i].type == close and tokens[i].level == level):
        if tokens[i].type == "list_item_open":
            i, step = _parse_item(tokens, i)
            steps.append(step)
        else:
            i += 1
    return tuple(steps), i + 1


def _parse_item(tokens: list[Token], i: int) -> tuple[int, Step]:
    level = tokens[i].level
    text = ""
    notes: list[str] = []
    subs: list[Step] = []
    i += 1
    while i < len(tokens) and not (tokens[i].type == "list_item_close" and tokens[i].level == level):
        t = tokens[i]
        if t.type == "paragraph_open":
            content = _inline_text(tokens, i)
            if not text:
                text = content
            else:
                notes.append(content)
            i += 3
        elif t.type == "ordered_list_open":
            steps, i = _parse_list(tokens, i)
            subs.extend(steps)
        elif t.type == "bullet_list_open":
            steps, i = _parse_list(tokens, i)
            notes.extend(s.text for s in steps)
        else:
            i += 1
    return i + 1, Step(text, tuple(notes), tuple(subs))


def _procedures(tokens: list[Token]) -> tuple[Procedure, ...]:
    procs: list[Procedure] = []
    condition: str | None = None
    steps: list[Step] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "heading_open" and t.tag == "h3":
            if steps or condition:
                procs.append(Procedure(condition, tuple(steps)))
            condition, steps = _inline_text(tokens, i), []
            i += 3
        elif t.type == "ordered_list_open" and t.level == 0:
            more, i = _parse_list(tokens, i)
            steps.extend(more)
        else:
            i += 1
    if steps or condition:
        procs.append(Procedure(condition, tuple(steps)))
    return tuple(procs)


def parse_language_file(text: str, path: Path, lang: str, report: _Report) -> _LangDoc | None:
    """Front matter (title, summary) and the case sections of ``ja.md`` / ``en.md``."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        report.error(path, 1, "missing front matter", "start the file with a line '---', then 'title: ...' and 'summary: ...', then '---'")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report.error(path, 1, "front matter is not closed", "add a line '---' after the summary")
        return None
    parsed = parse_yaml("\n".join(lines[1:end]), path, report, line_offset=1)
    front, flines = parsed if parsed is not None else ({}, {})
    ok = parsed is not None  # when the front matter is broken, the body is still checked
    if ok and not isinstance(front, dict):
        report.error(path, 2, "front matter must be a mapping", "write 'title: ...' and 'summary: ...'")
        front, ok = {}, False
    for key in ("title", "summary") if ok else ():
        if not isinstance(front.get(key), str) or not front[key].strip():
            report.error(path, flines.get((key,), 2), f"front matter needs a non-empty '{key}'", f"add '{key}: ...' between the '---' lines")
            ok = False
    for key in front:
        if key not in ("title", "summary"):
            report.error(path, flines.get((key,), 2), f"unknown front-matter key '{key}'", "only 'title' and 'summary' go in the front matter")
            ok = False
    body_start = end + 1  # 0-based index of the first body line
    body = lines[body_start:]
    tokens = _checking_parser().parse("\n".join(body))
    kb_links: list[tuple[int, str]] = []
    bad = 0
    for line, kind, target in _links(tokens, body_start + 1):
        if kind == "link" and target.startswith("kb:"):
            kb_links.append((line, target))
            continue
        why = url_problem(target)
        if why is None:
            continue
        bad += 1
        if bad <= MAX_REPORTED_PER_FILE:
            report.error(path, line, f"{kind} target {target[:200]!r} is not allowed: {why}", LINK_HINT)
    if bad > MAX_REPORTED_PER_FILE:
        report.error(path, 1, f"... and {bad - MAX_REPORTED_PER_FILE} more links or images with targets that are not allowed", LINK_HINT)
    ok = ok and not bad

    headings: list[tuple[int, int, str]] = []  # (level, 0-based body line, text)
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.map:
            headings.append((int(t.tag[1]), t.map[0], _inline_text(tokens, i)))

    def src(a: int, b: int) -> str:
        return "\n".join(body[a:b]).strip()

    top = [(t.map[0], i) for i, t in enumerate(tokens) if t.level == 0 and t.map]  # in line order
    top_lines = [ln for ln, _ in top]

    def tokens_between(a: int, b: int) -> list[Token]:
        """The block tokens of body lines a..b (from the one parse above)."""
        first, last = (bisect_left(top_lines, x) for x in (a, b))
        return tokens[top[first][1] if first < len(top) else len(tokens) : top[last][1] if last < len(top) else len(tokens)]

    cases: dict[str, tuple[str, int, dict[str, str], dict[str, tuple[Procedure, ...]]]] = {}
    order: list[str] = []
    allowed = SECTIONS[lang]
    h1s = [(ln, txt) for lvl, ln, txt in headings if lvl == 1]
    h2_all = [(ln, txt) for lvl, ln, txt in headings if lvl == 2]
    h2_lines = [ln for ln, _ in h2_all]
    intro = src(0, h1s[0][0] if h1s else len(body))
    for n, (ln, txt) in enumerate(h1s):
        abs_line = body_start + ln + 1
        stop = h1s[n + 1][0] if n + 1 < len(h1s) else len(body)
        m = CASE_HEADING_RE.match(txt)
        if not m:
            report.error(
                path,
                abs_line,
                f"case heading '# {txt}' is not '# <case-id>: <title>'",
                "e.g. '# win2003: Windows 2003 タイプの場合'; case ids are lowercase letters, digits and hyphens",
            )
            ok = False
            continue
        cid, ctitle = m.group(1), m.group(2).strip()
        if cid in cases:
            report.error(path, abs_line, f"case '{cid}' appears twice", "each case has one '# <case-id>: <title>' heading")
            ok = False
            continue
        sections: dict[str, str] = {}
        procs: dict[str, tuple[Procedure, ...]] = {}
        h2s = h2_all[bisect_right(h2_lines, ln) : bisect_left(h2_lines, stop)]
        for k, (l2, t2) in enumerate(h2s):
            s_stop = h2s[k + 1][0] if k + 1 < len(h2s) else stop
            field_name = allowed.get(t2.strip())
            if field_name is None:
                report.error(
                    path, body_start + l2 + 1, f"unknown section '## {t2}' in {lang}.md", "use one of: " + ", ".join(f"'## {h}'" for h in allowed)
                )
                ok = False
                continue
            if field_name in sections:
                report.error(path, body_start + l2 + 1, f"section '## {t2}' appears twice in case '{cid}'", "merge the two sections")
                ok = False
                continue
            sections[field_name] = src(l2 + 1, s_stop)
            if field_name == "workaround_md":
                procs["workaround"] = _procedures(tokens_between(l2 + 1, s_stop))
            elif field_name == "resolution":
                procs["resolution_steps"] = _procedures(tokens_between(l2 + 1, s_stop))
        cases[cid] = (ctitle, abs_line, sections, procs)
        order.append(cid)
    if not ok:
        return None
    return _LangDoc(front["title"].strip(), front["summary"].strip(), intro, cases, order, kb_links)


# --- building the model ------------------------------------------------------------------


def _localized(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {lang: value for lang in LANGS}
    return {k: str(v) for k, v in value.items()}


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _check_template(text: str, path: Path, line: int, report: _Report) -> bool:
    ok = True
    names: list[str] = []
    stripped = PLACEHOLDER_RE.sub("", text)
    if "{{" in stripped or "}}" in stripped:
        report.error(path, line, f"malformed placeholder in message: {text[:80]!r}", "write {{name}}, {{name:type}} or {{name:type=example}}")
        ok = False
    for m in PLACEHOLDER_RE.finditer(text):
        if m.group(2) and m.group(2) not in PLACEHOLDER_TYPES:
            report.error(
                path, line, f"unknown placeholder type '{m.group(2)}' in {{{{{m.group(0)[2:-2]}}}}}", "types: " + ", ".join(PLACEHOLDER_TYPES)
            )
            ok = False
        if m.group(1) in names:
            report.error(path, line, f"placeholder '{m.group(1)}' is used twice in one message", "give each slot its own name")
            ok = False
        names.append(m.group(1))
    if ok:
        for problem, hint in template_problems(Template.parse(text)):
            report.error(path, line, f"message {text[:80]!r}: {problem}", hint)
            ok = False
    return ok


def _case_from(data: dict, at: tuple, texts: dict[str, CaseText], path: Path, lines: dict, report: _Report) -> Case:
    messages = []
    seen_msgs: set[str] = set()
    for k, m in enumerate(data.get("messages", [])):
        mline = line_of(lines, at + ("messages", k))
        if m["id"] in seen_msgs:
            report.error(path, mline, f"message id '{m['id']}' is used twice in case '{data['id']}'", "give each message its own id")
        seen_msgs.add(m["id"])
        loc = _localized(m["text"])
        for t in dict.fromkeys(loc.values()):  # one check per distinct wording
            _check_template(t, path, line_of(lines, at + ("messages", k, "text")), report)
        names = {lang: sorted(p.group(1) for p in PLACEHOLDER_RE.finditer(t)) for lang, t in loc.items()}
        if len({tuple(v) for v in names.values()}) > 1:
            report.error(
                path, mline, f"message '{m['id']}' has different placeholders per language: {names}", "both wordings need the same {{slots}}"
            )
        if isinstance(m["text"], str) and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", m["text"]):
            report.warn(
                path,
                mline,
                f"message '{m['id']}' is Japanese only; the English version lacks its wording",
                "write text: {ja: ..., en: <the English UI's wording>}",
            )
        messages.append(
            Message(
                m["id"],
                m["kind"],
                {lang: Template.parse(t) for lang, t in loc.items()},
                m.get("source"),
                m.get("event_id"),
                _localized(m.get("group")),
            )
        )
    for k, a in enumerate(data["applies_to"]):
        for j, model in enumerate(a.get("models", [])):
            if not (re.search(r"[A-Za-z]", model) and re.search(r"\d", model)):
                report.error(
                    path,
                    line_of(lines, at + ("applies_to", k, "models", j)),
                    f"model number '{model}' has no letters or no digits",
                    "write the model number as printed, e.g. PGT20146F2",
                )
    fix = data.get("fix")
    return Case(
        id=data["id"],
        applies_to=tuple(
            Applicability(tuple(a.get("models", ())), a.get("product"), tuple(a.get("versions", ())), _localized(a.get("condition")))
            for a in data["applies_to"]
        ),
        not_affected=tuple(NotAffected(n.get("model"), n.get("product"), _localized(n["reason"])) for n in data.get("not_affected", [])),
        messages=tuple(messages),
        fix=Fix(_localized(fix["name"]), fix.get("version")) if fix else None,
        files=tuple(
            FileFacts(
                tuple(f["names"]),
                f.get("from_version"),
                f.get("to_version"),
                tuple(FileLocation(loc["path"], loc.get("role", "install"), _localized(loc.get("when"))) for loc in f.get("locations", [])),
            )
            for f in data.get("files", [])
        ),
        text=texts,
    )


def load_advisory(folder: Path, report: _Report) -> Advisory | None:
    """Read one advisory folder; problems go to ``report``. None when it cannot be built."""
    ypath = folder / "advisory.yaml"
    if not ypath.exists():
        report.error(folder, 1, "folder has no advisory.yaml", "every advisory folder holds advisory.yaml, ja.md and en.md")
        return None
    text = read_text(ypath, report, MAX_YAML_BYTES)
    parsed = parse_yaml(text, ypath, report) if text is not None else None
    data, lines = parsed if parsed is not None else (None, {})
    if parsed is not None and not isinstance(data, dict):
        report.error(ypath, 1, "advisory.yaml must be a mapping of keys to values", "start with 'id: <advisory-id>'")
        data = None
    if isinstance(data, dict) and not _schema_problems(data, lines, ypath, report):
        data = None
    if data is not None and data["id"] != folder.name:
        report.error(
            ypath,
            line_of(lines, ("id",)),
            f"id '{data['id']}' differs from the folder name '{folder.name}'",
            "rename the folder or the id so they match",
        )
    before = len(report.problems)
    for k, ref in enumerate(data.get("references", []) if data is not None else ()):
        why = url_problem(ref["url"]) if "url" in ref else None
        if why:  # the schema's pattern catches nearly all of these; this is the rule itself
            report.error(
                ypath,
                line_of(lines, ("references", k, "url")),
                f"references.{k}.url: {ref['url'][:200]!r} is not a web address: {why}",
                "give the full address of the page, starting with https:// (or http://)",
            )
    langdocs: dict[str, _LangDoc] = {}
    for lang in LANGS:  # checked even when advisory.yaml is broken, so that every problem is reported at once
        mpath = folder / f"{lang}.md"
        if not mpath.exists():
            report.error(ypath, 1, f"missing language: {lang}.md", f"write {folder.name}/{lang}.md with the {lang} title, summary and every case")
            continue
        mtext = read_text(mpath, report, MAX_MARKDOWN_BYTES)
        if mtext is None:
            continue
        doc = parse_language_file(mtext, mpath, lang, report)
        if doc is not None:
            langdocs[lang] = doc
    if data is None:
        return None
    yaml_case_ids = [c["id"] for c in data["cases"]]
    seen_ids: set[str] = set()
    for k, cid in enumerate(yaml_case_ids):
        if cid in seen_ids:
            report.error(ypath, line_of(lines, ("cases", k, "id")), f"case id '{cid}' is used twice", "give each case its own id")
        seen_ids.add(cid)
    for lang, doc in langdocs.items():
        mpath = folder / f"{lang}.md"
        for cid in yaml_case_ids:
            if cid not in doc.cases:
                others = [o for o in langdocs if o != lang and cid in langdocs[o].cases]
                where = f" (it is in {', '.join(o + '.md' for o in others)})" if others else ""
                report.error(mpath, 1, f"case '{cid}' is missing from {lang}.md{where}", f"add a section '# {cid}: <title>' to {lang}.md")
        for cid in doc.order:
            if cid not in seen_ids:
                report.error(
                    mpath,
                    doc.cases[cid][1],
                    f"case '{cid}' is not in advisory.yaml",
                    "add it to 'cases' in advisory.yaml, or fix the id in the heading",
                )
        if [c for c in doc.order if c in seen_ids] != [c for c in yaml_case_ids if c in doc.cases]:
            report.warn(mpath, 1, f"cases in {lang}.md are not in the order of advisory.yaml", "keep the same order in every file")
    if len(langdocs) == len(LANGS):
        ja, en = langdocs["ja"], langdocs["en"]
        for cid in yaml_case_ids:
            if cid in ja.cases and cid in en.cases:
                missing = set(ja.cases[cid][2]) - set(en.cases[cid][2])
                for sec in sorted(missing):
                    report.warn(folder / "en.md", en.cases[cid][1], f"case '{cid}' lacks a section that ja.md has ({sec})", "translate the section")
                njs = sum(len(p.steps) for ps in ja.cases[cid][3].values() for p in ps)
                nes = sum(len(p.steps) for ps in en.cases[cid][3].values() for p in ps)
                if njs != nes:
                    report.warn(
                        folder / "en.md",
                        en.cases[cid][1],
                        f"case '{cid}' has {nes} workaround steps in en.md but {njs} in ja.md",
                        "keep the steps one to one",
                    )
    if len(report.problems) > before and any(p.severity == "error" for p in report.problems[before:]):
        return None
    cases = []
    for k, c in enumerate(data["cases"]):
        texts = {}
        for lang, doc in langdocs.items():
            title, _line, sections, procs = doc.cases[c["id"]]
            prose: dict[str, Any] = {**sections, **procs}
            texts[lang] = CaseText(title=title, **prose)
        cases.append(_case_from(c, ("cases", k), texts, ypath, lines, report))
    report.kb_links[str(folder)] = [(folder / f"{lang}.md", line, href) for lang, doc in langdocs.items() for line, href in doc.kb_links]
    return Advisory(
        id=data["id"],
        vendor=data["vendor"],
        products=tuple(Product(p["name"], tuple(p.get("aliases", ())), p.get("successor")) for p in data["products"]),
        references=tuple(Reference(r["id"], tuple(r.get("aliases", ())), r.get("url")) for r in data.get("references", [])),
        published=_date(data.get("published")),
        updated=_date(data.get("updated")),
        source=data.get("source"),
        title={lang: d.title for lang, d in langdocs.items()},
        summary={lang: d.summary for lang, d in langdocs.items()},
        cases=tuple(cases),
        path=str(folder),
        intro={lang: d.intro for lang, d in langdocs.items()},
    )


def advisory_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load(root: Path | str) -> tuple[list[Advisory], list[Problem]]:
    """Load every advisory under ``root``; return them with all problems found (errors and warnings)."""
    root = Path(root)
    report = _Report()
    if not root.is_dir():
        report.error(root, 1, "content folder not found", "pass the folder that holds one sub-folder per advisory")
        return [], report.problems
    advisories: list[Advisory] = []
    first_seen: dict[str, Path] = {}
    for folder in advisory_folders(root):
        if not ID_RE.match(folder.name):
            report.error(
                folder,
                1,
                f"folder name '{folder.name}' is not a valid advisory id",
                "use lowercase letters, digits and single hyphens, e.g. vendor-product-topic",
            )
        adv = load_advisory(folder, report)
        if adv is None:
            continue
        if adv.id in first_seen:
            report.error(
                Path(adv.path) / "advisory.yaml",
                1,
                f"duplicate advisory id '{adv.id}' (also in {first_seen[adv.id] / 'advisory.yaml'})",
                "every advisory needs its own id",
            )
            continue
        first_seen[adv.id] = Path(adv.path)
        advisories.append(adv)
    _check_links(advisories, report)
    return advisories, report.problems


def _check_links(advisories: list[Advisory], report: _Report) -> None:
    """``[text](kb:advisory-id#case)`` links in prose must point at an existing advisory and case."""
    by_id = {a.id: a for a in advisories}
    for adv in advisories:
        for path, line, href in report.kb_links.get(adv.path, ()):
            target, _, case = href[3:].partition("#")
            if target not in by_id:
                report.error(path, line, f"link to unknown advisory 'kb:{target}'", "link to an existing advisory id (see `kb check` output for ids)")
            elif case and case not in by_id[target].case_ids:
                report.error(path, line, f"link to unknown case 'kb:{target}#{case}'", f"cases of {target}: {', '.join(by_id[target].case_ids)}")


def load_or_raise(root: Path | str) -> list[Advisory]:
    advisories, problems = load(root)
    if any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    return advisories
