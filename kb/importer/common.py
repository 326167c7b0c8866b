"""Limits and names shared by the stages of ``kb import``: size limits, the advisory id pattern,
:class:`SourceError`, language codes and detection, :func:`slugify`, and the hashes of data and
files (of assets when converting, of folders when deciding a re-run)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""Largest Markdown source file read (larger files are reported and skipped), and JSON Lines line."""
MAX_JSON_ARRAY_BYTES = 256 * 1024 * 1024
"""Largest ``.json`` source holding one array of articles (read whole); JSON Lines has no such limit."""
MAX_ASSET_BYTES = 16 * 1024 * 1024
"""Largest file copied into ``assets/``; links to larger files become text."""
MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_ID_LENGTH = 80
MAX_MESSAGE_CHARS = 400

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
