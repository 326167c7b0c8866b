"""The block tokens of plain Markdown, made without markdown-it's rule machinery.

Most advisory prose is headings, paragraphs and lists, nested or not. For such text
:func:`plain_block_tokens` builds the very tokens that content loading's block-only markdown-it
parse makes (:func:`kb.content.load._checking_parser`: every field of markdown-it's ``Token``), about
3x faster: markdown-it asks each of its ten block rules at every block start and each paragraph
line, ~35 % of ``kb check`` on generated content. 97 % of the real articles of
``../shared/corpora`` (imported) and all of the generated and bundled content are plain.

The parse is markdown-it's own (``ParserBlock.tokenize`` and its heading, list and paragraph rules:
the same indentation, lazy continuation, interruption and tight/loose decisions), restated for lines
that can only be one of:

- blank (empty, or spaces);
- an ATX heading: ``#`` to ``######``, a space, then text that does not end with ``#``;
- a list item: ``-``, ``*``, ``+`` or ``<1-9 digits>.``, one space, then plain text;
- plain text: a line whose first character cannot open a block (below);

each after any indentation. Any other line, an indented code block, text with a tab, a carriage
return or a NUL (markdown-it rewrites those), text with ``]:`` (a link reference definition can
start on any line), and a paragraph or heading whose text would start or end with a character some
version of markdown-it trims differently make it answer None: the caller asks markdown-it. That
leaves out quotes, fences, tables, thematic breaks, setext headings, ``1)`` items, items whose text
starts after two spaces or with another block. ``tests/test_plain_blocks.py`` compares both parsers.
"""

from __future__ import annotations

import re
from dataclasses import fields

from markdown_it.token import Token

_HEADING = re.compile(r"(#{1,6}) (.*)")
_ITEM = re.compile(r"(?:([-*+])|([0-9]{1,9})\.) (.*)")
_NOT_TEXT = re.compile(
    r"""
      [ \t>]                     # indented (code, a continuation), a quote
    | \#{1,6}(?:\ |$)            # an ATX heading
    | [-*+](?:\ |$)              # a bullet item
    | [0-9]{1,9}[.)](?:\ |$)     # an ordered item
    | [-|:\ ]+$                  # a table's delimiter row, a thematic break or setext underline of -
    | [*_\ ]+$                   # a thematic break of * or _
    | =+\ *$                     # a setext underline
    | ```|~~~                    # a code fence
    """,
    re.VERBOSE,
)
# Characters some version of markdown-it may trim from a paragraph's or heading's ends (Python's
# whitespace, markdown-it's, controls): text that would start or end with one is left to it.
# Written out, not derived at import (~2 ms); tests/test_plain_blocks.py derives it and compares.
_TRIMMED = frozenset(map(chr, [*range(0x21), 0x7F, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200C), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF]))
_MAX_LEVEL = 12  # (markdown-it stops nesting at 20; plain prose is never this deep)

# Line kinds
_BLANK, _TEXT, _HEADING_LINE, _BULLET, _ORDERED = range(5)


class _NotPlain(Exception):
    """The text uses more than the plain subset: markdown-it parses it."""


def _plain_text(s: str) -> bool:
    return _NOT_TEXT.match(s) is None


def _trimmed(text: str) -> str:
    text = text.strip(" \n")
    if text and (text[0] in _TRIMMED or text[-1] in _TRIMMED):
        raise _NotPlain
    return text


def _kind(rest: str) -> tuple[int, str, str]:
    """(kind, marker, text) of a line without its indentation; the marker is the heading's ``#``s,
    the bullet character or the item's digits."""
    if not rest:
        return _BLANK, "", ""
    if _plain_text(rest):
        return _TEXT, "", rest
    m = _HEADING.fullmatch(rest)
    if m is not None:
        text = _trimmed(m.group(2))
        if text and not text.endswith("#"):
            return _HEADING_LINE, m.group(1), text
        raise _NotPlain
    m = _ITEM.fullmatch(rest)
    if m is not None and m.group(3) and _plain_text(m.group(3)):
        return (_BULLET, m.group(1), m.group(3)) if m.group(1) else (_ORDERED, m.group(2), m.group(3))
    raise _NotPlain


_new_token = Token.__new__
# The fields :meth:`_Blocks.push` sets. Should markdown-it's Token have others, nothing is taken.
_FIELDS_SET = frozenset(("type", "tag", "nesting", "attrs", "map", "level", "children", "content", "markup", "info", "meta", "block", "hidden"))
_USABLE = frozenset(f.name for f in fields(Token)) == _FIELDS_SET


class _Blocks:
    """markdown-it's block parse (``ParserBlock.tokenize`` and its heading, list and paragraph rules)
    restated for plain lines; names follow its ``StateBlock``."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.n = len(lines)
        self.ind: list[int] = []  # leading spaces ("sCount")
        self.kinds: list[tuple[int, str, str]] = []
        for line in lines:
            rest = line.lstrip(" ")
            self.ind.append(len(line) - len(rest))
            self.kinds.append(_kind(rest))
        self.tokens: list[Token] = []
        self.level = 0
        self.line = 0
        self.blk_indent = 0
        self.list_indent = -1
        self.tight = False

    def blank(self, i: int) -> bool:
        return self.kinds[i][0] == _BLANK

    def push(self, kind: str, tag: str, nesting: int, map_: list[int] | None = None, markup: str = "") -> Token:
        if nesting < 0:
            self.level -= 1
        t = _new_token(Token)  # (its fields set one by one: ~2x faster than its __init__)
        t.type = kind
        t.tag = tag
        t.nesting = nesting  # type: ignore[assignment]
        t.attrs = {}
        t.map = map_
        t.level = self.level
        t.children = None
        t.content = ""
        t.markup = markup
        t.info = ""
        t.meta = {}
        t.block = True
        t.hidden = False
        if nesting > 0:
            self.level += 1
        self.tokens.append(t)
        return t

    def inline(self, content: str, map_: list[int]) -> None:
        t = self.push("inline", "", 0, map_)
        t.content = content
        t.children = []

    def tokenize(self, line: int) -> None:
        has_empty = False
        n = self.n
        while line < n:
            while line < n and self.blank(line):
                line += 1
            self.line = line
            if line >= n or self.ind[line] < self.blk_indent:
                break
            if self.ind[line] - self.blk_indent >= 4 or self.level >= _MAX_LEVEL:  # (indented code)
                raise _NotPlain
            kind, marker, text = self.kinds[line]
            if kind == _HEADING_LINE:
                tag = f"h{len(marker)}"
                self.push("heading_open", tag, 1, [line, line + 1], marker)
                self.inline(text, [line, line + 1])
                self.push("heading_close", tag, -1, None, marker)
                self.line = line + 1
            elif kind == _TEXT:
                self.paragraph(line)
            else:
                self.list(line)
            self.tight = not has_empty
            line = self.line
            if self.blank(line - 1):
                has_empty = True
            if line < n and self.blank(line):
                has_empty = True
                line += 1
                self.line = line

    def item_ends_paragraph(self, i: int) -> bool:
        """The list rule asked whether line ``i``, an item, ends the paragraph before it."""
        ind = self.ind[i]
        if self.list_indent >= 0 and ind - self.list_indent >= 4 and ind < self.blk_indent:
            return False
        kind, marker, _ = self.kinds[i]
        return not (ind >= self.blk_indent and kind == _ORDERED and int(marker) != 1)

    def paragraph(self, start: int) -> None:
        end = start + 1
        while end < self.n and not self.blank(end):
            if self.ind[end] - self.blk_indent <= 3:
                kind = self.kinds[end][0]
                if kind == _HEADING_LINE or (kind in (_BULLET, _ORDERED) and self.item_ends_paragraph(end)):
                    break
            end += 1
        cut, lines = self.blk_indent, self.lines
        if cut:  # (each line without up to ``cut`` of its leading spaces)
            content = "\n".join([lines[i][min(cut, self.ind[i]) :] for i in range(start, end)])
        else:
            content = "\n".join(lines[start:end])
        content = _trimmed(content)
        self.line = end
        self.push("paragraph_open", "p", 1, [start, end])
        self.inline(content, [start, end])
        self.push("paragraph_close", "p", -1)

    def list(self, start: int) -> None:
        ind0 = self.ind[start]
        if self.list_indent >= 0 and ind0 - self.list_indent >= 4 and ind0 < self.blk_indent:
            raise _NotPlain  # (the list rule says no: the line is text; not in the subset)
        kind, marker, _ = self.kinds[start]
        ordered = kind == _ORDERED
        name, tag, markup = ("ordered_list", "ol", ".") if ordered else ("bullet_list", "ul", marker)
        opening = self.push(f"{name}_open", tag, 1, [start, 0], markup)
        if ordered and int(marker) != 1:
            opening.attrs = {"start": int(marker)}
        first_token = len(self.tokens)
        tight, prev_empty_end = True, False
        line = start
        while line < self.n:
            ind, own = self.ind[line], self.kinds[line]
            item_marker = own[1]  # (this item's digits, or its bullet character)
            item = self.push("list_item_open", "li", 1, [line, 0], markup)
            if ordered:
                item.info = item_marker
            old_tight, old_list_indent = self.tight, self.list_indent
            width = len(item_marker) + 1 if ordered else 1  # (the marker: digits and "." or the bullet)
            self.list_indent, self.blk_indent, self.tight = self.blk_indent, ind + width + 1, True
            self.ind[line] = self.blk_indent  # (the item's text starts its first line)
            self.kinds[line] = (_TEXT, "", own[2])
            self.tokenize(line)
            if not self.tight or prev_empty_end:
                tight = False
            prev_empty_end = self.line - line > 1 and self.blank(self.line - 1)
            self.blk_indent, self.list_indent = self.list_indent, old_list_indent
            self.ind[line], self.kinds[line] = ind, own
            self.tight = old_tight
            self.push("list_item_close", "li", -1, None, markup)
            line = self.line
            item.map[1] = line  # type: ignore[index]
            if line >= self.n or self.ind[line] < self.blk_indent or self.ind[line] - self.blk_indent >= 4:
                break
            next_kind, next_marker, _ = self.kinds[line]
            if next_kind != kind or (not ordered and next_marker != marker):
                break
        self.push(f"{name}_close", tag, -1, None, markup)
        opening.map[1] = line  # type: ignore[index]
        self.line = line
        if tight:
            inner = self.level + 2
            for t in self.tokens[first_token:]:
                if t.level == inner and t.type in ("paragraph_open", "paragraph_close"):
                    t.hidden = True


def plain_block_tokens(src: str) -> list[Token] | None:
    """The tokens content loading's block parse makes of ``src``, or None when ``src`` uses more
    than the plain subset (see the module's description)."""
    # ("]:": a link reference definition can start on any line, and only it needs those two)
    if not _USABLE or "\t" in src or "\r" in src or "\0" in src or "]:" in src:
        return None
    lines = src.split("\n")
    if not lines[-1].strip(" "):  # (a final newline ends the last line and starts none; nor do
        lines.pop()  # spaces after the last one: markdown-it counts no line there)
    try:
        blocks = _Blocks(lines)
        blocks.tokenize(0)
    except _NotPlain:
        return None
    return blocks.tokens
