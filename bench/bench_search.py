#!/usr/bin/env python
"""Search benchmark: kb (analysis + Whoosh BM25F + templates) against SQLite FTS5 (trigram) on a
synthetic corpus of bilingual advisories (:mod:`tools.synthetic`).

    .venv/bin/python bench/bench_search.py            # 10,000 advisories (several minutes)
    .venv/bin/python bench/bench_search.py --quick    # 500 advisories, a smoke run
    .venv/bin/python bench/bench_search.py --profile  # also cProfile the build and the queries

Everything is written under ``bench/out/`` (git-ignored); the figures go to ``bench/RESULTS.md`` (with
``--quick``: ``bench/out/RESULTS-quick.md``) and are printed; a run of 1,000 advisories or more also
keeps its ``results.json`` in ``bench/measured.json`` (``search``, by size) and writes README's
Measured section again (``bench/measured.py``). Each heavy phase runs in its own Python
process, so its peak RSS (``VmHWM``) is its own. This is not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tools/ (the synthetic corpus) is not installed
OUT = ROOT / "bench" / "out"
CORPUS_SEED = 0
QUERY_SEED = 20260101
WARMUP_SEED = QUERY_SEED + 1  # the warm-up queries: the same kinds, other advisories and values, none of the timed ones
KB_BIN = Path(sys.executable).with_name("kb")
SMALL_N = 200  # the small corpus the cold start is also timed on
COLD_RUNS = 5
EQUAL_QUERIES = 100  # queries whose full answers are compared, incremental build against full build


def maxrss_mb() -> float:
    """Peak RSS of this process. VmHWM belongs to this process image alone; ``ru_maxrss`` would carry
    over the parent's peak across fork + exec, which is large here (the parent holds the corpus)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def rss_parts_mb() -> dict[str, float]:
    """This process's resident memory now, by kind: ``anon`` (its own: heap, arrays) and ``file``
    (pages of mapped files: the page cache, shared with every process that maps them and reclaimable)."""
    out = {"anon": 0.0, "file": 0.0}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    out["anon" if line.startswith("RssAnon") else "file"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# === phases (each runs in a fresh process) ==================================================


def phase_tokenize(content: str, pickle_path: str) -> None:
    """Load the content and run kb.search.documents.documents for every advisory, without indexing."""
    from kb.content.load import load_or_raise
    from kb.search.documents import documents

    t0, c0 = time.perf_counter(), cpu_with_children()  # (from 64 folders on, worker processes read them)
    advisories = load_or_raise(content)
    t1, c1 = time.perf_counter(), cpu_with_children()
    ndocs = nterms = 0
    for a in advisories:
        for d in documents(a):
            ndocs += 1
            nterms += sum(len(v) for v in d.terms.values())
    t2, c2 = time.perf_counter(), cpu_with_children()
    with open(pickle_path, "wb") as f:
        pickle.dump(advisories, f, protocol=pickle.HIGHEST_PROTOCOL)
    emit(
        {
            "load_s": t1 - t0,
            "documents_s": t2 - t1,
            "load_cpu_s": c1 - c0,
            "documents_cpu_s": c2 - c1,
            "docs": ndocs,
            "terms": nterms,
            "advisories": len(advisories),
            "maxrss_mb": maxrss_mb(),
        }
    )


def cpu_with_children() -> float:
    """CPU seconds (user + system) of this process and of its children that ended (a build's
    analysis workers are joined before it returns)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def phase_build(content: str, index: str, profile: str | None) -> None:
    from kb.api import KnowledgeBase
    from kb.search.index import current_build
    from kb.workers import default_workers

    shutil.rmtree(index, ignore_errors=True)
    base = KnowledgeBase(content, index)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0, c0 = time.perf_counter(), cpu_with_children()
    base.build()
    t1, c1 = time.perf_counter(), cpu_with_children()
    if prof:
        prof.disable()
        prof.dump_stats(profile)
    build_dir = current_build(Path(index))
    emit(
        {
            "build_s": t1 - t0,
            "build_cpu_s": c1 - c0,
            "workers": default_workers(),
            "maxrss_mb": maxrss_mb(),
            "worker_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "index_bytes": tree_size(build_dir),
            "index_files": sum(1 for _ in build_dir.rglob("*")),
        }
    )


def phase_build_site(content: str, index: str, site: str) -> None:
    """``kb build`` as a user runs it: the index and the static site, in this process (its peak RSS is
    the command's own)."""
    from kb.cli import main

    shutil.rmtree(index, ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    t0, c0 = time.perf_counter(), cpu_with_children()
    with contextlib.redirect_stdout(sys.stderr):  # (stdout carries this phase's JSON line)
        rc = main(["--content", content, "--index", index, "build", "--site", site])
    t1, c1 = time.perf_counter(), cpu_with_children()
    if rc != 0:
        raise SystemExit(f"kb build failed ({rc})")
    emit(
        {
            "build_s": t1 - t0,
            "build_cpu_s": c1 - c0,
            "maxrss_mb": maxrss_mb(),
            "worker_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "site_bytes": tree_size(Path(site)),
        }
    )


EDIT_LINE = "\nThe agent also stops when the tape library is offline.\n"


def edit_advisory(content: Path, folder: str, undo: bool = False) -> None:
    """Append a sentence to one advisory's ``en.md`` (or take it away again), as an editor saves it,
    and move the file's mtime on."""
    path = content / folder / "en.md"
    text = path.read_text("utf-8")
    text = text.removesuffix(EDIT_LINE) if undo else text + EDIT_LINE
    path.write_text(text, "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def run_rusage(cmd: list[str]) -> dict:
    """Run a command: its wall time, its own CPU time (user + system, with its children's; ``os.wait4``),
    exit code and output. (``maxrss_mb`` is not the command's own: Linux carries the parent's peak
    over fork + exec, and this parent holds the corpus; it is not reported.)"""
    import tempfile

    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "maxrss_mb": ru.ru_maxrss / 1024,
        "rc": p.returncode,
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err.decode("utf-8", "replace"),
    }


def run_first_answer(cmd: list[str]) -> dict:
    """Run a command that prints answers for people: when its first line of output arrived (what a
    person waits for) and when it ended (``kb search`` checks whether the index is current after
    printing the answers)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    assert p.stdout is not None
    first = p.stdout.readline()
    answer = time.perf_counter() - t0
    rest = p.stdout.read()
    rc = p.wait()
    return {"answer_s": answer, "wall_s": time.perf_counter() - t0, "rc": rc, "stdout": (first + rest).decode("utf-8", "replace")}


def phase_answers(content: str, index: str, queries_path: str, out_path: str, count: str) -> None:
    """Everything a search answers (ids, cases, scores, labels, evidence) for the first queries: to
    compare an incremental build with a full one."""
    from kb.api import KnowledgeBase

    data = json.loads(Path(queries_path).read_text("utf-8"))
    base = KnowledgeBase(content, index)
    answers = []
    for q in data["queries"][: int(count)]:
        answers.append([h.to_dict() | {"score": h.score, "steps": h.steps} for h in base.search(q["q"], limit=10)])
    Path(out_path).write_text(json.dumps(answers, ensure_ascii=False, sort_keys=True), "utf-8")
    emit({"ok": True, "queries": len(answers)})


def table_digest(build_dir: Path) -> dict[str, str]:
    """sha256 of every file of a build but Whoosh's segments (named per build) and the bookkeeping
    (build times, file mtimes: the manifest, the sources, the content's state)."""
    import hashlib

    from kb.search.layout import CONTENT_STATE, MANIFEST, SOURCES

    out = {}
    for f in sorted(build_dir.iterdir()):
        if f.is_file() and f.name not in (MANIFEST, SOURCES, CONTENT_STATE, ".kb-index"):
            out[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _fts_norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def phase_fts_build(pickle_path: str, db: str) -> None:
    """One FTS5 row per advisory-case-language: title (+ reference ids), messages, body (+ products)."""
    from kb.content.model import LANGS
    from kb.search.documents import case_texts

    t0 = time.perf_counter()
    with open(pickle_path, "rb") as f:
        advisories = pickle.load(f)
    t1 = time.perf_counter()
    rows = []
    for a in advisories:
        refs = " ".join(n for r in a.references for n in (r.id, *r.aliases))
        for c in a.cases:
            for lang in LANGS:
                t = case_texts(a, c, lang)
                rows.append(
                    (
                        f"{a.id}#{c.id}@{lang}",
                        _fts_norm(t["title"] + "\n" + refs),
                        _fts_norm(t["messages"]),
                        _fts_norm(t["body"] + "\n" + t["products"]),
                    )
                )
    t2 = time.perf_counter()
    if os.path.exists(db):
        os.remove(db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, messages, body, tokenize='trigram')")
    con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
    con.execute("INSERT INTO docs(docs) VALUES('optimize')")
    con.commit()
    con.close()
    t3 = time.perf_counter()
    emit(
        {"unpickle_s": t1 - t0, "texts_s": t2 - t1, "insert_s": t3 - t2, "rows": len(rows), "db_bytes": os.path.getsize(db), "maxrss_mb": maxrss_mb()}
    )


class Fts:
    """FTS5 (trigram tokenizer), *trigram-OR* query: OR of the query's rarest trigrams, weighted bm25.

    The query (NFKC) is cut into lines; every 3-character window of every line (white space
    collapsed) is a candidate. Their document frequencies come from an fts5vocab table; trigrams in
    more than ``MAX_DF_SHARE`` of the rows are dropped as stop grams; the ``MAX_TERMS`` rarest remain.
    """

    name = "FTS5 trigram-OR"
    MAX_TERMS = 64
    MAX_DF_SHARE = 0.10
    WEIGHTS = (0.0, 3.0, 2.0, 1.0)  # key, title, messages, body

    def __init__(self, db: str):
        self.con = sqlite3.connect(db)
        self.con.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, docs, row)")
        self.rows = self.con.execute("SELECT count(*) FROM docs").fetchone()[0]

    def terms(self, text: str) -> list[str]:
        seen: dict[str, int] = {}
        for line in _fts_norm(text).lower().splitlines():
            line = " ".join(line.split())
            for i in range(len(line) - 2):
                g = line[i : i + 3]
                if g.strip() and g not in seen:
                    seen[g] = len(seen)
        if not seen:
            return []
        cand = list(seen)
        df: dict[str, int] = {}
        for k in range(0, len(cand), 500):
            chunk = cand[k : k + 500]
            q = f"SELECT term, doc FROM temp.vocab WHERE term IN ({','.join('?' * len(chunk))})"
            df.update(self.con.execute(q, chunk).fetchall())
        present = [g for g in cand if g in df]
        keep = [g for g in present if df[g] <= self.MAX_DF_SHARE * self.rows] or present
        keep.sort(key=lambda g: (df[g], seen[g]))
        return keep[: self.MAX_TERMS]

    def search(self, text: str, limit: int = 10) -> list[str]:
        terms = self.terms(text)
        if not terms:
            return []
        match = " OR ".join('"' + g.replace('"', '""') + '"' for g in terms)
        w = ", ".join(map(str, self.WEIGHTS))
        out: list[str] = []
        for (key,) in self.con.execute(f"SELECT key FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, {w}) LIMIT 60", (match,)):
            case = key.rsplit("@", 1)[0]
            if case not in out:
                out.append(case)
                if len(out) >= limit:
                    break
        return out


_SPLIT = re.compile(r"[\s,;()\[\]{}<>\"'、。・：「」『』【】（）“”]+|:(?!\d)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_NOISE = re.compile(r"^\d+[/:][\d/:.]*$")  # dates and times


class FtsTokens(Fts):
    """FTS5 (the same trigram index), *token-OR* query: OR of the query's words as substring phrases.

    Each line (NFKC, lower case) is split at white space and punctuation (not inside ``errcode=-108``
    or ``file.cpp|112``); tokens of 3+ characters that are not dates or times become phrases (the trigram index matches them as
    substrings, so ``coserver`` finds ``CoServer1``); a token with Japanese in it contributes its
    trigrams instead (Japanese has no spaces). Lines take turns, so every line of a paste
    contributes; at most ``MAX_TERMS`` terms.
    """

    name = "FTS5 token-OR"

    def terms(self, text: str) -> list[str]:
        per_line: list[list[str]] = []
        for line in _fts_norm(text).lower().splitlines():
            toks: list[str] = []
            for tok in _SPLIT.split(line):
                tok = tok.strip(".-_\\/")
                if len(tok) < 3 or _NOISE.match(tok):
                    continue
                if _CJK.search(tok):
                    toks.extend(tok[i : i + 3] for i in range(len(tok) - 2))
                else:
                    toks.append(tok)
            if toks:
                per_line.append(toks)
        out: dict[str, None] = {}
        depth = max((len(t) for t in per_line), default=0)
        for k in range(depth):
            for toks in per_line:
                if k < len(toks):
                    out.setdefault(toks[k])
                    if len(out) >= self.MAX_TERMS:
                        return list(out)
        return list(out)


FTS_VARIANTS = {"tokens": FtsTokens, "trigrams": Fts}


def _time_queries(search, queries: list[dict], big: str, warmup: list[str], big_runs: int = 3) -> dict:
    """Time each query once, after the engine has answered every ``warmup`` query (as many of the
    same kinds, generated with another seed): the mapped files, caches and page cache are as a long-running
    process has them, but nothing was asked of the timed queries themselves."""
    load_before = os.getloadavg()[0]
    for text in warmup or [q["q"] for q in queries[:10]]:
        search(text)
    results, times = [], []
    for q in queries:
        t0 = time.perf_counter()
        ranked = search(q["q"])
        times.append((time.perf_counter() - t0) * 1000)
        results.append(ranked)
    rss_before_big = maxrss_mb()
    rss_parts = rss_parts_mb()
    big_ms = []
    for _ in range(big_runs):
        t0 = time.perf_counter()
        search(big)
        big_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "ms": times,
        "ranked": results,
        "big_ms": big_ms,
        "maxrss_mb": maxrss_mb(),
        "maxrss_queries_mb": rss_before_big,
        "rss_parts_mb": rss_parts,
        "loadavg": [load_before, os.getloadavg()[0]],
    }


def phase_query_kb(content: str, index: str, queries_path: str, out_path: str, profile: str | None) -> None:
    from kb.api import KnowledgeBase

    data = json.loads(Path(queries_path).read_text("utf-8"))
    t0 = time.perf_counter()
    base = KnowledgeBase(content, index)
    base.searcher()
    open_s = time.perf_counter() - t0

    def search(text: str) -> list[str]:
        return [f"{h.id}#{h.case}" for h in base.search(text, limit=10)]

    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    res = _time_queries(search, data["queries"], data["big"], data.get("warmup", []))
    if prof:
        prof.disable()
        prof.dump_stats(profile)
    res["open_s"] = open_s
    Path(out_path).write_text(json.dumps(res), "utf-8")
    emit({"ok": True})


def phase_query_fts(db: str, variant: str, queries_path: str, out_path: str) -> None:
    data = json.loads(Path(queries_path).read_text("utf-8"))
    t0 = time.perf_counter()
    fts = FTS_VARIANTS[variant](db)
    open_s = time.perf_counter() - t0
    res = _time_queries(fts.search, data["queries"], data["big"], data.get("warmup", []))
    res["open_s"] = open_s
    Path(out_path).write_text(json.dumps(res), "utf-8")
    emit({"ok": True})


def phase_fts_cold(db: str, text: str) -> None:
    """What a one-shot FTS5 search costs from a fresh interpreter (the counterpart of `kb search`)."""
    fts = FtsTokens(db)
    emit({"results": fts.search(text)})


def run_phase(*args: str) -> dict:
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--phase", *args], capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"phase {args[0]} failed ({p.returncode})")
    return json.loads(p.stdout.strip().splitlines()[-1])


# === the labeled query set ===================================================================

SLOT_VALUES = {
    "word": ["srv01", "PC023", "Tape1", "Team2", "cm02", "B3", "node7"],
    "drive": ["D:", "E:", "F:", "G:", "H:"],
    "path": ["C:\\WINDOWS\\system32\\drivers", "D:\\Data\\share", "E:\\Backup\\daily", "C:\\Program Files\\App\\bin", "C:\\Users\\admin\\AppData"],
    "text": [
        "svchost.exe",
        "lsass.exe",
        "spoolsv.exe",
        "Microsoft.Windows.Common-Controls",
        "NT AUTHORITY\\LOCAL SERVICE",
        "1053",
        "Microsoft.VC90.CRT",
        "Weekly-Incr",
    ],
}
NOISE_LINES: list[tuple[str, str, str, int]] = [
    # (ja, en, source, event id) — generic Windows events that no advisory mentions
    ("Windows Update サービスは実行中状態に移行しました。", "The Windows Update service entered the running state.", "Service Control Manager", 7036),
    ("イベント ログ サービスが開始されました。", "The Event log service was started.", "EventLog", 6005),
    ("システム起動時間は {n} 秒です。", "The system uptime is {n} seconds.", "EventLog", 6013),
    (
        "WinHTTP Web Proxy Auto-Discovery Service サービスは停止状態に移行しました。",
        "The WinHTTP Web Proxy Auto-Discovery Service service entered the stopped state.",
        "Service Control Manager",
        7036,
    ),
    (
        "タイム プロバイダー NtpClient は ntp{n}.example.jp から有効なタイム データを受信しています。",
        "The time provider NtpClient is currently receiving valid time data from ntp{n}.example.com.",
        "Time-Service",
        37,
    ),
    (
        "コンピューターのグループ ポリシー設定が正常に処理されました。",
        "The Group Policy settings for the computer were processed successfully.",
        "GroupPolicy",
        1502,
    ),
    ("新しいログオンに特権が割り当てられました。ログオン ID: 0x{h}", "Special privileges assigned to new logon. Logon ID: 0x{h}", "Security", 4672),
    ("ユーザー {n} のプロファイルが読み込まれました。", "The profile of user {n} was loaded.", "User Profile Service", 1),
    ("Windows Defender ウイルス対策のスキャンが開始されました。", "Windows Defender Antivirus scan has started.", "Windows Defender", 1000),
    ("ボリューム シャドウ コピー サービスは正常に開始されました。", "The Volume Shadow Copy service started successfully.", "VSS", 8224),
]
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "are",
        "was",
        "were",
        "not",
        "can",
        "has",
        "have",
        "been",
        "after",
        "when",
        "which",
        "into",
        "its",
        "your",
        "you",
        "all",
        "any",
        "one",
        "other",
    ]
)
EN_TOKEN = re.compile(r"[a-z][a-z0-9]{2,}")
JA_TOKEN = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]{2,}")


def _render(template, rng: random.Random) -> str:
    from kb.content.model import Placeholder

    out = []
    for p in template.parts:
        if not isinstance(p, Placeholder):
            out.append(p)
        elif p.type == "number":
            ex = p.example
            v = str(rng.randint(1, 9))
            while ex is not None and v == ex:
                v = str(rng.randint(1, 9))
            out.append(v)
        elif p.type == "hex":
            out.append(f"0x{rng.getrandbits(32):08x}")
        elif p.type == "guid":
            out.append("{" + str(uuid.UUID(int=rng.getrandbits(128))).upper() + "}")
        else:
            out.append(rng.choice(SLOT_VALUES.get(p.type, SLOT_VALUES["text"])))
    return "".join(out)


def _tokens(text: str, lang: str) -> list[str]:
    low = text.lower()
    toks = [t for t in EN_TOKEN.findall(low) if t not in STOP]
    if lang == "ja":
        toks += JA_TOKEN.findall(text)
    return toks


def _prefix(rng: random.Random, lang: str, source: str, eid: int | None) -> str:
    level = rng.choice(("エラー", "警告", "情報") if lang == "ja" else ("Error", "Warning", "Information"))
    stamp = f"2024/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return f"{stamp}  {level}  {source}  {eid if eid is not None else ''}  "


def make_queries(advisories, n_one: int, n_multi: int, seed: int) -> tuple[list[dict], list[dict], str]:
    """Labeled one-line queries, labeled multi-line event-log pastes, and an unlabeled ~1 MB paste."""
    from kb.text.templates import literal_parts

    # Selection must not depend on the engine under test: plain normalizations only.
    def normalize(s: str) -> str:
        return unicodedata.normalize("NFKC", s).lower()

    def model_keys(m: str) -> list[str]:
        return [re.sub(r"[\s\-_/.]", "", normalize(m))]

    rng = random.Random(seed)
    msg_owner: dict[tuple, set] = defaultdict(set)
    model_owner: dict[str, set] = defaultdict(set)
    ref_owner: dict[str, set] = defaultdict(set)
    tok_owner: dict[str, set] = defaultdict(set)
    prose: dict[tuple, dict[str, list[str]]] = {}
    cases = []
    for a in advisories:
        for r in a.references:
            for name in (r.id, *r.aliases):
                ref_owner[normalize(name)].add(a.id)
        for c in a.cases:
            key = (a.id, c.id)
            cases.append((a, c))
            for m in c.messages:
                for lang, t in m.text.items():
                    msg_owner[tuple(literal_parts(t))].add(key)
            for m, _primary in c.models():
                for k in model_keys(m):
                    model_owner[k].add(key)
            for n in c.not_affected:
                if n.model:
                    for k in model_keys(n.model):
                        model_owner[k].add(key)
            prose[key] = {}
            for lang in ("ja", "en"):
                ct = c.text[lang]
                toks = _tokens(" ".join((a.title[lang], ct.title, ct.symptoms, ct.cause, ct.resolution)), lang)
                prose[key][lang] = toks
                for t in set(toks):
                    tok_owner[t].add(key)

    def unique_messages(a, c):
        return [(m, lang, t) for m in c.messages for lang, t in m.text.items() if msg_owner[tuple(literal_parts(t))] == {(a.id, c.id)}]

    one: list[dict] = []
    kinds = ["message", "model", "reference", "prose-ja", "prose-en"]
    quota = {"message": 0.3, "model": 0.2, "reference": 0.15, "prose-ja": 0.175, "prose-en": 0.175}
    want = {k: max(1, round(n_one * quota[k])) for k in kinds}
    order = list(range(len(cases)))
    rng.shuffle(order)
    have: dict[str, int] = defaultdict(int)
    for idx in order:
        if len(one) >= n_one:
            break
        a, c = cases[idx]
        key = (a.id, c.id)
        open_kinds = [k for k in kinds if have[k] < want[k]] or kinds
        kind = rng.choice(open_kinds)
        q = None
        if kind == "message":
            um = unique_messages(a, c)
            if um:
                m, lang, t = rng.choice(um)
                q = {"q": _render(t, rng), "id": a.id, "case": c.id}
        elif kind == "model":
            ms = [k for m, p in c.models() if p for k in model_keys(m)[:1] if model_owner[k] == {key}]
            if ms:
                q = {"q": rng.choice([m for m, p in c.models() if p and model_keys(m)[0] in ms]), "id": a.id, "case": c.id}
        elif kind == "reference":
            refs = [n for r in a.references for n in (r.id, *r.aliases) if ref_owner[normalize(n)] == {a.id}]
            if refs:
                q = {"q": rng.choice(refs), "id": a.id, "case": None if len(a.cases) > 1 else c.id}
        else:
            lang = kind[-2:]
            toks = list(dict.fromkeys(prose[key][lang]))
            if len(toks) >= 5:
                for _ in range(30):
                    k = min(len(toks), rng.randint(5, 7))
                    pick = rng.sample(toks, k)
                    owners = set.intersection(*(tok_owner[t] for t in pick))
                    if owners == {key}:
                        q = {"q": " ".join(pick), "id": a.id, "case": c.id}
                        break
        if q:
            q["kind"] = kind
            have[kind] += 1
            one.append(q)

    multi: list[dict] = []
    for idx in order:
        if len(multi) >= n_multi:
            break
        a, c = cases[idx]
        um = unique_messages(a, c)
        if not um:
            continue
        lang = rng.choice(("ja", "en"))
        own = [(m, m.text.get(lang) or next(iter(m.text.values()))) for m in c.messages]
        chosen = rng.sample(own, min(len(own), rng.randint(1, 3)))
        m0, _lang0, t0 = rng.choice(um)
        if all(m is not m0 for m, _ in chosen):
            chosen[0] = (m0, t0)
        lines = [_prefix(rng, lang, m.source or a.vendor, m.event_id) + _render(t, rng).replace("\n", " ") for m, t in chosen]
        while len(lines) < rng.randint(5, 20):
            ja, en, src, eid = rng.choice(NOISE_LINES)
            text = (ja if lang == "ja" else en).format(n=rng.randint(1, 99999), h=f"{rng.getrandbits(24):x}")
            lines.append(_prefix(rng, lang, src, eid) + text)
        head, rest = lines[: len(chosen)], lines[len(chosen) :]
        rng.shuffle(rest)
        for line in head:
            rest.insert(rng.randint(0, len(rest)), line)
        multi.append({"q": "\n".join(rest), "id": a.id, "case": c.id, "kind": "event-log block"})

    big_lines: list[str] = []
    size = 0
    while size < 1_000_000:
        a, c = cases[rng.randrange(len(cases))]
        if c.messages and rng.random() < 0.5:
            m = rng.choice(c.messages)
            t = next(iter(m.text.values()))
            line = _prefix(rng, "en", m.source or a.vendor, m.event_id) + _render(t, rng).replace("\n", " ")
        else:
            ja, en, src, eid = rng.choice(NOISE_LINES)
            line = _prefix(rng, "en", src, eid) + en.format(n=rng.randint(1, 99999), h=f"{rng.getrandbits(24):x}")
        big_lines.append(line)
        size += len(line) + 1
    return one, multi, "\n".join(big_lines)[:1_000_000]


# === scoring and report ======================================================================


def rank_of(q: dict, ranked: list[str]) -> int | None:
    for i, key in enumerate(ranked, 1):
        adv, _, case = key.partition("#")
        if adv == q["id"] and (q.get("case") is None or case == q["case"]):
            return i
    return None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def quality(queries: list[dict], ranked: list[list[str]]) -> dict[str, tuple[float, float, int]]:
    by: dict[str, list[int | None]] = defaultdict(list)
    for q, r in zip(queries, ranked):
        rk = rank_of(q, r)
        by[q["kind"]].append(rk)
        by["all"].append(rk)
    return {k: (sum(r == 1 for r in v) / len(v), sum(1 / r for r in v if r) / len(v), len(v)) for k, v in by.items()}


def _parts(r: dict) -> str:
    """Resident memory by kind (``rss_parts_mb``), for a table cell; blank for results from before it was measured."""
    parts = r.get("rss_parts_mb")
    return f"{parts['anon']:.0f} / {parts['file']:.0f} MB" if parts else ""


def fmt_ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def git_state() -> str:
    """The commit, whether kb/ has uncommitted changes, and a hash of the kb sources actually imported."""
    import hashlib

    import kb

    h = hashlib.sha256()
    pkg = Path(kb.__file__).parent
    for f in sorted(pkg.rglob("*.py")):
        h.update(f.read_bytes())
    src = f"; kb sources {h.hexdigest()[:10]}" + ("" if pkg == ROOT / "kb" else f" from {pkg}")
    if os.environ.get("KB_BENCH_LABEL"):  # a snapshot outside the repository says what it is
        return os.environ["KB_BENCH_LABEL"] + src
    import measured

    return measured.commit() + src


def summarize(r: dict, n_one: int, queries: list[dict]) -> dict:
    ms = r["ms"]
    return {
        "one_p50": pct(ms[:n_one], 0.5),
        "one_p95": pct(ms[:n_one], 0.95),
        "one_max": max(ms[:n_one], default=0),
        "multi_p50": pct(ms[n_one:], 0.5),
        "multi_p95": pct(ms[n_one:], 0.95),
        "multi_max": max(ms[n_one:], default=0),
        "big_ms": statistics.median(r["big_ms"]),
        "open_s": r["open_s"],
        "maxrss_mb": r["maxrss_mb"],
        "maxrss_queries_mb": r.get("maxrss_queries_mb", 0.0),
        "rss_parts_mb": r.get("rss_parts_mb"),
        "quality": quality(queries, r["ranked"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="advisories in the synthetic corpus (default 10000)")
    ap.add_argument("--queries", type=int, default=200, help="labeled one-line queries, and as many multi-line pastes (default 200)")
    ap.add_argument("--quick", action="store_true", help="smoke run: n=500, 60 + 60 queries")
    ap.add_argument("--profile", action="store_true", help="cProfile the build and the kb query run (bench/out/n*/*.prof, *-profile.txt)")
    ap.add_argument("--no-rebuild", action="store_true", help="skip the builds after editing one advisory (for a kb without incremental builds)")
    ap.add_argument("--report-only", action="store_true", help="write the report again from the last run's results.json (no measuring)")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.phase:
        name, *rest = args.phase
        prof = lambda s: None if s == "-" else s  # noqa: E731
        if name == "tokenize":
            phase_tokenize(*rest)
        elif name == "build":
            phase_build(rest[0], rest[1], prof(rest[2]))
        elif name == "build-site":
            phase_build_site(*rest)
        elif name == "fts-build":
            phase_fts_build(*rest)
        elif name == "query-kb":
            phase_query_kb(rest[0], rest[1], rest[2], rest[3], prof(rest[4]))
        elif name == "query-fts":
            phase_query_fts(*rest)
        elif name == "fts-cold":
            phase_fts_cold(*rest)
        elif name == "answers":
            phase_answers(*rest)
        else:
            raise SystemExit(f"unknown phase {name}")
        return 0

    if args.quick:
        args.n, args.queries = 500, 60
    work = OUT / f"search-n{args.n}"
    target = ROOT / "bench" / "RESULTS.md" if (not args.quick and args.n == 10_000) else work / "RESULTS.md"
    if args.report_only:
        res = json.loads((work / "results.json").read_text("utf-8"))
        target.write_text(report(res, args), "utf-8")
        print(f"written to {target}")
        keep(res, args)
        return 0
    content, index, db = work / "content", work / "index", work / "fts5.sqlite"
    pkl, qpath = work / "advisories.pickle", work / "queries.json"
    work.mkdir(parents=True, exist_ok=True)
    logfile = open(work / "run.log", "a", encoding="utf-8")
    loads: list[float] = []

    def log(msg: str) -> None:
        loads.append(os.getloadavg()[0])
        line = f"[{time.strftime('%H:%M:%S')}] {msg}  (load {loads[-1]:.1f})"
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    version = git_state()
    log(f"kb at {version}; work folder {work}")

    from tools.synthetic import write_corpus

    shutil.rmtree(content, ignore_errors=True)
    t0 = time.perf_counter()
    write_corpus(content, args.n, seed=CORPUS_SEED)
    gen_s = time.perf_counter() - t0
    content_bytes = tree_size(content)
    log(f"generated {args.n} advisories in {gen_s:.1f} s ({content_bytes / 1e6:.1f} MB)")

    tok = run_phase("tokenize", str(content), str(pkl))
    log(f"tokenize-only: load {tok['load_s']:.1f} s + documents {tok['documents_s']:.1f} s ({tok['docs']} documents)")
    build = run_phase("build", str(content), str(index), str(work / "build.prof") if args.profile else "-")
    log(f"kb build: {build['build_s']:.1f} s, index {build['index_bytes'] / 1e6:.1f} MB, peak RSS {build['maxrss_mb']:.0f} MB")
    site_build = run_phase("build-site", str(content), str(work / "site-index"), str(work / "site"))
    log(
        f"kb build (index and site): {site_build['build_s']:.1f} s, site {site_build['site_bytes'] / 1e6:.1f} MB, peak RSS {site_build['maxrss_mb']:.0f} MB"
    )
    shutil.rmtree(work / "site-index", ignore_errors=True)
    shutil.rmtree(work / "site", ignore_errors=True)
    fts_build = run_phase("fts-build", str(pkl), str(db))
    log(f"FTS5 build: texts {fts_build['texts_s']:.1f} s + insert {fts_build['insert_s']:.1f} s, {fts_build['db_bytes'] / 1e6:.1f} MB")

    with open(pkl, "rb") as f:
        advisories = pickle.load(f)
    one, multi, big = make_queries(advisories, args.queries, args.queries, QUERY_SEED)
    warm_one, warm_multi, _ = make_queries(advisories, args.queries, args.queries, WARMUP_SEED)
    del advisories
    queries = one + multi
    timed = {q["q"] for q in queries}
    warmup = [q["q"] for q in warm_one + warm_multi if q["q"] not in timed]
    qpath.write_text(json.dumps({"queries": queries, "warmup": warmup, "big": big}, ensure_ascii=False), "utf-8")
    log(f"queries: {len(one)} one-line, {len(multi)} multi-line, 1 paste of {len(big) / 1e6:.2f} MB; {len(warmup)} others to warm up")

    raw: dict[str, dict] = {}
    for variant in FTS_VARIANTS:
        out = work / f"results-fts-{variant}.json"
        run_phase("query-fts", str(db), variant, str(qpath), str(out))
        raw["fts-" + variant] = json.loads(out.read_text("utf-8"))
    log("FTS5 queries done")
    out = work / "results-kb.json"
    run_phase("query-kb", str(content), str(index), str(qpath), str(out), str(work / "query.prof") if args.profile else "-")
    raw["kb"] = json.loads(out.read_text("utf-8"))
    log("kb queries done")

    cold_q = one[0]["q"] if one else "errcode=-108"
    import kb

    # As an installed package has them (this machine's PYTHONDONTWRITEBYTECODE would have every run compile kb).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(kb.__file__).parent)], check=True)
    # The same cold search on a small corpus of the same kind: is the cold start flat in corpus size?
    small_content, small_index = work / "small-content", work / "small-index"
    shutil.rmtree(small_content, ignore_errors=True)
    shutil.rmtree(small_index, ignore_errors=True)
    write_corpus(small_content, SMALL_N, seed=CORPUS_SEED)
    kb_run = [str(KB_BIN), "--content", str(content), "--index", str(index)]
    small_run = [str(KB_BIN), "--content", str(small_content), "--index", str(small_index)]
    if run_rusage([*small_run, "build", "--no-site"])["rc"] != 0:
        raise SystemExit("kb build of the small corpus failed")
    kb_cold, kb_cold_small, fts_cold = [], [], []
    kb_answer, kb_answer_small = [], []  # the same search printed for people: when the answer appeared
    for _ in range(COLD_RUNS):
        for runs, cmd in ((kb_cold, kb_run), (kb_cold_small, small_run)):
            c = run_rusage([*cmd, "search", cold_q, "--json"])
            if c["rc"] not in (0, 1):
                sys.stderr.write(c["stderr"])
                raise SystemExit("kb search failed")
            runs.append(c)
        for answers, cmd in ((kb_answer, kb_run), (kb_answer_small, small_run)):
            a = run_first_answer([*cmd, "search", cold_q])
            if a["rc"] not in (0, 1):
                raise SystemExit("kb search failed")
            answers.append(a)
        t0 = time.perf_counter()
        run_phase("fts-cold", str(db), cold_q)
        fts_cold.append(time.perf_counter() - t0)
    log(
        f"cold start: kb {statistics.median(c['wall_s'] for c in kb_cold):.2f} s "
        f"({SMALL_N} advisories: {statistics.median(c['wall_s'] for c in kb_cold_small):.2f} s), FTS5 {statistics.median(fts_cold):.2f} s; "
        f"answer shown after {statistics.median(a['answer_s'] for a in kb_answer):.2f} s "
        f"({SMALL_N} advisories: {statistics.median(a['answer_s'] for a in kb_answer_small):.2f} s)"
    )
    check = run_rusage([*kb_run, "check"])
    if check["rc"] != 0:
        sys.stderr.write(check["stderr"])
        raise SystemExit("kb check failed")
    # The same with no index beside the content: every advisory folder is read.
    check_full = run_rusage([str(KB_BIN), "--content", str(content), "--index", str(work / "no-index"), "check"])
    if check_full["rc"] != 0 or check_full["stdout"] != check["stdout"]:
        sys.stderr.write(check_full["stderr"])
        raise SystemExit("kb check without an index failed or said something else")
    log(
        f"kb check: {check['wall_s']:.1f} s (CPU {check['cpu_s']:.1f} s); with no index: {check_full['wall_s']:.1f} s (CPU {check_full['cpu_s']:.1f} s)"
    )
    rebuilds: list[dict] = []
    revert: dict = {}
    if not args.no_rebuild:
        # Answers and tables of the full build, then three builds after editing one advisory each
        # (`kb build --no-site`, incremental), then one after undoing the three edits: the content is
        # the full build's again, so that incremental build must equal the full one.
        full_answers = work / "answers-full.json"
        run_phase("answers", str(content), str(index), str(qpath), str(full_answers), str(EQUAL_QUERIES))
        full_digest = table_digest((index / "current").resolve())
        folders = sorted(p.name for p in content.iterdir() if p.is_dir())
        edited = [folders[k * len(folders) // 3] for k in range(3)]

        def kb_build_no_site() -> dict:
            b = run_rusage([*kb_run, "build", "--no-site"])
            if b["rc"] != 0:
                sys.stderr.write(b["stderr"])
                raise SystemExit("kb build --no-site failed")
            manifest = json.loads(((index / "current").resolve() / "manifest.json").read_text("utf-8"))
            b["analyzed"] = manifest.get("analyzed")
            del b["stdout"], b["stderr"]
            return b

        for folder in edited:
            edit_advisory(content, folder)
            rebuilds.append(kb_build_no_site())
        for folder in edited:
            edit_advisory(content, folder, undo=True)
        revert = kb_build_no_site()
        revert_answers = work / "answers-incremental.json"
        run_phase("answers", str(content), str(index), str(qpath), str(revert_answers), str(EQUAL_QUERIES))
        digest = table_digest((index / "current").resolve())
        revert["tables_equal"] = digest == full_digest
        revert["tables_differing"] = sorted(k for k in set(digest) | set(full_digest) if digest.get(k) != full_digest.get(k))
        revert["answers_equal"] = full_answers.read_text("utf-8") == revert_answers.read_text("utf-8")
        log(
            "kb build --no-site after editing one advisory: "
            + ", ".join(f"{r['wall_s']:.2f} s ({r['analyzed']} analyzed)" for r in rebuilds)
            + f"; after undoing the edits: {revert['wall_s']:.2f} s, tables equal to the full build: {revert['tables_equal']}"
            + f" {revert['tables_differing']}, answers to {EQUAL_QUERIES} queries equal: {revert['answers_equal']}"
        )

    res = {
        "n": args.n,
        "kb_version": version,
        "loadavg": [min(loads), max(loads)],
        "query_loadavg": {k: v["loadavg"] for k, v in raw.items()},
        "generate_s": gen_s,
        "content_bytes": content_bytes,
        "tokenize": tok,
        "build": build,
        "site_build": site_build,
        "fts_build": fts_build,
        "kb_cold_s": [c["wall_s"] for c in kb_cold],
        "kb_cold_small_s": [c["wall_s"] for c in kb_cold_small],
        "kb_answer_s": [a["answer_s"] for a in kb_answer],
        "kb_answer_small_s": [a["answer_s"] for a in kb_answer_small],
        "kb_cold_maxrss_mb": max(c["maxrss_mb"] for c in kb_cold),
        "small_n": SMALL_N,
        "check": {k: v for k, v in check.items() if k not in ("stdout", "stderr")},
        "check_full": {k: v for k, v in check_full.items() if k not in ("stdout", "stderr")},
        "rebuilds": rebuilds,
        "revert": revert,
        "fts_cold_s": fts_cold,
        "queries_one": len(one),
        "queries_multi": len(multi),
        "engines": {name: summarize(r, len(one), queries) for name, r in raw.items()},
    }
    (work / "results.json").write_text(json.dumps(res, indent=1), "utf-8")
    if args.profile:
        import io
        import pstats

        for name in ("build", "query"):
            buf = io.StringIO()
            st = pstats.Stats(str(work / f"{name}.prof"), stream=buf)
            st.sort_stats("cumulative").print_stats(45)
            st.sort_stats("tottime").print_stats(30)
            (work / f"{name}-profile.txt").write_text(buf.getvalue(), "utf-8")
        log(f"profiles: {work}/build-profile.txt, {work}/query-profile.txt")

    text = report(res, args)
    target.write_text(text, "utf-8")
    print()
    print(text)
    log(f"written to {target}")
    keep(res, args)
    return 0


def keep(res: dict, args) -> None:
    """A run of 1,000 advisories or more goes into ``bench/measured.json`` (README's figures)."""
    if args.quick or args.n < 1_000:
        return
    sys.path.insert(0, str(ROOT / "bench"))
    import measured

    measured.record("search", res, key=str(args.n))


WHAT_IS_LEFT = [
    "- **cold start**: a search imports neither Whoosh nor markdown-it, PyYAML or jsonschema (kb's own mapped files answer, "
    "`tests/test_search.py` checks the imports); numpy (~0.12 s) and kb's modules remain, whatever the size. Opening the index "
    "sorted every message entry by wording (13 ms at 30,000 advisories) and made a list slot for each (4 ms at "
    "30,000): since bbcbc83 a build writes the entries grouped (`wording-entries.npy`, `wording-bounds.npy`) and the entries made "
    "for hits are kept in a dict; the first search at 30,000 took ~15 ms more than at 10,000 before, the same after. What grows with the "
    "corpus is the stale-content check, which stats every content file (~41,600 `stat` calls at 10,000 advisories, ~0.3 s here). "
    "`kb search --json` forks it at its start (`kb.freshness.StalenessCheck`, before numpy or kb's search modules are imported) so "
    "that it runs on the other CPU while the search imports and answers; the process still ends only when the check has (readers "
    "never write, so there is no cache of the result), and with one CPU, or both busy, the two add up again. The scan's Python around the `stat` calls is not what costs: a leaner loop (the numbers hashed in one piece per folder, no text per file) measured the same in new processes, interleaved (~0.12 s of CPU at 10k, the system calls). `kb search` for people "
    "prints the answers first and checks after them, in process: a child competing for the CPU delayed the answer (0.41 s at "
    "d9e6859, where the child ran for both). Sharing the scan between the child and a second forked child, each half the "
    "folders, was measured and left (at d123f27, six new processes each, interleaved): three processes on two CPUs delayed the "
    "answer (0.22-0.30 s against 0.15-0.24 s) and the check ended no sooner (0.25-0.31 s against 0.24-0.30 s). In a quiet moment "
    "the child ends ~0.06-0.08 s after the answer at 10k, and before it at 200 advisories. Since c38e741 a build keeps the "
    "content's state as numbers (`content-state.bin`) and the check compares value by value: no 1.3 MB `sources.json` to parse, "
    "no text to format and hash per folder; in process at 10k, ~140 -> ~95 ms, 85 ms of it the `stat` calls (~2 µs each on this "
    "VM, also with `dir_fd` or per-folder descriptors). The search alone is flat (80 / 75 ms at 10k / 200 without the check, in "
    "a harness that starts timing after the interpreter), but any second busy process slows it here: a pure CPU loop running "
    "beside it took its answer from 80 to 87-133 ms, as the forked check does. Splitting the check, the last 20-30 % of the "
    "folders checked by the search process once it has answered (a static split, measured in a harness), ended at 127-141 ms "
    "against 138-186 ms for the child alone and ~100 ms at 200 advisories: ~1.3x, not flat, so left. A dynamic split, measured "
    "and left at 7ae5b3e: the search process, once it had answered, checked the record's folders from the last back while the "
    "child went on forwards, the two meeting through two numbers in shared memory. It made no difference (whole `--json` "
    "processes, 7 interleaved each: medians 0.207 / 0.207 s at 10k, 0.330 / 0.334 s at 30k): the child had done 73-99 % of the "
    "folders when the search answered at 10k, and the search process's share cost more to start (reading the record, 4-8 ms, and "
    "finding where each folder's part of it begins, ~10 ms) than it saved. Flat would need no "
    "per-file `stat`, and an edit in place changes nothing else.",
    "- **warm p95** (multi-line pastes at 10k, in-process, by stage, at d267759; the 20 slowest of the 200: ~13.9 ms word "
    "overlap in `Index.search`, ~7 ms messages, ~4.8 ms hits and evidence, ~4 ms analysis, ~1.6 ms word coverage; the middle 40: "
    "~10, ~4.7, ~2.4, ~2.1, ~1.4 ms): the word overlap is the postings of common terms, summed in one `bincount` pass (the slowest "
    "paste has 1.7M postings from 320 terms, 84 % of them from the 122 terms in more than 5,000 documents: `1` is in every body), "
    "~7.5 ms, and the table of which of the best 200 documents has which term (one boolean lookup per posting), ~3 ms. The arrays "
    "they are laid in are reused from search to search (`index._Scratch`: fresh ones cost ~4 ms of page faults per 1.5M postings "
    "on this machine). Messages: ~800 candidate wordings per paste checked one at a time (`TemplateMatcher._find`), about two "
    "thirds sharing none of their chunks with the paste. Measured as thread CPU time (median of 3 processes per variant, "
    "interleaved, the machine's other load left out), the multi-line p50 / p95 went from 23.7 / 32.8 to 21.4 / 30.0 ms at d267759; "
    "the wall-clock figures above add the machine's load. Below ~30 ms at p95 under load would need fewer postings per query, "
    "which the ranking's exact scores (the browser's too) do not allow. **Growth to 30k** (profiled by stage at 324fb40 on the "
    "20 slowest pastes): passes of 64k postings each laid every document's sum so far again (110,000 documents at 30k, ~25 passes "
    "for a paste of ~1.5M postings: more than the postings themselves); since 8a8ccb3 a pass holds at least 4 postings per "
    "document (`index.PASS_PER_DOCUMENT`), the word overlap of those 20 pastes 47-52 -> 33-37 ms, the multi-line p95 in process "
    "81-89 -> 66-71 ms (10k: the same within the noise), the same scores bit for bit. Messages grew ~4x from 10k to 30k (~970 -> "
    "~4,800 candidate wordings for the slowest pastes: a wording is a candidate when one of its keys, a trigram, is in the "
    "paste); since 324fb40 one the paste has nothing of is let go before anything else is asked of it (~5-10 % of the messages' time).",
    "- **query RSS** (this run: see the table): the process's own memory is Python's objects, chiefly the parsed candidate "
    "wordings (~23 MB once 23,000 of the 26,000 wordings have come up; each is made from the literal parts the index stores, 7 µs), "
    "the template entries made for hits (~9 MB), the arrays the word overlap reuses, and "
    "numpy and MeCab themselves; the rest is pages of mapped files: MeCab's dictionary (~69 MB: `sys.dic` 46, `matrix.bin` 23) "
    "and the postings the queries touched. Those were ~64 MB of `postings.bin` after 800 queries at 10k, most of them long "
    "lists read in full; since 7431eb9 a list of `Index.READ_FROM` (512) postings or more is read from the file (`preadv`, into "
    "reused arrays) instead: ~12 MB resident, the same scores; peak RSS 263 -> 219 MB in an A/B harness (interleaved, quiet machine), for "
    "~1.5-2.5 ms more at the multi-line p50 (16.8 -> 18.5 ms: reading copies what the mapping gave as is; one-line the same). A higher "
    "`READ_FROM` saves less for the same cost (2,048: 241 MB; 8,192: 251 MB); since 00bd9be it is 128: ~16 -> ~7 MB of the file "
    "resident after the bench's queries, the same latencies (a read costs about what the page faults of a mapped list cost; 64 saved no more). The word overlap's arrays held the longest paste so far and grew "
    "with the corpus (~25-35 MB at 10k, "
    "~98 MB at 30k after ordinary pastes, traced with `tracemalloc`); since b831e32 at most `index.POSTINGS_PER_PASS` postings are laid at once "
    "(longer searches are summed in passes that start from the sums so far, the same float "
    "additions in the same order): 1M (~18 MB) then, 256k (~4 MB) since 7431eb9, 64k (~1 MB) since the run at 21ec55c (peak 206 -> 202-203 MB in an A/B harness, the same latencies; 16k made the multi-line pastes 2-3 ms slower), "
    "and since 8a8ccb3 at least 4 per document of the index (~2.5 MB at 10k, ~7.5 MB at 30k: see warm p95). At 30k the query process's own memory went from 266 to 194 MB and its peak from "
    "573 to 501 MB with the same latencies at b831e32; at 10k 286 -> 277 MB then, ~214 MB in a harness beside the bench after 7431eb9 and 9aa6cf7 "
    "(every document's split key kept as numbers, not strings: ~9 MB), the longest pastes ~0.5-1.5 ms slower (their terms are "
    "laid out a second time to see which of the best documents has which). What else grows with the corpus, by `tracemalloc` "
    "at 30k after the queries: the parsed wordings (~24 MB), the template-table rows read (~22 MB), the split keys of every "
    "document (~26 MB). Stored documents are read with `pread` since c66e394 (their pages had added ~37 MB), and highlighting "
    "keeps 1,024 lines' terms and spans instead of 4,096 whole analyses (~15 MB less; since 85503fd 2,048 lines in the same room: the terms "
    "interned and each term's spans in one flat tuple, ~4 KB a line of real text against ~8.6 KB; at 10k ~5 MB after the bench's queries). Reading the postings with `pread` too was "
    "measured and left: peak 336 -> 280 MB, but multi-line p50 +3-4 ms and p95 +4-9 ms (two system calls and a copy per term). "
    "Bounding the parsed wordings to the 8,192 most recent would save ~15 MB but make ~150 of them again per paste (~2 ms). "
    "Since 5cbe535 the candidate wordings intern their literal parts and chunks (after the bench's queries at 10k: 75,946 "
    "chunks, 12,837 distinct) and keep no copy of their text (read again from the index when a wording's regular expression "
    "is compiled), and since 8495d83 a search that asks for no staleness check does not import hashlib (OpenSSL's library, "
    "~3 MB resident): the bench's query phase on one index, twice each way, 217 -> 210.5 MB (208 MB in the run at 17d46c2, with a67bc0a's smaller passes). "
    "Since 7de0baf a candidate wording is kept in ~490 bytes instead of ~620 (tuples; no tuple per wording saying where its text "
    "is; its longest part and key chunk derived when asked), and since 00bd9be the wording texts, their literal parts and the "
    "term strings are read with `pread`, not mapped (their pages had stayed resident, ~5.7 MB): with the lower `READ_FROM`, "
    "the bench's query phase 195 -> 180 MB in an A/B harness (three runs each, interleaved), 189 MB in the run at 4c00ab6; since 47014ac a searcher keeps up to 1,000,000 characters of stored documents decoded (`rank._StoredDocs`; ~2-3 MB, a few hundred documents here, every document of a small KB): 195 MB in the run at 47014ac, 197 MB at 13fafdf, 190 MB at 5d75d9c. "
    "The largest part left, MeCab's "
    "dictionary, depends on how its files came into the page cache: the same queries in a fresh clone whose virtualenv had "
    "just been installed (unidic-lite's files just written, all of them in the page cache) made it ~130 MB resident (282 MB "
    "in all) against ~69 MB with this checkout's install, since each fault maps the neighbouring pages the page cache holds "
    "(fault-around; `MADV_RANDOM` on MeCab's mappings, tried, changes nothing: 12 MB of `sys.dic` resident after 10 texts "
    "analyzed, 74 MB after 3,000, either way). Giving the heap back after searches (`malloc_trim`: -10 MB in 1 ms) or a fixed "
    "mmap threshold for numpy's temporaries lowers what stays resident, not the peak: left. "
    "Mapped pages are the page cache, shared with every process that maps the same files and reclaimable; the goal counts "
    "them (peak RSS): met in the runs at 4c00ab6, 47014ac, 13fafdf and 5d75d9c (189, 195, 197, 190 MB), though a fresh install's page cache can add ~60 MB of MeCab's dictionary (above).",
    "- **1 MB paste**: finding ~24,000 wordings in full (one Aho-Corasick scan, then a regular expression per wording at its "
    "anchors), normalizing the megabyte with its offset map, and the identifiers of its first part; the matches are credited "
    "to every case at once (`rank._MessageScores`, numpy), and only cases another signal reaches or that may be shown become "
    "aggregates.",
    "- **full build** (since f5cbf1a; at 5653038 the build took 461.6 s of CPU, 3.29x the tokenize-only pass): Whoosh's "
    "segment is written from the terms kb counted (`index._counted_writer_class`: the postings in flat arrays, one sort into "
    "Whoosh's order, Whoosh's own field writer with the lengths known) instead of `add_document`, which tokenized every field "
    "again, pickled every posting through an external sort and looked up each posting's field length: on 2,000 advisories "
    "(analysis in process) Whoosh's share went from 29 to 5.7 s of 56 s (`tests/test_whoosh_segment.py`: the segments are "
    "byte-equal to `add_document`'s, also when Whoosh merges small segments into a new one). Analysis workers freeze what they "
    "inherit (`gc.freeze`: their full collections had walked the caller's loaded advisories, 1.6-1.8 s of their ~26 s at 2,000), "
    "and the caller pauses its collections while the content folders' results arrive (0.8 s of its 1.8 s at 2,000). What "
    "remains beside the analysis: reading the content (about a fifth of the build's CPU: the next item), Whoosh's block "
    "writing (pickled, zlib-compressed blocks of 128 postings) and its stored fields (each document's texts pickled and "
    "compressed: Whoosh keeps them as the index of record), the term numbering and stored texts (`_Gather`), and the "
    "workers' share of sending documents back. Filling Whoosh's blocks a block at a time, and numbering a document's terms in "
    "one pass instead of one posting at a time, were measured and made no difference beyond the noise. Since 21ec55c a "
    "document's postings go into both writers' arrays a field at a time, and its term counts are taken from its terms when "
    "Whoosh's tokenizer would find the same in their joined text: the build process's own CPU at 2,000 advisories 6.35 -> "
    "5.9 s. Since 3f43003 the analysis is faster (`find_identifiers` skips a pattern whose needs the text lacks: 2.3 -> 1.7 s "
    "over 93k lines), which shortens the tokenize-only pass as much as the build's analysis, so the ratio rises: 2.06x in "
    "the run before 21ec55c (build 117.7 s, tokenize-only 57.2 s of CPU), 1.87x in the run at 21ec55c (106.1 / 56.7 s: the machine faster then too), 1.94x at 17d46c2 (110.1 / 56.6 s), 1.86x at 4c00ab6 (108.6 / 58.3 s), 1.93x at 47014ac (108.3 / 56.3 s), 1.85x at 13fafdf (106.4 / 57.6 s), 1.88x at 5d75d9c (109.0 / 58.1 s). Whoosh's postings writer asks "
    "its file where it is twice a term (an `lseek` each, ~0.25 µs): a file that counts its own position saved ~0.1 s at "
    "2,000 and was left out (it would reach into Whoosh's private attributes).",
    "- **build memory** (the index build's peak RSS; at 10,000 advisories, measured by stage at ae12abe: 1,185 MB, 3.4 GB at 30,000): "
    "the loaded advisories were ~420 MB of objects held to the end, the Whoosh writer's and kb's postings were each kept as three flat "
    "arrays with the vocabularies (~330 MB), and sorting them took 221 MB (Whoosh's order) and 368 MB (kb's tables) more at the end. "
    "Since 7bf620c a build keeps each advisory as the bytes the reading worker pickled it to (`kb.content.model.Packed`, 13 KB "
    "against 40 KB of objects), unpickled only in the analysis worker, and lets each go once indexed (`ordered_map` takes an iterator "
    "a task at a time; the plan pops them): 629 MB, and ~8 % less CPU in the build process (it no longer unpickles every advisory). "
    "Since 156372d postings are sorted by a block-wise stable counting sort (`index._grouped`: the order of an `argsort` over all of "
    "them without its 8+ bytes a posting), a posting's document is kept once per document as a run (`index._Runs`), and the Whoosh "
    "writer's arrays are let go once written: 511 MB at 10,000, 1,373 MB at 30,000. Since 401dc55 the packed advisories are put "
    "aside in a temporary file without a name (`kb.content.shelf`), not held: 405 MB at 10,000, 1,045 MB at 30,000. What is left: the two "
    "copies of the postings (Whoosh's and kb's tables, ~8 bytes a posting each, 26 million postings at 30,000) and their vocabularies. "
    "`kb build` with the site (1,537 MB at 10,000 and 4,245 MB at 30,000 at d8c8748) made the site from every advisory and its "
    "documents held in memory, and built the browser index as Python lists and strings before any file was written. Since 9710803 "
    "the browser's search index is made from the index build itself (its postings, field lengths, stored texts and wordings, a term "
    "at a time, each file written as made: the site is byte-identical, and nothing is analyzed twice), and since 401dc55 the content "
    "is read once for the index and the site, put aside on the shelf, and the pages are made an advisory at a time (one pass plans "
    "them, an advisory's pages are rendered when written): 523 MB at 10,000 and 1,383 MB at 30,000 (the scaling run at 401dc55).",
    "- **`kb check` reading every folder** and the content loading in builds: YAML + JSON Schema + markdown-it in `kb/content/load.py`, "
    "on both CPUs (`kb/workers.py`). Since ce23997 Markdown is parsed by blocks, its inline syntax only where a link can be; "
    "advisory.yaml's values are built from libyaml's nodes directly; each message wording is parsed once; the raw-HTML rules, "
    "which only say no, are left out (867a3cf); `kb check`'s workers send back an outline of each advisory, not the whole of it "
    "(d6c6ea0). On 2,000 generated advisories that took loading from ~8 to ~5 ms of CPU per advisory (the machine's speed varies "
    "by up to 40 %, more from day to day: ~2.1 ms on a fast day at 7dc0b2f). Then (9f02008, af1f463, 78159b6, 04089d4) ~8 % less: "
    "a read asked for the 256 KiB limit of every file, whose buffer was allocated and given back each time (~3.5 %); the schema's "
    "type and enum checks made a generator per value (~2.5 %); a message's pieces were counted two or three times (~3 %); the "
    "workers' automatic collections ran every few hundred microseconds for hardly any cycles (~2 %, now once per task). "
    "Sampled with py-spy on those 2,000 (in one process): markdown-it's block parse ~35 % (its list rule ~20 %), libyaml "
    "composing the nodes ~11 % (a cache of the scalar resolver saved nothing), the node walk and the values ~6 %, the rest "
    "thin over the checks and the model. The wall time is about half the CPU (a worker per CPU); 10 s at 10k needs ~1.8 ms of "
    "CPU per advisory, where this code is on a fast day (10.6 s, 20.6 s of CPU, in the run at 21ec55c, 11.5 s at 17d46c2, 11.3 s at 4c00ab6, 10.5 s at 47014ac, 11.3 s at 13fafdf, 11.1 s at 5d75d9c; 11.5-11.9 s in the "
    "runs before it). markdown-it's rules log each attempt (`LOGGER.debug`, ~800 calls an advisory): silencing their loggers "
    "saved 3-4 % of the CPU (4.24-4.37 against 4.03-4.30 s at 2,000, interleaved), but only by replacing a module global of "
    "each of markdown-it's rule modules: left. Since f9c9dba plain Markdown (headings, paragraphs, lists, nested or not) is "
    "turned into markdown-it's very block tokens directly (`kb/content/plain_blocks.py`, markdown-it's tokenize, list and "
    "paragraph logic restated over classified lines, ~3x faster than markdown-it; any other construct and markdown-it parses "
    "the file): every generated file and 97 % of the imported real articles take it. `kb check` of these 10,000 with no index, "
    "back to back in a quiet moment: 10.2-10.3 -> 7.6 s (CPU 19.7 -> 14.4 s). Sampled again at 2,000: YAML ~25 % (libyaml "
    "composing ~11 %), the Markdown shortcut ~16 %, file reads ~10 %, template checks ~10 %. Keeping each message wording's "
    "parse and problems per worker (the generated corpus repeats wordings: 7,404 distinct of 32,936 in 3,219 advisories) was "
    "measured and left at 7ae5b3e: in one pass over these 10,000 the workers' CPU was the same (14.9-16.1 s either way, "
    "interleaved; a repeat comes long after the first), and each worker held ~9 MB more. Since a977264 plain YAML (block "
    "mappings and sequences, quoted and plain scalars, one-line flow collections, literal blocks) is read without libyaml's "
    "nodes (`kb/content/plain_yaml.py`, the same values and line map; anything else goes to libyaml): every generated and "
    "imported real advisory.yaml takes it, 0.53 -> 0.30 ms each, `kb check` ~10 % less CPU (in one process on 1,000, "
    "interleaved: 2.50-2.55 -> 2.16-2.39 s).",
    "- **incremental rebuild** (a new process, 1.4-2.4 s by the machine's state in three runs of this code; profiled at ecbd3c5 on this corpus): Python, numpy and kb's imports "
    "(~0.25 s); reading the previous build's sources, opening it and checking its checksums (`intact()`, two threads, ~0.1 s) "
    "while a forked child stats every content file (`kb.freshness.ForkedScan`, ~0.25 s; ~41,600 `stat` calls at ~4 µs each "
    "on this machine); reading and analyzing the edited advisory (~0.1 s; MeCab's first calls included); Whoosh (one searcher "
    "for the deletions ~0.07 s, the commit ~0.08 s, more when it merges segments); the new postings (`_Gather.write`, "
    "~0.35-0.45 s: the previous build's spliced in one pass per column straight into the mapped new `postings.bin`, every "
    "weight computed again since the average field lengths move, 104 MB written); the template tables (~0.15-0.2 s: the "
    "previous build's key files are taken when every wording and its count are unchanged, as with this prose edit; an edit "
    "that changes a message's wording chooses every wording's keys again: 2.16 s against 2.00 s for a prose edit, medians of 5 "
    "runs each, back to back); the checksums of the other new files "
    "(~0.1 s). Well under 2 s would need builds that add a small segment instead of rewriting the postings, with weights "
    "computed at query time.",
]


def goals(r: dict) -> list[str]:
    """One line per goal of issue #10 (``measured.GOALS``): met or not, from the figures of the run."""
    from measured import GOALS as G

    k, f = r["engines"]["kb"], r["engines"]["fts-tokens"]
    tok, b = r["tokenize"], r["build"]

    def line(name: str, ok: bool, figure: str) -> str:
        return f"- {name}: {'met' if ok else '**not met**'} ({figure})"

    out = [
        line(f"warm one-line p95 <= {G.warm_p95_ms:g} ms", k["one_p95"] <= G.warm_p95_ms, f"{k['one_p95']:.1f} ms"),
        line(f"warm multi-line paste p95 <= {G.warm_p95_ms:g} ms", k["multi_p95"] <= G.warm_p95_ms, f"{k['multi_p95']:.1f} ms"),
        line(
            f"p95 <= {G.warm_p95_vs_fts:g}x FTS5 (one-line, multi-line)",
            k["one_p95"] <= G.warm_p95_vs_fts * f["one_p95"] and k["multi_p95"] <= G.warm_p95_vs_fts * f["multi_p95"],
            f"{k['one_p95'] / f['one_p95']:.2f}x, {k['multi_p95'] / f['multi_p95']:.2f}x",
        ),
        line(f"1 MB paste <= {G.paste_1mb_s:g} s", k["big_ms"] <= 1000 * G.paste_1mb_s, f"{k['big_ms'] / 1000:.2f} s"),
        line(
            f"cold `kb search` <= {G.cold_s:g} s and flat in corpus size (the answer on screen)",
            "kb_answer_s" in r
            and statistics.median(r["kb_answer_s"]) <= G.cold_s
            and statistics.median(r["kb_answer_s"]) <= G.flat * statistics.median(r["kb_answer_small_s"]),
            f"{statistics.median(r['kb_answer_s']):.2f} s; {statistics.median(r['kb_answer_small_s']):.2f} s on {r['small_n']} advisories"
            if "kb_answer_s" in r
            else "not measured",
        ),
        line(
            f"cold `kb search --json` <= {G.cold_s:g} s and flat in corpus size (the whole process, staleness check included)",
            statistics.median(r["kb_cold_s"]) <= G.cold_s and statistics.median(r["kb_cold_s"]) <= G.flat * statistics.median(r["kb_cold_small_s"]),
            f"{statistics.median(r['kb_cold_s']):.2f} s; {statistics.median(r['kb_cold_small_s']):.2f} s on {r['small_n']} advisories",
        ),
        line(
            f"query-process RSS <= {G.query_rss_mb:g} MB",
            k["maxrss_queries_mb"] <= G.query_rss_mb,
            f"{k['maxrss_queries_mb']:.0f} MB; {k['maxrss_mb']:.0f} MB with the 1 MB paste",
        ),
        line(
            f"build <= {G.build_vs_tokenize_cpu:g}x tokenize-only by CPU time",
            b["build_cpu_s"] <= G.build_vs_tokenize_cpu * tok["documents_cpu_s"],
            f"{b['build_cpu_s'] / tok['documents_cpu_s']:.2f}x",
        ),
    ]
    if r.get("rebuilds"):
        med = statistics.median(x["wall_s"] for x in r["rebuilds"])
        out.append(line(f"incremental rebuild after editing one advisory <= {G.rebuild_s:g} s", med <= G.rebuild_s, f"{med:.2f} s"))
    out.append(
        line(
            f"`kb check` <= {G.check_s:g} s",
            r["check_full"]["wall_s"] <= G.check_s,
            f"{r['check']['wall_s']:.1f} s beside a current index; {r['check_full']['wall_s']:.1f} s reading every folder",
        )
    )
    return out


def report(r: dict, args) -> str:
    tok, b, fb = r["tokenize"], r["build"], r["fts_build"]
    k, f, g = r["engines"]["kb"], r["engines"]["fts-tokens"], r["engines"]["fts-trigrams"]
    load_s, tokenize_s = tok["load_s"], tok["documents_s"]
    b_cpu, tok_cpu, load_cpu = b["build_cpu_s"], tok["documents_cpu_s"], tok["load_cpu_s"]
    fts_total = load_s + fb["texts_s"] + fb["insert_s"]
    kb_cold, fts_cold = statistics.median(r["kb_cold_s"]), statistics.median(r["fts_cold_s"])

    def lat(e: dict, a: str) -> str:
        return f"{e[a + '_p50']:.1f} / {e[a + '_p95']:.1f} ms"

    rows = [
        (
            f"index build (wall; analysis in {b.get('workers', 1)} worker processes)",
            f"{b['build_s']:.1f} s",
            f"{fts_total:.1f} s",
            fmt_ratio(b["build_s"], fts_total),
        ),
        (
            "&nbsp;&nbsp;of which content loading (YAML + schema + Markdown, in worker processes; measured apart)",
            f"{load_s:.1f} s",
            f"{load_s:.1f} s",
            "",
        ),
        (
            "&nbsp;&nbsp;build without loading",
            f"{b['build_s'] - load_s:.1f} s",
            f"{fb['texts_s'] + fb['insert_s']:.1f} s",
            fmt_ratio(b["build_s"] - load_s, fb["texts_s"] + fb["insert_s"]),
        ),
        ("tokenize-only pass (`kb.search.documents.documents()` for every advisory), wall", f"{tokenize_s:.1f} s", "", ""),
        ("build / tokenize-only, wall", f"{b['build_s'] / tokenize_s:.2f}x", "", ""),
        (
            "index build, CPU (with its workers') / tokenize-only pass, CPU / content loading, CPU",
            f"{b_cpu:.1f} / {tok_cpu:.1f} / {load_cpu:.1f} s",
            "",
            "",
        ),
        ("**build / tokenize-only, CPU** (target <= 2x)", f"**{b_cpu / tok_cpu:.2f}x**", "", ""),
        ("(build - loading) / tokenize-only, CPU", f"{(b_cpu - load_cpu) / tok_cpu:.2f}x", "", ""),
        ("index size on disk", f"{b['index_bytes'] / 1e6:.1f} MB", f"{fb['db_bytes'] / 1e6:.1f} MB", fmt_ratio(b["index_bytes"], fb["db_bytes"])),
        ("peak RSS, build process", f"{b['maxrss_mb']:.0f} MB", f"{fb['maxrss_mb']:.0f} MB", fmt_ratio(b["maxrss_mb"], fb["maxrss_mb"])),
        ("peak RSS, largest analysis worker", f"{b.get('worker_maxrss_mb', 0):.0f} MB", "", ""),
        *(
            [
                (
                    "`kb build` as users run it, the index and the static site: wall / CPU / peak RSS (the content read once for both, put aside; the site's search made from the index build)",
                    f"{sb['build_s']:.1f} s / {sb['build_cpu_s']:.1f} s / {sb['maxrss_mb']:.0f} MB",
                    "",
                    "",
                )
                for sb in [r["site_build"]]
            ]
            if "site_build" in r
            else []
        ),
        (
            f"**peak RSS, query process** after the {r['queries_one'] + r['queries_multi']} queries (target <= 200 MB)",
            f"**{k['maxrss_queries_mb']:.0f} MB**",
            f"{f['maxrss_queries_mb']:.0f} MB",
            fmt_ratio(k["maxrss_queries_mb"], f["maxrss_queries_mb"]),
        ),
        (
            "&nbsp;&nbsp;resident after the queries: the process's own memory / pages of mapped files (index files, MeCab's dictionary: page cache, shared and reclaimable)",
            _parts(k),
            _parts(f),
            "",
        ),
        (
            "peak RSS, query process, then the 1 MB paste too",
            f"{k['maxrss_mb']:.0f} MB",
            f"{f['maxrss_mb']:.0f} MB",
            fmt_ratio(k["maxrss_mb"], f["maxrss_mb"]),
        ),
        ("open the index in a running process", f"{k['open_s'] * 1000:.0f} ms", f"{f['open_s'] * 1000:.0f} ms", fmt_ratio(k["open_s"], f["open_s"])),
        (
            f"**one-line query p50 / p95** (warm, {r['queries_one']} queries)",
            lat(k, "one"),
            lat(f, "one"),
            f"{fmt_ratio(k['one_p50'], f['one_p50'])} / {fmt_ratio(k['one_p95'], f['one_p95'])}",
        ),
        (
            f"**multi-line paste p50 / p95** (5-20 lines, {r['queries_multi']} pastes)",
            lat(k, "multi"),
            lat(f, "multi"),
            f"{fmt_ratio(k['multi_p50'], f['multi_p50'])} / {fmt_ratio(k['multi_p95'], f['multi_p95'])}",
        ),
        ("slowest one-line / multi-line query", f"{k['one_max']:.0f} / {k['multi_max']:.0f} ms", f"{f['one_max']:.0f} / {f['multi_max']:.0f} ms", ""),
        ("**1 MB paste** (median of 3; target <= 1 s)", f"{k['big_ms']:.0f} ms", f"{f['big_ms']:.0f} ms", fmt_ratio(k["big_ms"], f["big_ms"])),
        (
            f"**cold start**: `kb search` from a new process (median of {len(r['kb_cold_s'])}; target <= 0.5 s)",
            f"{kb_cold:.2f} s",
            f"{fts_cold:.2f} s",
            fmt_ratio(kb_cold, fts_cold),
        ),
        (f"&nbsp;&nbsp;the same on {r['small_n']} advisories (flat in corpus size?)", f"{statistics.median(r['kb_cold_small_s']):.2f} s", "", ""),
        *(
            [
                (
                    "&nbsp;&nbsp;the answer on screen (`kb search` for people: the staleness check, which stats every content file, comes after it)",
                    f"{statistics.median(r['kb_answer_s']):.2f} s",
                    "",
                    fmt_ratio(statistics.median(r["kb_answer_s"]), fts_cold),
                ),
                (
                    f"&nbsp;&nbsp;the same on {r['small_n']} advisories",
                    f"{statistics.median(r['kb_answer_small_s']):.2f} s",
                    "",
                    "",
                ),
            ]
            if "kb_answer_s" in r
            else []
        ),
        (
            "**`kb check`**, beside the index built from the content (target <= 10 s)",
            f"{r['check']['wall_s']:.1f} s (CPU {r['check']['cpu_s']:.1f} s)",
            "",
            "",
        ),
        (
            "&nbsp;&nbsp;`kb check` with no index (every folder read)",
            f"{r['check_full']['wall_s']:.1f} s (CPU {r['check_full']['cpu_s']:.1f} s)",
            "",
            "",
        ),
    ]
    if r.get("rebuilds"):
        rb, rv = r["rebuilds"], r["revert"]
        rows.append(
            (
                "**`kb build --no-site` after editing one advisory** (median of 3, each a new process; target <= 2 s)",
                f"{statistics.median(x['wall_s'] for x in rb):.2f} s (CPU {statistics.median(x['cpu_s'] for x in rb):.2f} s; "
                f"{', '.join(str(x['analyzed']) for x in rb)} analyzed)",
                "",
                "",
            )
        )
        rows.append(
            (
                "&nbsp;&nbsp;after undoing the three edits: equal to the full build?",
                f"{rv['wall_s']:.2f} s; tables {'equal' if rv['tables_equal'] else 'DIFFER: ' + ', '.join(rv['tables_differing'])}; "
                f"answers to {EQUAL_QUERIES} queries {'equal' if rv['answers_equal'] else 'DIFFER'}",
                "",
                "",
            )
        )
    kinds = [x for x in ("message", "model", "reference", "prose-ja", "prose-en", "event-log block", "all") if x in k["quality"]]
    qrows = []
    for kind in kinds:
        kq, fq, gq = k["quality"][kind], f["quality"][kind], g["quality"][kind]
        qrows.append(f"| {kind} | {kq[2]} | {kq[0]:.1%} | {fq[0]:.1%} | {gq[0]:.1%} | {kq[1]:.3f} | {fq[1]:.3f} | {gq[1]:.3f} |")
    out = [
        "# Search benchmark",
        "",
        f"Corpus: {r['n']:,} synthetic bilingual advisories from `tools.synthetic` (seed {CORPUS_SEED}): {r['tokenize']['docs']:,} documents "
        f"(advisory x case x language), {r['content_bytes'] / 1e6:.0f} MB of content files, generated in {r['generate_s']:.1f} s. "
        f"Produced by `.venv/bin/python bench/bench_search.py{' --quick' if args.quick else ''}`; kb at {r['kb_version']}; "
        f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}. The machine was shared: its 1-minute load "
        f"average ranged {r['loadavg'][0]:.1f}-{r['loadavg'][1]:.1f} during the run (query phases: "
        + ", ".join(f"{k} {v[0]:.1f}-{v[1]:.1f}" for k, v in r["query_loadavg"].items())
        + "), so absolute times carry noise; ratios from the same run less so.",
        "",
        "| measure | kb | SQLite FTS5 (trigram index, token-OR query) | kb / FTS5 |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b_} | {c} | {d} |" for a, b_, c, d in rows],
        "",
        f"The trigram-OR query on the same FTS5 index: one-line {lat(g, 'one')}, multi-line {lat(g, 'multi')}, 1 MB paste {g['big_ms']:.0f} ms.",
        "",
        "Goals of issue #10 in this run (wall-clock figures carry the machine's load, see above):",
        "",
        *goals(r),
        "",
        "Where the time and memory go (profiled by hand, mostly on this run's index; this list is not regenerated):",
        "",
        *WHAT_IS_LEFT,
        "",
        f"Ranking quality on the labeled queries (top 10; query seed {QUERY_SEED}):",
        "",
        "| query kind | queries | R@1 kb | R@1 FTS5 token-OR | R@1 FTS5 trigram-OR | MRR kb | MRR FTS5 token-OR | MRR FTS5 trigram-OR |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *qrows,
        "",
        "## Method",
        "",
        "- Every heavy phase runs in its own Python process, so each peak RSS (`VmHWM`) belongs to that phase alone.",
        "- **kb build** is `KnowledgeBase(content, index).build()`: content loading (YAML + JSON Schema + Markdown), analysis (MeCab, bigrams, "
        "identifiers), Whoosh indexing and the template keys. The **tokenize-only pass** loads the same content and runs `kb.search.documents.documents()` for "
        "every advisory without indexing; loading and analysis are timed apart, and the ratio is build / analysis.",
        "- **FTS5** (stdlib `sqlite3`): one row per advisory-case-language with columns title (+ reference ids), messages and body (+ products), "
        "from `kb.search.documents.case_texts`, NFKC-normalized, `tokenize='trigram'`, then `optimize`. Its build time adds the same content loading as kb's "
        "(measured once) to the text extraction and the inserts. Both query styles rank with `bm25(docs, 0, 3, 2, 1)` (title, messages, body) and "
        "fold rows to advisory#case (first occurrence wins).",
        f"  - *token-OR* (the FTS5 column above): each query line is split at white space and punctuation (keeping `errcode=-108` and "
        f"`file.cpp|112` whole); tokens of 3+ characters that are not dates or times are OR-ed as phrases, which the trigram index matches as substrings (`coserver` finds `CoServer1`); a token with "
        f"Japanese in it contributes its trigrams instead; lines take turns; at most {FtsTokens.MAX_TERMS} terms.",
        f"  - *trigram-OR*: every 3-character window of every line; document frequencies from an `fts5vocab` table; trigrams in more than "
        f"{Fts.MAX_DF_SHARE:.0%} of the rows dropped; the {Fts.MAX_TERMS} rarest OR-ed.",
        "- **Labeled queries** come from the corpus itself and each has one right answer (advisory#case; a reference id names the advisory only): "
        "*message* = a message only that case has, slots filled with other values (numbers, hex codes, GUIDs, paths, names); *model* = a model "
        "number only that case declares; *reference* = a reference id or alias only that advisory has (KB id, bulletin, vendor advisory id such as `NEC-SA-2022-371`); *prose-ja/en* = 5-7 words from the case's "
        "title, symptoms, cause and resolution that no other case has all of; *event-log block* = 5-20 log lines (timestamp, level, source, event "
        "id) holding 1-3 of the case's messages (at least one unique), numbers changed, among generic Windows events that no advisory mentions.",
        "- **Latency** is warm, wall clock per search call with `limit=10`, each query timed once: before timing, each engine (in its own "
        "process) answers as many other generated queries of the same kinds (seed `WARMUP_SEED`, none of the timed ones), as a long-running "
        "process would have: mapped files and page cache touched, nothing of the timed queries remembered. (Runs before 2026-11-30 "
        "warmed up with 10 of the timed queries; their p95 included the first touches of kb's mapped files.) The **1 MB paste** is event-log lines of random "
        'messages and noise. **Cold start** runs `kb --content ... --index ... search "<query>" --json` as a new process (kb\'s modules '
        "byte-compiled first, as an installed package has them); for FTS5, a new Python process that opens the database and runs the same query. **Cold start** is also timed on a "
        f"{r['small_n']}-advisory corpus of the same kind (same query). **Build after editing one advisory**: a sentence appended to one "
        "advisory's `en.md` (its mtime moved on; the sentence ends that case's last section, and is indexed since 475b6d1: before, "
        "prose after a Workaround's steps was not, and such an edit changed no table; it changes no message, so the wording keys are "
        "taken from the previous build: see the notes above for an edit of a message), then `kb build --no-site` (incremental: it "
        "starts from the previous build, "
        "see `kb/search/index.py`) timed as a new process, three times (three advisories); then the three edits are undone and "
        "`kb build --no-site` runs once more: the content is the full build's again, so the table files (all but Whoosh's segments and "
        f"the bookkeeping) must be byte-equal to the full build's and the answers (ids, cases, scores, labels, evidence) to the first "
        f"{EQUAL_QUERIES} queries equal. **kb check** is `kb check` as a new process, beside the index just built (it reads only the advisory folders changed since that build, see `KnowledgeBase.check`) and with no index (it reads every folder). CPU times are user + system (`os.wait4` for "
        "commands; `time.process_time()` inside the build and tokenize phases, plus their worker processes' (`RUSAGE_CHILDREN`): "
        "content folders are read, and a build's advisories analyzed, by one worker process per CPU, `kb/workers.py`).",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
