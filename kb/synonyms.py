"""Query-time aliases for the way helpdesk staff say things (analysis stage, data only).

Keys and values are analyzed terms (MeCab lemmas or stemmed English words). A query word brings
its aliases into the word-overlap search; a document that has any of them counts as having the
word. Product and model aliases live in the content itself (``products[].aliases``); this table is
for everyday vocabulary that no single advisory owns.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    # "won't come up" / "falls over" / "put a patch on"
    "上がる": ("起動",),
    "立ち上がる": ("起動",),
    "落ちる": ("停止", "クラッシュ"),
    "止まる": ("停止",),
    "当てる": ("適用",),
    "入れる": ("適用", "インストール"),
    "外す": ("削除", "アンインストール"),
    "インストール": ("適用",),
    "消す": ("削除",),
    "パッチ": ("修正", "patch"),
    "ホットフィックス": ("修正", "hotfix"),
    "アップデート": ("更新", "update"),
    "更新": ("update",),
    "ブルースクリーン": ("stop",),
    "青画面": ("stop",),
    "ログイン": ("ログオン",),
    "ログオン": ("ログイン",),
    "入る": ("ログオン", "ログイン"),
    "壊れる": ("破損",),
    "破損": ("壊れる",),
    "エラー": ("error",),
    "error": ("エラー",),
    # English
    "bsod": ("stop",),
    "blue": ("stop",),
    "crash": ("fail", "stop"),
    "come": ("start",),
    "boot": ("start",),
    "launch": ("start",),
    "patch": ("fix", "update", "パッチ"),
    "hotfix": ("update", "fix"),
    "install": ("apply",),
    "apply": ("install",),
    "remove": ("uninstall",),
    "uninstall": ("remove",),
    "login": ("logon", "log"),
    "logon": ("login", "log"),
    "sync": ("synchronize", "synchronization"),
    "synchronize": ("synchronization", "sync"),
    "won't": ("not",),
}


def expand(words: list[str]) -> dict[str, tuple[str, ...]]:
    """Each word with its aliases (the word itself first)."""
    return {w: (w,) + tuple(a for a in SYNONYMS.get(w, ()) if a != w) for w in words}
