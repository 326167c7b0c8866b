"""The analysis pipeline: each step on its own, then together."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from kb.content.model import Template
from kb.text.analysis import (
    analyze,
    cjk_bigrams,
    find_identifiers,
    latin_words,
    mecab_words,
    model_family_keys,
    model_key_spans,
    model_keys,
    normalize,
    normalize_with_map,
    stem,
)
from kb.text.templates import TemplateEntry, TemplateMatcher, compile_template, squash


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ＰＧＴ２０１４６Ｆ２", "pgt20146f2"),
        ("ｻｰﾊﾞｰ", "サーバ"),
        ("サーバー", "サーバ"),
        ("コンピューター", "コンピュータ"),
        ("ルーター", "ルータ"),  # 4 characters: folded
        ("ビュー", "ビュー"),  # 3 characters: kept
        ("¥WINDOWS¥system32", "\\windows\\system32"),
        ("“quoted”", '"quoted"'),
        ("a\x00b\x1fc", "a b c"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_with_map_points_back_past_dropped_long_vowels():
    """Each normalized character maps to the character of the text it came from, across folded
    long vowels (dropped), half-width kana and full-width letters, in long and short texts."""
    text = "ｻｰﾊﾞｰ が停止。コンピューター と ルーター、ビュー ＰＧＴ２０ サーバー\n" * 50
    norm, origin = normalize_with_map(text)
    assert len(origin) == len(norm) + 1 and origin[-1] == len(text)
    assert origin == sorted(origin)
    for ch, o in zip(norm, origin):
        assert normalize(text[o]) in (ch, "", "ｰ") or ch in normalize(text[o : o + 2])
    assert norm.count("サーバ") == 100 and "サーバー" not in norm and "ビュー" in norm
    dropped = [i for i, c in enumerate(text) if c == "ー" and i not in set(origin)]
    assert len(dropped) == 150  # サーバー, コンピューター, ルーター: the last ー of each, 50 times


@pytest.mark.parametrize(
    "text,kind,terms",
    [
        ("MS05-018", "bulletin", ("ms05-018",)),
        ("ms05018", "bulletin", ("ms05-018",)),
        ("ＭＳ０５－０１８", "bulletin", ("ms05-018",)),
        ("KB890859", "kb", ("kb890859",)),
        ("KB 890859", "kb", ("kb890859",)),
        ("(890859)", "kbnum", ("kb890859",)),
        ("0x0000000A", "hex", ("0xa",)),
        ("0xA", "hex", ("0xa",)),
        ("errcode=-107", "keyvalue", ("errcode=-107",)),
        ("errcode = -107", "keyvalue", ("errcode=-107",)),
        ("MRFServer.cpp|108", "fileline", ("mrfserver.cpp|108", "mrfserver.cpp")),
        ("libMRF_AP.dll", "file", ("libmrf_ap.dll",)),
        ("1.12.0.1266", "version", ("1.12.0.1266",)),
        ("V1.0L20", "version", ("v1.0l20",)),
        ("イベントID:800", "event", ("event:800",)),
        ("Event ID 800", "event", ("event:800",)),
        ("{73E709EA-5D93-4B2E-BBB0-99B7938DA9E4}", "guid", ("73e709ea-5d93-4b2e-bbb0-99b7938da9e4",)),
        ("PGT20146F2のサーバ", "model", ("pgt20146f2",)),
        ("TX150FT S2", "model", ("tx150fts2",)),
    ],
)
def test_identifiers(text, kind, terms):
    ids = find_identifiers(normalize(text))
    assert [(i.kind, i.terms) for i in ids][:1] == [(kind, terms)]


_ID_PIECES = (
    "ms 05 - 018 18 kb q 890859 cve 2021 12345 hpe sa dell event イベント id eventid : = # cron . log cpp | ( ) 112 "
    "stop bug check code 0x 7b 000000d1 irql _ not less errcode - v 1.2.3 2.7.5 a4 { } deadbeef 8 4 pgt 20146 f2 "
    "tx150fts2 x a ٣٤٥٦٧٨ 1 {01234567-89ab-cdef-0123-456789abcdef} ms05-18 cve-2021-12345 cron.log|12 a.cpp(112) stop:0x7b bugcheck:0x7b errcode=0x1f"
)
"""Pieces of identifiers (and their neighbours) that random texts are made of."""


def test_every_identifier_pattern_needs_what_it_declares():
    """find_identifiers skips a pattern when the text lacks one of its ``needs``: every match of every
    pattern, on random identifier-like text, must hold each of them (else skipping loses matches)."""
    import random

    from kb.text.analysis import _ID_PATTERNS, DIGIT, _needs_met

    pieces = _ID_PIECES.split(" ") + [" ", " ", "-", "_", ".", "critical process died"]  # (a spaced bug check name)
    rnd = random.Random(7)
    matched = dict.fromkeys(kind + str(k) for k, (kind, _rx, _n) in enumerate(_ID_PATTERNS))
    for _ in range(30_000):
        chars = list("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6))))
        for _ in range(rnd.randint(0, 2)):  # a character dropped or doubled
            k = rnd.randrange(len(chars))
            chars[k] = rnd.choice(("", chars[k] * 2))
        text = "".join(chars)
        for k, (kind, rx, needs) in enumerate(_ID_PATTERNS):
            for m in rx.finditer(text):
                assert all(map(_needs_met(m.group(0)), needs)), (kind, m.group(0), needs)
                matched[kind + str(k)] = m.group(0)
    assert all(matched.values()), [k for k, v in matched.items() if not v]  # every pattern was tried on matches
    assert _needs_met("٣")(DIGIT)  # (a need for a digit is any \\d, as the patterns' \\d)


def test_identifier_offsets_map_to_original():
    text = "型名は ＰＧＴ２０１４６Ｆ２ です"
    a = analyze(text)
    (ident,) = a.identifiers
    s, e = a.span(ident.start, ident.end)
    assert text[s:e] == "ＰＧＴ２０１４６Ｆ２"


def test_model_keys_drop_the_family_name():
    assert model_keys("PRIMERGY TX150FT S2") == ["primergytx150fts2", "tx150fts2"]
    assert model_keys("PGT20146F2") == ["pgt20146f2"]


def test_model_family_keys_drop_a_generation_written_apart():
    assert model_family_keys("PRIMERGY TX150FT S2") == ["primergytx150ft", "tx150ft"]
    assert model_family_keys("ProLiant DL380 G7") == ["proliantdl380", "dl380"]
    assert model_family_keys("ＴＸ１５０ＦＴ－Ｓ２") == ["tx150ft"]
    assert model_family_keys("RX200 S6") == ["rx200"]
    # no generation apart, or nothing a query could spell as a model number before it
    for name in ("PGT20146F2", "PowerEdge R640", "Windows Server 2003 R2", "PGT 20146 F2", "iPhone 12", "TX150FT", "DL380 Gen10"):
        assert model_family_keys(name) == [], name
    # the family is what the query analysis reads as a model number when it is typed alone
    for name in ("PRIMERGY TX150FT S2", "ProLiant DL380 G7"):
        family = model_family_keys(name)[-1]
        assert [i.value for i in find_identifiers(normalize(family.upper())) if i.kind == "model"] == [family]


def test_model_key_spans_find_a_model_number_written_with_spaces():
    norm = normalize("PGT 20146 F2 / pgt-20146-f2, PGT20146F2 and PGT20146 F21")
    spans = model_key_spans(norm, "pgt20146f2")
    assert [norm[s:e] for s, e in spans] == ["pgt 20146 f2", "pgt-20146-f2", "pgt20146f2"]
    assert model_key_spans(norm, "pgt-20146") == [] and model_key_spans("a b c d e", "abcde") == []  # letters and digits; 4 words at most


def test_stemmer_is_snowball_english():
    # forms of one word meet in one stem (the old hand rules gave created -> creat but create -> create)
    words = ["create", "created", "creating", "switch", "switches", "service", "services", "synchronize", "synchronization"]
    assert [stem(w) for w in words] == ["creat", "creat", "creat", "switch", "switch", "servic", "servic", "synchron", "synchron"]
    assert [stem(w) for w in ["started", "stopped", "failed", "is", "status"]] == ["start", "stop", "fail", "is", "status"]
    assert stem("café") == "café" and stem("x64") == "x64"  # only ASCII letters are stemmed


def test_latin_words_split_letters_and_digits_and_drop_stop_words():
    assert [w for w, _, _ in latin_words("the coserver1 is failed")] == ["coserv", "1", "fail"]


def test_cjk_bigrams():
    assert [g for g, _, _ in cjk_bigrams("起動しない")] == ["起動", "動し", "しな", "ない"]
    assert [g for g, _, _ in cjk_bigrams("に")] == []  # a lone particle says nothing
    assert [g for g, _, _ in cjk_bigrams("表")] == ["表"]


def test_mecab_lemmas_without_gloss_and_without_particles():
    words = [w for w, _, _ in mecab_words("サーバーが起動しませんでした")]
    assert "サーバ" in words and "起動" in words
    assert "が" not in words and not any("-" in w for w in words)


def test_japanese_offsets_point_into_the_original_text():
    text = "ｻｰﾊﾞｰが起動しない"
    a = analyze(text)
    for t in a.words + a.grams:
        assert 0 <= t.start < t.end <= len(text)
    first = a.words[0]
    assert text[first.start : first.end] == "ｻｰﾊﾞｰ"


def test_analysis_is_picklable_and_holds_no_tagger():
    a = analyze("サーバが起動しない")
    assert pickle.loads(pickle.dumps(a)).words == a.words


def test_template_slots_and_squash():
    t = Template.parse("CoServer{{n:number}}.MtcScp status: Virtual Server{{x:number}} is failed.")
    assert [p.name for p in t.placeholders] == ["n", "x"]
    rx = compile_template(t)
    assert rx.search(squash("coserver12.mtcscp  status: virtual server3 is failed."))
    assert not rx.search(squash("CoServer1.MtcScp status: Virtual Server3 is stalled."))


def test_template_matcher_reports_slot_values_from_the_paste():
    entries = [
        TemplateEntry(
            "a",
            "c",
            "m",
            "ja",
            "event-log",
            "ディスクのファイル システム構造は壊れていて使えません。chkdsk ユーティリティをボリューム {{volume:drive=C:}} で実行してください。",
        ),
        TemplateEntry(
            "b",
            "c",
            "m",
            "ja",
            "event-log",
            "Trend Micro Management Infrastructure (TMI) が準備できていません。エラーメッセージ: errcode=-107, MRFServer.cpp|108",
        ),
    ]
    matcher = TemplateMatcher(entries)
    paste = "2024/01/01 エラー Ntfs 55\nディスクのファイル システム構造は壊れていて使えません。chkdsk ユーティリティをボリューム Ｄ： で実行してください。"
    (m,) = [m for m in matcher.match(paste) if m.full]
    assert m.entry.advisory == "a" and m.slots == {"volume": "Ｄ："}
    assert not [m for m in matcher.match("エラーメッセージ: errcode=-108, MRFServer.cpp|108") if m.full]


class _Forgetful(dict):
    """A memo that remembers nothing: every token is read from its node again."""

    def __setitem__(self, key, value) -> None:
        pass


def test_mecab_words_are_the_same_with_the_token_memo_cold_warm_and_emptied(monkeypatch):
    import kb.text.analysis as analysis

    root = Path(__file__).resolve().parent.parent / "content"
    texts = [p.read_text("utf-8") for p in sorted(root.glob("*/ja.md"))]
    texts += ["パッチを適用したサーバーでサービスが起動しない", "ｷｬｯｼｭのクリア後もエラーが出ます。", "リンクをクリックしてください"]
    monkeypatch.setattr(analysis, "_NODE_WORDS", _Forgetful())
    fresh = [analysis.mecab_words(t, 7) for t in texts]
    assert sum(map(len, fresh)) > 200
    monkeypatch.setattr(analysis, "_NODE_WORDS", {})
    assert [analysis.mecab_words(t, 7) for t in texts] == fresh  # cold: filled as it goes
    assert analysis._NODE_WORDS
    assert [analysis.mecab_words(t, 7) for t in texts] == fresh  # warm
    monkeypatch.setattr(analysis, "_NODE_WORDS", {})
    monkeypatch.setattr(analysis, "_NODE_WORDS_KEPT", 5)
    assert [analysis.mecab_words(t, 7) for t in texts] == fresh  # emptied again and again
    assert len(analysis._NODE_WORDS) <= 5


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("irql not less or equal", ("0xa", "irql_not_less_or_equal")),
        ("DRIVER  IRQL NOT LESS OR EQUAL で停止", ("0xd1", "driver_irql_not_less_or_equal")),
        ("Critical Process Died", ("0xef", "critical_process_died")),
    ],
)
def test_a_bug_check_name_typed_with_spaces_is_its_stop_code(text, terms):
    assert [i.terms for i in analyze(text).identifiers] == [terms]


@pytest.mark.parametrize("text", ["memory management", "the file system is full", "system service"])
def test_two_word_bug_check_names_typed_with_spaces_stay_words(text):
    """MEMORY_MANAGEMENT and FILE_SYSTEM are bug checks, but with spaces they are everyday phrases."""
    assert analyze(text).identifiers == []
