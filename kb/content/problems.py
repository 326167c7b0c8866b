"""What is wrong with the content, each problem located at ``path:line``: the records loading
reports (:class:`Problem`), the error that carries them (:class:`ContentError`), and the list a
load fills (:class:`Report`). Kept apart from :mod:`kb.content.load` so that a search, which only
names these, does not import the Markdown and YAML parsers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Characters no author means to write and no terminal should be sent (tabs and line ends aside):
pasted terminal colours, NULs. ``kb check`` warns of them in the content; the command line escapes them."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, located at ``path:line``."""

    path: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.severity}: {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


class ContentError(Exception):
    """Raised by :func:`load_or_raise` when the content has errors."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in content; first: {errors[0] if errors else '-'}")


class Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.kb_links: dict[str, list[tuple[Path, int, str]]] = {}  # advisory folder -> (file, line, href) of its kb: links

    def error(self, path: Path | str, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(path), max(1, line), message, hint, "error"))

    def warn(self, path: Path | str, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(path), max(1, line), message, hint, "warning"))
