"""The import itself: :func:`import_articles` reads the source (:mod:`kb.importer.sources`), gives
each article an advisory id (the one of an earlier import of it, else a free slug), converts it
(:mod:`kb.importer.convert`, :mod:`kb.importer.messages`, :mod:`kb.importer.advisory`), then decides
per article what to do with its folder and writes it (:mod:`kb.importer.bookkeeping`), all under
the content folder's writer lock."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path

from ..content.load import MAX_MARKDOWN_BYTES, MAX_YAML_BYTES, Problem
from ..storage import UnsafeTarget, output_holding, writer_lock
from .advisory import _dump, advisory_yaml
from .bookkeeping import FORMAT, LEDGER, _Existing, _recover, decide, read_existing, read_ledger, write_folder, write_ledger
from .common import SourceError, _sha, slugify
from .convert import _ArticleContext, _Converter, _Output
from .report import ArticleResult, ImportReport
from .sources import _Article, _LangSource, _Reader, _strip_ext


def _id_to_write(res: ArticleResult) -> str | None:
    """The advisory id of an article to convert and write; None when it has none, or was skipped or
    kept as it is (an edit by hand, a folder deleted by hand: then it is no link target either)."""
    return res.id if res.id and res.outcome not in ("skipped", "kept") else None


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

    def assign_ids(
        self,
        arts: list[_Article],
        existing: dict[str, _Existing],
        other_source: str | None = None,
        ledger: dict[str, dict[str, str]] | None = None,
        force: bool = False,
    ) -> None:
        """Give each article its advisory id: the folder it was imported into before, or a new one.

        An article imported before whose folder was deleted since (``ledger``, :data:`LEDGER`) is
        left out ("kept": deleted by hand, as an edit by hand is kept), or with ``force`` imported
        again under its id; no other article takes that id.

        An article is the same as one imported before when its key was recorded from this source
        (or from a file that no longer exists: the source was moved). A key recorded from another
        file that still exists is ambiguous: a newer export of the same knowledge base, or another
        knowledge base whose keys overlap. ``other_source`` says which ("update": the advisory
        imported before; "add": a new advisory beside it); without it the article is skipped and
        reported at its line, so that no advisory is ever doubled silently."""
        here = str(self.source.resolve())
        by_key: dict[str, str] = {}
        elsewhere: dict[str, tuple[str, str]] = {}  # key -> (advisory id, the other file), for keys imported from another file
        for name, ex in existing.items():
            if ex.book is None:
                continue
            src = ex.book["source"]
            recorded = str(src.get("path", ""))
            if recorded == here or not Path(recorded).exists():
                by_key.setdefault(src["key"], name)
            else:
                elsewhere.setdefault(src["key"], (name, recorded))
        deleted: dict[str, str] = {}  # key -> id, of articles imported from here whose folder is gone
        for name, entry in (ledger or {}).items():
            if name not in existing and (entry["path"] == here or not Path(entry["path"]).exists()):
                deleted.setdefault(entry["key"], name)
        taken = set(existing) | set(deleted.values())
        pending: list[_Article] = []
        for a in arts:
            res = a.result
            if a.key not in by_key and a.key in deleted:
                res.id = deleted[a.key]
                if force:
                    res.notes.append("imported before, then its folder was deleted; imported again (--force)")
                else:
                    res.outcome = "kept"
                    res.reason = "its folder was deleted after an earlier import, and stays deleted; --force imports it again"
                continue
            if a.key not in by_key and a.key in elsewhere and other_source != "add":
                name, recorded = elsewhere[a.key]
                if other_source == "update":
                    by_key[a.key] = name
                else:
                    res.id, res.outcome = name, "skipped"
                    res.reason = f"its key was imported before from {recorded}, as {name}"
                    self.not_imported(
                        a,
                        f"article '{a.key}' was imported before from {recorded}, as {name}; not imported",
                        "if this file is a newer export of the same knowledge base, run again with --other-source update; "
                        "if it is another knowledge base whose ids overlap, with --other-source add",
                    )
                    continue
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
                self.not_imported(
                    a,
                    f"article '{a.key}' would be the advisory '{first}', but {self.content_dir / first} exists and {existing[first].why}; not imported",
                    f"give the article another id in the source, or move the folder {first} away if it may be replaced",
                )
                continue
            for c in itertools.chain([first], cands):
                if c not in taken and c not in assigned:
                    res.id = c
                    assigned.add(c)
                    break
        for a in arts:
            if (adv_id := _id_to_write(a.result)) is not None:  # (a link to a deleted one becomes text)
                self.available[a.key] = adv_id

    def not_imported(self, a: _Article, message: str, hint: str) -> None:
        """An error at the article's first line in the source: it is left out (import exits 3)."""
        where = min(a.texts.values(), key=lambda s: (str(s.path), s.line))
        self.report.problems.append(Problem(str(where.path), where.line, message, hint))

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
        res.notes[:] = [n for n in res.notes if n.startswith("imported before")]  # (what assign_ids said)
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
        adv = advisory_yaml(art, res, messages, vendor=self.vendor, kind=self.kind, source=self.source)
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


def import_articles(
    source: str | os.PathLike[str],
    content_dir: str | os.PathLike[str],
    *,
    vendor: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    notify: Callable[[str], None] | None = None,
    other_source: str | None = None,
) -> ImportReport:
    """Import the articles of ``source`` (a .jsonl file or a folder of Markdown files) into
    ``content_dir``; see the documentation of the package (:mod:`kb.importer`). Raises
    :class:`SourceError` when the source cannot be used at all and :class:`kb.storage.UnsafeTarget`
    for a content folder import will not write; problems with single lines or files are in the
    report (``report.problems``). ``notify`` is told when another import into the same folder is
    running (this one waits for it). ``other_source`` ("update" or "add") says what an article whose
    key was imported before from another file that still exists is: the same article, updated, or
    another one, added beside it; without it such articles are skipped and reported."""
    if other_source not in (None, "update", "add"):
        raise ValueError(f"other_source must be 'update', 'add' or None, not {other_source!r}")
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
    made = output_holding(root)
    if made is not None:
        raise UnsafeTarget(
            f"{root} is in {made}, a folder kb made for an index or a site, which the next `kb build` replaces whole: import into the content folder"
        )
    if src.is_dir() and not os.access(src, os.R_OK | os.X_OK):
        raise SourceError(f"cannot read the folder {src}")
    report = ImportReport(str(src), str(root), dry_run)
    imp = _Importer(src, root, report, vendor)
    arts = imp.read()
    report.articles = [a.result for a in arts]
    if not arts and not report.errors:
        report.problems.append(
            Problem(
                str(src),
                1,
                "no articles found: nothing to import",
                "give a JSON Lines file or a folder of Markdown files that hold articles",
                "warning",
            )
        )
    if not dry_run:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UnsafeTarget(f"cannot create the content folder {root}: {exc.strerror}") from None
    lock = writer_lock(root, name=None, notify=notify) if not dry_run else contextlib.nullcontext()
    with lock:
        if not dry_run:
            _recover(root)
        existing = read_existing(root)
        ledger = read_ledger(root)
        imp.assign_ids(arts, existing, other_source, ledger, force)
        outputs: dict[str, _Output] = {}
        todo = [a for a in arts if _id_to_write(a.result)]
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
            adv_id = _id_to_write(res)
            if adv_id is None or a.key not in outputs:
                if not res.outcome:
                    res.outcome, res.reason = "skipped", res.reason or "no advisory id could be given"
                continue
            out = outputs[a.key]
            outcome, carry = decide(a, out, existing.get(adv_id), force)
            res.outcome = outcome
            if outcome in ("new", "updated") and not dry_run:
                try:
                    write_folder(root, src, imp.kind, a, adv_id, out, carry)
                except OSError as exc:
                    res.outcome, res.reason = "skipped", f"could not be written: {exc.strerror or exc}"
                    report.problems.append(Problem(str(root / adv_id), 1, f"cannot write {adv_id}: {exc}", "check the folder's permissions"))
        here = str(src.resolve())
        if not dry_run:
            # every folder import wrote or finds as it wrote it (a folder deleted by hand stays listed)
            written = {a.result.id: {"path": here, "key": a.key} for a in arts if a.result.id and a.result.outcome in ("new", "updated", "unchanged")}
            for name, ex in existing.items():
                if ex.book is not None and name not in written:
                    written[name] = {"path": str(ex.book["source"].get("path", "")), "key": ex.book["source"]["key"]}
            merged = {k: v for k, v in ledger.items() if k not in existing} | written
            if merged != ledger:
                try:
                    write_ledger(root, merged)
                except OSError as exc:  # (the folders are written: say what is lost, do not fail the import)
                    report.problems.append(
                        Problem(
                            str(root / LEDGER),
                            1,
                            f"cannot write {LEDGER}: {exc.strerror or exc}; a folder deleted by hand may come back at the next import",
                            "check the content folder's permissions and free space",
                            "warning",
                        )
                    )
        keys = {a.key for a in arts}
        for name, ex in existing.items():
            if ex.book is not None and str(ex.book["source"].get("path")) == here and ex.book["source"]["key"] not in keys:
                report.gone.append(name)
    return report
