"""Faults and hostile input: damaged indexes, read-only indexes, folders kb must not touch, odd
encodings, huge pastes, broken pipes. Each asserts what the user gets and that nothing is lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from kbrun import FUJITSU, QUERY, REPO, TMCM, edit, run_kb, tree_digest

import kb
from kb.cli import EXIT_INTERNAL, main
from kb.search.index import current_build

JA_MESSAGE = "Trend Micro Management Infrastructure (TMI) が準備できていません。エラーメッセージ: errcode=-107"


# --- damaged and foreign indexes ----------------------------------------------------------------


def _segment(index: Path) -> Path:
    return max((current_build(index) / "whoosh").glob("*.seg"), key=lambda p: p.stat().st_size)


DAMAGE = {
    "truncated segment": lambda ix: _segment(ix).write_bytes(_segment(ix).read_bytes()[:100]),
    "garbled stored documents": lambda ix: (current_build(ix) / "stored.bin").write_bytes(
        bytes(b ^ 0x5A for b in (current_build(ix) / "stored.bin").read_bytes())
    ),
    "garbled lengths": lambda ix: (current_build(ix) / "lengths.bin").write_bytes(b"\x01\x02\x03"),
    "missing templates": lambda ix: (current_build(ix) / "templates.json").unlink(),
    "templates not JSON": lambda ix: (current_build(ix) / "templates.json").write_text("{oops", "utf-8"),
    "manifest not JSON": lambda ix: (current_build(ix) / "manifest.json").write_text("nope", "utf-8"),
    "missing TOC": lambda ix: [p.unlink() for p in (current_build(ix) / "whoosh").glob("*.toc")],
    "current points nowhere": lambda ix: (ix / "current").unlink() or os.symlink("build-gone", ix / "current"),
    "current is a file": lambda ix: (ix / "current").unlink() or (ix / "current").write_text("x"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_says_what_to_do_and_the_next_build_repairs_it(kb_home: Path, damage: str):
    DAMAGE[damage](kb_home / "index")
    r = run_kb("search", QUERY, cwd=kb_home)
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "kb build" in r.stderr and "index" in r.stderr
    assert run_kb("build", "--no-site", cwd=kb_home).returncode == 0
    r = run_kb("search", QUERY, cwd=kb_home)
    assert r.returncode == 0 and TMCM in r.stdout


def test_a_garbled_whoosh_segment_is_not_read_by_a_search_and_the_next_build_replaces_it(kb_home: Path):
    # A search reads kb's own files only (postings, terms, stored documents), so damage inside
    # Whoosh's segment (same size: the manifest's sizes do not show it) does not change an answer;
    # the next build checks every file's checksum before starting from a build, and starts afresh.
    seg = _segment(kb_home / "index")
    seg.write_bytes(bytes(b ^ 0x5A for b in seg.read_bytes()))
    r = run_kb("search", QUERY, cwd=kb_home)
    assert r.returncode == 0 and TMCM in r.stdout, r.stderr
    edit(kb_home / "content" / TMCM / "en.md")
    assert run_kb("build", "--no-site", cwd=kb_home).returncode == 0
    manifest = json.loads((current_build(kb_home / "index") / "manifest.json").read_text("utf-8"))
    assert manifest["analyzed"] == manifest["advisories"] == 2  # not only the edited one: a full build
    from kb.search.index import Index

    index = Index(current_build(kb_home / "index"))
    try:
        assert index._reader.doc_count() == index.doc_count  # Whoosh opens and agrees
    finally:
        index.close()


def test_no_index_at_all(tmp_path: Path):
    shutil.copytree(REPO / "content", tmp_path / "content")
    r = run_kb("search", QUERY, cwd=tmp_path)
    assert r.returncode == 4 and "no index in index: run `kb build`" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]  # a search created nothing


def test_a_foreign_index_folder_is_refused_and_left_alone(tmp_path: Path):
    shutil.copytree(REPO / "content", tmp_path / "content")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "notes.txt").write_text("mine", "utf-8")
    r = run_kb("build", cwd=tmp_path)
    assert r.returncode == 2 and "not made by kb" in r.stderr
    assert [p.name for p in (tmp_path / "index").iterdir()] == ["notes.txt"]


# --- readers never write --------------------------------------------------------------------------


def test_search_and_show_work_on_a_read_only_tree_even_when_stale(kb_home: Path):
    edit(kb_home / "content" / TMCM / "ja.md")
    before = tree_digest(kb_home)
    readonly = [kb_home]
    r = run_kb("search", JA_MESSAGE, cwd=kb_home, readonly=readonly)
    assert r.returncode == 0 and TMCM in r.stdout and "changed after the index was built" in r.stderr, r.stderr
    r = run_kb("show", f"{FUJITSU}#win2003", "--lang", "en", cwd=kb_home, readonly=readonly)
    assert r.returncode == 0 and "Windows" in r.stdout, r.stderr
    r = run_kb("search", "PGT20146F2", "--json", cwd=kb_home, readonly=readonly)
    assert r.returncode == 0 and '"stale": "the content in content changed' in r.stdout
    # The guard itself works: a build under it is refused.
    assert run_kb("build", cwd=kb_home, readonly=readonly).returncode != 0
    assert tree_digest(kb_home) == before


def test_a_content_error_elsewhere_does_not_stop_search_or_show(kb_home: Path):
    (kb_home / "content" / TMCM / "en.md").write_text("", "utf-8")
    r = run_kb("search", "PGT20146F2", cwd=kb_home)
    assert r.returncode == 0 and FUJITSU in r.stdout
    assert run_kb("show", FUJITSU, cwd=kb_home).returncode == 0
    r = run_kb("show", TMCM, cwd=kb_home)
    assert r.returncode == 3 and "file is empty" in r.stderr
    r = run_kb("build", cwd=kb_home)
    assert r.returncode == 3 and "unchanged" in r.stderr


def test_content_of_another_folder_is_named_not_silently_rebuilt(kb_home: Path):
    other = kb_home / "other"
    shutil.copytree(kb_home / "content", other)
    edit(other / TMCM / "en.md")
    before = tree_digest(kb_home / "index")
    r = run_kb("search", QUERY, "--content", str(other), cwd=kb_home)
    assert r.returncode == 0 and "was built from" in r.stderr and "other" in r.stderr
    assert tree_digest(kb_home / "index") == before


# --- only delete what kb made ---------------------------------------------------------------------


@pytest.mark.parametrize("target", [".", "content", "index", "afile", "mine", ".."])
def test_build_refuses_a_site_folder_kb_did_not_make(kb_home: Path, target: str):
    (kb_home / "afile").write_text("keep me", "utf-8")
    (kb_home / "mine").mkdir()
    (kb_home / "mine" / "notes.txt").write_text("keep me", "utf-8")
    before = tree_digest(kb_home)
    r = run_kb("build", "--site", target, cwd=kb_home)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "kb will not" in r.stderr or "must not write" in r.stderr
    assert tree_digest(kb_home) == before


def test_env_site_is_checked_too(kb_home: Path):
    before = tree_digest(kb_home / "content")
    env = {**os.environ, "KB_SITE": str(kb_home / "content"), "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-m", "kb", "site"], cwd=kb_home, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and tree_digest(kb_home / "content") == before


def test_an_empty_or_new_site_folder_is_fine_and_gets_a_marker(kb_home: Path):
    (kb_home / "empty").mkdir()
    assert run_kb("site", "--site", "empty", cwd=kb_home).returncode == 0
    assert (kb_home / "empty" / ".kb-site").is_file() and (kb_home / "empty" / "index.html").is_file()
    assert run_kb("site", "--site", "empty", cwd=kb_home).returncode == 0  # and kb may replace it again


@pytest.mark.parametrize("command", [("build",), ("build", "--no-site"), ("site",)])
def test_a_content_folder_without_advisories_never_replaces_a_built_index_or_site(kb_home: Path, command: tuple[str, ...]):
    """A wrong --content, or every folder moved away, would have wiped the index and the site
    without a word: exit 3 naming what is there, and both stay as they were; an empty knowledge
    base is still built where there was none."""
    (kb_home / "empty").mkdir()
    before = tree_digest(kb_home)
    r = run_kb("--content", "empty", *command, cwd=kb_home)
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert "holds no advisories" in r.stderr or "no advisories to build the site from" in r.stderr
    assert "check --content" in r.stderr and "Traceback" not in r.stderr
    assert tree_digest(kb_home) == before
    assert run_kb("search", QUERY, cwd=kb_home).returncode == 0
    elsewhere = ("--index", "new-index", *command, *(() if "--no-site" in command else ("--site", "new-site")))
    r = run_kb("--content", "empty", *elsewhere, cwd=kb_home)
    assert r.returncode == 0, r.stderr


# --- exit codes, pipes, options -------------------------------------------------------------------


def test_exit_codes(kb_home: Path):
    assert run_kb("search", QUERY, cwd=kb_home).returncode == 0
    assert run_kb("search", "zzzqqqxxyy", cwd=kb_home).returncode == 1
    assert run_kb("search", QUERY, "--limit", "0", cwd=kb_home).returncode == 2
    assert run_kb("show", "no-such-advisory", cwd=kb_home).returncode == 1
    assert run_kb("--help", cwd=kb_home).stdout.count("internal error") == 1  # documented in --help


def test_an_internal_error_is_one_line_and_its_own_exit_code(kb_home: Path, monkeypatch, capsys):
    import kb.search.rank

    def boom(self, *a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(kb.search.rank.Searcher, "search", boom)
    monkeypatch.chdir(kb_home)
    assert main(["search", QUERY]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: simulated bug" in err and "Traceback" not in err


def test_a_closed_pipe_ends_quietly(kb_home: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = f"{sys.executable} -m kb search {QUERY} --limit 10 --json | head -c 10 >/dev/null"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=kb_home, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr


def test_folder_options_after_the_command(kb_home: Path, tmp_path: Path):
    r = run_kb("search", QUERY, "--content", str(kb_home / "content"), "--index", str(kb_home / "index"), cwd=tmp_path)
    assert r.returncode == 0 and TMCM in r.stdout, r.stderr
    r = run_kb("check", "--content", str(kb_home / "content"), cwd=tmp_path)
    assert r.returncode == 0 and "2 advisories" in r.stdout


# --- pastes as they come ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding,data",
    [
        ("utf-8", JA_MESSAGE.encode("utf-8")),
        ("utf-8 BOM", b"\xef\xbb\xbf" + JA_MESSAGE.encode("utf-8")),
        ("utf-16 BOM", JA_MESSAGE.encode("utf-16")),
        ("utf-16-be BOM", b"\xfe\xff" + JA_MESSAGE.encode("utf-16-be")),
        ("utf-16-le no BOM", JA_MESSAGE.encode("utf-16-le")),
        ("shift_jis", JA_MESSAGE.encode("shift_jis")),
        ("cp932 CRLF", (JA_MESSAGE + "\r\nイベントID:800\r\n").encode("cp932")),
        ("euc-jp", JA_MESSAGE.encode("euc_jp")),
    ],
)
def test_pastes_in_every_encoding_find_the_message(kb_home: Path, encoding: str, data: bytes):
    r = run_kb("search", "--limit", "1", cwd=kb_home, stdin=data)
    assert r.returncode == 0 and TMCM in r.stdout and "[exact]" in r.stdout, (encoding, r.stdout, r.stderr)
    f = kb_home / "paste.txt"
    f.write_bytes(data)
    r = run_kb("search", "--file", str(f), "--limit", "1", cwd=kb_home)
    assert r.returncode == 0 and TMCM in r.stdout, (encoding, r.stderr)


def test_undecodable_bytes_get_a_clear_error(kb_home: Path):
    r = run_kb("search", cwd=kb_home, stdin=b"\x81\xff\xfe\x80\x00\x9f" * 50)
    assert r.returncode == 2 and "cannot decode the input" in r.stderr and "UTF-8" in r.stderr


def test_a_cut_paste_says_how_much_was_used(kb_home: Path):
    lines = [f"line {k}: " + " ".join(f"w{k * 7 + j}x{chr(0x4E00 + (k * 13 + j) % 20000)}" for j in range(12)) for k in range(14_000)]
    paste = "\n".join([JA_MESSAGE, *lines])
    assert len(paste) > 1_100_000
    r = run_kb("search", "--json", cwd=kb_home, stdin=paste, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "were searched, the rest was left out" in r.stderr
    assert '"cut": true' in r.stdout and f'"query_chars": {len(paste)}' in r.stdout
    assert TMCM in r.stdout  # the message at the top still counts


def test_api_results_tell_the_cut_too(kb_home: Path):
    with kb.open(kb_home / "content", kb_home / "index") as base:
        small = base.search(QUERY)
        assert not small.cut and small.used_chars == small.query_chars == len(QUERY)
        assert small.notice() is None
