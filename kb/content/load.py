"""Read `content/` into :mod:`kb.content.model` records, reporting every problem with file and line.

Stage 1 of the pipeline. The format is described in ``content/README.md``:
``<id>/advisory.yaml`` (facts, validated by ``kb/schema/advisory.schema.json``) plus ``ja.md`` and
``en.md`` (front matter + Markdown prose per case).

:func:`load` returns advisories and problems; :func:`load_or_raise` raises :class:`ContentError`
when any problem is an error. Nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..workers import PARALLEL_FROM, collections_paused, in_workers, ordered_map
from .model import (
    IMPLICIT_CASE,
    LANGS,
    MESSAGE_KINDS,
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
    Packed,
    Procedure,
    Product,
    Reference,
    Section,
    Step,
    Template,
    near_typed_heading,
    section_kind,
    template_problems,
    url_problem,
)
from .plain_blocks import plain_block_tokens
from .plain_yaml import plain_yaml
from .problems import CONTROL_CHARS_RE, ContentError, Problem, Report
from .schema_check import compile_schema
from .shelf import Shelf

FIELD_OF_KIND = {
    "conditions": "conditions",
    "symptoms": "symptoms",
    "cause": "cause",
    "resolution": "resolution",
    "workaround": "workaround_md",
    "notes": "notes",
}
"""Typed section kind (:data:`kb.content.model.SECTION_KINDS`) -> the :class:`CaseText` field that joins its sections."""
FRONT_MATTER_KEYS = ("title", "summary", "translated_from")
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


# --- reading text ------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


BROKEN_LINK = "a symbolic link that leads nowhere (or round in a loop)"
"""What kb says of a content file or folder that is such a link."""


def read_text(path: Path, report: Report, limit: int = MAX_MARKDOWN_BYTES) -> str | None:
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
            # The size it had, and one byte more to see it grew: a read of ``limit + 1`` bytes
            # would have its whole buffer allocated (and given back) for every file, ~5 % of `kb check`.
            raw = f.read(st.st_size + 1)
            if len(raw) > st.st_size:  # grew since stat
                raw += f.read(limit + 1 - len(raw))
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            report.error(path, 1, BROKEN_LINK, "point it at the file, or put the file itself here")
        else:
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
    control = CONTROL_CHARS_RE.search(text)
    if control:
        more = len(CONTROL_CHARS_RE.findall(text)) - 1
        report.warn(
            path,
            text.count("\n", 0, control.start()) + 1,
            f"control character U+{ord(control.group()):04X} in the text" + (f" (and {more} more in the file)" if more else ""),
            "delete it: the command line shows it escaped (\\x1b) and a browser not at all",
        )
    return text


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, libyaml's when PyYAML has it (~10x faster): content loading's, and kb import's."""


class _NoDatesLoader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """SafeLoader that keeps dates as strings, so that the JSON Schema sees what was typed."""


_NoDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"

_MALFORMED_HINT = "check indentation, and quote values that contain ': ' or start with { [ * & ! % @ `"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _malformed(exc: yaml.YAMLError, path: Path, report: Report, line_offset: int) -> None:
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
    for ev in yaml.parse(text, Loader=SAFE_LOADER):
        anchor = getattr(ev, "anchor", None)
        if anchor:
            line = ev.start_mark.line if ev.start_mark else 0
            found.setdefault(line, []).append(("*" if isinstance(ev, yaml.AliasEvent) else "&") + anchor)
    return found


def parse_yaml(text: str, path: Path, report: Report, line_offset: int = 0) -> tuple[Any, dict[tuple, int]] | None:
    """Parse YAML, returning the data and a map from each value's path to its 1-based line.

    Refused before anything is built: anchors and aliases, nesting deeper than ``MAX_YAML_DEPTH``,
    keys that are not plain scalars, merge keys (``<<``). Duplicate keys are reported (the later
    one would silently replace the earlier one). Plain YAML (:mod:`kb.content.plain_yaml`: what
    advisory.yaml is usually made of) is read without libyaml's nodes, with the same result."""
    plain = plain_yaml(text, _plain_tag, MAX_YAML_DEPTH)
    if plain is not None:
        data, lines = plain
        return data, {at: line + 1 + line_offset for at, line in lines.items()}
    return parse_yaml_nodes(text, path, report, line_offset)


_RESOLVERS = _NoDatesLoader.yaml_implicit_resolvers
_ANY_FIRST = _RESOLVERS.get(None, [])


@lru_cache(maxsize=4096)  # (keys and many values repeat from file to file)
def _plain_tag(value: str) -> str:
    """The tag the loader resolves a plain scalar to (as ``Resolver.resolve`` does: the resolvers of
    its first character, then those for any)."""
    for tag, rx in _RESOLVERS.get(value[0] if value else "", []) + _ANY_FIRST:
        if rx.match(value):
            return tag
    return _STR


def parse_yaml_nodes(text: str, path: Path, report: Report, line_offset: int = 0) -> tuple[Any, dict[tuple, int]] | None:
    """:func:`parse_yaml` through libyaml's nodes (any YAML)."""
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
            try:
                data = _value(loader, node) if node is not None else None
            except Exception:  # (a value the shortcut cannot build: the loader's own way says which, and why)
                data = _constructed(text)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        _malformed(exc, path, report, line_offset)
        return None
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. an integer of 5,000 digits
        report.error(path, 1 + line_offset, f"a value cannot be read: {str(exc)[:120]}", "quote values that are text")
        return None
    return data, lines


def _constructed(text: str) -> Any:
    """``text``'s value as the loader itself builds it, or its error. PyYAML's own constructors
    crash on some tagged values (``!!int ""``: IndexError, ``!!bool maybe``: KeyError,
    ``!!timestamp x``: AttributeError): those are raised as the ValueError of a value that
    cannot be read."""
    loader = _NoDatesLoader(text)
    try:
        return loader.get_single_data()
    except (KeyError, IndexError, AttributeError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
    finally:
        loader.dispose()


def _value(loader: Any, node: yaml.Node) -> Any:
    """What ``loader.construct_document(node)`` builds, in a third of the time: mappings, lists
    and text (what advisory.yaml is made of) built here, any other node by the loader. Only for
    nodes :func:`_check_nodes` let through (no aliases, no merge keys, shallow). It builds in another
    order than the loader (depth first): when it fails, :func:`parse_yaml` asks the loader, whose
    error names the value the loader would have failed on."""
    if isinstance(node, yaml.ScalarNode):  # (deep: a collection tag on a scalar fails here, as it does in the loader)
        return node.value if node.tag == _STR else loader.construct_object(node, deep=True)
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        loader.flatten_mapping(node)  # (as the loader's own mappings do: a key '=' becomes text)
        return {_value(loader, k): _value(loader, v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_value(loader, v) for v in node.value]
    return loader.construct_object(node, deep=True)


def _check_nodes(root: yaml.Node, path: Path, report: Report, line_offset: int) -> dict[tuple, int] | None:
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


def _pattern_hint(value: str, keys: list[str], default: str) -> str:
    """The hint for a value its pattern refused, by what the value is (the keys on its path)."""
    last = keys[-1] if keys else ""
    if last in DATE_KEYS:
        return "write the date as YYYY-MM-DD, e.g. 2005-04-12"
    if last == "kind" and _known_kind(value):
        return f"write '{_known_kind(value)}': a kind is lowercase letters, digits and single hyphens"
    if last in ("from_version", "to_version"):
        return "write a version as numbers with dots, e.g. 7.1 or 5.2.3790 (quote it so YAML keeps it as written)"
    if "names" in keys:
        return 'a file name, without a folder: none of \\ / : * ? " < > |'
    if value != unicodedata.normalize("NFKC", value):
        return "write it in half-width (ASCII) characters: " + repr(unicodedata.normalize("NFKC", value))
    return default


@lru_cache(maxsize=1)
def _schema_valid() -> Callable[[Any], bool]:
    return compile_schema(schema())


def _schema_problems(data: Any, lines: dict[tuple, int], path: Path, report: Report) -> bool:
    if _schema_valid()(data):  # (the same answer as jsonschema's, faster; jsonschema explains what is wrong)
        return True
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    ok = True
    for err in sorted(Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        if err.context:
            err = best_match(err.context)
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        msg = err.message if len(err.message) < 200 else err.message[:200] + "..."
        hint = _HINTS.get(err.validator, "see kb/schema/advisory.schema.json")
        if err.validator == "pattern" and isinstance(err.instance, str):
            hint = _pattern_hint(err.instance, [p for p in err.absolute_path if isinstance(p, str)], hint)
        if err.validator == "pattern" and list(err.absolute_path)[-1:] == ["url"] and isinstance(err.instance, str):
            msg = f"{err.instance[:200]!r} is not a web address: {url_problem(err.instance) or 'it does not match ' + WEB_URL_RE.pattern}"
            hint = "give the full address of the page, starting with https:// (or http://)"
        report.error(path, line_of(lines, tuple(err.absolute_path)), f"{where}: {msg}", hint)
        ok = False
    return ok


# --- Markdown ----------------------------------------------------------------------------


def markdown_parser() -> MarkdownIt:
    """The one Markdown configuration used for content: CommonMark, raw HTML off, tables on."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    # With raw HTML off, its two rules only ever say no; asked at every line, that was ~13 % of the
    # block parse. (tests/test_content_parse.py: the same tokens with and without them.)
    return md.disable(["html_block", "html_inline"])


@lru_cache(maxsize=1)
def _checking_parser() -> MarkdownIt:
    """:func:`markdown_parser` that keeps every link whatever its target (markdown-it would show
    ``javascript:`` links as text), so that `kb check` sees and refuses them."""
    md = markdown_parser()
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # Blocks only: what a loaded advisory keeps of a paragraph or heading is its source text. The
    # inline syntax is parsed where a link can be (:func:`_links`): about 12 % of the parse.
    md.disable("inline")
    return md


LINK_HINT = (
    "link to web pages with https:// (or http://), to advisories with kb:<advisory-id>#<case-id> and to the advisory's own files "
    "with assets/<file name>; other schemes (javascript:, data:, file:, mailto: ...) and other relative paths are refused"
)


def _links(md: MarkdownIt, tokens: list[Token], env: dict, first_line: int) -> list[tuple[int, str, str]]:
    """(1-based line, "link" or "image", target) of every link and image in the block ``tokens``
    that ``md`` made (with ``env``, which holds the link reference definitions); ``first_line`` is
    the file line of the parsed text's first line. Only text with a ``[`` (a link or image) or a
    ``<`` (an autolink) is parsed for its inline syntax: nothing else can make one."""
    out = []
    for t in tokens:
        if t.type != "inline" or ("[" not in t.content and "<" not in t.content):
            continue
        children: list[Token] = []
        md.inline.parse(t.content, md, env, children)
        line = first_line + (t.map[0] if t.map else 0)
        for c in children:
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
    cases: dict[str, tuple[str, int, CaseText]]  # id -> (title, line of its heading, prose)
    order: list[str]
    kb_links: list[tuple[int, str]]  # (line, href) of every kb: link
    translated_from: tuple[str, str] | None = None  # (language, fingerprint) stamped in the front matter
    fingerprint: str = ""  # of this file's prose: what a translation of it records
    asset_links: list[tuple[int, str, str]] = field(default_factory=list)  # (line, kind, target) of relative links


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


TRANSLATED_RE = re.compile(r"^(ja|en)@([0-9a-f]{12})$")


def prose_fingerprint(title: str, summary: str, body: str) -> str:
    """12 hex digits identifying a language file's prose (title, summary, body; trailing spaces and
    blank lines do not count). A translation records it as ``translated_from: <lang>@<fingerprint>``."""
    lines = [ln.rstrip() for ln in "\n".join([title.strip(), summary.strip(), body]).split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _relative_target(target: str) -> bool:
    """True for a relative link or image target (no scheme, not ``kb:``, not an in-page anchor)."""
    return not target.startswith(("kb:", "#")) and re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", target) is None and not target.startswith("//")


def parse_language_file(text: str, path: Path, lang: str, report: Report, declared: frozenset[str] | None = None) -> _LangDoc | None:
    """Front matter and prose of ``ja.md`` / ``en.md``.

    ``declared`` holds the case ids of ``advisory.yaml``: a level-1 heading ``# <case-id>: <title>``
    naming one of them starts that case. An empty set means the advisory declares no cases: the
    whole file is the prose of its one case (``IMPLICIT_CASE``). None (``advisory.yaml`` could not be
    read) takes every ``# <id>: <title>`` heading for a case. Any other heading at level 1 or 2
    starts a section, typed when :func:`kb.content.model.section_kind` knows its name, else free-form.
    """
    lines = text.split("\n")
    if lines[0].strip() != "---":
        report.error(
            path, 1, "missing front matter", "start the file with a line '---', then 'title: ...' (and optionally 'summary: ...'), then '---'"
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report.error(path, 1, "front matter is not closed", "add a line '---' after the title and summary")
        return None
    parsed = parse_yaml("\n".join(lines[1:end]), path, report, line_offset=1)
    front, flines = parsed if parsed is not None else ({}, {})
    ok = parsed is not None  # when the front matter is broken, the body is still checked
    if ok and not isinstance(front, dict):
        report.error(path, 2, "front matter must be a mapping", "write 'title: ...' and 'summary: ...'")
        front, ok = {}, False
    if ok and (not isinstance(front.get("title"), str) or not front["title"].strip()):
        report.error(path, flines.get(("title",), 2), "front matter needs a non-empty 'title'", "add 'title: ...' between the '---' lines")
        ok = False
    if ok and "summary" in front and not isinstance(front["summary"], str):
        report.error(path, flines.get(("summary",), 2), "'summary' must be text", "write 'summary: <one or two sentences>', or leave it out")
        ok = False
    translated_from = None
    if ok and "translated_from" in front:
        m = TRANSLATED_RE.match(str(front["translated_from"]).strip())
        if m is None or m.group(1) == lang:
            report.error(
                path,
                flines.get(("translated_from",), 2),
                f"'translated_from' must be '<other language>@<12 hex digits>', not {str(front['translated_from'])[:40]!r}",
                "`kb check` prints the value to write when the other language file changes; see content/README.md",
            )
            ok = False
        else:
            translated_from = (m.group(1), m.group(2))
    for key in front:
        if key not in FRONT_MATTER_KEYS:
            report.error(
                path,
                flines.get((key,), 2),
                f"unknown front-matter key '{key}'",
                "the front matter holds only " + ", ".join(map(repr, FRONT_MATTER_KEYS)),
            )
            ok = False
    body_start = end + 1  # 0-based index of the first body line
    body = lines[body_start:]
    md = _checking_parser()
    env: dict[str, Any] = {}  # (the link reference definitions the block parse finds)
    text = "\n".join(body)
    tokens = plain_block_tokens(text)  # (markdown-it's own tokens, ~3x faster, when the prose is plain)
    if tokens is None:
        tokens = md.parse(text, env)
    kb_links: list[tuple[int, str]] = []
    asset_links: list[tuple[int, str, str]] = []
    bad = 0
    for line, kind, target in _links(md, tokens, env, body_start + 1):
        if kind == "link" and target.startswith("kb:"):
            kb_links.append((line, target))
            continue
        if _relative_target(target) and target.strip():
            asset_links.append((line, kind, target))
            why = _asset_problem(path.parent, target)
            if why is None:
                continue
            bad += 1
            if bad <= MAX_REPORTED_PER_FILE:
                report.error(path, line, f"{kind} target {why}", LINK_HINT)
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

    def src(a: int, b: int) -> str:
        return "\n".join(body[a:b]).strip()

    top = [(t.map[0], i) for i, t in enumerate(tokens) if t.level == 0 and t.map]  # in line order
    top_lines = [ln for ln, _ in top]

    def tokens_between(a: int, b: int) -> list[Token]:
        """The block tokens of body lines a..b (from the one parse above)."""
        first, last = (bisect_left(top_lines, x) for x in (a, b))
        return tokens[top[first][1] if first < len(top) else len(tokens) : top[last][1] if last < len(top) else len(tokens)]

    # Headings of the document itself (not inside lists or quotes): cases and sections.
    heads: list[tuple[str, int, str]] = []  # ("case" | "section", 0-based body line, text)
    head_end: dict[int, int] = {}  # heading line -> the line after it (a setext heading has two)
    for i, t in enumerate(tokens):
        if t.type != "heading_open" or t.level != 0 or not t.map or t.tag not in ("h1", "h2"):
            continue
        txt = _inline_text(tokens, i)
        m = CASE_HEADING_RE.match(txt) if t.tag == "h1" else None
        is_case = m is not None and (m.group(1) in declared if declared is not None else True) and declared != frozenset()
        if m is not None and not is_case and declared:
            report.error(
                path,
                body_start + t.map[0] + 1,
                f"case '{m.group(1)}' is not in advisory.yaml",
                "add it to 'cases' in advisory.yaml, or fix the id in the heading (cases: " + ", ".join(sorted(declared)) + ")",
            )
        heads.append(("case" if is_case else "section", t.map[0], txt))
        head_end[t.map[0]] = t.map[1]
    title = front.get("title", "").strip() if ok else ""
    first_case = next((ln for what, ln, _ in heads if what == "case"), None)
    if declared == frozenset():  # no cases: the sections after the introduction are the one case's
        first_section = next((ln for _, ln, _ in heads), len(body))
        intro = src(0, first_section)
        spans = [("case", first_section, f"{IMPLICIT_CASE}: {title}")]
        body_heads = [("section", ln, txt) for _, ln, txt in heads]
    else:
        intro = src(0, first_case if first_case is not None else len(body))
        spans = [(w, ln, txt) for w, ln, txt in heads if w == "case"]
        body_heads = [(w, ln, txt) for w, ln, txt in heads if first_case is not None and ln > first_case]
    cases: dict[str, tuple[str, int, CaseText]] = {}
    order: list[str] = []
    for n, (_w, ln, txt) in enumerate(spans):
        stop = spans[n + 1][1] if n + 1 < len(spans) else len(body)
        m = CASE_HEADING_RE.match(txt)
        if m is None:  # cannot happen: spans are case headings
            continue
        cid, ctitle = m.group(1), m.group(2).strip()
        abs_line = body_start + ln + 1
        if cid in cases:
            report.error(path, abs_line, f"case '{cid}' appears twice", "each case has one '# <case-id>: <title>' heading")
            ok = False
            continue
        inside = [(s_ln, s_txt) for w, s_ln, s_txt in body_heads if w == "section" and ln <= s_ln < stop and (s_ln != ln or declared == frozenset())]
        sections: list[Section] = []
        lead = src(ln if declared == frozenset() else head_end[ln], inside[0][0] if inside else stop)
        if lead and declared != frozenset():  # text between a case heading and its first section
            sections.append(Section("", None, lead))
        for k, (s_ln, s_txt) in enumerate(inside):
            s_stop = inside[k + 1][0] if k + 1 < len(inside) else stop
            sec_kind = section_kind(s_txt)
            inner = tokens_between(head_end[s_ln], s_stop)
            procs = _procedures(inner)
            sec_md = src(head_end[s_ln], s_stop)
            if sec_kind is not None:
                _section_slips(s_txt, sec_kind, sec_md, inner, path, body_start + s_ln + 1, body_start + 1, report)
            elif (near := near_typed_heading(s_txt)) is not None:
                report.warn(
                    path,
                    body_start + s_ln + 1,
                    f"section '{s_txt}' is free-form, one character from '{near[0]}' ({near[1]})",
                    f"a free-form section is shown as written, but not read as the case's {near[1]}; if that is what it is, name it '{near[0]}'",
                )
            sections.append(Section(s_txt, sec_kind, sec_md, procs))
        cases[cid] = (ctitle, abs_line, _case_text(ctitle, sections))
        order.append(cid)
    if not ok:
        return None
    summary = front.get("summary", "").strip() if isinstance(front.get("summary"), str) else ""
    return _LangDoc(
        title,
        summary,
        intro,
        cases,
        order,
        kb_links,
        translated_from,
        prose_fingerprint(title, summary, "\n".join(body)),
        asset_links,
    )


_LIST_ITEM_RE = re.compile(r"\s*(?:\d{1,3}[.)]|[-*+])\s")


def _section_slips(heading: str, kind: str, markdown: str, tokens: list[Token], path: Path, line: int, first: int, report: Report) -> None:
    """Warnings for a typed section that says nothing (its heading alone), and for steps indented so
    far that Markdown reads them as code (a tab, or four spaces, before ``1.``): the advisory is
    then shown and searched without them, which no error says."""
    if not markdown:
        report.warn(path, line, f"section '{heading}' is empty", "write what it says, or delete the heading")
        return
    if kind not in ("workaround", "resolution"):
        return
    for t in tokens:
        if t.type == "code_block" and t.map and _LIST_ITEM_RE.match(t.content):
            report.warn(
                path,
                first + t.map[0],
                f"lines of section '{heading}' look like a list but are indented as code (a tab or four spaces): they are not read as steps",
                "start each step at the left margin: '1. ...'",
            )
            return


def _case_text(title: str, sections: list[Section]) -> CaseText:
    """A case's prose: its sections as written, and the typed ones joined per kind."""
    typed: dict[str, list[str]] = {}
    steps: dict[str, list[Procedure]] = {"workaround": [], "resolution_steps": []}
    for sec in sections:
        if sec.kind is None:
            continue
        typed.setdefault(FIELD_OF_KIND[sec.kind], []).append(sec.markdown)
        if sec.kind == "workaround":
            steps["workaround"].extend(sec.procedures)
        elif sec.kind == "resolution":
            steps["resolution_steps"].extend(sec.procedures)
    return CaseText(
        title=title,
        **{name: "\n\n".join(texts) for name, texts in typed.items()},
        workaround=tuple(steps["workaround"]),
        resolution_steps=tuple(steps["resolution_steps"]),
        sections=tuple(sections),
    )


# --- building the model ------------------------------------------------------------------


def _localized(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {lang: value for lang in LANGS}
    return {k: str(v) for k, v in value.items()}


DATE_KEYS = ("published", "updated")


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _dates_exist(data: dict, lines: dict[tuple, int], path: Path, report: Report) -> bool:
    """The dates the schema's pattern (YYYY-MM-DD) let through are days of the calendar: 2020-13-45
    and 2021-02-29 are errors at their line. False when one is not."""
    ok = True
    for key in DATE_KEYS:
        value = data.get(key)
        try:
            _date(value)
        except ValueError as exc:
            report.error(
                path, line_of(lines, (key,)), f"{key}: {value} is not a date ({exc})", "write a day of the calendar as YYYY-MM-DD, e.g. 2005-04-12"
            )
            ok = False
    return ok


def _check_template(template: Template, path: Path, line: int, report: Report) -> bool:
    """One error per problem of a message text (parsed); True when it is a usable template."""
    text = template.source
    problems: list[tuple[str, str]] = []
    stray = Template.stray_braces(text)
    if stray:
        at = stray[0]
        around = ("…" if at > 30 else "") + text[max(0, at - 30) : at + 30] + ("…" if at + 30 < len(text) else "")
        problems.append(
            (
                f"'{text[at : at + 2]}' at character {at + 1} of the message is neither a placeholder nor an escape: {around!r}",
                _almost_a_slot(text[at:])
                or "a placeholder is {{name}}, {{name:type}} or {{name:type=example}}; for a literal '{{' or '}}' write it twice: '{{{{' or '}}}}'",
            )
        )
    names: set[str] = set()
    for ph in template.placeholders:
        if ph.type not in PLACEHOLDER_TYPES:
            problems.append((f"unknown placeholder type '{ph.type}' in {{{{{ph.name}:{ph.type}}}}}", "types: " + ", ".join(PLACEHOLDER_TYPES)))
        if ph.name in names:
            problems.append((f"placeholder '{ph.name}' is used twice in one message", "give each slot its own name"))
        names.add(ph.name)
    if not problems:
        problems = [(f"message {text[:80]!r}: {problem}", hint) for problem, hint in template_problems(template)]
    for problem, hint in problems:
        report.error(path, line, problem, hint)
    for problem, hint in _slot_slips(template):
        report.warn(path, line, problem, hint)
    return not problems


_ALMOST_SLOT_RE = re.compile(r"\{\{\s*([^{}:=\s]+)\s*(?::\s*([^{}=\s]+)\s*)?(?:=[^{}\n]*)?\}\}")


def _almost_a_slot(text: str) -> str | None:
    """The hint for ``{{...}}`` at the start of ``text`` that is nearly a placeholder: a name that
    is not ASCII (``{{番号}}``), a type in capitals (``{{n:Number}}``)."""
    m = _ALMOST_SLOT_RE.match(text)
    if m is None:
        return None
    name, kind = m.group(1), m.group(2)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"a placeholder's name is ASCII letters, digits and '_', starting with a letter: '{{{{n}}}}' or '{{{{count}}}}', not '{name}'"
    if kind and kind.lower() in PLACEHOLDER_TYPES:
        return f"types are written in lowercase: '{{{{{name}:{kind.lower()}}}}}'"
    return None


_SLOT_TYPES = "|".join(PLACEHOLDER_TYPES)
_SINGLE_BRACED_SLOT_RE = re.compile(r"(?<!\{)\{\s*[A-Za-z_]\w*\s*:\s*(?:" + _SLOT_TYPES + r")\s*(?:=[^{}\n]*)?\}(?!\})")
_WIDE_BRACED_SLOT_RE = re.compile(r"[｛{]{2}\s*[A-Za-zＡ-Ｚａ-ｚ_＿][^｛｝{}\n]{0,80}[｝}]{2}")


def _slot_slips(template: Template) -> list[tuple[str, str]]:
    """Warnings for what looks like a slot but is read as fixed text (``{n:number}``, full-width
    ``｛｛n｝｝``), and for an example its slot's type cannot match (``{{n:number=abc}}``): each
    makes the message unfindable with other values, yet is no error of the format."""
    out: list[tuple[str, str]] = []
    for piece in template.literals:
        if "{" not in piece and "｛" not in piece:  # (both patterns need a brace: most pieces have none; kb check runs this per wording)
            continue
        for rx, what in ((_SINGLE_BRACED_SLOT_RE, "single braces"), (_WIDE_BRACED_SLOT_RE, "full-width braces")):
            m = rx.search(piece)
            if m and (what == "single braces" or not m.group(0).isascii()):
                out.append(
                    (
                        f"'{m.group(0)}' looks like a placeholder written with {what}: it is read as fixed text, so the message "
                        "is found only with these very characters",
                        "write a placeholder with two ASCII braces on each side: {{name:type}}",
                    )
                )
    for ph in template.placeholders:  # (values are matched in text without white space, NFKC, lowercase: kb.text.templates)
        if not ph.example or ph.type == "text" or ph.type not in PLACEHOLDER_TYPES:
            continue
        pattern = PLACEHOLDER_TYPES[ph.type].replace(r"\s", "")
        value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", ph.example).lower())
        if not re.fullmatch(pattern, value, re.DOTALL):
            out.append(
                (
                    f"the example '{ph.example}' of {{{{{ph.name}:{ph.type}}}}} is not a {ph.type}",
                    f"give an example of the type (a {ph.type}), or another type: " + ", ".join(PLACEHOLDER_TYPES),
                )
            )
    return out


_KINDS_BY_LETTERS = {re.sub(r"[-_\s]", "", k): k for k in MESSAGE_KINDS}


def _known_kind(kind: str) -> str | None:
    """The known message kind ``kind`` is, or was meant to be (``eventlog``, ``event_log``,
    ``stop-codes`` -> ``event-log``, ``stop-code``), else None."""
    if kind in MESSAGE_KINDS:
        return kind
    letters = re.sub(r"[-_\s]", "", kind.lower())
    return _KINDS_BY_LETTERS.get(letters) or _KINDS_BY_LETTERS.get(letters.removesuffix("s"))


def _case_from(data: dict, at: tuple, texts: dict[str, CaseText], path: Path, lines: dict, report: Report, implicit: bool = False) -> Case:
    messages = []
    seen_msgs: set[str] = set()
    for k, m in enumerate(data.get("messages", [])):
        mline = line_of(lines, at + ("messages", k))
        if m["id"] in seen_msgs:
            report.error(path, mline, f"message id '{m['id']}' is used twice in case '{data['id']}'", "give each message its own id")
        seen_msgs.add(m["id"])
        loc = _localized(m["text"])
        parsed = {t: Template.parse(t) for t in set(loc.values())}  # (one parse per distinct wording)
        for lang, t in loc.items():
            if t in [loc[o] for o in loc if o < lang]:
                continue  # one check per distinct wording
            where = at + ("messages", k, "text") + ((lang,) if isinstance(m["text"], dict) else ())
            _check_template(parsed[t], path, line_of(lines, where), report)
        names = {lang: sorted(ph.name for ph in parsed[t].placeholders) for lang, t in loc.items()}
        if len({tuple(v) for v in names.values()}) > 1:
            report.error(
                path, mline, f"message '{m['id']}' has different placeholders per language: {names}", "both wordings need the same {{slots}}"
            )
        meant = _known_kind(m["kind"])
        if meant and meant != m["kind"]:
            report.warn(
                path,
                line_of(lines, at + ("messages", k, "kind")),
                f"message kind '{m['kind']}' is not a known kind; '{meant}' is",
                f"write kind: {meant} (kinds are open, but only the known ones get their label and their treatment, e.g. a stop-code is generic)",
            )
        if isinstance(m["text"], str) and "en" in texts and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", m["text"]):
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
                {lang: parsed[t] for lang, t in loc.items()},
                m.get("source"),
                m.get("event_id"),
                _localized(m.get("group")),
                bool(m.get("generic", False)),
            )
        )
    for k, a in enumerate(data.get("applies_to", ())):
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
            for a in data.get("applies_to", ())
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
        implicit=implicit,
    )


RESERVED_CASE_IDS = frozenset({"kb-main", "kb-results", "kb-q", "kb-q-hint", "toc-h"})
"""Ids the site's pages use for their own elements; a case (its anchor) may not take them."""

ASSETS = "assets"
"""The folder of an advisory whose files (screenshots, patches) the site copies and prose may link to."""


def _asset_problem(folder: Path, target: str) -> str | None:
    """Why a relative link of ``folder``'s prose does not reach a file in its ``assets/``, or None."""
    from urllib.parse import unquote

    rel = unquote(re.split(r"[?#]", target, maxsplit=1)[0]).replace("\\", "/")
    rel = rel[2:] if rel.startswith("./") else rel
    parts = rel.split("/")
    if parts[0] != ASSETS or len(parts) < 2 or any(p in ("", ".", "..") for p in parts[1:]):
        return f"{target[:200]!r} is not allowed: it is a relative link outside the advisory's {ASSETS}/ folder (e.g. '{ASSETS}/screen.png')"
    target_path = folder / rel
    if target_path.is_symlink() or any(p.is_symlink() for p in target_path.parents if folder in p.parents):
        return f"{target[:200]!r} is not allowed: it is a symbolic link (the site copies only regular files)"
    if not target_path.is_file():
        return f"{target[:200]!r} is not allowed: it points nowhere (there is no file {folder.name}/{rel})"
    return None


def load_advisory(folder: Path, report: Report) -> Advisory | None:
    """Read one advisory folder; problems go to ``report``. None when it cannot be built; a folder
    kb may not read (its permissions) is one of those problems, not a failure."""
    try:
        return _load_advisory(folder, report)
    except OSError as exc:
        report.error(folder, 1, f"cannot read the folder: {exc.strerror}", "check the folder's permissions")
        return None


def _load_advisory(folder: Path, report: Report) -> Advisory | None:
    ypath = folder / "advisory.yaml"
    try:
        os.lstat(ypath)  # (a link that leads nowhere is there: read_text says what it is)
    except FileNotFoundError:
        report.error(folder, 1, "folder has no advisory.yaml", "every advisory folder holds advisory.yaml and ja.md, en.md or both")
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
    if data is not None and "cases" in data and "messages" in data:
        report.error(
            ypath,
            line_of(lines, ("messages",)),
            "top-level 'messages' is for advisories without cases; this one has 'cases'",
            "move each message under the case it belongs to",
        )
        data = None
    if data is not None and not _dates_exist(data, lines, ypath, report):
        data = None
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
    declared: frozenset[str] | None = None
    if data is not None:
        declared = frozenset(c["id"] for c in data.get("cases", ()))
    langdocs: dict[str, _LangDoc] = {}
    sources: dict[str, str] = {}  # language -> its file's text
    present = [lang for lang in LANGS if os.path.lexists(folder / f"{lang}.md")]  # (a broken link too: read_text says so)
    if not present:
        report.error(
            ypath, 1, "no language file: write ja.md, en.md or both", f"write {folder.name}/ja.md (or en.md) with a title and the advisory's prose"
        )
    for lang in present:  # checked even when advisory.yaml is broken, so that every problem is reported at once
        mpath = folder / f"{lang}.md"
        mtext = read_text(mpath, report, MAX_MARKDOWN_BYTES)
        if mtext is None:
            continue
        doc = parse_language_file(mtext, mpath, lang, report, declared)
        if doc is not None:
            langdocs[lang] = doc
            sources[lang] = mtext
    _check_translations(folder, langdocs, report)
    if data is None:
        return None
    case_data = data["cases"] if "cases" in data else [{"id": IMPLICIT_CASE, "messages": data.get("messages", [])}]
    at_of = (lambda k: ("cases", k)) if "cases" in data else (lambda k: ())
    yaml_case_ids = [c["id"] for c in case_data]
    seen_ids: set[str] = set()
    for k, cid in enumerate(yaml_case_ids):
        if cid in RESERVED_CASE_IDS:
            report.error(ypath, line_of(lines, ("cases", k, "id")), f"case id '{cid}' is reserved by the site", "choose another case id")
        if cid in seen_ids:
            report.error(ypath, line_of(lines, ("cases", k, "id")), f"case id '{cid}' is used twice", "give each case its own id")
        seen_ids.add(cid)
    for lang, doc in langdocs.items():
        mpath = folder / f"{lang}.md"
        for cid in yaml_case_ids:
            if cid not in doc.cases:
                others = [o for o in langdocs if o != lang and cid in langdocs[o].cases]
                where = f" (it is in {', '.join(o + '.md' for o in others)})" if others else ""
                slip = _heading_slip(sources[lang], cid)
                if slip:
                    report.error(
                        mpath,
                        slip,
                        f"case '{cid}' is missing from {lang}.md: this line looks like its heading, but is not one",
                        f"write it as '# {cid}: <title>': one '#' and a space at the start of the line, then the id and an ASCII colon",
                    )
                else:
                    report.error(mpath, 1, f"case '{cid}' is missing from {lang}.md{where}", f"add a section '# {cid}: <title>' to {lang}.md")
        if [c for c in doc.order if c in seen_ids] != [c for c in yaml_case_ids if c in doc.cases]:
            report.warn(mpath, 1, f"cases in {lang}.md are not in the order of advisory.yaml", "keep the same order in every file")
    if len(langdocs) == len(LANGS):
        ja, en = langdocs["ja"], langdocs["en"]
        for cid in yaml_case_ids:
            if cid in ja.cases and cid in en.cases:
                ja_kinds = {s.kind for s in ja.cases[cid][2].sections if s.kind}
                en_kinds = {s.kind for s in en.cases[cid][2].sections if s.kind}
                for sec in sorted(ja_kinds - en_kinds):
                    report.warn(folder / "en.md", en.cases[cid][1], f"case '{cid}' lacks a section that ja.md has ({sec})", "translate the section")
                njs = sum(len(p.steps) for p in ja.cases[cid][2].workaround + ja.cases[cid][2].resolution_steps)
                nes = sum(len(p.steps) for p in en.cases[cid][2].workaround + en.cases[cid][2].resolution_steps)
                if njs != nes:
                    report.warn(
                        folder / "en.md",
                        en.cases[cid][1],
                        f"case '{cid}' has {nes} steps in en.md but {njs} in ja.md",
                        "keep the steps one to one",
                    )
    if len(report.problems) > before and any(p.severity == "error" for p in report.problems[before:]):
        return None
    cases = []
    for k, c in enumerate(case_data):
        texts = {lang: doc.cases[c["id"]][2] for lang, doc in langdocs.items()}
        cases.append(_case_from(c, at_of(k), texts, ypath, lines, report, implicit="cases" not in data))
    report.kb_links[str(folder)] = [(folder / f"{lang}.md", line, href) for lang, doc in langdocs.items() for line, href in doc.kb_links]
    return Advisory(
        id=data["id"],
        vendor=data.get("vendor", ""),
        products=tuple(Product(p["name"], tuple(p.get("aliases", ())), p.get("successor")) for p in data.get("products", ())),
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


def _heading_slip(text: str, case_id: str) -> int | None:
    """The 1-based line of ``text`` that starts with ``case_id`` the way a case heading does (after
    any ``#`` or ``＃``), yet was not read as one (``## id:``, ``#id:``, ``# id：`` with a full-width colon,
    no colon), or None."""
    slip = re.compile(r"[ \t]*[#＃]*[ \t\u3000]*" + re.escape(case_id) + r"(?:[ \t\u3000]*[:：]|[ \t\u3000]+\S|[ \t\u3000]*$)")
    for n, line in enumerate(text.split("\n"), 1):
        if slip.match(line):
            return n
    return None


def _check_translations(folder: Path, langdocs: dict[str, _LangDoc], report: Report) -> None:
    """A translation stamped ``translated_from: <lang>@<fingerprint>`` is outdated when the file it
    was translated from has changed since: `kb check` warns and prints the new stamp."""
    for lang, doc in langdocs.items():
        if doc.translated_from is None:
            continue
        src_lang, stamp = doc.translated_from
        source = langdocs.get(src_lang)
        mpath = folder / f"{lang}.md"
        if source is None:
            if (folder / f"{src_lang}.md").exists():
                continue  # the source file has problems of its own, reported already
            report.warn(mpath, 2, f"{lang}.md says it was translated from {src_lang}.md, which does not exist", "remove 'translated_from'")
        elif source.fingerprint != stamp:
            report.warn(
                mpath,
                2,
                f"{lang}.md may be outdated: {src_lang}.md has changed since it was translated (translated_from: {src_lang}@{stamp})",
                f"bring {lang}.md up to date with {src_lang}.md, then set 'translated_from: {src_lang}@{source.fingerprint}'",
            )


def advisory_folders(root: Path) -> list[Path]:
    """The advisory folders under ``root``: its sub-folders (or links to folders), in name order,
    but for names starting with ``.`` or ``_``."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def broken_links(folder: Path) -> list[Path]:
    """Symbolic links in ``folder`` that lead nowhere or round in a loop (names starting with
    ``.`` or ``_`` left out): an advisory folder or file that is not there to read."""
    with os.scandir(folder) as it:  # (is_symlink from the listing: one stat per link only)
        return sorted(Path(e.path) for e in it if not e.name.startswith((".", "_")) and e.is_symlink() and not os.path.exists(e.path))


FOLDERS_PER_TASK = 16  # advisory folders a worker reads per round trip

_Links = dict[str, list[tuple[Path, int, str]]]


@dataclass(frozen=True)
class Outline:
    """What the checks across advisories need of one: its id, folder and case ids."""

    id: str
    path: str
    case_ids: tuple[str, ...]


def _read_folder(folder: Path) -> tuple[Advisory | None, list[Problem], _Links]:
    """:func:`load_advisory` of one folder, with its problems and ``kb:`` links (a worker's task)."""
    report = Report()
    return load_advisory(folder, report), report.problems, report.kb_links


def _check_folder(folder: Path) -> tuple[Outline | None, list[Problem], _Links]:
    """:func:`_read_folder`, sending back only the advisory's :class:`Outline` (a task of
    :func:`check`: a whole advisory costs more to send between processes than the outline)."""
    adv, problems, links = _read_folder(folder)
    return (_outline(adv) if adv is not None else None), problems, links


def _outline(adv: Advisory) -> Outline:
    return Outline(adv.id, adv.path, adv.case_ids)


def _pack_folder(folder: Path) -> tuple[Packed | None, list[Problem], _Links]:
    """:func:`_read_folder`, the advisory packed (a task of :func:`load_packed`)."""
    adv, problems, links = _read_folder(folder)
    return (Packed.of(adv) if adv is not None else None), problems, links


def load(root: Path | str, workers: int | None = None) -> tuple[list[Advisory], list[Problem]]:
    """Load every advisory under ``root``; return them with all problems found (errors and warnings).
    From :data:`kb.workers.PARALLEL_FROM` folders on, worker processes read them (one per CPU, or
    ``workers``: :func:`kb.workers.ordered_map`); the advisories and problems are the same, in the
    same order."""
    return _read_all(Path(root), workers, _read_folder, _outline)


def load_packed(root: Path | str, workers: int | None = None, shelf: Shelf | None = None) -> tuple[list[Packed], list[Problem]]:
    """:func:`load`, each advisory :class:`~kb.content.model.Packed` (by the worker that read it, when
    there are workers); with ``shelf``, their bytes are put aside there as they come
    (:class:`~kb.content.shelf.Shelf`: a temporary file)."""
    return _read_all(Path(root), workers, _pack_folder, lambda p: Outline(p.id, p.path, p.case_ids), shelf.pack if shelf else None)


def check(root: Path | str, workers: int | None = None) -> tuple[list[Outline], list[Problem]]:
    """What :func:`load` finds, the problems the same, the advisories only outlined (what ``kb
    check`` reports needs no more). Workers send back outlines instead of whole advisories: on
    2,000 generated ones, the caller's CPU went from ~0.8 to ~0.16 s and the workers' from ~11 to
    ~9 s."""
    return _read_all(Path(root), workers, _check_folder, lambda o: o)


def _read_all(
    root: Path,
    workers: int | None,
    task: Callable[[Path], tuple[Any, list[Problem], _Links]],
    outline: Callable[[Any], Outline],
    keep: Callable[[Any], Any] | None = None,
) -> tuple[list[Any], list[Problem]]:
    """Read every advisory folder under ``root`` with ``task``: what it gives for each advisory kept
    (in folder order; ``outline`` of it is its id and cases; ``keep`` of it, when given, is what is
    kept), and every problem."""
    report = Report()
    if not root.is_dir():
        report.error(root, 1, "content folder not found", "pass the folder that holds one sub-folder per advisory")
        return [], report.problems
    kept: list[Any] = []
    outlines: list[Outline] = []
    first_seen: dict[str, Path] = {}
    folders = advisory_folders(root)
    for link in broken_links(root):
        report.error(link, 1, f"{BROKEN_LINK}: not read", "point it at the advisory's folder, or remove it")
    # Read by workers, every object the caller gets is kept: collections, which walk the whole
    # growing heap, would find nothing to free (measured: 0.8 s of the caller's 1.8 s of CPU for
    # 2,000 advisories).
    with collections_paused(in_workers(len(folders), workers, PARALLEL_FROM)):
        for folder, (adv, problems, links) in zip(
            folders, ordered_map(task, folders, workers=workers, min_items=PARALLEL_FROM, per_task=FOLDERS_PER_TASK)
        ):
            if not ID_RE.match(folder.name):
                report.error(
                    folder,
                    1,
                    f"folder name '{folder.name}' is not a valid advisory id",
                    "use lowercase letters, digits and single hyphens, e.g. vendor-product-topic",
                )
            report.problems += problems
            report.kb_links.update(links)
            if adv is None:
                continue
            seen = outline(adv)
            if seen.id in first_seen:
                report.error(
                    Path(seen.path) / "advisory.yaml",
                    1,
                    f"duplicate advisory id '{seen.id}' (also in {first_seen[seen.id] / 'advisory.yaml'})",
                    "every advisory needs its own id",
                )
                continue
            first_seen[seen.id] = Path(seen.path)
            outlines.append(seen)
            kept.append(keep(adv) if keep else adv)
    _check_links(outlines, report)
    return kept, report.problems


def _check_links(outlines: list[Outline], report: Report) -> None:
    """``[text](kb:advisory-id#case)`` links in prose must point at an existing advisory and case."""
    by_id = {a.id: a for a in outlines}
    for adv in outlines:
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
