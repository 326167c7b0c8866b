"""Where a build's record is in an index folder: the ``current`` link, ``manifest.json`` and ``sources.json``.

Standard library only, so that checking whether the index is current (:mod:`kb.freshness`) and
the command line's start need neither numpy nor Whoosh; :mod:`kb.search.index` writes these files
and re-exports the names."""

from __future__ import annotations

import json
import os
from pathlib import Path

FORMAT = "kb-index/6"
MANIFEST = "manifest.json"
SOURCES = "sources.json"
CONTENT_STATE = "content-state.bin"  # (the content as the build saw it: kb.freshness.content_state)


class IndexUnavailable(RuntimeError):
    """The index folder is missing, foreign, damaged, or from another format."""


def read_manifest(build_dir: Path) -> dict | None:
    """A build's manifest, or None when it is missing, unreadable or of another format."""
    try:
        data = json.loads((build_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def current_build(root: Path) -> Path | None:
    """The folder the ``current`` symlink points at, if it is one of ours."""
    cur = root / "current"
    if not cur.is_symlink():
        return None
    target = (root / os.readlink(cur)).resolve()
    return target if read_manifest(target) is not None else None


def read_sources(build_dir: Path) -> dict:
    """What the build recorded about the content it was built from (``{}`` when unreadable)."""
    try:
        data = json.loads((build_dir / SOURCES).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
