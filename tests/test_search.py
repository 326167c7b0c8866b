"""Search through the Python API and the CLI: answers, evidence, languages, bad input, atomic builds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import kb
from kb.api import KnowledgeBase
from kb.cli import main as kb_main
from kb.search.index import current_build

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the repository

FUJITSU = "fujitsu-tx200ft-ms05-018"
TMCM = "trendmicro-tmcm-tmi-not-ready"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kb")
    shutil.copytree(PROJECT_ROOT / "content", root / "content")
    return root


@pytest.fixture(scope="module")
def base(corpus) -> KnowledgeBase:
    b = kb.open(corpus / "content", corpus / "index", build_if_stale=True)
    yield b
    b.close()


def cli(corpus: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "kb", "--content", str(corpus / "content"), "--index", str(corpus / "index"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_open_never_builds_but_knows_when_the_index_is_stale(tmp_path):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    b = kb.open(tmp_path / "content", tmp_path / "index")
    assert b.is_stale() and not (tmp_path / "index").exists()
    with pytest.raises(kb.IndexUnavailable, match="kb build"):
        b.search("errcode=-107")
    b = kb.open(tmp_path / "content", tmp_path / "index", build_if_stale=True)  # the explicit way
    assert not b.is_stale() and current_build(tmp_path / "index") is not None
    f = tmp_path / "content" / TMCM / "en.md"
    f.write_text(f.read_text("utf-8") + "\n", "utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    assert b.is_stale()
    before = current_build(tmp_path / "index")
    reader = kb.open(tmp_path / "content", tmp_path / "index")
    with pytest.warns(kb.StaleIndexWarning, match="changed after the index was built"):
        assert reader.search("errcode=-107")[0].id == TMCM
    assert "changed" in reader.stale and current_build(tmp_path / "index") == before


def test_hit_fields(base):
    hit = base.search("PGT20146F2")[0]
    assert (hit.id, hit.case, hit.confidence, hit.lang) == (FUJITSU, "win2003", "exact", "en")
    assert hit.url == f"en/{FUJITSU}/index.html#win2003"
    assert hit.evidence[0].field == "model" and "«PGT20146F2»" in hit.evidence[0].text
    assert hit.steps, "the first steps travel with the hit"
    d = hit.to_dict()
    assert set(d) == {"id", "case", "title", "lang", "score", "confidence", "not_affected", "evidence", "url"}


def test_template_evidence_names_the_message_and_its_slots(base):
    hit = base.search("CoServer2.MtcScp status: Failed to load MtcCeb.exe into Virtual Server7.")[0]
    ev = next(e for e in hit.evidence if e.field == "message")
    assert ev.detail["message"] == "mtcscp-load-mtcceb-failed"
    assert ev.detail["slots"] == {"n": "2", "x": "7"}
    assert "«2»" in ev.text and "«7»" in ev.text


def test_every_line_of_a_log_block_counts(base):
    one = base.search("CoServer1.MtcScp status: Virtual Server1 is failed.")[0]
    block = base.search(
        "CoServer1.MtcScp status: Virtual Server1 is failed.\n"
        "2005/04/14 09:00:01 CoServer1.MtcScp status: Virtual Server1 could not be reset.\n"
        "The Endurance Kernel Driver detected a failure."
    )[0]
    assert block.case == one.case == "win2003"
    assert len([e for e in block.evidence if e.field == "message"]) == 3
    assert block.score > one.score


def test_answer_language(base):
    ja = base.search("TMI が準備できていません")[0]
    assert ja.lang == "ja" and "TMCM" in ja.title
    en = base.search("TMI is not ready", lang="ja")[0]
    assert en.lang == "ja" and en.url.startswith("ja/")


def test_not_affected_carries_the_reason(base):
    hit = base.search("TX150FT S2")[0]
    assert hit.not_affected and hit.confidence == "exact"
    assert hit.steps == [], "the case's steps are for the models it affects"
    ev = next(e for e in hit.evidence if e.field == "not_affected")
    assert "already applied" in ev.text


def test_no_real_match_gives_only_weak_hits(base):
    assert all(h.confidence == "weak" for h in base.search("Outlook が起動しない"))


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        'title:(foo) AND NOT bar* OR " ) ( [ { ~ ^2',
        "\x00\x01\x02\x1b[31m\u202e\ufeff",
        "",
        "   \n\t ",
        "ﾃｽﾄ" * 5000,
        "0x" * 20000,
        "{{n:number}} {{x}} (?P<a>.*)+$ \\",
    ],
)
def test_hostile_queries_answer_safely(base, query):
    hits = base.search(query)
    assert all(h.confidence != "exact" for h in hits)
    for h in hits:
        json.dumps(h.to_dict(), ensure_ascii=False)


def test_a_megabyte_paste_is_answered(base):
    line = "2005/04/14 09:12:33 情報 Service Control Manager サービスは正常に開始されました。 {0}\n"
    paste = "".join(line.format(i) for i in range(15000))
    paste += "CoServer1.MtcScp status: Virtual Server2 failed to initialize.\n"
    assert len(paste) > 1_000_000
    hits = base.search(paste)
    assert hits and hits[0].id == FUJITSU


def test_a_search_leaves_the_garbage_collector_as_it_found_it(base, monkeypatch):
    """The collector is paused during a search (rank.collector_paused) and left as it was after
    it: running or, when the application stopped it, stopped; also when the search fails."""
    import gc

    from kb.search import rank

    seen: list[bool] = []
    real = rank._MessageScores

    def spy(searcher, text):
        seen.append(gc.isenabled())
        return real(searcher, text)

    monkeypatch.setattr(rank, "_MessageScores", spy)
    assert gc.isenabled()
    base.search("errcode=-107")
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        base.search("errcode=-107")
        assert not gc.isenabled()
    finally:
        gc.enable()

    def broken(searcher, text):
        raise RuntimeError("boom")

    monkeypatch.setattr(rank, "_MessageScores", broken)
    with pytest.raises(RuntimeError):
        base.search("errcode=-107")
    assert gc.isenabled()


def test_api_argument_errors(base):
    with pytest.raises(ValueError):
        base.search("x", lang="fr")
    with pytest.raises(ValueError):
        base.search("x", limit=0)
    with pytest.raises(KeyError):
        base.get("no-such-advisory")
    assert base.get(TMCM).cases[0].id == "serverprotect-patch"


def test_stored_documents_are_kept_decoded_within_a_budget():
    """A searcher keeps the stored fields it read last (least recently used first out) up to its
    budget of characters, absent documents too, and gives the same object again while it keeps it."""
    from kb.search.rank import _StoredDocs

    reads: list[tuple[str, str, str]] = []

    def read(adv: str, case: str, lang: str) -> dict | None:
        reads.append((adv, case, lang))
        return None if adv == "none" else {"title_text": adv, "texts": {"body": "x" * 200}}

    docs = _StoredDocs(read, budget=1_000)  # (each document counts 100 + its characters: ~300)
    a = docs("a", "1", "ja")
    assert docs("a", "1", "ja") is a and reads == [("a", "1", "ja")]
    docs("b", "1", "ja"), docs("none", "1", "ja"), docs("none", "1", "ja")
    assert reads.count(("none", "1", "ja")) == 1
    docs("a", "1", "ja")  # (a is now the most recent) ...
    docs("c", "1", "ja"), docs("d", "1", "ja")  # ... so b went first, then the absent one
    reads.clear()
    docs("a", "1", "ja"), docs("d", "1", "ja")
    assert reads == []
    docs("b", "1", "ja")
    assert reads == [("b", "1", "ja")]
    big = _StoredDocs(read, budget=10)  # (one document over the budget is still kept, alone)
    assert big("a", "1", "ja") is big("a", "1", "ja")


def test_searches_in_threads_share_the_stored_documents(base):
    queries = ["TMI not ready errcode=-107", "PGT20146F2", "MS05-018", "サーバーが起動しない", "update fails"]
    want = {q: [h.to_dict() for h in base.search(q)] for q in queries}
    problems: list[str] = []

    def run() -> None:
        for _ in range(20):
            for q in queries:
                if [h.to_dict() for h in base.search(q)] != want[q]:
                    problems.append(q)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems


def test_failed_build_keeps_the_previous_index(tmp_path):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    b = kb.open(tmp_path / "content", tmp_path / "index", build_if_stale=True)
    before = current_build(tmp_path / "index")
    (tmp_path / "content" / TMCM / "en.md").write_text("", "utf-8")
    with pytest.raises(kb.ContentError):
        b.build()
    assert current_build(tmp_path / "index") == before
    with pytest.warns(kb.StaleIndexWarning):  # the previous index still answers, and says it is stale
        assert KnowledgeBase(tmp_path / "content", tmp_path / "index").search("errcode=-107")[0].id == TMCM
    assert kb_main(["--content", str(tmp_path / "content"), "--index", str(tmp_path / "index"), "build", "--no-site"]) == 3
    assert current_build(tmp_path / "index") == before


def test_searches_keep_working_during_rebuilds(tmp_path):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    kb.open(tmp_path / "content", tmp_path / "index", build_if_stale=True)
    failures: list[BaseException] = []
    stop = threading.Event()

    def search_loop():
        while not stop.is_set():
            try:
                reader = KnowledgeBase(tmp_path / "content", tmp_path / "index")
                assert reader.search("errcode=-107")[0].id == TMCM
                reader.close()
            except BaseException as exc:
                failures.append(exc)

    t = threading.Thread(target=search_loop)
    t.start()
    try:
        for _ in range(3):
            KnowledgeBase(tmp_path / "content", tmp_path / "index").build()
    finally:
        stop.set()
        t.join()
    assert failures == []


def test_a_foreign_index_folder_is_never_opened(tmp_path):
    (tmp_path / "index" / "build-x" / "whoosh").mkdir(parents=True)
    os.symlink("build-x", tmp_path / "index" / "current")
    assert current_build(tmp_path / "index") is None


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_search_json_schema(corpus, base):
    r = cli(corpus, "search", "KB890859", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"query", "query_chars", "used_chars", "cut", "stale", "lang", "results"} and data["query"] == "KB890859"
    assert data["stale"] is None and data["cut"] is False
    first = data["results"][0]
    assert set(first) >= {"id", "case", "title", "lang", "score", "confidence", "evidence", "url"}
    assert first["id"] == FUJITSU and first["confidence"] == "exact"
    assert all(set(e) >= {"field", "text"} for e in first["evidence"])


def test_cli_reads_a_log_block_from_stdin(corpus, base):
    block = "レベル:エラー\nソース:Trend Micro Control Manager\nイベントID:800\nメッセージ内容:Trend Micro Management Infrastructure (TMI) が準備できていません。エラーメッセージ: errcode=-107, MRFServer.cpp|108\n"
    for args in (("search", "-"), ("search",)):
        r = cli(corpus, *args, stdin=block)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("1. [exact]") and "serverprotect-patch" in r.stdout
        assert "why (message)" in r.stdout and "step 1:" in r.stdout


def test_cli_exit_codes(corpus, base):
    assert cli(corpus, "search", "zzzzqqqq").returncode == 1
    assert cli(corpus, "search", "x", "--limit", "0").returncode == 2
    assert cli(corpus, "search", "x", "--lang", "fr").returncode == 2
    assert cli(corpus, "frobnicate").returncode == 2


def test_cli_show(corpus, base):
    r = cli(corpus, "show", f"{FUJITSU}#win2000", "--lang", "en")
    assert r.returncode == 0 and "(#win2000)" in r.stdout and "PGT20146F" in r.stdout and "(#win2003)" not in r.stdout
    assert cli(corpus, "show", f"{FUJITSU}#nope").returncode == 1
    assert cli(corpus, "show", "nope").returncode == 1


# --- labels are promises (docs/RANKING.md) -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "STOP 0xA",  # a STOP code is shared by countless crashes
        "STOP: 0x0000000A (0x00000000, 0x00000002, 0x00000000, 0x80000000)",  # a stop-code message is generic by kind
        "TMI が準備できていません errcode=-105",  # the literal errcode of the message differs
        "IRQL_NOT_LESS_OR_EQUAL",
        "chkdsk",
    ],
)
def test_generic_or_near_miss_evidence_is_never_exact(base, query):
    hits = base.search(query)
    assert hits and all(h.confidence != "exact" for h in hits), [(h.id, h.case, h.confidence) for h in hits]


def test_identifier_forms_helpdesks_type(base):
    for query in ("PGT 20146 F2", "pgt-20146-f2", "ＰＧＴ　２０１４６　Ｆ２"):
        hit = base.search(query)[0]
        assert (hit.id, hit.case, hit.confidence) == ("fujitsu-tx200ft-ms05-018", "win2003", "exact"), query
    assert {h.id for h in base.search("MS05-18")[:2]} == {"fujitsu-tx200ft-ms05-018"}
    hit = base.search("IRQL_NOT_LESS_OR_EQUAL")[0]  # the name of STOP 0x0000000A
    assert (hit.id, hit.case) == ("fujitsu-tx200ft-ms05-018", "win2003")


@pytest.mark.parametrize("query", ["イベントID:800 のエラー", "Event ID 800", "eventid=800"])
def test_identifier_evidence_quotes_the_advisory_line(base, query):
    """An identifier is shown as the advisory writes it, in its line, not as the index term (event:800);
    the detail keeps the term."""
    hit = base.search(query)[0]
    assert hit.id == TMCM
    ev = next(e for e in hit.evidence if e.field == "identifier")
    assert ev.detail == {"kind": "event", "identifier": "event:800"}
    assert ev.text.startswith("Trend Micro Control Manager «Event ID 800» Trend Micro Management Infrastructure (TMI)"), ev.text
    assert "event:800" not in ev.text and ev.to_dict()["detail"]["identifier"] == "event:800"


def test_reference_and_model_evidence_quote_the_advisory(base):
    hit = base.search("kb 890859")[0]
    ev = next(e for e in hit.evidence if e.field == "reference")
    assert ev.text == "Notes on applying the security update («890859») (MS05-018)" and ev.detail == {"reference": "kb890859"}
    hit = base.search("PGT 20146 F2")[0]  # typed with spaces: found as the advisory writes it
    ev = next(e for e in hit.evidence if e.field == "model")
    assert "PGT20144F2, «PGT20146F2», PGT20147F2" in ev.text and ev.detail["model"] == "pgt20146f2"
    hit = base.search("errcode=-107 が出る")[0]
    ev = next(e for e in hit.evidence if e.field == "identifier")
    assert ev.text.endswith("(TMI が準備できていません «errcode=-107»)") and ev.detail["identifier"] == "errcode=-107"


def test_identifier_evidence_in_a_long_paste(base):
    """Beyond spec.MAX_ANALYZED_CHARS the identifiers come from the longer head of the paste: same evidence."""
    filler = "\n".join(f"2024-05-01 10:00:{i % 60:02d} info: nothing to see here, line {i}" for i in range(200))
    hit = base.search(filler + "\nイベントID: 800\n")[0]
    ev = next(e for e in hit.evidence if e.field == "identifier" and e.detail["identifier"] == "event:800")
    assert hit.id == TMCM and "«Event ID 800»" in ev.text


def test_identifier_evidence_falls_back_to_what_the_query_typed():
    """Where the advisory's text has no occurrence (a declared reference its text never writes, a
    model only its other language names), the evidence is the span the query typed."""
    from kb.search.rank import Evidence, _shown_identifier, quote
    from kb.text.analysis import analyze

    texts = {"title": "Gateway restarts", "messages": "", "body": "Restarts under load.\nSee the notes.", "products": "Acme"}
    assert quote(texts, "kb5012345") is None
    query = "ＫＢ-５０１２３４５ と PGT 20146 F2 の件"
    head = analyze(query, japanese=False)
    ref = _shown_identifier(Evidence("reference", "«KB5012345»", {"reference": "kb5012345"}), texts, (head, head))
    assert ref.text == "«ＫＢ-５０１２３４５»" and ref.detail == {"reference": "kb5012345"}
    model = _shown_identifier(Evidence("model", "«PGT20146F2»", {"model": "pgt20146f2", "conditional": False}), texts, (head, head))
    assert model.text == "«PGT 20146 F2»"
    texts["body"] += "\nApplies to: PGT-20146 F2 (all)"
    assert quote(texts, "pgt20146f2", "model") == "Applies to: «PGT-20146 F2» (all)"
    assert quote(texts, "pgt20146f2") == "Applies to: «PGT-20146 F2» (all)"  # an identifier the regular expressions find
    gone = _shown_identifier(Evidence("identifier", "«event:9»", {"kind": "event", "identifier": "event:9"}), texts, (head, head))
    assert gone.text == "«event:9»"  # neither has it (it cannot happen in a search): the term as it was


def test_a_line_with_an_identifier_always_has_its_probe(base):
    """quote() looks for identifiers only in the lines that have the term's probe (letters and digits):
    every identifier of the content's fields and of the analysis test vectors has it, for its own kind
    and for a reference (no kind), so no occurrence is skipped."""
    from kb.browser.index import VECTORS_PATH
    from kb.search.documents import documents
    from kb.search.rank import _alnum, _id_probe, _line_identifiers

    lines = {line for adv in base.advisories() for d in documents(adv) for text in d.texts.values() for line in text.split("\n")}
    lines |= {v["input"] for v in json.loads(VECTORS_PATH.read_text("utf-8"))}
    lines |= {
        "イベントID：０８００",
        "errcode = -0107",
        "MRFServer.cpp(0108)",
        "TX150FT‐S2",
        "PGT 20146 F2",
        "STOP 0x0000007B",
        "INACCESSIBLE_BOOT_DEVICE",
    }
    checked = 0
    for line in lines:
        for i in _line_identifiers(line).identifiers:
            for term in i.terms:
                for kind in (i.kind, None) if i.kind != "model" else ("model",):
                    assert _id_probe(term, kind) in _alnum(line), (line, i, kind)
                    checked += 1
    assert checked > 500
    assert _id_probe("event:800", "event") == "800" and _id_probe("pgt20146f2", "model") == "pgt20146f2" and _id_probe("0x7b", "hex") == ""


def test_not_affected_marks_only_the_model_listed_as_not_affected(base):
    hits = base.search("PGT20146F2 TX150FT S2")
    assert (hits[0].id, hits[0].case, hits[0].not_affected) == ("fujitsu-tx200ft-ms05-018", "win2003", False)
    hits = base.search("TX150FT S2")
    assert hits[0].not_affected


def test_hits_are_ordered_by_score_alone(base):
    for query in ("PGT20146F2 TX150FT S2", "FTvirtual Server が起動しない", "MS05-018 KB890859 CoServer"):
        scores = [h.score for h in base.search(query)]
        assert scores == sorted(scores, reverse=True), query


def test_a_search_reads_kbs_own_files_and_imports_no_parser_or_whoosh(base, corpus):
    # What keeps a cold `kb search` short: neither the content parsers (markdown-it, YAML) nor
    # Whoosh are imported to answer, in the API or the CLI; `kb build` and a Whoosh lookup still can.
    def imported(kwargs: str, watched: str) -> None:
        """Three searches (with ``kwargs``) in a new process: none of the ``watched`` modules imported."""
        probe = (  # (what numpy imports itself is not counted: numpy 1.x imports hashlib, 2.x does not)
            "import sys, numpy\n"
            "before = set(sys.modules)\n"
            "import kb\n"
            "b = kb.open(sys.argv[1], sys.argv[2])\n"
            f"hits = b.search('errcode=-107'{kwargs}) + b.search('PGT20146F2'{kwargs}) + b.search('サービスが起動しない'{kwargs})\n"
            "assert hits[0].id == 'trendmicro-tmcm-tmi-not-ready', hits\n"
            f"print(sorted({{m.split('.')[0] for m in set(sys.modules) - before}} & {{{watched}}}))\n"
        )
        r = subprocess.run([sys.executable, "-c", probe, str(corpus / "content"), str(corpus / "index")], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.strip() == "[]", (r.stdout, r.stderr)

    imported("", "'whoosh', 'markdown_it', 'yaml', 'jsonschema'")
    # Nor hashlib (OpenSSL's library: ~3 MB resident) when no staleness check is asked for.
    imported(", warn_stale=False", "'_hashlib', 'whoosh', 'markdown_it', 'yaml', 'jsonschema'")
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, runpy; sys.argv = ['kb', *sys.argv[1:]]\ntry:\n    runpy.run_module('kb', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'whoosh', 'markdown_it', 'yaml', 'jsonschema'}))",
            "--content",
            str(corpus / "content"),
            "--index",
            str(corpus / "index"),
            "search",
            "KB890859",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and r.stdout.strip().endswith("[]") and FUJITSU in r.stdout, (r.stdout, r.stderr)
    # The stored text a hit shows comes from kb's own file, the same as Whoosh holds.
    index = base.searcher().index
    stored = index.stored(FUJITSU, "win2003", "ja")
    assert stored is not None and stored["title_text"] and stored["texts"]
    whoosh = index._whoosh(lambda: index._reader.stored_fields(index._searcher.document_number(key=f"{FUJITSU}#win2003@ja")))
    assert (whoosh["title_text"], whoosh["texts"]) == (stored["title_text"], stored["texts"])
    assert index.stored(FUJITSU, "no-such-case", "ja") is None and index.stored("no-such-advisory", "win2003", "ja") is None


def test_every_section_is_searchable_and_steps_count_once(tmp_path):
    """The prose of a Resolution or Workaround section around its numbered steps is searched like
    any other section's, and a step's words are in the body once (not again as "steps")."""
    from kb.content.load import load_or_raise
    from kb.search.documents import case_texts

    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    md = tmp_path / "content" / FUJITSU / "en.md"
    text = md.read_text("utf-8")
    at = text.index("\n## Notes")  # the end of the first case's Workaround, after its steps
    md.write_text(text[:at] + "\nIf the server still stops, ask the quokkaservice team.\n" + text[at:], "utf-8")
    adv = next(a for a in load_or_raise(tmp_path / "content") if a.id == FUJITSU)
    case = adv.cases[0]
    assert "quokkaservice" in case.text["en"].workaround_md
    body = case_texts(adv, case, "en")["body"]
    assert "quokkaservice" in body
    steps = [s for proc in (*case.text["en"].workaround, *case.text["en"].resolution_steps) for s in proc.steps]
    assert steps
    for step in steps:
        assert body.count(step.text) == 1, step.text
    b = kb.open(tmp_path / "content", tmp_path / "index", build_if_stale=True)
    try:
        hits = b.search("quokkaservice")
        assert hits and (hits[0].id, hits[0].case) == (FUJITSU, case.id)
    finally:
        b.close()


def test_strings_read_with_pread_are_the_mapped_ones(tmp_path):
    """A table of strings read with ``pread`` (``map_file=False``, the stored documents) answers as the
    mapped one does, item by item, several at once and in ranges; a file shorter than its offsets is
    an error, not a short item."""
    from kb.search.tables import Strings, write_strings

    items = ["", "advisory#case@ja", "サーバーが応答しません", "x" * 5000, "\udcff surrogate", "end"]
    write_strings(tmp_path / "t", items)
    mapped, read = Strings(tmp_path / "t"), Strings(tmp_path / "t", map_file=False)
    assert list(read) == list(mapped) == items
    for piece in (1, 10, 5000, 5001, 1 << 22):  # (read in pieces of about this many bytes, one item at least)
        read.READ_PIECE = piece
        assert list(read) == items, piece
    assert [read[i] for i in range(-len(items), len(items))] == [mapped[i] for i in range(-len(items), len(items))]
    assert read.many([5, 0, 3, 3]) == mapped.many([5, 0, 3, 3]) == [items[5], items[0], items[3], items[3]]
    assert read.raw_range(1, 4) == mapped.raw_range(1, 4)
    with pytest.raises(IndexError):
        read.many([len(items)])
    data = (tmp_path / "t.bin").read_bytes()
    (tmp_path / "t.bin").write_bytes(data[:-2])
    with pytest.raises(ValueError):
        Strings(tmp_path / "t", map_file=False)  # (the size is checked when the table is opened)


def test_lone_letters_and_digits_never_make_a_hit_strong(base):
    """A model number typed one character at a time matched only the 2 of "Patch 2": related at
    best, never the answer (the label is a promise)."""
    hits = base.search("P G T 2 0 1 4 6 F 2")
    assert hits and all(h.confidence == "weak" for h in hits)


@pytest.mark.parametrize("query", ["errcode -107", "errcode 107 が出る", "エラーコード -107"])
def test_a_key_value_typed_apart_finds_its_advisory(base, query):
    """errcode=-107 is an identifier, and its key and value are words too: typed with a space (or
    the key in Japanese), the message's advisory comes first, not "no matching advisory"."""
    assert base.search(query)[0].id == "trendmicro-tmcm-tmi-not-ready"


def test_marks_are_placed_from_the_kept_analysis_of_each_line():
    """Highlighting marks every occurrence of the matched words, bigrams and identifiers in the line
    with most of them, from each line's analysis kept compactly (kb.search.rank._markable: the
    terms interned, their spans end to end), and a second time from what was kept, the same."""
    from kb.search import rank
    from kb.text.analysis import analyze

    line = "サーバーを再起動するとサーバーのログに errcode=-107 が出る"
    places, identifiers = rank._markable(line, True)
    expected: dict[str, list[int]] = {}
    a = analyze(line)
    for t in a.words + a.grams:
        expected.setdefault(t.text, []).extend((t.start, t.end))
    assert places == {t: tuple(s) for t, s in expected.items()}
    assert places["サーバ"] == (0, 4, 11, 15)  # (both occurrences)
    assert identifiers == ((frozenset({"errcode=-107"}), 20, 32),)
    assert rank._spans_of(places, {"サーバ", "absent"}, 100) == [(100, 104), (111, 115)]
    text = "First line about nothing.\n" + line
    rank._markable.cache_clear()
    first = rank.highlight(text, {"サーバ", "再", "起動", "errcode=-107"})
    assert first == "«サーバー»を«再起動»すると«サーバー»のログに «errcode=-107» が出る", first
    assert rank._markable.cache_info().misses == 1  # (only the line with the terms was analyzed)
    assert rank.highlight(text, {"サーバ", "再", "起動", "errcode=-107"}) == first
    assert rank._markable.cache_info().hits == 1
