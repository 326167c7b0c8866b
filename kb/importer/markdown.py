"""Markdown helpers of the conversion (:mod:`kb.importer.convert`): the parser (which sees every
link, as ``kb check`` does), the patterns the cleanups look for (anchors, ATX headings, autolinks,
reference definitions, raw HTML tags, ``data:`` images), the links kb would refuse, and a scanner
of inline code spans and CommonMark link destinations, so that links are rewritten in the text as
written."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..content.model import url_problem
from .common import _words

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_MD.validateLink = lambda url: True  # type: ignore[method-assign]  # see every link, as `kb check` does

_ANCHOR_RE = re.compile(r"""<(a|span)\s+(?:name|id)\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+)\s*(?:/>|>\s*</\1\s*>)""", re.I)
_ATX_RE = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_BT_RUN = re.compile(r"`+")
_AUTOLINK_RE = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\x00-\x20]*)>")
_EMAIL_AUTOLINK_RE = re.compile(
    r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>"
)
_REFDEF_RE = re.compile(r"^( {0,3})\[((?:[^\]\\\n]|\\.)+)\]:[ \t]*(<[^<>\n]*>|\S+)(.*)$")
_HTML_TAGS = _words(
    "a abbr address area article aside audio b bdi bdo blockquote br button caption center cite code col colgroup dd del details "
    "dfn dialog div dl dt em embed fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header hr i iframe img input ins "
    "kbd label legend li link main map mark meta nav noscript object ol optgroup option output p param picture pre q s samp script "
    "section select small source span strike strong style sub summary sup table tbody td template textarea tfoot th thead time "
    "title tr track tt u ul var video wbr"
)
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>|<!--")
_MD_ESCAPE_RE = re.compile(r"([\\`*_\[\]<>])")
_DATA_IMAGE_RE = re.compile(r"^\s*data:image/(png|jpe?g|gif|webp|bmp|svg\+xml);base64,([A-Za-z0-9+/=\s]+)$", re.I)


def _inline_text(tok: Token | None) -> str:
    if tok is None or not tok.children:
        return tok.content if tok is not None else ""
    out = []
    for c in tok.children:
        if c.type in ("text", "code_inline"):
            out.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return _ANCHOR_RE.sub("", "".join(out)).strip()


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", s).casefold())

    return bool(norm(a)) and norm(a) == norm(b)


def _escape(text: str) -> str:
    return _MD_ESCAPE_RE.sub(r"\\\1", text)


def _unescape_dest(dest: str) -> str:
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1]
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", dest))


def _code_lines(tokens: list[Token]) -> set[int]:
    out: set[int] = set()
    for t in tokens:
        if t.type in ("fence", "code_block") and t.map:
            out.update(range(t.map[0], t.map[1]))
    return out


def _bad_links(tokens: list[Token]) -> Iterator[str]:
    for t in tokens:
        if t.type != "inline" or not t.children:
            continue
        stack = list(t.children)
        while stack:
            c = stack.pop()
            if c.children:
                stack.extend(c.children)
            if c.type in ("link_open", "image"):
                href = str(c.attrGet("href" if c.type == "link_open" else "src") or "")
                if href.startswith("kb:") or (href.startswith("assets/") and ".." not in href.split("/")):
                    continue
                if url_problem(href) is not None:
                    yield href


def _has_bad_links(tokens: list[Token]) -> bool:
    return next(_bad_links(tokens), None) is not None


def _code_span_end(s: str, i: int) -> int | None:
    m = _BT_RUN.match(s, i)
    if m is None:
        return None
    run = len(m.group())
    for m2 in _BT_RUN.finditer(s, m.end()):
        if len(m2.group()) == run:
            return m2.end()
    return None


def _code_spans(s: str) -> list[tuple[int, int]]:
    """(start, end) of the inline code spans of ``s`` (one line or one block of inline text)."""
    out: list[tuple[int, int]] = []
    i = 0
    while True:
        m = _BT_RUN.search(s, i)
        if m is None:
            return out
        end = _code_span_end(s, m.start())
        if end is None:
            i = m.end()
            continue
        out.append((m.start(), end))
        i = end


def _strip_code_spans(s: str) -> str:
    out, last = [], 0
    for a, b in _code_spans(s):
        out.append(s[last:a])
        last = b
    out.append(s[last:])
    return "".join(out)


def _sub_outside_code_spans(rx: re.Pattern[str], s: str) -> tuple[str, int]:
    """``rx.subn("", s)`` outside inline code spans."""
    out, last, total = [], 0, 0
    for a, b in [*_code_spans(s), (len(s), len(s))]:
        new, n = rx.subn("", s[last:a])
        out.append(new + s[a:b])
        total += n
        last = b
    return "".join(out), total


def _bracket_end(s: str, j: int) -> int | None:
    depth, k, n = 1, j, len(s)
    while k < n:
        c = s[k]
        if c == "\\":
            k += 2
            continue
        if c == "`":
            end = _code_span_end(s, k)
            k = end if end is not None else _BT_RUN.match(s, k).end()  # type: ignore[union-attr]
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return None


def _skip_space(s: str, p: int, newline: bool = True) -> int:
    seen_nl = False
    while p < len(s) and s[p] in " \t\n":
        if s[p] == "\n":
            if seen_nl or not newline:
                break
            seen_nl = True
        p += 1
    return p


def _parse_dest(s: str, p: int) -> tuple[str, str | None, int, int] | None:
    """CommonMark inline link destination and title from ``s[p:]`` (just after ``(``):
    (destination as written, title, index after the destination, index after the closing ``)``),
    or None."""
    n = len(s)
    p = _skip_space(s, p)
    if p < n and s[p] == "<":
        q = p + 1
        while q < n and s[q] not in "<>\n":
            q += 2 if s[q] == "\\" else 1
        if q >= n or s[q] != ">":
            return None
        dest = s[p : q + 1]
        p = q + 1
        dest_end = p
    else:
        q, depth = p, 0
        while q < n:
            ch = s[q]
            if ch == "\\" and q + 1 < n:
                q += 2
                continue
            if ch in " \t\n" or ord(ch) < 0x20:
                break
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            q += 1
        if depth:
            return None
        dest = s[p:q]
        p = dest_end = q
    p2 = _skip_space(s, p)
    title: str | None = None
    if p2 < n and s[p2] in "\"'(" and p2 > p:
        closing = ")" if s[p2] == "(" else s[p2]
        q = p2 + 1
        while q < n and s[q] != closing:
            q += 2 if s[q] == "\\" else 1
        if q >= n:
            return None
        title = s[p2 + 1 : q]
        p = _skip_space(s, q + 1)
    else:
        p = p2
    if p < n and s[p] == ")":
        return dest, title, dest_end, p + 1
    return None
