"""Converting one imported article (the Markdown cleanups of ``kb import``): a first heading that
repeats the title is dropped; HTML anchors are removed; links to other imported articles become
``kb:<id>``, links and images to files in the source folder are copied to ``assets/``, other
relative or non-web links become plain text; raw HTML is reported; top-level ``###`` sections are
lifted to ``##`` and a paragraph that is only a bold section name becomes a heading; the messages
quoted in code are handed to :mod:`kb.importer.messages`. One :class:`_Converter` per language
text; :class:`_ArticleContext` holds what the texts of an article share (its id, the ``kb:`` links
made, its assets); :class:`_Output` is the converted article, as written."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from ..content.model import url_problem
from .common import MAX_ASSET_BYTES, _file_sha, _sha
from .markdown import (
    _ANCHOR_RE,
    _ATX_RE,
    _AUTOLINK_RE,
    _BT_RUN,
    _DATA_IMAGE_RE,
    _EMAIL_AUTOLINK_RE,
    _HTML_TAG_RE,
    _HTML_TAGS,
    _MD,
    _REFDEF_RE,
    _bad_links,
    _bracket_end,
    _code_lines,
    _code_span_end,
    _escape,
    _has_bad_links,
    _inline_text,
    _parse_dest,
    _same_text,
    _strip_code_spans,
    _sub_outside_code_spans,
    _unescape_dest,
)
from .messages import find_messages
from .sections import section_type
from .sources import _Article, _LangSource

if TYPE_CHECKING:  # the importer hands itself to the conversion (links are resolved against the whole import)
    from .run import _Importer


@dataclass
class _Asset:
    name: str  # the file name under assets/
    source: Path | None  # the file copied, or None for data: images
    data: bytes | None
    sha: str


class _ArticleContext:
    """What the conversion of one article needs: its id, the links it may make, and its assets."""

    def __init__(self, importer: _Importer, art: _Article, adv_id: str):
        self.importer = importer
        self.art = art
        self.id = adv_id
        self.assets: dict[str, _Asset] = {}  # assets/<name> -> asset
        self.asset_by_source: dict[str, str] = {}  # resolved source path or data hash -> assets/<name>
        self.linked: set[str] = set()  # advisory ids linked with kb:
        self.result = art.result

    def asset_for_file(self, path: Path) -> str | None:
        key = str(path)
        if key in self.asset_by_source:
            return self.asset_by_source[key]
        try:
            size = path.stat().st_size
        except OSError:
            return None
        if size > MAX_ASSET_BYTES:
            self.result.notes.append(f"{path.name} is larger than {MAX_ASSET_BYTES // (1 << 20)} MiB: link made text")
            return None
        try:
            sha = _file_sha(path)
        except OSError:
            return None
        rel = self._name(path.name)
        self.assets[rel] = _Asset(rel.split("/", 1)[1], path, None, sha)
        self.asset_by_source[key] = rel
        return rel

    def asset_for_data(self, kind: str, payload: str) -> str | None:
        try:
            data = base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(data) > MAX_ASSET_BYTES:
            return None
        sha = _sha(data)
        if sha in self.asset_by_source:
            return self.asset_by_source[sha]
        ext = {"jpeg": "jpg", "svg+xml": "svg"}.get(kind.lower(), kind.lower())
        rel = self._name(f"image-{sha[7:15]}.{ext}")
        self.assets[rel] = _Asset(rel.split("/", 1)[1], None, data, sha)
        self.asset_by_source[sha] = rel
        return rel

    def _name(self, filename: str) -> str:
        stem, dot, ext = filename.rpartition(".")
        if not dot:
            stem, ext = filename, ""
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", unicodedata.normalize("NFKC", stem)).strip("-") or "file"
        ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:10]
        name = f"{stem}.{ext}" if ext else stem
        n = 2
        while f"assets/{name}" in self.assets:
            name = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
            n += 1
        return f"assets/{name}"


class _Converter:
    """Converts one language text of one article: the Markdown body, and the messages it quotes."""

    def __init__(self, ctx: _ArticleContext, src: _LangSource):
        self.ctx = ctx
        self.src = src
        self.res = ctx.result
        self.messages: list[tuple[str, str, str]] = []  # (id hint, kind, template)

    # links -------------------------------------------------------------------------------------

    def classify(self, dest_raw: str, image: bool) -> tuple[str, str]:
        """('keep', '') | ('dest', new target) | ('text', target as shown)."""
        dest = _unescape_dest(dest_raw)
        if dest.strip().lower().startswith("kb:"):
            return "keep", ""
        if url_problem(dest) is None and url_problem(dest_raw.strip("<>")) is None:
            return "keep", ""
        m = _DATA_IMAGE_RE.match(dest)
        if m and image:
            rel = self.ctx.asset_for_data(m.group(1), m.group(2))
            if rel:
                return "dest", rel
        scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.\-]*):", dest)
        if scheme and not re.match(r"[A-Za-z]:[\\/]", dest.strip()):
            return "text", dest.strip()
        path_part = re.split(r"[?#]", dest.strip(), maxsplit=1)[0]
        if not path_part:
            return "text", dest.strip()
        target = self.ctx.importer.resolve(self.ctx.art, self.src, unquote(path_part).replace("\\", "/"))
        if target is not None and target[0] == "article" and not image:
            self.ctx.linked.add(target[1])
            self.res.counts["kb-links"] += 1
            return "dest", f"kb:{target[1]}"
        if target is not None and target[0] == "file":
            rel = self.ctx.asset_for_file(Path(target[1]))
            if rel:
                return "dest", rel
        return "text", dest.strip()

    def as_text(self, text: str, shown: str, title: str | None) -> str:
        """A link as plain text: its text, then its target (and title) in parentheses."""
        self.res.links_to_text.append(shown)
        plain = ", ".join(([_escape(shown)] if shown else []) + ([f'"{_escape(title)}"'] if title else []))
        label = text.strip()
        if not plain or (label in (shown, shown.removeprefix("mailto:")) and not title):
            return text
        return f"{text} ({plain})" if label else plain

    def rewrite_inline(self, s: str) -> str:
        """Rewrite the links and images of one block of inline Markdown (line breaks kept)."""
        out: list[str] = []
        last = i = 0
        n = len(s)
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "`":
                end = _code_span_end(s, i)
                i = end if end is not None else _BT_RUN.match(s, i).end()  # type: ignore[union-attr]
                continue
            if c == "<":
                m = _AUTOLINK_RE.match(s, i) or _EMAIL_AUTOLINK_RE.match(s, i)
                if m:
                    target = m.group(1)
                    ok = m.re is _AUTOLINK_RE and (target.lower().startswith("kb:") or url_problem(target) is None)
                    if not ok:
                        self.res.links_to_text.append(target)
                        out.append(s[last:i])
                        out.append(_escape(target))
                        last = m.end()
                    i = m.end()
                    continue
                i += 1
                continue
            if c == "[" or (c == "!" and s.startswith("[", i + 1)):
                image = c == "!"
                j = i + (2 if image else 1)
                close = _bracket_end(s, j)
                if close is not None and s.startswith("(", close + 1):
                    parsed = _parse_dest(s, close + 2)
                    if parsed is not None:
                        dest_raw, title, dest_end, end = parsed
                        text = self.rewrite_inline(s[j:close])
                        action, value = self.classify(dest_raw, image)
                        if action == "keep":
                            new = s[i:j] + text + s[close:end]
                        elif action == "dest":  # the new target; white space and title as written
                            new = f"{'!' if image else ''}[{text}]({value}{s[dest_end:end]}"
                        else:
                            new = self.as_text(text, value, title)
                        out.append(s[last:i])
                        out.append(new)
                        last = i = end
                        continue
                i += 1
                continue
            i += 1
        out.append(s[last:])
        return "".join(out)

    def rewrite_refdef(self, line: str) -> str:
        m = _REFDEF_RE.match(line)
        if not m:
            return line
        action, value = self.classify(m.group(3), False)
        if action == "keep":
            return line
        if action == "dest":
            return f"{m.group(1)}[{m.group(2)}]: {value}{m.group(4)}"
        self.res.links_to_text.append(value)
        return f"{m.group(1)}\\[{m.group(2)}\\]:" + line[m.end(2) + 2 :]

    # the body ----------------------------------------------------------------------------------

    def convert(self, title: str | None) -> tuple[str, str] | None:
        """(title, converted Markdown body), or None when there is no title."""
        res = self.res
        lang = self.src.lang
        text = self.src.body.replace("\r\n", "\n").replace("\r", "\n")
        if text.startswith("\ufeff"):
            text = text[1:]
        tokens = _MD.parse(text)
        lines = text.split("\n")
        code = _code_lines(tokens)
        reparse = False
        for k, ln in enumerate(lines):
            if k in code or "<" not in ln:
                continue
            new, count = _sub_outside_code_spans(_ANCHOR_RE, ln)
            if count:
                res.counts["anchors"] += count
                if _ANCHOR_RE.match(ln.lstrip()) or not new.strip():
                    reparse = True
                lines[k] = new.rstrip() if not new.strip() else new
        if reparse:
            text = "\n".join(lines)
            tokens = _MD.parse(text)
            lines = text.split("\n")
            code = _code_lines(tokens)

        # headings at the top level (not in lists or quotes)
        heads: list[tuple[int, int, int, str, bool]] = []  # (first line, end line, level, text, atx)
        bold: list[tuple[int, str]] = []  # (line, text) of paragraphs that are only a bold section name
        for k, t in enumerate(tokens):
            if t.type == "heading_open" and t.level == 0 and t.map:
                atx = bool(_ATX_RE.match(lines[t.map[0]]))
                heads.append((t.map[0], t.map[1], int(t.tag[1]), _inline_text(tokens[k + 1] if k + 1 < len(tokens) else None), atx))
            elif t.type == "paragraph_open" and t.level == 0 and t.map and t.map[1] - t.map[0] == 1 and k + 1 < len(tokens):
                kids = [c for c in (tokens[k + 1].children or []) if not (c.type == "text" and c.content.strip() in ("", ":", "："))]
                if len(kids) == 3 and kids[0].type == "strong_open" and kids[1].type == "text" and kids[2].type == "strong_close":
                    name = kids[1].content.strip()
                    if section_type(name, lang):
                        bold.append((t.map[0], re.sub(r"\s*[:：]\s*$", "", name)))
        drop: range | None = None
        if heads:
            first = heads[0]
            first_block = next((t for t in tokens if t.map), None)
            is_first_block = first_block is not None and first_block.map is not None and first_block.map[0] == first[0]
            if title is None and first[2] == 1:
                title = first[3]
                drop = range(first[0], first[1])
            elif title is not None and (first[2] == 1 or is_first_block) and _same_text(first[3], title):
                drop = range(first[0], first[1])
            elif title is not None and first[2] == 1:
                res.counts["title-differs"] += 1  # kept: it starts a (free-form) section
        if title is None:
            return None
        if drop is not None:
            res.counts["title-dropped"] += 1
            heads = heads[1:]

        # links
        if _has_bad_links(tokens) or any(_REFDEF_RE.match(ln) for ln in lines if "]:" in ln):
            ranges = sorted({(t.map[0], t.map[1]) for t in tokens if t.type == "inline" and t.map})
            covered: set[int] = set()
            for a, b in ranges:
                if a in covered:
                    continue
                covered.update(range(a, b))
                chunk = "\n".join(lines[a:b])
                new = self.rewrite_inline(chunk)
                if new != chunk:
                    new_lines = new.split("\n")
                    if len(new_lines) == b - a:
                        lines[a:b] = new_lines
                    else:  # a line break inside a link went away: the chunk takes its first line
                        lines[a:b] = [new] + ["\x00"] * (b - a - 1)
            for k, ln in enumerate(lines):
                if k not in covered and k not in code and "]:" in ln:
                    lines[k] = self.rewrite_refdef(ln)

        # raw HTML (shown as text by kb)
        for k, ln in enumerate(lines):
            if k in code or "<" not in ln:
                continue
            for m in _HTML_TAG_RE.finditer(_strip_code_spans(ln)):
                if m.group(0) == "<!--":
                    res.raw_html.append("<!--")
                elif m.group(2).lower() in _HTML_TAGS:
                    res.raw_html.append(f"<{m.group(1)}{m.group(2).lower()}>")

        # messages quoted in code
        find_messages(tokens, self.res, self.messages)

        # headings: drop the title, make bold section names headings, lift ### sections
        levels = [h[2] for h in heads] + [2 for _ in bold]
        lift = min(levels) - 2 if levels and min(levels) > 2 else 0
        if lift:
            res.counts["headings-lifted"] += 1
        starts: list[tuple[int, str]] = []
        for first_line, _end, level, htext, atx in heads:
            new_level = level - lift if atx else level
            if atx and lift:
                atx_m = _ATX_RE.match(lines[first_line])
                if atx_m:
                    lines[first_line] = atx_m.group(1) + "#" * new_level + lines[first_line][atx_m.end() :]
            if new_level <= 2:
                starts.append((first_line, htext))
        for line_no, name in bold:
            lines[line_no] = f"## {name}"
            res.counts["bold-headings"] += 1
            starts.append((line_no, name))
        for _line, htext in sorted(starts):
            res.sections.append((lang, htext, section_type(htext, lang)))
        if drop is not None:
            for k in drop:
                lines[k] = "\x00"
        body = "\n".join(ln for ln in lines if ln != "\x00").strip("\n")

        # every remaining link must be one kb accepts
        if self.res.links_to_text or self.ctx.linked or self.ctx.assets or _has_bad_links(tokens):
            for href in _bad_links(_MD.parse(body)):
                self.res.notes.append(f"link {href[:60]!r} could not be rewritten")
                self.ctx.importer.reader.problem(
                    self.src.path,
                    self.src.line,
                    f"article '{self.ctx.id}' ({lang}): link target {href[:80]!r} could not be rewritten",
                    "fix the link in the source",
                )
        return " ".join(title.split()), body


@dataclass
class _Output:
    files: dict[str, bytes]
    assets: dict[str, _Asset]
    hashes: dict[str, str]
    source_hash: str
    linked: set[str]
