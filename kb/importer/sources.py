"""Reading the source of ``kb import`` into source articles: a JSON Lines file (one object a line)
or a folder of Markdown files with YAML (or TOML) front matter in the usual static site layouts
(``name.ja.md`` + ``name.en.md``; ``ja/…/name.md`` + ``en/…/name.md``; page bundles
``name/index.ja.md``; plain ``name.md``). Each language text becomes a :class:`_LangSource` of an
:class:`_Article`; lines and files that cannot be read are ``path:line`` problems in the report.
The reader also indexes the paths and names by which articles may link to each other (for
:meth:`kb.importer.run._Importer.resolve`)."""

from __future__ import annotations

import json
import os
import posixpath
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from ..content.load import SAFE_LOADER, Problem
from .common import MAX_FRONT_MATTER_BYTES, MAX_JSON_ARRAY_BYTES, MAX_SOURCE_BYTES, SourceError, _norm_lang, detect_lang
from .report import ArticleResult, ImportReport


@dataclass
class _LangSource:
    lang: str
    title: str | None
    summary: str | None
    body: str
    origin: str  # "file.jsonl:12" or "folder/ja/x.md"
    path: Path  # the file read
    line: int  # first line of the article in that file
    rel_dir: str  # folder (relative to the source root, posix) that relative links resolve against
    meta: dict[str, Any]
    raw: bytes  # for the source hash
    lang_note: str = ""


@dataclass
class _Article:
    key: str
    texts: dict[str, _LangSource] = field(default_factory=dict)
    slug_hints: list[str] = field(default_factory=list)
    result: ArticleResult = field(default_factory=lambda: ArticleResult("", ""))


class _Reader:
    def __init__(self, source: Path, content_dir: Path, report: ImportReport):
        self.source = source
        self.content_dir = content_dir
        self.report = report
        self.articles: dict[str, _Article] = {}
        self.root = source if source.is_dir() else source.parent
        self.path_index: dict[str, str] = {}  # source-relative path (several spellings) -> article key
        self.name_index: dict[str, set[str]] = {}  # bare name -> article keys

    def problem(self, path: Path | str, line: int, message: str, hint: str = "", severity: str = "error") -> None:
        self.report.problems.append(Problem(str(path), max(1, line), message, hint, severity))

    def add(self, key: str, text: _LangSource, hints: list[str]) -> None:
        art = self.articles.setdefault(key, _Article(key, result=ArticleResult(key, "")))
        if text.lang in art.texts:
            first = art.texts[text.lang]
            self.problem(
                text.path,
                text.line,
                f"a second {text.lang} text of article '{key}' (the first is {first.origin}); only the first is imported",
                "give each article one text per language",
            )
            return
        art.texts[text.lang] = text
        for h in hints:
            if h and h not in art.slug_hints:
                art.slug_hints.append(h)

    # JSON Lines ---------------------------------------------------------------------------------

    def read_jsonl(self) -> None:
        path = self.source
        hint = 'each line is one JSON object: {"id": ..., "lang": "ja", "title": ..., "body": "..."}'
        try:
            f = path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror}") from None
        with f:
            if _one_json_array(f):
                self._read_json_array(f, hint)
                return
            for n, raw in _lines(f, MAX_SOURCE_BYTES):
                if raw is None:
                    self.problem(path, n, f"line is over {MAX_SOURCE_BYTES:,} bytes, kb's limit for one article; line skipped", "split the article")
                    continue
                if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.problem(path, n, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; line skipped", "save the file as UTF-8")
                    continue
                doubled: list[str] = []
                try:
                    obj = json.loads(line, object_pairs_hook=partial(_object_noting_doubles, doubled))
                except (ValueError, RecursionError) as exc:
                    self.problem(path, n, f"not valid JSON ({str(exc)[:120]}); line skipped", hint)
                    continue
                self._said_twice(n, doubled)
                if not isinstance(obj, dict):
                    self.problem(path, n, f"a JSON {type(obj).__name__}, not an object; line skipped", hint)
                    continue
                self._jsonl_object(obj, raw.rstrip(b"\r\n"), n, hint)

    def _utf8(self, raw: bytes, path: Path, outcome: str) -> str | None:
        """``raw`` as UTF-8 (a BOM dropped), or None after an error at the line of the first byte
        that is not UTF-8 (``outcome`` says what became of the file)."""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            self.problem(path, line, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; {outcome}", "save the file as UTF-8")
            return None

    def _said_twice(self, line: int, keys: list[str]) -> None:
        """A warning for keys given twice in one object (JSON keeps the last value)."""
        if keys:
            said = ", ".join(map(repr, dict.fromkeys(keys)))
            self.problem(self.source, line, f"the object has key {said} twice; the last value was kept", "give each key once", "warning")

    def _read_json_array(self, f: Any, hint: str) -> None:
        """A JSON file holding one array of article objects (an export's other usual shape): each
        element read as a JSON Lines object would be, its problems at the line it starts on."""
        path = self.source
        size = os.fstat(f.fileno()).st_size
        if size > MAX_JSON_ARRAY_BYTES:
            raise SourceError(
                f"{path} is one JSON array of {size:,} bytes, over kb's limit of {MAX_JSON_ARRAY_BYTES:,} for that shape: "
                f"write it as JSON Lines, one article a line (e.g. jq -c '.[]' {path.name} > {path.stem}.jsonl)"
            )
        text = self._utf8(f.read(), path, "file skipped")
        if text is None:
            return
        pos = text.index("[") + 1
        line = text.count("\n", 0, pos) + 1
        counted = pos
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] == "]":
                break
            line += text.count("\n", counted, pos)
            counted = pos
            doubled: list[str] = []
            decoder = json.JSONDecoder(object_pairs_hook=partial(_object_noting_doubles, doubled))
            try:
                obj, end = decoder.raw_decode(text, pos)
            except (ValueError, RecursionError) as exc:
                self.problem(path, line, f"not valid JSON ({str(exc)[:120]}); the rest of the file skipped", hint)
                return
            self._said_twice(line, doubled)
            if isinstance(obj, dict):
                self._jsonl_object(obj, text[pos:end].encode("utf-8"), line, hint)
            else:
                self.problem(path, line, f"a JSON {type(obj).__name__}, not an object; element skipped", hint)
            pos = end

    def _jsonl_object(self, obj: dict, raw: bytes, n: int, hint: str) -> None:
        path = self.source
        aid = obj.get("id")
        if isinstance(aid, int | float) and not isinstance(aid, bool):
            aid = str(aid)
        if not isinstance(aid, str) or not aid.strip():
            self.problem(path, n, "the object has no 'id' (a non-empty string); line skipped", hint)
            return
        aid = aid.strip()
        body = obj.get("body")
        if not isinstance(body, str):
            self.problem(path, n, f"article '{aid}' has no 'body' (Markdown text); line skipped", hint)
            return
        note = ""
        lang = _norm_lang(obj.get("lang"))
        if obj.get("lang") is None:
            lang = detect_lang(body)
            note = f"no lang: detected {lang}"
        if lang not in ("ja", "en"):
            self.problem(
                path, n, f"article '{aid}': language {obj.get('lang')!r} is not ja or en; line skipped", "kb holds Japanese and English texts"
            )
            return
        title = obj.get("title")
        meta: dict[str, Any] = {}
        for k in ("date", "published", "updated", "lastmod", "service", "services", "product", "products", "source", "url", "vendor"):
            if obj.get(k) not in (None, "", []):
                meta[k] = obj[k]
        wrong = [k for k in ("title", "summary", "description", *meta) if obj.get(k) not in (None, "", []) and not _fits(k, obj[k])]
        for k in wrong:
            meta.pop(k, None)
        known = {"id", "lang", "title", "body", "summary", "description", *meta, *wrong}
        meta["_unmapped"] = sorted(
            [k for k in obj if k not in known and obj[k] not in (None, "", [])] + [f"{k} (a JSON {type(obj[k]).__name__}, not text)" for k in wrong]
        )
        summary = next((s for s in (obj.get("summary"), obj.get("description")) if isinstance(s, str) and s.strip()), None)
        src = obj.get("source")
        src_path = src.rsplit(":", 1)[-1] if isinstance(src, str) and src.lower().endswith((".md", ".markdown")) else ""
        rel_dir = posixpath.dirname(src_path.replace("\\", "/").lstrip("/")) if src_path else ""
        text = _LangSource(
            lang,
            title.strip() if isinstance(title, str) and title.strip() else None,
            summary.strip() if isinstance(summary, str) and summary.strip() else None,
            body,
            f"{path.name}:{n}",
            path,
            n,
            rel_dir,
            meta,
            raw,
            note,
        )
        self.add(aid, text, [aid])
        self.name_index.setdefault(aid, set()).add(aid)
        self.name_index.setdefault(aid.lower(), set()).add(aid)
        if src_path:
            p = posixpath.normpath(src_path.replace("\\", "/").lstrip("/"))
            self.path_index.setdefault(p, aid)
            self.path_index.setdefault(_strip_ext(p), aid)
            stem = _strip_ext(posixpath.basename(p))
            self.name_index.setdefault(stem, set()).add(aid)

    # Markdown folders ---------------------------------------------------------------------------

    def read_folder(self) -> None:
        root = self.source
        content = self.content_dir.resolve() if self.content_dir.exists() else None
        skipped_names: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d != "node_modules" and (content is None or (here / d).resolve() != content)
            )
            for name in sorted(filenames):
                if not name.lower().endswith((".md", ".markdown")):
                    continue
                if name.startswith((".", "_")):
                    skipped_names.append(str((here / name).relative_to(root)))
                    continue
                self._markdown_file(here / name)
        if not self.articles and not skipped_names:
            self.problem(root, 1, "no Markdown files (.md, .markdown) found", "give the folder that holds the articles", "warning")
        if skipped_names:
            self.problem(
                root,
                1,
                f"{len(skipped_names)} file(s) starting with '_' or '.' are not articles and were not imported: {', '.join(skipped_names[:5])}",
                "rename a file if it is an article",
                "warning",
            )

    def _markdown_file(self, path: Path) -> None:
        root = self.root
        rel = path.relative_to(root).as_posix()
        try:
            real = path.resolve()
            real.relative_to(root.resolve())
        except (OSError, ValueError):
            self.problem(path, 1, "a link to a file outside the source folder; not imported", "copy the file into the source folder")
            return
        try:
            size = real.stat().st_size
            if size > MAX_SOURCE_BYTES:
                self.problem(path, 1, f"file is too large ({size:,} bytes; the limit is {MAX_SOURCE_BYTES:,}); not imported", "split the article")
                return
            raw = real.read_bytes()
        except OSError as exc:
            self.problem(path, 1, f"cannot read file: {exc.strerror}; not imported", "check the file's permissions")
            return
        decoded = self._utf8(raw, path, "not imported")
        if decoded is None:
            return
        text = decoded.replace("\r\n", "\n").replace("\r", "\n")
        parsed = self._front_matter(text, path)
        if parsed is None:
            return
        front, body, body_line = parsed

        parts = rel.split("/")
        name = parts[-1]
        stem = _strip_ext(name)
        lang: str | None = None
        lang_note = ""
        key_parts = parts[:-1]
        m = re.match(r"^(.+)\.([A-Za-z]{2}(?:[-_][A-Za-z]{2,4})?)$", stem)
        if m and _norm_lang(m.group(2)):
            stem, lang = m.group(1), _norm_lang(m.group(2))
        elif stem.lower() in ("ja", "en") and len(parts) > 1:  # <folder>/ja.md (kb's own layout)
            lang, stem = stem.lower(), "index"
        else:
            for i, p in enumerate(key_parts):
                if re.fullmatch(r"[A-Za-z]{2}(?:[-_][A-Za-z]{2,4})?", p) and _norm_lang(p) in ("ja", "en"):
                    lang = _norm_lang(p)
                    key_parts = key_parts[:i] + key_parts[i + 1 :]
                    break
        fm_lang = next((_norm_lang(front[k]) for k in ("lang", "language", "locale") if k in front), None)
        if lang is None:
            if fm_lang:
                lang = fm_lang
            else:
                lang = detect_lang(body)
                lang_note = f"language detected: {lang}"
        elif fm_lang and fm_lang != lang:
            lang_note = f"front matter says {fm_lang}, the file name/folder says {lang}: {lang} used"
        if lang not in ("ja", "en"):
            self.problem(path, 1, f"language '{lang}' is not ja or en; not imported", "kb holds Japanese and English texts", "warning")
            return
        if stem.lower() in ("index", "readme", "_index") and key_parts:
            key = "/".join(key_parts)
        else:
            key = "/".join(key_parts + [stem])
        title = front.get("title")
        summary = next((front[k] for k in ("summary", "description", "excerpt") if isinstance(front.get(k), str) and front[k].strip()), None)
        meta: dict[str, Any] = {}
        mapped = {"title", "summary", "description", "excerpt", "lang", "language", "locale"}
        for k, v in front.items():
            if k in _FRONT_KEYS and v not in (None, "", []):
                meta[_FRONT_KEYS[k]] = meta.get(_FRONT_KEYS[k], v)
                mapped.add(k)
        meta["_unmapped"] = sorted(str(k) for k in front if k not in mapped)
        date_prefix = re.match(r"^(\d{4}-\d{2}-\d{2})-(.+)$", stem)  # Jekyll posts: 2021-04-14-title.md
        if date_prefix:
            meta.setdefault("date", date_prefix.group(1))
            stem = date_prefix.group(2)
        hints = [str(front[k]) for k in ("id", "slug") if isinstance(front.get(k), str | int) and str(front[k]).strip()]
        hints.append(stem if stem.lower() not in ("index", "readme", "_index") or not key_parts else key_parts[-1])
        src = _LangSource(
            lang,
            title.strip() if isinstance(title, str) and title.strip() else (str(title) if isinstance(title, int | float) else None),
            summary.strip() if isinstance(summary, str) else None,
            body,
            f"{root.name}/{rel}",
            path,
            body_line,
            posixpath.dirname(rel),
            meta,
            raw,
            lang_note,
        )
        self.add(key, src, hints)
        for spelling in _path_spellings(rel):
            self.path_index.setdefault(spelling, key)
        for h in hints:
            self.name_index.setdefault(h, set()).add(key)

    def _front_matter(self, text: str, path: Path) -> tuple[dict, str, int] | None:
        """(front matter, body, 1-based line of the body); None (reported) when it cannot be read."""
        lines = text.split("\n")
        fence = lines[0].strip() if lines else ""
        if fence not in ("---", "+++"):
            return {}, text, 1
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ((fence, "...") if fence == "---" else (fence,))), None)
        if end is None:
            self.problem(path, 1, "front matter is not closed; not imported", f"add a line '{fence}' after the front matter")
            return None
        fm_text = "\n".join(lines[1:end])
        if len(fm_text.encode()) > MAX_FRONT_MATTER_BYTES:
            self.problem(path, 1, "front matter is too large; not imported", f"keep it under {MAX_FRONT_MATTER_BYTES // 1024} KiB")
            return None
        data: Any
        if fence == "+++":
            try:
                data = tomllib.loads(fm_text)
            except tomllib.TOMLDecodeError as exc:
                m = re.search(r"line (\d+)", str(exc))
                self.problem(path, 1 + int(m.group(1)) if m else 2, f"malformed TOML front matter: {exc}; not imported", "fix the front matter")
                return None
        else:
            data = _safe_yaml(fm_text, path, self)
            if data is _BAD:
                return None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.problem(path, 2, "front matter is not a mapping of keys to values; not imported", "write 'title: ...' lines")
            return None
        return {str(k): v for k, v in data.items()}, "\n".join(lines[end + 1 :]), end + 2


_FRONT_KEYS = {
    "date": "date",
    "published": "date",
    "publishdate": "date",
    "publishDate": "date",
    "pubDate": "date",
    "created": "date",
    "ms.date": "date",
    "updated": "updated",
    "lastmod": "updated",
    "last_modified_at": "updated",
    "modified": "updated",
    "product": "product",
    "products": "product",
    "service": "product",
    "services": "product",
    "ms.service": "product",
    "ms.product": "product",
    "vendor": "vendor",
    "id": "id",
    "slug": "slug",
    "url": "url",
    "canonical": "url",
    "canonical_url": "url",
    "canonicalURL": "url",
    "source_url": "url",
    "original_url": "url",
    "source": "source",
}
"""Front-matter keys import maps (to the name used in ``_LangSource.meta``); others are reported."""

_BAD = object()


class _DoublesNotingLoader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, noting each key a mapping gives again (YAML keeps the last value): (key, 0-based line)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.doubled: list[tuple[str, int]] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[str] = set()
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    self.doubled.append((key.value, key.start_mark.line))
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)


def _safe_yaml(text: str, path: Path, reader: _Reader) -> Any:
    """YAML without anchors and aliases (refused: a few lines can expand to billions of values); keys
    given twice are a warning at the first one's second line (the first value would be lost in silence)."""
    try:
        if "&" in text or "*" in text:
            for ev in yaml.parse(text, Loader=SAFE_LOADER):
                if getattr(ev, "anchor", None):
                    line = (ev.start_mark.line if ev.start_mark else 0) + 2
                    reader.problem(path, line, "YAML anchors and aliases are not allowed in front matter; not imported", "write each value out")
                    return _BAD
        loader = _DoublesNotingLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        if loader.doubled:
            said = ", ".join(map(repr, dict.fromkeys(k for k, _line in loader.doubled)))
            line = loader.doubled[0][1] + 2
            reader.problem(path, line, f"the front matter has key {said} twice; the last value was kept", "give each key once", "warning")
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reader.problem(
            path,
            (mark.line + 2) if mark else 2,
            f"malformed YAML front matter: {getattr(exc, 'problem', None) or exc}; not imported",
            "quote values that contain ': ' or start with { [ * & ! % @ `",
        )
        return _BAD
    except (ValueError, OverflowError, RecursionError) as exc:
        reader.problem(path, 2, f"front matter cannot be read: {str(exc)[:120]}; not imported", "quote values that are text")
        return _BAD


def _strip_ext(p: str) -> str:
    return re.sub(r"\.(md|markdown|html?|aspx)$", "", p, flags=re.I)


def _path_spellings(rel: str) -> list[str]:
    """Ways another page may link to the source file ``rel``."""
    out = [rel, _strip_ext(rel), _strip_ext(rel) + ".html", _strip_ext(rel) + "/"]
    stem = _strip_ext(posixpath.basename(rel))
    d = posixpath.dirname(rel)
    m = re.match(r"^(.+)\.([A-Za-z]{2}(?:[-_][A-Za-z]{2,4})?)$", stem)
    if m and _norm_lang(m.group(2)):
        base = posixpath.join(d, m.group(1))
        out += [base, base + ".md", base + ".html", base + "/"]
        stem = m.group(1)
    if stem.lower() in ("index", "readme", "_index") and d:
        out += [d, d + "/"]
    return out


_NAME_LISTS = frozenset({"service", "services", "product", "products"})
_NUMBER_DATES = frozenset({"date", "published", "updated", "lastmod"})


def _fits(key: str, value: Any) -> bool:
    """Whether a JSON Lines field's value has a type import can use: text; a list of names for
    services and products; a number for a date (a Unix time)."""
    if isinstance(value, str):
        return True
    if key in _NAME_LISTS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return key in _NUMBER_DATES and isinstance(value, int | float) and not isinstance(value, bool)


def _object_noting_doubles(doubled: list[str], pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as ``json`` makes it (the last of a repeated key wins), noting repeated keys."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            doubled.append(k)
        out[k] = v
    return out


def _lines(f: Any, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """The lines of a binary file, numbered from 1; None for a line over ``limit`` bytes, which is
    skipped without ever being held whole (a 600 MB line would otherwise be read into memory)."""
    n = 0
    while True:
        raw = f.readline(limit + 1)
        if not raw:
            return
        n += 1
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield n, raw
            continue
        while raw and not raw.endswith(b"\n"):  # (the rest of the long line, a piece at a time)
            raw = f.readline(1 << 20)
        yield n, None


def _one_json_array(f: Any) -> bool:
    """Whether the file is one JSON array written over several lines (``[`` alone on its first
    line, as JSON tools print it) rather than JSON Lines, whose every line is a whole value."""
    first = b""
    while not first.strip():
        first = f.readline(MAX_SOURCE_BYTES)
        if not first:
            break
    f.seek(0)
    first = first.lstrip(b"\xef\xbb\xbf").strip()
    if not first.startswith(b"["):
        return False
    try:
        json.loads(first)
    except ValueError:
        return True
    return False
