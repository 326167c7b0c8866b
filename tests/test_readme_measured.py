"""README's "Measured" section is made from the figures the benchmarks recorded (bench/measured.json),
so it cannot show a figure no run measured, and its verdicts follow the figures."""

from __future__ import annotations

import copy
import json

import pytest

from bench import measured


def test_the_readme_shows_what_the_benchmarks_recorded():
    assert measured.main(["--check"]) == 0, "run .venv/bin/python bench/measured.py"


def test_every_part_of_the_readme_section_was_recorded():
    recorded = measured.load()
    for part in ("search", "realtext", "realtext-200", "site"):
        assert part in recorded, f"bench/measured.json has no {part!r}: run its benchmark"
    assert "10000" in recorded["search"]


@pytest.fixture()
def figures() -> dict:
    return copy.deepcopy(measured.load())


def rows_of(text: str, start: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| " + start)]


def test_a_goal_is_met_or_not_by_its_figure(figures):
    run = figures["search"]["10000"]
    run["engines"]["kb"]["multi_p95"] = measured.GOALS.warm_p95_ms - 0.5
    (row,) = rows_of(measured.render(figures), "multi-line paste")
    assert f"≤ {measured.GOALS.warm_p95_ms:g} ms: met" in row
    run["engines"]["kb"]["multi_p95"] = measured.GOALS.warm_p95_ms + 0.5
    (row,) = rows_of(measured.render(figures), "multi-line paste")
    assert f"≤ {measured.GOALS.warm_p95_ms:g} ms: **not met**" in row


def test_flat_means_at_most_the_allowed_growth_from_the_small_corpus(figures):
    run = figures["search"]["10000"]
    figures["search"].pop("30000", None)
    run["kb_answer_small_s"] = [0.1] * 5
    run["kb_answer_s"] = [0.1 * measured.GOALS.flat] * 5
    (row,) = rows_of(measured.render(figures), "`kb search` cold start")
    assert ": met (1.20x)" in row
    run["kb_answer_s"] = [0.1 * measured.GOALS.flat + 0.01] * 5
    (row,) = rows_of(measured.render(figures), "`kb search` cold start")
    assert "**not met**" in row


def test_growth_is_shown_only_between_runs_of_the_same_kb_sources(figures):
    if "30000" not in figures["search"]:
        figures["search"]["30000"] = copy.deepcopy(figures["search"]["10000"])
    figures["search"]["30000"]["kb_version"] = figures["search"]["10000"]["kb_version"]
    assert rows_of(measured.render(figures), "growth from 10,000 to 30,000")
    figures["search"]["30000"]["kb_version"] = "0000000; kb sources 0123456789"
    text = measured.render(figures)
    assert not rows_of(text, "growth from 10,000 to 30,000")
    assert "no run at 30,000 advisories of the same kb sources" in text


def test_recording_a_part_writes_the_readme_section_again(tmp_path, figures):
    path, readme = tmp_path / "measured.json", tmp_path / "README.md"
    path.write_text(json.dumps({k: v for k, v in figures.items() if k != "site"}), "utf-8")
    readme.write_text(f"# kb\n\n## Measured\n\n{measured.BEGIN}\nFIGURES OF A FORMER RUN\n{measured.END}\n\nAfter.\n", "utf-8")
    measured.record("site", figures["site"], path=path, readme=readme)
    text = readme.read_text("utf-8")
    assert json.loads(path.read_text("utf-8")) == figures
    assert measured.section_of(text) == measured.render(figures)
    assert text.startswith("# kb\n\n## Measured\n\n") and text.endswith(f"{measured.END}\n\nAfter.\n")
    assert "FIGURES OF A FORMER RUN" not in text


def test_a_readme_without_the_markers_is_refused():
    with pytest.raises(SystemExit):
        measured.with_section("# kb\n", "figures")
