"""Helpers for the reliability tests: run the real `kb` command line in a child process (with a
time limit, optionally forbidden to write anywhere under given folders), and fingerprint folders."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TMCM = "trendmicro-tmcm-tmi-not-ready"
FUJITSU = "fujitsu-tx200ft-ms05-018"
QUERY = "errcode=-107"

# Run as a child, this refuses (with PermissionError) every write-like operation under the folders
# named in KB_TEST_READONLY, whoever the user is (CI runs as root, which file modes do not stop).
READONLY_RUNNER = r"""
import os, sys
roots = [os.path.realpath(p) for p in os.environ["KB_TEST_READONLY"].split(os.pathsep)]
def inside(path):
    try:
        p = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return any(p == r or p.startswith(r + os.sep) for r in roots)
WRITES = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.truncate", "os.chmod", "os.utime", "shutil.rmtree"}
def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1] or "r", args[2] or 0
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC):
            if inside(args[0]):
                raise PermissionError(f"read-only test: write to {args[0]}")
    elif event in WRITES and args and any(isinstance(a, (str, bytes, os.PathLike)) and inside(a) for a in args[:2]):
        raise PermissionError(f"read-only test: {event} {args[0]}")
sys.addaudithook(hook)
from kb.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def run_kb(
    *args: str, cwd: Path | None = None, stdin: bytes | str | None = None, readonly: list[Path] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)}
    for k in ("KB_CONTENT", "KB_INDEX", "KB_SITE", "KB_DEBUG"):
        env.pop(k, None)
    if readonly:
        env["KB_TEST_READONLY"] = os.pathsep.join(str(p) for p in readonly)
        cmd = [sys.executable, "-c", READONLY_RUNNER, *args]
    else:
        cmd = [sys.executable, "-m", "kb", *args]
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    r = subprocess.run(cmd, input=data, capture_output=True, cwd=cwd, env=env, timeout=timeout)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace"))


def tree_digest(root: Path) -> str:
    """Names, kinds and contents of everything under ``root``: equal digests, nothing changed."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode() + b"\0")
        if p.is_symlink():
            h.update(b"L" + os.readlink(p).encode())
        elif p.is_file():
            h.update(b"F" + p.read_bytes())
        else:
            h.update(b"D")
    return h.hexdigest()


def edit(path: Path, extra: str = "\n") -> None:
    """Change a content file (and move its mtime on, so the change shows at any clock resolution)."""
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
