"""Links that lead nowhere, folders kb cannot read or write, and arguments that are not what a
command expects: each is said in one line with its exit code, and nothing is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kbrun import QUERY, REPO, TMCM, run_kb, tree_digest

import kb
from kb.cli import EXIT_CONTENT, EXIT_NO_RESULTS, EXIT_OK, EXIT_USAGE, main
from kb.content import load as content_load


def _loop(at: Path) -> None:
    """Two symbolic links pointing at each other, one of them ``at``."""
    other = at.with_name(at.name + "-other")
    os.symlink(other.name, at)
    os.symlink(at.name, other)


def test_a_link_loop_in_the_content_folder_is_a_content_error_and_searches_still_answer(kb_home: Path):
    index_before = tree_digest(kb_home / "index")
    _loop(kb_home / "content" / "zz-loop")
    r = run_kb("check", cwd=kb_home)
    assert r.returncode == EXIT_CONTENT, r.stderr
    assert "zz-loop:1: error: a symbolic link that leads nowhere" in r.stderr and "Traceback" not in r.stderr
    r = run_kb("build", cwd=kb_home)
    assert r.returncode == EXIT_CONTENT and "internal error" not in r.stderr
    assert tree_digest(kb_home / "index") == index_before
    for args in (("search", QUERY), ("search", QUERY, "--json")):
        r = run_kb(*args, cwd=kb_home)
        assert r.returncode == EXIT_OK and TMCM in r.stdout and "internal error" not in r.stderr, r.stderr
    assert json.loads(run_kb("search", QUERY, "--json", cwd=kb_home).stdout)["results"]
    with kb.open(kb_home / "content", kb_home / "index") as base:
        assert base.search(QUERY, warn_stale=False)[0].id == TMCM
        assert base.stale is None  # (the advisories the index holds are all still there, unchanged)


@pytest.mark.parametrize("broken", ["dangling", "loop"])
def test_a_language_file_that_is_a_broken_link_is_reported_not_dropped(kb_home: Path, broken: str):
    en = kb_home / "content" / TMCM / "en.md"
    if en.exists():
        en.unlink()
    if broken == "dangling":
        os.symlink("gone.md", en)
    else:
        _loop(en)
    r = run_kb("check", cwd=kb_home)
    assert r.returncode == EXIT_CONTENT, r.stderr
    assert f"{TMCM}/en.md:1: error: a symbolic link that leads nowhere" in r.stderr


def test_a_folder_that_cannot_be_read_is_a_problem_of_the_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # (CI runs as root, whom file modes do not stop: the refusal is made here)
    content = tmp_path / "content"
    content.mkdir()
    for name in ("fujitsu-tx200ft-ms05-018", TMCM):
        os.symlink(REPO / "content" / name, content / name)
    real = content_load._load_advisory

    def refusing(folder: Path, report):
        if folder.name == TMCM:
            raise PermissionError(13, "Permission denied", str(folder / "advisory.yaml"))
        return real(folder, report)

    monkeypatch.setattr(content_load, "_load_advisory", refusing)
    advisories, problems = content_load.load(content, workers=0)
    assert [a.id for a in advisories] == ["fujitsu-tx200ft-ms05-018"]
    assert [(Path(p.path).name, p.line, p.message) for p in problems if p.severity == "error"] == [
        (TMCM, 1, "cannot read the folder: Permission denied")
    ]


def test_a_site_kb_cannot_write_beside_stops_the_build_before_the_index_changes(kb_home: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.chdir(kb_home)
    (kb_home / "content" / TMCM / "en.md").write_text((kb_home / "content" / TMCM / "en.md").read_text("utf-8") + "\nOne more line.\n", "utf-8")
    index_before, site_before = tree_digest(kb_home / "index"), tree_digest(kb_home / "site")
    real_access = os.access

    def no_write_in_home(path, mode, *args, **kwargs):
        if Path(path).resolve() == kb_home.resolve() and mode & os.W_OK:
            return False  # (as on a read-only mount, which stops root too)
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", no_write_in_home)
    assert main(["build"]) == EXIT_USAGE
    assert "kb cannot write in" in capsys.readouterr().err
    assert tree_digest(kb_home / "index") == index_before and tree_digest(kb_home / "site") == site_before


def test_a_query_argument_in_another_encoding_is_decoded_or_refused(kb_home: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for k in ("KB_CONTENT", "KB_INDEX", "KB_SITE"):
        env.pop(k, None)

    def search(arg: bytes) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kb", "search", arg, "--json"], capture_output=True, cwd=kb_home, env=env, timeout=120)

    r = search("TMI が準備できていません errcode=-107".encode("cp932"))
    doc = json.loads(r.stdout.decode("utf-8"))  # (strict: a stray byte would fail here)
    assert r.returncode == EXIT_OK and doc["query"] == "TMI が準備できていません errcode=-107" and doc["results"][0]["id"] == TMCM
    r = search(b"errcode=-107 \xc3\x28")  # (no encoding reads it: once, it went out in the JSON as it came)
    assert r.returncode == EXIT_USAGE and r.stdout == b"" and b"cannot decode the input" in r.stderr


@pytest.mark.parametrize("query", ["", "   \n\t ", "\x01\x02\x7f", "!!! ??? ---"])
def test_a_query_with_nothing_to_search_for_is_a_usage_error_not_a_miss(kb_home: Path, query: str):
    for args in (("search", query), ("search", "-", "--json")):
        r = run_kb(*args, cwd=kb_home, stdin=query if "-" in args else None)
        assert r.returncode == EXIT_USAGE and "nothing to search for" in r.stderr and r.stdout == "", (args, r.returncode, r.stderr)


def test_an_empty_or_case_only_id_is_no_advisory(kb_home: Path):
    for arg in ("", "#", "#win2000"):
        r = run_kb("show", arg, cwd=kb_home)
        assert r.returncode == EXIT_NO_RESULTS and "no advisory" in r.stderr, (arg, r.returncode, r.stderr)
    with kb.open(kb_home / "content", kb_home / "index") as base, pytest.raises(KeyError):
        base.get("")


def test_control_characters_of_an_argument_are_not_sent_to_the_terminal(kb_home: Path):
    r = run_kb("show", "\x1b[31mred", cwd=kb_home)
    assert r.returncode == EXIT_NO_RESULTS and "\x1b" not in r.stderr and "\\x1b[31mred" in r.stderr


@pytest.mark.parametrize(
    ("query", "limit", "error"),
    [
        (b"errcode=-107", 10, TypeError),
        (None, 10, TypeError),
        (["errcode=-107"], 10, TypeError),
        ("errcode=-107", 1.5, TypeError),
        ("errcode=-107", "3", TypeError),
        ("errcode=-107", True, TypeError),
        ("errcode=-107", 0, ValueError),
    ],
)
def test_the_api_says_which_argument_is_wrong(kb_home: Path, query, limit, error):
    with kb.open(kb_home / "content", kb_home / "index") as base, pytest.raises(error) as caught:
        base.search(query, limit=limit)
    assert ("query" in str(caught.value)) == (limit == 10) and ("limit" in str(caught.value)) == (limit != 10)
