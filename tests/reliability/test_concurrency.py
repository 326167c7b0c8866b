"""Many readers and writers at once: searches never fail or answer wrongly, builds never collide.

Bounded: every loop has a fixed count and every child process a time limit."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

from kbrun import FUJITSU, QUERY, REPO, TMCM, edit, run_kb, tree_digest

import kb
from kb.search.index import MANIFEST, current_build

QUERIES = {QUERY: TMCM, "PGT20146F2": FUJITSU, "KB890859": FUJITSU, "TMI が準備できていません": TMCM}


def _spawn(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.Popen([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(procs: list[subprocess.Popen], timeout: float = 180) -> list[tuple[int, str, str]]:
    out = []
    for p in procs:
        o, e = p.communicate(timeout=timeout)
        out.append((p.returncode, o.decode("utf-8", "replace"), e.decode("utf-8", "replace")))
    return out


def test_parallel_cli_searches_after_an_edit_all_answer_and_write_nothing(kb_home: Path):
    edit(kb_home / "content" / TMCM / "en.md")
    index_before = tree_digest(kb_home / "index")
    procs = [_spawn(["search", q, "--json"], kb_home) for q in list(QUERIES) * 3]  # 12 at once
    results = _finish(procs)
    for (code, out, err), q in zip(results, list(QUERIES) * 3):
        assert code == 0, err
        assert f'"id": "{QUERIES[q]}"' in out.split('"results"', 1)[1].split("}", 1)[0] or QUERIES[q] in out
        assert "changed after the index was built" in err  # the stale notice, once per search
        assert "Traceback" not in err
    assert tree_digest(kb_home / "index") == index_before  # readers wrote nothing


def test_searches_while_builds_run_concurrently(kb_home: Path):
    """CLI searches and two builds at once, after an edit: every search answers right, both builds
    succeed, and the index that is current at the end is complete."""
    edit(kb_home / "content" / FUJITSU / "ja.md")
    builds = [_spawn(["build"], kb_home) for _ in range(2)]
    searches = [_spawn(["search", q, "--limit", "1"], kb_home) for q in QUERIES]
    for (code, out, err), q in zip(_finish(searches), QUERIES):
        assert code == 0 and QUERIES[q] in out, err
    for code, out, err in _finish(builds):
        assert code == 0, err
    cur = current_build(kb_home / "index")
    assert cur is not None and (cur / MANIFEST).is_file()
    with kb.open(kb_home / "content", kb_home / "index") as base:
        assert base.stale is None
        assert base.search(QUERY)[0].id == TMCM
    assert sorted(p.name for p in kb_home.iterdir()) == ["content", "index", "site"]  # no leftovers beside


def test_two_builds_at_once_never_leave_current_dangling(kb_home: Path):
    for _round in range(3):
        results = _finish([_spawn(["build", "--no-site"], kb_home) for _ in range(3)])
        assert [r[0] for r in results] == [0, 0, 0], [r[2] for r in results]
        cur = current_build(kb_home / "index")
        assert cur is not None and cur.is_dir()
        assert run_kb("search", QUERY, cwd=kb_home).returncode == 0


def test_a_second_build_with_no_wait_says_busy(kb_home: Path):
    from kb.storage import writer_lock

    with writer_lock(kb_home / "index"):
        r = run_kb("build", "--no-wait", cwd=kb_home)
    assert r.returncode == 5 and "another kb process" in r.stderr and str(os.getpid()) in r.stderr


def test_a_waiting_build_says_so_and_then_builds(kb_home: Path):
    from kb.storage import writer_lock

    with writer_lock(kb_home / "index"):
        p = _spawn(["build", "--no-site"], kb_home)
        time.sleep(1.5)
        assert p.poll() is None  # waiting
    code, _out, err = _finish([p])[0]
    assert code == 0 and "waiting for another kb process" in err


def test_one_knowledge_base_shared_by_threads(kb_home: Path):
    base = kb.open(kb_home / "content", kb_home / "index")
    expected = {q: [(h.id, h.case, h.confidence, round(h.score, 6)) for h in base.search(q)] for q in QUERIES}
    failures: list[str] = []

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(150):
            q = rnd.choice(list(QUERIES))
            try:
                got = [(h.id, h.case, h.confidence, round(h.score, 6)) for h in base.search(q)]
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            if got != expected[q]:
                failures.append(f"{q}: {got[:1]} != {expected[q][:1]}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    # Meanwhile two rebuilds replace the index under the threads' feet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            kb.KnowledgeBase(kb_home / "content", kb_home / "index").build()
    for t in threads:
        t.join(timeout=300)
    base.close()
    assert failures == []


def test_builds_killed_at_random_moments_never_break_the_index(kb_home: Path):
    rnd = random.Random(7)
    edit(kb_home / "content" / TMCM / "ja.md")
    for _round in range(5):
        p = _spawn(["build"], kb_home)
        time.sleep(rnd.uniform(0.3, 3.0))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        r = run_kb("search", QUERY, "--limit", "1", cwd=kb_home)
        assert r.returncode == 0 and TMCM in r.stdout, r.stderr
    r = run_kb("build", cwd=kb_home)
    assert r.returncode == 0, r.stderr
    index = kb_home / "index"
    names = {p.name for p in index.iterdir()}
    assert all(n in (".kb-index", ".kb-lock", "current", "previous") or (index / n / MANIFEST).is_file() for n in names), names
    assert len([n for n in names if n.startswith("build-")]) <= 2
    assert sorted(p.name for p in kb_home.iterdir()) == ["content", "index", "site"]  # .site.new-* / .site.old-* gone
    assert run_kb("search", QUERY, cwd=kb_home).returncode == 0
