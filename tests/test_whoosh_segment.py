"""A build writes Whoosh's segments from the terms kb counted (``add_counted``), not through
``add_document``: the segments must read back exactly as ``add_document`` would have written them
from the same texts, in a full build and in one that adds a segment and deletes documents."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from kb.content.load import load
from kb.search.documents import documents
from kb.search.index import _counted_writer, _field_texts, _schema, _term_counts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list:
    from tools.synthetic import write_corpus

    root = tmp_path_factory.mktemp("segment") / "content"
    write_corpus(root, 60, seed=11)
    for folder in (ROOT / "content").iterdir():  # the bundled advisories (Japanese and English prose) too
        if folder.is_dir() and not folder.name.startswith((".", "_")):
            shutil.copytree(folder, root / folder.name)
    advisories, problems = load(root)
    assert not [p for p in problems if p.severity == "error"]
    out = [d for a in advisories for d in documents(a)]
    assert len(out) > 200  # (enough for terms whose postings fill several of Whoosh's 128-posting blocks)
    return out


def _by_add_document(writer: Any, d: Any) -> None:
    writer.add_document(key=d.key, title_text=d.title, texts=d.texts, **_field_texts(d))


def _by_add_counted(writer: Any, d: Any) -> None:
    writer.add_counted({"key": d.key, "title_text": d.title, "texts": d.texts}, {"key": {d.key: 1}, **_term_counts(d)})


def _write(folder: Path, batches: list[tuple[list, list[str]]], add, merge: bool = False) -> None:
    """Commit one writer per batch of (documents to add, keys to delete first); ``merge``: let
    Whoosh merge small segments into the new one, as a build's commit does."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), _schema())
    for added, deleted in batches:
        writer = _counted_writer(ix)
        for key in deleted:
            writer.delete_by_term("key", key)
        for d in added:
            add(writer, d)
        writer.commit(merge=merge)


def _contents(folder: Path) -> dict:
    """Everything a reader gives back: documents, stored fields, lengths, the key column, and each
    field's terms with their statistics and postings (document, weight, value)."""
    ix = whoosh_index.open_dir(str(folder), readonly=True)
    out: dict[str, Any] = {}
    with ix.reader() as r:
        out["counts"] = (r.doc_count(), r.doc_count_all(), len(r.leaf_readers()))
        out["deleted"] = [d for d in range(r.doc_count_all()) if r.is_deleted(d)]
        names = ix.schema.names()
        out["stored"] = [r.stored_fields(d) for d in r.all_doc_ids()]
        out["field lengths"] = {n: (r.field_length(n), _min_max(r, n)) for n in names if ix.schema[n].scorable}
        out["doc lengths"] = {n: [r.doc_field_length(d, n) for d in r.all_doc_ids()] for n in names if ix.schema[n].scorable}
        out["key column"] = list(r.column_reader("key"))
        terms: dict = {}
        for field, btext in r.all_terms():
            info = r.term_info(field, btext)
            m = r.postings(field, btext)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (info.doc_frequency(), info.weight(), info.min_length(), info.max_length(), info.max_weight(), info.min_id(), info.max_id())
            terms[(field, btext)] = (stats, postings)
        out["terms"] = terms
    ix.close()
    return out


def _segment_files(folder: Path) -> list[dict[str, bytes]]:
    """Each segment's files, byte for byte, named without the segment's random id."""
    ix = whoosh_index.open_dir(str(folder), readonly=True)
    out = []
    for seg in ix._segments():
        storage = seg.open_compound_file(ix.storage) if seg.is_compound() else ix.storage
        out.append({name.replace(seg.segid, "SEG"): storage.open_file(name).read() for name in storage.list() if seg.segid in name})
    ix.close()
    return out


def _min_max(reader: Any, name: str) -> tuple | None:
    try:
        return reader.min_field_length(name), reader.max_field_length(name)
    except TypeError:  # (Whoosh fails there for a field without lengths in one of the segments)
        return None


def test_a_segment_from_counted_terms_is_the_one_add_document_writes(docs, tmp_path):
    _write(tmp_path / "reference", [(docs, [])], _by_add_document)
    _write(tmp_path / "counted", [(docs, [])], _by_add_counted)
    reference, counted = _contents(tmp_path / "reference"), _contents(tmp_path / "counted")
    assert len(reference["terms"]) > 1000 and max(len(p) for _s, p in reference["terms"].values()) > 128
    assert {f for f, _t in reference["terms"]} >= {"key", "title", "body", "grams", "ids"}
    assert counted.keys() == reference.keys()
    for part in reference:
        assert counted[part] == reference[part], part
    # and the very same bytes: postings blocks (with their statistics), term table, columns
    (files,) = _segment_files(tmp_path / "reference")
    assert {"SEG.pst", "SEG.trm", "SEG._stored.col", "SEG.key.col", "SEG._body_len.col"} <= {n.partition("_")[2] for n in files}
    assert _segment_files(tmp_path / "counted") == [files]


def test_segments_added_to_an_index_with_deletions_read_the_same(docs, tmp_path):
    """An incremental build's Whoosh side: a second segment, some documents of the first deleted."""
    first, second = docs[: len(docs) // 2], docs[len(docs) // 2 :]
    gone = [d.key for d in first[::7]]
    batches = [(first, []), (second, gone)]
    _write(tmp_path / "reference", batches, _by_add_document)
    _write(tmp_path / "counted", batches, _by_add_counted)
    reference, counted = _contents(tmp_path / "reference"), _contents(tmp_path / "counted")
    assert reference["counts"][2] == 2 and reference["deleted"]
    for part in reference:
        assert counted[part] == reference[part], part
    assert _segment_files(tmp_path / "counted") == _segment_files(tmp_path / "reference")


def test_segments_whoosh_merges_into_a_new_one_keep_their_postings(docs, tmp_path):
    """Builds commit with Whoosh's merge policy: once small segments pile up (incremental builds),
    the new segment takes in their documents (``add_reader``) beside the counted ones."""
    batches = [(docs[i : i + 15], [docs[i - 15].key] if i else []) for i in range(0, 15 * 8, 15)]
    _write(tmp_path / "reference", batches, _by_add_document, merge=True)
    _write(tmp_path / "counted", batches, _by_add_counted, merge=True)
    reference, counted = _contents(tmp_path / "reference"), _contents(tmp_path / "counted")
    assert reference["counts"][2] < len(batches), "Whoosh merged segments"
    assert len(reference["stored"]) == 15 * 8 - 7
    for part in reference:
        assert counted[part] == reference[part], part
    assert _segment_files(tmp_path / "counted") == _segment_files(tmp_path / "reference")


def test_one_writer_takes_documents_one_way(docs, tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), _schema())
    writer = _counted_writer(ix)
    _by_add_counted(writer, docs[0])
    with pytest.raises(RuntimeError, match="not both"):
        _by_add_document(writer, docs[1])
    writer.cancel()
