"""Whether the index is current: kb.freshness.staleness, and the same check run by a forked child
while the command line searches (StalenessCheck), which must answer exactly as the check in process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from array import array
from pathlib import Path

import pytest

import kb
import kb.freshness
from kb.freshness import (
    INDEX_CODE,
    ContentState,
    ForkedScan,
    StalenessCheck,
    code_digest,
    fingerprint,
    listings,
    read_sources,
    scan_folders,
    staleness,
)
from kb.search.layout import CONTENT_STATE, current_build, read_manifest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TMCM = "trendmicro-tmcm-tmi-not-ready"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fresh")
    shutil.copytree(PROJECT_ROOT / "content", root / "content")
    kb.open(root / "content", root / "index", build_if_stale=True).close()
    return root


@pytest.fixture
def forking(monkeypatch):
    """The checks fork as in a process with one thread (the command line): pytest may run others by
    now (Playwright's, for the browser tests), and then they check in process."""
    monkeypatch.setattr(kb.freshness, "_other_threads", lambda: False)


def _touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def test_the_child_answers_as_the_check_in_process(home: Path, tmp_path: Path, forking):
    content, index = home / "content", home / "index"
    assert staleness(content, index) is None
    assert StalenessCheck(content, index).result() is None
    missing = tmp_path / "no-index"
    assert StalenessCheck(content, missing).result() == staleness(content, missing) == f"there is no index in {missing}"
    f = content / TMCM / "en.md"
    _touch(f)
    try:
        changed = staleness(content, index)
        assert changed is not None and "changed after the index was built" in changed
        check = StalenessCheck(content, index)
        assert check.result() == changed and check.result() == changed  # asked twice: one answer
    finally:
        os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns - 10**9))
    assert StalenessCheck(content, index).result() is None


def test_the_check_runs_in_another_process_and_leaves_no_child(home: Path, forking):
    check = StalenessCheck(home / "content", home / "index")
    assert check._child is not None  # forked: the stats run while this process goes on
    pid = check._child[0]
    assert check.result() is None and check._child is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    here = StalenessCheck(home / "content", home / "index", background=False)
    assert here._child is None and here.result() is None  # asked for: checked in this process, when asked


def test_without_fork_or_with_a_dead_child_the_check_runs_here(home: Path, monkeypatch, forking):
    content, index = home / "content", home / "index"
    _touch(content / TMCM / "ja.md")
    try:
        expected = staleness(content, index)
        assert expected is not None
        killed = StalenessCheck(content, index)
        assert killed._child is not None
        os.kill(killed._child[0], signal.SIGKILL)  # whatever it had sent is not trusted
        assert killed.result() == expected

        def no_fork() -> int:
            raise OSError("fork refused")

        monkeypatch.setattr(os, "fork", no_fork)
        refused = StalenessCheck(content, index)
        assert refused._child is None and refused.result() == expected
        monkeypatch.delattr(os, "fork")
        assert StalenessCheck(content, index).result() == expected
    finally:
        f = content / TMCM / "ja.md"
        os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns - 10**9))


@pytest.mark.parametrize("json_output", [True, False])
def test_the_command_line_checks_before_it_imports_the_search(home: Path, json_output: bool):
    """`kb search --json` forks the check before numpy, Whoosh or kb's search modules are imported
    (so that the child starts at once and stays small); `kb search` for people prints the answers
    first and checks after them, in process. Both report what the check in process would."""
    probe = (
        "import os, sys, runpy\n"
        "import kb.freshness as f\n"
        "seen = []\n"
        "real = f.StalenessCheck.__init__\n"
        "def init(self, *a, **kw):\n"
        "    seen.append((sorted(m for m in ('numpy', 'whoosh', 'kb.search.index', 'kb.search.rank', 'kb.api') if m in sys.modules), kw))\n"
        "    real(self, *a, **kw)\n"
        "f.StalenessCheck.__init__ = init\n"
        "sys.argv = ['kb', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('kb', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('imported before the check:', seen)\n"
    )
    args = ["--content", str(home / "content"), "--index", str(home / "index"), "search", *(["--json"] * json_output), "errcode=-107"]
    r = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120)
    expected = f"imported before the check: [([], {{'background': {json_output}}})]"
    assert r.returncode == 0 and r.stdout.rstrip().endswith(expected), (r.stdout, r.stderr)
    assert TMCM in r.stdout and "changed after the index was built" not in r.stderr
    if json_output:
        assert '"stale": null' in r.stdout


def test_a_build_scans_the_folders_in_a_child_with_the_same_result(home: Path, monkeypatch):
    """An incremental build scans the content folders in a forked child while it opens and checks
    the build it starts from (ForkedScan): the scan is the one made in process, and a scan not
    wanted after all leaves no child behind."""
    content = home / "content"
    monkeypatch.setattr(kb.freshness, "_other_threads", lambda: False)  # (as the `forking` fixture, until the thread below)
    known = listings(read_sources(current_build(home / "index")))  # type: ignore[arg-type]
    expected = scan_folders(content, known)
    scan = ForkedScan(content, known)
    assert scan._child is not None
    assert scan.folders() == expected == ForkedScan(content, known, background=False).folders()
    # A process that runs other threads does not fork (a thread could hold a lock the child needs).
    monkeypatch.undo()
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        here = ForkedScan(content, known)
        assert here._child is None and here.folders() == expected
    finally:
        stop.set()
        waiting.join()
    monkeypatch.setattr(kb.freshness, "_other_threads", lambda: False)
    unwanted = ForkedScan(content, known)
    assert unwanted._child is not None
    pid = unwanted._child[0]
    unwanted.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped


def test_a_folder_signature_follows_each_entry_name_size_and_mtime(tmp_path: Path):
    """What the scan notices: an entry's size or mtime moving, an entry added or renamed, and an
    entry the recorded listing names but the folder no longer has (its mtime unchanged, as when
    the folder's clock did not move): never an error, always a different signature."""
    content = tmp_path / "content"
    folder = content / "adv-1"
    folder.mkdir(parents=True)
    for name, text in (("advisory.yaml", "id: adv-1\n"), ("en.md", "# Title\n"), ("ja.md", "# 題名\n")):
        (folder / name).write_text(text, "utf-8")
    first = scan_folders(content)["adv-1"]
    assert first.names == ["advisory.yaml", "en.md", "ja.md"]
    assert scan_folders(content)["adv-1"] == first

    def signature_after(change) -> str:
        change()
        return scan_folders(content)["adv-1"].signature

    seen = {first.signature}
    steps = [
        lambda: _touch(folder / "en.md"),  # mtime
        lambda: (folder / "ja.md").write_text("# 題名です\n", "utf-8"),  # size (and mtime)
        lambda: (folder / "notes.txt").write_text("x", "utf-8"),  # a new entry
        lambda: (folder / "notes.txt").rename(folder / "notes2.txt"),  # renamed
    ]
    for step in steps:
        sig = signature_after(step)
        assert sig not in seen
        seen.add(sig)
    # A listing recorded with the folder's current mtime is trusted; a name in it that is gone is marked, not an error.
    now = scan_folders(content)["adv-1"]
    listed = {"adv-1": [now.mtime, [*now.names, "zz-gone.md"]]}
    gone = scan_folders(content, listed)["adv-1"]
    assert gone.names[-1] == "zz-gone.md" and gone.signature not in seen | {now.signature}
    assert scan_folders(content, {"adv-1": [now.mtime, now.names]})["adv-1"] == now


def _build_copy(tmp_path: Path) -> tuple[Path, Path]:
    content, index = tmp_path / "content", tmp_path / "index"
    shutil.copytree(PROJECT_ROOT / "content", content)
    kb.open(content, index, build_if_stale=True).close()
    return content, index


def test_the_recorded_state_answers_as_the_fingerprint(tmp_path: Path):
    """A build records the content's state (``content-state.bin``); the check compares the content
    with it value by value. At every step below it says what comparing fingerprints says."""
    content, index = _build_copy(tmp_path)
    build = current_build(index)
    assert build is not None
    manifest = read_manifest(build) or {}
    state = ContentState.read(build / CONTENT_STATE)
    assert state is not None and state.code == code_digest(INDEX_CODE).hexdigest()
    folder = content / TMCM
    en = folder / "en.md"

    def changed() -> bool:
        by_fingerprint = manifest["fingerprint"] != fingerprint(content, scan_folders(content, listings(read_sources(build))))
        assert state.changed(content) == by_fingerprint
        assert (staleness(content, index) is not None) == by_fingerprint
        return by_fingerprint

    def keep_mtime(path: Path, change) -> None:
        st = path.stat()
        change()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    assert not changed()
    _touch(en)
    assert changed()
    os.utime(en, ns=(en.stat().st_atime_ns, en.stat().st_mtime_ns - 10**9))
    assert not changed()
    original = en.read_bytes()
    keep_mtime(en, lambda: en.write_bytes(original + b"x"))  # the size alone
    assert changed()
    keep_mtime(en, lambda: en.write_bytes(original))
    assert not changed()
    (folder / "notes.txt").write_text("x", "utf-8")  # an entry more
    assert changed()
    (folder / "notes.txt").unlink()  # (the folder's mtime moved: its entries are listed again, and are the same)
    assert not changed()
    en.rename(folder / "en.md.bak")
    assert changed()
    (folder / "en.md.bak").rename(en)
    assert not changed()
    (content / "new-advisory").mkdir()
    assert changed()
    (content / "new-advisory").rmdir()
    assert not changed()
    (content / ".hidden").mkdir()  # (not an advisory folder)
    (content / "_drafts").mkdir()
    assert not changed()
    moved = tmp_path / "moved"
    folder.rename(moved)
    assert changed()
    folder.write_text("a file where the folder was", "utf-8")
    assert changed()
    folder.unlink()
    moved.rename(folder)
    assert not changed()


def test_a_record_read_on_a_machine_of_the_other_byte_order(tmp_path: Path):
    content, index = _build_copy(tmp_path)
    build = current_build(index)
    assert build is not None
    path = build / CONTENT_STATE
    state = ContentState.read(path)
    assert state is not None and len(state.numbers) == 2 + 2 * 2 * 3  # two folders of three files
    head, _, body = path.read_bytes().partition(b"\n")
    words = head.split(b" ")
    other = b"big" if sys.byteorder == "little" else b"little"
    text_len = int(words[3])
    swapped = array("q", state.numbers)
    swapped.byteswap()
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(b" ".join([*words[:2], other, *words[3:]]) + b"\n" + body[:text_len] + swapped.tobytes())
    read = ContentState.read(foreign)
    assert read is not None and read.numbers == state.numbers and read.names == state.names
    assert not read.changed(content)


@pytest.mark.parametrize("damage", ["truncated", "no header", "other magic", "empty"])
def test_a_damaged_record_leaves_the_check_to_the_fingerprint(tmp_path: Path, damage: str):
    content, index = _build_copy(tmp_path)
    build = current_build(index)
    assert build is not None
    path = build / CONTENT_STATE
    data = path.read_bytes()
    path.write_bytes({"truncated": data[:-5], "no header": data.partition(b"\n")[2], "other magic": b"x" + data, "empty": b""}[damage])
    assert ContentState.read(path) is None
    assert staleness(content, index) is None
    _touch(content / TMCM / "ja.md")
    assert staleness(content, index) is not None


def test_a_record_of_other_index_code_is_stale(tmp_path: Path):
    content, index = _build_copy(tmp_path)
    build = current_build(index)
    assert build is not None
    path = build / CONTENT_STATE
    magic, code, rest = path.read_bytes().split(b" ", 2)
    path.write_bytes(b" ".join([magic, b"0" * len(code), rest]))
    state = ContentState.read(path)
    assert state is not None and not state.changed(content)  # (the content is as it was)
    assert staleness(content, index) is not None  # (the code is not)


def test_times_beyond_64_bits_leave_the_check_to_the_fingerprint(tmp_path: Path):
    """A modification time after 2262 (or before 1677) does not fit the record's 64-bit numbers: the
    build keeps no record, and the fingerprint decides as before."""
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    far = content / TMCM / "en.md"
    try:
        os.utime(far, ns=(0, 10_413_792_000 * 10**9))  # 2300-01-01
    except (OverflowError, OSError):
        pytest.skip("this file system keeps no such time")
    if far.stat().st_mtime_ns < 2**63:
        pytest.skip("this file system keeps no such time")
    kb.open(content, tmp_path / "index", build_if_stale=True).close()
    build = current_build(tmp_path / "index")
    assert build is not None and not (build / CONTENT_STATE).exists()
    assert staleness(content, tmp_path / "index") is None
    _touch(content / TMCM / "ja.md")
    assert staleness(content, tmp_path / "index") is not None


@pytest.mark.parametrize(
    "head",
    [
        b"kb-content-state/1 {code} {order} -2 {raw_plus_2}",  # (a negative length: the sum still matches)
        b"kb-content-state/1 {code} {order} +{text} {raw}",
        b"kb-content-state/1 {code} {order} {text}  {raw}",
        b"kb-content-state/1 {code} {order} \xd9\xa1 {raw}",  # (an Arabic-Indic digit)
        b"kb-content-state/1 {code} middle {text} {raw}",
        b"kb-content-state/1 {code} {order} {text}",
    ],
)
def test_a_hostile_record_header_is_no_record(tmp_path: Path, head: bytes):
    content, index = _build_copy(tmp_path)
    build = current_build(index)
    assert build is not None
    path = build / CONTENT_STATE
    words, _, body = path.read_bytes().partition(b"\n")
    _, code, order, text, raw = words.split(b" ")
    values = {b"{code}": code, b"{order}": order, b"{text}": text, b"{raw}": raw, b"{raw_plus_2}": str(int(raw) + 2).encode()}
    for name, value in values.items():
        head = head.replace(name, value)
    path.write_bytes(head + b"\n" + body)
    assert ContentState.read(path) is None
    assert staleness(content, index) is None  # (the fingerprint decides)


def test_a_record_that_does_not_hold_together_counts_as_changed(tmp_path: Path):
    content, index = _build_copy(tmp_path)
    build = current_build(index)
    assert build is not None
    state = ContentState.read(build / CONTENT_STATE)
    assert state is not None and not state.changed(content)
    for names in (
        [state.names[0], "-3", *state.names[2:]],  # a negative count of entries
        [state.names[0], "x", *state.names[2:]],
        state.names[:-1],  # an entry short
        [*state.names, "zz-extra"],
    ):
        assert ContentState(state.code, names, state.numbers).changed(content)
    assert ContentState(state.code, state.names, state.numbers[:-1]).changed(content)


def test_a_build_without_every_folders_listing_keeps_no_record(tmp_path: Path):
    """Without the folders' listings in sources.json, the fingerprint check lists every folder
    again; a record would trust their mtimes: none is kept then."""
    from kb.api import KnowledgeBase, _Plan

    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    scan = scan_folders(content)
    assert KnowledgeBase._records(_Plan(scan, list(scan), {}, None, {})) == {}
    kept = KnowledgeBase._records(_Plan(scan, list(scan), {}, None, {name: [] for name in scan}))
    assert list(kept) == [CONTENT_STATE]


def test_a_file_name_that_is_not_utf8(tmp_path: Path):
    """A stray file whose name is not UTF-8 (a lone surrogate in Python) is recorded like any
    other: builds, full and incremental, succeed and the index reads as current."""
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    odd = os.fsencode(content / TMCM) + b"/notes\xff.txt"
    try:
        os.close(os.open(odd, os.O_CREAT | os.O_WRONLY))
    except OSError:
        pytest.skip("this file system refuses such names")
    index = tmp_path / "index"
    kb.open(content, index, build_if_stale=True).close()
    assert staleness(content, index) is None
    _touch(content / TMCM / "ja.md")
    assert staleness(content, index) is not None
    kb.open(content, index, build_if_stale=True).close()  # (incremental: it starts from the first)
    assert staleness(content, index) is None
