"""The content model for real knowledge bases: one language or two, articles without cases,
free-form sections, brace escapes, open message kinds, assets and outdated translations."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb
from kb.content.load import load, prose_fingerprint
from kb.content.model import IMPLICIT_CASE, Template, section_kind
from kb.render_text import advisory_text
from kb.text.templates import TemplateEntry, TemplateMatcher


def write(root: Path, folder: str, files: dict[str, str]) -> Path:
    d = root / folder
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text, "utf-8")
    return d


JA_ONLY = {
    "advisory.yaml": """\
id: acme-mail-stuck
vendor: Acme
products:
  - name: Acme Mail
messages:
  - id: relay-denied
    kind: app-log
    text: "SmtpRelayDenied: relay for {{rcpt:word}} refused by policy ACME-77 {{{{tenant}}}}"
""",
    "ja.md": """\
---
title: 送信トレイにメールが残り送信されない
---

大きな添付ファイルを付けたメールが送信トレイに滞留することがあります。

## 症状

メールが送信されず、送信トレイに残ります。

## 背景情報

クォータ超過の際に、キューの再試行が打ち切られます。![送信トレイの画面](assets/outbox.png)

## 対処方法

1. 添付ファイルを削除します。
2. 再送信します。
""",
    "assets/outbox.png": "not really a png",
}

EN_ONLY = {
    "advisory.yaml": "id: acme-export-contacts\n",
    "en.md": """\
---
title: How to export contacts from Acme Mail
---

Contacts can be exported to a spreadsheet from the settings page.

Export procedure
----------------

1. Open Settings.
2. Choose Export and pick comma-separated values.

- # this line is text in a list, not a heading
""",
}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write(root, "acme-mail-stuck", JA_ONLY)
    write(root, "acme-export-contacts", EN_ONLY)
    return root


def test_single_language_articles_without_cases_load_clean(content: Path):
    advisories, problems = load(content)
    assert [str(p) for p in problems] == []
    by_id = {a.id: a for a in advisories}
    ja, en = by_id["acme-mail-stuck"], by_id["acme-export-contacts"]
    assert ja.langs == ("ja",) and en.langs == ("en",)
    assert en.vendor == "" and en.products == () and en.summary == {"en": ""}
    for adv in (ja, en):
        assert adv.case_ids == (IMPLICIT_CASE,) and adv.cases[0].implicit and adv.cases[0].applies_to == ()
    assert ja.intro["ja"].startswith("大きな添付ファイル")
    sections = ja.cases[0].text["ja"].sections
    assert [(s.heading, s.kind) for s in sections] == [("症状", "symptoms"), ("背景情報", None), ("対処方法", "resolution")]
    assert ja.cases[0].text["ja"].symptoms.startswith("メールが送信されず")
    assert [s.text for s in ja.cases[0].text["ja"].steps[0].steps] == ["添付ファイルを削除します。", "再送信します。"]
    # a setext heading is a free-form section; its numbered list gives a how-to's steps
    ct = en.cases[0].text["en"]
    assert [(s.heading, s.kind) for s in ct.sections] == [("Export procedure", None)]
    assert not ct.sections[0].markdown.startswith("---") and "# this line is text" in ct.sections[0].markdown
    assert ct.steps[0].steps[0].text == "Open Settings."


@pytest.mark.parametrize(
    ("heading", "kind"),
    [("症状", "symptoms"), ("現象", "symptoms"), ("Symptoms:", "symptoms"), ("原因", "cause"), ("解決策", "resolution"), ("Solution", "resolution")]
    + [("回避策", "workaround"), ("Workaround", "workaround"), ("備考", "notes"), ("発生条件", "conditions"), ("背景", None), ("FAQ", None)],
)
def test_heading_names_for_typed_sections(heading: str, kind: str | None):
    assert section_kind(heading) == kind


def test_brace_escapes_and_slots_at_either_end():
    t = Template.parse("{{user:word}} said {{{{ok}}}} to ACME-GATEWAY-9 after {{n:number}}")
    assert t.render() == "user said {{ok}} to ACME-GATEWAY-9 after n"
    assert [p.name for p in t.placeholders] == ["user", "n"]
    matcher = TemplateMatcher([TemplateEntry("a", "main", "m", "en", "app-log", t.source)])
    (m,) = matcher.match("14:02 bob said {{ok}} to ACME-GATEWAY-9 after 30")
    assert m.full and m.slots["n"] == "30" and m.slots["user"].endswith("bob")
    assert Template.stray_braces("a {{ b") == [2] and Template.stray_braces("a {{{{ b }}}} {{x}}") == []


def test_a_stray_brace_is_one_error_with_the_escape_hint(content: Path):
    y = content / "acme-mail-stuck" / "advisory.yaml"
    y.write_text(y.read_text("utf-8").replace("{{{{tenant}}}}", "{{tenant"), "utf-8")
    errors = [p for p in load(content)[1] if p.severity == "error"]
    assert len(errors) == 1 and errors[0].line == 8
    assert "neither a placeholder nor an escape" in errors[0].message and "'{{{{'" in errors[0].hint


def test_message_kinds_are_open(content: Path):
    y = content / "acme-mail-stuck" / "advisory.yaml"
    y.write_text(y.read_text("utf-8").replace("kind: app-log", "kind: proxy-access-log"), "utf-8")
    advisories, problems = load(content)
    assert [str(p) for p in problems] == [] and len(advisories) == 2


def test_top_level_messages_need_an_advisory_without_cases(content: Path):
    y = content / "acme-mail-stuck" / "advisory.yaml"
    y.write_text(y.read_text("utf-8") + "cases:\n  - id: one\n", "utf-8")
    errors = [p for p in load(content)[1] if p.severity == "error"]
    assert any("top-level 'messages'" in e.message and e.line == 5 for e in errors)


def test_links_to_missing_or_outside_assets_are_reported_with_file_and_line(content: Path):
    md = content / "acme-mail-stuck" / "ja.md"
    md.write_text(md.read_text("utf-8").replace("assets/outbox.png", "assets/missing.png") + "\n[手順書](../other/guide.pdf)\n", "utf-8")
    errors = [p for p in load(content)[1] if p.severity == "error"]
    assert [(Path(e.path).name, e.line) for e in errors] == [("ja.md", 13), ("ja.md", 20)]
    assert "points nowhere" in errors[0].message and "assets/ folder" in errors[1].message


def test_outdated_translation_is_a_warning_with_the_new_stamp(tmp_path: Path):
    ja_md = "---\ntitle: ウィジェットの停止\n---\n\nウィジェットが止まる。\n"
    stamp = prose_fingerprint("ウィジェットの停止", "", "\nウィジェットが止まる。\n")
    en_md = f"---\ntitle: Widget stops\ntranslated_from: ja@{stamp}\n---\n\nThe widget stops.\n"
    d = write(tmp_path, "acme-widget", {"advisory.yaml": "id: acme-widget\n", "ja.md": ja_md, "en.md": en_md})
    assert load(tmp_path)[1] == []
    (d / "ja.md").write_text(ja_md + "\n再起動すると直る。\n", "utf-8")
    (warning,) = load(tmp_path)[1]
    assert warning.severity == "warning" and warning.path.endswith("en.md") and "may be outdated" in warning.message
    new = prose_fingerprint("ウィジェットの停止", "", "\nウィジェットが止まる。\n\n再起動すると直る。\n")
    assert f"translated_from: ja@{new}" in warning.hint


def test_search_finds_single_language_articles_and_says_the_language(content: Path, tmp_path: Path):
    base = kb.KnowledgeBase(content, tmp_path / "index")
    base.build()
    # an English paste of the message finds the Japanese-only article, shown in Japanese
    hits = base.search("SmtpRelayDenied: relay for carol@example.org refused by policy ACME-77 {{tenant}}", lang="en")
    assert hits[0].id == "acme-mail-stuck" and hits[0].lang == "ja" and hits.lang == "en"
    assert hits[0].confidence == "exact" and "carol@example.org" in hits[0].evidence[0].text
    # the introduction and a free-form section are searchable
    assert base.search("送信トレイ 滞留")[0].id == "acme-mail-stuck"
    assert base.search("キューの再試行が打ち切られる")[0].id == "acme-mail-stuck"
    # a Japanese query about the English-only how-to: answered in English, with its steps
    hit = base.search("export contacts spreadsheet", lang="ja")[0]
    assert (hit.id, hit.lang, hit.case) == ("acme-export-contacts", "en", IMPLICIT_CASE)
    assert hit.title == "How to export contacts from Acme Mail" and hit.steps[0] == "Open Settings."


def test_show_falls_back_to_the_language_written(content: Path):
    adv = {a.id: a for a in load(content)[0]}["acme-mail-stuck"]
    text = advisory_text(adv, "en")
    assert text.startswith("(This advisory is only in Japanese)") and "### 背景情報" in text and "## " not in text.replace("### ", "")


def test_case_ids_the_site_uses_for_its_own_elements_are_refused(tmp_path: Path):
    yaml_text = "id: acme-widget\ncases:\n  - id: kb-main\n"
    md = "---\ntitle: ウィジェット\n---\n\n# kb-main: 一つ目\n\n本文。\n"
    write(tmp_path, "acme-widget", {"advisory.yaml": yaml_text, "ja.md": md})
    errors = [p for p in load(tmp_path)[1] if p.severity == "error"]
    assert [(Path(e.path).name, e.line) for e in errors] == [("advisory.yaml", 3)] and "reserved" in errors[0].message
