"""The real-text relevance sets on the real corpus, for tests/test_parity_realtext.py.

The corpus is ``../shared/corpora/alchemy-insights-ja.jsonl`` beside the clone (``KB_CORPORA``: another
folder): 2,829 Japanese articles, CC BY 4.0 © Microsoft Corporation (see that folder's README). They
are NEVER stored in the repository: :func:`realtext_corpus` imports them (``kb import``) into a
temporary folder at test time, builds the Python index there and, at the same time in a second
process, what the Node runner reads of a site (static/kbsearch.js and search/, the lexicon included:
``tests.test_parity_node.search_files``, as ``kb.site.pages.write_site`` writes them). The queries are
ours: bench/realtext/queries.yaml (development) and heldout.yaml (held out), ids and query text only.

    python -m tests.parity.realtext CONTENT FOLDER   # the browser's files of CONTENT into FOLDER (the second process)
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from kb.api import KnowledgeBase
from kb.content.load import load_or_raise
from kb.importer import import_articles

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPORA = Path(os.environ.get("KB_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora")
CORPUS = CORPORA / "alchemy-insights-ja.jsonl"
SETS = {
    "development": PROJECT_ROOT / "bench" / "realtext" / "queries.yaml",
    "held out": PROJECT_ROOT / "bench" / "realtext" / "heldout.yaml",
}

# a first hit as the parity tests compare it: (advisory, case, confidence), None for no hit
First = tuple[str, str, str] | None


def first_hit(hits) -> First:
    """The first of ``hits`` (kb.search's hits or run_parity.js's dicts) as (advisory, case, confidence)."""
    if not hits:
        return None
    h = hits[0]
    return (h["id"], h["case"], h["confidence"]) if isinstance(h, dict) else (h.id, h.case, h.confidence)


def load_sets() -> dict[str, list[str]]:
    """Set name -> its queries, in file order (one query, an NDR line, is in both sets)."""
    out: dict[str, list[str]] = {}
    for name, path in SETS.items():
        data = yaml.safe_load(path.read_text("utf-8"))
        out[name] = [item["q"] for item in (data["queries"] if isinstance(data, dict) else data)]
    return out


def corpus_or_skip() -> Path:
    """The corpus; a missing one skips the test (with the reason) outside CI and fails it in CI."""
    if not CORPUS.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"real corpus not found at {CORPUS}: CI needs ../shared/corpora beside the clone (or KB_CORPORA)")
        pytest.skip(f"real corpus not found at {CORPUS} (set KB_CORPORA): the real-text parity test needs it")
    return CORPUS


@dataclass
class RealText:
    base: KnowledgeBase  # the imported corpus and its index
    site: Path  # static/kbsearch.js and search/ of its site


def realtext_corpus(tmp: Path, corpus: Path) -> RealText:
    """``kb import`` of ``corpus`` into ``tmp/content``, then its index (this process) and its
    browser index (another process, so that both cores work)."""
    content, site = tmp / "content", tmp / "site"
    report = import_articles(corpus, content)
    assert report.new > 1000, f"kb import brought only {report.new} articles in"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.parity.realtext", str(content), str(site)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    try:
        base = KnowledgeBase(content, tmp / "index")
        base.build()
        out, _ = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"building the browser index of the real corpus failed:\n{out[-3000:]}"
    return RealText(base, site)


def write_browser_files(content: Path, folder: Path) -> Path:
    """What the Node runner reads of the site of ``content``: static/kbsearch.js and search/."""
    from tests.test_parity_node import search_files

    return search_files(load_or_raise(content), folder)


if __name__ == "__main__":
    write_browser_files(Path(sys.argv[1]), Path(sys.argv[2]))
