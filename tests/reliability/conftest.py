"""Fixtures for the reliability tests: a private copy of the bundled content with a built index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kbrun import REPO, run_kb


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The bundled content with an index and a site, built once; tests copy it (see ``kb_home``)."""
    root = tmp_path_factory.mktemp("built")
    shutil.copytree(REPO / "content", root / "content")
    r = run_kb("build", cwd=root)
    assert r.returncode == 0, r.stderr
    return root


@pytest.fixture
def kb_home(built: Path, tmp_path: Path) -> Path:
    """A folder with content/, index/ and site/ of its own; kb runs there with the defaults."""
    home = tmp_path / "home"
    shutil.copytree(built, home, symlinks=True)
    return home
