"""`kb import`: bring an existing knowledge base into kb's content format.

    import_articles(SOURCE, CONTENT_DIR, vendor=None, force=False, dry_run=False) -> ImportReport

SOURCE is a JSON Lines file (one object a line: ``id``, ``lang``, ``title``, ``body``, optional
``summary``, ``date``, ``service``/``product``, ``source``, ``url``; the same ``id`` in two languages
is one article) or a folder of Markdown files with YAML (or TOML) front matter in the usual static
site layouts: ``name.ja.md`` + ``name.en.md``; ``ja/…/name.md`` + ``en/…/name.md``; page bundles
``name/index.ja.md``; plain ``name.md`` whose language comes from the front matter
(``lang``/``language``/``locale``) or from the text.

Each article becomes ``CONTENT_DIR/<advisory-id>/`` with ``advisory.yaml`` (no cases), ``ja.md``
and/or ``en.md`` (the languages that exist), ``assets/`` (files the article links to) and
``.kb-import.json`` (bookkeeping: the source, a hash of the source article and of every file written).

The Markdown is kept as written, with these cleanups (each reported per article): a first heading
that repeats the title is dropped; HTML anchors (``<a name="x"></a>``) are removed; links to other
imported articles become ``kb:<id>``; links and images to files in the source folder are copied to
``assets/``; other relative or non-web links become plain text that keeps the link text and the
target; top-level sections written only as ``###`` are lifted to ``##``; a paragraph that is only a
bold section name (``**原因**``) becomes a ``##`` heading. Raw HTML stays (it shows as text) and is
reported. Lines of code blocks that are clearly error messages become top-level ``messages:``
templates, volatile values (GUIDs, timestamps, request ids) turned into ``{{slots}}``.

Re-runs: an article whose output is what import wrote last time is ``unchanged`` (nothing is
written); when the output changed and the folder still holds exactly what import wrote, it is
``updated``; files edited by hand since are left alone (``kept``; ``force`` overwrites them); a folder
that import did not make is never touched (``skipped``). Files someone added to an imported folder
are carried over on every rewrite. Each folder is written beside its place and renamed in, so an
interrupted import leaves either the old folder or the new one. Nothing import did not make is
ever deleted, and articles gone from the source are only reported.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import html
import itertools
import json
import os
import posixpath
import re
import shutil
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .content import MAX_MARKDOWN_BYTES, MAX_YAML_BYTES, Problem
from .model import Placeholder, Template, template_problems, url_problem
from .storage import UnsafeTarget, writer_lock

# --- the heading -> section table ---------------------------------------------------------------

SECTION_TYPES: tuple[str, ...] = ("conditions", "symptoms", "cause", "resolution", "workaround", "notes")
"""The typed sections an article without cases can have; every other heading is a free-form section."""

SECTION_ALIASES: dict[str, dict[str, str]] = {
    "ja": {
        "発生条件": "conditions",
        "条件": "conditions",
        "発生環境": "conditions",
        "前提条件": "conditions",
        "現象": "symptoms",
        "症状": "symptoms",
        "事象": "symptoms",
        "問題": "symptoms",
        "問題点": "symptoms",
        "原因": "cause",
        "発生原因": "cause",
        "対処": "resolution",
        "対処方法": "resolution",
        "対処法": "resolution",
        "対応": "resolution",
        "対応方法": "resolution",
        "解決策": "resolution",
        "解決方法": "resolution",
        "解決法": "resolution",
        "修正方法": "resolution",
        "対策": "resolution",
        "回避方法": "workaround",
        "回避策": "workaround",
        "回避手順": "workaround",
        "暫定対処": "workaround",
        "暫定対応": "workaround",
        "補足": "notes",
        "備考": "notes",
        "注意": "notes",
        "注意事項": "notes",
        "参考": "notes",
        "参考情報": "notes",
    },
    "en": {
        "Conditions": "conditions",
        "Applies to": "conditions",
        "Environment": "conditions",
        "Prerequisites": "conditions",
        "Symptoms": "symptoms",
        "Symptom": "symptoms",
        "Problem": "symptoms",
        "Issue": "symptoms",
        "Cause": "cause",
        "Causes": "cause",
        "Root cause": "cause",
        "Resolution": "resolution",
        "Solution": "resolution",
        "Fix": "resolution",
        "How to fix": "resolution",
        "Workaround": "workaround",
        "Workarounds": "workaround",
        "Notes": "notes",
        "Note": "notes",
        "More information": "notes",
        "Additional information": "notes",
    },
}
"""Heading text -> section type, per language (the same entries as the loader's table,
``kb.model.SECTION_HEADINGS``). Headings are compared after NFKC, with inner white space made
single, a trailing colon dropped and case folded; the loader accepts each heading in either
language's file, and so does :func:`section_type`."""


def _heading_key(heading: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", heading)).strip().rstrip(":").strip().lower()


_ALIAS_LOOKUP = {lang: {_heading_key(k): v for k, v in table.items()} for lang, table in SECTION_ALIASES.items()}


def section_type(heading: str, lang: str = "ja") -> str | None:
    """The typed section a heading names (one of :data:`SECTION_TYPES`), or None for a free-form
    one. ``lang``'s table is consulted first, then the other language's."""
    key = _heading_key(heading)
    for table in sorted(_ALIAS_LOOKUP, key=lambda t: t != lang):
        kind = _ALIAS_LOOKUP[table].get(key)
        if kind:
            return kind
    return None


# --- limits and names ---------------------------------------------------------------------------

BOOKKEEPING = ".kb-import.json"
"""The file in each imported folder that records what import wrote."""
FORMAT = 1
"""Version of the bookkeeping format and of the conversion (part of the source hash)."""
MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""Largest Markdown source file read (larger files are reported and skipped)."""
MAX_ASSET_BYTES = 16 * 1024 * 1024
"""Largest file copied into ``assets/``; links to larger files become text."""
MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_ID_LENGTH = 80
MAX_MESSAGE_CHARS = 400
_TMP_RE = re.compile(r"^\.kb-import-(.+)\.(\d+)\.(tmp|old)$")

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LANG_CODES = _words("ja jp en fr de es it pt zh ko ru nl sv pl tr ar cs da fi he hu id nb no th uk vi el ro sk bg hr lt lv et sl sr ms hi")
"""Language codes recognised in file and folder names (only ja and en are imported)."""


class SourceError(ValueError):
    """The source cannot be imported at all (missing, unreadable, not a .jsonl file or a folder)."""


def _norm_lang(value: Any) -> str | None:
    """'ja', 'en', another two-letter code, or None when ``value`` names no language."""
    if not isinstance(value, str):
        return None
    v = value.strip().lower().replace("_", "-")
    if v in ("japanese", "日本語", "jpn"):
        return "ja"
    if v in ("english", "英語", "eng"):
        return "en"
    code = v.split("-")[0]
    if code == "jp":
        return "ja"
    return code if code in _LANG_CODES else None


_JA_CHAR_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_KANA_RE = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_LATIN_RE = re.compile(r"[A-Za-z]")


def detect_lang(text: str) -> str:
    """'ja' when kana and kanji make a meaningful share of the letters (a fifth, with kana; code and
    URLs aside), else 'en'."""
    text = re.sub(r"```.*?```|`[^`\n]*`|\]\([^)]*\)|https?://\S+", " ", text, flags=re.S)
    ja = len(_JA_CHAR_RE.findall(text))
    kana = len(_KANA_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    share = ja / (ja + latin) if ja + latin else 0.0
    return "ja" if (kana >= 2 and share >= 0.2) or share >= 0.5 else "en"


def slugify(text: str) -> str:
    """Lowercase letters, digits and single hyphens (accents dropped); '' when nothing is left."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if len(s) > MAX_ID_LENGTH:
        s = s[:MAX_ID_LENGTH]
        s = s.rsplit("-", 1)[0] if "-" in s[MAX_ID_LENGTH // 2 :] else s
        s = s.strip("-")
    return s


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


# --- the report ---------------------------------------------------------------------------------

OUTCOMES = ("new", "updated", "unchanged", "kept", "skipped")


@dataclass
class ArticleResult:
    """What import did with one source article, and what it could not map."""

    key: str
    """The article's identity in the source (JSONL id, or path without language and extension)."""
    origin: str
    """Where it was read: ``file.jsonl:12`` or the Markdown file(s)."""
    id: str | None = None
    outcome: str = ""
    reason: str = ""
    langs: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)
    """Message templates extracted into advisory.yaml."""
    skipped_messages: list[str] = field(default_factory=list)
    """Message candidates not kept, each with the reason."""
    links_to_text: list[str] = field(default_factory=list)
    """Targets of links and images made plain text."""
    raw_html: list[str] = field(default_factory=list)
    """HTML tags left in the Markdown (they show as text)."""
    sections: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(language, heading, section type or None for free-form) of every section-starting heading."""
    unmapped: list[str] = field(default_factory=list)
    """Source fields and front-matter keys with no place in kb's format."""
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    """anchors, title-dropped, kb-links, assets, headings-lifted, bold-headings."""

    def line(self, width: int = 220) -> str:
        """One line: the id and outcome, then what could not be mapped."""
        parts: list[str] = []

        def listed(label: str, items: list[str], n: int = 3) -> None:
            if items:
                shown = ", ".join(_short(i, 60) if i else "(empty)" for i in items[:n]) + (", …" if len(items) > n else "")
                parts.append(f"{label} {len(items)} ({shown})")

        if self.reason:
            parts.append(self.reason)
        listed("links made text", self.links_to_text)
        listed("raw HTML", sorted(set(self.raw_html)))
        listed("messages skipped", self.skipped_messages, 2)
        listed("not mapped", self.unmapped)
        free = [h for _lang, h, t in self.sections if t is None]
        typed = [f"{h}→{t}" for _lang, h, t in self.sections if t is not None]
        listed("typed sections", typed)
        listed("free-form sections", free)
        parts.extend(self.notes)
        return _short(f"{self.id or self.key} [{self.outcome}]: " + "; ".join(parts), width)

    @property
    def rank(self) -> int:
        """0 for articles with something lost or left alone, 1 for other remarks, 2 for sections only."""
        if self.reason or self.links_to_text or self.skipped_messages or self.unmapped or self.raw_html:
            return 0
        return 1 if self.notes else 2

    @property
    def remarkable(self) -> bool:
        return bool(self.reason or self.links_to_text or self.raw_html or self.skipped_messages or self.unmapped or self.notes or self.sections)


@dataclass
class ImportReport:
    """The result of :func:`import_articles`: counts, one :class:`ArticleResult` per source article,
    and the problems found in the source (each ``path:line`` with a hint)."""

    source: str
    content_dir: str
    dry_run: bool = False
    articles: list[ArticleResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    """Ids of folders imported earlier from this source whose article is no longer in it (kept)."""

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.articles if a.outcome == outcome)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def kept(self) -> int:
        return self.count("kept")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def summary(self, max_articles: int = 40) -> list[str]:
        """The report for people: counts, totals of what could not be mapped, then one line per
        article with something to say (at most ``max_articles``)."""
        would = "would be " if self.dry_run else ""
        arts = self.articles
        out = [
            f"{'dry run: nothing written; ' if self.dry_run else ''}{len(arts)} article(s) from {self.source} -> {self.content_dir}",
            ", ".join(f"{would if o != 'unchanged' else ''}{o} {self.count(o)}" for o in OUTCOMES),
        ]
        c: Counter[str] = Counter()
        for a in arts:
            c.update(a.counts)
        msgs = sum(len(a.messages) for a in arts)
        skipped_msgs = sum(len(a.skipped_messages) for a in arts)
        typed = sum(1 for a in arts for s in a.sections if s[2] is not None)
        free = sum(1 for a in arts for s in a.sections if s[2] is None)
        out.append(
            f"messages: {msgs} extracted, {skipped_msgs} candidate(s) skipped; sections: {typed} typed, {free} free-form; "
            f"title headings dropped {c['title-dropped']} (first heading differs from the title, kept: {c['title-differs']}), anchors removed {c['anchors']}, kb: links {c['kb-links']}, "
            f"assets {c['assets']}, headings lifted {c['headings-lifted']}, bold lines made headings {c['bold-headings']}"
        )

        def total(items: str) -> str:
            n = sum(len(getattr(a, items)) for a in arts)
            k = sum(1 for a in arts if getattr(a, items))
            return f"{n} (in {k} article(s))"

        out.append(
            f"not mapped: links made text {total('links_to_text')}, raw HTML kept as text {total('raw_html')}, "
            f"source fields not mapped {total('unmapped')}"
        )
        if self.gone:
            out.append(f"no longer in the source (folders kept): {len(self.gone)}: {', '.join(self.gone[:10])}{' …' if len(self.gone) > 10 else ''}")
        remarkable = sorted((a for a in arts if a.remarkable), key=lambda a: a.rank)
        if remarkable:
            shown = remarkable[:max_articles]
            out.append(f"per article ({len(shown)} of {len(remarkable)} with remarks):")
            out.extend("  " + a.line() for a in shown)
            if len(remarkable) > len(shown):
                out.append(f"  … and {len(remarkable) - len(shown)} more")
        return out


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# --- reading the source -------------------------------------------------------------------------


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
            for n, raw in enumerate(f, 1):
                if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.problem(path, n, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; line skipped", "save the file as UTF-8")
                    continue
                try:
                    obj = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    self.problem(path, n, f"not valid JSON ({str(exc)[:120]}); line skipped", hint)
                    continue
                if not isinstance(obj, dict):
                    self.problem(path, n, f"a JSON {type(obj).__name__}, not an object; line skipped", hint)
                    continue
                self._jsonl_object(obj, raw.rstrip(b"\r\n"), n, hint)

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
        summary = obj.get("summary", obj.get("description"))
        meta: dict[str, Any] = {}
        for k in ("date", "published", "updated", "lastmod", "service", "services", "product", "products", "source", "url", "vendor"):
            if obj.get(k) not in (None, "", []):
                meta[k] = obj[k]
        known = {"id", "lang", "title", "body", "summary", "description", *meta}
        meta["_unmapped"] = sorted(k for k in obj if k not in known and obj[k] not in (None, "", []))
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
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            self.problem(path, line, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; not imported", "save the file as UTF-8")
            return
        text = text.replace("\r\n", "\n").replace("\r", "\n")
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


def _safe_yaml(text: str, path: Path, reader: _Reader) -> Any:
    """YAML without anchors and aliases (refused: a few lines can expand to billions of values)."""
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if "&" in text or "*" in text:
            for ev in yaml.parse(text, Loader=loader_cls):
                if getattr(ev, "anchor", None):
                    line = (ev.start_mark.line if ev.start_mark else 0) + 2
                    reader.problem(path, line, "YAML anchors and aliases are not allowed in front matter; not imported", "write each value out")
                    return _BAD
        return yaml.load(text, Loader=loader_cls)
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


# --- Markdown -----------------------------------------------------------------------------------

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
        self.find_messages(tokens)

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

    # messages ----------------------------------------------------------------------------------

    def find_messages(self, tokens: list[Token]) -> None:
        for t in tokens:
            if t.type in ("fence", "code_block"):
                info = (t.info or "").strip().split()[0].lower() if t.type == "fence" and t.info else ""
                if info in _CODE_LANGS:
                    continue
                for raw in t.content.split("\n"):
                    self.candidate(raw, "console" if info in ("console", "shell-session", "output", "terminal") else "", inline=False)
            elif t.type == "inline" and t.children:
                for c in t.children:
                    if c.type == "code_inline":
                        self.candidate(c.content, "", inline=True)

    def candidate(self, raw: str, kind_hint: str, inline: bool) -> None:
        line = raw.strip()
        if not line or not _ERROR_HINT_RE.search(line):
            return
        quoted = re.fullmatch(r"""(["'「“])([^"'「」“”]+)(["'」”])""", line)
        if quoted:
            line = quoted.group(2).strip()
        why = _not_a_message(line, inline)
        if why:
            self.res.skipped_messages.append(f"{why}: {_short(line, 50)}")
            return
        built = build_template(line)
        if isinstance(built, str):
            self.res.skipped_messages.append(f"{built}: {_short(line, 50)}")
            return
        tpl, kind, id_hint = built
        self.messages.append((id_hint, kind_hint or kind, tpl))


_CODE_LANGS = _words(
    "powershell ps ps1 pwsh bash sh shell zsh cmd bat batch json xml yaml yml ini toml sql python py js javascript ts typescript "
    "csharp cs c cpp java go ruby rb php html css kusto kql vb vbnet http-request graphql dockerfile makefile"
)


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


# --- messages -----------------------------------------------------------------------------------

_HEX_CODE_RE = re.compile(r"\b0x[0-9A-Fa-f]{8}\b")
_AADSTS_RE = re.compile(r"\bAADSTS\d{4,}\b")
_NDR_RE = re.compile(r"(?<![\d.])([245]\d\d)[ -]#?([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_HTTP_PHRASES = (
    "Bad Request|Unauthorized|Payment Required|Forbidden|Not Found|Method Not Allowed|Not Acceptable|Proxy Authentication Required|"
    "Request Timeout|Conflict|Gone|Precondition Failed|Payload Too Large|Request Entity Too Large|Unsupported Media Type|"
    "Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Timeout"
)
_HTTP_RE = re.compile(rf"(?<![\d.])\(?([45]\d\d)\)?[ \t]*[-:]?[ \t]*(?:{_HTTP_PHRASES})\b", re.I)
_STOP_RE = re.compile(r"\bSTOP\s*:?\s*0x[0-9A-Fa-f]{8}\b")
_EXCEPTION_RE = re.compile(r"\b(?:[A-Z][A-Za-z0-9]*\.)*([A-Z][A-Za-z0-9]*Exception)\b")
_ERROR_WORD_RE = re.compile(
    r"(?<![\w-])(?:error|fatal|exception)\s*[:：]|エラー\s*[:：]|\berr(?:or)?[_ ]?code\s*[=:]\s*-?\w+|エラー\s?コード\s*[:：]?\s*-?[0-9A-Za-z]+",
    re.I,
)
_ERROR_HINT_RE = re.compile(
    "|".join(p.pattern for p in (_HEX_CODE_RE, _AADSTS_RE, _NDR_RE, _HTTP_RE, _STOP_RE, _EXCEPTION_RE)) + r"|" + _ERROR_WORD_RE.pattern,
    re.I,
)
"""A line that may be an error message: it has an error code, a status, or says error/exception."""

_PROMPT_RE = re.compile(r"^(?:PS(?:\s+[^>]*)?>|[A-Za-z]:\\[^>]*>|[$#%>]\s|\w+@[\w.-]+[:~][^$#]*[$#]\s)")
_CMDLET_RE = re.compile(r"^(?:\$[\w:]+\s*=\s*)?[A-Z][a-z]+-[A-Z][A-Za-z0-9]+(?:\s|$)")
_COMMAND_RE = re.compile(
    r"^(?:sudo|apt(?:-get)?|yum|dnf|pip3?|npm|npx|git|curl|wget|ssh|scp|cd|ls|dir|xcopy|robocopy|del|rm|mv|cp|echo|setx|export|reg|"
    r"netsh|sc|powershell|pwsh|cmd|msiexec|dism|sfc|chkdsk|ipconfig|nslookup|ping|tracert|manage-bde|certutil|bcdedit|wevtutil|"
    r"schtasks|taskkill|icacls|az|kubectl|docker|systemctl|journalctl|python3?|java|dotnet|regsvr32|rundll32|gpupdate|dsregcmd|"
    r"whoami|mkdir|cat|tail|grep|findstr)(?:\.exe)?(?:\s|$)",
    re.I,
)
_FLAG_RE = re.compile(r"(?:^|\s)--?[A-Za-z][\w-]*(?:[:=]\S*)?(?=\s|$)")
_CONFIG_RE = re.compile(
    r"""^(?:["'{<]|\[\s*["{\d\]]|\[[\w .-]+\]$|[\w.$@-]+\s*=(?!=)|//|/\*|\*\s|;|-\s+\w+:|\w+\(.*\)\s*[;{]?$)|[;{]\s*$|"\s*:\s*|=>|\{\s*["]"""
)
_TS_PREFIX_RE = re.compile(
    r"^\[?(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*(?:Z|UTC|GMT|[AP]M|[+-]\d{2}:?\d{2}))*)?\]?[\s,:|-]*"
    r"|^\[?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?[\s,:|-]+"
)
_SYSLOG_PREFIX_RE = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\S+\s+")
_GUID_RE = re.compile(r"\{?\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b\}?")
_DATETIME_RE = re.compile(
    r"\b(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?(?:Z|UTC|GMT|[AP]M|[+-]\d{2}:?\d{2}))?Z?)?"
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?(?:Z|UTC|GMT|[AP]M))?"
)
_LABELED_ID_RE = re.compile(
    r"\b(?:request|correlation|trace|activity|session|tracking|client[ -]request|operation|incident|transaction)[ _-]?id\s*[:=#]?\s*([^\s,;:()\[\]{}]+)",
    re.I,
)
_OPAQUE_RE = re.compile(r"(?<![\w.-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{24,}(?![\w-])|(?<![\w.-])[0-9A-Fa-f]{16,}(?![\w-])")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _not_a_message(line: str, inline: bool) -> str | None:
    """Why ``line`` is not taken as a message (a command, configuration, code, too short or long), or None."""
    if len(line) > MAX_MESSAGE_CHARS:
        return "too long"
    if _PROMPT_RE.match(line) or _CMDLET_RE.match(line) or _COMMAND_RE.match(line) or _FLAG_RE.search(line):
        return "looks like a command"
    if _CONFIG_RE.search(line):
        return "looks like code or configuration"
    if re.fullmatch(r"\S+", line):
        return "a single token"
    words = re.findall(r"[A-Za-z]{3,}", line)
    cjk = _JA_CHAR_RE.findall(line)
    if len(words) + len(cjk) // 2 < (4 if inline else 3):
        return "too little text"
    return None


def build_template(line: str) -> tuple[str, str, str] | str:
    """(template, kind, id hint) for a message line, or why it cannot be one.

    A leading timestamp is dropped; GUIDs become ``guid`` slots, date/times ``text`` slots, request
    and correlation ids, long opaque tokens, e-mail and IPv4 addresses ``word`` slots (each with the
    original as example); everything else, error codes included, stays literal (``{{``/``}}`` doubled).
    """
    kind = "app-log"
    text = line
    m = _SYSLOG_PREFIX_RE.match(text)
    if m:
        text, kind = text[m.end() :], "syslog"
    else:
        m = _TS_PREFIX_RE.match(text)
        if m and m.end() > 0:
            text = text[m.end() :]
    text = text.strip()
    if _STOP_RE.search(text):
        kind = "stop-code"
    elif _HTTP_RE.search(text) and kind == "app-log":
        kind = "http"
    spans: list[tuple[int, int, str, str]] = []  # (start, end, name base, type)

    def add(a: int, b: int, name: str, typ: str) -> None:
        if a < b and all(b <= s or a >= e for s, e, _n, _t in spans):
            spans.append((a, b, name, typ))

    for g in _GUID_RE.finditer(text):
        a, b = g.span()
        val = g.group()
        if val.startswith("{") != val.endswith("}"):  # one brace only: keep it literal
            a, b = (a + 1, b) if val.startswith("{") else (a, b - 1)
        add(a, b, "guid", "guid")
    for d in _DATETIME_RE.finditer(text):
        add(d.start(), d.end(), "time", "text")
    for li in _LABELED_ID_RE.finditer(text):
        add(li.start(1), li.end(1), "id", "word")
    for o in _OPAQUE_RE.finditer(text):
        if not (_AADSTS_RE.fullmatch(o.group()) or _HEX_CODE_RE.fullmatch(o.group())):
            add(o.start(), o.end(), "id", "word")
    for e in _EMAIL_RE.finditer(text):
        add(e.start(), e.end(), "user", "word")
    for ip in _IPV4_RE.finditer(text):
        if all(int(x) <= 255 for x in ip.group().split(".")) and not re.search(r"(?i)(?:version|ver\.?|v|バージョン)\s*$", text[: ip.start()]):
            add(ip.start(), ip.end(), "ip", "word")
    spans.sort()
    if "{{{" in text or "}}}" in text:
        return "has runs of three braces"
    parts: list[str] = []
    expected: list[Placeholder] = []
    used: Counter[str] = Counter()
    pos = 0
    for a, b, base, typ in spans:
        literal = text[pos:a]
        if literal.endswith("{") or text[b : b + 1] == "}":
            return "a brace next to a value that varies"
        parts.append(_escape_braces(literal))
        used[base] += 1
        name = base if used[base] == 1 else f"{base}{used[base]}"
        example = text[a:b]
        parts.append(f"{{{{{name}:{typ}={example}}}}}")
        expected.append(Placeholder(name, typ, example))
        pos = b
    parts.append(_escape_braces(text[pos:]))
    tpl = "".join(parts)
    parsed = Template.parse(tpl)
    if list(parsed.placeholders) != expected or parsed.render() != text:
        return "its braces cannot be written as a template"
    problems = template_problems(parsed)
    if problems:
        return "not specific enough (" + problems[0][0].split(":")[0][:60] + ")"
    return tpl, kind, _message_id_hint(text)


def _escape_braces(literal: str) -> str:
    return literal.replace("{{", "{{{{").replace("}}", "}}}}")


def _message_id_hint(text: str) -> str:
    for rx, fmt in ((_AADSTS_RE, "{0}"), (_STOP_RE, "stop-{0}"), (_HEX_CODE_RE, "{0}")):
        m = rx.search(text)
        if m:
            return slugify(fmt.format(re.sub(r"(?i)^stop\s*:?\s*", "", m.group())))
    m = _NDR_RE.search(text)
    if m:
        return slugify(f"{m.group(1)}-{m.group(2)}")
    m = _HTTP_RE.search(text)
    if m:
        return f"http-{m.group(1)}"
    m = _EXCEPTION_RE.search(text)
    if m:
        return slugify(m.group(1))
    return ""


# --- values -------------------------------------------------------------------------------------


def parse_date(value: Any) -> str | None:
    """YYYY-MM-DD from a date, an ISO date/time, Y/M/D, M/D/YYYY or 2021年4月14日; None when not understood."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    v = unicodedata.normalize("NFKC", value).strip()
    for rx, order in (
        (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$", "ymd"),
        (r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:\s.*)?$", "ymd"),
        (r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$", "ymd"),
        (r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$", "mdy"),
        (r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "ymd"),
    ):
        m = re.match(rx, v)
        if m:
            a, b, c = (int(x) for x in m.groups())
            y, mo, d = (a, b, c) if order == "ymd" else (c, a, b)
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                return None
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()]
    return []


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_FAST_DUMPER = getattr(yaml, "CSafeDumper", None)  # libyaml's emitter: ~10x faster


def _dump(data: Any) -> str:
    """YAML with lists indented under their key (``products:\n  - name: …``), as content/README.md writes it."""
    if _FAST_DUMPER is None:
        return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20, default_flow_style=False)
    text = yaml.dump(data, Dumper=_FAST_DUMPER, allow_unicode=True, sort_keys=False, width=1 << 20, default_flow_style=False)
    # every line that starts with '- ' or spaces belongs to a list of a top-level key (the values
    # are single-line scalars): indenting them all keeps the data and gives the usual style
    return "\n".join("  " + ln if ln.startswith(("- ", "  ")) else ln for ln in text.split("\n"))


# --- the import ---------------------------------------------------------------------------------


@dataclass
class _Existing:
    folder: Path
    book: dict | None  # the bookkeeping, or None when the folder was not made by import (or it is unreadable)
    why: str = ""


@dataclass
class _Output:
    files: dict[str, bytes]
    assets: dict[str, _Asset]
    hashes: dict[str, str]
    source_hash: str
    linked: set[str]


class _Importer:
    def __init__(self, source: Path, content_dir: Path, report: ImportReport, vendor: str | None):
        self.source = source
        self.content_dir = content_dir
        self.report = report
        self.vendor = vendor
        self.reader = _Reader(source, content_dir, report)
        self.available: dict[str, str] = {}  # article key -> advisory id, for articles that will have a folder
        self.kind = "jsonl" if source.is_file() else "folder"

    def read(self) -> list[_Article]:
        if self.kind == "jsonl":
            self.reader.read_jsonl()
        else:
            self.reader.read_folder()
        arts = [self.reader.articles[k] for k in sorted(self.reader.articles)]
        for a in arts:
            a.result.origin = ", ".join(t.origin for _l, t in sorted(a.texts.items()))
            a.result.langs = tuple(sorted(a.texts))
        return arts

    # ids ---------------------------------------------------------------------------------------

    def existing(self) -> dict[str, _Existing]:
        out: dict[str, _Existing] = {}
        if not self.content_dir.is_dir():
            return out
        for d in sorted(self.content_dir.iterdir()):
            if d.name.startswith((".", "_")) or not d.is_dir():
                continue
            bk = d / BOOKKEEPING
            if not bk.exists():
                out[d.name] = _Existing(d, None, "it was not made by kb import")
                continue
            try:
                book = json.loads(bk.read_text("utf-8")) if bk.stat().st_size < (1 << 20) else None
            except (OSError, ValueError):
                book = None
            ok = (
                isinstance(book, dict)
                and isinstance(book.get("source"), dict)
                and isinstance(book["source"].get("key"), str)
                and isinstance(book.get("files"), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in book["files"].items())
            )
            out[d.name] = _Existing(d, book if ok else None, "" if ok else f"its {BOOKKEEPING} cannot be read")
        return out

    def assign_ids(self, arts: list[_Article], existing: dict[str, _Existing]) -> None:
        here = str(self.source.resolve())
        by_key: dict[str, str] = {}
        for name, ex in existing.items():
            if ex.book is None:
                continue
            src = ex.book["source"]
            recorded = str(src.get("path", ""))
            same_source = recorded == here or not Path(recorded).exists()
            if same_source and src["key"] not in by_key:
                by_key[src["key"]] = name
        taken = set(existing)
        pending: list[_Article] = []
        for a in arts:
            res = a.result
            if a.key in by_key:
                res.id = by_key[a.key]
                book = existing[res.id].book or {}
                recorded = str(book.get("source", {}).get("path", ""))
                if recorded != here:
                    res.notes.append(f"imported before from {recorded}")
            else:
                pending.append(a)
        assigned = {a.result.id for a in arts if a.result.id}
        for a in pending:
            res = a.result
            cands = self.candidates(a)
            first = next(cands)
            if first in existing and existing[first].book is None:
                res.id = first
                res.outcome = "skipped"
                res.reason = f"{self.content_dir / first} exists and {existing[first].why}; left alone"
                continue
            for c in itertools.chain([first], cands):
                if c not in taken and c not in assigned:
                    res.id = c
                    assigned.add(c)
                    break
        for a in arts:
            if a.result.id and a.result.outcome != "skipped":
                self.available[a.key] = a.result.id

    def candidates(self, a: _Article) -> Iterator[str]:
        """Ids for an article, best first: its slug, the slug with its folders in front, slug-2, slug-3 …"""
        base = ""
        for h in a.slug_hints:
            base = slugify(h)
            if base:
                break
        if not base:
            base = "article-" + hashlib.sha256(a.key.encode()).hexdigest()[:8]
        yield base
        seen = {base}
        prefix = base
        for p in reversed([slugify(p) for p in a.key.split("/")[:-1]]):
            if not p:
                continue
            prefix = slugify(f"{p}-{prefix}")
            if prefix and prefix not in seen:
                seen.add(prefix)
                yield prefix
        for n in itertools.count(2):
            yield f"{base}-{n}"

    # links -------------------------------------------------------------------------------------

    def resolve(self, art: _Article, src: _LangSource, path: str) -> tuple[str, str] | None:
        """('article', advisory id) or ('file', absolute path) for a relative link, or None."""
        reader = self.reader
        root = reader.root
        joined = posixpath.normpath(path.lstrip("/")) if path.startswith("/") else posixpath.normpath(posixpath.join(src.rel_dir, path))
        inside = not (joined == ".." or joined.startswith("../"))
        if inside:
            trimmed = joined.rstrip("/")
            for c in (joined, trimmed, trimmed + ".md", trimmed + ".markdown", _strip_ext(trimmed), trimmed + "/index.md", trimmed + "/"):
                key = reader.path_index.get(c)
                if key is not None and key in self.available:
                    return "article", self.available[key]
            for base in dict.fromkeys([joined, posixpath.normpath(path.lstrip("/"))]):
                if base.startswith("../") or base == "..":
                    continue
                f = root / base
                try:
                    if f.is_file():
                        f.resolve().relative_to(root.resolve())
                        if not f.name.lower().endswith((".md", ".markdown")):
                            return "file", str(f)
                except (OSError, ValueError):
                    continue
        # a bare name (same folder or ../): another article with that id, slug or file name
        dirs = path.rstrip("/").split("/")[:-1]
        if all(d in (".", "..") for d in dirs) and not path.startswith("/"):
            name = posixpath.basename(path.rstrip("/"))
            stem = _strip_ext(name)
            if stem == name or name.lower().endswith((".md", ".markdown", ".html", ".htm")):
                keys = reader.name_index.get(stem) or reader.name_index.get(stem.lower()) or set()
                hits = {self.available[k] for k in keys if k in self.available}
                if len(hits) == 1:
                    return "article", hits.pop()
        return None

    # conversion --------------------------------------------------------------------------------

    def convert(self, art: _Article, adv_id: str) -> _Output | None:
        res = art.result
        ctx = _ArticleContext(self, art, adv_id)
        res.links_to_text.clear()
        res.raw_html.clear()
        res.sections.clear()
        res.skipped_messages.clear()
        res.messages.clear()
        res.counts.clear()
        res.unmapped.clear()
        res.notes[:] = [n for n in res.notes if n.startswith("imported before")]
        files: dict[str, bytes] = {}
        messages: list[tuple[str, str, str]] = []
        for lang in ("ja", "en"):
            src = art.texts.get(lang)
            if src is None:
                continue
            if src.lang_note:
                res.notes.append(src.lang_note)
            if len(src.body) > MAX_MARKDOWN_BYTES + 65536:  # surely too large even after the cleanups: do not parse it
                self.reader.problem(
                    src.path, src.line, f"article '{art.key}' ({lang}) is over {MAX_MARKDOWN_BYTES:,} bytes, kb's limit", "split the article"
                )
                return None
            conv = _Converter(ctx, src)
            done = conv.convert(src.title)
            if done is None:
                self.reader.problem(
                    src.path, src.line, f"article '{art.key}' ({lang}) has no title; not imported", "give it a title (or a first '# heading')"
                )
                continue
            title, body = done
            front: dict[str, str] = {"title": title}
            if src.summary:
                front["summary"] = " ".join(src.summary.split())
            text = "---\n" + _dump(front) + "---\n" + (f"\n{body}\n" if body.strip() else "")
            data = text.encode("utf-8")
            if len(data) > MAX_MARKDOWN_BYTES:
                self.reader.problem(
                    src.path,
                    src.line,
                    f"article '{art.key}' ({lang}) is {len(data):,} bytes; kb's limit is {MAX_MARKDOWN_BYTES:,}",
                    "split the article",
                )
                return None
            files[f"{lang}.md"] = data
            messages.extend(conv.messages)
        if not files:
            return None
        res.langs = tuple(sorted(f.split(".")[0] for f in files))
        res.counts["assets"] = len(ctx.assets)
        adv = self.advisory_yaml(art, res, messages)
        if len(adv) > MAX_YAML_BYTES:
            self.reader.problem(art.texts[res.langs[0]].path, 1, f"article '{art.key}': advisory.yaml would be too large", "")
            return None
        files["advisory.yaml"] = adv
        hashes = {k: _sha(v) for k, v in files.items()}
        for rel, asset in ctx.assets.items():
            hashes[rel] = asset.sha
        h = hashlib.sha256(f"kb-import {FORMAT}\n".encode())
        for lang in sorted(art.texts):
            h.update(f"{lang}\n".encode() + art.texts[lang].raw + b"\n")
        for rel in sorted(ctx.assets):
            h.update(f"{rel} {ctx.assets[rel].sha}\n".encode())
        return _Output(files, ctx.assets, hashes, "sha256:" + h.hexdigest(), ctx.linked)

    def advisory_yaml(self, art: _Article, res: ArticleResult, messages: list[tuple[str, str, str]]) -> bytes:
        texts = [art.texts[lang] for lang in ("ja", "en") if lang in art.texts]
        meta: dict[str, Any] = {}
        for t in texts:
            for k, v in t.meta.items():
                meta.setdefault(k, v)
        unmapped = sorted({k for t in texts for k in t.meta.get("_unmapped", [])})
        res.unmapped.extend(unmapped)
        data: dict[str, Any] = {"id": res.id or ""}
        vendor = self.vendor or (meta["vendor"].strip() if isinstance(meta.get("vendor"), str) and meta["vendor"].strip() else None)
        if vendor:
            data["vendor"] = vendor
        products: list[str] = []
        for k in ("service", "services", "product", "products"):
            for p in _names(meta.get(k)):
                if p not in products:
                    products.append(p)
        if products:
            data["products"] = [{"name": p} for p in products]
        src_id = str(meta.get("id") or meta.get("slug") or art.key)
        urls: list[str] = []
        for t in texts:
            u = t.meta.get("url")
            if isinstance(u, str) and u.strip() and u.strip() not in urls:
                urls.append(u.strip())
        if urls:
            ref: dict[str, Any] = {"id": src_id}
            web = [u for u in urls if url_problem(u) is None]
            if web:
                ref["url"] = web[0]
            for u in urls:
                if u not in web[:1]:
                    res.unmapped.append(f"url {u}")
            data["references"] = [ref]
        for key, out in (("date", "published"), ("published", "published"), ("updated", "updated"), ("lastmod", "updated")):
            if key in meta and out not in data:
                d = parse_date(meta[key])
                if d:
                    data[out] = d
                elif meta[key] not in (None, ""):
                    res.notes.append(f"{key} {str(meta[key])[:30]!r} not understood")
        if self.kind == "jsonl":
            data["source"] = str(meta["source"]) if isinstance(meta.get("source"), str) else f"{self.source.name}#{art.key}"
        else:
            data["source"] = texts[0].origin
        if messages:
            seen: dict[str, str] = {}
            ids: set[str] = set()
            out_msgs: list[dict[str, str]] = []
            for hint, kind, tpl in messages:
                if tpl in seen:
                    continue
                mid = hint or f"m{len(out_msgs) + 1}"
                base, n = mid, 2
                while mid in ids or not ID_RE.match(mid):
                    mid = f"{base}-{n}" if ID_RE.match(base) else f"m{len(out_msgs) + n}"
                    n += 1
                ids.add(mid)
                seen[tpl] = mid
                out_msgs.append({"id": mid, "kind": kind, "text": tpl})
                res.messages.append(tpl)
            data["messages"] = out_msgs
        head = "# Written by `kb import`. Edit freely: a later import leaves hand-edited files alone (unless --force).\n"
        return (head + _dump(data)).encode("utf-8")

    # writing -----------------------------------------------------------------------------------

    def decide(self, art: _Article, out: _Output, ex: _Existing | None, force: bool) -> tuple[str, list[str]]:
        """(outcome, files to carry over from the old folder) for an article with a folder id."""
        res = art.result
        if ex is None:
            return "new", []
        book = ex.book
        if book is None:
            res.reason = f"{ex.folder} exists and {ex.why}; left alone"
            return "skipped", []
        if book["source"]["key"] != art.key:
            res.reason = f"{ex.folder} was imported from another article ({book['source']['key']}); left alone"
            return "skipped", []
        recorded: dict[str, str] = book["files"]
        current = _folder_hashes(ex.folder)
        edited = sorted(k for k, v in recorded.items() if current.get(k) != v)
        extras = sorted(k for k in current if k not in recorded)
        clash = [k for k in extras if k in out.hashes or any(k.startswith(o + "/") or o.startswith(k + "/") for o in out.hashes)]
        same = recorded == out.hashes
        if same and not (edited and force):
            if edited:
                res.notes.append(f"edited by hand since the last import: {', '.join(edited[:3])}")
            if book.get("source_hash") != out.source_hash:
                res.notes.append("source changed, output the same")
            return "unchanged", []
        if clash:
            res.reason = f"{', '.join(clash[:3])} in the folder was not made by kb import; move it away to update"
            return "kept", []
        if edited and not force:
            res.reason = f"edited by hand: {', '.join(edited[:3])}; --force to overwrite"
            return "kept", []
        if edited:
            res.notes.append(f"overwrote hand edits (--force): {', '.join(edited[:3])}")
        return "updated", extras

    def write(self, art: _Article, adv_id: str, out: _Output, carry: list[str]) -> None:
        root = self.content_dir
        dest = root / adv_id
        tmp = root / f".kb-import-{adv_id}.{os.getpid()}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            for rel, data in out.files.items():
                (tmp / rel).write_bytes(data)
            if out.assets:
                (tmp / "assets").mkdir()
            for rel, asset in out.assets.items():
                if asset.data is not None:
                    (tmp / rel).write_bytes(asset.data)
                elif asset.source is not None:
                    shutil.copyfile(asset.source, tmp / rel)
            for rel in carry:
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                srcf = dest / rel
                if srcf.is_dir() and not srcf.is_symlink():
                    target.mkdir(exist_ok=True)
                else:
                    shutil.copy2(srcf, target, follow_symlinks=False)
            book = {
                "made_by": "kb import",
                "format": FORMAT,
                "source": {
                    "kind": self.kind,
                    "path": str(self.source.resolve()),
                    "key": art.key,
                    "origin": [art.texts[lang].origin for lang in sorted(art.texts)],
                },
                "source_hash": out.source_hash,
                "files": dict(sorted(out.hashes.items())),
            }
            (tmp / BOOKKEEPING).write_text(json.dumps(book, ensure_ascii=False, indent=1) + "\n", "utf-8")
            if dest.exists():
                old = root / f".kb-import-{adv_id}.{os.getpid()}.old"
                os.rename(dest, old)
                try:
                    os.rename(tmp, dest)
                except BaseException:
                    os.rename(old, dest)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, dest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _folder_hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (posix path -> hash), the bookkeeping aside; empty folders and
    links are listed too (hash ``dir`` / ``link:<target>``) so that they count as content."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for d in dirnames:
            p = here / d
            if p.is_symlink():
                out[p.relative_to(folder).as_posix()] = "link:" + os.readlink(p)
            elif not any(p.iterdir()):
                out[p.relative_to(folder).as_posix()] = "dir"
        dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
        for f in filenames:
            p = here / f
            rel = p.relative_to(folder).as_posix()
            if rel == BOOKKEEPING:
                continue
            try:
                out[rel] = "link:" + os.readlink(p) if p.is_symlink() else _file_sha(p)
            except OSError:
                out[rel] = "unreadable"
    return out


def _recover(root: Path) -> None:
    """Undo what an interrupted import left: put back a folder moved aside, remove half-written ones."""
    for d in sorted(root.iterdir()):
        m = _TMP_RE.match(d.name)
        if not m or not d.is_dir() or d.is_symlink():
            continue
        target = root / m.group(1)
        if m.group(3) == "old" and not target.exists():
            os.rename(d, target)
        else:
            shutil.rmtree(d, ignore_errors=True)


def import_articles(
    source: str | os.PathLike[str],
    content_dir: str | os.PathLike[str],
    *,
    vendor: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    notify: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the articles of ``source`` (a .jsonl file or a folder of Markdown files) into
    ``content_dir``; see the module documentation. Raises :class:`SourceError` when the source cannot
    be used at all and :class:`kb.storage.UnsafeTarget` for a content folder import will not write;
    problems with single lines or files are in the report (``report.problems``). ``notify`` is told
    when another import into the same folder is running (this one waits for it)."""
    src = Path(source)
    root = Path(content_dir)
    if not src.exists():
        raise SourceError(f"{src} does not exist: give a .jsonl file or a folder of Markdown files")
    if src.is_file() and not src.name.lower().endswith((".jsonl", ".ndjson", ".json")):
        raise SourceError(f"{src} is not a .jsonl file or a folder: give a JSON Lines file (one article a line) or a folder of Markdown files")
    if not src.is_file() and not src.is_dir():
        raise SourceError(f"{src} is not a regular file or a folder")
    if root.exists() and not root.is_dir():
        raise UnsafeTarget(f"{root} is a file, not a content folder: give a folder (new or holding advisories)")
    if src.is_dir() and root.exists() and root.resolve() == src.resolve():
        raise UnsafeTarget(f"{root} is the source folder itself: import into another folder")
    if src.is_dir() and not os.access(src, os.R_OK | os.X_OK):
        raise SourceError(f"cannot read the folder {src}")
    report = ImportReport(str(src), str(root), dry_run)
    imp = _Importer(src, root, report, vendor)
    arts = imp.read()
    report.articles = [a.result for a in arts]
    if not dry_run:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UnsafeTarget(f"cannot create the content folder {root}: {exc.strerror}") from None
    lock = writer_lock(root, name=None, notify=notify) if not dry_run else contextlib.nullcontext()
    with lock:
        if not dry_run:
            _recover(root)
        existing = imp.existing()
        imp.assign_ids(arts, existing)
        outputs: dict[str, _Output] = {}
        todo = [a for a in arts if a.result.outcome != "skipped" and a.result.id]
        for _round in range(3):  # an article that cannot be converted is no link target: convert its linkers again
            failed = []
            for a in todo:
                out = imp.convert(a, a.result.id or "")
                if out is None:
                    failed.append(a)
                else:
                    outputs[a.key] = out
            if not failed:
                break
            gone_ids = set()
            for a in failed:
                a.result.outcome, a.result.reason = "skipped", a.result.reason or "could not be converted (see the problems)"
                gone_ids.add(imp.available.pop(a.key, ""))
                outputs.pop(a.key, None)
            todo = [a for a in todo if a.key in outputs and outputs[a.key].linked & gone_ids]
            if not todo:
                break
        for a in arts:
            res = a.result
            if res.outcome == "skipped" or not res.id or a.key not in outputs:
                if not res.outcome:
                    res.outcome, res.reason = "skipped", res.reason or "no advisory id could be given"
                continue
            out = outputs[a.key]
            outcome, carry = imp.decide(a, out, existing.get(res.id), force)
            res.outcome = outcome
            if outcome in ("new", "updated") and not dry_run:
                try:
                    imp.write(a, res.id, out, carry)
                except OSError as exc:
                    res.outcome, res.reason = "skipped", f"could not be written: {exc.strerror or exc}"
                    report.problems.append(Problem(str(root / res.id), 1, f"cannot write {res.id}: {exc}", "check the folder's permissions"))
        here = str(src.resolve())
        keys = {a.key for a in arts}
        for name, ex in existing.items():
            if ex.book is not None and str(ex.book["source"].get("path")) == here and ex.book["source"]["key"] not in keys:
                report.gone.append(name)
    return report
