"""The values of plain YAML, read without libyaml's node machinery.

``advisory.yaml`` files are block mappings and sequences of keys, quoted text, plain words and
small integers, with one-line flow lists and mappings (``[a, b]``, ``{ja: "...", en: "..."}``) and
literal blocks (``|-``) for messages of several lines. For such text :func:`plain_yaml` gives what
:func:`kb.content.load.parse_yaml` gives through libyaml (the values, and each value's line), about
twice as fast: composing the nodes, resolving every scalar in Python and walking the nodes twice
took a quarter of ``kb check``'s time on generated content.

The subset, line by line (each after any indentation of spaces):

- blank, or a comment (``#`` first);
- ``key:`` then nothing (a nested block follows, more indented, or a sequence at the same
  indentation, as PyYAML writes them), a scalar, a one-line flow collection, or ``|`` / ``|-``
  (a literal block on the lines below, more indented);
- ``-`` then a space and one of those, or ``key: ...`` (a mapping in the item);

where a key is a name (``[A-Za-z_][A-Za-z0-9_-]*``) YAML reads as text, and a scalar is quoted on one
line (double quotes with the usual escapes, or single quotes), or plain: it starts with no YAML
indicator (so no anchor, alias or tag), holds no ``": "`` and no tab, and is text or a decimal
integer as YAML 1.1 resolves it. Anything else, and anything the slow path would report (a key given
twice, nesting deeper than :data:`kb.content.load.MAX_YAML_DEPTH`, a character YAML does not allow),
makes it answer None: the caller asks libyaml, which also says what is wrong. That leaves out
folded blocks (``>``), block indicators (``|+``, ``|2``), plain scalars over several lines,
``true`` / ``null`` / ``1.5`` and other typed values, and document markers.
``tests/test_plain_yaml.py`` compares both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?")
_FLOW_KEY = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*): +")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")
# Characters YAML does not allow in a stream (libyaml refuses them), a BOM, a carriage return, a
# tab, and the line breaks of YAML 1.1 beside "\n" (NEL, LS, PS)
_UNPLAIN_CHARS = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_LITERAL = ("|", "|-")  # a literal block scalar, its last line break kept (clipped) or not
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_STOPS = frozenset(",[]{}#")
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_STR = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"


class _NotPlain(Exception):
    """The text uses more than the plain subset: libyaml reads it."""


Resolve = Callable[[str], str]
"""The tag YAML gives a plain scalar (:func:`kb.content.load` passes its loader's resolver)."""


def plain_yaml(text: str, resolve: Resolve, max_depth: int) -> tuple[Any, dict[tuple, int]] | None:
    """The value of ``text`` and a map from each value's path (keys and list positions) to its
    0-based line (a mapping entry's: its key's line), as :func:`kb.content.load.parse_yaml` maps
    them; None when the text is not plain YAML (see the module's note) or holds something the slow
    path reports."""
    if _UNPLAIN_CHARS.search(text):
        return None
    lines: list[tuple[int, int, str]] = []  # (0-based line, indentation, content) of significant lines
    for number, raw in enumerate(text.split("\n")):
        content = raw.lstrip(" ")
        if not content or content[0] == "#":
            continue
        lines.append((number, len(raw) - len(content), content.rstrip(" ")))
    if not lines:
        return None
    reader = _Reader(lines, text.split("\n"), resolve, max_depth)
    try:
        value = reader.block(0, lines[0][1], (), 1)
    except _NotPlain:
        return None
    if reader.at != len(lines):
        return None
    return value, reader.where


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


class _Reader:
    def __init__(self, lines: list[tuple[int, int, str]], raw: list[str], resolve: Resolve, max_depth: int):
        self.raw, self.resolve, self.max_depth = raw, resolve, max_depth
        # the significant lines as three lists, and after them one that ends every block (indent -1)
        self.numbers = [n for n, _i, _c in lines] + [-1]
        self.indents = [i for _n, i, _c in lines] + [-1]
        self.contents = [c for _n, _i, c in lines] + [""]
        self.at = 0  # the next significant line
        self.where: dict[tuple, int] = {}

    def block(self, i: int, indent: int, path: tuple, depth: int) -> Any:
        """The root node, whose first line is the significant line ``i`` (indented ``indent``)."""
        self.where[path] = self.numbers[i]
        return self.block_at(i, indent, path, depth)

    def block_at(self, j: int, indent: int, path: tuple, depth: int) -> Any:
        if depth > self.max_depth:
            raise _NotPlain
        content = self.contents[j]
        if _is_item(content):
            return self.sequence(j, indent, path, depth)
        return self.mapping(j, indent, content, path, depth)

    def mapping(self, i: int, indent: int, first: str, path: tuple, depth: int) -> dict:
        """A block mapping at ``indent`` from line ``i``, whose first line's content is ``first``
        (an item's mapping starts after its ``- ``)."""
        out: dict[str, Any] = {}
        numbers, indents, contents, where, resolve = self.numbers, self.indents, self.contents, self.where, self.resolve
        content = first
        while True:
            number = numbers[i]
            m = _KEY_LINE.fullmatch(content)
            if m is None:
                raise _NotPlain
            key, rest = m.groups()
            if key in out or resolve(key) != _STR:
                raise _NotPlain  # (a key given twice: the slow path reports it)
            here = (*path, key)
            where[here] = number
            if rest in _LITERAL:
                out[key], i = self.literal(i, indent, rest, depth + 1)
            elif rest:
                out[key] = self.inline(rest, here, number, depth + 1)
                i += 1
                if indents[i] > indent:
                    raise _NotPlain  # (a plain scalar over several lines, or a stray line)
            else:
                below = indents[i + 1]
                if below > indent or (below == indent and _is_item(contents[i + 1])):
                    out[key] = self.block_at(i + 1, below, here, depth + 1)
                else:
                    raise _NotPlain  # (an empty value: null)
                i = self.at
            self.at = i
            if indents[i] != indent:
                if indents[i] > indent:
                    raise _NotPlain
                return out
            content = contents[i]
            if _is_item(content):
                return out  # (an indentless sequence ends here: its parent key's mapping goes on)

    def sequence(self, i: int, indent: int, path: tuple, depth: int) -> list:
        out: list[Any] = []
        numbers, indents, contents = self.numbers, self.indents, self.contents
        if depth + 1 > self.max_depth:
            raise _NotPlain
        while True:
            number, content = numbers[i], contents[i]
            if content == "-":
                raise _NotPlain  # (the item's node on the next lines)
            item = content[2:]
            lead = len(item) - len(item.lstrip(" "))
            item = item[lead:]
            here = (*path, len(out))
            self.where[here] = number
            if _is_item(item):
                raise _NotPlain  # (a sequence in the item, on the same line)
            if _KEY_LINE.fullmatch(item):
                out.append(self.mapping(i, indent + 2 + lead, item, here, depth + 1))
                i = self.at
            elif item in _LITERAL:
                value, i = self.literal(i, indent, item, depth + 1)
                out.append(value)
                self.at = i
            else:
                out.append(self.inline(item, here, number, depth + 1))
                i += 1
                if indents[i] > indent:
                    raise _NotPlain
                self.at = i
            if indents[i] != indent:
                if indents[i] > indent:
                    raise _NotPlain
                return out
            if not _is_item(contents[i]):
                return out

    def literal(self, i: int, parent: int, style: str, depth: int) -> tuple[str, int]:
        """A literal block scalar (``|`` or ``|-`` ending the significant line ``i``, in a node
        indented ``parent``): its text, and the next significant line after it. Its indentation is
        its first line's; a blank line before that, or one with more spaces than that, is left to
        libyaml, and so is a ``|`` scalar that ends the text without a line break."""
        if depth > self.max_depth:
            raise _NotPlain
        raw = self.raw
        body: list[str] = []
        indent = -1
        k = self.numbers[i] + 1
        while k < len(raw):
            line = raw[k]
            text = line.lstrip(" ")
            spaces = len(line) - len(text)
            if not text:
                if indent < 0 or spaces > indent:
                    raise _NotPlain
                body.append("")
            elif indent < 0:
                if spaces <= parent:
                    raise _NotPlain  # (an empty block scalar)
                indent = spaces
                body.append(line[indent:])
            elif spaces < indent:
                break
            else:
                body.append(line[indent:])
            k += 1
        if k == len(raw) and raw[-1] and style == "|":
            raise _NotPlain  # (its last line has no line break to keep)
        while body and not body[-1]:
            body.pop()
        numbers = self.numbers
        i += 1
        while 0 <= numbers[i] < k:
            i += 1
        return "\n".join(body) + ("\n" if style == "|" else ""), i

    def inline(self, text: str, path: tuple, number: int, depth: int) -> Any:
        """A value written on its line after ``key: `` or ``- ``: a scalar or a flow collection."""
        if depth > self.max_depth:
            raise _NotPlain
        first = text[0]
        if first == "[" or first == "{":
            if depth + 1 > self.max_depth:  # (its items)
                raise _NotPlain
            collection, end = (self.flow_sequence if first == "[" else self.flow_mapping)(text, 1, path, number)
            _rest_is_comment(text, end)
            return collection
        if first == '"' or first == "'":
            quoted, end = (_double_quoted if first == '"' else _single_quoted)(text, 1)
            _rest_is_comment(text, end)
            return quoted
        return self.plain(_without_comment(text), block=True)

    def plain(self, value: str, block: bool) -> Any:
        if not value or "\t" in value or value.endswith(":") or ": " in value or " #" in value:
            raise _NotPlain
        first = value[0]
        if first in _INDICATORS and not (first in "-?:" and len(value) > 1 and value[1] not in " ,[]{}"):
            raise _NotPlain
        if not block and (_FLOW_STOPS.intersection(value) or ":" in value):
            raise _NotPlain
        tag = self.resolve(value)
        if tag == _STR:
            return value
        if tag == _INT_TAG and _INT.fullmatch(value):
            return int(value)
        raise _NotPlain  # (true, null, 1.5, 0x1F, 1_000, ...: the loader builds those)

    def flow_sequence(self, text: str, at: int, path: tuple, number: int) -> tuple[list, int]:
        out: list[Any] = []
        while True:
            at = _skip_spaces(text, at)
            if at < len(text) and text[at] == "]" and not out:
                return out, at + 1
            value, at = self.flow_scalar(text, at)
            self.where[(*path, len(out))] = number
            out.append(value)
            done, at = _after_item(text, at, "]")
            if done:
                return out, at

    def flow_mapping(self, text: str, at: int, path: tuple, number: int) -> tuple[dict, int]:
        out: dict[str, Any] = {}
        while True:
            at = _skip_spaces(text, at)
            if at < len(text) and text[at] == "}" and not out:
                return out, at + 1
            m = _FLOW_KEY.match(text, at)
            if m is None:
                raise _NotPlain
            key = m.group(1)
            if key in out or self.resolve(key) != _STR:
                raise _NotPlain
            self.where[(*path, key)] = number
            out[key], at = self.flow_scalar(text, m.end())
            done, at = _after_item(text, at, "}")
            if done:
                return out, at

    def flow_scalar(self, text: str, at: int) -> tuple[Any, int]:
        if at >= len(text):
            raise _NotPlain
        if text[at] == '"':
            return _double_quoted(text, at + 1)
        if text[at] == "'":
            return _single_quoted(text, at + 1)
        end = at
        while end < len(text) and text[end] not in ",]}":
            end += 1
        return self.plain(text[at:end].rstrip(" "), block=False), end


def _after_item(text: str, at: int, close: str) -> tuple[bool, int]:
    """After an item of a flow collection: whether ``close`` ends the collection there, and where
    what follows (the next item, or the rest of the line) starts."""
    at = _skip_spaces(text, at)
    if at >= len(text) or text[at] not in (close, ","):
        raise _NotPlain
    return text[at] == close, at + 1


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] == " ":
        at += 1
    return at


def _rest_is_comment(text: str, end: int) -> None:
    rest = text[end:]
    if rest and not (rest[0] == " " and rest.lstrip(" ").startswith("#")) and rest.strip(" "):
        raise _NotPlain


def _without_comment(text: str) -> str:
    cut = text.find(" #")
    return text if cut < 0 else text[:cut].rstrip(" ")


def _double_quoted(text: str, at: int) -> tuple[str, int]:
    """A double-quoted scalar whose opening quote is before ``at``: its value, and where it ends."""
    q = text.find('"', at)
    if q < 0:
        raise _NotPlain  # (it goes on on the next line)
    if text.find("\\", at, q) < 0:
        return text[at:q], q + 1
    parts: list[str] = []
    start = at
    while True:
        q, b = text.find('"', at), text.find("\\", at)
        if q < 0:
            raise _NotPlain
        if b < 0 or q < b:
            parts.append(text[start:q])
            return "".join(parts), q + 1
        parts.append(text[start:b])
        if b + 1 >= len(text):
            raise _NotPlain
        c = text[b + 1]
        if c in _ESCAPES:
            parts.append(_ESCAPES[c])
            at = b + 2
        elif c in _HEX_ESCAPES:
            digits = text[b + 2 : b + 2 + _HEX_ESCAPES[c]]
            if len(digits) != _HEX_ESCAPES[c] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _NotPlain
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise _NotPlain
            parts.append(chr(code))
            at = b + 2 + len(digits)
        else:
            raise _NotPlain
        start = at


def _single_quoted(text: str, at: int) -> tuple[str, int]:
    parts: list[str] = []
    while True:
        q = text.find("'", at)
        if q < 0:
            raise _NotPlain
        parts.append(text[at:q])
        if text.startswith("'", q + 1):
            parts.append("'")
            at = q + 2
            continue
        return "".join(parts), q + 1
