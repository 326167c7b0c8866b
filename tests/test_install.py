"""Installed like a library: a plain (non-editable) install into a fresh virtualenv works from any
folder, with explicit paths and with the documented defaults (./content, ./index, ./site)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "PYTHON"))}
    r = subprocess.run(cmd, cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (cmd, r.stdout[-2000:], r.stderr[-2000:])
    return r


def test_a_plain_install_works_from_another_folder(tmp_path: Path):
    # A wheel, as `pip install .` builds it (no build isolation: nothing is downloaded) ...
    src = tmp_path / "src"
    anywhere = shutil.ignore_patterns("*.egg-info", "__pycache__", ".pytest_cache")
    top_level = {".git", ".venv", "index", "site", "build", "bench", "tests"}  # (kb/site/ is a package)

    def ignore(folder: str, names: list[str]) -> set[str]:
        return set(anywhere(folder, names)) | (top_level & set(names) if Path(folder) == REPO else set())

    shutil.copytree(REPO, src, ignore=ignore)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheels"), str(src)], cwd=tmp_path)
    wheel = next((tmp_path / "wheels").glob("kb_advisories-*.whl"))
    # ... installed into a fresh virtualenv whose only other packages are kb's dependencies (this
    # environment's site-packages, added by a .pth file: the editable install of kb there is not seen).
    venv = tmp_path / "venv"
    _run([sys._base_executable, "-m", "venv", str(venv)], cwd=tmp_path)
    py = venv / "bin" / "python"
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path).stdout.strip())
    (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp_path)

    work = tmp_path / "work"
    shutil.copytree(REPO / "content", work / "content")
    kb_cmd = str(venv / "bin" / "kb")
    assert "2 advisories" in _run([kb_cmd, "check"], cwd=work).stdout  # ./content by default
    _run([kb_cmd, "build"], cwd=work)
    assert (work / "index" / ".kb-index").is_file() and (work / "site" / "index.html").is_file()
    assert "trendmicro-tmcm-tmi-not-ready" in _run([kb_cmd, "search", "errcode=-107"], cwd=work).stdout

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import kb, sys; assert 'site-packages' in kb.__file__, kb.__file__; "
        f"base = kb.open({str(work / 'content')!r}, {str(work / 'index')!r}); "
        "hit = base.search('PGT20146F2')[0]; print(hit.id, hit.case, hit.confidence)"
    )
    assert _run([str(py), "-c", script], cwd=elsewhere).stdout.split() == ["fujitsu-tx200ft-ms05-018", "win2003", "exact"]
    r = _run([kb_cmd, "search", "KB890859", "--content", str(work / "content"), "--index", str(work / "index")], cwd=elsewhere)
    assert "fujitsu-tx200ft-ms05-018" in r.stdout
    assert sorted(p.name for p in elsewhere.iterdir()) == []  # searching wrote nothing there
