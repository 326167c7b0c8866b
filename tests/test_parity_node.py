"""The browser search (kb/static/kbsearch.js) against the Python search, in Node: seconds, no browser.

- Every query of tests/relevance/queries.yaml, on the bundled content (the site as built, and the
  same site with every posting list stored apart), and on the bundled content plus generated
  near-miss advisories with the caps lowered on both sides (through kb.spec, which the site copies
  into its core.js), so that MAX_TERMS, MAX_IDENTIFIER_DF, BM25_DEPTH, the paste bounds and the
  long-list sharding all bind there (every posting of every term is scored on both sides: there is
  no postings budget), plus long pastes made from those advisories. Each query must give the same hits
  (advisory, case, confidence, not-affected mark, score to 1e-6, url, steps, evidence) as
  ``Searcher.search(..., japanese=False)`` within ``tests.parity.lexicon.browser_searching``: the
  Python search analyzing the query as the browser does (Japanese words from the lexicon the site
  ships, search/j/, where ``kb search`` has MeCab's; evidence marked without MeCab).
- The browser's Japanese words themselves: kbsearch.js cuts every query (and generated strings) into
  the same words, at the same offsets, as ``kb.browser.index.Lexicon`` does.
- Against ``KnowledgeBase.search`` itself (MeCab on, what ``kb search`` answers): the same hits for
  every query without Japanese; for a Japanese one, the same first advisory, case and confidence
  (the lexicon stands in for MeCab). Where that is not expected, the query is listed with the reason
  (``MECAB_DISAGREES``, docs/PARITY.md).
- One source for the ranking constants (kb/spec.py): kbsearch.js reads every shared one as
  ``P.<NAME>`` and types none of their values in its ranking code; Python's scoring code types
  none either; and a constant changed on one side only breaks parity (the Node runner sees it).

The Node runner is tests/parity/run_parity.js (Debian's ``nodejs``, no npm packages). Without
``node`` these tests are skipped locally and FAIL in CI (CI=true), like the Chromium ones.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import kb.search.index
import kb.search.rank
import kb.text.synonyms
import kb.text.templates
from kb import spec
from kb.api import KnowledgeBase
from kb.browser.index import (
    PLACEHOLDER,
    PORTER2_MARKER,
    VECTORS_PATH,
    browser_analyze,
    browser_data,
    browser_script,
    cjk_runs,
    document_segments,
    japanese_lexicon,
    search_index,
    term_hash,
    without_comment_lines,
)
from kb.content.load import load_or_raise
from kb.content.model import MESSAGE_KINDS, Template
from kb.search.documents import TEXT_FIELDS, SearchDoc, documents
from kb.search.index import Index
from kb.search.rank import Results, Searcher
from kb.site.pages import case_path, write_site
from kb.text.analysis import (
    MAX_MODEL_CANDIDATES,
    WORDY_ID_KINDS,
    analyze,
    find_identifiers,
    mecab_words,
    model_candidates,
    model_key_spans,
    normalize,
)
from kb.text.stopcodes import STOP_CODES
from tests.parity.lexicon import browser_searching, site_lexicon
from tests.parity.mixed import EN_ONLY, JA_ONLY, JA_ONLY_CASES, MESSAGE_QUERY, MODEL_QUERY, TYPED_REFERENCE, write_mixed_content
from tests.parity.mixed import QUERIES as MIXED_QUERIES
from tools.synthetic import write_corpus

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the repository

CONTENT = PROJECT_ROOT / "content"
QUERIES = [q["q"] for q in yaml.safe_load((PROJECT_ROOT / "tests" / "relevance" / "queries.yaml").read_text("utf-8"))]
RUNNER = PROJECT_ROOT / "tests" / "parity" / "run_parity.js"
KBSEARCH = PROJECT_ROOT / "kb" / "static" / "kbsearch.js"
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
SCORE_TOL = 1e-6  # Whoosh stores posting weights (tf x field boost) as 32-bit floats

# Queries of our own for the bundled content, beside the relevance set: each makes a constant
# matter that no query of the set does (see test_one_sided_change_breaks_parity).
PROBES = [
    "PGT20146F Windows",  # a conditional model, the query sharing a common word of its condition (RARE_WORD_IDF)
    "status: Virtual Server",  # a fragment of a message's literal text (MIN_FRAGMENT_CHARS)
    "windows server restart service qqq",  # a first hit by words alone, below STRONG_COVERAGE (STRONG_LEAD_PER_COVERAGE)
    # the forms of kb.text.analysis that the relevance set may not have
    "PGT 20146 F2",  # a model number typed with spaces, looked up among the declared ones (model_candidates)
    "pgt-20146-f2 の不具合",
    "MS05-18",  # a bulletin without its leading zero
    "IRQL_NOT_LESS_OR_EQUAL after KB890859",  # a bug check's name: the stop code 0xA
    "bug check 0x0000000A / STOP: 0xa",
    "CoServer2.MtcScp.log MRFServer.cpp:108",  # file names: identifiers and words
    "½ constructor __proto__ hasOwnProperty toString",  # one character, several words (word_groups); names an object has
    # an identifier's evidence quotes the advisory's line that has it, not the index term (event:800)
    "イベントID:800 のエラー",
    "Event ID 800",
]
BUNDLED_QUERIES = PROBES + QUERIES

SYNTHETIC = 300  # generated advisories beside the bundled ones
LOWERED = {  # kb.spec values for the generated corpus, on both sides: every budget and cap binds
    "MAX_TERMS": 16,
    "MAX_IDENTIFIER_DF": 6,
    "BM25_DEPTH": 30,
    "DEDUPE_ABOVE": 400,
    "MAX_QUERY_CHARS": 1_500,
    "MAX_ID_CHARS": 1_000,
    "MAX_ANALYZED_CHARS": 300,
}
LOWERED_LARGE_DF = 8  # posting lists of 8+ documents are stored apart (x/), long ones read l/ tables


# --- running the browser search in Node -----------------------------------------------------------


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the Node parity tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node") or shutil.which("nodejs")
    if not path:
        _unavailable("node not found: install Debian's nodejs (scripts/setup.sh does) to run the Node parity tests")
    return str(path)


def _runner(node: str, site: Path, request: dict):
    """tests/parity/run_parity.js's answer to ``request`` on the site at ``site`` (its static/ and search/)."""
    proc = subprocess.run(
        [node, str(RUNNER), str(site)], input=json.dumps(request, ensure_ascii=False), capture_output=True, text=True, encoding="utf-8", timeout=300
    )
    assert proc.returncode == 0, f"run_parity.js failed:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


def run_node(node: str, site: Path, queries: list[str], limit: int | None = None, lang: str | None = None) -> list[list[dict]]:
    """kbsearch.js's hits for each query, from the site at ``site`` (its static/ and search/);
    ``lang``: the language to answer in (default: the query's)."""
    out = _runner(node, site, {"queries": queries, **({"limit": limit} if limit else {}), **({"lang": lang} if lang else {})})
    errors = [f"{q[:60]!r}: {r['error']}" for q, r in zip(queries, out, strict=True) if isinstance(r, dict)]
    assert not errors, "kbsearch.js threw:\n" + "\n".join(errors[:5])
    return out


def search_files(advisories, folder: Path, **kw) -> Path:
    """Just what the Node runner reads of a site: static/kbsearch.js and search/ (as write_site writes them)."""
    (folder / "static").mkdir(parents=True)
    (folder / "static" / "kbsearch.js").write_text(browser_script(), "utf-8")
    for rel, text in search_index(advisories, **kw).files.items():
        path = folder / "search" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return folder


# --- comparing ------------------------------------------------------------------------------------------


def _evidence_as_browser(e) -> str:
    """A partly found message: Python shows the template's source, the browser its slots marked. (A
    message found in full is shown the same on both sides, literal ``{{`` of an escape included.)"""
    partial = e.field == "message" and (e.detail or {}).get("coverage") is not None
    return Template.parse(e.text).render("«{example}»") if partial else e.text


def differences(py: Results, js: list[dict], evidence: bool = True) -> list[str]:
    """What differs between Python's hits and the browser's (empty: the same answer)."""
    a = [(h.id, h.case, h.confidence, h.not_affected) for h in py]
    b = [(h["id"], h["case"], h["confidence"], h["not_affected"]) for h in js]
    if a != b:
        return [f"hits: python {a[:3]} / browser {b[:3]}"]
    out = []
    for h, j in zip(py, js, strict=True):
        where = f"{h.id}#{h.case}"
        if abs(h.score - j["score"]) > SCORE_TOL:
            out.append(f"{where}: score python {h.score!r} / browser {j['score']!r}")
        for name in ("lang", "url", "steps"):
            if getattr(h, name) != j[name]:
                out.append(f"{where}: {name} python {getattr(h, name)!r} / browser {j[name]!r}")
        pe = [(e.field, _evidence_as_browser(e)) for e in h.evidence]
        je = [(e["field"], e["text"]) for e in j["evidence"]]
        if evidence and pe != je:
            out.append(f"{where}: evidence python {pe} / browser {je}")
    return out


def compare_all(searcher: Searcher, queries: list[str], js: list[list[dict]], site: Path, **kw) -> list[str]:
    """Differences between the browser's hits (``js``, from ``site``) and Python's, analyzing each query
    with the lexicon ``site`` ships."""
    problems = []
    with browser_searching(site_lexicon(site)):
        for q, hits in zip(queries, js, strict=True):
            problems += [f"{q[:50]!r}: {d}" for d in differences(searcher.search(q, japanese=False, **kw), hits)]
    return problems


# --- the bundled content ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, node):
    """(KnowledgeBase, site, the browser's hits for BUNDLED_QUERIES) on the bundled content."""
    tmp = tmp_path_factory.mktemp("parity")
    base = KnowledgeBase(CONTENT, tmp / "index")
    base.build()
    site = write_site(base.advisories(), tmp / "site")
    yield base, site, run_node(node, site, BUNDLED_QUERIES)
    base.close()


def test_bundled_site_ranks_like_python(bundled):
    base, site, js = bundled
    problems = compare_all(base.searcher(), BUNDLED_QUERIES, js, site)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:10])
    # the probes of the analysis's newer forms find what they are about
    first = {q: (hits[0]["id"], hits[0]["case"], "\n".join(e["text"] for e in hits[0]["evidence"])) for q, hits in zip(BUNDLED_QUERIES, js) if hits}
    assert first["PGT 20146 F2"][:2] == ("fujitsu-tx200ft-ms05-018", "win2003") and "«PGT20146F2»" in first["PGT 20146 F2"][2]
    assert "«MS05-018»" in first["MS05-18"][2]
    assert "«0x0000000a» (0x05a00034" in first["IRQL_NOT_LESS_OR_EQUAL after KB890859"][2]  # the STOP code 0xA, as the advisory writes it
    # the advisory's own line, the occurrence marked: not the index term
    for q in ("イベントID:800 のエラー", "Event ID 800"):
        assert first[q][0] == "trendmicro-tmcm-tmi-not-ready", q
        assert (
            "Trend Micro Control Manager «Event ID 800» Trend Micro Management Infrastructure (TMI)" in first[q][2] and "event:800" not in first[q][2]
        )


def test_long_posting_lists_rank_like_python(bundled, node, tmp_path):
    """Every posting list stored apart (x/), the longer ones with the fields' length tables (l/)."""
    base, _, _ = bundled
    site = search_files(base.advisories(), tmp_path / "compact", large_df=1, table_df=3)
    assert any((site / "search" / "x").iterdir()) and any((site / "search" / "l").iterdir())
    problems = compare_all(base.searcher(), QUERIES, run_node(node, site, QUERIES), site)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:10])


# Japanese queries whose first hit (advisory, case, confidence) is not expected to be MeCab's (``kb
# search``'s) in the browser, and why (docs/PARITY.md lists them): none on the bundled content.
MECAB_DISAGREES: dict[str, str] = {}


def mecab_agreement(base: KnowledgeBase, queries: list[str], js: list[list[dict]]) -> tuple[int, int, list[str]]:
    """How the browser's answers compare with ``KnowledgeBase.search`` (MeCab on): (Japanese queries,
    those with the same first advisory, case and confidence, problems). A query without Japanese must
    give the same hits (the evidence marked in Japanese text may differ: MeCab finds other words
    there); a Japanese one the same first hit, unless listed in MECAB_DISAGREES."""
    problems: list[str] = []
    japanese = same = 0
    for q, hits in zip(queries, js, strict=True):
        py = base.search(q)
        if not CJK.search(q):
            problems += [f"{q[:50]!r}: {d}" for d in differences(py, hits, evidence=False)]
            continue
        japanese += 1
        first_py = (py[0].id, py[0].case, py[0].confidence) if py else None
        first_js = (hits[0]["id"], hits[0]["case"], hits[0]["confidence"]) if hits else None
        if first_py == first_js:
            same += 1
        elif q not in MECAB_DISAGREES:
            problems.append(f"{q[:50]!r}: first hit python (MeCab) {first_py} / browser {first_js}")
    return japanese, same, problems


def test_japanese_queries_answer_like_mecab(bundled):
    """``KnowledgeBase.search`` as users call it, with MeCab: the browser's Japanese words come from
    the lexicon the site ships, so a Japanese query gets the same first hit and label."""
    base, _, js = bundled
    japanese, same, problems = mecab_agreement(base, BUNDLED_QUERIES, js)
    assert not problems, "\n".join(problems[:10])
    assert japanese >= 20 and same == japanese - len(MECAB_DISAGREES)


# --- Japanese words without MeCab: the lexicon (kb.browser.index.Lexicon, search/j/) --------------------


def generated_texts(lexicon, n: int = 400, seed: int = 7) -> list[str]:
    """Strings that exercise the cut of CJK runs: the lexicon's surfaces glued together and to
    characters it does not know (kanji, kana, a long-vowel mark), Latin words and identifiers between."""
    rng = random.Random(seed)
    surfaces = sorted(lexicon.entries)
    alphabet = "あいうえおかがきくけこさしすせそたちっつてとなにぬねのはばぱひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンー々ヶ亜唖娃阿哀愛挨姶逢葵茜穐悪握渥旭葦芦鯵梓圧斡扱宛姐虻飴絢綾鮎或粟袷安庵按暗案闇鞍杏"
    between = [" ", "、", "。", " Outlook ", " KB890859 ", " errcode=-107 ", "\n", "「", "」", " 2003 "]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            parts.append(
                rng.choice(surfaces)
                if r < 0.6
                else "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
                if r < 0.9
                else rng.choice(between)
            )
        out.append("".join(parts))
    return out


def test_lexicon_words_in_node(bundled, mixed, node):
    """kbsearch.js cuts Japanese into the same words, at the same offsets, as kb.browser.index.Lexicon
    (every query of the tests, and generated strings), with the lexicon the site ships."""
    for site, texts in ((bundled[1], BUNDLED_QUERIES + MIXED_QUERIES), (mixed[1], MIXED_QUERIES + QUERIES)):
        lexicon = site_lexicon(site)
        assert lexicon is not None and len(lexicon.entries) > 500
        texts = texts + generated_texts(lexicon)
        got = _runner(node, site, {"words": texts})
        want = [[[t.text, t.start, t.end] for t in browser_analyze(text, lexicon).words] for text in texts]
        wrong = [(t, w, g) for t, w, g in zip(texts, want, got, strict=True) if w != g]
        assert not wrong, "kbsearch.js cuts Japanese otherwise:\n" + "\n".join(f"{t!r}: py={w} js={g}" for t, w, g in wrong[:5])
    assert any(t[0].startswith(PLACEHOLDER) for words in want for t in words), "some words are unknown to the lexicon"


def test_lexicon_gives_mecabs_words(bundled):
    """On the text it was built from, the lexicon gives MeCab's words (kb.text.analysis.mecab_words) for
    nearly every CJK run; and the words a user types that the corpus lacks: another inflection of its
    verbs (落ちた), a glossary word (固まる: フリーズ). An unknown word is a placeholder term."""
    base, site, _ = bundled
    lexicon = site_lexicon(site)
    runs = {r for d in (doc for a in base.advisories() for doc in documents(a)) for f in TEXT_FIELDS for r in cjk_runs(d.texts[f])}
    same = sum([w for w, _s, _e in lexicon.words(r)] == [w for w, _s, _e in mecab_words(r)] for r in runs)
    assert same >= 0.95 * len(runs), f"the lexicon gives MeCab's words for {same} of {len(runs)} runs of its own corpus"
    for text in ("パッチを当てたら落ちた", "画面が固まってしまう", "サーバーを再起動できない"):
        norm = normalize(text)
        assert [w for w, _s, _e in lexicon.words(norm)] == [w for w, _s, _e in mecab_words(norm)], text
    assert lexicon.words("鬱陶しい")[0][0].startswith(PLACEHOLDER)


def test_phrases_read_strings_as_mecab_reads_them_in_the_corpus():
    """Where the cut by frequency reads a string of the corpus otherwise than MeCab does in most of its
    occurrences, the string becomes a phrase of MeCab's tokens: ワークスペース is ワークス·ペース to MeCab while
    ワーク and スペース are the corpus's common words; 読み込み is the verb before 中, the noun elsewhere; a
    volitional form (入れよう) is one word. A reading MeCab gives too rarely makes no phrase."""

    def doc(n: int, text: str) -> SearchDoc:
        return SearchDoc(f"a{n}", "main", "ja", "", {f: text if f == TEXT_FIELDS[0] else "" for f in TEXT_FIELDS})

    texts = ["スペースが足りない", "ワークが多い", "空きスペースを確保する", "ワークの量", "スペースを空ける", "ワークを分ける"] * 3
    texts += ["ワークスペースに参加する", "新しいワークスペースを作成する", "ワークスペースを削除する"]
    texts += ["データの読み込みが遅い", "設定の読み込みに失敗する", "一覧の読み込みを待つ", "画面が読み込み中になる", "表が読み込み中と出る"]
    texts += ["画面が読み込み中と出る", "手帳を入れる", "ゲストを招待すると"]
    lexicon = japanese_lexicon([doc(n, t) for n, t in enumerate(texts)], extra=[])
    assert lexicon.phrases["ワークスペース"] == ((4, ("ワーク", "work")), (3, ("ペース", "pace")))
    assert lexicon.stats["phrases"] == len(lexicon.phrases)
    for query in ("新しいワークスペースに入れようとした", "表が読み込み中になる", "設定の読み込みが遅い"):
        for run in cjk_runs(query):
            assert [w for w, _s, _e in lexicon.words(run)] == [w for w, _s, _e in mecab_words(run)], run
    assert [(t[0], t[1], t[2]) for t in lexicon.words("ワークスペース", 10)] == [
        ("ワーク", 10, 14),
        ("work", 10, 14),
        ("ペース", 14, 17),
        ("pace", 14, 17),
    ]
    once = japanese_lexicon([doc(n, t) for n, t in enumerate(texts[:18] + ["ワークスペースに参加する"])], extra=[])
    assert "ワークスペース" not in once.phrases  # read so only once: the cut by frequency stays


def test_lexicon_files(bundled):
    """search/j/<n>.js holds each surface (and its ``^`` variants) in the shard of its first
    character's hash; the core says how many shards, the longest surface and the unknown-word costs."""
    _, site, _ = bundled
    core = _core({"core.js": (site / "search" / "core.js").read_text("utf-8")})
    info = core["lexicon"]
    assert info["shards"] == len(list((site / "search" / "j").iterdir())) > 1
    for n in range(info["shards"]):
        text = (site / "search" / "j" / f"{n}.js").read_text("utf-8")
        assert text.startswith(f"KBSearch.addLexicon({n},")
        rows = json.loads(text[text.index(",") + 1 : -3])
        assert all(term_hash(k.lstrip("^")[0]) % info["shards"] == n for k in rows)
        assert all(isinstance(v[0], int) for k, v in rows.items() if not k.startswith("^"))


# --- the analysis: kb/static/vectors.json, the stemmer, the tables typed in kbsearch.js --------------


def analyze_in_node(node: str, site: Path, texts: list[str]) -> list[dict]:
    """What kbsearch.js's analysis makes of each text: the fields of a vector, and model_candidates."""
    return _runner(node, site, {"analyze": texts})


def test_vectors_in_node(bundled, node):
    """kbsearch.js (as the site ships it: with porter2.js and core.js's STOP_CODES) analyzes every
    input of kb/static/vectors.json as kb.text.analysis does, and finds the same spaced model numbers."""
    _, site, _ = bundled
    vectors = json.loads(VECTORS_PATH.read_text("utf-8"))
    got = analyze_in_node(node, site, [v["input"] for v in vectors])
    wrong = [(v["input"], k, v[k], g[k]) for v, g in zip(vectors, got, strict=True) for k in v if v[k] != g[k]]
    for v, g in zip(vectors, got):
        if model_candidates(v["normalized"]) != g["model_candidates"]:
            wrong.append((v["input"], "model_candidates", model_candidates(v["normalized"]), g["model_candidates"]))
        spans = {k: [list(s) for s in model_key_spans(v["normalized"], k)] for k in model_candidates(v["normalized"])}
        if spans != g["model_key_spans"]:
            wrong.append((v["input"], "model_key_spans", spans, g["model_key_spans"]))
    assert not wrong, "kbsearch.js differs from kb/text/analysis.py:\n" + "\n".join(f"{i!r} {k}: py={p!r} js={j!r}" for i, k, p, j in wrong[:10])
    many = " ".join(f"ab{i} cd{i}" for i in range(MAX_MODEL_CANDIDATES + 5))  # more candidates than are looked up
    assert analyze_in_node(node, site, [many])[0]["model_candidates"] == model_candidates(many)


def test_one_stemmer():
    """The site's kbsearch.js carries kb/static/porter2.js's stemmer, put in at build: one copy of the
    algorithm in the repository (porter2.js), exactly one in the shipped script."""
    raw, stemmer, shipped = KBSEARCH.read_text("utf-8"), (PROJECT_ROOT / "kb" / "static" / "porter2.js").read_text("utf-8"), browser_script()
    assert "function porter2(" not in raw and raw.count(PORTER2_MARKER) == 1
    assert shipped.count("function porter2(") == 1 and PORTER2_MARKER not in shipped
    # (as written, less its comment lines and blank lines: without_comment_lines)
    body = [line.strip() for line in without_comment_lines(stemmer[: stemmer.index("if (typeof module")]).splitlines()]
    shipped_lines = [line.strip() for line in shipped.splitlines()]
    start = shipped_lines.index(body[0])
    assert body[0].startswith("function porter2(") and len(body) > 100
    assert shipped_lines[start : start + len(body)] == body, "porter2.js is not shipped as written"


def test_the_shipped_script_is_the_source_without_its_comment_lines():
    """The site's kbsearch.js leaves out whole-line comments and blank lines, nothing else: every other
    line of kbsearch.js is shipped, in order; a line inside a template literal is kept."""
    raw, shipped = KBSEARCH.read_text("utf-8"), browser_script()
    code = [line for line in raw.split("\n") if line.strip() and PORTER2_MARKER not in line]
    shipped_lines = shipped.split("\n")
    at = 0
    missing = []
    for line in code:
        try:
            at = shipped_lines.index(line, at) + 1
        except ValueError:
            missing.append(line)
    comments = [line for line in missing if line.strip().startswith(("//", "/*", "*"))]
    assert missing == comments and comments, missing[:5]
    assert not any(line.strip().startswith("//") for line in shipped_lines)
    assert len(shipped) < 0.95 * (len(raw) + len((PROJECT_ROOT / "kb" / "static" / "porter2.js").read_text("utf-8")))


def test_comment_lines_are_stripped_outside_template_literals_only():
    js = "\n".join(
        [
            "/** A block",
            " * of comment. */",
            "const a = 1; // kept: code before it",
            "  // a whole-line comment",
            "/* one line */",
            "",
            "const t = `first",
            "// inside a template literal: kept",
            "/* also kept */",
            "last`;",
            "const r = /a\\/\\/b/;",
            "/* not whole */ const b = 2;",
        ]
    )
    assert without_comment_lines(js).split("\n") == [
        "const a = 1; // kept: code before it",
        "const t = `first",
        "// inside a template literal: kept",
        "/* also kept */",
        "last`;",
        "const r = /a\\/\\/b/;",
        "/* not whole */ const b = 2;",
        "",
    ]
    with pytest.raises(RuntimeError):
        without_comment_lines("/* a block\n ends */ before code();")
    with pytest.raises(RuntimeError):
        without_comment_lines("/* never ends\nconst a = 1;")


def test_js_analysis_tables_match_python():
    """Analysis tables kbsearch.js types (beside those tests/test_site.py checks)."""
    js = KBSEARCH.read_text("utf-8")
    assert re.search(r"const MAX_MODEL_CANDIDATES = (\d+);", js).group(1) == str(MAX_MODEL_CANDIDATES)
    wordy = re.search(r"const WORDY_ID_KINDS = new Set\(\[([^\]]*)\]\)", js).group(1)
    assert {json.loads(x) for x in wordy.split(", ")} == set(WORDY_ID_KINDS)
    japanese = re.search(r"const JAPANESE_TERM_RE = /(\[[^\]]*\])/;", js).group(1)
    assert japanese == kb.text.synonyms._JAPANESE_RE.pattern


# --- a larger corpus, every budget and cap binding -------------------------------------------------


def long_queries(content: Path, advisories) -> list[str]:
    """Pastes from the generated advisories: their English and Japanese text, a log block of their
    messages repeated with other times (longer than DEDUPE_ABOVE and MAX_QUERY_CHARS), and their ids."""
    out = []
    for adv in advisories[1::40]:
        for lang in [x for x in ("en", "ja") if x in adv.langs]:
            text = (content / adv.id / f"{lang}.md").read_text("utf-8")
            out.append(text.split("---", 2)[2][:2_500] if text.startswith("---") else text[:2_500])
        lines = [m.text.get("en", next(iter(m.text.values()))).render() for c in adv.cases for m in c.messages]
        if lines:
            out.append("\n".join(f"2024/01/0{i % 9 + 1} 10:{i:02d}:00 {line}" for i in range(6) for line in lines))
        models = [m for c in adv.cases for a in c.applies_to for m in a.models]
        out.append(" ".join([*sorted(r.id for r in adv.references), *models]))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, node):
    """(KnowledgeBase, site, queries, the browser's hits) on the bundled content plus SYNTHETIC
    generated advisories (some in one language only, some without cases: ``mixed``), the site built
    with kb.spec lowered as LOWERED (re-apply it around Python searches: see ``lowered``)."""
    tmp = tmp_path_factory.mktemp("parity-synthetic")
    content = tmp / "content"
    shutil.copytree(CONTENT, content, ignore=shutil.ignore_patterns("README.md"))
    write_corpus(content, SYNTHETIC, seed=0, mixed=True)
    base = KnowledgeBase(content, tmp / "index")
    base.build()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in LOWERED.items():
            mp.setattr(spec, name, value)
        site = write_site(base.advisories(), tmp / "site", large_df=LOWERED_LARGE_DF)
    queries = QUERIES + long_queries(content, base.advisories())
    yield base, site, queries, run_node(node, site, queries)
    base.close()


@pytest.fixture
def lowered(monkeypatch):
    for name, value in LOWERED.items():
        monkeypatch.setattr(spec, name, value)


def test_synthetic_corpus_ranks_like_python(synthetic, lowered, monkeypatch):
    base, site, queries, js = synthetic
    searcher = base.searcher()
    bound = dict.fromkeys(("MAX_TERMS", "MAX_IDENTIFIER_DF", "BM25_DEPTH", "DEDUPE_ABOVE", "MAX_QUERY_CHARS"), 0)
    index_search = Index.search

    def counted_search(self, terms, limit=50, boosts=None, only_in=None, lang=None):
        postings = index_search(self, terms, limit, boosts, only_in, lang)
        bound["BM25_DEPTH"] += len(postings) == limit
        return postings

    monkeypatch.setattr(Index, "search", counted_search)
    problems = compare_all(searcher, queries, js, site)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:10])

    for q in queries:
        head = analyze(q[: spec.MAX_ANALYZED_CHARS], japanese=False)
        bound["MAX_TERMS"] += max(len({t.text for t in head.words}), len({t.text for t in head.grams})) > spec.MAX_TERMS
        ids = find_identifiers(normalize(q[: spec.MAX_ID_CHARS]))
        bound["MAX_IDENTIFIER_DF"] += any(searcher.index.doc_frequency("ids", t) > spec.MAX_IDENTIFIER_DF for i in ids for t in i.terms)
        bound["DEDUPE_ABOVE"] += len(q) > spec.DEDUPE_ABOVE
        bound["MAX_QUERY_CHARS"] += searcher.search(q, japanese=False).cut
    assert all(bound.values()), f"a budget or cap never bound: {bound}"
    advisories = base.advisories()
    assert {len(a.langs) for a in advisories} == {1, 2} and any(c.implicit for a in advisories for c in a.cases)
    langs_of = {a.id: a.langs for a in advisories}
    assert any(len(langs_of[h["id"]]) == 1 for hits in js for h in hits), "some hits are of advisories in one language"
    assert len(list((site / "search" / "x").iterdir())) > 100 and (site / "search" / "l").is_dir()
    assert _core({"core.js": (site / "search" / "core.js").read_text("utf-8")})["params"]["BM25_DEPTH"] == LOWERED["BM25_DEPTH"]


def test_synthetic_japanese_queries_answer_like_mecab(synthetic, lowered):
    """On the larger corpus (caps lowered on both sides), the browser's Japanese answers are MeCab's too."""
    base, _, queries, js = synthetic
    japanese, same, problems = mecab_agreement(base, queries, js)
    assert not problems, f"{len(problems)} of {japanese} Japanese queries:\n" + "\n".join(problems[:10])
    assert japanese >= 20 and same == japanese - len(MECAB_DISAGREES)


# --- advisories in one language, without cases ------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """(KnowledgeBase, site) on the bundled content plus tests/parity/mixed.py's advisories."""
    tmp = tmp_path_factory.mktemp("parity-mixed")
    base = KnowledgeBase(write_mixed_content(tmp), tmp / "index")
    base.build()
    yield base, write_site(base.advisories(), tmp / "site")
    base.close()


# kbsearch.js's postingsOf for each [field code, term, segments or null] of the request (stdin), and the
# index files it loaded: [[postings, ...], [file, ...]]. The stand-ins for window and document are
# tests/parity/run_parity.js's.
POSTINGS_JS = r"""
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { pathToFileURL, fileURLToPath } = require("url");
const site = path.resolve(process.argv[2]);
const request = JSON.parse(fs.readFileSync(0, "utf-8"));
const script = path.join(site, "static", "kbsearch.js");
const loaded = [];
function appendScript(el) {
  setImmediate(() => {
    const file = fileURLToPath(el.src);
    loaded.push(path.relative(path.join(site, "search"), file));
    vm.runInThisContext(fs.readFileSync(file, "utf-8"), { filename: el.src });
    el.onload();
  });
}
globalThis.window = globalThis;
globalThis.location = { href: pathToFileURL(path.join(site, "index.html")).href, search: "" };
globalThis.document = {
  readyState: "complete", documentElement: { lang: "en" }, head: { appendChild: appendScript }, createElement: () => ({}),
  querySelector: (sel) => (sel.startsWith("script") ? { src: pathToFileURL(script).href } : null),
  querySelectorAll: () => [], getElementById: () => null, addEventListener: () => {},
};
vm.runInThisContext(fs.readFileSync(script, "utf-8"), { filename: script });
(async () => {
  const out = [];
  for (const [code, term, segs] of request) out.push(await window.KBSearch.postingsOf(code, term, segs || undefined));
  process.stdout.write(JSON.stringify([out, loaded]));
})();
"""


def test_long_list_parts_decode_in_node(mixed, node, tmp_path):
    """Every posting list stored apart in parts by segment (large_df=1; parts of fewer than 3 documents
    with their own lengths, y/, the others reading their segment's table, l/<field>/<segment>):
    kbsearch.js decodes each to the postings the shards hold inline, in every segment and in the
    segments a search in each language scores (its language's, and the advisories' in one language)."""
    base, _ = mixed
    advisories = base.advisories()
    site = search_files(advisories, tmp_path / "compact", large_df=1, table_df=3)
    inline = search_index(advisories)
    args = lambda files, rel: json.loads(files[rel][files[rel].index(",") + 1 : -3])  # noqa: E731
    core = json.loads(inline.files["core.js"][len("KBSearch.load(") : -3])
    seg_of = document_segments(advisories)
    partial = len(core["langs"])
    assert partial in seg_of  # the mixed advisories' documents: the last segment
    request, expected = [], []
    for n in range(core["shards"]):
        for term, entry in args(inline.files, f"t/{n}.js").items():
            for code, _boost in core["fields"].values():
                flat = entry.get(code)
                if flat is None:
                    continue
                docs = list(flat[0::3])
                for k in range(1, len(docs)):
                    docs[k] += docs[k - 1]
                postings = [[d, tf, length] for d, tf, length in zip(docs, flat[1::3], flat[2::3], strict=True)]
                for segs in [None, *([lang, partial] for lang in range(len(core["langs"])))]:
                    request.append([code, term, segs])
                    expected.append([x for p in postings if segs is None or seg_of[p[0]] in segs for x in p])
    runner = tmp_path / "postings.js"
    runner.write_text(POSTINGS_JS, "utf-8")
    proc = subprocess.run([node, str(runner), str(site)], input=json.dumps(request, ensure_ascii=False), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got, loaded = json.loads(proc.stdout)
    wrong = [(r, e[:9], g[:9]) for r, e, g in zip(request, expected, got, strict=True) if e != g]
    assert not wrong, f"{len(wrong)} of {len(request)} lists decode otherwise, e.g. {wrong[:3]}"
    kinds = {f.split("/")[0] for f in loaded}
    assert {"x", "y", "l"} <= kinds, kinds  # both sources of lengths were read
    assert any(f.startswith(f"l/b/{partial}") for f in loaded)


@pytest.mark.parametrize("lang", [None, "en", "ja"])
def test_mixed_content_long_lists_rank_like_python(mixed, node, tmp_path, lang):
    """The mixed content with every posting list stored apart (x/, parts by segment: the advisories in
    one language are the last segment), answering in each language."""
    base, _ = mixed
    site = search_files(base.advisories(), tmp_path / "compact", large_df=1, table_df=3)
    queries = [*QUERIES, *MIXED_QUERIES]
    js = run_node(node, site, queries, lang=lang)
    problems = compare_all(base.searcher(), queries, js, site, lang=lang)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize("lang", [None, "en", "ja"])
def test_mixed_content_ranks_like_python(mixed, node, lang):
    """Single-language and caseless advisories, asked in the query's language and in each language:
    the same hits, shown in the same language (the one asked for when the advisory has it, else the
    one it has), with the same urls, steps and evidence."""
    base, site = mixed
    queries = MIXED_QUERIES + QUERIES
    js = run_node(node, site, queries, lang=lang)
    problems = compare_all(base.searcher(), queries, js, site, lang=lang)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:10])
    by_query = dict(zip(queries, js))
    first = {q: (hits[0]["id"], hits[0]["case"], hits[0]["lang"], hits[0]["url"]) for q, hits in by_query.items() if hits}
    if lang != "ja":  # English queries find the Japanese-only advisories, shown in Japanese
        assert first[MESSAGE_QUERY] == (JA_ONLY, "main", "ja", f"ja/{JA_ONLY}/index.html#main")
        assert first[MODEL_QUERY] == (JA_ONLY_CASES, "v2", "ja", f"ja/{JA_ONLY_CASES}/index.html#v2")
    if lang == "ja":  # asked in Japanese, the English-only how-to comes in English
        assert first["export contacts vcard exporter"] == (EN_ONLY, "main", "en", f"en/{EN_ONLY}/index.html#main")
    assert by_query[MESSAGE_QUERY][0]["confidence"] == "exact"
    assert first["cron.log"][:2] == (EN_ONLY, "main")  # a file name, found as an identifier and as its words
    # a reference the advisory's text never writes: its evidence is what the query typed
    ref = [e["text"] for e in by_query[TYPED_REFERENCE][0]["evidence"] if e["field"] == "reference"]
    assert by_query[TYPED_REFERENCE][0]["id"] == JA_ONLY_CASES and ref == ["«kb-5012345»"]
    # a model number is quoted from the advisory's text (its summary names it)
    assert any("«AGW2000X»" in e["text"] and "シリーズ" in e["text"] for e in by_query[MODEL_QUERY][0]["evidence"] if e["field"] == "model")
    # an English question finds the Japanese-only advisory through the glossary (delete: 削除, attachment: 添付)
    assert first["delete the attachment"][:3] == (JA_ONLY, "main", "ja")


# --- one source for the ranking constants ----------------------------------------------------------------


def _core(site_files: dict[str, str]) -> dict:
    text = site_files["core.js"]
    assert text.startswith("KBSearch.load(") and text.endswith(");\n")
    return json.loads(text[len("KBSearch.load(") : -3])


def _js_code(src: str) -> str:
    """JavaScript without comments, string contents and regular-expression literals (template
    literals keep their ${...} code)."""
    out, i, n = [], 0, len(src)
    stack: list[str] = []  # "`" inside a template literal, "{" inside ${...}
    last = ""  # the last significant character emitted
    while i < n:
        c = src[i]
        if stack and stack[-1] == "`":
            if c == "\\":
                i += 2
            elif c == "`":
                stack.pop()
                out.append('""')
                last = '"'
                i += 1
            elif src.startswith("${", i):
                stack.append("{")
                out.append(" (")
                i += 2
            else:
                i += 1
            continue
        if src.startswith("//", i):
            i = src.find("\n", i) if src.find("\n", i) >= 0 else n
        elif src.startswith("/*", i):
            i = src.index("*/", i) + 2
        elif c in "\"'":
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append('""')
            last = '"'
            i = j + 1
        elif c == "`":
            stack.append("`")
            i += 1
        elif c == "/" and (last in "(,=:[!&|?{};+-*%<>~^" or re.search(r"\b(return|typeof|case)\s*$", "".join(out[-3:]))):
            j, cls = i + 1, False
            while src[j] != "/" or cls:
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    cls = True
                elif src[j] == "]":
                    cls = False
                j += 1
            j += 1
            while j < n and src[j].isalpha():
                j += 1
            out.append("RE")
            last = "E"
            i = j
        else:
            if c == "{" and stack:
                stack.append("{")
            elif c == "}" and stack and stack[-1] == "{":
                stack.pop()
                if stack and stack[-1] == "`":
                    out.append(") ")
                    i += 1
                    continue
            out.append(c)
            if not c.isspace():
                last = c
            i += 1
    return "".join(out)


def _ranking_js() -> str:
    """kbsearch.js from template matching to the end of ranking (what kb/text/templates.py and kb/search/rank.py mirror)."""
    js = KBSEARCH.read_text("utf-8")
    start, end = js.index("// --- template matching"), js.index("// --- the page")
    return js[start:end]


def _spec_numbers() -> dict[float, list[str]]:
    """kb.spec's numbers (and those in its dicts) -> the names that have them; 0 and 1 are left out
    (counts, offsets and neutral weights are everywhere)."""
    values: dict[float, list[str]] = {}
    for name in spec.names():
        v = getattr(spec, name)
        for x in v.values() if isinstance(v, dict) else [v]:
            if isinstance(x, (int, float)) and not isinstance(x, bool) and x not in (0, 1):
                values.setdefault(float(x), []).append(name)
    return values


def test_the_site_gets_every_shared_constant():
    """core.js's params are kb.spec.shared() (derived from kb.spec: every UPPERCASE name but the ones
    applied while the site is built) and the aliases; nothing else, nothing less."""
    core = _core(search_index(load_or_raise(CONTENT)).files)
    tables = browser_data()  # ALIASES (kb.text.synonyms.table()) and STOP_CODES (kb.text.stopcodes)
    assert set(core["params"]) == set(spec.shared()) | set(tables) and not set(tables) & set(spec.names())
    assert set(spec.shared()) == set(spec.names()) - spec.APPLIED_AT_BUILD
    assert set(spec.names()) >= spec.APPLIED_AT_BUILD
    assert {k: v for k, v in core["params"].items() if k not in tables} == json.loads(json.dumps(spec.shared()))
    assert core["params"]["ALIASES"] == {k: list(v) for k, v in kb.text.synonyms.table().items()}
    assert core["params"]["STOP_CODES"] == STOP_CODES
    assert core["fields"] == {name: [code, spec.FIELD_BOOSTS[name]] for name, (code, _) in core["fields"].items()}
    assert list(core["fields"]) == list(spec.FIELD_BOOSTS) and list(core["lookups"]) == list(spec.LOOKUP_FIELDS)


def test_kbsearch_reads_every_shared_constant_from_params():
    js = KBSEARCH.read_text("utf-8")
    missing = [name for name in [*spec.shared(), *browser_data()] if name not in PYTHON_ONLY and not re.search(rf"\bP\.{name}\b", js)]
    assert not missing, f"kbsearch.js does not read these kb.spec constants from core.params (P.<NAME>): {missing}"
    unknown = sorted(set(re.findall(r"\bP\.([A-Z][A-Z0-9_]*)\b", js)) - (set(spec.shared()) - set(PYTHON_ONLY)) - set(browser_data()))
    assert not unknown, f"kbsearch.js reads P.<NAME> that kb.spec does not have: {unknown}"
    assert _js_code(js).count("core.params") == 1, "kbsearch.js reads the constants through P (set once, in load)"


def test_no_ranking_constant_is_typed_in_kbsearch():
    """No number in kbsearch.js's ranking code equals a kb.spec value: each comes from P. Allowed:
    array indexes and strides (``p[i + 2]``, ``i += 3``) and the idf formula, the same in kb.search.index."""
    code = _js_code(_ranking_js())
    code = code.replace("Math.log(1 + (n - d + 0.5) / (d + 0.5))", "IDF")  # kb.search.index.Index.idf
    code = re.sub(r"(?<=[\w\])])\[[\w\s+\-]*\]", "[]", code)  # indexing: x[0], p[i + 2]
    code = re.sub(r"\+=\s*\d+\)", "+= STRIDE)", code)  # for (...; i += 3)
    values = _spec_numbers()
    found = [(m.group(), values[float(m.group())]) for m in re.finditer(r"(?<![\w.$])\d+(?:\.\d+)?(?![\w.])", code) if float(m.group()) in values]
    assert not found, f"kbsearch.js types kb.spec values in its ranking code (read them from P): {found}"


SCORING = {
    kb.search.rank: ("prepare_query", "_mark", "Searcher"),
    kb.text.templates: ("_slot_regex", "choose_keys", "TemplateMatcher"),
}


def test_no_ranking_constant_is_typed_in_python():
    """Neither do kb/search/rank.py's and kb/text/templates.py's scoring functions: they read ``spec.<NAME>``.
    Allowed: indexes and slices, ``round()``'s digits, and the three columns of a stored table."""
    values = _spec_numbers()
    found = []
    for module, names in SCORING.items():
        tree = ast.parse(Path(module.__file__).read_text("utf-8"))
        for node in tree.body:
            if getattr(node, "name", None) not in names:
                continue
            skip = set()
            for sub in ast.walk(node):
                if isinstance(sub, ast.Subscript):
                    skip.update(map(id, ast.walk(sub.slice)))
                elif isinstance(sub, ast.Call) and getattr(sub.func, "id", "") == "round":
                    skip.update(map(id, ast.walk(sub.args[1])) if len(sub.args) > 1 else ())
                elif isinstance(sub, ast.FunctionDef) and sub.name == "_table":
                    skip.update(map(id, ast.walk(sub)))
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and type(sub.value) in (int, float) and id(sub) not in skip and float(sub.value) in values:
                    found.append(f"{Path(module.__file__).name}:{sub.lineno}: {sub.value!r} ({', '.join(values[float(sub.value)])})")
    assert not found, "Python scoring code types kb.spec values (read spec.<NAME>):\n" + "\n".join(found)


def test_one_url_scheme():
    """The url of a hit (kb.search.rank, kbsearch.js) is where kb.site.pages writes the case."""
    for adv, case, lang in (("fujitsu-tx200ft-ms05-018", "win2003", "en"), ("a-b", "c", "ja")):
        assert spec.case_url(adv, case, lang) == case_path(lang, adv, case)
    assert "index.html#" not in KBSEARCH.read_text("utf-8"), "kbsearch.js builds urls with P.CASE_URL"


# A value for every kb.spec constant that Python reads while searching: with it in Python only, some
# query must answer differently from the browser. The rest are applied when the indexes are built
# (both builds read kb.spec): a value changed for the site build only must show the same.
ONE_SIDED = {
    "DEDUPE_ABOVE": 10**9,
    "MAX_QUERY_CHARS": 700,
    "MAX_ID_CHARS": 100,
    "MAX_ANALYZED_CHARS": 100,
    "MAX_TERMS": 4,
    "DEFAULT_LIMIT": 1,
    "SLOT_MAX": 1,
    "MIN_SQUASHED_CHARS": 40,
    "MAX_FIND_TRIES": 0,
    "REACH_SLACK": -10_000,
    "MIN_CHUNK_CHARS": 1_000,
    "MIN_FRAGMENT_CHARS": 1_000,
    "MIN_COVERAGE": 0.15,
    "W_TEMPLATE_FULL": 45.0,
    "TEMPLATE_LITERAL_CAP": 45,
    "TEMPLATE_LITERAL_PER_POINT": 2,
    "W_TEMPLATE_PARTIAL": 10.0,
    "PARTIAL_STRONG_COVERAGE": 0.25,
    "PARTIAL_WITHOUT_KEY": 0.5,
    "W_MODEL": 31.0,
    "CONDITION_FIT_BONUS": 4.0,
    "W_MODEL_CONDITIONAL": 16.0,
    "W_NOT_AFFECTED": 29.0,
    "W_REFERENCE": 26.0,
    "W_IDENTIFIER": 21.0,
    "IDENTIFIER_FULL_IDF": 5.0,
    "MAX_IDENTIFIER_DF": 2,
    "RARE_WORD_IDF": 0.0,
    "BM25_SCALE": 14.0,
    "BM25_RELATIVE_SHARE": 0.6,
    "BM25_COVERAGE_SHARE": 0.4,
    "ID_COVERAGE_WEIGHT": 1,
    "ALIAS_BOOST": 0.5,
    "BM25_DEPTH": 5,
    "WORD_FIELDS": ("title", "messages", "body"),
    "REFERENCE_KINDS": ("kb", "kbnum", "cve", "advisory"),
    "SPECIFIC_ID_KINDS": frozenset(),
    "SPECIFIC_HEX_MIN": 0x1,
    "STRONG_SPREAD": 1,
    "STRONG_COVERAGE": 5.0,
    "STRONG_LEAD": 30.0,
    "STRONG_LEAD_PER_COVERAGE": -1000.0,
    "STRONG_MIN_COVERAGE": 0.9,
    "STRONG_MIN_TERMS": 1,
    "MARK_WIDTH": 60,
    "MARK_LEAD": 5,
    "EVIDENCE_GRAM_SHARE": 10.0,
    "STEPS_SHOWN": 1,
    "CASE_URL": "{lang}/{advisory}.html#{case}",
}
SITE_BUILD_ONLY = {
    # kb.search.index precomputes the BM25F weights of every posting (scores.bin) with these when it builds
    "FIELD_BOOSTS": {**spec.FIELD_BOOSTS, "title": 2.5},
    "BM25_K1": 1.3,
    "BM25_B": 0.6,
    "LOOKUP_FIELDS": ("refs", "models_cond", "not_affected"),
    "KEYS_PER_TEMPLATE": 1,
    # kb.search.documents marks a template entry generic (TemplateEntry.generic) when the index is built
    "GENERIC_MESSAGE_KINDS": tuple(MESSAGE_KINDS),
    # the label names: kbsearch.js reads them from P; kb.search.rank types them (its _label returns literals)
    "CONFIDENCES": ("exact", "weak", "strong"),
}


# Shared names that only the Python search with MeCab reads: the browser (and Searcher.search(...,
# japanese=False), which parity compares with) never needs them.
PYTHON_ONLY = {
    "MARK_LINES": "with MeCab, Python analyzes only the lines most likely to hold the matched terms to place the evidence marks",
}


def test_every_constant_has_a_one_sided_change():
    groups = [set(ONE_SIDED), set(SITE_BUILD_ONLY), set(PYTHON_ONLY)]
    assert set().union(*groups) == set(spec.names()) and sum(map(len, groups)) == len(set().union(*groups))


def _python_only(mp: pytest.MonkeyPatch, name: str, value) -> None:
    """``name`` changed in every Python module that has it (kb.search.index keeps its own BM25_K1/B names)."""
    for module in (spec, kb.search.index, kb.search.rank, kb.text.templates):
        if hasattr(module, name):
            mp.setattr(module, name, value)


def _first_difference(base: KnowledgeBase, queries: list[str], js: list[list[dict]], site: Path) -> str | None:
    searcher = Searcher(base.searcher().index)  # a fresh matcher: templates compiled with the values now
    with browser_searching(site_lexicon(site)):
        for q, hits in zip(queries, js, strict=True):
            found = differences(searcher.search(q, japanese=False), hits)
            if found:
                return f"{q[:40]!r}: {found[0][:200]}"
    return None


@pytest.mark.parametrize("name", sorted(ONE_SIDED))
def test_one_sided_change_breaks_parity(name, bundled, request):
    """The constant changed in Python only (the site built without the change): some query answers
    differently in the browser. Tried on the bundled content, then on the larger corpus."""
    found = None
    if name not in LOWERED:  # the caps lowered for the larger corpus bind only there
        base, site, js = bundled
        with pytest.MonkeyPatch.context() as mp:
            _python_only(mp, name, ONE_SIDED[name])
            found = _first_difference(base, BUNDLED_QUERIES, js, site)
    if found is None:
        big, big_site, queries, big_js = request.getfixturevalue("synthetic")
        with pytest.MonkeyPatch.context() as mp:
            for lowered_name, value in LOWERED.items():
                mp.setattr(spec, lowered_name, value)
            _python_only(mp, name, ONE_SIDED[name])
            found = _first_difference(big, queries, big_js, big_site)
    assert found, f"changing kb.spec.{name} on the Python side only went unnoticed"


@pytest.mark.parametrize("name", sorted(SITE_BUILD_ONLY))
def test_site_build_only_change_breaks_parity(name, bundled, node, tmp_path):
    """A constant applied while the indexes are built, changed for the site's build only."""
    base, _, _ = bundled
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(spec, name, SITE_BUILD_ONLY[name])
        site = search_files(base.advisories(), tmp_path / "site")
    js = run_node(node, site, BUNDLED_QUERIES)
    assert _first_difference(base, BUNDLED_QUERIES, js, site), f"changing kb.spec.{name} for the site build only went unnoticed"
