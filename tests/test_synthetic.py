"""tools.synthetic: generated advisories load cleanly, are deterministic, and are near misses that
never repeat the bundled advisories' identifying values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.content.load import ID_RE, load
from tools.synthetic import (
    FORBIDDEN_ERRCODES,
    FORBIDDEN_FILES,
    FORBIDDEN_MODELS,
    FORBIDDEN_PHRASES,
    FORBIDDEN_REFERENCES,
    FORBIDDEN_VERSIONS,
    write_corpus,
)


def corpus_text(root: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(root.rglob("*")) if p.is_file())


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("syn30")
    return root, write_corpus(root, 30)


def test_loads_without_problems(small):
    root, ids = small
    advisories, problems = load(root)
    assert [str(p) for p in problems] == []
    assert sorted(a.id for a in advisories) == sorted(ids)
    assert len(set(ids)) == 30 and all(ID_RE.match(i) and i.startswith("syn-") for i in ids)
    for a in advisories:
        assert 1 <= len(a.cases) <= 3
        assert set(a.title) == {"ja", "en"} and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", a.title["ja"])
        for c in a.cases:
            assert c.text["ja"].symptoms and c.text["en"].symptoms
            steps = sum(len(p.steps) for p in c.text["en"].workaround)
            assert 2 <= steps <= 12
    placeholders = [p for a in advisories for c in a.cases for m in c.messages for t in m.text.values() for p in t.placeholders]
    assert placeholders, "messages carry {{slots}}"
    assert any(f for a in advisories for c in a.cases for f in c.files if f.from_version and f.to_version)
    assert any(c.not_affected for a in advisories for c in a.cases)
    assert any(p.condition for a in advisories for c in a.cases for p in c.text["ja"].workaround), "some ### conditional procedures"


def test_deterministic(small, tmp_path):
    root, ids = small
    again = tmp_path / "again"
    assert write_corpus(again, 30) == ids
    assert files_of(again) == files_of(root)
    other = tmp_path / "other"
    write_corpus(other, 30, seed=1)
    assert files_of(other) != files_of(root)
    # advisory i does not depend on how many were written
    few = tmp_path / "few"
    write_corpus(few, 5)
    assert files_of(few) == {k: v for k, v in files_of(root).items() if k.split("/")[0] in ids[:5]}


def test_near_miss_kinds_present(small):
    text = corpus_text(small[0])
    for needle in (
        "CoServer{{n:number}}.MtcScp status: ",
        "CoServer.MtcCom{{x:number}} status: ",
        "started and then stopped",
        "サービスは起動して停止しました",
        "Endurance",
        "errcode=-1",
        "Trend Micro Control Manager",
    ):
        assert needle in text, needle
    assert re.search(r"\bPGT2\d{4}F\d?\b", text), "near-miss PRIMERGY model numbers"
    assert re.search(r"\bMS0[45]-0\d\d\b", text), "other bulletins"
    assert re.search(r"\b0x000000(7e|d1|50|1e|24|7b|c2|8e|ea|77)\b", text), "other STOP codes"
    assert re.search(r"\b[A-Za-z]+\.cpp\|\d+", text), "other file|line"


def test_no_forbidden_identifiers(tmp_path):
    # the relevance evaluation uses the first 1,000: check all of them
    root = tmp_path / "syn"
    write_corpus(root, 1000)
    text = corpus_text(root)
    for model in FORBIDDEN_MODELS:
        assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(model)}(?![A-Za-z0-9])", text, re.I), model
    for ref in FORBIDDEN_REFERENCES:
        assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(ref)}(?![0-9])", text, re.I), ref
    for code in FORBIDDEN_ERRCODES:
        assert f"errcode={code}" not in text
    for name in FORBIDDEN_FILES:
        assert not re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}", text, re.I), name
    for version in FORBIDDEN_VERSIONS:
        assert not re.search(rf"(?<![0-9.]){re.escape(version)}(?![0-9])", text, re.I), version
    for phrase in FORBIDDEN_PHRASES:
        assert phrase not in text, phrase
    # near values are there on purpose
    for near in (
        "PGT20146F3",
        "PGT20148F2",
        "PGT20246F2",
        "MS05-019",
        "MS05-017",
        "MS04-011",
        "errcode=-108",
        "errcode=-105",
        "errcode=-110",
        "MRFServer.cpp|",
    ):
        assert near in text, near
    for service in (
        "Trend Micro Apex One Master Service",
        "OfficeScan Master Service",
        "ServerProtect Normal Server",
        "Trend Micro Management Infrastructure Agent",
    ):
        assert f"The {service} service on Local Computer started and then stopped." in text, service
