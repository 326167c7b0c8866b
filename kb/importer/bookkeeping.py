"""What ``kb import`` remembers and how it writes. Each imported folder holds ``.kb-import.json``
(:data:`BOOKKEEPING`: the source, a hash of the source article and of every file written);
:func:`read_existing` reads it back, :func:`decide` makes the re-run decision per article (new,
updated, unchanged, kept, skipped; files edited by hand are left alone unless ``force``),
:func:`write_folder` writes a folder beside its place and renames it in, and :func:`_recover` undoes
what an interrupted import left. :func:`kb.importer.run.import_articles` calls them under the
content folder's writer lock (:func:`kb.storage.writer_lock`)."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .common import _file_sha
from .convert import _Output
from .sources import _Article

BOOKKEEPING = ".kb-import.json"
"""The file in each imported folder that records what import wrote."""
FORMAT = 1
"""Version of the bookkeeping format and of the conversion (part of the source hash)."""
_TMP_RE = re.compile(r"^\.kb-import-(.+)\.(\d+)\.(tmp|old)$")
LEDGER = ".kb-imported.json"
"""The file in the content folder that lists every advisory import wrote: its id -> the source file
and the article's key. A listed advisory whose folder is gone was deleted by hand: the next import
leaves its article out (an edit by hand, like any other: ``force`` imports it again)."""
_LEDGER_TMP_RE = re.compile(r"^\.kb-imported\.json\.\d+\.tmp$")
MAX_LEDGER_BYTES = 64 << 20


def read_ledger(content_dir: Path) -> dict[str, dict[str, str]]:
    """The advisories import wrote into ``content_dir`` (:data:`LEDGER`); none when there is no
    readable ledger (nothing is then taken for deleted)."""
    path = content_dir / LEDGER
    try:
        raw = json.loads(path.read_text("utf-8")) if path.stat().st_size <= MAX_LEDGER_BYTES else None
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("advisories"), dict):
        return {}
    return {
        str(k): {"path": v["path"], "key": v["key"]}
        for k, v in raw["advisories"].items()
        if isinstance(v, dict) and isinstance(v.get("path"), str) and isinstance(v.get("key"), str)
    }


def write_ledger(content_dir: Path, ledger: dict[str, dict[str, str]]) -> None:
    """Write :data:`LEDGER` whole (beside it, then renamed over it)."""
    tmp = content_dir / f"{LEDGER}.{os.getpid()}.tmp"
    doc = {"made_by": "kb import", "format": FORMAT, "advisories": dict(sorted(ledger.items()))}
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
    os.replace(tmp, content_dir / LEDGER)


@dataclass
class _Existing:
    folder: Path
    book: dict | None  # the bookkeeping, or None when the folder was not made by import (or it is unreadable)
    why: str = ""


def read_existing(content_dir: Path) -> dict[str, _Existing]:
    """The advisory folders of ``content_dir``, each with its bookkeeping when import made it (and it
    can be read)."""
    out: dict[str, _Existing] = {}
    if not content_dir.is_dir():
        return out
    for d in sorted(content_dir.iterdir()):
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


def decide(art: _Article, out: _Output, ex: _Existing | None, force: bool) -> tuple[str, list[str]]:
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


def write_folder(content_dir: Path, source: Path, kind: str, art: _Article, adv_id: str, out: _Output, carry: list[str]) -> None:
    """Write the folder of ``art`` (``out``, the files ``carry`` from the old folder, and the
    bookkeeping) beside its place in ``content_dir`` and rename it in; the old folder is moved aside
    first and put back when the rename fails. ``source`` and ``kind`` (``jsonl`` or ``folder``) are
    the import's, recorded in the bookkeeping."""
    root = content_dir
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
                "kind": kind,
                "path": str(source.resolve()),
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
        if _LEDGER_TMP_RE.match(d.name) and d.is_file() and not d.is_symlink():
            d.unlink()  # (a ledger half written: the ledger itself is whole)
            continue
        m = _TMP_RE.match(d.name)
        if not m or not d.is_dir() or d.is_symlink():
            continue
        target = root / m.group(1)
        if m.group(3) == "old" and not target.exists():
            os.rename(d, target)
        else:
            shutil.rmtree(d, ignore_errors=True)
