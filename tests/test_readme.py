"""The README's examples run as written: every ``$ .venv/bin/kb ...`` line of its console blocks gives
the output printed under it (on a fresh index of the bundled content), so the session a newcomer
reads is the one they get."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
README = PROJECT_ROOT / "README.md"


def console_examples(markdown: str) -> list[tuple[str, str]]:
    """(command line, expected output) for every ``$ `` line of every ``console`` block."""
    examples: list[tuple[str, str]] = []
    for block in re.findall(r"^```console\n(.*?)^```", markdown, flags=re.M | re.S):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(output).strip("\n")))
                command, output = line[2:], []
            elif command is not None:
                output.append(line)
        if command is not None:
            examples.append((command, "\n".join(output).strip("\n")))
    return examples


EXAMPLES = console_examples(README.read_text("utf-8"))


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 2 and all(".venv/bin/kb " in cmd for cmd, _ in EXAMPLES)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(PROJECT_ROOT / "content", root / "content")
    kb.open(root / "content", root / "index", build_if_stale=True).close()
    return {"KB_CONTENT": str(root / "content"), "KB_INDEX": str(root / "index")}


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
def test_a_readme_example_prints_what_the_readme_shows(command: str, expected: str, folders: dict[str, str]):
    # `.venv/bin/kb` is this interpreter's kb, whatever virtualenv runs the tests.
    kb_cmd = f"{shlex.quote(sys.executable)} -m kb"
    line = re.sub(r"(?<![\w/])\.venv/bin/kb\b", kb_cmd, command)
    env = {**os.environ, **folders, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    r = subprocess.run(["bash", "-c", line], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip("\n") == expected, f"README.md shows other output for: {command}"
