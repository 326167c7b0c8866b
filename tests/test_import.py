"""`kb import`: every source layout, the Markdown cleanups, message extraction, re-runs, --dry-run
and the command line. Fixtures: tests/fixtures/import/ (small, written for these tests)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from kb.cli import main as kb_main
from kb.content.load import load
from kb.content.model import Template, template_problems
from kb.importer import (
    BOOKKEEPING,
    MAX_SOURCE_BYTES,
    SECTION_ALIASES,
    SECTION_TYPES,
    ImportReport,
    build_template,
    detect_lang,
    import_articles,
    parse_date,
    section_type,
    slugify,
)
from kb.storage import UnsafeTarget

FIX = Path(__file__).resolve().parent / "fixtures" / "import"
JSONL = FIX / "jsonl" / "kb.jsonl"
SOURCES = (JSONL, FIX / "suffix", FIX / "tree", FIX / "plain")


def front(path: Path) -> tuple[dict, str]:
    """(front matter, body) of an imported ja.md / en.md."""
    text = path.read_text("utf-8")
    assert text.startswith("---\n")
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head), body


def adv(path: Path) -> dict:
    return yaml.safe_load((path / "advisory.yaml").read_text("utf-8"))


def fingerprint(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir" for p in sorted(root.rglob("*"))}


def outcome(report: ImportReport, adv_id: str) -> str:
    return next(a.outcome for a in report.articles if a.id == adv_id)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return tmp_path / "content"


# --- layouts ---------------------------------------------------------------------------------------


def test_jsonl_pair_bad_line_and_fields(content: Path) -> None:
    rep = import_articles(JSONL, content)
    assert sorted(a.id for a in rep.articles if a.id) == ["driver-reinstall", "spooler-crash"]
    assert (rep.new, rep.updated, rep.unchanged, rep.kept, rep.skipped) == (2, 0, 0, 0, 0)
    # the same id in ja and en is one advisory with both languages
    spool = content / "spooler-crash"
    assert sorted(p.name for p in spool.iterdir()) == [BOOKKEEPING, "advisory.yaml", "assets", "en.md", "ja.md"]
    fm, _ = front(spool / "ja.md")
    assert fm == {"title": "印刷スプーラーが停止する (0x800706BA)", "summary": "印刷ジョブを送るとスプーラー サービスが停止します。"}
    fm_en, _ = front(spool / "en.md")
    assert fm_en == {"title": "Print spooler stops (0x800706BA)"}  # no summary in the source: none written
    a = adv(spool)
    assert "cases" not in a and "vendor" not in a
    assert a["id"] == "spooler-crash"
    assert a["products"] == [{"name": "Print Server"}]
    assert a["published"] == "2021-04-14"  # from M/D/YYYY
    assert a["source"] == "export/spooler-crash.md"
    assert a["references"] == [{"id": "Spooler-Crash", "url": "https://example.com/kb/spooler-crash"}]
    # a url that is not http(s): the reference keeps the id only
    d = adv(content / "driver-reinstall")
    assert d["references"] == [{"id": "driver-reinstall"}]
    assert d["published"] == "2021-05-01"
    assert not (content / "driver-reinstall" / "en.md").exists()  # only the languages that exist
    # bad lines: reported with file:line, the rest imported
    errs = {(Path(p.path).name, p.line) for p in rep.errors}
    assert errs == {("kb.jsonl", 3), ("kb.jsonl", 5)}
    assert any("not valid JSON" in p.message and p.hint for p in rep.errors)


def test_suffix_layout(content: Path) -> None:
    rep = import_articles(FIX / "suffix", content)
    assert sorted(a.id for a in rep.articles if a.id) == ["collect-logs", "vpn-timeout"]
    vpn = content / "vpn-timeout"
    assert (vpn / "ja.md").exists() and (vpn / "en.md").exists()
    fm, _ = front(vpn / "ja.md")
    assert fm == {"title": "VPN 接続がタイムアウトする", "summary": "接続から 30 秒で切断されます。"}  # description -> summary
    a = adv(vpn)
    assert a["products"] == [{"name": "Acme VPN"}] and a["published"] == "2022-01-15"
    assert a["source"] == "suffix/vpn-timeout.ja.md"
    res = next(r for r in rep.articles if r.id == "vpn-timeout")
    assert "tags" in res.unmapped  # front matter with no place in kb's format is reported
    assert not (content / "index").exists() and not (content / "_index").exists()
    assert any(p.severity == "warning" and "_index.md" in p.message for p in rep.problems)
    assert not rep.errors


def test_tree_layout(content: Path) -> None:
    rep = import_articles(FIX / "tree", content)
    assert sorted(a.id for a in rep.articles if a.id) == ["dns-failure", "router"]
    dns = content / "dns-failure"
    assert front(dns / "ja.md")[0]["title"] == "DNS の名前解決に失敗する"
    assert front(dns / "en.md")[0]["title"] == "DNS name resolution fails"
    assert not (content / "router" / "en.md").exists()
    assert adv(dns)["source"] == "tree/ja/network/dns-failure.md"


def test_plain_layout_language_from_front_matter_or_text(content: Path) -> None:
    rep = import_articles(FIX / "plain", content)
    assert sorted(a.id for a in rep.articles if a.id) == ["backup-guide", "disk-full", "kiosk-exits"]
    assert (content / "kiosk-exits" / "en.md").exists()  # language: en-US; slug names the folder
    assert (content / "disk-full" / "ja.md").exists()  # detected: Japanese text
    assert (content / "backup-guide" / "en.md").exists()  # detected: English; title from its '# heading'
    fm, body = front(content / "backup-guide" / "en.md")
    assert fm == {"title": "Backup guide"} and "# Backup guide" not in body
    notes = {a.id: a.notes for a in rep.articles}
    assert "language detected: ja" in notes["disk-full"] and "language detected: en" in notes["backup-guide"]
    assert not any("detected" in n for n in notes["kiosk-exits"])


# --- cleanups --------------------------------------------------------------------------------------


def test_cleanups(content: Path) -> None:
    rep = import_articles(JSONL, content)
    res = {a.id: a for a in rep.articles}
    _, ja = front(content / "spooler-crash" / "ja.md")
    _, en = front(content / "spooler-crash" / "en.md")
    # the first heading repeating the title is gone; the HTML anchor with it
    assert not ja.lstrip().startswith("#") and "<a name" not in ja and "印刷スプーラーが停止する (0x800706BA)" not in ja
    assert res["spooler-crash"].counts["title-dropped"] == 2 and res["spooler-crash"].counts["anchors"] == 1
    # a link to another imported article is a kb: link (its #fragment dropped)
    assert "[ドライバーの再インストール](kb:driver-reinstall)" in ja and "(kb:driver-reinstall)" in en
    # an image in the source folder is copied and relinked
    assert "![スプーラーの画面](assets/spooler.svg)" in ja
    assert (content / "spooler-crash" / "assets" / "spooler.svg").read_bytes() == (FIX / "jsonl" / "media" / "spooler.svg").read_bytes()
    # other links: plain text that keeps the link text and the target
    assert "プリンター設定 (ms-settings:printers)" in ja
    assert "旧マニュアル (old/manual.html#step2)" in ja
    assert res["spooler-crash"].links_to_text == ["ms-settings:printers", "old/manual.html#step2"]
    # raw HTML stays as written and is reported
    assert "改行タグ<br>はそのまま残ります。" in ja and res["spooler-crash"].raw_html == ["<br>"]
    # headings are kept; typed vs free-form reported
    assert "## 現象" in ja and "## 対処" in ja
    assert ("ja", "現象", "symptoms") in res["spooler-crash"].sections and ("en", "Resolution", "resolution") in res["spooler-crash"].sections
    # code blocks are kept in the Markdown (messages are copied, not moved)
    assert "RPC call failed with 0x800706BA" in ja


def test_headings_lifted_and_bold_section_names(content: Path) -> None:
    import_articles(JSONL, content)
    _, body = front(content / "driver-reinstall" / "ja.md")
    assert body.lstrip().startswith("## 原因") and "\n## 対処方法\n" in body and "\n### 補足の補足\n" in body
    rep = import_articles(FIX / "suffix", content)
    _, ja = front(content / "vpn-timeout" / "ja.md")
    assert "\n## 原因\n" in ja and "**原因**" not in ja  # a bold line naming a section became its heading
    res = next(a for a in rep.articles if a.id == "vpn-timeout")
    assert res.counts["bold-headings"] == 1
    assert [(h, t) for lang, h, t in res.sections if lang == "ja"] == [("原因", "cause"), ("回避策", "workaround")]


def test_links_between_articles_in_folders(content: Path) -> None:
    import_articles(FIX / "suffix", content)
    _, ja = front(content / "vpn-timeout" / "ja.md")
    assert "[ログ取得](kb:collect-logs)" in ja
    assert "連絡先: support@example.com" in ja  # an e-mail autolink became text
    _, back = front(content / "collect-logs" / "ja.md")
    assert "[VPN の記事に戻る](kb:vpn-timeout)" in back
    _, en = front(content / "vpn-timeout" / "en.md")
    assert '[diagram](assets/keepalive.svg "Keep-alive")' in en and (content / "vpn-timeout" / "assets" / "keepalive.svg").is_file()
    import_articles(FIX / "tree", content)
    _, dns = front(content / "dns-failure" / "ja.md")
    assert "[ルーターの初期設定](kb:router)" in dns


def test_section_table() -> None:
    assert set(SECTION_ALIASES) == {"ja", "en"}
    assert {t for table in SECTION_ALIASES.values() for t in table.values()} == set(SECTION_TYPES)
    for heading, kind in (("症状", "symptoms"), ("現象", "symptoms"), ("事象", "symptoms"), ("Symptoms", "symptoms"), ("原因", "cause")):
        assert section_type(heading, "ja") == kind
    for heading, kind in (("対処方法", "resolution"), ("解決策", "resolution"), ("Solution", "resolution"), ("回避策", "workaround")):
        assert section_type(heading, "ja") == kind
    assert section_type("補足", "ja") == section_type("備考", "ja") == section_type("Notes:", "en") == "notes"
    assert section_type("発生条件", "ja") == section_type("conditions", "en") == "conditions"
    assert section_type("関連項目", "ja") is None and section_type("FAQ", "en") is None


def test_section_table_matches_the_loader() -> None:
    model = pytest.importorskip("kb.content.model")
    if not hasattr(model, "section_kind"):
        pytest.skip("the loader has no heading table")
    for table in SECTION_ALIASES.values():
        for heading, kind in table.items():
            assert model.section_kind(heading) == kind, heading
    for kind, headings in getattr(model, "SECTION_HEADINGS", {}).items():
        for heading in headings:
            assert section_type(heading) == kind, heading


def test_small_helpers() -> None:
    assert parse_date("4/14/2021") == parse_date("2021-04-14T10:00:00Z") == parse_date("2021年4月14日") == "2021-04-14"
    assert parse_date("14/04/2021") is None and parse_date("soon") is None
    assert slugify("Run Windows memory diagnostics -in-Windows 10") == "run-windows-memory-diagnostics-in-windows-10"
    assert slugify("障害") == ""
    assert detect_lang("ディスクの空き容量がなくなります。Windows Server 2019") == "ja"
    assert detect_lang("The disk is full. 詳細") == "en"


# --- messages --------------------------------------------------------------------------------------


def test_messages_extracted(content: Path) -> None:
    rep = import_articles(JSONL, content)
    msgs = adv(content / "spooler-crash")["messages"]
    texts = [m["text"] for m in msgs]
    # the timestamp prefix is dropped, the GUID is a slot with the original as example, the code stays literal
    assert texts[0] == "ERROR Spooler: RPC call failed with 0x800706BA for job {{guid:guid={0F3B6A2E-4C1D-4E8B-9A77-2B5C8D1E6F90}}}"
    assert msgs[0]["id"] == "0x800706ba" and msgs[0]["kind"] == "app-log"
    # literal braces are doubled
    assert texts[1] == "ERROR: Template {{{{name}}}} could not be rendered by the spooler service"
    assert Template.parse(texts[1]).placeholders == () and Template.parse(texts[1]).render() == texts[1].replace("{{{{", "{{").replace("}}}}", "}}")
    # the command line with an error code is not a message (reported as skipped)
    res = next(a for a in rep.articles if a.id == "spooler-crash")
    assert len(res.skipped_messages) == 1 and res.skipped_messages[0].startswith("looks like a command")
    # a whole message in an inline code span
    d = adv(content / "driver-reinstall")["messages"]
    assert d == [
        {
            "id": "aadsts50076",
            "kind": "app-log",
            "text": "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication",
        }
    ]
    for m in msgs + d:
        assert template_problems(Template.parse(m["text"])) == []


def test_build_template_rules() -> None:
    tpl, kind, hint = build_template(
        "2016-01-09 02:02:12Z AADSTS70011: The provided value for scope is not valid. Trace ID: 255d1aef8c98452fac5123d051240864"
    )  # type: ignore[misc]
    assert tpl == "AADSTS70011: The provided value for scope is not valid. Trace ID: {{id:word=255d1aef8c98452fac5123d051240864}}"
    assert hint == "aadsts70011" and kind == "app-log"
    tpl, kind, hint = build_template("The remote server returned an error: (401) Unauthorized for mailbox user@contoso.com")  # type: ignore[misc]
    assert "{{user:word=user@contoso.com}}" in tpl and "(401) Unauthorized" in tpl and kind == "http" and hint == "http-401"
    tpl, kind, hint = build_template("550 5.7.1 Delivery not authorized, message refused by the recipient organization")  # type: ignore[misc]
    assert tpl.startswith("550 5.7.1 Delivery") and hint == "550-5-7-1"
    # not messages: too short to identify anything, or only values
    assert isinstance(build_template("Error: {0F3B6A2E-4C1D-4E8B-9A77-2B5C8D1E6F90}"), str)


def test_command_and_config_lines_are_not_messages(content: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "cmds.md").write_text(
        "---\ntitle: Commands\nlang: en\n---\n\n```\n"
        "PS C:\\> Get-MsolUser -UserPrincipalName user@contoso.com | Where { $_.Error -eq 'AADSTS50076' }\n"
        "netsh winhttp reset proxy 0x80072EFD error: proxy\n"
        "error_code = 0x80070005 # retry limit\n"
        '"error": "invalid_scope", "error_description": "AADSTS70011: The provided value is not valid"\n'
        "```\n",
        "utf-8",
    )
    rep = import_articles(src, content)
    assert "messages" not in adv(content / "cmds")
    assert len(rep.articles[0].skipped_messages) == 4


# --- re-runs ---------------------------------------------------------------------------------------


def test_rerun_unchanged_writes_nothing(content: Path) -> None:
    import_articles(JSONL, content)
    before = {p: p.stat().st_mtime_ns for p in content.rglob("*")}
    rep = import_articles(JSONL, content)
    assert (rep.new, rep.updated, rep.unchanged) == (0, 0, 2)
    assert {p: p.stat().st_mtime_ns for p in content.rglob("*")} == before


def copy_source(tmp_path: Path, name: str = "suffix") -> Path:
    src = tmp_path / "src"
    shutil.copytree(FIX / name, src)
    return src


def test_rerun_updated_when_the_source_changed(content: Path, tmp_path: Path) -> None:
    src = copy_source(tmp_path)
    import_articles(src, content)
    art = src / "vpn-timeout.en.md"
    art.write_text(art.read_text("utf-8").replace("30 seconds.\n\n##", "30 seconds, every time.\n\n##"), "utf-8")
    rep = import_articles(src, content)
    assert outcome(rep, "vpn-timeout") == "updated" and outcome(rep, "collect-logs") == "unchanged"
    assert "every time" in (content / "vpn-timeout" / "en.md").read_text("utf-8")
    book = json.loads((content / "vpn-timeout" / BOOKKEEPING).read_text("utf-8"))
    assert book["files"]["en.md"] == "sha256:" + hashlib.sha256((content / "vpn-timeout" / "en.md").read_bytes()).hexdigest()
    assert set(book["files"]) == {"advisory.yaml", "ja.md", "en.md", "assets/keepalive.svg"}
    assert book["source"]["key"] == "vpn-timeout" and book["source_hash"].startswith("sha256:")


def test_rerun_keeps_hand_edits_unless_forced(content: Path, tmp_path: Path) -> None:
    src = copy_source(tmp_path)
    import_articles(src, content)
    edited = content / "vpn-timeout" / "ja.md"
    edited.write_text(edited.read_text("utf-8") + "\n手で書き足した段落。\n", "utf-8")
    art = src / "vpn-timeout.en.md"
    art.write_text(art.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    rep = import_articles(src, content)
    res = next(a for a in rep.articles if a.id == "vpn-timeout")
    assert res.outcome == "kept" and "edited by hand" in res.reason and "--force" in res.reason
    assert "手で書き足した段落" in edited.read_text("utf-8") and "One more line" not in (content / "vpn-timeout" / "en.md").read_text("utf-8")
    rep = import_articles(src, content, force=True)
    assert outcome(rep, "vpn-timeout") == "updated"
    assert "手で書き足した段落" not in edited.read_text("utf-8") and "One more line" in (content / "vpn-timeout" / "en.md").read_text("utf-8")


def test_rerun_never_touches_a_folder_import_did_not_make(content: Path, tmp_path: Path) -> None:
    mine = content / "vpn-timeout"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("hand-made\n", "utf-8")
    before = fingerprint(content)
    rep = import_articles(FIX / "suffix", content)
    res = next(a for a in rep.articles if a.key == "vpn-timeout")
    assert res.outcome == "skipped" and "not made by kb import" in res.reason
    assert fingerprint(mine) == {k.split("/", 1)[1]: v for k, v in before.items() if k.startswith("vpn-timeout/")}
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    # an error at the article's file, so that the import says it left something out (exit 3)
    (problem,) = rep.errors
    assert Path(problem.path).name.startswith("vpn-timeout.") and "not imported" in problem.message
    # the link to it is not a kb: link to someone else's advisory
    _, back = front(content / "collect-logs" / "ja.md")
    assert "kb:" not in back and "VPN の記事に戻る (./vpn-timeout.md)" in back


def test_rerun_keeps_files_added_by_hand_and_reports_gone_articles(content: Path, tmp_path: Path) -> None:
    src = copy_source(tmp_path)
    import_articles(src, content)
    (content / "vpn-timeout" / "review.txt").write_text("checked\n", "utf-8")
    art = src / "vpn-timeout.ja.md"
    art.write_text(art.read_text("utf-8") + "\n追記。\n", "utf-8")
    (src / "collect-logs.ja.md").unlink()
    rep = import_articles(src, content)
    assert outcome(rep, "vpn-timeout") == "updated"
    assert (content / "vpn-timeout" / "review.txt").read_text("utf-8") == "checked\n"  # carried over
    assert rep.gone == ["collect-logs"] and (content / "collect-logs" / "ja.md").exists()  # reported, not deleted


def test_an_advisory_deleted_after_import_stays_deleted_unless_forced(content: Path, tmp_path: Path) -> None:
    """A folder deleted by hand is an edit by hand: the next import leaves its article out (it came
    back as "new", silently), the links to it become text; --force imports it again, under its id."""
    from kb.importer.bookkeeping import LEDGER

    src = copy_source(tmp_path)
    import_articles(src, content)
    assert (content / LEDGER).is_file()
    shutil.rmtree(content / "vpn-timeout")
    for _run in range(2):
        rep = import_articles(src, content)
        res = next(a for a in rep.articles if a.key == "vpn-timeout")
        assert (res.id, res.outcome) == ("vpn-timeout", "kept") and "deleted" in res.reason and "--force" in res.reason
        assert not (content / "vpn-timeout").exists() and not rep.errors
    _, back = front(content / "collect-logs" / "ja.md")
    assert "kb:" not in back and "VPN の記事に戻る" in back  # (no link to an advisory that is not there)
    advisories, problems = load(content)
    assert [a.id for a in advisories] == ["collect-logs"] and not [p for p in problems if p.severity == "error"]
    rep = import_articles(src, content, force=True)
    res = next(a for a in rep.articles if a.key == "vpn-timeout")
    assert (res.id, res.outcome) == ("vpn-timeout", "new") and any("deleted" in n for n in res.notes)
    assert (content / "vpn-timeout" / "ja.md").is_file()
    _, back = front(content / "collect-logs" / "ja.md")
    assert "kb:vpn-timeout" in back
    assert outcome(import_articles(src, content), "vpn-timeout") == "unchanged"


def test_the_ledger_is_written_only_when_something_changes_and_never_in_a_dry_run(content: Path, tmp_path: Path) -> None:
    from kb.importer.bookkeeping import LEDGER

    src = copy_source(tmp_path)
    import_articles(src, content, dry_run=True)
    assert not content.exists() or not (content / LEDGER).exists()
    import_articles(src, content)
    ledger = json.loads((content / LEDGER).read_text("utf-8"))
    assert sorted(ledger["advisories"]) == ["collect-logs", "vpn-timeout"]
    assert {v["key"] for v in ledger["advisories"].values()} == {"collect-logs", "vpn-timeout"}
    stamp = (content / LEDGER).stat().st_mtime_ns
    import_articles(src, content)
    assert (content / LEDGER).stat().st_mtime_ns == stamp
    # an unreadable ledger takes nothing for deleted (and is written again whole)
    (content / LEDGER).write_text("{not json", "utf-8")
    shutil.rmtree(content / "vpn-timeout")
    assert outcome(import_articles(src, content), "vpn-timeout") == "new"
    assert sorted(json.loads((content / LEDGER).read_text("utf-8"))["advisories"]) == ["collect-logs", "vpn-timeout"]


def test_a_ledger_that_cannot_be_written_is_a_warning_and_the_folders_stay(content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.importer.run as run

    def full(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run, "write_ledger", full)
    rep = import_articles(copy_source(tmp_path), content)
    assert rep.new == 2 and not rep.errors
    (warning,) = [p for p in rep.problems if "cannot write" in p.message]
    assert warning.severity == "warning" and "No space left" in warning.message and "may come back" in warning.message
    assert (content / "vpn-timeout" / "ja.md").is_file()


def test_jsonl_lines_too_long_doubled_keys_and_fields_of_the_wrong_type_are_reported(content: Path, tmp_path: Path) -> None:
    """A line over the article limit is skipped without being read whole; a key given twice and a
    field import cannot use (a number for a summary, an object for a vendor) are said, not dropped
    in silence."""
    src = tmp_path / "odd.jsonl"
    long_body = "x" * (MAX_SOURCE_BYTES + 10)
    src.write_text(
        json.dumps({"id": "big", "lang": "en", "title": "Big", "body": long_body})
        + "\n"
        + '{"id": "twice", "id": "twice-2", "lang": "en", "title": "Twice", "body": "Body."}\n'
        + json.dumps({"id": "typed", "lang": "en", "title": "Typed", "summary": 123, "vendor": {"name": "Acme"}, "body": "Body."})
        + "\n",
        "utf-8",
    )
    rep = import_articles(src, content)
    assert [(p.line, p.severity, p.message.split(";")[0]) for p in rep.problems] == [
        (1, "error", f"line is over {MAX_SOURCE_BYTES:,} bytes, kb's limit for one article"),
        (2, "warning", "the object has key 'id' twice"),
    ]
    assert [(a.id, a.outcome) for a in rep.articles] == [("twice-2", "new"), ("typed", "new")]
    typed = next(a for a in rep.articles if a.id == "typed")
    assert typed.unmapped == ["summary (a JSON int, not text)", "vendor (a JSON dict, not text)"]
    assert "vendor" not in adv(content / "typed")


def test_a_key_given_twice_in_markdown_front_matter_is_said(content: Path, tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys: the first title or date was lost in silence."""
    src = tmp_path / "export"
    src.mkdir()
    (src / "printer.en.md").write_text(
        "---\ntitle: Printer stops\ndate: 2024-01-02\ntags: [a]\ntitle: Printer stops printing\ndate: 2024-02-03\n---\nThe printer stops.\n", "utf-8"
    )
    (src / "plain.en.md").write_text("---\ntitle: Plain\nextra: {a: 1, b: 2}\n---\nBody.\n", "utf-8")
    rep = import_articles(src, content)
    assert [(Path(p.path).name, p.line, p.severity, p.message) for p in rep.problems if "twice" in p.message] == [
        ("printer.en.md", 5, "warning", "the front matter has key 'title', 'date' twice; the last value was kept")
    ]
    assert sorted((a.id, a.outcome) for a in rep.articles) == [("plain", "new"), ("printer", "new")]
    fm, _ = front(content / "printer" / "en.md")
    assert fm["title"] == "Printer stops printing"


def test_a_json_array_export_is_read_like_json_lines_and_an_empty_source_is_said(content: Path, tmp_path: Path) -> None:
    """`jq .` and most export tools write one array over many lines: its articles are imported,
    each problem at the line its element starts on. A source without articles says so."""
    rows = [
        {"id": "a1", "lang": "en", "title": "Printer fault", "body": "The printer stops."},
        {"id": "a2", "lang": "xx", "title": "Bad language", "body": "x"},
        {"id": "a3", "lang": "ja", "title": "プリンターの故障", "body": "印刷が止まる。"},
    ]
    src = tmp_path / "export.json"
    text = json.dumps(rows, indent=2, ensure_ascii=False)
    src.write_text(text, "utf-8")
    rep = import_articles(src, content)
    assert [(a.id, a.outcome) for a in rep.articles] == [("a1", "new"), ("a3", "new")]
    (problem,) = rep.errors
    assert problem.line == text.split("\n").index("  {", 2) + 1 and "language 'xx'" in problem.message
    assert import_articles(src, content).unchanged == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", "utf-8")
    rep = import_articles(empty, content)
    assert [(p.severity, p.message) for p in rep.problems] == [("warning", "no articles found: nothing to import")]


def test_a_key_imported_from_another_file_is_never_doubled_silently(content: Path, tmp_path: Path) -> None:
    """Last month's export is still there and this month's has the same ids: by default those articles
    are reported at their lines and left out (exit 3); --other-source says whether the new file
    updates them or adds other advisories."""
    rows = [{"id": f"a{n}", "lang": "en", "title": f"Printer fault {n}", "body": f"The printer stops with fault {n}."} for n in (1, 2)]
    old, new = tmp_path / "kb-2026-11.jsonl", tmp_path / "kb-2026-12.jsonl"
    old.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    rows[1]["body"] = "The printer stops with fault 2; replace the drum."
    new.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    assert kb_main(["import", str(old), "--content", str(content)]) == 0
    before = fingerprint(content)
    rep = import_articles(new, content)
    assert [(a.id, a.outcome) for a in rep.articles] == [("a1", "skipped"), ("a2", "skipped")]
    assert [(Path(p.path).name, p.line) for p in rep.errors] == [("kb-2026-12.jsonl", 1), ("kb-2026-12.jsonl", 2)]
    assert "imported before from" in rep.errors[0].message and "--other-source update" in rep.errors[0].hint
    assert fingerprint(content) == before
    assert kb_main(["import", str(new), "--content", str(content)]) == 3
    rep = import_articles(new, content, other_source="update")
    assert [(a.id, a.outcome) for a in rep.articles] == [("a1", "updated"), ("a2", "updated")]  # (a1: its record names the new file)
    assert json.loads((content / "a1" / ".kb-import.json").read_text("utf-8"))["source"]["path"] == str(new.resolve())
    assert sorted(p.name for p in content.iterdir() if not p.name.startswith(".")) == ["a1", "a2"] and "replace the drum" in (
        content / "a2" / "en.md"
    ).read_text("utf-8")
    again = tmp_path / "other-kb.jsonl"
    again.write_text(old.read_text("utf-8"), "utf-8")
    assert kb_main(["import", str(again), "--content", str(content), "--other-source", "add"]) == 0
    assert sorted(p.name for p in content.iterdir() if not p.name.startswith(".")) == ["a1", "a1-2", "a2", "a2-2"]
    with pytest.raises(ValueError):
        import_articles(new, content, other_source="merge")


def test_ids_are_stable_and_unique(content: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    for folder in ("b", "a"):
        (src / folder).mkdir(parents=True)
        (src / folder / "setup.md").write_text(f"---\ntitle: Setup {folder}\nlang: en\n---\n\nText {folder}.\n", "utf-8")
    import_articles(src, content)
    assert sorted(p.name for p in content.iterdir() if not p.name.startswith(".")) == ["b-setup", "setup"]  # a/setup sorts first
    assert "Setup a" in (content / "setup" / "en.md").read_text("utf-8")
    (src / "0").mkdir()
    (src / "0" / "setup.md").write_text("---\ntitle: Setup 0\nlang: en\n---\n\nText 0.\n", "utf-8")
    rep = import_articles(src, content)
    assert "Setup a" in (content / "setup" / "en.md").read_text("utf-8")  # the earlier id stays with its article
    assert outcome(rep, "0-setup") == "new" and rep.unchanged == 2


def test_interrupted_import_is_recovered(content: Path, tmp_path: Path) -> None:
    src = copy_source(tmp_path)
    import_articles(src, content)
    # an import killed between its two renames: the old folder aside, the new one half-written
    os.rename(content / "vpn-timeout", content / ".kb-import-vpn-timeout.999.old")
    (content / ".kb-import-collect-logs.999.tmp").mkdir()
    (content / ".kb-import-collect-logs.999.tmp" / "ja.md").write_text("half", "utf-8")
    (content / ".kb-imported.json.999.tmp").write_text('{"half', "utf-8")  # (and its ledger half written)
    rep = import_articles(src, content)
    assert rep.unchanged == 2
    assert sorted(p.name for p in content.iterdir()) == [".kb-imported.json", "collect-logs", "vpn-timeout"]


def test_failed_write_leaves_the_old_folder(content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = copy_source(tmp_path)
    import_articles(src, content)
    before = fingerprint(content)
    art = src / "vpn-timeout.ja.md"
    art.write_text(art.read_text("utf-8") + "\n追記。\n", "utf-8")
    real_rename = os.rename

    def failing(a, b):
        if str(a).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real_rename(a, b)

    monkeypatch.setattr(os, "rename", failing)
    rep = import_articles(src, content)
    assert outcome(rep, "vpn-timeout") == "skipped" and rep.errors
    assert fingerprint(content) == before


# --- dry run and command line ----------------------------------------------------------------------


def test_dry_run_writes_nothing(content: Path, tmp_path: Path) -> None:
    rep = import_articles(JSONL, content, dry_run=True)
    assert not content.exists() and rep.new == 2 and rep.dry_run
    assert rep.summary()[0].startswith("dry run: nothing written")
    src = copy_source(tmp_path)
    import_articles(src, content)
    art = src / "vpn-timeout.ja.md"
    art.write_text(art.read_text("utf-8") + "\n追記。\n", "utf-8")
    before = fingerprint(content)
    rep = import_articles(src, content, dry_run=True, force=True)
    assert outcome(rep, "vpn-timeout") == "updated" and fingerprint(content) == before


def test_vendor_option(content: Path) -> None:
    import_articles(FIX / "plain", content, vendor="Acme")
    assert adv(content / "disk-full")["vendor"] == "Acme"


def test_cli(content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kb_main(["import", str(FIX / "suffix"), "--content", str(content), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "dry run: nothing written" in out.out and not content.exists()
    assert kb_main(["import", str(FIX / "suffix"), "--content", str(content), "--vendor", "Acme"]) == 0
    out = capsys.readouterr()
    assert "new 2" in out.out and adv(content / "vpn-timeout")["vendor"] == "Acme"
    assert kb_main(["--content", str(content), "import", str(FIX / "suffix"), "--vendor", "Acme"]) == 0
    assert "unchanged 2" in capsys.readouterr().out
    # content problems in the source: exit 3, file:line on stderr, the rest imported
    assert kb_main(["import", str(JSONL), "--content", str(content)]) == 3
    out = capsys.readouterr()
    assert "kb.jsonl:3: error: not valid JSON" in out.err and "hint:" in out.err and "Traceback" not in out.err
    assert (content / "spooler-crash" / "ja.md").exists()
    # usage errors: exit 2
    assert kb_main(["import", str(tmp_path / "missing.jsonl"), "--content", str(content)]) == 2
    assert "does not exist" in capsys.readouterr().err
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x", "utf-8")
    assert kb_main(["import", str(FIX / "plain"), "--content", str(not_a_folder)]) == 2
    assert kb_main(["import", str(not_a_folder), "--content", str(content)]) == 2
    # a kept article is said on stderr
    edited = content / "vpn-timeout" / "ja.md"
    edited.write_text(edited.read_text("utf-8") + "\nedit\n", "utf-8")
    assert kb_main(["import", str(FIX / "suffix"), "--content", str(content), "--vendor", "Other"]) == 0
    assert "vpn-timeout: kept (edited by hand: ja.md; --force to overwrite)" in capsys.readouterr().err


def test_import_refuses_an_index_or_a_site_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A site or an index is replaced whole by the next build: an import into one (or into a folder
    inside one) would be lost with it, so it is refused (exit 2) before anything is written."""
    real = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parents[1] / "content", real)
    site, index = tmp_path / "site", tmp_path / "index"
    assert kb_main(["--content", str(real), "--index", str(index), "build", "--site", str(site)]) == 0
    capsys.readouterr()
    for target in (site, index, site / "sub" / "deeper"):
        before = fingerprint(tmp_path)
        assert kb_main(["import", str(FIX / "suffix"), "--content", str(target)]) == 2
        err = capsys.readouterr().err
        assert "a folder kb made for an index or a site" in err and "Traceback" not in err
        assert fingerprint(tmp_path) == before
    with pytest.raises(UnsafeTarget):
        import_articles(FIX / "suffix", site)


def test_bad_input_never_crashes(content: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "anchors.md").write_text("---\na: &x [1]\nb: *x\n---\nbody\n", "utf-8")
    (src / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", "utf-8")
    (src / "sjis.md").write_bytes("---\ntitle: 文字\n---\n本文\n".encode("cp932"))
    (src / "no-title.md").write_text("no heading, no front matter\n", "utf-8")
    (src / "fine.md").write_text('---\ntitle: Fine\n---\n\n<a name="top"></a>Write `<a name="x"></a>` to make an anchor.\n', "utf-8")
    rep = import_articles(src, content)
    assert [a.id for a in rep.articles if a.outcome == "new"] == ["fine"]
    lines = {Path(p.path).name: p.line for p in rep.errors}
    assert set(lines) == {"anchors.md", "broken.md", "sjis.md", "no-title.md"}
    assert front(content / "fine" / "en.md")[1].strip() == 'Write `<a name="x"></a>` to make an anchor.'  # code spans untouched
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_bytes(
        b'[1, 2]\n{"id": "a", "lang": "de", "title": "T", "body": "B"}\n\xff\xfe\n{"id": "ok", "lang": "en", "title": "OK", "body": "x"}\n'
    )
    rep = import_articles(jsonl, content)
    assert sorted(p.line for p in rep.errors) == [1, 2, 3] and outcome(rep, "ok") == "new"


# --- the loader accepts what import writes ---------------------------------------------------------


def test_imported_content_passes_check(content: Path) -> None:
    """Everything import writes must load without errors. (Needs the loader that accepts articles
    without cases, single languages, free-form sections, open message kinds, {{{{ escapes and assets/.)"""
    for source in SOURCES:
        import_articles(source, content)
    advisories, problems = load(content)
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert len(advisories) == 9
