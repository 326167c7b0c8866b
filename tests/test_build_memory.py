"""A build's memory stays bounded by what it writes, not by the content it reads (issue #10).

What makes it so, each checked against the straightforward code or behaviour it replaced:
- the advisories a build reads are kept packed, unpickled only where they are analyzed, and let go
  one by one as they are indexed (``ordered_map`` takes its items lazily and drops each result once
  given);
- postings are sorted by a block-wise counting sort (``_grouped``) that gives exactly the order of
  a stable ``argsort`` over all of them;
- a posting's document is kept once per document as a run (``_Runs``), laid out a block at a time.
"""

from __future__ import annotations

import gc
import json
import os
import random
import weakref
from array import array
from pathlib import Path

import numpy as np
import pytest

import kb.api
import kb.search.index as index_module
from kb.api import KnowledgeBase
from kb.content.load import load, load_packed
from kb.content.model import Advisory, Packed
from kb.search.documents import documents, indexable, template_entries
from kb.search.index import _grouped, _Runs
from kb.search.layout import current_build
from kb.workers import TASKS_AHEAD, ordered_map

ROOT = Path(__file__).resolve().parent.parent


def _double(n: int) -> int:
    return 2 * n


def test_runs_lay_out_any_block_as_the_repeated_values():
    rng = random.Random(5)
    for _ in range(300):
        n = rng.randint(0, 25)
        values = array("I", sorted(rng.sample(range(10_000), n)))
        lengths = array("I", [rng.randint(1, 9) for _ in range(n)])
        whole = np.repeat(np.frombuffer(values, np.uint32), np.frombuffer(lengths, np.uint32))
        runs = _Runs(values, lengths)
        gathered = _Runs()  # the same runs, as a build gathers them: a document's postings end, then the next's
        for value, total in zip(values, np.cumsum(lengths).tolist()):
            gathered.end(value, total)
            gathered.end(value + 1, total)  # (no postings since: no run)
        assert (gathered.values, gathered.lengths) == (values, lengths)
        assert len(runs) == len(whole) and runs.dtype == whole.dtype
        for _ in range(20):
            a = rng.randint(0, len(whole))
            b = rng.randint(a, len(whole) + 3)
            assert np.array_equal(runs[a:b], whole[a:b]), (a, b)


@pytest.mark.parametrize("block", [1, 3, 64, 1 << 18])
def test_grouped_gives_the_order_of_a_stable_argsort(monkeypatch, block):
    monkeypatch.setattr(index_module, "_BLOCK", block)
    rng = np.random.default_rng(block)
    for n_terms, n_docs in ((1, 1), (5, 40), (300, 50), (40, 400)):
        lengths = rng.integers(1, 12, size=n_docs).astype(np.uint32)
        docs = np.sort(rng.choice(100_000, size=n_docs, replace=False)).astype(np.uint32)
        numbers = rng.integers(0, n_terms, size=int(lengths.sum())).astype(np.int32)
        weights = rng.random(len(numbers)).astype(np.float32)
        by_rank = rng.permutation(n_terms)  # the numbers in the order wanted
        rank = np.argsort(by_rank)  # each number's place in it
        (got_docs, got_weights), per_rank = _grouped(numbers, by_rank, [_Runs(array("I", docs.tolist()), array("I", lengths.tolist())), weights])
        order = np.argsort(rank[numbers], kind="stable")
        assert np.array_equal(got_docs, np.repeat(docs, lengths)[order])
        assert np.array_equal(got_weights, weights[order])
        assert np.array_equal(per_rank, np.bincount(rank[numbers], minlength=n_terms))
    (empty,), per_rank = _grouped(np.zeros(0, np.int32), [2, 0, 1], [np.zeros(0, np.float32)])
    assert len(empty) == 0 and per_rank.tolist() == [0, 0, 0]


def test_ordered_map_takes_items_as_the_workers_need_them():
    taken: list[int] = []

    def items():
        for n in range(200):
            taken.append(n)
            yield n

    made = ordered_map(_double, items(), n_items=200, workers=2, min_items=10, per_task=3)
    for k, result in enumerate(made):
        assert result == 2 * k
        assert len(taken) <= k + 1 + (TASKS_AHEAD * 2 + 1) * 3  # the tasks in flight, not the whole list
    assert len(taken) == 200
    assert list(ordered_map(_double, iter(range(7)), n_items=7, workers=2, min_items=10, per_task=3)) == [0, 2, 4, 6, 8, 10, 12]


def test_packed_advisories_are_the_advisories_and_analyze_the_same():
    content = ROOT / "content"
    advisories, problems = load(content, workers=1)
    packed, packed_problems = load_packed(content, workers=1)
    assert packed_problems == problems
    assert [p.id for p in packed] == [a.id for a in advisories]
    for p, a in zip(packed, advisories):
        assert p.advisory() == a
        assert (p.case_ids, p.path, p.documents) == (a.case_ids, a.path, len(a.cases) * len(a.langs))
    made = list(indexable(packed, workers=1))
    assert made == [(documents(a), template_entries(a)) for a in advisories]


def test_a_build_lets_each_advisory_go_once_it_is_indexed(tmp_path: Path, monkeypatch):
    """The build (as ``KnowledgeBase.build`` reads the content itself) never unpickles an advisory
    in its own process when workers analyze, and holds only the few in flight: each packed advisory
    is gone soon after its documents were indexed, not kept until the build ends."""
    import kb.search.documents as documents_module
    from tools.synthetic import write_corpus

    monkeypatch.setattr(documents_module, "ADVISORIES_PER_TASK", 1)
    content = tmp_path / "content"
    n = documents_module.PARALLEL_FROM + 40
    write_corpus(content, n, seed=23)
    parent = os.getpid()
    unpickled_here: list[str] = []
    real_advisory = Packed.advisory

    def advisory(self: Packed) -> Advisory:
        if os.getpid() == parent:
            unpickled_here.append(self.id)
        return real_advisory(self)

    monkeypatch.setattr(Packed, "advisory", advisory)
    handed: list[weakref.ref] = []
    alive_at: list[int] = []
    real_indexable = kb.api.indexable

    def watched(items, workers=None, *, count=None):
        def taken():
            for item in items:
                handed.append(weakref.ref(item))
                yield item

        for k, result in enumerate(real_indexable(taken(), workers, count=count)):
            gc.collect()
            alive_at.append(sum(1 for ref in handed[: k + 1] if ref() is not None))
            yield result

    monkeypatch.setattr(kb.api, "indexable", watched)
    KnowledgeBase(content, tmp_path / "index").build(workers=2)
    assert len(handed) == n and all(isinstance(ref(), (Packed, type(None))) for ref in handed)
    assert not unpickled_here, "the build's own process unpickled advisories"
    assert max(alive_at) <= 2, f"advisories indexed already were still held: {max(alive_at)}"
    gc.collect()
    assert sum(1 for ref in handed if ref() is not None) == 0


def test_workers_give_each_advisory_its_own_documents(tmp_path: Path, monkeypatch):
    """Through worker processes (tasks of several advisories, items taken lazily), each packed
    advisory's documents and wordings come back in order, the same as analyzing it here."""
    import kb.search.documents as documents_module
    from tools.synthetic import write_corpus

    content = tmp_path / "content"
    write_corpus(content, documents_module.PARALLEL_FROM + 9, seed=31)
    monkeypatch.setattr(documents_module, "ADVISORIES_PER_TASK", 3)
    packed, _ = load_packed(content, workers=2)
    here = [(documents(p.advisory()), template_entries(p.advisory())) for p in packed]
    assert list(indexable(iter(packed), workers=2, count=len(packed))) == here
    advisories = [p.advisory() for p in packed]
    assert list(documents_module.analyzed(iter(advisories), workers=2, count=len(advisories))) == [docs for docs, _ in here]


def test_site_search_is_made_from_the_index_build_file_by_file(tmp_path: Path, monkeypatch):
    """The browser's search index is made from an index build (postings, stored texts, wordings)
    without analyzing any advisory again, and each file can be handed on as it is made (what
    ``write_site`` does: nothing of it is held to the end); the files are those kept in memory."""
    import kb.search.documents as documents_module
    from kb.browser.index import search_index

    base = KnowledgeBase(ROOT / "content", tmp_path / "index")
    base.build()
    kept = search_index(base.advisories()).files  # (indexed afresh in a temporary folder)

    def refused(adv: Advisory) -> list:
        raise AssertionError(f"{adv.id} analyzed again for the site")

    monkeypatch.setattr(documents_module, "documents", refused)
    emitted: dict[str, str] = {}
    index = index_module.open_current(tmp_path / "index")
    try:
        made = search_index(index, emit=emitted.__setitem__)
    finally:
        index.close()
    assert made.files == {} and made.stats["files"] == len(emitted)
    assert emitted == kept


def test_shelf_keeps_packed_advisories_in_a_file_and_sends_their_bytes(tmp_path: Path):
    """Packed advisories put aside on a shelf (a temporary file without a name) read back the same,
    go to another process as bytes (pickled without the shelf), and ``Unpacked`` gives a new
    advisory each time one is asked for (none is kept)."""
    import pickle

    from kb.content.shelf import Shelf, Shelved, Unpacked

    advisories = load(ROOT / "content")[0]
    shelf = Shelf(tmp_path)
    packed = [shelf.pack(Packed.of(a)) for a in advisories]
    assert all(isinstance(p.data, Shelved) for p in packed)
    assert list(tmp_path.iterdir()) == []  # (the file has no name)
    assert [p.advisory() for p in packed] == advisories
    sent = pickle.loads(pickle.dumps(packed[0]))
    assert isinstance(sent.data, bytes) and sent == Packed.of(advisories[0])
    seq = Unpacked(packed)
    assert len(seq) == len(advisories) and list(seq) == advisories and seq[-1] == advisories[-1]
    assert seq[0] is not seq[0]


def test_site_goes_through_packed_advisories_one_at_a_time(tmp_path: Path, monkeypatch):
    """``write_site`` over packed advisories (what ``kb build`` hands it) makes the same site as over
    the advisories themselves, unpacks each advisory at most twice (once for what the indexes and
    links need, once for its own pages; the home pages' latest once more) and holds none of them
    once its pages are planned."""
    import kb.site.pages as pages_module
    from kb.content.shelf import Shelf, Unpacked

    advisories = load(ROOT / "content")[0]
    base = KnowledgeBase(ROOT / "content", tmp_path / "index")
    base.build()
    index = index_module.open_current(tmp_path / "index")
    try:
        plain = pages_module.write_site(advisories, tmp_path / "plain", index=index)
        unpacked: list[weakref.ref] = []
        calls: list[str] = []
        real = Packed.advisory

        def counted(self: Packed) -> Advisory:
            calls.append(self.id)
            adv = real(self)
            unpacked.append(weakref.ref(adv))
            return adv

        monkeypatch.setattr(Packed, "advisory", counted)
        shelf = Shelf(tmp_path)
        seq = Unpacked([shelf.pack(Packed.of(a)) for a in advisories])
        plan = pages_module.plan_pages(seq)
        gc.collect()
        assert all(ref() is None for ref in unpacked), "the site's plan holds advisories"
        assert len(plan.pages) > len(advisories)
        packed_site = pages_module.write_site(seq, tmp_path / "packed", index=index)
    finally:
        index.close()
    per_advisory = {a.id: calls.count(a.id) for a in advisories}
    assert all(n <= 2 * 2 + 1 for n in per_advisory.values()), per_advisory  # (two plans: the test's and write_site's)
    files = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}  # noqa: E731
    assert files(packed_site) == files(plain)


def test_kb_build_with_the_site_reads_each_folder_once(tmp_path: Path, monkeypatch):
    """``kb build`` with the site reads every advisory folder once, for the index and the site
    (packed and put aside on a shelf in between), also when the index is built on the previous one
    (only the changed advisory analyzed)."""
    import shutil

    import kb.content.load as load_module
    from kb.cli import main

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    read: list[str] = []
    real = load_module._read_folder

    def counted(folder: Path):
        read.append(folder.name)
        return real(folder)

    monkeypatch.setattr(load_module, "_read_folder", counted)
    run = ["--content", str(content), "--index", str(tmp_path / "index")]
    assert main([*run, "build", "--site", str(tmp_path / "site")]) == 0
    folders = sorted(p.name for p in content.iterdir() if p.is_dir())
    assert sorted(read) == folders
    read.clear()
    page = next((content / folders[0]).glob("*.md"))
    page.write_text(page.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    assert main([*run, "build", "--site", str(tmp_path / "site")]) == 0
    assert sorted(read) == folders  # (with the site: every folder, once)
    manifest = json.loads((current_build(tmp_path / "index") / "manifest.json").read_text("utf-8"))
    assert manifest["analyzed"] == 1 < manifest["advisories"]  # (the index built on the previous one)


def test_site_refuses_an_index_of_other_advisories(tmp_path: Path):
    """The browser's search must come from a build of the very advisories the pages show: an index
    of other ones is refused, and the site is left as it was."""
    import kb.site.pages as pages_module

    advisories = load(ROOT / "content")[0]
    KnowledgeBase(ROOT / "content", tmp_path / "index").build()
    out = pages_module.write_site(advisories, tmp_path / "site")
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    import dataclasses

    multi = next(a for a in advisories if len(a.cases) > 1)
    fewer_cases = [dataclasses.replace(a, cases=a.cases[:1]) if a is multi else a for a in advisories]
    index = index_module.open_current(tmp_path / "index")
    try:
        for other in (advisories[:1], fewer_cases):
            with pytest.raises(ValueError, match="not built from these advisories"):
                pages_module.write_site(other, out, index=index)
    finally:
        index.close()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


def test_length_bytes_of_many_are_those_of_each():
    """The site's length tables take Whoosh's length byte of every document at once
    (``_length_bytes``): the same bytes as ``length_byte`` of each, at the edges of every step."""
    from kb.browser.index import _LENGTHS, _length_bytes, length_byte

    values = sorted({0, 1, *range(0, 2000), *(v + d for v in _LENGTHS for d in (-1, 0, 1) if v + d >= 0), 10**6})
    assert _length_bytes(np.array(values)).tolist() == [length_byte(v) for v in values]


def test_a_shelf_goes_to_the_system_temporary_folder_when_its_own_cannot_be_written(tmp_path: Path, monkeypatch):
    """A shelf is made in the index folder when it can be (``kb site`` beside a read-only shared
    index must still work): else in the system's temporary folder."""
    import tempfile

    from kb.content.shelf import Shelf

    real = tempfile.TemporaryFile
    asked: list = []

    def refused(*args, **kwargs):
        asked.append(kwargs.get("dir"))
        if kwargs.get("dir") is not None:
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    shelf = Shelf(tmp_path)
    assert asked == [tmp_path, None]
    assert shelf.put(b"abc").read() == b"abc"


def test_a_search_reads_long_lists_after_the_index_is_closed(tmp_path: Path, monkeypatch):
    """Long posting lists are read from the file, which stays open as long as the index object: a
    search still running when another thread closes the index answers as before."""
    KnowledgeBase(ROOT / "content", tmp_path / "index").build()
    index = index_module.open_current(tmp_path / "index")
    monkeypatch.setattr(index, "READ_FROM", 1)
    terms = {"body": ["patch", "error", "tmi", "ready"], "grams": [], "ids": ["ms05-018"]}
    before = [(p.key, p.score) for p in index.search(terms)]
    index.close()
    assert before and [(p.key, p.score) for p in index.search(terms)] == before
