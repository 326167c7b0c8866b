"""Incremental builds: after advisories are edited, added or removed, a build that starts from the
previous one answers exactly as a build from scratch, and reads and analyzes only what changed.

Every round edits the content, builds incrementally into one index folder and from scratch into
another, and compares the two on many queries: ids, cases, scores, labels, evidence, steps. The
manifests' content fingerprints must agree too.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

import kb
import kb.content.load
import kb.search.index
import kb.search.template_table
from kb.api import KnowledgeBase
from kb.cli import main as kb_main
from kb.content.load import load
from kb.search.index import Index, current_build, intact, read_manifest, split_key
from kb.text.templates import Template

ROOT = Path(__file__).resolve().parent.parent
N = 48  # generated advisories (besides the two bundled ones)


def touch_edit(path: Path, old: str | None = None, new: str = "", append: str = "") -> None:
    """Change a file in place (as an editor that keeps the file does) and move its mtime on."""
    text = path.read_text("utf-8")
    if old is not None:
        assert old in text, (path, old)
        text = text.replace(old, new, 1)
    path.write_text(text + append, "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


@pytest.fixture(scope="module")
def spare(tmp_path_factory) -> Path:
    """Generated advisories that are not in the content yet (to be added)."""
    from tools.synthetic import write_corpus

    root = tmp_path_factory.mktemp("spare")
    write_corpus(root, N + 4, seed=5)
    return root


@pytest.fixture
def home(tmp_path: Path, spare: Path) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    for name in sorted(p.name for p in spare.iterdir() if p.is_dir())[:N]:
        shutil.copytree(spare / name, content / name)
    for p in (ROOT / "content").iterdir():
        if p.is_dir():
            shutil.copytree(p, content / p.name)
    return tmp_path


def queries(content: Path, seed: int) -> list[str]:
    """Titles, messages with other values, model numbers, reference ids and loose words of the content."""
    rng = random.Random(seed)
    advisories, _ = load(content)
    out = ["errcode=-107", "PGT20146F2", "KB890859", "Windows 2000", "サービスが起動しない", "Outlook が起動しない", "TX150FT S2", "0x0000000A"]
    for a in advisories:
        lang = rng.choice(a.langs)
        out.append(a.title[lang])
        for c in a.cases[:2]:
            for m in c.messages[:2]:
                t = next(iter(m.text.values()))
                out.append("".join(p if isinstance(p, str) else "7" for p in Template.parse(t.source).parts))
            models = [m for m, _ in c.models()]
            if models:
                out.append(rng.choice(models))
            words = (c.text[lang].symptoms or c.text[lang].title).split()
            if len(words) > 4:
                out.append(" ".join(rng.sample(words, 4)))
        for r in a.references[:1]:
            out.append(r.id)
    return out


def answers(content: Path, index: Path, qs: list[str]) -> list[list[dict]]:
    with KnowledgeBase(content, index) as base:
        assert base.stale is None
        return [[h.to_dict() for h in base.search(q, limit=8)] for q in qs] + [
            [h.to_dict() for h in base.search(q, lang="ja", limit=5)] for q in qs[::7]
        ]


def full_build(content: Path, index: Path) -> None:
    shutil.rmtree(index, ignore_errors=True)
    KnowledgeBase(content, index).build(full=True)


def analyzed(index: Path) -> int:
    manifest = read_manifest(current_build(index))
    assert manifest is not None
    return manifest["analyzed"]


def same_as_full(home: Path, seed: int) -> None:
    content, inc, full = home / "content", home / "index", home / "full"
    full_build(content, full)
    qs = queries(content, seed)
    assert answers(content, inc, qs) == answers(content, full, qs)
    # The index itself: every term of every field, its documents in order and their weights.
    a, b = Index(current_build(inc)), Index(current_build(full))
    try:
        assert list(a._keys) == list(b._keys) and a.doc_count == b.doc_count
        terms_a = {(f, t): (off, n) for f, t, off, n in a._table.items()}
        terms_b = {(f, t): (off, n) for f, t, off, n in b._table.items()}
        assert terms_a.keys() == terms_b.keys()
        for (field, term), (ob, nb) in terms_b.items():
            assert a.lookup(field, term) == b.lookup(field, term)
            assert a._table.get(field, term) == terms_a[field, term] and b._table.get(field, term) == (ob, nb)
            oa, na = terms_a[field, term]
            assert na == nb and a._post_weights[oa : oa + na].tolist() == b._post_weights[ob : ob + nb].tolist(), (field, term)
        assert [e.__dict__ for e in a.templates] == [e.__dict__ for e in b.templates] and a.template_keys == b.template_keys
        for key in list(b._keys)[::5]:
            assert a.stored(*split_key(key)) == b.stored(*split_key(key))
    finally:
        a.close()
        b.close()
    assert read_manifest(current_build(inc))["fingerprint"] == read_manifest(current_build(full))["fingerprint"]  # type: ignore[index]
    # Every checksum the manifest records is the file's (some are computed as the file is written).
    assert intact(current_build(inc)) and intact(current_build(full))  # type: ignore[arg-type]


def folders(content: Path) -> list[Path]:
    return sorted(p for p in content.iterdir() if p.is_dir())


def test_edits_additions_and_removals_answer_as_a_full_build(home: Path, spare: Path, monkeypatch):
    content, index = home / "content", home / "index"
    keyed: list[int] = []  # how many wordings had their keys chosen, build after build
    choose = kb.search.template_table.wording_keys
    monkeypatch.setattr(kb.search.template_table, "wording_keys", lambda lits, counts: keyed.append(len(lits)) or choose(lits, counts))
    base = KnowledgeBase(content, index)
    base.build()
    assert analyzed(index) == N + 2
    # Round 1: an edit of the prose, a changed message, an added advisory.
    advs = folders(content)
    touch_edit(advs[3] / "en.md", append="\nThe backup agent also stops when the tape library is offline.\n")
    yaml = advs[7] / "advisory.yaml"
    text = yaml.read_text("utf-8")
    i = text.index("text:")
    touch_edit(yaml, text[i : i + 12], text[i : i + 12] + "Quarantined ")
    added = sorted(p.name for p in spare.iterdir() if p.is_dir())[N]
    shutil.copytree(spare / added, content / added)
    keyed.clear()
    base.build()
    assert analyzed(index) == 3
    assert keyed  # (a message changed: the keys are chosen again)
    same_as_full(home, 1)
    # Round 2 (on top of the incremental build): a removal, a bundled advisory edited, a file touched but unchanged.
    shutil.rmtree(advs[11])
    touch_edit(content / "trendmicro-tmcm-tmi-not-ready" / "ja.md", append="\nTMI サービスを再起動しても解決しない場合があります。\n")
    touch_edit(advs[20] / "ja.md")
    KnowledgeBase(content, index).build()
    assert analyzed(index) == 2  # the touched one is analyzed again (its mtime moved), the removed one is gone
    same_as_full(home, 2)
    # Round 3: through the command line, nothing changed, then one more edit.
    assert kb_main(["--content", str(content), "--index", str(index), "build", "--no-site"]) == 0
    assert analyzed(index) == 0
    touch_edit(advs[30] / "en.md", append="\nSee also the vendor's knowledge base.\n")
    keyed.clear()
    assert kb_main(["--content", str(content), "--index", str(index), "build", "--no-site"]) == 0
    assert analyzed(index) == 1
    assert not keyed  # (every message as it was: the previous build's keys are taken)
    same_as_full(home, 3)


def test_incremental_build_from_loaded_advisories(home: Path):
    """The CLI with the site loads every advisory once; the index build still analyzes only what changed."""
    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    advs = folders(content)
    touch_edit(advs[5] / "en.md", append="\nA second symptom: the console shows no devices.\n")
    base = KnowledgeBase(content, index)
    base.advisories()
    base.build(reload=False)
    assert analyzed(index) == 1
    same_as_full(home, 4)


def test_many_changes_rebuild_from_scratch(home: Path):
    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    for p in folders(content)[: N // 2 + 5]:
        touch_edit(p / "advisory.yaml")
    KnowledgeBase(content, index).build()
    assert analyzed(index) == N + 2
    same_as_full(home, 5)


def test_a_build_over_too_many_deleted_documents_starts_from_scratch(home: Path, monkeypatch):
    """Whoosh keeps a replaced document as deleted until it merges segments; the manifest records
    how many documents Whoosh holds, and a build over more than MAX_DELETED_SHARE of deleted ones
    starts from scratch."""
    from whoosh import index as whoosh_index

    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    touch_edit(folders(content)[3] / "en.md", append="\nOne more sentence.\n")
    KnowledgeBase(content, index).build()
    assert analyzed(index) == 1
    build = current_build(index)
    manifest = read_manifest(build)
    with whoosh_index.open_dir(str(build / "whoosh"), readonly=True).reader() as reader:
        assert manifest["whoosh_documents"] == reader.doc_count_all() > manifest["documents"] == reader.doc_count()
    monkeypatch.setattr(kb.api, "MAX_DELETED_SHARE", 0.0)
    touch_edit(folders(content)[4] / "en.md", append="\nAnother sentence.\n")
    KnowledgeBase(content, index).build()
    assert analyzed(index) == N + 2
    manifest = read_manifest(current_build(index))
    assert manifest["whoosh_documents"] == manifest["documents"]
    same_as_full(home, 6)


def test_content_errors_and_warnings_are_the_same_as_a_full_read(home: Path):
    """Reading only what changed reports what reading everything does: a broken link after a removal,
    an error in a changed advisory (nothing is written), and the warnings of unchanged ones."""
    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    before = current_build(index)
    advs = folders(content)
    # A link to an advisory that is then removed.
    touch_edit(advs[2] / "en.md", append=f"\nSee [the other one](kb:{advs[9].name}).\n")
    KnowledgeBase(content, index).build()
    shutil.rmtree(advs[9])
    with pytest.raises(kb.ContentError) as inc:
        KnowledgeBase(content, index).build()
    with pytest.raises(kb.ContentError) as whole:
        KnowledgeBase(content, home / "other").build(full=True)
    assert [str(p) for p in inc.value.problems] == [str(p) for p in whole.value.problems]
    assert any("unknown advisory" in p.message for p in inc.value.problems)
    touch_edit(advs[2] / "en.md", f"\nSee [the other one](kb:{advs[9].name}).\n", "")
    # An error in a changed advisory: the build stops, the index stays.
    last = current_build(index)
    assert last != before
    touch_edit(advs[4] / "en.md", append="\n[broken](kb:no-such-advisory)\n")
    with pytest.raises(kb.ContentError) as inc:
        KnowledgeBase(content, index).build()
    assert current_build(index) == last
    touch_edit(advs[4] / "en.md", "\n[broken](kb:no-such-advisory)\n", "")
    # Warnings: an incremental read lists those of every advisory, as a full read does.
    inc_base = KnowledgeBase(content, index)
    inc_base.build()
    full_base = KnowledgeBase(content, home / "other")
    full_base.build(full=True)
    assert [str(p) for p in inc_base.problems] == [str(p) for p in full_base.problems]
    same_as_full(home, 6)


@pytest.mark.parametrize("damage", ["postings.bin cut", "postings.bin garbled, same size", "segment garbled, same size"])
def test_a_damaged_previous_build_is_not_built_on(home: Path, damage: str):
    """Damage that opening the index notices, and damage it does not (same size, other bytes): the
    next build starts from scratch, so no damage is carried on."""
    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    build_dir = current_build(index)
    assert build_dir is not None
    if damage == "postings.bin cut":
        (build_dir / "postings.bin").write_bytes(b"\0" * 12)
    elif damage == "postings.bin garbled, same size":
        data = bytearray((build_dir / "postings.bin").read_bytes())
        data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
        (build_dir / "postings.bin").write_bytes(bytes(data))
    else:
        seg = max((build_dir / "whoosh").glob("*.seg"), key=lambda p: p.stat().st_size)
        data = bytearray(seg.read_bytes())
        data[len(data) // 3] ^= 0x55
        seg.write_bytes(bytes(data))
    touch_edit(folders(content)[1] / "en.md", append="\nOne more line.\n")
    KnowledgeBase(content, index).build()
    assert analyzed(index) == N + 2
    same_as_full(home, 7)


def test_postings_are_those_whoosh_indexed(home: Path):
    """postings.bin holds, for every term, the documents and term weights (field boost included) that
    Whoosh has: after a full build and after incremental ones (whose Whoosh index has deletions,
    and, once small segments pile up, segments Whoosh merged into a new one)."""
    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    segments = []
    for round_ in range(8):
        ix = Index(current_build(index))
        try:
            reader, checked = ix._reader, 0
            segments.append(len(reader.leaf_readers()))
            keys = {d: reader.stored_fields(d)["key"] for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}
            for field, term, off, n in ix._table.items():
                m = reader.postings(field, term)
                whoosh = []
                while m.is_active():
                    whoosh.append((keys[m.id()], m.weight()))
                    m.next()
                ours = [(ix._keys[d], w) for d, w in zip(ix._post_docs[off : off + n].tolist(), ix._post_tf[off : off + n].tolist())]
                assert sorted(ours) == sorted(whoosh), (field, term)
                assert ix.doc_frequency(field, term) == n
                checked += 1
            assert checked > 1000
        finally:
            ix.close()
        if round_ == 0:
            shutil.rmtree(folders(content)[8])
        touch_edit(folders(content)[6 + round_] / "en.md", append="\nThe service stops again after the update; reinstall the agent.\n")
        KnowledgeBase(content, index).build()
        assert analyzed(index) == 1
    assert max(segments) > 2 and segments[-1] < max(segments), segments  # (Whoosh merged small segments on the way)


def test_build_code_covers_what_a_build_imports():
    """kb.api.BUILD_CODE (a change to these modules makes the next build start from scratch) holds
    every kb module that kb.content, kb.search.documents and kb.search.index import, directly or not."""
    import ast

    from kb.api import BUILD_CODE

    kb_dir = ROOT / "kb"

    def module_file(package: list[str], name: str) -> str:
        path = kb_dir.joinpath(*package, *name.split("."))
        return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(kb_dir).as_posix()

    todo, seen = ["content/load.py", "search/documents.py", "search/index.py"], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        package = name.split("/")[:-1]
        tree = ast.parse((kb_dir / name).read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                base = package[: len(package) - (node.level - 1)]
                if node.module:
                    todo.append(module_file(base, node.module))
                else:  # from . import a, b: modules (or names of the package)
                    for a in node.names:
                        candidate = kb_dir.joinpath(*base, a.name)
                        if candidate.with_suffix(".py").exists() or candidate.is_dir():
                            todo.append(module_file(base, a.name))
    assert seen <= {*BUILD_CODE, "__init__.py"}, seen - set(BUILD_CODE)  # (kb/__init__.py: __version__, hashed anyway)


@pytest.mark.parametrize(
    "change",
    ["none", "in place", "saved by rename", "file added", "file removed", "folder added", "folder removed", "sub-folder added"],
)
def test_the_stale_notice_sees_every_kind_of_edit(tmp_path: Path, change: str):
    """Searches compare the content with what the build recorded (a stat per file, a listing only of
    the folders whose mtime moved): every way an editor or a shell changes a folder shows."""
    content, index = tmp_path / "content", tmp_path / "index"
    shutil.copytree(ROOT / "content", content)
    KnowledgeBase(content, index).build()
    folder = content / "trendmicro-tmcm-tmi-not-ready"
    if change == "in place":
        touch_edit(folder / "en.md", append="\n")
    elif change == "saved by rename":
        (folder / ".en.md.tmp").write_text((folder / "en.md").read_text("utf-8") + "\n", "utf-8")
        os.replace(folder / ".en.md.tmp", folder / "en.md")
    elif change == "file added":
        (folder / "notes.txt").write_text("x", "utf-8")
    elif change == "file removed":
        (folder / "ja.md").unlink()
    elif change == "folder added":
        shutil.copytree(folder, content / "trendmicro-tmcm-copy")
    elif change == "folder removed":
        shutil.rmtree(content / "fujitsu-tx200ft-ms05-018")
    elif change == "sub-folder added":
        (folder / "assets").mkdir()
    base = KnowledgeBase(content, index)
    assert (base.staleness() is None) == (change == "none"), base.staleness()


def test_kb_build_analyzes_each_advisory_once_for_the_index_and_the_site(tmp_path: Path, monkeypatch):
    """``kb build`` analyzes an advisory once: the site's search is made from the index build (its
    postings, stored texts and wordings), so an incremental build with the site analyzes only what
    changed, and the site's search files are those of a fresh index of the same advisories."""
    import kb.search.documents
    from kb.browser.index import search_index

    calls: list[str] = []
    analyze = kb.search.documents.documents

    def counted(adv):
        calls.append(adv.id)
        return analyze(adv)

    monkeypatch.setattr(kb.search.documents, "documents", counted)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    args = ["--content", str(tmp_path / "content"), "--index", str(tmp_path / "index")]
    assert kb_main([*args, "build", "--site", str(tmp_path / "site")]) == 0
    assert sorted(calls) == sorted(p.name for p in (tmp_path / "content").iterdir() if p.is_dir())
    assert (tmp_path / "site" / "index.html").is_file()
    touch_edit(tmp_path / "content" / "trendmicro-tmcm-tmi-not-ready" / "en.md", append="\nOne more line.\n")
    calls.clear()
    assert kb_main([*args, "build", "--site", str(tmp_path / "site")]) == 0
    assert analyzed(tmp_path / "index") == 1
    assert calls == ["trendmicro-tmcm-tmi-not-ready"]
    fresh = search_index(KnowledgeBase(tmp_path / "content", tmp_path / "index").advisories()).files
    search = tmp_path / "site" / "search"
    written = {p.relative_to(search).as_posix(): p.read_text("utf-8") for p in search.rglob("*.js")}
    assert written == fresh


def test_kb_check_reads_only_what_changed_and_reports_what_a_full_read_does(home: Path, capsys, monkeypatch):
    """`kb check` next to an index built from the same content reads only the folders changed since
    (the build checked the others and recorded their case ids and warnings); what it prints and its
    exit code are those of a check that reads every folder (no index), whatever the edit."""
    import kb.api

    content, index = home / "content", home / "index"
    KnowledgeBase(content, index).build()
    advs = folders(content)

    def check(index_dir: Path) -> tuple[int, str, str]:
        code = kb_main(["--content", str(content), "--index", str(index_dir), "check"])
        out = capsys.readouterr()
        return code, out.out, out.err

    def same() -> tuple[int, str, str]:
        with_index = check(index)
        assert with_index == check(home / "no-index"), with_index
        return with_index

    full_reads: list[str] = []
    read_all = kb.content.load.check  # (kb.api imports it when it checks every folder)

    def counted(root):
        full_reads.append(str(root))
        return read_all(root)

    monkeypatch.setattr(kb.content.load, "check", counted)
    # Nothing changed, then one advisory edited: only that one is read.
    assert same()[0] == 0 and len(full_reads) == 1  # (the check without an index)
    touch_edit(advs[3] / "en.md", append="\nThe agent also stops when the tape library is offline.\n")
    assert same()[0] == 0 and len(full_reads) == 2
    # A warning in a changed advisory (an outdated translation stamp); then, built, the warning of
    # an unchanged advisory, as the build recorded it.
    touch_edit(advs[5] / "en.md", "---\n", "---\ntranslated_from: ja@0123456789ab\n")
    code, _out, err = same()
    assert code == 0 and "may be outdated" in err
    KnowledgeBase(content, index).build()
    touch_edit(advs[6] / "ja.md", append="\nテープライブラリがオフラインのときもエージェントが停止します。\n")
    reads = len(full_reads)
    code, _out, err = same()
    assert code == 0 and "may be outdated" in err and len(full_reads) == reads + 1
    # An error in a changed advisory, a link to an advisory that is then removed: every folder is read.
    touch_edit(advs[4] / "en.md", append="\n[broken](kb:no-such-advisory)\n")
    code, _out, err = same()
    assert code == 3 and "unknown advisory" in err
    touch_edit(advs[4] / "en.md", "\n[broken](kb:no-such-advisory)\n", "")
    touch_edit(advs[2] / "en.md", append=f"\nSee [the other one](kb:{advs[9].name}).\n")
    assert same()[0] == 0
    shutil.rmtree(advs[9])
    code, _out, err = same()
    assert code == 3 and "unknown advisory" in err


def test_worker_processes_analyze_a_large_build_into_the_same_index(tmp_path: Path, monkeypatch):
    """From kb.search.documents.PARALLEL_FROM advisories on, worker processes analyze them (both
    CPUs); the index is the one a single process builds, file for file, and answers the same. A
    build that stops early stops its workers."""
    import multiprocessing

    import kb.search.documents as documents
    from bench.bench_search import table_digest
    from tools.synthetic import write_corpus

    content = tmp_path / "content"
    write_corpus(content, documents.PARALLEL_FROM + 6, seed=11)
    for p in (ROOT / "content").iterdir():
        if p.is_dir():
            shutil.copytree(p, content / p.name)
    pids = tmp_path / "pids"
    analyze = documents.analyze

    def noted(text, *args, **kwargs):  # (runs in the workers: forked, they have this patch)
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return analyze(text, *args, **kwargs)

    monkeypatch.setattr(documents, "analyze", noted)
    KnowledgeBase(content, tmp_path / "one").build(workers=1)
    assert set(pids.read_text().split()) == {str(os.getpid())}
    pids.unlink()
    KnowledgeBase(content, tmp_path / "two").build(workers=2)
    workers = set(pids.read_text().split())
    assert len(workers) == 2 and str(os.getpid()) not in workers
    assert table_digest(current_build(tmp_path / "two")) == table_digest(current_build(tmp_path / "one"))
    qs = queries(content, seed=4)[:60]
    assert answers(content, tmp_path / "two", qs) == answers(content, tmp_path / "one", qs)

    advisories = KnowledgeBase(content, tmp_path / "one").advisories()
    made = documents.analyzed(advisories, workers=2)
    assert next(made) == documents.documents(advisories[0])
    assert multiprocessing.active_children()
    made.close()
    assert not multiprocessing.active_children()


def test_a_failing_analysis_worker_stops_the_build_and_the_index_stays(tmp_path: Path, monkeypatch):
    """An error in a worker process reaches the build (the same exception), the workers stop, and
    the index that was current stays current and answers as before."""
    import multiprocessing

    import kb.search.documents as documents
    from tools.synthetic import write_corpus

    content = tmp_path / "content"
    write_corpus(content, documents.PARALLEL_FROM + 6, seed=17)
    index = tmp_path / "index"
    KnowledgeBase(content, index).build(workers=1)
    before = current_build(index)
    qs = queries(content, seed=5)[:20]
    with KnowledgeBase(content, index) as base:
        want = [[h.to_dict() for h in base.search(q, limit=8)] for q in qs]
    victim = sorted(p.name for p in content.iterdir())[40]
    texts_of = documents.case_texts

    def failing(adv, *args, **kwargs):  # (runs in the workers: forked, they have this patch)
        if adv.id == victim:
            raise RuntimeError(f"analysis failed on {victim}")
        return texts_of(adv, *args, **kwargs)

    for p in content.iterdir():  # every advisory changed: all analyzed again, in workers
        touch_edit(p / "en.md", append="\nOne more line.\n")
    monkeypatch.setattr(documents, "case_texts", failing)
    with pytest.raises(RuntimeError, match="analysis failed on"):
        KnowledgeBase(content, index).build(workers=2, full=True)
    assert not multiprocessing.active_children()
    assert current_build(index) == before and intact(before)
    assert [p.name for p in index.iterdir() if p.name.startswith("build-")] == [before.name]  # (the failed one removed)
    with KnowledgeBase(content, index) as base:  # (the content changed since: its answers are the index's)
        assert [[h.to_dict() for h in base.search(q, limit=8, warn_stale=False)] for q in qs] == want


@pytest.mark.parametrize("by_runs", [True, False])
def test_splicing_postings_is_a_delete_then_an_insert(monkeypatch, by_runs: bool):
    """An incremental build drops the postings of the documents that left and inserts the fresh ones
    in one pass per column (:func:`kb.search.index._spliced`): the same as ``np.delete`` then
    ``np.insert``, whether it copies the runs between the changes or goes by masks."""
    import numpy as np

    monkeypatch.setattr(kb.search.index, "_SPLICE_BY_RUNS", 10**9 if by_runs else 0)
    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(0, 40))
        a = rng.integers(0, 1000, n).astype(np.int32)
        gone = np.sort(rng.choice(n, int(rng.integers(0, n + 1)), replace=False)).astype(np.int64) if n else np.zeros(0, np.int64)
        at = np.sort(rng.integers(0, n + 1, int(rng.integers(0, 12)))).astype(np.int64)  # places in ``a``, repeats included
        values = rng.integers(-50, 0, len(at)).astype(np.int32)
        expected = np.insert(np.delete(a, gone), at - np.searchsorted(gone, at, side="left"), values)
        out = np.empty(len(a) - len(gone) + len(at), dtype=a.dtype)
        assert np.array_equal(kb.search.index._spliced(a, gone, at, values, out), expected), (a, gone, at, values)
