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


def test_a_forked_process_does_not_hold_the_locks_of_its_parent(tmp_path: Path):
    """A build's analysis workers are forked while the build holds the writer lock and a pin: when
    the build is killed (no unlocking runs), a worker that lives on must not keep either (kb.storage)."""
    from kb.storage import pin, unpinned, writer_lock

    (tmp_path / "out").mkdir()
    (tmp_path / "pinned").write_text("x")
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from kb.storage import pin, writer_lock\n"
        "with writer_lock(Path(sys.argv[1]) / 'out'):\n"
        "    p = pin(Path(sys.argv[1]) / 'pinned')\n"
        "    if os.fork() == 0:\n"
        "        os.read(0, 1)  # (lives on until the test writes to it)\n"
        "        os._exit(0)\n"
        "    print(os.getpid(), flush=True)\n"
        "    os._exit(9)  # killed while holding both\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert child.stdout is not None and child.stdout.readline()
        assert child.wait(timeout=60) == 9
        with writer_lock(tmp_path / "out", wait=False):  # (Busy when the orphan kept the lock)
            pass
        with unpinned(tmp_path / "pinned") as free:
            assert free, "an orphan kept the pin"
        held = pin(tmp_path / "pinned")  # (the check itself can fail: a live pin is seen)
        with unpinned(tmp_path / "pinned") as free:
            assert not free
        held.close()
    finally:
        assert child.stdin is not None
        child.stdin.write(b"x")
        child.stdin.close()


def test_analysis_workers_end_when_the_build_is_killed(tmp_path: Path):
    """Workers that analyze for a build end by themselves when the build process dies."""
    script = (
        "import os, sys, multiprocessing\n"
        "import kb.search.documents as d\n"
        "from kb.api import KnowledgeBase\n"
        "d.PARALLEL_FROM, d.ADVISORIES_PER_TASK = 1, 1  # (two tasks: the pool outlives the first result)\n"
        f"advs = KnowledgeBase({str(REPO / 'content')!r}, {str(tmp_path / 'index')!r}).advisories()\n"
        "made = d.analyzed(advs, workers=2)\n"
        "next(made)\n"
        "print(' '.join(str(c.pid) for c in multiprocessing.active_children()), flush=True)\n"
        "os._exit(9)  # killed: no clean-up runs\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 9, r.stderr
    pids = [int(x) for x in r.stdout.split()]
    assert pids
    deadline = time.monotonic() + 20
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in pids if _running(pid)]
    assert not alive, f"analysis workers {alive} outlived their build"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # (an exited child of init is reaped at once; a zombie is not running)
        return f.read().split(") ")[-1][0] != "Z"
