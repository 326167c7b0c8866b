"""A small content folder of advisories that are not written in both languages, for the site, browser
and parity tests (tests/test_site_mixed.py, tests/test_browser.py, tests/test_parity_node.py).

``write_mixed_content(root)`` writes, beside a copy of the bundled content:

- ``acme-mail-stuck``: Japanese only, no cases (one implicit case), an introduction, a free-form
  section with an image and a link into its ``assets/`` (one in a sub-folder, with a space in its
  name), a symbolic link in ``assets/`` (the site must not copy it; kb.content.load refuses a link to
  one, so the text only names it), and a message with escaped braces (``{{{{tenant}}}}`` is a
  literal ``{{tenant}}``);
- ``acme-gateway-crash``: Japanese only, with declared cases, a model number, a not-affected model
  and a KB id;
- ``acme-howto``: English only, no cases, no vendor, no products: a how-to whose steps sit in a
  free-form section, the second list starting at 3, a file name (``cron.log``) and a ``kb:`` link to
  the Japanese-only one.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUNDLED = PROJECT_ROOT / "content"

JA_ONLY = "acme-mail-stuck"
JA_ONLY_CASES = "acme-gateway-crash"
EN_ONLY = "acme-howto"

# queries that find them (what the tests search for, and expect)
MESSAGE_QUERY = "2024-05-01 10:00 SmtpRelayDenied: relay for bob@example.com refused by policy ACME-77 {{tenant}}"
MODEL_QUERY = "AGW2000X"
HOWTO_QUERY = "export contacts vcard exporter"
TYPED_REFERENCE = "kb-5012345 について"  # a declared reference that the advisory's text never writes
QUERIES = [
    MESSAGE_QUERY,
    "SmtpRelayDenied refused by policy",
    MODEL_QUERY,
    "AGW1000X",
    "KB5012345",
    TYPED_REFERENCE,
    HOWTO_QUERY,
    "連絡先 エクスポート",
    "送信トレイにメールが残る",
    "queue retries quota",
    "ゲートウェイ 再起動",
    # a file name is also its words (kb.text.analysis WORDY_ID_KINDS)
    "cron.log",
    "export log",
    # English words with glossary translations (delete -> 削除, attachment -> 添付): they count in the
    # Japanese-only advisory's text, and only there
    "delete the attachment",
    "outbox attachment quota",
]


def png(width: int = 48, height: int = 24, rgb: tuple[int, int, int] = (11, 92, 173)) -> bytes:
    """A small valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


FILES: dict[str, str] = {
    f"{JA_ONLY}/advisory.yaml": """\
id: acme-mail-stuck
vendor: Acme
products:
  - name: Acme Mail
    aliases: [AM]
published: 2024-05-02
messages:
  - id: smtp-reject
    kind: app-log
    source: AcmeRelay
    text: "SmtpRelayDenied: relay for {{rcpt:word}} refused by policy ACME-77 {{{{tenant}}}}"
""",
    f"{JA_ONLY}/ja.md": """\
---
title: 送信トレイにメールが残り送信されない
summary: 大きな添付ファイルを付けたメールが送信トレイに滞留し、送信されません。
---

大きな添付ファイルを付けたメールが送信トレイに滞留することがあります。

## 症状

メールが送信されず、送信トレイに残ります。

## 背景情報

この現象はクォータ超過の際に、キューの再試行が打ち切られるために起こります。

![送信トレイの画面](assets/screen.png)

[送信ログの例](assets/logs/mail%20log.txt) ・ リンク先の外

## 対処方法

1. 添付ファイルを削除します。
2. 再送信します。
""",
    f"{JA_ONLY}/assets/logs/mail log.txt": "2024-05-01 10:00 SmtpRelayDenied: relay for bob@example.com refused by policy ACME-77 {{tenant}}\n",
    f"{JA_ONLY_CASES}/advisory.yaml": """\
id: acme-gateway-crash
vendor: Acme
products:
  - name: Acme Gateway
references:
  - id: KB5012345
cases:
  - id: v2
    applies_to:
      - models: [AGW2000X, AGW2100X]
    not_affected:
      - model: AGW1000X
        reason: {ja: 旧ファームウェアには該当機能がないため, en: The old firmware lacks the feature}
""",
    f"{JA_ONLY_CASES}/ja.md": """\
---
title: ゲートウェイが定期的に再起動する
summary: AGW2000X シリーズで、負荷が高いときにゲートウェイが再起動します。
---

# v2: ファームウェア 2.x の場合

## 現象

負荷が高いときにゲートウェイが再起動します。

## 回避方法

1. 管理画面にログインします。
2. 以下の手順で負荷分散を無効にします。
   1. 設定画面を開きます。
   2. 負荷分散のチェックを外します。
   3. ①～②の後、保存します。
""",
    f"{EN_ONLY}/advisory.yaml": "id: acme-howto\n",
    f"{EN_ONLY}/en.md": """\
---
title: How to export contacts from Acme Mail
---

Contacts can be exported as a CSV file or with the vCard exporter. Mail stuck in the outbox:
see [the Japanese advisory](kb:acme-mail-stuck#main).

Export steps
------------

1. Open Settings.
2. Choose Export.

Then, for the vCard exporter:

3. Choose vCard.
4. Save the file.

Notes
-----

- # not a heading, just text
- Scheduled exports write what they did to cron.log.
""",
}


def write_mixed_content(root: Path, bundled: bool = True) -> Path:
    """``root/content``: the bundled advisories (unless ``bundled`` is false) and the three above."""
    content = root / "content"
    if bundled:
        shutil.copytree(BUNDLED, content, ignore=shutil.ignore_patterns("README.md"))
    for rel, text in FILES.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    (content / JA_ONLY / "assets" / "screen.png").write_bytes(png())
    outside = root / "outside.txt"
    outside.write_text("not part of the content\n", "utf-8")
    os.symlink(outside, content / JA_ONLY / "assets" / "outside.txt")  # the site must not copy it
    return content
