"""Synthetic bilingual advisories in the on-disk content format, for relevance tests and benchmarks.

    python -m tools.synthetic OUT N [--seed S] [--mixed]

writes ``N`` advisory folders (``advisory.yaml``, ``ja.md``, ``en.md``) under ``OUT`` and prints
their ids. :func:`write_corpus` does the same from Python. The output passes ``kb check``.
``--mixed`` (``mixed=True``) makes some advisories single-language (only ``ja.md`` or only
``en.md``) and some caseless (no ``cases`` in advisory.yaml: one implicit case), chosen by number
(see :func:`variant`); without it the output is the same as ever.

Two uses:

* **Near-miss distractors** for the relevance set (``tests/relevance/queries.yaml``). The first
  1,000 advisories are almost all look-alikes of the two bundled advisories: Fujitsu PRIMERGY FT
  servers with Endurance and a Windows update, Trend Micro services that start and then stop or
  report ``errcode=...``, and Windows update problems. They share vocabulary, message shapes and
  near values (``PGT20146F3``, ``MS05-019``, ``errcode=-108``, ``MRFServer.cpp|112``) but never the
  identifying values of the real advisories (see ``FORBIDDEN_*``), so every relevance query keeps
  exactly one right answer.
* **Scale** for benchmarks: 10,000 advisories in a few seconds. From advisory 1,000 on, a quarter
  are generic server/storage/backup advisories from other vendors, so the vocabulary keeps growing.

Deterministic: advisory ``i`` depends only on ``(seed, i)``. Prose comes from templates and word
pools written in parallel Japanese and English; ids look like ``syn-fujitsu-00042``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

# --- what the synthetic corpus must never contain ------------------------------------------------

FORBIDDEN_MODELS = frozenset(f"PGT201{a}{b}F{s}" for a in "246" for b in "467" for s in ("", "2")) | {
    "PRIMERGY TX150FT S2",
    "TX150FT S2",
    "PGT99999F2",
}
"""The bundled Fujitsu advisory's model numbers (and its not-affected model, and a negative query)."""

FORBIDDEN_REFERENCES = frozenset({"MS05-018", "KB890859", "890859", "MS05-099"})
FORBIDDEN_ERRCODES = frozenset({-107, -999})
FORBIDDEN_FILES = frozenset(
    {
        "mrf.exe",
        "MRF_CM.dll",
        "libTMI_DataMarshal.dll",
        "libMRF_Entity.dll",
        "libMRF_DM.dll",
        "libMRF_Common.dll",
        "libMRF_CM.dll",
        "libMRF_AP.dll",
        "MtcCeb.exe",
    }
)
FORBIDDEN_VERSIONS = frozenset({"1.12.0.1156", "1.12.0.1266", "V1.0L10", "V1.0L20", "V1.0L40"})
FORBIDDEN_PHRASES = (
    "Trend Micro Management Infrastructure service",
    "Trend Micro Management Infrastructure サービス",
    "MRFServer.cpp|108",
    "Apex Central",
    "SPEMC",
    "SPNAF",
    "SPNT",
    "filegroup100",
)
"""Texts that would make a relevance query ambiguous; none occurs anywhere in the output."""

NEAR_MISS_SHARE = 1000
"""Advisories ``0 .. NEAR_MISS_SHARE-1`` are (almost) all near misses of the bundled two."""

Pair = tuple[str, str]  # (ja, en)


# --- specs -------------------------------------------------------------------------------------


@dataclass
class Step:
    text: Pair
    notes: list[Pair] = field(default_factory=list)
    subs: list[Pair] = field(default_factory=list)


@dataclass
class CaseSpec:
    id: str
    title: Pair
    applies_to: list[dict]
    messages: list[dict]
    sections: dict[str, Pair]  # conditions / symptoms / cause / resolution / notes
    workaround: list[tuple[Pair | None, list[Step]]] = field(default_factory=list)
    not_affected: list[dict] = field(default_factory=list)
    fix: dict | None = None
    files: list[dict] = field(default_factory=list)


@dataclass
class AdvisorySpec:
    id: str
    vendor: str
    products: list[dict]
    references: list[dict]
    published: str
    title: Pair
    summary: Pair
    cases: list[CaseSpec]
    intro: Pair | None = None


class Ctx:
    """Values to fill prose templates with, per language."""

    __slots__ = ("en", "ja")

    def __init__(self) -> None:
        self.ja: dict[str, str] = {}
        self.en: dict[str, str] = {}

    def set(self, key: str, ja: str, en: str | None = None) -> None:
        self.ja[key] = ja
        self.en[key] = ja if en is None else en

    def f(self, pair: Pair) -> Pair:
        return pair[0].format_map(self.ja), pair[1].format_map(self.en)

    def copy(self) -> Ctx:
        c = Ctx()
        c.ja, c.en = dict(self.ja), dict(self.en)
        return c


def _join(pairs: list[Pair], sep: str = "\n\n") -> Pair:
    return sep.join(p[0] for p in pairs), sep.join(p[1] for p in pairs)


def _bullets(pairs: list[Pair]) -> Pair:
    return "\n".join("- " + p[0] for p in pairs), "\n".join("- " + p[1] for p in pairs)


def _loc(pair: Pair) -> dict:
    return {"ja": pair[0], "en": pair[1]}


def _msg(mid: str, kind: str, text: str | Pair, source: str | None = None, event_id: int | None = None, group: Pair | None = None) -> dict:
    m: dict = {"id": mid, "kind": kind}
    if source:
        m["source"] = source
    if event_id is not None:
        m["event_id"] = event_id
    if group:
        m["group"] = _loc(group)
    m["text"] = text if isinstance(text, str) else _loc(text)
    return m


def _hexval(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(8))


def _pick(rng: random.Random, pool: list, k: int) -> list:
    return rng.sample(pool, min(k, len(pool)))


def _ordered_subset(rng: random.Random, pool: list, lo: int, hi: int) -> list:
    k = min(len(pool), rng.randint(lo, hi))
    idx = sorted(rng.sample(range(len(pool)), k))
    return [pool[i] for i in idx]


def _version(rng: random.Random, majors: tuple[int, ...]) -> tuple[str, str]:
    """A (from, to) pair of four-part file versions; never one of the bundled advisory's."""
    while True:
        major, minor = rng.choice(majors), rng.randint(0, 14)
        a = rng.randint(1000, 4800)
        b = a + rng.randint(4, 180)
        old, new = f"{major}.{minor}.0.{a}", f"{major}.{minor}.0.{b}"
        if old not in FORBIDDEN_VERSIONS and new not in FORBIDDEN_VERSIONS:
            return old, new


def _date(rng: random.Random, lo: int = 2003, hi: int = 2024) -> str:
    return f"{rng.randint(lo, hi)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


# --- shared message pools (Windows) ---------------------------------------------------------------
# Message texts are not run through str.format: they contain braces. %X% marks are replaced by hand.

NTFS_MESSAGES: list[tuple[int, Pair]] = [
    (
        57,
        (
            "ボリューム {{volume:drive=D:}} のトランザクション ログにデータをフラッシュできませんでした。破損が発生する可能性があります。",
            "The system failed to flush data to the transaction log for volume {{volume:drive=D:}}. Corruption may occur.",
        ),
    ),
    (
        55,
        (
            "ボリューム {{volume:drive=D:}} のファイル システム構造に破損が見つかりました。",
            "A corruption was discovered in the file system structure on volume {{volume:drive=D:}}.",
        ),
    ),
    (
        137,
        (
            "ボリューム {{volume:drive=E:}} の既定のトランザクション リソース マネージャーで再試行不可能なエラーが発生したため、開始できませんでした。",
            "The default transaction resource manager on volume {{volume:drive=E:}} encountered a non-retryable error and could not start.",
        ),
    ),
    (
        98,
        (
            "ボリューム {{volume:drive=C:}} ({{device:path=\\Device\\HarddiskVolume2}}) で完全な Chkdsk を実行するには、ボリュームをオフラインにする必要があります。",
            "Volume {{volume:drive=C:}} ({{device:path=\\Device\\HarddiskVolume2}}) needs to be taken offline to perform a Full Chkdsk.",
        ),
    ),
    (
        50,
        (
            "{遅延書き込みの失敗} ファイル {{file:path=C:\\$Mft}} のデータの一部を保存できませんでした。データは失われました。",
            "{Delayed Write Failed} Windows was unable to save all the data for the file {{file:path=C:\\$Mft}}. The data has been lost.",
        ),
    ),
    (
        140,
        (
            "ボリューム {{volume:drive=F:}} への書き込み操作を完了できませんでした。ディスクの空き容量を確認してください。",
            "The system failed to complete a write operation on volume {{volume:drive=F:}}. Check the free space on the disk.",
        ),
    ),
]

POPUP_MESSAGES: list[Pair] = [
    (
        "アプリケーション ポップアップ: {{name=(ファイル名)}} - システム エラー : ファイル {{dir:path=C:\\WINDOWS\\system32}} が見つかりません。名前を正しく入力したかどうかを確認してください。",
        "Application popup: {{name=(file name)}} - System Error : Windows cannot find the file {{dir:path=C:\\WINDOWS\\system32}}. Make sure you typed the name correctly.",
    ),
    (
        "アプリケーション ポップアップ: Windows - 遅延書き込みデータの喪失 : ファイル {{dir:path=C:\\Data}} のデータの一部を保存できませんでした。データが失われました。",
        "Application popup: Windows - Delayed Write Failed : Windows was unable to save all the data for the file {{dir:path=C:\\Data}}. The data has been lost.",
    ),
    (
        "アプリケーション ポップアップ: {{name=(サービス名)}} - アプリケーション エラー : アプリケーションを正しく初期化できませんでした ({{code:hex=0xc0000142}})。[OK] をクリックしてアプリケーションを終了してください。",
        "Application popup: {{name=(service name)}} - Application Error : The application failed to initialize properly ({{code:hex=0xc0000142}}). Click on OK to terminate the application.",
    ),
    (
        "アプリケーション ポップアップ: {{name=(ファイル名)}} - 壊れたファイル : ファイルまたはディレクトリ {{dir:path=D:\\Share}} の読み取り中にエラーが発生しました。",
        "Application popup: {{name=(file name)}} - Corrupt File : An error occurred while reading the file or directory {{dir:path=D:\\Share}}.",
    ),
    (
        "アプリケーション ポップアップ: Windows - 仮想メモリ不足 : システムの仮想メモリが不足しています。Windows によって仮想メモリのページング ファイルのサイズが増やされています。",
        "Application popup: Windows - Virtual Memory Minimum Too Low : Your system is low on virtual memory. Windows is increasing the size of your virtual memory paging file.",
    ),
]

DCOM_MESSAGES: list[tuple[int, Pair]] = [
    (
        10010,
        (
            "サーバー {{clsid:guid={9B1F122C-2982-4E91-AA8B-E071D54F2A4D}}} は、必要なタイムアウト期間内に DCOM に登録しませんでした。",
            "The server {{clsid:guid={9B1F122C-2982-4E91-AA8B-E071D54F2A4D}}} did not register with DCOM within the required timeout.",
        ),
    ),
    (
        10016,
        (
            "アプリケーション固有のアクセス許可の設定では、CLSID {{clsid:guid}} の COM サーバー アプリケーションに対するローカル アクティブ化のアクセス許可を、アドレス LocalHost (LRPC 使用) で実行中のユーザー {{user=NT AUTHORITY\\NETWORK SERVICE}} に与えることはできません。",
            "The application-specific permission settings do not grant Local Activation permission for the COM Server application with CLSID {{clsid:guid}} to the user {{user=NT AUTHORITY\\NETWORK SERVICE}} from address LocalHost (Using LRPC).",
        ),
    ),
    (
        10005,
        (
            'DCOM は、サーバー {{clsid:guid}} を実行するため、引数 "" を使用してサービス {{service:word=wuauserv}} を開始しようとして、エラー "{{err=1058}}" を受け取りました。',
            'DCOM got error "{{err=1058}}" attempting to start the service {{service:word=wuauserv}} with arguments "" in order to run the server: {{clsid:guid}}',
        ),
    ),
    (
        10000,
        (
            "DCOM サーバーを {{user=NT AUTHORITY\\SYSTEM}} として起動できません: {{clsid:guid}}。エラー: “アクセスが拒否されました。” は、次のコマンドの起動中に発生しました :: {{command:path=C:\\WINDOWS\\system32\\dllhost.exe}}",
            'Unable to start a DCOM Server: {{clsid:guid}} as {{user=NT AUTHORITY\\SYSTEM}}. The error: "Access is denied." Happened while starting this command: {{command:path=C:\\WINDOWS\\system32\\dllhost.exe}}',
        ),
    ),
]

SXS_MESSAGES: list[Pair] = [
    (
        "{{name=(ファイル名)}} のアクティブ化コンテキストの生成に失敗しました。依存アセンブリ {{assembly=Microsoft.VC80.CRT}} が見つかりませんでした。",
        "Activation context generation failed for {{name=(file name)}}. Dependent Assembly {{assembly=Microsoft.VC80.CRT}} could not be found.",
    ),
    (
        "Resolve Partial Assembly が {{name=(ファイル名)}} に失敗しました。参照エラー メッセージ : 指定されたファイルが見つかりません。",
        "Resolve Partial Assembly failed for {{name=(file name)}}. Reference error message: The system cannot find the file specified.",
    ),
    (
        "Generate Activation Context が {{name=(ファイル名)}} に失敗しました。参照エラー メッセージ : 参照されたアセンブリはシステムにインストールされていません。",
        "Generate Activation Context failed for {{name=(file name)}}. Reference error message: The referenced assembly is not installed on your system.",
    ),
]

STOP_CODES = [
    "0x0000007e",
    "0x000000d1",
    "0x00000050",
    "0x0000001e",
    "0x00000024",
    "0x0000007b",
    "0x000000c2",
    "0x0000008e",
    "0x000000ea",
    "0x00000077",
]

WIN_UPDATE_MESSAGES: list[Pair] = [
    (
        "インストールの失敗: エラー {{code:hex=0x80070643}} により、次の更新プログラムのインストールに失敗しました: %KB%",
        "Installation Failure: Windows failed to install the following update with error {{code:hex=0x80070643}}: %KB%.",
    ),
    (
        "更新プログラム %KB% の構成中にエラー {{code:hex=0x800f0922}} が発生しました。変更を元に戻しています。",
        "An error {{code:hex=0x800f0922}} occurred while configuring update %KB%. Reverting changes.",
    ),
]

SCM_TEMPLATES: list[tuple[str, int, Pair]] = [
    (
        "started-stopped",
        0,
        (
            "ローカル コンピューター上の %SVC% サービスは起動して停止しました。サービスの中には、ほかのサービスやプログラムで使用されていない場合は自動的に停止するものがあります。",
            "The %SVC% service on Local Computer started and then stopped. Some services stop automatically if they are not in use by other services or programs.",
        ),
    ),
    (
        "started-stopped",
        0,
        (
            "ローカルコンピュータ上の%SVC% サービスは起動して停止しました。サービスの中には、ほかのサービスやプログラムで使用されていない場合は自動的に停止するものがあります。",
            "The %SVC% service on Local Computer started and then stopped. Some services stop automatically if they are not in use by other services or programs.",
        ),
    ),
    (
        "specific-error",
        7024,
        (
            "%SVC% サービスは、サービス固有のエラー {{code:number=-2147024891}} で終了しました。",
            "The %SVC% service terminated with service-specific error {{code:number=-2147024891}}.",
        ),
    ),
    (
        "start-timeout",
        7000,
        (
            "%SVC% サービスを、次のエラーが原因で開始できませんでした: そのサービスは指定時間内に開始要求または制御要求に応答しませんでした。",
            "The %SVC% service failed to start due to the following error: The service did not respond to the start or control request in a timely fashion.",
        ),
    ),
    (
        "terminated",
        7031,
        (
            "%SVC% サービスは予期せぬ原因により終了しました。このサービスの強制終了は {{count:number=1}} 回目です。",
            "The %SVC% service terminated unexpectedly. It has done this {{count:number=1}} time(s).",
        ),
    ),
    (
        "logon-failed",
        7038,
        (
            "%SVC% サービスは、現在構成されているパスワードを使って {{account=.\\Administrator}} としてログオンできませんでした。",
            "The %SVC% service was unable to log on as {{account=.\\Administrator}} with the currently configured password.",
        ),
    ),
]


def windows_messages(rng: random.Random, k: int, ctx: Ctx, group: Pair | None = None) -> list[dict]:
    """``k`` Windows event-log / popup / STOP messages with placeholders, of varied kinds."""
    kinds = ["ntfs", "popup", "dcom", "sxs", "stop", "update"]
    out: list[dict] = []
    for kind in _pick(rng, kinds, k):
        if kind == "ntfs":
            eid, text = rng.choice(NTFS_MESSAGES)
            out.append(_msg(f"ntfs-{eid}", "event-log", text, "Ntfs", eid, group))
        elif kind == "popup":
            text = rng.choice(POPUP_MESSAGES)
            out.append(
                _msg("application-popup", "popup" if rng.random() < 0.3 else "event-log", text, "Application Popup", rng.choice((26, 26, 50)), group)
            )
        elif kind == "dcom":
            eid, text = rng.choice(DCOM_MESSAGES)
            out.append(_msg(f"dcom-{eid}", "event-log", text, "DCOM", eid, group))
        elif kind == "sxs":
            out.append(_msg("sidebyside", "event-log", rng.choice(SXS_MESSAGES), "SideBySide", rng.choice((32, 33, 59, 63)), group))
        elif kind == "stop":
            code = rng.choice(STOP_CODES)
            params = ", ".join(f"{{{{p{i}:hex={_hexval(rng)}}}}}" for i in range(1, 5))
            out.append(_msg(f"stop-{code}", "stop-code", f"{code} ({params})", None, None, group))
        else:
            ja, en = rng.choice(WIN_UPDATE_MESSAGES)
            kb = ctx.en.get("kb", "KB893066")
            out.append(
                _msg(
                    "update-failed",
                    "event-log",
                    (ja.replace("%KB%", kb), en.replace("%KB%", kb)),
                    "Windows Update Agent",
                    rng.choice((20, 24, 25)),
                    group,
                )
            )
    return out


# --- Fujitsu PRIMERGY FT + Endurance + a Windows update (near misses of the bundled Fujitsu one) --

BULLETINS: list[tuple[str, str, str]] = [
    # bulletin, KB, what it fixes (ja / en via BULLETIN_TOPICS)
    ("MS05-019", "KB893066", "tcpip"),
    ("MS05-017", "KB892944", "msmq"),
    ("MS04-011", "KB835732", "lsass"),
    ("MS05-016", "KB893086", "shell"),
    ("MS05-020", "KB890923", "ie"),
    ("MS05-021", "KB894549", "smtp"),
    ("MS04-012", "KB828741", "rpc"),
    ("MS05-015", "KB888113", "hyperlink"),
    ("MS05-011", "KB885250", "smb"),
    ("MS04-044", "KB885835", "kernel"),
    ("MS05-027", "KB896422", "smb"),
    ("MS05-024", "KB894320", "webview"),
    ("MS05-012", "KB873333", "ole"),
    ("MS04-007", "KB828028", "asn1"),
]
NEAR_KB_ALIASES = ["KB890860", "KB890858", "KB890857", "KB890869", "KB890589", "KB809859"]
BULLETIN_TOPICS: dict[str, Pair] = {
    "tcpip": ("TCP/IP の脆弱性", "a TCP/IP vulnerability"),
    "msmq": ("Message Queuing の脆弱性", "a Message Queuing vulnerability"),
    "lsass": ("LSASS の脆弱性", "an LSASS vulnerability"),
    "shell": ("Windows シェルの脆弱性", "a Windows Shell vulnerability"),
    "ie": ("Internet Explorer の累積的なセキュリティ更新", "a cumulative security update for Internet Explorer"),
    "smtp": ("Exchange Server の SMTP の脆弱性", "an SMTP vulnerability in Exchange Server"),
    "rpc": ("RPC/DCOM の脆弱性", "an RPC/DCOM vulnerability"),
    "hyperlink": ("ハイパーリンク オブジェクト ライブラリの脆弱性", "a Hyperlink Object Library vulnerability"),
    "smb": ("サーバー メッセージ ブロック (SMB) の脆弱性", "a Server Message Block (SMB) vulnerability"),
    "kernel": ("Windows カーネルの脆弱性", "a Windows kernel vulnerability"),
    "webview": ("Web ビューの脆弱性", "a Web View vulnerability"),
    "ole": ("OLE および COM の脆弱性", "an OLE and COM vulnerability"),
    "asn1": ("ASN.1 ライブラリの脆弱性", "an ASN.1 library vulnerability"),
}

FT_PRODUCTS = [
    # name, aliases, model prefix
    ("PRIMERGY TX200FT S2", ["TX200FT S2", "IA サーバ PRIMERGY TX200FT S2"], "PGT2"),
    ("PRIMERGY TX300FT", ["TX300FT", "IA サーバ PRIMERGY TX300FT"], "PGT3"),
    ("PRIMERGY TX300FT S2", ["TX300FT S2"], "PGT3"),
    ("PRIMERGY TX200FT", ["TX200FT", "IA サーバ PRIMERGY TX200FT"], "PGT2"),
]
ENDURANCE = {"name": "Endurance", "aliases": ["Marathon Endurance", "Endurance ソフトウェア", "Endurance Manager"]}
ENDURANCE_ALT = {"name": "Marathon everRun FT", "aliases": ["everRun FT", "everRun"], "successor": "everRun MX"}

FT_CASES: list[tuple[str, Pair, Pair, str]] = [
    # case id, title, OS name, Endurance major version
    ("win2003", ("Windows 2003 タイプの場合", "Windows 2003 type"), ("Windows Server 2003", "Windows Server 2003"), "V6"),
    ("win2000", ("Windows 2000 タイプの場合", "Windows 2000 type"), ("Windows2000", "Windows 2000"), "V5"),
    (
        "win2003-sp1",
        ("Windows Server 2003 SP1 適用環境の場合", "Windows Server 2003 with SP1"),
        ("Windows Server 2003 SP1", "Windows Server 2003 SP1"),
        "V6",
    ),
    (
        "win2003-r2",
        ("Windows Server 2003 R2 タイプの場合", "Windows Server 2003 R2 type"),
        ("Windows Server 2003 R2", "Windows Server 2003 R2"),
        "V6",
    ),
    ("x64", ("x64 Edition の場合", "x64 Edition"), ("Windows Server 2003 x64 Edition", "Windows Server 2003 x64 Edition"), "V7"),
]
FT_CONDITIONS: list[Pair] = [
    ("OS を Windows Server 2003 にアップグレードした場合", "When the OS has been upgraded to Windows Server 2003"),
    ("Windows Server 2003 SP1 を適用した場合", "When Windows Server 2003 SP1 has been applied"),
    ("Endurance ソフトウェア V5 を使用している場合", "When Endurance software V5 is used"),
    ("拡張メモリボードを増設している場合", "When an extended memory board has been added"),
    ("LAN カードを二重化している場合", "When the LAN cards are duplexed"),
]
MTC_EXES = [
    "MtcNet.exe",
    "MtcDsk.exe",
    "MtcSvc.exe",
    "MtcIo.exe",
    "MtcLan.exe",
    "MtcScsi.exe",
    "MtcUsb.exe",
    "MtcMgr.exe",
    "MtcVid.exe",
    "MtcEvt.exe",
    "MtcRdr.exe",
    "MtcKbd.exe",
]
MTCSCP_TEXTS = [
    "Virtual Server{{x:number}} failed to synchronize.",
    "Failed to load %EXE% into Virtual Server{{x:number}}.",
    "Virtual Server{{x:number}} failed to start.",
    "Virtual Server{{x:number}} is degraded.",
    "Virtual Server{{x:number}} could not be restarted.",
    "Virtual Server{{x:number}} stopped responding to heartbeat requests.",
    "Virtual FTserver synchronization was aborted. The mirror set is not complete.",
    "The Windows operating system on the active Virtual Server(s) stopped responding.",
    "Virtual Server{{x:number}} failed to load the device redirector %EXE%.",
    "Virtual Server{{x:number}} was disabled by the administrator.",
    "Unable to unload %EXE% from Virtual Server{{x:number}}.",
]
MTCCOM_TEXTS = [
    "The CoServer Link is down.",
    "A message-receive timeout occurred which has caused loss of CoServer Link redundancy.",
    "CoServer Link {{link:number}} has been restored.",
    "Lost communication with the peer CoServer over CoServer Link {{link:number}}.",
    "A message-send retry limit was exceeded on CoServer Link {{link:number}}.",
]
KERNEL_TEXTS = [
    "The Endurance Kernel Driver detected a timeout.",
    "The Endurance Kernel Driver detected a memory parity error on CoServer{{n:number}}.",
    "The Endurance Kernel Driver could not allocate nonpaged pool memory.",
    "The Endurance Kernel Driver lost contact with the peer CoServer.",
]
FT_COMPONENTS = ["MtcNet", "MtcDsk", "MtcScp", "MtcCom", "Endurance Kernel Driver", "MtcSvc", "MtcIo"]

FT_SYMPTOMS: list[Pair] = [
    (
        "{update} ({kb}) を適用した後、FTvirtual Server が片系のみで運用される状態になり、もう一方の CoServer が切り離されます。",
        "After {update} ({kb}) is applied, the FTvirtual Server keeps running on one side only and the other CoServer is disconnected.",
    ),
    (
        "CoServer 間の通信が不安定になり、CoServer Link の冗長性が失われます。",
        "Communication between the CoServers becomes unstable and CoServer Link redundancy is lost.",
    ),
    (
        "Endurance Manager 上でコンポーネントが赤色で表示され、ミラーディスクの再構築が完了しません。",
        "Components are shown in red in Endurance Manager, and rebuilding of the mirrored disks does not finish.",
    ),
    (
        "FTvirtual Server の起動に時間がかかり、タイムアウトによって片方の CoServer が切り離されます。",
        "The FTvirtual Server takes a long time to start, and one CoServer is disconnected by a timeout.",
    ),
    (
        "再起動のたびに CoServer{n} がブルースクリーン (STOP エラー) で停止します。",
        "Every time it is restarted, CoServer{n} stops with a blue screen (STOP error).",
    ),
    (
        "ネットワークアダプタの二重化が解除され、FTvirtual Server から外部へ通信できなくなります。",
        "The duplexed network adapters are split and the FTvirtual Server can no longer communicate with the network.",
    ),
    (
        "{product} の管理ツールから FTvirtual Server の状態を取得できなくなります。",
        "The state of the FTvirtual Server can no longer be read from the {product} management tools.",
    ),
    (
        "ディスクのミラーリングが解除され、片方の CoServer のディスクが「無効」と表示されます。",
        'Disk mirroring is broken and the disk of one CoServer is shown as "Disabled".',
    ),
    ("シャットダウン処理が完了せず、CoServer の電源が切れない状態になります。", "Shutdown does not complete and the CoServer cannot be powered off."),
    (
        "{component} が読み込まれず、USB 機器やテープ装置を FTvirtual Server から使用できなくなります。",
        "{component} is not loaded, and USB devices and tape drives can no longer be used from the FTvirtual Server.",
    ),
    (
        "高負荷時に FTvirtual Server の応答が数分間止まり、その間の業務処理がタイムアウトします。",
        "Under heavy load the FTvirtual Server stops responding for several minutes and business transactions time out.",
    ),
]
FT_CAUSES: list[Pair] = [
    (
        "{update} ({kb}) に含まれる {os} のファイル更新により、Endurance ソフトウェアの {component} が正しく読み込まれなくなるためです。",
        "The {os} file updates in {update} ({kb}) prevent the {component} of the Endurance software from loading correctly.",
    ),
    (
        "{update} で変更されたカーネルのメモリ管理と、Endurance ソフトウェアのドライバとの互換性の問題です。",
        "It is a compatibility problem between the kernel memory management changed by {update} and the Endurance software drivers.",
    ),
    (
        "CoServer Link のタイムアウト値が、{update} 適用後の起動時間に対して短すぎるためです。",
        "The CoServer Link timeout is too short for the start-up time after {update} is applied.",
    ),
    (
        "Endurance ソフトウェアの {component} に、{os} 上で特定の条件が重なると処理が中断される不具合があります。",
        "The {component} of the Endurance software has a defect that aborts its processing on {os} when certain conditions coincide.",
    ),
    (
        "{topic}に対応する {update} により、{component} が使用するシステムファイルのバージョンが変わるためです。",
        "{update}, the update for {topic_en}, changes the version of a system file that {component} uses.",
    ),
]
FT_RESOLUTIONS: list[Pair] = [
    (
        "{update} を適用する前に、富士通のサポートサイトから緊急修正モジュール「{fix}」をダウンロードし、適用してください。",
        'Before you apply {update}, download the emergency fix module "{fix}" from the Fujitsu support site and apply it.',
    ),
    (
        "緊急修正モジュール「{fix}」を FTvirtual Server と両方の CoServer に適用してから、{update} を適用しなおしてください。",
        'Apply the emergency fix module "{fix}" to the FTvirtual Server and to both CoServers, and then apply {update} again.',
    ),
    (
        "担当の保守員に連絡し、緊急修正モジュール「{fix}」(もしくはそれ以降のバージョン) の提供を受けてください。",
        'Contact your maintenance engineer to obtain the emergency fix module "{fix}" (or a later version).',
    ),
    (
        "FMWORLD.NET の「ダウンロード検索」から「{fix}」を入手し、手順書に従って適用してください。",
        'Get "{fix}" from "Download search" on FMWORLD.NET and apply it as described in its instructions.',
    ),
]
FT_STEPS: list[Pair] = [
    (
        "緊急修正モジュールを適用するまで、{update} ({kb}) の適用を保留してください。",
        "Postpone applying {update} ({kb}) until the emergency fix module has been applied.",
    ),
    ("CoServer{n} を起動し、もう一方の CoServer は電源を切った状態にします。", "Start CoServer{n} and keep the other CoServer powered off."),
    ("「コントロールパネル」→「プログラムの追加と削除」を開きます。", "Open Control Panel > Add or Remove Programs."),
    ("「{os} ホットフィックス {kb}」を選択し、[削除] ボタンを押します。", 'Select "{os} Hotfix - {kb}" and click [Remove].'),
    (
        "CoServer を再起動し、Endurance Manager ですべてのコンポーネントが緑色で表示されることを確認します。",
        "Restart the CoServer and check in Endurance Manager that every component is shown in green.",
    ),
    (
        "Endurance Manager で「Virtual Server{x}」を右クリックし、「同期」をクリックします。",
        'In Endurance Manager, right-click "Virtual Server{x}" and click Synchronize.',
    ),
    (
        "処理が完了するまで待ってから、緊急修正モジュール「{fix}」を適用します。",
        'Wait until the operation completes, and then apply the emergency fix module "{fix}".',
    ),
    ("イベントログを保存し、担当保守員へ送付してください。", "Save the event logs and send them to your maintenance engineer."),
]
FT_NOTES: list[Pair] = [
    (
        "※ ファイルシステムに異常がある場合は、起動時に chkdsk が実行されることがあります。",
        "Note: If the file system is damaged, chkdsk may run during start-up.",
    ),
    (
        "※ 「ホストに接続」の画面が表示された場合は、しばらく待ってから [接続] をクリックしてください。",
        'Note: If a "Connect to Host" screen appears, wait a while and then click [Connect].',
    ),
    ("※ 緑色の表示は正常状態を意味しています。", "Note: Green means the normal state."),
]
FT_PROC_CONDITIONS: list[tuple[Pair, Pair]] = [
    (
        ("FTvirtual Server が起動する場合", "When the FTvirtual Server starts"),
        ("FTvirtual Server が起動しない場合", "When the FTvirtual Server does not start"),
    ),
    (
        ("CoServer にログインできる場合", "When you can log in to the CoServer"),
        ("CoServer にログインできない場合", "When you cannot log in to the CoServer"),
    ),
    (
        ("Endurance Manager が起動する場合", "When Endurance Manager starts"),
        ("Endurance Manager が起動しない場合", "When Endurance Manager does not start"),
    ),
]
FT_TITLES: list[Pair] = [
    ("{product} に {update} ({kbnum}) を適用する際の留意事項", "Notes on applying {update} ({kbnum}) to the {product}"),
    (
        "セキュリティ更新プログラム ({kbnum}) ({update}) 適用後に FTvirtual Server が片系で運用される",
        "The FTvirtual Server runs on one side after the security update ({kbnum}) ({update}) is applied",
    ),
    ("{product} で CoServer が STOP エラーで停止する ({update})", "A CoServer stops with a STOP error on the {product} ({update})"),
    (
        "{product} の Endurance ソフトウェアに関する緊急修正のお知らせ ({update})",
        "Emergency fix for the Endurance software of the {product} ({update})",
    ),
]


def _ft_models(rng: random.Random, prefix: str, k: int, wide: bool = False) -> list[str]:
    """``k`` model numbers near the bundled ones; ``wide`` draws from a far larger space (few repeats at scale)."""
    out: list[str] = []
    favourites = ["PGT20146F3", "PGT20148F2", "PGT20246F2", "PGT20144F3", "PGT20166F3"] if prefix == "PGT2" else ["PGT30146F2", "PGT30246F2"]
    while len(out) < k:
        if wide:
            m = f"{prefix}{rng.randint(0, 9999):04d}F{rng.choice(('', '2', '3'))}"
        elif rng.random() < 0.15:
            m = rng.choice(favourites)
        else:
            m = f"{prefix}0{rng.choice('123')}{rng.choice('2468')}{rng.choice('34678')}F{rng.choice(('', '2', '3'))}"
        if m not in FORBIDDEN_MODELS and m not in out:
            out.append(m)
    return sorted(out)


def _fix_level(rng: random.Random) -> str:
    while True:
        v = f"V1.0L{rng.choice((11, 12, 21, 22, 30, 31, 33, 41, 50, 51, 60, 62, 70))}"
        if v not in FORBIDDEN_VERSIONS:
            return v


def fujitsu_advisory(rng: random.Random, aid: str, wide: bool = False) -> AdvisorySpec:
    pname, paliases, prefix = rng.choice(FT_PRODUCTS)
    bulletin, kb, topic = rng.choice(BULLETINS)
    if wide and rng.random() < 0.7:
        bulletin, kb = _wide_reference(rng)
    kbnum = kb[2:]
    refs_aliases = [kb] + ([rng.choice(NEAR_KB_ALIASES)] if rng.random() < 0.2 else [])
    ctx = Ctx()
    ctx.set("product", pname)
    ctx.set("update", bulletin)
    ctx.set("kb", kb)
    ctx.set("kbnum", kbnum)
    ctx.set("topic", BULLETIN_TOPICS[topic][0])
    ctx.set("topic_en", BULLETIN_TOPICS[topic][1])
    endurance = ENDURANCE if rng.random() < 0.8 else ENDURANCE_ALT
    cases = []
    for cid, ctitle, os_name, emajor in _pick(rng, FT_CASES, rng.choice((1, 1, 2, 2, 3))):
        c = ctx.copy()
        c.set("os", *os_name)
        c.set("n", str(rng.randint(1, 2)))
        c.set("x", str(rng.randint(1, 2)))
        c.set("component", rng.choice(FT_COMPONENTS))
        level = _fix_level(rng)
        short = pname.replace("PRIMERGY ", "")
        fix: Pair = (
            f"PRIMERGY {short}({os_name[0]} タイプ) Endurance ソフトウェア {emajor} 緊急修正 {level}",
            f"PRIMERGY {short} ({os_name[1]} type) Endurance software {emajor} emergency fix {level}",
        )
        c.ja["fix"], c.en["fix"] = fix
        models = _ft_models(rng, prefix, rng.randint(3, 9), wide)
        applies: list[dict] = [{"models": models}]
        cond_models: list[str] = []
        if rng.random() < 0.4:
            cond_models = [m for m in _ft_models(rng, prefix, rng.randint(2, 5), wide) if m not in models]
            if cond_models:
                cond = rng.choice(FT_CONDITIONS[2:] if cid == "win2000" else [x for k, x in enumerate(FT_CONDITIONS) if k != 2])
                applies.append({"models": cond_models, "condition": _loc(cond)})
        if rng.random() < 0.3:
            applies.append({"product": endurance["name"], "versions": [f"{emajor}.{rng.randint(0, 3)}"]})
        not_affected = []
        notes: list[Pair] = []
        if rng.random() < 0.35:
            na = rng.choice(["PRIMERGY TX300FT S2", "PGT30146F2", "PRIMERGY TX200FT S3", "PGT20246F3"])
            if na not in models and na not in cond_models:
                reason = (
                    "緊急修正モジュールが適用済みのため、本対処は必要ありません",
                    "The emergency fix module is already applied, so no action is needed",
                )
                not_affected.append({"model": na, "reason": _loc(reason)})
                notes.append(
                    (
                        f"{na} につきましては、緊急修正モジュールが適用済みのため、本対処は必要ありません。",
                        f"The {na} already has the emergency fix module applied, so this procedure is not needed for it.",
                    )
                )
        if rng.random() < 0.25:
            not_affected.append(
                {
                    "product": endurance["name"],
                    "reason": _loc(
                        (
                            f"緊急修正モジュール「{fix[0]}」を適用済みの場合は発生しません",
                            f'The problem does not occur when the emergency fix module "{fix[1]}" is already applied',
                        )
                    ),
                }
            )
        group: Pair = rng.choice([("イベント一覧 ①", "Event list 1"), ("イベント一覧 ②", "Event list 2"), ("イベントログ一覧", "Event log list")])
        messages = []
        exe = rng.choice(MTC_EXES)
        # Windows 2000 cases never speak of synchronization: that is the bundled win2000 case's symptom.
        scp_pool = [t for t in MTCSCP_TEXTS if not (cid == "win2000" and "synchroniz" in t)]
        for k, t in enumerate(_pick(rng, scp_pool, rng.randint(1, 3))):
            messages.append(_msg(f"mtcscp-{k + 1}", "event-log", "CoServer{{n:number}}.MtcScp status: " + t.replace("%EXE%", exe), None, None, group))
        if rng.random() < 0.5:
            messages.append(_msg("mtccom", "event-log", "CoServer.MtcCom{{x:number}} status: " + rng.choice(MTCCOM_TEXTS), None, None, group))
        if rng.random() < 0.4:
            messages.append(_msg("kernel", "event-log", rng.choice(KERNEL_TEXTS), None, None, group))
        messages += windows_messages(
            rng, rng.randint(0, 3), c, rng.choice([group, ("STOP コード例", "STOP code example"), ("イベント一覧 ③", "Event list 3")])
        )
        files = []
        if rng.random() < 0.4:
            old, new = _version(rng, (5, 6, 7))
            names = sorted({exe, *(_pick(rng, ["mtcnet.sys", "mtcdsk.sys", "mtcscp.sys", "mtccom.sys", "mtckrnl.sys"], rng.randint(1, 3)))})
            files.append(
                {
                    "names": names,
                    "from_version": old,
                    "to_version": new,
                    "locations": [{"path": "C:\\Program Files\\Marathon\\Endurance\\bin", "role": "install"}],
                }
            )
            c.set("file", names[0])
        model_line = ", ".join(models)
        cond_bits: list[Pair] = [("対象型名は以下の通りです。", "The affected model numbers are:")]
        lines: list[Pair] = [(model_line, model_line)]
        if cond_models:
            cj, ce = applies[1]["condition"]["ja"], applies[1]["condition"]["en"]
            lines.append((f"※ {cj}: " + ", ".join(cond_models), f"Note: {ce}: " + ", ".join(cond_models)))
        conditions = _join(
            [
                cond_bits[0],
                _bullets(lines),
                c.f(
                    (
                        f"{{os}} の{rng.choice(('応急修正', 'セキュリティ更新プログラム'))} {{update}} ({{kb}}) を適用した場合に発生します。",
                        "The problem occurs when the {os} update {update} ({kb}) is applied.",
                    )
                ),
            ]
        )
        symptoms = [c.f(s) for s in _pick(rng, FT_SYMPTOMS, rng.randint(1, 3))]
        if len(symptoms) > 1 and rng.random() < 0.5:
            head = c.f(("{update} ({kb}) の適用後に、以下の現象が発生します。", "After {update} ({kb}) is applied, the following symptoms occur:"))
            symptoms_text = _join([head, _bullets(symptoms)])
        else:
            symptoms_text = _join(symptoms)
        sections = {
            "conditions": conditions,
            "symptoms": symptoms_text,
            "cause": c.f(rng.choice(FT_CAUSES)),
            "resolution": c.f(rng.choice(FT_RESOLUTIONS)),
        }
        if notes:
            sections["notes"] = _bullets(notes)
        steps_pool = [s for s in FT_STEPS if not (cid == "win2000" and "Synchronize" in s[1])]
        cases.append(
            CaseSpec(
                cid,
                ctitle,
                applies,
                messages,
                sections,
                _ft_workaround(rng, c, steps_pool),
                not_affected,
                {"name": _loc(fix), "version": level},
                files,
            )
        )
    title = ctx.f(rng.choice(FT_TITLES))
    summary = ctx.f(
        (
            "{product} に {update} ({kb}) を適用すると、"
            + rng.choice(
                [
                    "FTvirtual Server が片系で運用される",
                    "CoServer が停止する",
                    "CoServer Link の冗長性が失われる",
                    "ミラーディスクの再構築が終わらない",
                ]
            )
            + "などの問題が発生します。Endurance ソフトウェアの緊急修正モジュールを先に適用してください。",
            "Applying {update} ({kb}) to the {product} can cause problems such as "
            + rng.choice(
                [
                    "the FTvirtual Server running on one side",
                    "a CoServer stopping",
                    "loss of CoServer Link redundancy",
                    "mirrored disks that never finish rebuilding",
                ]
            )
            + ". Apply the Endurance software emergency fix module first.",
        )
    )
    intro = ("平素は、富士通製品をご愛用いただき誠にありがとうございます。", "Thank you for using Fujitsu products.") if rng.random() < 0.5 else None
    products = [{"name": pname, "aliases": paliases}, endurance]
    return AdvisorySpec(aid, "Fujitsu", products, [{"id": bulletin, "aliases": refs_aliases}], _date(rng, 2004, 2007), title, summary, cases, intro)


def _ft_workaround(rng: random.Random, c: Ctx, pool: list[Pair]) -> list[tuple[Pair | None, list[Step]]]:
    steps = [Step(c.f(s)) for s in _ordered_subset(rng, pool, 2, 6)]
    if rng.random() < 0.4:
        steps[rng.randrange(len(steps))].notes.append(rng.choice(FT_NOTES))
    if rng.random() < 0.15:
        steps[-1].subs.extend([c.f(FT_STEPS[2]), c.f(FT_STEPS[3])])
    if rng.random() < 0.3:
        yes, no = rng.choice(FT_PROC_CONDITIONS)
        head = steps[:1]
        a = [Step(c.f(s)) for s in _ordered_subset(rng, pool[2:], 2, 4)]
        b = [Step(c.f(s)) for s in _ordered_subset(rng, pool[1:], 2, 4)]
        return [(None, head), (yes, a), (no, b)]
    return [(None, steps)]


# --- Trend Micro (near misses of the bundled TMCM one) ------------------------------------------

TM_PRODUCTS: dict[str, dict] = {
    "tmcm": {
        "regkey": "TMI\\Agent",
        "name": "Trend Micro Control Manager",
        "aliases": ["TMCM", "Control Manager"],
        "short": "TMCM",
        "services": ["Trend Micro Management Infrastructure Agent", "Trend Micro Control Manager Remote Agent", "Trend Micro CM Log Receiver"],
        "versions": ["6.0 SP1", "6.0 SP2", "5.5 SP1", "7.0 Patch 1"],
        "files": [
            "mrfsvc.exe",
            "MRF_Agent.dll",
            "libTMI_Transport.dll",
            "libMRF_Net.dll",
            "libMRF_Log.dll",
            "libMRF_Util.dll",
            "TMI_Proxy.dll",
            "libcm_core.dll",
            "EntityMgr.dll",
            "libMRF_Session.dll",
        ],
        "dirs": ["COMMON\\TMI", "Control Manager", "Control Manager\\MCPAgent", "Control Manager\\WebUI\\download", "COMMON\\TMI\\backup2"],
    },
    "osce": {
        "regkey": "OfficeScan\\service\\Information",
        "name": "Trend Micro OfficeScan",
        "aliases": ["OfficeScan", "OSCE", "OfficeScan Corporate Edition"],
        "short": "OSCE",
        "services": ["OfficeScan Master Service", "OfficeScan NT RealTime Scan", "OfficeScan NT Listener"],
        "versions": ["XG SP1", "11.0 SP1", "10.6 SP3"],
        "files": ["ofcservice.exe", "TmListen.exe", "NTRtScan.exe", "TmPfw.exe", "CMAgent.dll", "OfcPfwSvc.exe", "tmproxy.dll"],
        "dirs": ["OfficeScan\\PCCSRV", "OfficeScan\\PCCSRV\\Private", "OfficeScan Client", "OfficeScan\\PCCSRV\\CmAgent"],
    },
    "apexone": {
        "regkey": "Apex One\\service",
        "name": "Trend Micro Apex One",
        "aliases": ["Apex One"],
        "short": "Apex One",
        "services": ["Trend Micro Apex One Master Service", "Apex One NT RealTime Scan", "Trend Micro Apex One Plug-in Manager"],
        "versions": ["2019", "SaaS", "2019 Patch 2"],
        "files": ["ofcservice.exe", "TmListen.exe", "PccNTMon.exe", "iCRCService.exe", "CMAgent.dll", "TmCCSF.exe"],
        "dirs": ["Apex One\\PCCSRV", "Apex One\\PCCSRV\\Private", "Security Agent", "Apex One\\PCCSRV\\CmAgent"],
    },
    "sp": {
        "regkey": "ServerProtect\\CurrentVersion",
        "name": "Trend Micro ServerProtect",
        "aliases": ["ServerProtect", "ServerProtect Normal Server"],
        "short": "ServerProtect",
        "services": ["ServerProtect Normal Server", "ServerProtect Information Server", "Trend ServerProtect Agent"],
        "versions": ["5.7", "5.7 Patch 3", "6.0 Patch 1"],
        "files": ["SpntSvc.exe", "SpntShare.exe", "RealTimeScan.dll", "vsapint.sys", "SpntAgent.dll"],
        "dirs": ["ServerProtect", "ServerProtect\\Agent", "ServerProtect\\backup"],
    },
    "ds": {
        "regkey": "Deep Security Agent\\Install",
        "name": "Trend Micro Deep Security",
        "aliases": ["Deep Security", "DSA", "Deep Security Agent"],
        "short": "Deep Security",
        "services": ["Trend Micro Deep Security Agent", "Trend Micro Deep Security Manager", "Trend Micro Deep Security Notifier"],
        "versions": ["9.6 SP1", "10.0 Update 3", "12.0"],
        "files": ["dsa.exe", "ds_agent.exe", "tmcomm.sys", "dsa_core.dll", "Notifier.exe"],
        "dirs": ["Deep Security Agent", "Deep Security Agent\\lib", "Deep Security Manager"],
    },
    "imss": {
        "regkey": "IMSS\\CurrentVersion",
        "name": "InterScan Messaging Security Suite",
        "aliases": ["IMSS", "InterScan"],
        "short": "IMSS",
        "services": ["InterScan Messaging Security Suite Master Service", "IMSS Policy Service", "IMSS Manager"],
        "versions": ["7.1 SP2", "7.5", "9.1"],
        "files": ["imssmgr.exe", "policy_server.exe", "imssps.dll", "libimss.dll"],
        "dirs": ["IMSS", "IMSS\\bin", "IMSS\\UI\\adminUI"],
    },
}
TM_COMBOS = [
    ("tmcm", "osce"),
    ("tmcm", "apexone"),
    ("tmcm", "ds"),
    ("tmcm", "imss"),
    ("apexone",),
    ("osce",),
    ("sp",),
    ("sp", "ds"),
    ("imss",),
    ("osce", "ds"),
    ("apexone", "ds"),
]
"""Product sets of one advisory. ServerProtect never comes with Control Manager (the bundled advisory's pair)."""

TM_COMPANIONS = [
    "Microsoft SQL Server 2016",
    "Microsoft SQL Server 2008 R2 Express",
    "Windows Server 2012 R2",
    "Microsoft IIS 10.0",
    "Microsoft Exchange Server 2013",
]
"""The other product of a one-product advisory (not listed as an advisory product)."""

TM_ERRCODES = [-101, -103, -105, -106, -108, -109, -110, -112, -115, -120]
TM_SOURCE_FILES = ["MRFServer.cpp", "MRFClient.cpp", "MCPAgent.cpp", "CMAgent.cpp", "TMIConn.cpp", "EntityMgr.cpp", "MRFSession.cpp"]
TM_COMPONENTS = [
    "Trend Micro Management Infrastructure (TMI)",
    "MCP Agent",
    "Control Manager Agent",
    "TMI Agent",
    "Trend Micro Messaging Framework (MRF)",
]
TM_ERROR_TEXTS: list[Pair] = [
    ("%COMP% が準備できていません。エラーメッセージ: errcode=%CODE%, %FILE%", "%COMP% is not ready. Error message: errcode=%CODE%, %FILE%"),
    (
        "Control Manager サーバへの登録に失敗しました。エラーメッセージ: errcode=%CODE%, %FILE%",
        "Failed to register with the Control Manager server. Error message: errcode=%CODE%, %FILE%",
    ),
    (
        "%COMP% との通信がタイムアウトしました。エラーメッセージ: errcode=%CODE%, %FILE%",
        "Communication with %COMP% timed out. Error message: errcode=%CODE%, %FILE%",
    ),
    ("%SVC% の初期化に失敗しました (errcode=%CODE%, %FILE%)", "Failed to initialize %SVC% (errcode=%CODE%, %FILE%)"),
    (
        "%COMP% の接続が切断されました。エラーメッセージ: errcode=%CODE%, %FILE%",
        "The connection to %COMP% was lost. Error message: errcode=%CODE%, %FILE%",
    ),
]
TM_OTHER_MESSAGES: list[Pair] = [
    (
        "%PROD% サーバが Control Manager サーバ {{host:word=cm01}} のポート {{port:number=443}} に接続できませんでした。",
        "The %PROD% server could not connect to the Control Manager server {{host:word=cm01}} on port {{port:number=443}}.",
    ),
    (
        "パターンファイルのアップデートに失敗しました。ファイル {{file:path=C:\\Program Files\\Trend Micro\\pattern}} を置き換えられませんでした。",
        "The pattern file update failed. The file {{file:path=C:\\Program Files\\Trend Micro\\pattern}} could not be replaced.",
    ),
    (
        "%SVC% サービスがデータベース {{db=db_TrendMicro}} に接続できません。",
        "The %SVC% service cannot connect to the database {{db=db_TrendMicro}}.",
    ),
    (
        "エージェント {{agent:word=PC001}} からのログの受信に {{count:number=3}} 回失敗しました。",
        "Failed {{count:number=3}} times to receive logs from the agent {{agent:word=PC001}}.",
    ),
]
TM_DIRS = ["COMMON\\TMI\\is_backup\\filegroup200", "COMMON\\TMI\\backup3"]
TM_PATCHES = ["Patch 3", "Patch 4", "SP1 Patch 2", "Critical Patch 5180", "Hotfix 1287", "Patch 6", "SP2 Patch 1"]

TM_CONDITIONS: list[Pair] = [
    ("{prod_a} と {prod_b} が同一のサーバ上で構築されている。", "{prod_a} and {prod_b} are installed on the same server."),
    ("{prod_a} {ver} に {patch} を適用した。", "{patch} has been applied to {prod_a} {ver}."),
    (
        "{prod_a} のインストールフォルダを既定の場所から変更している。",
        "The installation folder of {prod_a} has been changed from the default location.",
    ),
    (
        "エージェントを TMI エージェントから MCP エージェントにアップグレードした。",
        "The agent has been upgraded from the TMI agent to the MCP agent.",
    ),
    ("{prod_b} のサーバを {prod_a} の管理対象として登録している。", "The {prod_b} server is registered as a managed product of {prod_a}."),
    ("サーバの OS を再起動せずに {patch} のインストールを繰り返した。", "{patch} was installed again without restarting the server OS."),
]
TM_SYMPTOMS: list[Pair] = [
    ("{svc} サービスが起動しない状態となります。", "The {svc} service does not start."),
    (
        "{svc} サービスを起動すると、サービスが起動して停止した旨のメッセージが表示されます。",
        "When you start the {svc} service, a message says that the service started and then stopped.",
    ),
    (
        "管理コンソールにログオンできなくなり、エージェントの状態が「オフライン」と表示されます。",
        'You can no longer log on to the management console, and the agents are shown as "Offline".',
    ),
    (
        "パターンファイルの配信が失敗し、イベントログにエラーが記録されます。",
        "Pattern file deployment fails and an error is recorded in the event log.",
    ),
    ("{prod_a} の管理画面で {prod_b} のサーバが「未接続」と表示されます。", '{prod_b} servers are shown as "Not connected" in the {prod_a} console.'),
    (
        "サーバの CPU 使用率が高い状態が続き、{svc} サービスが応答しなくなります。",
        "CPU usage on the server stays high and the {svc} service stops responding.",
    ),
    ("ログの集計が停止し、レポートに直近のデータが表示されません。", "Log aggregation stops and reports do not show recent data."),
]
TM_EVENT_DETAIL: Pair = (
    "- レベル: エラー\n- ソース: {source}\n- イベントID: {eid}\n- メッセージ内容: {comp} に関するエラー (errcode={code})",
    "- Level: Error\n- Source: {source}\n- Event ID: {eid}\n- Message: an error about {comp} (errcode={code})",
)
TM_CAUSES: list[Pair] = [
    (
        "{patch} の適用時に {file} が古いバージョン ({old}) で上書きされ、{prod_a} 側のファイルとバージョンの差異が発生するためです。",
        "When {patch} is applied, {file} is overwritten with an older version ({old}), so it no longer matches the version on the {prod_a} side.",
    ),
    (
        "{svc} サービスのログオンアカウントのパスワードが変更されたため、サービスを開始できなくなります。",
        "The password of the {svc} service's logon account has changed, so the service can no longer start.",
    ),
    (
        "{prod_b} のアップグレード時に、{prod_a} が使用する共通モジュールのレジストリ値が削除されるためです。",
        "Upgrading {prod_b} deletes a registry value of a common module that {prod_a} uses.",
    ),
    (
        "データベースへの接続がタイムアウトし、{svc} サービスの初期化処理が完了しないためです。",
        "The connection to the database times out, so the {svc} service does not finish initializing.",
    ),
    (
        "{file} と関連する DLL ファイルの組み合わせが一致しないため、{comp} の初期化に失敗します。",
        "{file} and its related DLL files do not match, so {comp} fails to initialize.",
    ),
]
TM_RESOLUTIONS: list[Pair] = [
    (
        "バックアップフォルダにあるバージョン {new} の {file} で置き換えてから、{svc} サービスを起動してください。",
        "Replace {file} with the version {new} file from the backup folder, and then start the {svc} service.",
    ),
    ("{prod_a} の最新の Patch を適用してください。", "Apply the latest patch for {prod_a}."),
    (
        "{svc} サービスのログオンアカウントを再設定してから、サービスを起動してください。",
        "Set the logon account of the {svc} service again, and then start the service.",
    ),
    ("サポートセンターにお問い合わせのうえ、修正モジュールの提供を受けてください。", "Contact the support center to obtain the hotfix."),
]
TM_STEPS: list[Pair] = [
    ("「サービス」管理ツールで {svc} サービスを停止します。", "Stop the {svc} service in the Services administrative tool."),
    (
        "`{path}` に {file} が存在し、バージョンが {new} であることを確認します。",
        "Check that {file} exists in `{path}` and that its version is {new}.",
    ),
    (
        "確認したファイルをすべてコピーし、`{path}` のファイルへ上書きします。",
        "Copy all the checked files and overwrite the files in `{path}` with them.",
    ),
    (
        "レジストリエディタで `HKEY_LOCAL_MACHINE\\SOFTWARE\\TrendMicro\\{regkey}` の値を確認します。",
        "In Registry Editor, check the value of `HKEY_LOCAL_MACHINE\\SOFTWARE\\TrendMicro\\{regkey}`.",
    ),
    ("{svc} サービスを起動し、サービスが起動されることを確認します。", "Start the {svc} service and check that it starts."),
    (
        "管理コンソールにログオンし、エージェントの状態が「オンライン」になっていることを確認します。",
        'Log on to the management console and check that the agents are shown as "Online".',
    ),
    ("サーバを再起動します。", "Restart the server."),
]
TM_NOTES: list[Pair] = [
    (
        '※ "Program Files (x86)" フォルダは 64bit OS の場合のみです。32bit OS では "(x86)" を省いてください。',
        'Note: The "Program Files (x86)" folder exists only on 64-bit OSes. On a 32-bit OS, omit "(x86)".',
    ),
    (
        "※ バージョンはファイルのプロパティの [詳細] タブで確認できます。",
        "Note: You can see the version on the Details tab of the file's properties.",
    ),
    ("※ サーバの OS 再起動は必要ありません。", "Note: The server OS does not need to be restarted."),
]
TM_TITLES: list[Pair] = [
    ("{prod_a} の {svc} サービスが起動しない状態となる (errcode={code})", "The {svc} service of {prod_a} does not start (errcode={code})"),
    ("{prod_b} に {patch} を適用すると {prod_a} のサービスが停止する", "{prod_a} services stop after {patch} is applied to {prod_b}"),
    ("{svc} サービスが起動後すぐに停止する", "The {svc} service stops right after it starts"),
    ("{prod_a} で {comp} のエラーが記録される ({file_line})", "{prod_a} logs a {comp} error ({file_line})"),
]


def trendmicro_advisory(rng: random.Random, aid: str, wide: bool = False) -> AdvisorySpec:
    combo = rng.choice(TM_COMBOS)
    prods = [TM_PRODUCTS[k] for k in combo]
    a, b = prods[0], prods[-1]
    ctx = Ctx()
    ctx.set("prod_a", a["name"])
    ctx.set("prod_b", b["name"] if len(prods) > 1 else rng.choice(TM_COMPANIONS))
    ctx.set("ver", rng.choice(a["versions"]))
    ctx.set("patch", rng.choice(TM_PATCHES))
    ctx.set("regkey", rng.choice([p["regkey"] for p in prods]))
    cases = []
    case_ids = _pick(rng, ["upgrade", "patch", "same-server", "service-account", "database", "agent", "x64", "default"], rng.choice((1, 1, 2, 2, 3)))
    first_code = None
    case_titles: list[Pair] = [
        ("{patch} を適用した場合", "When {patch} is applied"),
        ("{prod_b} と同一サーバの場合", "On the same server as {prod_b}"),
        ("サービスアカウントを変更した場合", "When the service account was changed"),
        ("{prod_a} {ver} の場合", "With {prod_a} {ver}"),
    ]
    for cid in case_ids:
        c = ctx.copy()
        svc = rng.choice([s for p in prods for s in p["services"]])
        code = rng.choice(TM_ERRCODES)
        first_code = first_code or code
        src_file = rng.choice(TM_SOURCE_FILES)
        line = rng.randint(20, 640)
        if src_file == "MRFServer.cpp" and line == 108:
            line = 112
        file_line = f"{src_file}|{line}"
        with_cm = "tmcm" in combo
        comp = rng.choice(TM_COMPONENTS if with_cm else [x for x in TM_COMPONENTS if "Control Manager" not in x])
        fnames = sorted(_pick(rng, [f for p in prods for f in p["files"]], rng.randint(1, 5)))
        old, new = _version(rng, (1, 2, 3, 6, 7, 11, 12, 14))
        base = rng.choice(["C:\\Program Files (x86)\\Trend Micro\\", "C:\\Program Files\\Trend Micro\\"])
        path = base + rng.choice(a["dirs"])
        backup = base + rng.choice(a["dirs"] + TM_DIRS[:2])
        for k, v in {
            "svc": svc,
            "code": str(code),
            "file_line": file_line,
            "comp": comp,
            "file": fnames[0],
            "old": old,
            "new": new,
            "path": path,
        }.items():
            c.set(k, v)
        eid = rng.choice((801, 802, 805, 810, 820, 900, 1001, 1024))
        c.set("eid", str(eid))
        c.set("source", a["name"])
        messages = []
        scm_kinds = _pick(rng, SCM_TEMPLATES, rng.randint(1, 2))
        for k, (mid, scm_id, (ja, en)) in enumerate(scm_kinds):
            messages.append(
                _msg(
                    f"{mid}-{k + 1}",
                    "service-manager",
                    (ja.replace("%SVC%", svc), en.replace("%SVC%", svc)),
                    "Service Control Manager",
                    scm_id or None,
                )
            )
        ja, en = rng.choice(TM_ERROR_TEXTS if with_cm else [x for x in TM_ERROR_TEXTS if "Control Manager" not in x[1]])
        rep = {"%COMP%": comp, "%CODE%": str(code), "%FILE%": file_line, "%SVC%": svc}
        for key, val in rep.items():
            ja, en = ja.replace(key, val), en.replace(key, val)
        messages.append(_msg("error", "event-log", (ja, en), a["name"], eid))
        if rng.random() < 0.4:
            ja, en = rng.choice(TM_OTHER_MESSAGES)
            ja = ja.replace("%PROD%", b["short"]).replace("%SVC%", svc)
            en = en.replace("%PROD%", b["short"]).replace("%SVC%", svc)
            if not with_cm:  # only advisories about Control Manager name it
                ja, en = ja.replace("Control Manager サーバ", "管理サーバ"), en.replace("Control Manager server", "management server")
            messages.append(_msg("other", "event-log", (ja, en), b["name"], rng.choice((700, 701, 750))))
        applies = [{"product": a["name"], "versions": [f"{c.en['ver']} or later"]}]
        if len(prods) > 1:
            applies.append(
                {
                    "product": b["name"],
                    "condition": _loc(c.f(("{prod_a} と同一のサーバ上で構築されている場合", "When it is installed on the same server as {prod_a}"))),
                }
            )
        not_affected = []
        if rng.random() < 0.3:
            other = rng.choice(["Trend Micro Apex One 2019 Patch 5", "OfficeScan XG SP1 Patch 7", "Deep Security 20", "ServerProtect 6.0 Patch 4"])
            not_affected.append({"product": other, "reason": _loc((f"本事象は {other} では発生しません", f"The issue does not occur with {other}"))})
        files = [
            {
                "names": fnames,
                "from_version": old,
                "to_version": new,
                "locations": [
                    {"path": path, "role": "install"},
                    {"path": backup, "role": "backup", "when": _loc(c.f(("{patch} の場合", "With {patch}")))},
                ],
            }
        ]
        cond = [c.f(x) for x in _pick(rng, TM_CONDITIONS, rng.randint(2, 3))]
        symptoms = [c.f(x) for x in _pick(rng, TM_SYMPTOMS, rng.randint(1, 2))]
        symptom_pairs = list(symptoms)
        if rng.random() < 0.5:
            symptom_pairs.append(("また、イベントログに次の内容のエラーが記録されます。", "The following error is also recorded in the event log:"))
            symptom_pairs.append(c.f(TM_EVENT_DETAIL))
        sections = {
            "conditions": _join(
                [
                    (
                        "本エラーは、以下の条件に全て合致する場合に出力されます。",
                        "This error is logged when all of the following conditions are met.",
                    ),
                    _bullets(cond),
                ]
            ),
            "symptoms": _join(symptom_pairs),
            "cause": c.f(rng.choice(TM_CAUSES)),
            "resolution": c.f(rng.choice(TM_RESOLUTIONS)),
        }
        if not_affected and rng.random() < 0.7:
            sections["notes"] = _loc_pair_from(not_affected[0]["reason"])
        steps = [Step(c.f(s)) for s in _ordered_subset(rng, TM_STEPS, 2, 6)]
        if rng.random() < 0.5:
            steps[rng.randrange(len(steps))].notes.append(rng.choice(TM_NOTES))
        workaround: list[tuple[Pair | None, list[Step]]] = [(None, steps)]
        if rng.random() < 0.2:
            yes = c.f(("{svc} サービスが起動できる場合", "When the {svc} service can be started"))
            no = c.f(("{svc} サービスが起動できない場合", "When the {svc} service cannot be started"))
            workaround = [(yes, steps), (no, [Step(c.f(s)) for s in _ordered_subset(rng, TM_STEPS, 2, 4)])]
        ctitle = c.f(case_titles.pop(rng.randrange(len(case_titles))))
        cases.append(CaseSpec(cid, ctitle, applies, messages, sections, workaround, not_affected, None, files))
        if cid == case_ids[0]:
            ctx.set("svc", svc)
            ctx.set("code", str(code))
            ctx.set("comp", comp)
            ctx.set("file_line", file_line)
            ctx.set("file", fnames[0])
    title = ctx.f(rng.choice(TM_TITLES))
    summary = ctx.f(
        (
            "{prod_a} と {prod_b} の環境で {svc} サービスが起動しなくなる問題と、その対処方法を説明します。",
            "Describes why the {svc} service stops starting in an environment with {prod_a} and {prod_b}, and how to fix it.",
        )
    )
    refs = []
    if rng.random() < 0.5:
        refs.append({"id": f"TM-{rng.randint(1000, 9999)}", "aliases": [f"KB{rng.randint(100000, 999999)}"]})
    refs = [r for r in refs if r["aliases"][0] not in FORBIDDEN_REFERENCES]
    products = [{"name": p["name"], "aliases": p["aliases"]} for p in prods]
    return AdvisorySpec(aid, "Trend Micro", products, refs, _date(rng, 2008, 2024), title, summary, cases)


def _loc_pair_from(d: dict) -> Pair:
    return "- " + d["ja"] + "。", "- " + d["en"] + "."


# --- Microsoft Windows updates ---------------------------------------------------------------------

WIN_PRODUCTS = [
    ("Windows Server 2003", ["Windows 2003", "W2K3"], "sp1", ("Windows Server 2003", "Windows Server 2003")),
    ("Windows 2000 Server", ["Windows 2000", "Win2000"], "sp4", ("Windows 2000", "Windows 2000")),
    ("Windows Server 2003 R2", ["W2K3 R2"], "r2", ("Windows Server 2003 R2", "Windows Server 2003 R2")),
    ("Windows XP Professional", ["Windows XP"], "sp2", ("Windows XP", "Windows XP")),
    ("Windows Server 2008", ["W2K8"], "sp2", ("Windows Server 2008", "Windows Server 2008")),
]
WIN_FILES = [
    ("win32k.sys", "system32"),
    ("ntoskrnl.exe", "system32"),
    ("tcpip.sys", "system32\\drivers"),
    ("http.sys", "system32\\drivers"),
    ("ntfs.sys", "system32\\drivers"),
    ("rpcss.dll", "system32"),
    ("ole32.dll", "system32"),
    ("msxml3.dll", "system32"),
    ("mrxsmb.sys", "system32\\drivers"),
    ("srv.sys", "system32\\drivers"),
    ("lsasrv.dll", "system32"),
    ("shell32.dll", "system32"),
]
WIN_SYMPTOMS: list[Pair] = [
    (
        "{kb} をインストールしてコンピュータを再起動すると、STOP エラー {stop} が発生して起動できなくなります。",
        "After you install {kb} and restart the computer, a STOP error {stop} occurs and the computer does not start.",
    ),
    (
        "{kb} の適用後、DCOM のエラーがイベントログに繰り返し記録されます。",
        "After {kb} is applied, DCOM errors are recorded repeatedly in the event log.",
    ),
    (
        "{kb} をインストールすると、ファイル共有へのアクセスが遅くなり、タイムアウトすることがあります。",
        "After you install {kb}, access to file shares becomes slow and may time out.",
    ),
    (
        "{kb} の適用後、一部のサービスが開始されず、サービス コントロール マネージャのエラーが記録されます。",
        "After {kb} is applied, some services do not start and Service Control Manager errors are logged.",
    ),
    ("{kb} のインストールが途中で失敗し、変更が元に戻されます。", "Installing {kb} fails partway and the changes are reverted."),
    (
        "ログオン時に「アプリケーション ポップアップ」のダイアログが表示され、アプリケーションが終了します。",
        'An "Application popup" dialog appears at logon and the application exits.',
    ),
]
WIN_CAUSES: list[Pair] = [
    (
        "{kb} で更新される {file} と、サードパーティ製のフィルタ ドライバとの互換性の問題です。",
        "It is a compatibility problem between {file}, which {kb} updates, and a third-party filter driver.",
    ),
    ("{topic}に対応する {update} により、{file} の動作が変わったためです。", "{update}, the update for {topic_en}, changes how {file} behaves."),
    (
        "インストール時に {file} が使用中のため置き換えられず、古いバージョン ({old}) が残るためです。",
        "{file} is in use during the installation and cannot be replaced, so the old version ({old}) stays.",
    ),
]
WIN_RESOLUTIONS: list[Pair] = [
    ("修正プログラムを適用して、{file} をバージョン {new} 以降に更新してください。", "Apply the hotfix to update {file} to version {new} or later."),
    ("{kb} をアンインストールしてから、改訂版の更新プログラムを適用してください。", "Uninstall {kb}, and then apply the revised update."),
    ("最新の Service Pack を適用してください。", "Apply the latest service pack."),
]
WIN_STEPS: list[Pair] = [
    ("セーフ モードでコンピュータを起動します。", "Start the computer in Safe Mode."),
    (
        "「コントロールパネル」→「プログラムの追加と削除」を開き、「更新プログラムの表示」をオンにします。",
        'Open Control Panel > Add or Remove Programs and select "Show updates".',
    ),
    (
        "「{os} 用セキュリティ更新プログラム ({kb})」を選択し、[削除] をクリックします。",
        'Select "Security Update for {os} ({kb})" and click [Remove].',
    ),
    (
        "`%windir%\\$NtUninstall{kb}$\\spuninst` フォルダの spuninst.exe を実行します。",
        "Run spuninst.exe in the `%windir%\\$NtUninstall{kb}$\\spuninst` folder.",
    ),
    ("コンピュータを再起動します。", "Restart the computer."),
    ("{file} のバージョンが {new} であることを確認します。", "Check that the version of {file} is {new}."),
]


def _win_version(rng: random.Random, product: str) -> tuple[str, str]:
    base = "5.0.2195" if "2000" in product else "5.1.2600" if "XP" in product else "6.0.6002" if "2008" in product else "5.2.3790"
    a = rng.randint(1000, 4500)
    return f"{base}.{a}", f"{base}.{a + rng.randint(3, 400)}"


def _wide_reference(rng: random.Random) -> tuple[str, str]:
    """A bulletin and KB id from a large space (never one of the bundled advisory's)."""
    while True:
        kb = f"KB{rng.randint(810000, 999999)}"
        bulletin = f"MS0{rng.randint(3, 8)}-0{rng.randint(1, 79):02d}"
        if kb not in FORBIDDEN_REFERENCES and bulletin not in FORBIDDEN_REFERENCES and kb[2:] not in FORBIDDEN_REFERENCES:
            return bulletin, kb


def microsoft_advisory(rng: random.Random, aid: str, wide: bool = False) -> AdvisorySpec:
    pname, paliases, _, os_name = rng.choice(WIN_PRODUCTS)
    if rng.random() < (0.2 if wide else 0.6):
        bulletin, kb, topic = rng.choice(BULLETINS)
    else:
        bulletin, kb = _wide_reference(rng)
        topic = rng.choice(list(BULLETIN_TOPICS))
    ctx = Ctx()
    ctx.set("kb", kb)
    ctx.set("update", bulletin)
    ctx.set("os", *os_name)
    ctx.set("topic", BULLETIN_TOPICS[topic][0])
    ctx.set("topic_en", BULLETIN_TOPICS[topic][1])
    cases = []
    for cid in _pick(rng, ["sp1", "sp2", "rtm", "x64", "domain-controller", "terminal-server", "cluster"], rng.choice((1, 1, 2, 3))):
        c = ctx.copy()
        fname, fdir = rng.choice(WIN_FILES)
        old, new = _win_version(rng, pname)
        c.set("file", fname)
        c.set("old", old)
        c.set("new", new)
        c.set("stop", rng.choice(STOP_CODES))
        messages = windows_messages(rng, rng.randint(1, 4), c)
        files = [
            {
                "names": [fname],
                "from_version": old,
                "to_version": new,
                "locations": [{"path": f"C:\\WINDOWS\\{fdir}", "role": "install"}, {"path": f"C:\\WINDOWS\\$NtUninstall{kb}$", "role": "backup"}],
            }
        ]
        applies = [{"product": pname, "versions": [cid.upper() if cid.startswith(("sp", "rtm")) else "SP1"]}]
        sections = {
            "symptoms": _join([c.f(s) for s in _pick(rng, WIN_SYMPTOMS, rng.randint(1, 2))]),
            "cause": c.f(rng.choice(WIN_CAUSES)),
            "resolution": c.f(rng.choice(WIN_RESOLUTIONS)),
        }
        steps = [Step(c.f(s)) for s in _ordered_subset(rng, WIN_STEPS, 2, 5)]
        ctitle = {
            "sp1": ("Service Pack 1 適用環境", "With Service Pack 1"),
            "sp2": ("Service Pack 2 適用環境", "With Service Pack 2"),
            "rtm": ("Service Pack 未適用の場合", "Without a service pack"),
            "x64": ("x64 版の場合", "x64 editions"),
            "domain-controller": ("ドメイン コントローラの場合", "Domain controllers"),
            "terminal-server": ("ターミナル サーバの場合", "Terminal servers"),
            "cluster": ("クラスタ環境の場合", "Cluster environments"),
        }[cid]
        cases.append(CaseSpec(cid, ctitle, applies, messages, sections, [(None, steps)], [], None, files))
    title = ctx.f(
        rng.choice(
            [
                ("{os} に {kb} ({update}) をインストールすると問題が発生する", "Problems after you install {kb} ({update}) on {os}"),
                ("{update}: {topic}に関する更新プログラム適用後の既知の問題", "{update}: known issues after the update for {topic_en}"),
            ]
        )
    )
    summary = ctx.f(
        (
            "{os} に {update} ({kb}) を適用した後に発生する問題と回避方法です。",
            "Problems that occur after {update} ({kb}) is applied to {os}, and how to work around them.",
        )
    )
    return AdvisorySpec(
        aid, "Microsoft", [{"name": pname, "aliases": paliases}], [{"id": bulletin, "aliases": [kb]}], _date(rng, 2003, 2009), title, summary, cases
    )


# --- generic server / storage / backup advisories (scale, vocabulary growth) --------------------

GEN_VENDORS = [
    ("NEC", "nec", "Express5800", ["R120h-1M", "R120h-2M", "T110j", "R110j-1", "GT110j"], ["ESMPRO/ServerManager", "EXPRESSSCOPE"]),
    ("Hitachi", "hitachi", "HA8000", ["RS220", "RS210", "TS20", "RS440"], ["JP1/Base", "Hitachi Command Suite"]),
    ("Dell", "dell", "PowerEdge", ["R740", "R650", "T440", "R7525", "R640"], ["iDRAC9", "OpenManage Server Administrator"]),
    ("HPE", "hpe", "ProLiant", ["DL380 Gen10", "ML350 Gen9", "DL360 Gen11", "DL20 Gen10"], ["iLO 5", "Smart Storage Administrator"]),
    ("Lenovo", "lenovo", "ThinkSystem", ["SR650", "ST550", "SR630 V2", "ST250"], ["XClarity Controller", "XClarity Administrator"]),
]
GEN_TOPICS: list[tuple[str, Pair, list[Pair], list[Pair]]] = [
    # case id, title, messages, symptoms
    (
        "raid",
        ("RAID コントローラの障害", "RAID controller failure"),
        [
            (
                "エンクロージャ {{enc:number=1}} のスロット {{slot:number=3}} の物理ディスクが故障しました。",
                "The physical disk in slot {{slot:number=3}} of enclosure {{enc:number=1}} has failed.",
            ),
            (
                "論理ドライブ {{ld:number=0}} の再構築が {{pct:number=45}} % で停止しました。",
                "Rebuild of logical drive {{ld:number=0}} stopped at {{pct:number=45}} %.",
            ),
            ("コントローラ キャッシュのバッテリ残量が低下しています。", "The controller cache battery is low."),
        ],
        [
            (
                "論理ドライブが「縮退」状態になり、ディスクアクセスが遅くなります。",
                'The logical drive goes into the "Degraded" state and disk access slows down.',
            ),
            (
                "ファームウェア更新後、RAID 構成情報が読み込めなくなります。",
                "After the firmware update, the RAID configuration can no longer be read.",
            ),
        ],
    ),
    (
        "bmc",
        ("BMC / 管理コントローラの問題", "BMC / management controller problem"),
        [
            ("システム イベント ログ (SEL) がいっぱいです。", "The System Event Log (SEL) is full."),
            (
                "ファン {{fan:number=2}} の回転数が下限しきい値を下回りました ({{rpm:number=900}} RPM)。",
                "Fan {{fan:number=2}} speed is below the lower critical threshold ({{rpm:number=900}} RPM).",
            ),
            ("CPU {{cpu:number=1}} の温度が上限しきい値を超えました。", "CPU {{cpu:number=1}} temperature exceeded the upper critical threshold."),
        ],
        [
            ("管理コントローラの Web 画面にログインできなくなります。", "You can no longer log in to the management controller web interface."),
            ("ファンが常に最大回転で動作し、騒音が大きくなります。", "The fans always run at full speed and become loud."),
        ],
    ),
    (
        "backup",
        ("バックアップジョブの失敗", "Backup job failure"),
        [
            (
                "バックアップ ジョブ {{job=Daily-Full}} はエラー コード {{code:hex=0xe00084af}} で失敗しました。",
                "Backup job {{job=Daily-Full}} failed with error code {{code:hex=0xe00084af}}.",
            ),
            (
                "テープ ドライブ {{drive:word=Tape0}} でメディアの読み取りエラーが発生しました。",
                "A media read error occurred on tape drive {{drive:word=Tape0}}.",
            ),
            (
                "ボリューム シャドウ コピー サービスのスナップショット作成がタイムアウトしました ({{sec:number=600}} 秒)。",
                "The Volume Shadow Copy Service snapshot timed out ({{sec:number=600}} seconds).",
            ),
        ],
        [
            ("夜間のバックアップが完了せず、翌朝まで処理が続きます。", "The nightly backup does not finish and keeps running into the next morning."),
            ("テープへの書き込みが途中で停止し、ジョブがキャンセルされます。", "Writing to tape stops partway and the job is cancelled."),
        ],
    ),
    (
        "nic",
        ("ネットワークの問題", "Network problem"),
        [
            (
                "ネットワーク リンクが切断されました: {{adapter=Intel(R) Ethernet Connection}}",
                "Network link is disconnected: {{adapter=Intel(R) Ethernet Connection}}",
            ),
            ("チーム {{team:word=Team1}} のプライマリ アダプタが無効になりました。", "The primary adapter of team {{team:word=Team1}} was disabled."),
        ],
        [
            ("チーミング構成で通信が数秒間途切れます。", "Communication drops for a few seconds in a teaming configuration."),
            ("OS 起動直後に IP アドレスを取得できないことがあります。", "The server sometimes cannot get an IP address right after the OS starts."),
        ],
    ),
    (
        "bios",
        ("BIOS / UEFI 更新後の問題", "Problem after a BIOS / UEFI update"),
        [
            ("POST 中にメモリ エラーが検出されました: DIMM {{dimm:word=A1}}", "A memory error was detected during POST: DIMM {{dimm:word=A1}}"),
            (
                "ブート デバイスが見つかりません。起動ディスクを挿入して任意のキーを押してください。",
                "No boot device found. Insert a boot disk and press any key.",
            ),
        ],
        [
            (
                "BIOS 更新後、OS が起動せず POST 画面で停止します。",
                "After the BIOS update the OS does not start and the server stops at the POST screen.",
            ),
            ("メモリ容量が実装量より少なく表示されます。", "Less memory is shown than is installed."),
        ],
    ),
]
GEN_CAUSES: list[Pair] = [
    (
        "{tool} の {ver} に、特定の構成で処理が完了しない不具合があるためです。",
        "{tool} {ver} has a defect that keeps the operation from finishing in certain configurations.",
    ),
    ("ファームウェア {fw} と OS ドライバの組み合わせによる問題です。", "It is a problem with the combination of firmware {fw} and the OS driver."),
    ("{model} の出荷時設定に誤りがあるためです。", "The factory settings of the {model} are wrong."),
]
GEN_RESOLUTIONS: list[Pair] = [
    ("ファームウェアを {fw_new} 以降に更新してください。", "Update the firmware to {fw_new} or later."),
    ("{tool} を最新版に更新してください。", "Update {tool} to the latest version."),
    ("保守契約窓口にお問い合わせください。", "Contact your maintenance contract desk."),
]
GEN_STEPS: list[Pair] = [
    ("{tool} を起動し、現在のファームウェア版数を確認します。", "Start {tool} and check the current firmware version."),
    ("サポートサイトからファームウェア {fw_new} をダウンロードします。", "Download firmware {fw_new} from the support site."),
    ("業務を停止し、サーバをメンテナンスモードにします。", "Stop business operations and put the server into maintenance mode."),
    ("ファームウェアを更新し、サーバを再起動します。", "Update the firmware and restart the server."),
    ("イベントログにエラーが記録されていないことを確認します。", "Check that no error is recorded in the event log."),
    ("ログを採取し、サポート窓口へ送付します。", "Collect the logs and send them to the support desk."),
]


def _part_number(rng: random.Random, vendor: str) -> str:
    if vendor == "NEC":
        return f"N8100-{rng.randint(1000, 2999)}"
    if vendor == "Hitachi":
        return f"GQ-RS{rng.randint(1000, 9999)}-{rng.choice('ABCDE')}{rng.randint(10, 99)}"
    if vendor == "Dell":
        return f"DPN-{rng.randint(100, 999)}{rng.choice('ABCDEFGHJK')}{rng.randint(10, 99)}"
    if vendor == "HPE":
        return f"P{rng.randint(10000, 99999)}-B21"
    return f"7X{rng.randint(10, 99)}A0{rng.choice('ABCDEFGH')}{rng.randint(0, 9)}JP"


def generic_advisory(rng: random.Random, aid: str, wide: bool = False) -> AdvisorySpec:
    vendor, _slug, family, models, tools = rng.choice(GEN_VENDORS)
    ctx = Ctx()
    ctx.set("tool", rng.choice(tools))
    ctx.set("ver", f"{rng.randint(1, 9)}.{rng.randint(0, 30)}")
    ctx.set("fw", f"{rng.randint(1, 5)}.{rng.randint(0, 99):02d}")
    ctx.set("fw_new", f"{rng.randint(5, 9)}.{rng.randint(0, 99):02d}")
    chosen_models = _pick(rng, models, rng.randint(1, 3))
    ctx.set("model", f"{family} {chosen_models[0]}")
    cases = []
    for cid, ctitle, msgs, symptoms in _pick(rng, GEN_TOPICS, rng.choice((1, 2, 2, 3))):
        c = ctx.copy()
        messages = [
            _msg(f"{cid}-{k + 1}", "event-log", m, rng.choice(tools), rng.randint(1, 4000))
            for k, m in enumerate(_pick(rng, msgs, rng.randint(1, len(msgs))))
        ]
        extra = rng.randint(1000, 99999)
        messages.append(
            _msg(
                f"{cid}-code",
                "console",
                (
                    f"{c.ja['tool']} エラー {cid.upper()}-{extra}: 操作を完了できませんでした。",
                    f"{c.en['tool']} error {cid.upper()}-{extra}: the operation could not be completed.",
                ),
                None,
                None,
            )
        )
        sections = {
            "symptoms": _join([c.f(s) for s in _pick(rng, symptoms, rng.randint(1, 2))]),
            "cause": c.f(rng.choice(GEN_CAUSES)),
            "resolution": c.f(rng.choice(GEN_RESOLUTIONS)),
        }
        steps = [Step(c.f(s)) for s in _ordered_subset(rng, GEN_STEPS, 2, 5)]
        applies = [{"models": [f"{family} {m}" for m in chosen_models]}, {"models": [_part_number(rng, vendor) for _ in range(rng.randint(1, 3))]}]
        cases.append(CaseSpec(cid, ctitle, applies, messages, sections, [(None, steps)]))
    title = ctx.f(
        rng.choice(
            [
                ("{model} で {tool} の操作が完了しない", "{tool} operations do not finish on the {model}"),
                ("{model} のファームウェア {fw} に関するお知らせ", "Notice about firmware {fw} of the {model}"),
            ]
        )
    )
    summary = ctx.f(
        (
            "{model} で発生する問題と、ファームウェア {fw_new} による対処について説明します。",
            "Describes a problem on the {model} and the fix in firmware {fw_new}.",
        )
    )
    refs = [{"id": f"{vendor.upper()}-SA-{rng.randint(2010, 2024)}-{rng.randint(1, 999):03d}"}]
    return AdvisorySpec(aid, vendor, [{"name": family, "aliases": [ctx.en["tool"]]}], refs, _date(rng, 2010, 2024), title, summary, cases)


# --- writing -------------------------------------------------------------------------------------

FAMILIES = {"fujitsu": fujitsu_advisory, "trendmicro": trendmicro_advisory, "microsoft": microsoft_advisory, "generic": generic_advisory}


def _family(rng: random.Random, i: int) -> str:
    r = rng.random()
    if i < NEAR_MISS_SHARE:
        return "fujitsu" if r < 0.42 else "trendmicro" if r < 0.84 else "microsoft" if r < 0.97 else "generic"
    return "fujitsu" if r < 0.27 else "trendmicro" if r < 0.54 else "microsoft" if r < 0.72 else "generic"


def make_advisory(i: int, seed: int = 0) -> AdvisorySpec:
    """Advisory number ``i`` of the corpus for ``seed`` (independent of every other advisory)."""
    rng = random.Random(seed * 1_000_003 + i)
    fam = _family(rng, i)
    spec = FAMILIES[fam](rng, f"syn-{fam}-{i:05d}", i >= NEAR_MISS_SHARE)
    if fam == "generic":
        spec.id = f"syn-{_VENDOR_SLUG[spec.vendor]}-{i:05d}"
    return spec


_VENDOR_SLUG = {v[0]: v[1] for v in GEN_VENDORS}


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _inline(v) -> str:
    if isinstance(v, str):
        return _q(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_inline(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def _flow(v) -> bool:
    if isinstance(v, list):
        return all(isinstance(x, str) for x in v)
    if isinstance(v, dict):
        return set(v) <= {"ja", "en"}
    return True


def _emit(obj, ind: int, out: list[str]) -> None:
    pad = "  " * ind
    if isinstance(obj, dict):
        for k, v in obj.items():
            if _flow(v):
                out.append(f"{pad}{k}: {_inline(v)}")
            else:
                out.append(f"{pad}{k}:")
                _emit(v, ind + 1, out)
    else:
        for item in obj:
            if isinstance(item, dict):
                sub: list[str] = []
                _emit(item, ind + 1, sub)
                out.append(pad + "- " + sub[0][len(pad) + 2 :])
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")


def variant(i: int) -> tuple[tuple[str, ...], bool]:
    """Advisory ``i`` of a ``mixed`` corpus: (the languages it is written in, whether it is caseless).
    About one in seven is Japanese only, one in seven English only, one in eleven caseless."""
    langs = ("ja",) if i % 7 == 3 else ("en",) if i % 7 == 5 else ("ja", "en")
    return langs, i % 11 == 4


def advisory_yaml(spec: AdvisorySpec, seed: int, caseless: bool = False) -> str:
    data: dict = {"id": spec.id, "vendor": spec.vendor, "products": spec.products}
    if spec.references:
        data["references"] = spec.references
    data["published"] = spec.published
    data["source"] = f"tools.synthetic seed={seed}"
    if caseless:  # one implicit case: the first case's messages, without its scope
        if spec.cases and spec.cases[0].messages:
            data["messages"] = spec.cases[0].messages
        out = ["# yaml-language-server: $schema=../../kb/schema/advisory.schema.json", "# generated by tools.synthetic: do not edit"]
        _emit(data, 0, out)
        return "\n".join(out) + "\n"
    cases = []
    for c in spec.cases:
        d: dict = {"id": c.id, "applies_to": c.applies_to}
        if c.not_affected:
            d["not_affected"] = c.not_affected
        if c.messages:
            d["messages"] = c.messages
        if c.fix:
            d["fix"] = c.fix
        if c.files:
            d["files"] = c.files
        cases.append(d)
    data["cases"] = cases
    out = ["# yaml-language-server: $schema=../../kb/schema/advisory.schema.json", "# generated by tools.synthetic: do not edit"]
    _emit(data, 0, out)
    return "\n".join(out) + "\n"


HEADINGS = {
    "ja": {"conditions": "発生条件", "symptoms": "現象", "cause": "原因", "resolution": "対処", "workaround": "回避方法", "notes": "補足"},
    "en": {
        "conditions": "Conditions",
        "symptoms": "Symptoms",
        "cause": "Cause",
        "resolution": "Resolution",
        "workaround": "Workaround",
        "notes": "Notes",
    },
}


def advisory_markdown(spec: AdvisorySpec, lang: str, caseless: bool = False) -> str:
    """``ja.md`` or ``en.md``; ``caseless``: the first case's sections only, without a case heading."""
    k = 0 if lang == "ja" else 1
    h = HEADINGS[lang]
    out = ["---", f"title: {_q(spec.title[k])}", f"summary: {_q(spec.summary[k])}", "---", ""]
    if spec.intro:
        out += [spec.intro[k], ""]
    for c in spec.cases[:1] if caseless else spec.cases:
        if not caseless:
            out += [f"# {c.id}: {c.title[k]}", ""]
        for key in ("conditions", "symptoms", "cause", "resolution"):
            if key in c.sections:
                out += [f"## {h[key]}", "", c.sections[key][k], ""]
        if c.workaround:
            out += [f"## {h['workaround']}", ""]
            for cond, steps in c.workaround:
                if cond:
                    out += [f"### {cond[k]}", ""]
                for n, s in enumerate(steps, 1):
                    out.append(f"{n}. {s.text[k]}")
                    for j, sub in enumerate(s.subs, 1):
                        out.append(f"   {j}. {sub[k]}")
                    for note in s.notes:
                        out += ["", f"   {note[k]}", ""]
                out.append("")
        if "notes" in c.sections:
            out += [f"## {h['notes']}", "", c.sections["notes"][k], ""]
    return "\n".join(out).rstrip("\n") + "\n"


def write_advisory(out_dir: Path, spec: AdvisorySpec, seed: int = 0, langs: tuple[str, ...] = ("ja", "en"), caseless: bool = False) -> None:
    folder = out_dir / spec.id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "advisory.yaml").write_text(advisory_yaml(spec, seed, caseless), "utf-8")
    for lang in langs:
        (folder / f"{lang}.md").write_text(advisory_markdown(spec, lang, caseless), "utf-8")


def bundled_plus_synthetic(content: Path, n: int, reuse: bool = False) -> Path:
    """``content``: the bundled advisories (``content/`` of this repository) and ``n`` synthetic ones
    (seed 0), written afresh unless ``reuse`` and the folder exists (the corpus the site benchmarks use)."""
    import shutil

    if not (reuse and content.exists()):
        shutil.rmtree(content, ignore_errors=True)
        shutil.copytree(Path(__file__).resolve().parent.parent / "content", content, ignore=shutil.ignore_patterns("README.md"))
        write_corpus(content, n, seed=0)
    return content


def write_corpus(out_dir: Path, n: int, seed: int = 0, mixed: bool = False) -> list[str]:
    """Write ``n`` synthetic advisories under ``out_dir`` (created if needed); return their ids.
    ``mixed``: some single-language and some caseless advisories (:func:`variant`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(n):
        spec = make_advisory(i, seed)
        langs, caseless = variant(i) if mixed else (("ja", "en"), False)
        write_advisory(out_dir, spec, seed, langs, caseless)
        ids.append(spec.id)
    return ids


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.synthetic", description="Write N synthetic bilingual advisories to OUT.")
    p.add_argument("out", help="output folder (a content folder: one sub-folder per advisory)")
    p.add_argument("n", type=int, help="how many advisories")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mixed", action="store_true", help="make some advisories single-language and some caseless")
    p.add_argument("--quiet", action="store_true", help="do not print the ids")
    args = p.parse_args(argv)
    ids = write_corpus(Path(args.out), args.n, args.seed, args.mixed)
    if not args.quiet:
        sys.stdout.write("\n".join(ids) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
